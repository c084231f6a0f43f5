"""Backing up a mamori installation, and restoring a backup into an empty database.

A backup is one tar file:

    database.dump       PostgreSQL: pg_dump's custom format
    database.sqlite3    SQLite: a copy made with SQLite's online backup API
    media/…             the uploaded files under MEDIA_ROOT (evidence, ledger import files)
    manifest.json       format and version, mamori's version, the engine, the time, the rows
                        of every table, and every file's size and SHA-256

The rows are counted in the same snapshot the dump is taken from (PostgreSQL: pg_dump
--snapshot with the snapshot this transaction exported; SQLite: the copy itself), so a
restore can check that it holds exactly the rows that were backed up. The database is
copied before the files: a file uploaded meanwhile is in the archive without its row, which
is harmless, rather than the other way round.

Restoring checks every file against the manifest before it touches anything, refuses a
database that already holds tables or a media folder that already holds files, and loads
the database (PostgreSQL: pg_restore in one transaction) and the files.
"""

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "mamori-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore could not run (exit 2): nothing was changed."""


class DamagedBackup(Exception):
    """The archive is not a sound mamori backup (exit 1): nothing was changed."""


@dataclass
class Result:
    path: Path
    manifest: dict
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.manifest["tables"].values())

    @property
    def media_files(self) -> int:
        return sum(1 for f in self.manifest["files"] if f["path"].startswith(MEDIA_PREFIX + "/"))


# Backing up ------------------------------------------------------------------


