import time

from django.conf import settings

from mamori.org.models import OrgUnit

NAV_CACHE_SECONDS = 600


def mamori(request):
    user = getattr(request, "user", None)

    def compliance_link() -> bool:
        """Whether the navigation offers the compliance dashboard: as the access model
        answers for the dashboard itself (compliance/access.py: "oversee"). Asked only when a
        page renders the navigation and remembered in the session for ten minutes, so pages
        do not pay for loading the policy each time; the dashboard itself always asks."""
        if user is None or not user.is_authenticated:
            return False
        session = getattr(request, "session", None)
        remembered = session.get("mamori_nav_compliance") if session is not None else None
        now = int(time.time())
        if remembered and remembered[1] == user.pk and remembered[2] > now:
            return remembered[0]
        allowed = request.access.can("oversee", OrgUnit)
        if session is not None:
            session["mamori_nav_compliance"] = [allowed, user.pk, now + NAV_CACHE_SECONDS]
        return allowed

    return {
        "MAMORI_ORGANIZATION_NAME": settings.MAMORI_ORGANIZATION_NAME,
        "show_compliance_link": compliance_link,
    }
