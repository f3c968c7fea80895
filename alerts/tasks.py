from celery import shared_task

from alerts.channels import ChannelError
from socap_project.celery import RETRY, STORE_OUTAGES


@shared_task(name="socap.alerts.send_due", ignore_result=True, **RETRY)
def send_due_alerts() -> dict:
    from alerts.services import send_due_alerts as run

    report = run()
    return {"sent": report.sent, "skipped": report.skipped, "waiting": report.waiting, "failed": report.failed}


@shared_task(name="socap.alerts.send_budget_alert", ignore_result=True,
             **{**RETRY, "autoretry_for": (*STORE_OUTAGES, ChannelError)})
def send_budget_alert(campaign_id: int, level: int, budget: int, spent: int) -> list[str]:
    from alerts.staff_budget_alert import send_budget_alert as run

    return run(campaign_id, level, budget, spent)


@shared_task(name="socap.alerts.plan_cycle", ignore_result=True, **RETRY)
def plan_alert_cycle(cycle_id: str) -> dict:
    from alerts.services import plan_cycle

    plan = plan_cycle(cycle_id)
    return {"state": plan.state, "found": plan.found, "queued": plan.queued, "spike": plan.spike}


@shared_task(name="socap.alerts.plan_due_cycles", ignore_result=True, **RETRY)
def plan_due_cycles() -> int:
    from alerts.services import plan_due_cycles as run

    return len(run())


@shared_task(name="socap.alerts.send_report_emails", ignore_result=True, **RETRY)
def send_report_emails() -> dict:
    from alerts.report_email import send_due

    return send_due()
