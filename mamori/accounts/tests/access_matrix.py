"""The accounts app's rows of the access matrix (mamori/core/tests/test_access.py).

SCIM is off unless MAMORI_SCIM_ENABLED: every persona, signed in or not, finds nothing there.
Switched on, it answers bearer tokens of account administrators only (tests/test_scim.py)."""

from mamori.lib.testing import IN, NF, NO, OK, POST

# Personas: anonymous, staff_a, staff_b, staff_other, kacho_a, bureau_head, ciso,
# csirt_lead, auditor, admin.
ACCESS = {
    "accounts:recovery_codes": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "accounts:lockout_list": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "accounts:user_enrolment_code": (
        lambda p: [p.staff_a.pk],
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST],
    ),
    "scim:config": (lambda p: [], [NF] * 10),
    "scim:users": (lambda p: [], [NF] * 10),
    "scim:user": (lambda p: [str(p.staff_a.pk)], [NF] * 10),
}

POSTS = {
    "accounts:user_enrolment_code": (lambda p: {}, [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
}

API = {}
