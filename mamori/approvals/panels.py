"""What requests put on the compliance pages (mamori.compliance.panels): the requests in
progress, and the exceptions (例外措置) granted in the 年度 for the policy review."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mamori.approvals.models import Request, RequestStatus
from mamori.compliance.access import within_oversight
from mamori.compliance.panels import REVIEW, Panel, WorkInProgress
from mamori.lib.wareki import year_range
from mamori.policy.vocabulary import RequestKind

IN_PROGRESS = [
    RequestStatus.SUBMITTED,
    RequestStatus.SENT_BACK,
    RequestStatus.APPROVED,
    RequestStatus.CARRIED_OUT,
]
EXCEPTION_GRANTED = [
    RequestStatus.APPROVED,
    RequestStatus.COMPLETED,
    RequestStatus.CARRIED_OUT,
    RequestStatus.REPORTED,
]


def in_progress(access):
    """Open requests the user may open, of the units they oversee."""
    rows = access.restrict(Request.objects.filter(status__in=IN_PROGRESS))
    return within_oversight(access, rows).select_related("unit").order_by("-submitted_at", "-id")


def exceptions_granted(access, year: int):
    """Exceptions (例外措置) approved, or carried out in an emergency, in the fiscal year."""
    start, end = year_range(year)
    decided = Q(decided_at__gte=start, decided_at__lt=end)
    emergency = Q(decided_at__isnull=True, carried_out_at__gte=start, carried_out_at__lt=end)
    return (
        access.restrict(Request.objects.filter(kind=RequestKind.EXCEPTION))
        .filter(status__in=EXCEPTION_GRANTED)
        .filter(decided | emergency)
        .select_related("unit")
        .order_by("decided_at", "carried_out_at", "id")
    )


def exceptions_panel(data, year):
    return {"exceptions": list(exceptions_granted(data.access, year))}


WORK = WorkInProgress(
    key="requests",
    title=_("Requests in progress"),
    caption=_("requests in progress"),
    rows=in_progress,
    template="approvals/panels/in_progress.html",
    order=20,
)
EXCEPTIONS = Panel(
    key="review_exceptions",
    page=REVIEW,
    build=exceptions_panel,
    template="approvals/panels/exceptions.html",
    order=20,
)
