"""Test helpers for requests, built through the real actions (ledger and approvals)."""

import datetime as dt
import itertools

from mamori.approvals.actions import filing
from mamori.approvals.models import Request
from mamori.lib import clock
from mamori.policy.rules import active_context

_numbers = itertools.count(1)


def make_asset(
    unit, level: str, *, name: str = "", kind="information", subkind="document", system=None
):
    """A ledger entry of `unit` classified `level` on the primary axis of the policy in force."""
    from mamori.ledger.actions import create_asset

    context = active_context()
    number = next(_numbers)
    return create_asset(
        actor=None,
        context=context,
        ledger_no=f"T-{unit.code}-{number:04d}",
        name=name or f"テスト資産{number}",
        kind=kind,
        subkind=subkind,
        owner_unit=unit,
        classification={context.primary_axis().key: level},
        system=system,
    )


def take_out_fields(**overrides) -> dict:
    """Every record a take-out may need, filled in, with the measure confirmed."""
    start = clock.now().replace(second=0, microsecond=0) + dt.timedelta(hours=1)
    fields = {
        "title": "住民説明会資料の持ち出し",
        "purpose": "地区住民説明会での説明",
        "scheduled_at": start,
        "content": "説明会資料(USBメモリ1本)",
        "person_in_charge": "佐藤 花子",
        "destination": "北地区市民センター",
        "return_date": start.date() + dt.timedelta(days=1),
        "measures_confirmed": ["encryption_or_password"],
    }
    return fields | overrides


def file_take_out(user, assets, *, submit: bool = True, **overrides) -> Request:
    return filing.file_request(
        actor=user,
        kind="take_out",
        fields=take_out_fields(**overrides),
        asset_ids=[a.pk for a in assets],
        submit=submit,
    )


def sample_request(p) -> int:
    """A take-out of a class II asset filed by staff_a, waiting for kacho_a (for the access table)."""
    existing = Request.objects.filter(title="ACCESS-SAMPLE").first()
    if existing is not None:
        return existing.pk
    asset = make_asset(p.unit_a, "II")
    return file_take_out(p.staff_a, [asset], title="ACCESS-SAMPLE").pk
