from django.http import JsonResponse
from django.views.decorators.http import require_GET
from rest_framework.response import Response
from rest_framework.views import APIView

from socap_project import openapi

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


class OpenApiView(APIView):
    """The JSON API's OpenAPI description (for API clients with a token, and for the fuzz tests)."""

    def get(self, request):
        return Response(openapi.build())
