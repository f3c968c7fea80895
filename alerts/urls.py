from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("alerts/test/<int:campaign_id>", views.test_send, name="test-send"),
]
