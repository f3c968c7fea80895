"""Template filters for what people read: account category labels instead of internal keys."""

from django import template

from socap_project.vocabulary import account_category_label

register = template.Library()


@register.filter
def category_label(key):
    return account_category_label(key)
