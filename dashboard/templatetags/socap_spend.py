"""Template helpers for the staff-only spend panel and cadence column."""

from django import template

register = template.Library()


@register.filter
def item(mapping, key):
    """mapping[key] or None: per-row lookups in a table rendered from one bulk read."""
    return (mapping or {}).get(key)
