from django import template

from mamori.org.scope import unit_scope

register = template.Library()


@register.filter
def keeps_ledgers(user) -> bool:
    """Whether `user` keeps any unit's ledger (may add, edit and import entries)."""
    scope = unit_scope(user)
    return scope.manage_everything or bool(scope.manage_paths)


@register.filter
def sees_reviews(user) -> bool:
    scope = unit_scope(user)
    return scope.manage_everything or bool(scope.manage_paths) or scope.everything
