from django import template

from mamori.access import access_for
from mamori.org.models import OrgUnit

register = template.Library()


@register.filter
def keeps_ledgers(user) -> bool:
    """Whether `user` keeps any unit's ledger (may add, edit and import entries)."""
    return access_for(user).can("keep_ledger", OrgUnit)


@register.filter
def sees_reviews(user) -> bool:
    return access_for(user).can("see_ledger_reviews", OrgUnit)
