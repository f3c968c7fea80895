from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from socap_project.health import run_checks


@require_GET
def health(request):
    """200 when every component answers, 503 naming the ones that do not.

    Public (load balancers and uptime monitors call it without credentials), so
    anonymous callers get component names and states only; staff see details.
    """
    results = run_checks()
    failing = [r.name for r in results if not r.ok]
    show_detail = request.user.is_authenticated and request.user.is_staff
    body = {
        "status": "ok" if not failing else "unhealthy",
        "failing": failing,
        "components": {
            r.name: ({"ok": r.ok, "detail": r.detail, "ms": r.millis} if show_detail else {"ok": r.ok})
            for r in results
        },
    }
    return JsonResponse(body, status=200 if not failing else 503)


class HealthComponentSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.CharField(required=False, help_text="Staff only")
    ms = serializers.FloatField(required=False, help_text="Staff only")


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "unhealthy"])
    failing = serializers.ListField(child=serializers.CharField())
    components = serializers.DictField(child=HealthComponentSerializer())


# What the OpenAPI document says about `health` (socap_project.views.add_health_endpoint); never
# routed: the URL serves the plain view above. (A class docstring would become the operation's text.)
class HealthDescription(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Health of every component",
        description="Public (load balancers, uptime monitors). Anonymous callers get each component's `ok` only; "
                    "staff also get `detail` and `ms`.",
        auth=[],
        responses={200: OpenApiResponse(HealthSerializer, description="All healthy"),
                   503: OpenApiResponse(HealthSerializer, description="Some component failing")},
    )
    def get(self, request):
        return health(request._request)


def add_health_endpoint(endpoints: list, **kwargs) -> list:
    """drf-spectacular only sees DRF views; /socap/health stays a plain Django view (its 405s and
    its anonymous access are not DRF's), so its description stands in for it in the document."""
    path = reverse("health")
    return [*endpoints, (path, path.lstrip("/"), "GET", HealthDescription.as_view())]
