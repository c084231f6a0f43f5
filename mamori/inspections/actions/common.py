"""What the inspection actions share: the policy in force, and absolute links for mails."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from mamori.policy.rules import PolicyContext, active_context


def _context() -> PolicyContext:
    context = active_context()
    if context is None:
        raise ValidationError(_("No policy is in force yet."))
    return context


def _url(name: str, *args) -> str:
    return settings.MAMORI_BASE_URL.rstrip("/") + reverse(name, args=args)
