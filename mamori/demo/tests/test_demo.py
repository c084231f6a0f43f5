import io

from django.core.management import call_command
from django.test import TransactionTestCase

from mamori.accounts.models import User
from mamori.org.models import OrgUnit, Person, UnitKind
from mamori.trail.chain import verify


class DemoTests(TransactionTestCase):
    def test_demo_builds_a_municipality_with_personas_and_is_harmless_twice(self):
        out = io.StringIO()
        call_command("demo", stdout=out)
        self.assertEqual(
            OrgUnit.objects.filter(
                kind__in=[UnitKind.DEPARTMENT, UnitKind.COMMISSION], parent__parent__isnull=True
            )
            .exclude(code__startswith="9")
            .count(),
            8,
        )
        self.assertEqual(OrgUnit.objects.filter(kind=UnitKind.DIVISION).count(), 40)
        self.assertEqual(OrgUnit.objects.filter(kind=UnitKind.SECTION).count(), 80)
        self.assertGreaterEqual(Person.objects.count(), 580)
        self.assertTrue(
            Person.objects.filter(name__contains="髙").exists()
            or Person.objects.filter(name__contains="﨑").exists()
        )
        for username in ["admin", "kacho", "shokuin", "shokuin2", "kansa"]:
            self.assertIn(username, out.getvalue())
            self.assertTrue(User.objects.get(username=username).check_password("Mamori-Demo-2026"))
        counts = (OrgUnit.objects.count(), Person.objects.count(), User.objects.count())
        out2 = io.StringIO()
        call_command("demo", stdout=out2)
        self.assertEqual(
            (OrgUnit.objects.count(), Person.objects.count(), User.objects.count()), counts
        )
        self.assertIn("0 units and 0 people created", out2.getvalue())
        self.assertIsNone(verify().broken)

        # The personas: kacho heads shokuin's unit, shokuin2 works elsewhere.
        kacho = User.objects.get(username="kacho").person
        shokuin = User.objects.get(username="shokuin").person
        self.assertTrue(kacho.heads_unit)
        self.assertTrue(shokuin.unit.is_descendant_of(kacho.unit))
        shokuin2 = User.objects.get(username="shokuin2").person
        self.assertFalse(shokuin2.unit.is_descendant_of(kacho.unit))
