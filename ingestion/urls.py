from django.urls import path

from ingestion import views

app_name = "ingestion"
urlpatterns = [
    path("workers/trigger", views.TriggerView.as_view(), name="trigger"),
    path("workers/run", views.RunView.as_view(), name="run"),
    path("workers/status", views.StatusView.as_view(), name="status"),
    path("workers/queue", views.QueueView.as_view(), name="queue"),
]
