from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularJSONAPIView

from socap_project import views

admin.site.site_header = "SOCAP administration"
admin.site.site_title = "SOCAP"
admin.site.index_title = "Campaign monitoring"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("socap/health", views.health, name="health"),
    path("socap/health/live", views.live, name="health-live"),
    # Plain application/json unless the OpenAPI media type is asked for, as before it was generated.
    path("socap/openapi.json",
         SpectacularJSONAPIView.as_view(renderer_classes=[OpenApiJsonRenderer2, OpenApiJsonRenderer]),
         name="openapi"),
    path("socap/", include("campaigns.urls")),
    path("socap/", include("ingestion.urls")),
    path("socap/", include("alerts.urls")),
    path("socap/", include("dashboard.urls")),
    path("socap/", include("reports.urls")),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
