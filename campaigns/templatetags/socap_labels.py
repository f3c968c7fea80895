"""Template filters for what people read: account category labels instead of internal keys."""

from django import template

from ingestion.classifier import category_label as _category_label

register = template.Library()


@register.filter
def category_label(key):
    return _category_label(key)
