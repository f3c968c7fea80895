"""Template context every page gets."""

from django.conf import settings

from ingestion.clock import accelerated


def demo_clock(request):
    """The demo's accelerated simulator clock, so each page can say its times are simulated."""
    return {"demo_clock_factor": settings.SOCAP_DEMO_CLOCK_FACTOR if accelerated() else None}
