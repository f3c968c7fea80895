"""Template context every page gets."""

from django.conf import settings


def demo_clock(request):
    """The demo's accelerated simulator clock, so each page can say its times are simulated."""
    from ingestion.clock import accelerated

    return {"demo_clock_factor": settings.SOCAP_DEMO_CLOCK_FACTOR if accelerated() else None}
