"""Celery tasks for completion: thin, ids in."""

import logging

from celery import shared_task

from socap_project.celery import RETRY

FINALIZE_RETRY_SECONDS = 30
log = logging.getLogger(__name__)


@shared_task(name="socap.campaigns.complete_due", ignore_result=True, **RETRY)
def complete_due() -> int:
    from operations.completion import due_campaigns, request_completion

    due = list(due_campaigns())
    for campaign in due:
        request_completion(campaign)
    return len(due)


@shared_task(name="socap.campaigns.finalize", bind=True, ignore_result=True, **{**RETRY, "max_retries": None})
def finalize_campaign(self, campaign_id: int) -> str:
    from operations.completion import finalize
    from ingestion.services import S3Error

    try:
        result = finalize(campaign_id)
    except S3Error as exc:
        if exc.permanent:
            # A wrong bucket or refused credentials: retrying now cannot help. The campaign stays
            # uncompleted and complete_due asks again once the request goes stale (after the fix).
            log.error("campaign %s: archive to S3 failed permanently: %s", campaign_id, exc)
            raise
        raise self.retry(countdown=FINALIZE_RETRY_SECONDS * 2, exc=exc) from exc
    if result.state in ("waiting", "busy"):
        # Short countdowns only: the broker's visibility timeout must stay longer.
        raise self.retry(countdown=FINALIZE_RETRY_SECONDS)
    return result.state

