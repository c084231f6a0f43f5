"""The incidents app's rows of the access matrix (core/tests/test_access.py)."""

from mamori.lib.testing import NF, OK


def _legal(p) -> str:
    from mamori.core.tests.test_access import _legal_report

    return f"/api/v1/incidents/{_legal_report(p)[0]}/legal"


API = {
    # The legal-report status of an incident follows who may see the incident.
    "legal reports of an incident": (
        "get",
        _legal,
        None,
        [401, OK, NF, NF, OK, NF, OK, OK, OK, NF],
    ),
}
