from celery import shared_task

from ingestion.tasks import RETRY


@shared_task(name="socap.alerts.send_due", ignore_result=True, **RETRY)
def send_due_alerts() -> dict:
    from alerts.services import send_due_alerts as run

    report = run()
    return {"sent": report.sent, "skipped": report.skipped, "waiting": report.waiting, "failed": report.failed}
