"""What ingestion announces. Alerts and the dashboard react (each app's receivers.py, connected
in its AppConfig.ready), so ingestion never imports the apps that read what it stores.

Receivers run synchronously in the sender's transaction of work and their exceptions propagate:
a hand-off that fails is retried by the next run of the same job. A page's hand-off receivers add
their writes to the batch the sender gives them (`mongo.Writes`) rather than writing themselves, so
the page costs a constant handful of round trips (docs/data-model.md, "The page write").
"""

from django.dispatch import Signal

# campaign_id, docs (a page's engagements about to be inserted, some perhaps stored already), writes:
# receivers add the inserts that must land in the same write as the engagements (first-sighting claims)
engagements_storing = Signal()
# campaign, docs (the engagement documents a page just stored, as built in memory), run_batch,
# claims (the write that stored them, with the receivers' claims), writes (sent after every receiver
# ran: receivers add their counter updates to it instead of writing), recovered (a rerun's hand-off
# of engagements a crashed run stored)
engagements_stored = Signal()
# campaign_id (Mongo id): metrics read, a tweet parked or released; what staff see is stale
polling_state_changed = Signal()
# campaign_id, deltas (tweet id → change of its counters since the last reading), writes (sent after every
# receiver ran, with the readings: receivers add their updates to it instead of writing)
tweet_metrics_read = Signal()
# cycle_id: every list job of a poll cycle reported done (or the cycle needed none)
cycle_listed = Signal()
# campaign_id (Django pk, as on the cycle), tweet_id, count: new engagements a list job reported after its
# cycle's counts were taken; they belong to the tweet's next reading span
activity_counted_late = Signal()
# campaign_id (Django pk), level (percent), budget, spent: a spend threshold crossed, claimed once
budget_level_crossed = Signal()
# campaign_id (Mongo id), tweet_ids: these tweets' engagements are deleted; counts must drop them
engagements_removed = Signal()
