import datetime as dt

from django.template import Context, Template
from django.test import SimpleTestCase
from django.utils import translation

from mamori.lib.wareki import WarekiError, fiscal_year, format_nendo, format_wareki, parse_date


class WarekiFormatTests(SimpleTestCase):
    def test_it_writes_reiwa_dates(self):
        self.assertEqual(format_wareki(dt.date(2025, 4, 1)), "令和7年4月1日")

    def test_it_writes_the_first_year_as_gannen(self):
        self.assertEqual(format_wareki(dt.date(2019, 5, 1)), "令和元年5月1日")
        self.assertEqual(format_wareki(dt.date(2019, 5, 1), gannen=False), "令和1年5月1日")

    def test_it_switches_era_on_the_boundary_days(self):
        self.assertEqual(format_wareki(dt.date(2019, 4, 30)), "平成31年4月30日")
        self.assertEqual(format_wareki(dt.date(2019, 5, 1)), "令和元年5月1日")
        self.assertEqual(format_wareki(dt.date(1989, 1, 7)), "昭和64年1月7日")
        self.assertEqual(format_wareki(dt.date(1989, 1, 8)), "平成元年1月8日")
        self.assertEqual(format_wareki(dt.date(1926, 12, 24)), "大正15年12月24日")
        self.assertEqual(format_wareki(dt.date(1926, 12, 25)), "昭和元年12月25日")
        self.assertEqual(format_wareki(dt.date(1912, 7, 30)), "大正元年7月30日")

    def test_it_writes_dates_before_meiji_in_the_western_calendar(self):
        self.assertEqual(format_wareki(dt.date(1868, 1, 1)), "1868年1月1日")


class FiscalYearTests(SimpleTestCase):
    def test_it_starts_the_fiscal_year_in_april(self):
        self.assertEqual(fiscal_year(dt.date(2025, 3, 31)), 2024)
        self.assertEqual(fiscal_year(dt.date(2025, 4, 1)), 2025)
        self.assertEqual(fiscal_year(dt.date(2026, 1, 15)), 2025)

    def test_it_names_fiscal_years_as_offices_do(self):
        self.assertEqual(format_nendo(2025), "令和7年度")
        self.assertEqual(format_nendo(2019), "令和元年度")
        self.assertEqual(format_nendo(2018), "平成30年度")
        self.assertEqual(format_nendo(1988), "昭和63年度")
        self.assertEqual(format_nendo(1989), "平成元年度")


class ParseDateTests(SimpleTestCase):
    def test_it_reads_japanese_and_western_forms(self):
        expected = dt.date(2025, 4, 1)
        for text in [
            "令和7年4月1日",
            "R7.4.1",
            "r7/4/1",
            "令和７年４月１日",
            "2025/4/1",
            "2025-04-01",
            "2025年4月1日",
        ]:
            with self.subTest(text=text):
                self.assertEqual(parse_date(text), expected)

    def test_it_reads_gannen(self):
        self.assertEqual(parse_date("令和元年5月1日"), dt.date(2019, 5, 1))
        self.assertEqual(parse_date("平成元年1月8日"), dt.date(1989, 1, 8))

    def test_it_refuses_days_that_do_not_exist(self):
        for text in [
            "令和7年13月1日",
            "2025/02/30",
            "平成32年1月1日",
            "令和0年1月1日",
            "令和元年4月30日",
            "昨日",
            "",
        ]:
            with self.subTest(text=text), self.assertRaises(WarekiError):
                parse_date(text)

    def test_its_errors_are_japanese_on_japanese_screens(self):
        with translation.override("ja"):
            with self.assertRaisesMessage(WarekiError, "存在しない日付"):
                parse_date("2025/02/30")


class FilterTests(SimpleTestCase):
    def render(self, source, **context):
        return Template(source).render(Context(context))

    def test_wareki_filter_in_japanese(self):
        with translation.override("ja"):
            self.assertEqual(self.render("{{ d|wareki }}", d=dt.date(2025, 4, 1)), "令和7年4月1日")
            self.assertEqual(self.render("{{ d|nendo }}", d=dt.date(2026, 3, 31)), "令和7年度")
            self.assertEqual(self.render("{{ y|nendo }}", y=2019), "令和元年度")
            self.assertEqual(self.render("{{ d|wareki }}", d=None), "")

    def test_wareki_filter_in_english(self):
        with translation.override("en"):
            self.assertEqual(
                self.render("{{ d|wareki }}", d=dt.date(2025, 4, 1)), "1 Apr 2025 (Reiwa 7)"
            )
            self.assertEqual(self.render("{{ y|nendo }}", y=2025), "FY2025")

    def test_wareki_datetime_uses_tokyo_time(self):
        moment = dt.datetime(2025, 3, 31, 16, 30, tzinfo=dt.UTC)  # 1 April 01:30 in Tokyo
        with translation.override("ja"):
            self.assertEqual(
                self.render("{{ t|wareki_datetime }}", t=moment), "令和7年4月1日 01:30"
            )
