"""`item`: a mapping's value by a key held in a variable (the staff tables' per-row lookups)."""

from django import template

register = template.Library()


@register.filter
def item(mapping, key):
    """mapping[key] or None: per-row lookups in a table rendered from one bulk read."""
    return (mapping or {}).get(key)
