from celery import shared_task

from socap_project.celery import RETRY


@shared_task(name="socap.reports.render_pdf", ignore_result=True, **RETRY)
def render_report_pdf(campaign_id: int, audience: str = "client") -> str:
    from reports.pdf_jobs import render_and_keep

    return render_and_keep(campaign_id, audience)
