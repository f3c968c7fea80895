"""Health checks the apps above the platform add (from their AppConfig.ready), so the platform's
/socap/health runs them without importing any app."""

from collections.abc import Callable

REGISTERED: dict[str, Callable[[], str]] = {}


def register_check(name: str, check: Callable[[], str]) -> None:
    """A check returns what it saw, or raises with what is wrong."""
    REGISTERED[name] = check
