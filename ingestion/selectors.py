"""What other apps may read of ingestion: the public read surface (writes are in `ingestion.services`,
the document's shape in `ingestion.contract`, what ingestion announces in `ingestion.signals`).

Every read is bounded by what it returns (an equality prefix and a closed seq or time window);
the modules behind these names are ingestion's own and may move. tests/test_architecture.py allows
other apps no other ingestion import.
"""

from ingestion.archiving.archive import archive_dir
from ingestion.clock import observed_now
from ingestion.polling.cadence import cadences
from ingestion.polling.parking import is_parked
from ingestion.polling.poll_cycles import PLANNED as CYCLE_PLANNED
from ingestion.polling.poll_cycles import due as due_cycles
from ingestion.polling.poll_cycles import get as poll_cycle
from ingestion.polling.poll_cycles import unplanned as unplanned_cycles
from ingestion.polling.worker_state import states_for_campaign
from ingestion.polling.worker_status import final_poll_done
from ingestion.storing.engagement_selectors import (
    account_engagements,
    actions_of,
    api_usage,
    cycle_window,
    in_window,
    metric_snapshots,
    seq_range,
    top_followers_of,
    worker_states,
)
from ingestion.storing.engagements import last_seq, reply_count
from ingestion.storing.importance import followed_by

__all__ = [
    # engagements: windows of what was stored (by seq or time) and one account's
    "cycle_window", "seq_range", "in_window", "account_engagements", "actions_of", "top_followers_of",
    "last_seq", "reply_count",
    # the importance list
    "followed_by",
    # tweets' metrics and the workers reading them
    "metric_snapshots", "worker_states", "states_for_campaign", "is_parked", "final_poll_done",
    # poll cycles (the alert planner's runs)
    "poll_cycle", "due_cycles", "unplanned_cycles", "CYCLE_PLANNED",
    # provider calls: the per-call log, and how often each tweet is read (what it costs)
    "api_usage", "cadences",
    # the clock of the readings (the demo's simulated time) and where archives go
    "observed_now", "archive_dir",
]
