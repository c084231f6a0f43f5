"""The completion report of an access review (棚卸し): every account with its decision,
comment, reviewer and, for a revocation, its deadline and when it was done — as a workbook
(.xlsx, text cells never run as formulas) or a PDF, and what changed since the previous
review of the same system."""

import io

from django.http import HttpResponse
from django.utils.translation import gettext as _

from mamori.lib import safe_cells
from mamori.lib.pdf import pdf_response
from mamori.lib.wareki import format_wareki
from mamori.sysaccounts.models import AccessReview, ReviewItem


def _day(value) -> str:
    return format_wareki(value) if value else ""


def rows(review: AccessReview) -> list[list[str]]:
    items = review.items.select_related(
        "account__holder", "account__owner", "unit", "decided_by"
    ).order_by("unit__name", "account__name")
    out = []
    for item in items:
        person = item.account.holder or item.account.owner
        out.append(
            [
                item.unit.name if item.unit else _("(system manager)"),
                item.account.name,
                person.name if person else "",
                item.account.roles,
                "○" if item.account.privileged else "",
                item.get_decision_display() if item.decision else _("Not decided"),
                item.comment,
                item.decided_by.display_name if item.decided_by else "",
                _day(item.decided_on),
                _day(item.revoke_due_on),
                _day(item.done_on),
            ]
        )
    return out


def headers() -> list[str]:
    return [
        _("Reviewing unit"),
        _("Account name"),
        _("Holder"),
        _("Rights and roles"),
        _("Privileged"),
        _("Decision"),
        _("Comment"),
        _("Decided by"),
        _("Decided on"),
        _("Revoke by"),
        _("Done in the system on"),
    ]


def changes_since_previous(review: AccessReview) -> dict:
    """Accounts new since the previous review of the system, and those revoked in it."""
    previous = (
        AccessReview.objects.filter(system=review.system, opened_on__lte=review.opened_on)
        .exclude(pk=review.pk)
        .order_by("-opened_on", "-pk")
        .first()
    )
    if previous is None:
        return {"previous": None, "new": set(), "revoked": []}
    before = set(previous.items.values_list("account_id", flat=True))
    now = set(review.items.values_list("account_id", flat=True))
    revoked = list(
        ReviewItem.objects.filter(review=previous, decision="revoke")
        .select_related("account")
        .order_by("account__name")
    )
    return {"previous": previous, "new": now - before, "revoked": revoked}


def xlsx_response(review: AccessReview) -> HttpResponse:
    out = io.BytesIO()
    workbook = safe_cells.workbook(out)
    sheet = safe_cells.SafeSheet(workbook, _("Access review")[:31])
    bold = {"bold": True}
    sheet.write(0, 0, f"{review.title} / {review.system.name}", bold)
    sheet.write_row(2, 0, headers(), bold)
    for number, row in enumerate(rows(review), start=3):
        # Every cell as text (names, comments), formula-like text kept as text.
        sheet.write_row(number, 0, [str(value) for value in row])
    sheet.freeze_panes(3, 0)
    workbook.close()
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="access-review-{review.pk}.xlsx"'
    return response


def pdf(review: AccessReview) -> HttpResponse:
    data = rows(review)

    def build(doc):
        doc.title(_("Access review report"))
        doc.fields(
            [
                (_("Title"), review.title),
                (_("Information system"), f"{review.system.code} {review.system.name}"),
                (_("Opened on"), _day(review.opened_on)),
                (_("Due on"), _day(review.due_on)),
                (_("Closed on"), _day(review.closed_on) or "—"),
                (_("Accounts"), len(data)),
            ]
        )
        doc.spacer()
        picked = [1, 2, 5, 6, 9, 10]
        doc.table([headers()[i] for i in picked], [[row[i] for i in picked] for row in data])

    return pdf_response(f"access-review-{review.pk}.pdf", build, subject=review.title)
