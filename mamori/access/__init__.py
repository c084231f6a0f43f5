"""The access model: who may see and do what, decided here and nowhere else.

    access = request.access                     # or access_for(actor) in an action
    assets = access.restrict(InformationAsset.objects.all(), "view")
    access.require("change", asset)             # Refused (403, written to the trail) or go on
    asset = access.get_or_404(InformationAsset.objects.all(), pk=pk)

`Access` works out once, for one user at one moment, what the policy in force makes of
them: their roles, the units they see and keep, whether they are an administrator, an
auditor, a member of the security office or an incident responder (model.py). Each app
declares the rules for its kinds of object in its own `access.py`, registered with
`@rules_for(Model)` (rules.py); `restrict` and `require` are the only ways to ask them.

Refusals: `require` raises `Refused`; it is written to the trail once (`access.denied`), by
whichever boundary it crosses first after its transaction rolled back: the `@action`
decorator of an action function, the view layer, the API or the command line
(refusals.py).
"""

from mamori.access.model import (
    DIVISION_KINDS,
    Access,
    access_for,
    authorize,
    provide_policy,
    units_under,
)
from mamori.access.refusals import Refused, action, record_refusal
from mamori.access.rules import ObjectRules, Verdict, rules_for
from mamori.access.views import allowed

__all__ = [
    "DIVISION_KINDS",
    "Access",
    "ObjectRules",
    "Refused",
    "Verdict",
    "access_for",
    "authorize",
    "action",
    "allowed",
    "provide_policy",
    "record_refusal",
    "rules_for",
    "units_under",
]