def create_backup(out: Path, *, media_root: Path, using: str = "default") -> Result:
    connection = connections[using]
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(_("mamori backs up PostgreSQL and SQLite databases only."))
    target = _backup_target(out)
    try:
        # Beside the target: a large dump does not fill /tmp, and the final rename is atomic.
        work = Path(tempfile.mkdtemp(prefix=".mamori-backup-", dir=target.parent))
    except OSError as error:
        raise BackupError(_cannot_write(target.parent, error)) from None
    try:
        dump = work / DUMP_NAMES[connection.vendor]
        if connection.vendor == "postgresql":
            tables = _dump_postgresql(connection, dump)
        else:
            tables = _dump_sqlite(connection, dump)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "mamori": _mamori_version(),
            "engine": connection.vendor,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "tables": tables,
            "files": [],
        }
        partial = work / "archive.tar"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            manifest["files"].append(_add(archive, dump, dump.name))
            for path in _media_files(media_root):
                name = str(PurePosixPath(MEDIA_PREFIX, path.relative_to(media_root).as_posix()))
                manifest["files"].append(_add(archive, path, name))
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(dt.datetime.now().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
        partial.chmod(0o600)  # a whole municipality's records
        os.replace(partial, target)
    except OSError as error:
        raise BackupError(_cannot_write(target, error)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Result(target, manifest)


def _backup_target(out: Path) -> Path:
    if out.is_dir():
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        return out / f"mamori-backup-{stamp}.tar"
    if out.exists():
        raise BackupError(
            _("%(path)s already exists; a backup never overwrites one.") % {"path": out}
        )
    if not out.parent.is_dir():
        raise BackupError(_("The folder %(path)s does not exist.") % {"path": out.parent})
    return out


def _dump_postgresql(connection, dump: Path) -> dict[str, int]:
    if connection.in_atomic_block:
        raise BackupError(_("A backup cannot run inside another transaction."))
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # One snapshot for the counts and for pg_dump, which takes the one exported here.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = _count_rows(connection, cursor)
        _run_pg_tool(
            connection,
            "pg_dump",
            ["--format=custom", f"--file={dump}", f"--snapshot={snapshot}"],
            with_dbname_last=True,
        )
    return tables


def _dump_sqlite(connection, dump: Path) -> dict[str, int]:
    connection.ensure_connection()
    copy = sqlite3.connect(dump)
    try:
        # The online backup API: a consistent copy while others go on writing.
        connection.connection.backup(copy)
        return {
            name: copy.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            for (name,) in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if not name.startswith("sqlite_")
        }
    finally:
        copy.close()


def _count_rows(connection, cursor) -> dict[str, int]:
    counts = {}
    for name in sorted(_tables(connection, cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
        counts[name] = cursor.fetchone()[0]
    return counts


def _tables(connection, cursor) -> list[str]:
    # SQLite keeps its own bookkeeping (sqlite_sequence, sqlite_stat1) in tables too.
    return [
        name
        for name in connection.introspection.table_names(cursor)
        if not (connection.vendor == "sqlite" and name.startswith("sqlite_"))
    ]


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(
        path for path in media_root.rglob("*") if path.is_file() and not path.is_symlink()
    )


class _HashingReader:
    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add(archive: tarfile.TarFile, path: Path, name: str) -> dict:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        archive.addfile(info, reader)
    return {"path": name, "size": info.size, "sha256": reader.digest.hexdigest()}


# Restoring --------------------------------------------------------------------


def restore_backup(archive_path: Path, *, media_root: Path, using: str = "default") -> Result:
    connection = connections[using]
    if not archive_path.is_file():
        raise BackupError(_("%(path)s: no such file.") % {"path": archive_path})
    try:
        archive = tarfile.open(archive_path, "r:")
    except tarfile.TarError:
        raise DamagedBackup(
            _("%(path)s is not a mamori backup (not a tar archive).") % {"path": archive_path}
        ) from None
    except OSError as error:
        raise BackupError(
            _("%(path)s cannot be read: %(error)s")
            % {"path": archive_path, "error": error.strerror}
        ) from None
    with archive:
        manifest = _read_manifest(archive, archive_path)
        try:
            media_root.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".mamori-restore-", dir=media_root.parent))
        except OSError as error:
            raise BackupError(_cannot_write(media_root.parent, error)) from None
        try:
            # The archive first (a damaged one is reported whatever the target), then the
            # target, and only then is anything written to it.
            _extract_verified(archive, manifest, staging)
            _check_target(connection, manifest, media_root)
            dump = staging / DUMP_NAMES[manifest["engine"]]
            if manifest["engine"] == "postgresql":
                _run_pg_tool(
                    connection,
                    "pg_restore",
                    [
                        f"--dbname={connection.settings_dict['NAME']}",
                        "--no-owner",
                        "--no-privileges",
                        "--exit-on-error",
                        "--single-transaction",
                        str(dump),
                    ],
                )
            else:
                _restore_sqlite(connection, dump)
            _move_media(staging / MEDIA_PREFIX, media_root)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    result = Result(archive_path, manifest)
    _compare_rows(connection, manifest, result)
    if manifest.get("mamori") != _mamori_version():
        result.notes.append(
            _(
                "The backup was made by mamori %(then)s; this is %(now)s. Run `mamori migrate` "
                "if this version is newer."
            )
            % {"then": manifest.get("mamori"), "now": _mamori_version()}
        )
    return result


def _read_manifest(archive: tarfile.TarFile, path: Path) -> dict:
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.loads(archive.extractfile(member).read())
    except (KeyError, AttributeError, ValueError, tarfile.TarError):
        raise DamagedBackup(
            _("%(path)s is not a mamori backup (no readable manifest.json).") % {"path": path}
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DamagedBackup(_("%(path)s is not a mamori backup.") % {"path": path})
    if manifest.get("version") != VERSION:
        raise DamagedBackup(
            _("%(path)s is a backup of format version %(version)s, which this mamori cannot read.")
            % {"path": path, "version": manifest.get("version")}
        )
    if manifest.get("engine") not in DUMP_NAMES or not isinstance(manifest.get("tables"), dict):
        raise DamagedBackup(_("%(path)s has a damaged manifest.json.") % {"path": path})
    return manifest


def _check_target(connection, manifest: dict, media_root: Path) -> None:
    engines = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            _(
                "This backup is of a %(backup)s database, but DATABASE_URL names a %(target)s "
                "one: restore into the engine the backup came from."
            )
            % {
                "backup": engines[manifest["engine"]],
                "target": engines.get(connection.vendor, connection.vendor),
            }
        )
    with connection.cursor() as cursor:
        existing = _tables(connection, cursor)
    if existing:
        raise BackupError(
            _(
                "The database %(name)s is not empty (%(count)s tables): a backup is restored "
                "only into an empty database, so that nothing is overwritten."
            )
            % {"name": connection.settings_dict["NAME"], "count": len(existing)}
        )
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(
            _(
                "The media folder %(path)s is not empty: a backup is restored only into an "
                "empty one, so that no file is overwritten."
            )
            % {"path": media_root}
        )


def _extract_verified(archive: tarfile.TarFile, manifest: dict, staging: Path) -> None:
    """Write every file listed in the manifest under `staging`, checking size and SHA-256,
    before anything is restored. Names are taken from the manifest, never from the archive,
    so no entry can write outside `staging`."""
    expected = {}
    for entry in manifest.get("files", []):
        name = PurePosixPath(str(entry.get("path", "")))
        if name.is_absolute() or ".." in name.parts or not name.parts:
            raise DamagedBackup(_("The manifest names an unsafe path %(path)s.") % {"path": name})
        expected[str(name)] = entry
    dump = DUMP_NAMES[manifest["engine"]]
    if dump not in expected:
        raise DamagedBackup(_("The backup holds no database (%(name)s).") % {"name": dump})
    seen = set()
    for member in archive:
        if member.name == MANIFEST:
            continue
        entry = expected.get(member.name)
        if entry is None or not member.isfile() or member.name in seen:
            raise DamagedBackup(
                _("The archive holds %(name)s, which its manifest does not list.")
                % {"name": member.name}
            )
        seen.add(member.name)
        destination = staging.joinpath(*PurePosixPath(member.name).parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        source = archive.extractfile(member)
        with destination.open("wb") as handle:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                handle.write(chunk)
        if size != entry.get("size") or digest.hexdigest() != entry.get("sha256"):
            raise DamagedBackup(
                _("%(name)s does not match its checksum: the backup is damaged.")
                % {"name": member.name}
            )
    missing = sorted(set(expected) - seen)
    if missing:
        raise DamagedBackup(
            _("The archive lacks %(name)s, which its manifest lists.") % {"name": missing[0]}
        )


def _restore_sqlite(connection, dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _move_media(staged: Path, media_root: Path) -> None:
    if not staged.is_dir():
        return
    if media_root.exists():
        media_root.rmdir()  # checked empty before anything was restored
    os.replace(staged, media_root)


def _compare_rows(connection, manifest: dict, result: Result) -> None:
    with connection.cursor() as cursor:
        restored = _count_rows(connection, cursor)
    for name, count in sorted(manifest["tables"].items()):
        if restored.get(name) != count:
            raise DamagedBackup(
                _(
                    "After the restore the table %(table)s has %(restored)s rows; the backup has %(count)s."
                )
                % {"table": name, "restored": restored.get(name, 0), "count": count}
            )


# PostgreSQL's tools ------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The path of pg_dump or pg_restore: from MAMORI_PG_BIN if set, else from PATH."""
    from django.conf import settings

    directory = settings.MAMORI_PG_BIN
    path = shutil.which(name, path=directory or None)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s was not found: install the PostgreSQL client tools of the server's "
                "version (Debian: postgresql-client), or set MAMORI_PG_BIN to their folder."
            )
            % {"tool": name}
        )
    return path


def _run_pg_tool(connection, name: str, arguments: list[str], *, with_dbname_last=False) -> None:
    # Django's own psql settings: host, port, user, and the password through the environment
    # (never on the command line, where other users could read it).
    command, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, [])
    dbname = command.pop() if command[-1] == connection.settings_dict["NAME"] else None
    command = [pg_tool(name), *command[1:], *arguments]
    if with_dbname_last and dbname:
        command.append(dbname)
    result = subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(
            _("%(tool)s failed: %(error)s")
            % {"tool": name, "error": " ".join(lines[:3]) or result.returncode}
        )


def _cannot_write(path: Path, error: OSError) -> str:
    return _("Cannot write %(path)s: %(error)s") % {"path": path, "error": error.strerror or error}


def _mamori_version() -> str:
    try:
        return metadata.version("mamori")
    except metadata.PackageNotFoundError:
        return "unknown"
