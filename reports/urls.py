from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("campaigns/<int:campaign_id>/report", views.ReportApiView.as_view(), name="api-report"),
    path("campaigns/<int:campaign_id>/report/", views.staff_report, name="report"),
    path("campaigns/<int:campaign_id>/report.pdf", views.staff_report_pdf, name="report-pdf"),
    path("campaigns/<int:campaign_id>/report.csv", views.staff_report_csv, name="report-csv"),
    path("c/<str:token>/report", views.client_report, name="client-report"),
    path("c/<str:token>/report.pdf", views.client_report_pdf, name="client-report-pdf"),
    path("c/<str:token>/report.csv", views.client_report_csv, name="client-report-csv"),
]
