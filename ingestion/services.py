"""What other apps may ask of ingestion: the public write surface (reads are in `ingestion.selectors`,
the document's shape in `ingestion.contract`, what ingestion announces in `ingestion.signals`).

The modules behind these names are ingestion's own and may move; tests/test_architecture.py allows
other apps no other ingestion import.
"""

from ingestion.archiving.archive import archive_for, restore_archive, verify_archive, write_archive
from ingestion.archiving.archive import resolve_target as resolve_archive_target
from ingestion.archiving.s3 import S3Error
from ingestion.polling.cadence import snap_back
from ingestion.polling.parking import recheck as recheck_parked
from ingestion.polling.poll_cycles import mark_planned as mark_cycle_planned
from ingestion.polling.poll_cycles import take_counts as take_cycle_counts
from ingestion.polling.scheduler import enqueue_metrics
from ingestion.storing.importance import entry as importance_entry
from ingestion.storing.importance import upsert_entries as upsert_importance_entries
from ingestion.storing.numbering import alert_seqs_on_counters, forget_alert_seq, mark_handed_off, number_unsequenced

__all__ = [
    # polling
    "enqueue_metrics", "snap_back", "recheck_parked", "take_cycle_counts", "mark_cycle_planned",
    # the importance list
    "importance_entry", "upsert_importance_entries",
    # sequence numbers (upgrades and restores)
    "number_unsequenced", "mark_handed_off", "alert_seqs_on_counters", "forget_alert_seq",
    # archives
    "archive_for", "write_archive", "verify_archive", "restore_archive", "S3Error", "resolve_archive_target",
]
