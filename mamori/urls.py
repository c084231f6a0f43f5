from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from mamori.api import api, routers
from mamori.policy.urls import public_urlpatterns

routers()

urlpatterns = [
    path("", include("mamori.core.urls")),
    path("accounts/", include("mamori.accounts.urls")),
    path("org/", include("mamori.org.urls")),
    path("trail/", include("mamori.trail.urls")),
    path("policy/", include("mamori.policy.urls")),
    path("ledger/", include("mamori.ledger.urls")),
    path("incidents/", include("mamori.incidents.urls")),
    path("requests/", include("mamori.approvals.urls")),
    path("inspections/", include("mamori.inspections.urls")),
    path("outsourcing/", include("mamori.outsourcing.urls")),
    path("compliance/", include("mamori.compliance.urls")),
    path("public/policy/", include((public_urlpatterns, "public"))),
    path("api/v1/", api.urls),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]
