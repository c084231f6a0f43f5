from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from mamori.api import api, routers
from mamori.policy.urls import public_urlpatterns

routers()

urlpatterns = [
    path("", include("mamori.core.urls")),
    path("accounts/", include("mamori.accounts.urls")),
    path("scim/v2/", include("mamori.accounts.scim_urls")),
    path("org/", include("mamori.org.urls")),
    path("trail/", include("mamori.trail.urls")),
    path("policy/", include("mamori.policy.urls")),
    path("ledger/", include("mamori.ledger.urls")),
    path("system-accounts/", include("mamori.sysaccounts.urls")),
    path("incidents/", include("mamori.incidents.urls")),
    path("requests/", include("mamori.approvals.urls")),
    path("inspections/", include("mamori.inspections.urls")),
    path("personnel/", include("mamori.personnel.urls")),
    path("outsourcing/", include("mamori.outsourcing.urls")),
    path("compliance/", include("mamori.compliance.urls")),
    path("training/", include("mamori.training.urls")),
    path("premises/", include("mamori.premises.urls")),
    path("public/policy/", include((public_urlpatterns, "public"))),
    path("api/v1/", api.urls),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]
