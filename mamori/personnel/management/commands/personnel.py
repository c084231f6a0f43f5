import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mamori.accounts.models import User
from mamori.personnel.actions import apply_import, create_import
from mamori.personnel.plan import check, read_rows, too_large
from mamori.personnel.preview import build_preview

MAX_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Personnel changes (人事異動) from a CSV/xlsx file: import FILE --effective YYYY-MM-DD "
        "[--dry-run] (docs/personnel.md)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser(
            "import", help="check, preview and apply a personnel file (all or nothing)"
        )
        imp.add_argument("file")
        imp.add_argument(
            "--effective",
            required=True,
            help="the date of rows without a 発令日 (YYYY-MM-DD); rows dated later wait for their day",
        )
        imp.add_argument("--dry-run", action="store_true", help="check and preview only")
        imp.add_argument(
            "--as", dest="as_user", help="apply as this administrator (default: mamori)"
        )

    def handle(self, *args, subcommand, file, effective, dry_run, as_user, **options):
        try:
            effective_date = dt.date.fromisoformat(effective)
        except ValueError:
            raise CommandError(
                _("--effective must be a date such as 2027-04-01."), returncode=2
            ) from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file.") % {"file": file}, returncode=2)
        user = None
        if as_user:
            user = User.objects.filter(username=as_user).first()
            if user is None:
                raise CommandError(_("No user %(username)s.") % {"username": as_user}, returncode=2)
        message = too_large(path.stat().st_size)
        if message:
            raise CommandError(f"{path.name}: {message}", returncode=1)
        data = path.read_bytes()
        plan = read_rows(data, path.name, default_date=effective_date)
        if plan.rows and not plan.file_errors:
            check(plan.rows, plan)
        if not plan.ok:
            texts = plan.error_texts()
            for text in texts[:MAX_SHOWN]:
                self.stderr.write(f"{path.name}: {text}")
            raise CommandError(f"{len(texts)} problems; nothing was applied", returncode=1)
        preview = build_preview(plan.rows)
        for line in preview.lines():
            self.stdout.write(line)
        if preview.failure:
            raise CommandError("the preview failed; nothing was applied", returncode=1)
        if dry_run:
            self.stdout.write(f"dry run: {len(plan.rows)} changes, nothing applied")
            return
        try:
            batch = create_import(
                plan, data=data, file_name=path.name, effective_date=effective_date, actor=user
            )
            batch = apply_import(batch, actor=user)
        except ValidationError as error:
            for text in error.messages:
                self.stderr.write(f"{path.name}: {text}")
            raise CommandError("nothing was applied", returncode=1) from None
        waiting = len(batch.pending_rows())
        self.stdout.write(
            f"applied: {len(plan.rows) - waiting} changes; waiting for their day: {waiting}"
        )
