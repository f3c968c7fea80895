from django.urls import path

from dashboard import api, views

app_name = "dashboard"
urlpatterns = [
    path("dashboard/", views.staff_index, name="index"),
    path("c/<str:token>/", views.client_dashboard, name="client"),
    path("c/<str:token>/engagements.csv", views.client_csv, name="client-csv"),
    path("campaigns/<int:campaign_id>/", views.staff_dashboard, name="staff"),
    path("campaigns/<int:campaign_id>/engagements.csv", views.staff_csv, name="staff-csv"),
    path("campaigns/<int:campaign_id>/dashboard", api.DashboardView.as_view(), name="api-dashboard"),
    path("campaigns/<int:campaign_id>/metrics", api.MetricsView.as_view(), name="api-metrics"),
    path("campaigns/<int:campaign_id>/engagements", api.EngagementsView.as_view(), name="api-engagements"),
    path("campaigns/<int:campaign_id>/profile-timeseries", api.ProfileTimeseriesView.as_view(),
         name="api-profile-timeseries"),
    path("campaigns/<int:campaign_id>/reach", api.ReachView.as_view(), name="api-reach"),
    path("campaigns/<int:campaign_id>/sentiment", api.SentimentView.as_view(), name="api-sentiment"),
    path("campaigns/<int:campaign_id>/rankings", api.RankingsView.as_view(), name="api-rankings"),
    path("campaigns/<int:campaign_id>/accounts/<str:user_id>/timeline", api.AccountTimelineView.as_view(),
         name="api-account-timeline"),
]
