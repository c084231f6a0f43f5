from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mamori.core.backup import BackupError, DamagedBackup, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `mamori backup` into an EMPTY database (DATABASE_URL) and "
        "an empty media folder, after checking every file's checksum; then verify the trail. "
        "Exit 1 when the archive is damaged or the restored trail does not verify, 2 when it "
        "cannot run (missing file, database not empty, engine differs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the archive `mamori backup` wrote")

    def handle(self, *args, archive: str, **options):
        try:
            result = restore_backup(Path(archive), media_root=Path(settings.MEDIA_ROOT))
        except BackupError as error:
            raise CommandError(str(error), returncode=2) from None
        except DamagedBackup as error:
            raise CommandError(str(error), returncode=1) from None
        self.stdout.write(
            _(
                "Restored %(path)s (made %(created)s): %(tables)s tables and %(rows)s rows match "
                "the backup; %(files)s uploaded files."
            )
            % {
                "path": result.path,
                "created": result.manifest["created_at"],
                "tables": len(result.manifest["tables"]),
                "rows": result.rows,
                "files": result.media_files,
            }
        )
        for note in result.notes:
            self.stderr.write(note)
        # Through the command, not the chain's functions: whatever the trail's verification
        # checks (its key, checkpoints outside the database), a restore is checked the same way.
        report = StringIO()
        try:
            call_command("trail", "verify", stdout=report, stderr=report)
        except CommandError as error:
            self.stderr.write(report.getvalue().rstrip())
            raise CommandError(
                _("Restored, but the audit trail does not verify: %(error)s") % {"error": error},
                returncode=1,
            ) from None
        self.stdout.write(report.getvalue().rstrip())
