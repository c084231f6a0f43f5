"""Hostile ledger files: a workbook that unpacks to far more than it weighs (a zip bomb),
one whose directory lies about its sizes, one with too many parts, and files with too many
rows are refused with a clear message before any reader sees them — through the upload
screen and on the command line (where a flag lifts the row and size limits)."""

import io
import struct
import tempfile
import zipfile
from io import StringIO
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from mamori.ledger.models import ImportJob
from mamori.ledger.tests.test_worker_crash import ledger_csv
from mamori.lib.testing import SendaiTestCase, build_ledger

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"/>'
)


def zip_bomb(unpacked_mb: int = 250) -> bytes:
    """A workbook whose sheet unpacks to `unpacked_mb` MB of cells: under 1 MB on disk."""
    buffer = io.BytesIO()
    row = b"<row><c t='inlineStr'><is><t>" + b"A" * 4000 + b"</t></is></c></row>"
    chunk = row * (1024 * 1024 // len(row) + 1)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<worksheet><sheetData>")
            for _ in range(unpacked_mb):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def lying_zip() -> bytes:
    """A workbook whose directory says its sheet is 100 bytes; it unpacks to 20 MB."""
    data = bytearray(zip_bomb(20))
    # The sheet's sizes in the local header and the central directory (zip64 extra field
    # too) are rewritten to 100 bytes.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            name_len = struct.unpack_from("<H", data, start + (26 if offset == 22 else 28))[0]
            if data[name_at : name_at + name_len].endswith(b"sheet1.xml"):
                if struct.unpack_from("<I", data, start + offset)[0] != 0xFFFFFFFF:
                    struct.pack_into("<I", data, start + offset, 100)
                extra = name_at + name_len
                if data[extra : extra + 2] == b"\x01\x00":  # zip64: the sizes are here
                    struct.pack_into("<Q", data, extra + 4, 100)
            start += 4
    return bytes(data)


class HostileUploadTests(SendaiTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_ledger(cls.p)
        cls.bomb = zip_bomb()

    def setUp(self):
        self.sign_in(self.p.kacho_a)

    def upload(self, data: bytes, name: str = "台帳.xlsx") -> ImportJob:
        self.client.post(reverse("ledger:import_start"), {"file": SimpleUploadedFile(name, data)})
        return ImportJob.objects.latest("pk")

    def test_a_zip_bomb_upload_is_refused_and_the_server_keeps_serving(self):
        self.assertLess(len(self.bomb), 2 * 1024 * 1024)
        job = self.upload(self.bomb)
        page = self.client.get(reverse("ledger:import_job", args=[job.pk]))
        self.assertFalse(page.context["result"]["ok"])
        self.assertContains(page, "200 MB")
        self.assertNotContains(page, "Store in the ledger")
        self.assertEqual(self.client.get(reverse("ledger:asset_list")).status_code, 200)

    def test_a_workbook_whose_directory_lies_about_its_sizes_is_refused(self):
        job = self.upload(lying_zip())
        self.assertFalse(job.result["ok"])
        self.assertEqual(len(job.result["file_errors"]), 1)

    @override_settings(MAMORI_IMPORT_MAX_ZIP_ENTRIES=5)
    def test_a_workbook_of_too_many_parts_is_refused(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for n in range(6):
                archive.writestr(f"xl/part{n}.xml", b"<x/>")
        job = self.upload(buffer.getvalue())
        self.assertFalse(job.result["ok"])
        self.assertIn("6", job.result["file_errors"][0])

    @override_settings(MAMORI_IMPORT_MAX_ROWS=10)
    def test_a_file_with_more_rows_than_the_limit_is_refused(self):
        job = self.upload(ledger_csv(self.p, 11), "台帳.csv")
        self.assertFalse(job.result["ok"])
        self.assertIn("10", job.result["file_errors"][0])
        job = self.upload(ledger_csv(self.p, 10), "台帳.csv")
        self.assertTrue(job.result["ok"], job.result)


class HostileCommandTests(SendaiTestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="mamori-hostile-"))

    def run_import(self, path: Path, *flags: str) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command("ledger", "import", str(path), "--dry-run", *flags, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_the_command_line_refuses_a_zip_bomb_as_a_problem_with_the_file(self):
        path = self.dir / "bomb.xlsx"
        path.write_bytes(zip_bomb())
        with self.assertRaises(CommandError) as refused:
            self.run_import(path)
        self.assertEqual(refused.exception.returncode, 1)

    @override_settings(MAMORI_IMPORT_MAX_ROWS=10, MAMORI_IMPORT_MAX_MB=1)
    def test_the_row_and_size_limits_apply_and_a_flag_lifts_them(self):
        path = self.dir / "ledger.csv"
        path.write_bytes(ledger_csv(self.p, 20))
        with self.assertRaises(CommandError) as refused:
            self.run_import(path)
        self.assertEqual(refused.exception.returncode, 1)
        out, _err = self.run_import(path, "--max-rows", "20")
        self.assertIn("create 20", out)
        big = self.dir / "big.csv"
        big.write_bytes(ledger_csv(self.p, 1) + b"," * (1024 * 1024))
        with self.assertRaises(CommandError) as refused:
            self.run_import(big)
        self.assertIn("--max-mb", str(refused.exception))
