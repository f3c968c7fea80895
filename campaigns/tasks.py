"""Celery tasks for completion: thin, ids in."""

from celery import shared_task

from ingestion.tasks import RETRY, STORE_OUTAGES

FINALIZE_RETRY_SECONDS = 30


@shared_task(name="socap.campaigns.complete_due", ignore_result=True, **RETRY)
def complete_due() -> int:
    from campaigns.completion import due_campaigns, request_completion

    due = list(due_campaigns())
    for campaign in due:
        request_completion(campaign)
    return len(due)


@shared_task(name="socap.campaigns.finalize", bind=True, ignore_result=True, max_retries=None,
             autoretry_for=STORE_OUTAGES, retry_backoff=5, retry_backoff_max=120)
def finalize_campaign(self, campaign_id: int) -> str:
    from campaigns.completion import finalize

    result = finalize(campaign_id)
    if result.state == "waiting":
        # Short countdowns only: the broker's visibility timeout must stay longer.
        raise self.retry(countdown=FINALIZE_RETRY_SECONDS)
    return result.state
