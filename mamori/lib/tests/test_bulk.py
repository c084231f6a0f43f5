import datetime as dt

from django.test import TestCase

from mamori.ledger.models import DisposalState, InformationAsset
from mamori.lib.bulk import bulk_insert
from mamori.lib.testing import build_personas, load_policy


class BulkInsertTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = build_personas()
        load_policy("sendai")

    def test_rows_come_back_as_the_orm_would_have_stored_them(self):
        objs = [
            InformationAsset(
                ledger_no=f"X-{n}",
                name="髙﨑 資料",
                kind="media",
                subkind="usb_memory",
                owner_unit=self.p.unit_a,
                manager=self.p.person_staff_a if n else None,
                classification={"importance": "S"},
                contents=[{"importance": "II"}, {"importance": "S"}],
                obtained_on=dt.date(2025, 4, 1),
                disposal_state=DisposalState.DISPOSED,
                disposed_on=dt.date(2026, 3, 31),
                lockable=True,
                retention_years=5,
            )
            for n in range(3)
        ]
        self.assertEqual(bulk_insert(InformationAsset, objs), 3)
        stored = InformationAsset.objects.get(ledger_no="X-1")
        self.assertEqual(stored.name, "髙﨑 資料")
        self.assertEqual(stored.manager, self.p.person_staff_a)
        self.assertEqual(stored.classification, {"importance": "S"})
        self.assertEqual(stored.contents, [{"importance": "II"}, {"importance": "S"}])
        self.assertEqual(
            (stored.obtained_on, stored.disposed_on), (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
        )
        self.assertEqual(stored.disposal_state, "disposed")
        self.assertTrue(stored.lockable)
        self.assertIsNotNone(stored.updated_at)
        self.assertIsNone(InformationAsset.objects.get(ledger_no="X-0").manager)
        # The JSON is stored as JSON: it can be queried.
        self.assertEqual(InformationAsset.objects.filter(classification__importance="S").count(), 3)
