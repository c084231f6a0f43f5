from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mamori.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump; SQLite: the online backup API) and the "
        "uploaded files into one archive with a manifest of row counts and SHA-256 checksums. "
        "OUT is the archive file to create, or a folder to create a dated one in. "
        "Exit 2 when it cannot be written."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="archive file (.tar) to create, or an existing folder")

    def handle(self, *args, out: str, **options):
        try:
            result = create_backup(Path(out), media_root=Path(settings.MEDIA_ROOT))
        except BackupError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(
            _(
                "Backup written to %(path)s: %(tables)s tables, %(rows)s rows, "
                "%(files)s uploaded files."
            )
            % {
                "path": result.path,
                "tables": len(result.manifest["tables"]),
                "rows": result.rows,
                "files": result.media_files,
            }
        )
