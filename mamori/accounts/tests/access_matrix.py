"""The accounts app's rows of the access matrix (mamori/core/tests/test_access.py)."""

from mamori.lib.testing import IN, NO, OK, POST

# Personas: anonymous, staff_a, staff_b, staff_other, kacho_a, bureau_head, ciso,
# csirt_lead, auditor, admin.
ACCESS = {
    "accounts:recovery_codes": (lambda p: [], [IN, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    "accounts:lockout_list": (lambda p: [], [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
    "accounts:user_enrolment_code": (
        lambda p: [p.staff_a.pk],
        [IN, NO, NO, NO, NO, NO, NO, NO, NO, POST],
    ),
}

POSTS = {
    "accounts:user_enrolment_code": (lambda p: {}, [IN, NO, NO, NO, NO, NO, NO, NO, NO, OK]),
}

API = {}
