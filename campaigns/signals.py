"""What campaign setup announces. The apps that keep data about a campaign's tweets react
(their receivers.py), so campaigns never imports them.

Receivers run synchronously inside the caller's transaction: one that raises rolls the
setup write back (see campaigns/services.py, "all or nothing across two stores").
"""

from django.dispatch import Signal

# campaign, tweet_ids: tweets now tracked (ingestion creates their worker states)
tweets_tracked = Signal()
# campaign_id (Mongo id), tweet_ids: tweets no longer tracked, or the undo of a failed setup write;
# every app removes what it keeps about them
tweets_untracked = Signal()
# campaign_id (Mongo id): the campaign is being deleted; every app removes its documents and
# returns {collection: documents removed}
campaign_deleted = Signal()
# campaign: Slack has a webhook now (set here, or the deployment default set since)
slack_ready = Signal()
