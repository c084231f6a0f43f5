"""The accounts app's rows of the access matrix (core/tests/test_access.py).

SCIM is off unless MAMORI_SCIM_ENABLED: every persona, signed in or not, finds nothing there.
Switched on, it answers bearer tokens of account administrators only (tests/test_scim.py)."""

from mamori.lib.testing import NF

ACCESS = {
    "scim:config": (lambda p: [], [NF] * 10),
    "scim:users": (lambda p: [], [NF] * 10),
    "scim:user": (lambda p: [str(p.staff_a.pk)], [NF] * 10),
}
