"""Template filters for Japanese dates: 和暦 and 年度."""

from django import template
from django.apps import apps

from mamori.lib.choices import display as choice_display
from mamori.lib.wareki import show_date, show_datetime, show_nendo

register = template.Library()


@register.filter
def wareki(value, arg: str = ""):
    """{{ day|wareki }} → 令和7年4月1日 (English: 1 Apr 2025 (Reiwa 7)). Empty stays empty."""
    return show_date(value, numeric_first_year=arg == "numeric")


@register.filter
def wareki_datetime(value):
    """{{ time|wareki_datetime }} → 令和7年4月1日 09:30."""
    return show_datetime(value)


@register.filter
def nendo(value):
    """{{ day|nendo }} or {{ 2025|nendo }} → 令和7年度 (English: FY2025)."""
    return show_nendo(value)


_MODALITY_CLASS = {
    "must": "danger",
    "must_not": "danger",
    "shall": "warn",
    "endeavor": "",
    "may": "ok",
}


@register.filter
def modality_class(value) -> str:
    """CSS class of an obligation's modality badge."""
    return _MODALITY_CLASS.get(str(value), "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def display(obj, name: str):
    """{{ asset|display:"subkind" }}: the label of a choice field (cached, unlike get_FOO_display)."""
    return choice_display(obj, name)


@register.simple_tag(takes_context=True)
def can(context, action: str, target) -> bool:
    """What the access model answers for the signed-in user (mamori.access):

    {% can "change" asset as may_edit %}
    {% can "change" "org.OrgUnit" as may_add %}     (may they do it to any?)
    """
    access = getattr(context.get("request"), "access", None)
    if access is None or target in (None, ""):
        return False
    if isinstance(target, str):
        target = apps.get_model(target)
    return access.can(action, target)
