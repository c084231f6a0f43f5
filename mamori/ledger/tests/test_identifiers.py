"""Ledger numbers, codes and 職員番号 are one identifier however they are typed: NFKC and
trimmed on every input path (mamori.lib.identifiers); a pair stored before is reported."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from mamori.compliance import registry
from mamori.ledger import actions, excel, import_plan
from mamori.ledger.models import InformationAsset, InformationSystem
from mamori.lib.identifiers import normalize_code
from mamori.lib.testing import SendaiTestCase, build_ledger
from mamori.org import actions as org_actions
from mamori.org.forms import PersonByNumberField
from mamori.org.models import OrgUnit, Person
from mamori.policy.rules import active_context


def wide(text: str) -> str:
    """As typed with a Japanese input method: full-width, with an ideographic space around."""
    return "\u3000" + "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text) + " "


class NormalisedIdentifierTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)

    def test_the_helper(self):
        self.assertEqual(normalize_code("\u3000Ｆ２－ＡＢＣ "), "F2-ABC")
        self.assertEqual(normalize_code(None), "")

    def test_a_full_width_number_typed_in_the_form_is_the_existing_asset(self):
        self.sign_in(self.p.kacho_a)
        data = {
            "ledger_no": wide("F2-ABC"),
            "name": "国民健康保険 資格台帳",
            "kind": "information",
            "subkind": "document",
            "owner_unit": str(self.p.unit_a.pk),
            "location": "市民課 執務室",
            "class_importance": "I",
            "obtained_on": "令和7年4月1日",
            "source": "internal",
            "retention_years": "5",
            "disposal_state": "in_use",
            "access_control": "password",
        }
        self.assertEqual(self.client.post(reverse("ledger:asset_create"), data).status_code, 302)
        self.assertTrue(InformationAsset.objects.filter(ledger_no="F2-ABC").exists())
        response = self.client.post(reverse("ledger:asset_create"), data | {"ledger_no": "F2-ABC"})
        self.assertContains(response, "F2-ABC")
        self.assertEqual(InformationAsset.objects.filter(ledger_no__contains="ABC").count(), 1)

    def test_the_actions_behind_the_api_and_commands_normalise_too(self):
        context = active_context()
        asset = actions.create_asset(
            actor=None,
            context=context,
            ledger_no=wide("Z-0001"),
            name="テスト",
            kind="information",
            subkind="document",
            owner_unit=self.p.unit_a,
            classification={},
        )
        self.assertEqual(asset.ledger_no, "Z-0001")
        system = actions.create_system(
            actor=None,
            context=context,
            code=wide("S-900"),
            name="テストシステム",
            owner_unit=self.p.unit_a,
            classification={},
        )
        self.assertEqual(system.code, "S-900")
        unit = org_actions.create_unit(
            code=wide("1500"), name="新設課", kind="division", parent=self.p.dept, actor=None
        )
        self.assertEqual(unit.code, "1500")
        person = org_actions.hire_person(
            employee_no=wide("N0042"),
            name="新人 一郎",
            name_kana="しんじん いちろう",
            employment_type="regular",
            unit=unit,
            position=None,
            start_date=self.p.person_staff_a.start_date,
            actor=None,
        )
        self.assertEqual(person.employee_no, "N0042")
        self.assertEqual(PersonByNumberField().clean(wide("N0042")), person)

    def test_an_imported_full_width_number_updates_the_existing_asset(self):
        context = active_context()
        out = io.BytesIO()
        excel.write_xlsx(InformationAsset.objects.all(), context, out)
        workbook = load_workbook(io.BytesIO(out.getvalue()))
        sheet = workbook.active
        header = [cell.value for cell in sheet[1]]
        number_col = header.index("台帳番号") + 1
        unit_col = header.index("所管課コード") + 1 if "所管課コード" in header else None
        for row in range(2, sheet.max_row + 1):
            cell = sheet.cell(row=row, column=number_col)
            cell.value = wide(cell.value)
            if unit_col:
                unit_cell = sheet.cell(row=row, column=unit_col)
                unit_cell.value = wide(str(unit_cell.value))
        changed = io.BytesIO()
        workbook.save(changed)
        plan = import_plan.plan_import(
            changed.getvalue(), "台帳.xlsx", context=context, user=self.p.admin
        )
        self.assertTrue(plan.ok, plan.errors + plan.file_errors)
        self.assertEqual(plan.counts()["create"], 0)
        self.assertEqual(plan.counts()["unchanged"], InformationAsset.objects.count())

    def test_a_pair_stored_before_normalisation_is_reported(self):
        InformationAsset.objects.filter(pk=self.p.asset_b.pk).update(
            ledger_no=wide(self.p.asset_a.ledger_no).strip()
        )
        InformationSystem.objects.filter(pk=self.p.system_b.pk).update(
            code=wide(self.p.system_a.code).strip()
        )
        found = registry.run(
            active_context(), checks=["ledger.duplicate_number", "ledger.duplicate_system_code"]
        )
        by_check = {}
        for finding in found:
            by_check.setdefault(finding.check, set()).add(finding.object_id)
        self.assertEqual(
            by_check,
            {
                "ledger.duplicate_number": {self.p.asset_a.pk, self.p.asset_b.pk},
                "ledger.duplicate_system_code": {self.p.system_a.pk, self.p.system_b.pk},
            },
        )
        self.assertIn(
            self.p.asset_a.ledger_no,
            next(
                f.message
                for f in found
                if f.object_id == self.p.asset_b.pk and f.check == "ledger.duplicate_number"
            ),
        )

    def test_no_pair_no_finding(self):
        self.assertEqual(registry.run(active_context(), checks=["ledger.duplicate_number"]), [])
        self.assertFalse(OrgUnit.objects.filter(code__startswith="\u3000").exists())
        self.assertFalse(Person.objects.filter(employee_no__startswith="\u3000").exists())
