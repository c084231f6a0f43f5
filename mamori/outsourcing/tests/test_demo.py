"""Done-when of issue 18 for this part: the demo's contract lacking the subcontracting clause
is flagged by `mamori check` with 8(8)④ under 茅野市's pack; under 仙台市's pack the demo's
terms-only service holding II information is flagged with its clause."""

import io
import json

import pytest
from django.core.management import call_command

from mamori.outsourcing.models import ExternalService, OutsourcingContract, SocialMediaAccount


def _findings() -> list[dict]:
    out = io.StringIO()
    with pytest.raises(SystemExit):  # findings: exit 1
        call_command("check", "--json", stdout=out)
    return json.loads(out.getvalue())


def _cited(findings, check) -> list[tuple[str, str]]:
    return [
        (f["object"]["name"], "".join(f["clauses"][0]["path"]))
        for f in findings
        if f["check"] == check
    ]


@pytest.mark.django_db(transaction=True)
def test_the_chino_demo_contract_lacking_the_subcontracting_clause_is_flagged_with_8_8_4():
    call_command("demo", "--policy", "chino", "--quiet", stdout=io.StringIO())
    assert OutsourcingContract.objects.count() == 2
    assert SocialMediaAccount.objects.count() == 2
    findings = _findings()
    missing = _cited(findings, "outsourcing.clause_missing")
    assert len(missing) == 1
    assert missing[0][0].startswith("住民記録システム運用保守業務委託")
    assert missing[0][1] == "8(8)④"
    overdue = _cited(findings, "outsourcing.confirmation_overdue")
    assert [path for _name, path in overdue] == ["8(9)"]


@pytest.mark.django_db(transaction=True)
def test_the_sendai_demo_terms_only_service_holding_ii_is_flagged_with_its_clause():
    call_command("demo", "--quiet", stdout=io.StringIO())
    assert {s.service_type for s in ExternalService.objects.all()} == {
        "terms_only",
        "terms_special",
        "government",
        "outsourced",
    }
    findings = _findings()
    too_much = _cited(findings, "outsourcing.service_holds_too_much")
    assert [(name.split("(")[0], path) for name, path in too_much] == [
        ("ファイル共有サービス", "第2章(3)④(vi)・1")
    ]
    assert _cited(findings, "outsourcing.service_unencrypted")
    assert _cited(findings, "outsourcing.service_not_erased")
    assert _cited(findings, "outsourcing.account_without_responsible")
