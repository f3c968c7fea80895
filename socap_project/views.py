from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from socap_project.health import cached_checks, run_checks


@require_GET
def live(request):
    """The process answers HTTP: what a load balancer probes. Asks no store, so a late Beat or a
    failing-over database never takes healthy web hosts out of rotation."""
    return JsonResponse({"status": "ok"})


@require_GET
def health(request):
    """200 when every component answers, 503 naming the ones that do not.

    Public (uptime monitors and dashboards call it without credentials), so anonymous callers get
    component names and states only, from an answer up to 10 s old; staff get fresh details.
    """
    show_detail = request.user.is_authenticated and request.user.is_staff
    results = run_checks() if show_detail else cached_checks()
    failing = [r.name for r in results if not r.ok]
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
        description="Public (uptime monitors, dashboards; a load balancer probes `/socap/health/live`). Anonymous "
                    "callers get each component's `ok` only, from an answer up to 10 s old; staff also get `detail` "
                    "and `ms`, checked afresh.",
        auth=[],
        responses={200: OpenApiResponse(HealthSerializer, description="All healthy"),
                   503: OpenApiResponse(HealthSerializer, description="Some component failing")},
    )
    def get(self, request):
        return health(request._request)


class LiveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok"])


class LiveDescription(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The web process answers (liveness)",
        description="Public. Asks no store: 200 whenever this process serves HTTP, whatever MongoDB, Redis, the "
                    "database, the workers or Beat are doing. What a load balancer probes.",
        auth=[],
        responses={200: OpenApiResponse(LiveSerializer, description="The process answers")},
    )
    def get(self, request):
        return live(request._request)


def add_health_endpoint(endpoints: list, **kwargs) -> list:
    """drf-spectacular only sees DRF views; the health URLs stay plain Django views (their 405s and
    their anonymous access are not DRF's), so their descriptions stand in for them in the document."""
    extra = [(reverse(name), view) for name, view in (("health", HealthDescription), ("health-live", LiveDescription))]
    return [*endpoints, *((path, path.lstrip("/"), "GET", view.as_view()) for path, view in extra)]
