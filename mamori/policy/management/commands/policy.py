import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from mamori.policy.packs import PackError, read_pack
from mamori.policy.parser import parse_bytes
from mamori.policy.text import PolicyTextError


class Command(BaseCommand):
    help = "Policy documents and packs: parse, validate, load, list, activate."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        parse = sub.add_parser(
            "parse", help="parse a policy text (UTF-8 or Shift_JIS) into clauses and obligations"
        )
        parse.add_argument("file")
        parse.add_argument("--json", action="store_true", help="print the parser's JSON interface")
        validate = sub.add_parser("validate", help="check a policy pack without loading it")
        validate.add_argument("pack_dir")
        load = sub.add_parser(
            "load", help="store a policy pack as a new version of its organization's policy"
        )
        load.add_argument("pack_dir")
        load.add_argument("--activate", action="store_true", help="make it the policy in force")
        sub.add_parser("list", help="list policies and their versions")
        activate = sub.add_parser("activate", help="make a version the policy in force")
        activate.add_argument("code", help="organization code, e.g. sendai")
        activate.add_argument(
            "version", nargs="?", type=int, help="version number (default: the newest)"
        )

    def handle(self, *args, subcommand: str, **options):
        getattr(self, f"do_{subcommand}")(**options)

    def do_parse(self, file: str, json: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file.") % {"file": file}, returncode=2)
        try:
            document = parse_bytes(path.read_bytes(), name=file)
        except PolicyTextError as exc:
            # The text was read and cannot be a policy: a problem found.
            raise CommandError(str(exc), returncode=1) from None
        if json:
            self.stdout.write(_dumps(document.as_json()))
            return
        self.stdout.write(f"{document.title}")
        self.stdout.write(
            f"{len(document.clauses)} clauses, {len(document.obligations)} obligations, "
            f"{len(document.appointments)} appointments"
        )
        for axis, levels in document.classification.items():
            self.stdout.write(f"classification {axis}: {' > '.join(levels)}")
        for appointment in document.appointments:
            self.stdout.write(
                f"  appoint {''.join(appointment.path)}: {appointment.holder} → {appointment.role}"
            )
        for obligation in document.obligations:
            actors = "、".join(obligation.actors) or "—"
            self.stdout.write(
                f"  {''.join(obligation.path):<28} {obligation.modality:<9} {actors}: {obligation.text}"
            )

    def do_validate(self, pack_dir: str, **options):
        pack = self._read(pack_dir)
        for warning in pack.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"OK: {pack.data['organization']['name']} ({pack.code}), digest {pack.digest[:12]}"
        )

    def do_load(self, pack_dir: str, activate: bool, **options):
        from mamori.policy.actions import load_pack

        pack = self._read(pack_dir)
        for warning in pack.warnings:
            self.stderr.write(f"warning: {warning}")
        version, created = load_pack(pack, actor=None, activate=activate)
        state = (
            "active"
            if version.is_active
            else f"not active (mamori policy activate {pack.code} {version.number})"
        )
        if created:
            self.stdout.write(f"Loaded {version}: {state}")
        else:
            self.stdout.write(f"Unchanged: {version} is already loaded ({state})")

    def do_list(self, **options):
        from mamori.policy.models import Policy

        for policy in Policy.objects.prefetch_related("versions"):
            self.stdout.write(f"{policy.code}  {policy.organization}")
            for version in policy.versions.all():
                mark = "*" if version.is_active else " "
                self.stdout.write(
                    f"  {mark} v{version.number}  {version.label}  loaded {version.loaded_at:%Y-%m-%d %H:%M}"
                )

    def do_activate(self, code: str, version: int | None, **options):
        from mamori.policy.actions import activate_version
        from mamori.policy.models import PolicyVersion

        versions = PolicyVersion.objects.filter(policy__code=code).order_by("-number")
        chosen = versions.filter(number=version).first() if version else versions.first()
        if chosen is None:
            raise CommandError(
                _("No policy version %(which)s.") % {"which": f"{code} {version or ''}".strip()},
                returncode=2,
            )
        activate_version(chosen, actor=None)
        self.stdout.write(f"Active: {chosen}")

    def _read(self, pack_dir: str):
        if not Path(pack_dir).is_dir():
            raise CommandError(
                _("%(path)s: no such folder.") % {"path": pack_dir}, returncode=2
            )
        try:
            return read_pack(pack_dir)
        except PackError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(exc.problems)} problem(s) in the pack; nothing was loaded", returncode=1
            ) from None


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
