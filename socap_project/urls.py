from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from socap_project import views

admin.site.site_header = "SOCAP administration"
admin.site.site_title = "SOCAP"
admin.site.index_title = "Campaign monitoring"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("socap/health", views.health, name="health"),
    path("socap/openapi.json", views.OpenApiView.as_view(), name="openapi"),
    path("socap/", include("campaigns.urls")),
    path("socap/", include("ingestion.urls")),
    path("socap/", include("alerts.urls")),
    path("socap/", include("dashboard.urls")),
    path("socap/", include("reports.urls")),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
