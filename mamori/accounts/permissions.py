"""Guards for functions reserved to an application role."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def role_required(*, administrator: bool = False, auditor: bool = False):
    """Allow the view to administrators (and auditors, when `auditor`); refuse others with 403.

    A refusal is written to the trail: someone tried a function their role does not grant.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            allowed = (administrator and user.is_administrator) or (
                auditor and (user.is_auditor or user.is_administrator)
            )
            if not allowed:
                from mamori.accounts.actions import record_access_denied

                record_access_denied(user, what=f"{request.method} {request.path}")
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required(administrator=True)
admin_or_auditor_required = role_required(administrator=True, auditor=True)
