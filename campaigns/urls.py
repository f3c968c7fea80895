from django.urls import path

from campaigns import api, report_views, views

app_name = "campaigns"
urlpatterns = [
    path("campaigns", api.CampaignListView.as_view(), name="api-list"),
    path("campaigns/<int:campaign_id>", api.CampaignDetailView.as_view(), name="api-detail"),
    path("campaigns/<int:campaign_id>/report", report_views.ReportApiView.as_view(), name="api-report"),
    path("campaigns/<int:campaign_id>/report/", report_views.staff_report, name="report"),
    path("campaigns/<int:campaign_id>/report.pdf", report_views.staff_report_pdf, name="report-pdf"),
    path("campaigns/<int:campaign_id>/report.csv", report_views.staff_report_csv, name="report-csv"),
    path("c/<str:token>/report", report_views.client_report, name="client-report"),
    path("c/<str:token>/report.pdf", report_views.client_report_pdf, name="client-report-pdf"),
    path("c/<str:token>/report.csv", report_views.client_report_csv, name="client-report-csv"),
    path("create", views.create_campaign_page, name="create"),
    path("create/tweet-row", views.tweet_row, name="create-tweet-row"),
]
