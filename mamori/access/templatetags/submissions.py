"""{% submission_token %}: the hidden one-time token of a form that creates something
(mamori.access.submissions). A form shown again after an error keeps the posted token."""

import uuid

from django import template
from django.utils.html import format_html

from mamori.access.submissions import FIELD, parse_token

register = template.Library()


@register.simple_tag(takes_context=True)
def submission_token(context) -> str:
    request = context.get("request")
    posted = parse_token(request.POST.get(FIELD)) if request is not None else None
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, posted or uuid.uuid4())
