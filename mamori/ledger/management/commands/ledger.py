import os
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from mamori.accounts.models import User
from mamori.ledger import excel, import_plan
from mamori.ledger.excel_reader import FileLimits
from mamori.ledger.models import InformationAsset
from mamori.policy.rules import active_context


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "The information-asset ledger in Excel/CSV: import FILE [--dry-run], export OUT."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser("import", help="import an .xlsx or .csv ledger (all rows or none)")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="check and report only")
        imp.add_argument(
            "--as",
            dest="as_user",
            help="import as this user (their units only; default: all units)",
        )
        imp.add_argument(
            "--max-mb",
            type=_positive,
            help="largest file read, in MB (default: MAMORI_IMPORT_MAX_MB, as for uploads)",
        )
        imp.add_argument(
            "--max-unpacked-mb",
            type=_positive,
            help="most a workbook may unpack to, in MB (default: MAMORI_IMPORT_MAX_UNPACKED_MB)",
        )
        imp.add_argument(
            "--max-rows",
            type=_positive,
            help="most rows a file may hold (default: MAMORI_IMPORT_MAX_ROWS)",
        )
        exp = sub.add_parser("export", help="export the ledger")
        exp.add_argument("out")
        exp.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        exp.add_argument(
            "--encoding",
            choices=["utf-8", "cp932"],
            default="utf-8",
            help="CSV encoding (UTF-8 is written with a BOM)",
        )
        exp.add_argument(
            "--replace",
            action="store_true",
            help="CP932: replace characters it cannot hold (𠮷→吉, otherwise 〓) and report them",
        )
        exp.add_argument("--unit", help="only this unit code and the units below it")

    def handle(self, *args, subcommand, **options):
        if subcommand == "import":
            self.do_import(**options)
        else:
            self.do_export(**options)

    def _progress(self, phase: str, done: int, total: int) -> None:
        label = {"check": "checking", "store": "storing"}.get(phase, phase)
        sys.stderr.write(f"\r{label} {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def do_import(self, file, dry_run, as_user, max_mb, max_unpacked_mb, max_rows, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file.") % {"file": file}, returncode=2)
        limit = max_mb or settings.MAMORI_IMPORT_MAX_MB
        if path.stat().st_size > limit * 1024 * 1024:
            # Refused before it is read, as an upload would be; a problem with the file (1).
            raise CommandError(
                _("%(file)s is larger than %(mb)s MB; give --max-mb to read it all the same.")
                % {"file": file, "mb": limit},
                returncode=1,
            )
        self.limits = FileLimits.from_settings(rows=max_rows, unpacked_mb=max_unpacked_mb)
        user = None
        if as_user:
            user = User.objects.filter(username=as_user).first()
            if user is None:
                raise CommandError(_("No user %(username)s.") % {"username": as_user}, returncode=2)
        context = active_context()
        data = path.read_bytes()
        # Checked and stored in one transaction, the entries to update locked meanwhile.
        with transaction.atomic():
            self._import(data, path.name, context, user, dry_run)

    def _import(self, data, name, context, user, dry_run):
        plan = import_plan.plan_import(
            data,
            name,
            context=context,
            user=user,
            progress=self._progress,
            lock=not dry_run,
            limits=self.limits,
        )
        counts = plan.counts()
        for message in plan.file_errors:
            self.stderr.write(f"{name}: {message}")
        errors = plan.errors
        for error in errors[: excel.MAX_ERRORS_SHOWN]:
            self.stderr.write(str(error))
        if len(errors) > excel.MAX_ERRORS_SHOWN:
            self.stderr.write(f"… and {len(errors) - excel.MAX_ERRORS_SHOWN} more")
        summary = f"create {counts['create']}, update {counts['update']}, unchanged {counts['unchanged']}, rejected {counts['reject']}"
        if not plan.ok:
            # The file was read and rejected: a problem found (1), not a failure to run.
            raise CommandError(
                f"{summary}; nothing was stored ({len(errors) + len(plan.file_errors)} problems)",
                returncode=1,
            )
        if dry_run:
            self.stdout.write(f"dry run: {summary}")
            return
        stored = import_plan.commit_import(
            plan, context=context, actor=user, progress=self._progress
        )
        self.stdout.write(
            f"stored: create {stored['create']}, update {stored['update']}, unchanged {stored['unchanged']}"
        )

    def do_export(self, out, format, encoding, replace, unit, **options):
        context = active_context()
        assets = InformationAsset.objects.all()
        if unit:
            from mamori.org.models import OrgUnit

            root = OrgUnit.objects.filter(code=unit).first()
            if root is None:
                raise CommandError(
                    _("No unit has the code %(code)s.") % {"code": unit}, returncode=2
                )
            assets = assets.filter(owner_unit__path__startswith=root.path)
        target = Path(out)
        if target.is_dir():
            raise CommandError(
                _("%(path)s is a folder; name the file to write.") % {"path": out}, returncode=2
            )
        # Written beside the target and renamed at the end, so that a failure half-way (or
        # characters CP932 cannot hold) never leaves a truncated export or destroys the
        # previous one.
        try:
            handle = tempfile.NamedTemporaryFile(
                dir=target.absolute().parent, prefix=f".{target.name}.", delete=False
            )
        except OSError as error:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": out, "error": error.strerror},
                returncode=2,
            ) from None
        try:
            with handle:
                if format == "xlsx":
                    count, problems = excel.write_xlsx(assets, context, handle), []
                else:
                    count, problems = excel.write_csv(
                        assets,
                        context,
                        handle,
                        encoding="cp932" if encoding == "cp932" else "utf-8-sig",
                        replace=replace,
                    )
            if encoding == "cp932" and problems and not replace:
                for problem in problems:
                    self.stderr.write(
                        f"row {problem.row} {problem.column}: {problem.text!r} has {problem.characters!r}"
                    )
                raise CommandError(
                    f"{len(problems)} cells hold characters CP932 cannot write; nothing was written. "
                    "Export as UTF-8, or add --replace to substitute them (they are reported)."
                )
            # As open() would have made it (NamedTemporaryFile makes files private).
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(handle.name, 0o666 & ~umask)
            os.replace(handle.name, target)
        finally:
            Path(handle.name).unlink(missing_ok=True)
        for problem in problems:
            self.stderr.write(
                f"replaced: row {problem.row} {problem.column}: {problem.text!r} → {problem.characters!r}"
            )
        self.stdout.write(f"{count} assets written to {out}")
