import json
from pathlib import Path

import yaml
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
        draft = sub.add_parser(
            "draft",
            help="propose a policy pack from policy documents (.txt UTF-8/Shift_JIS, .docx)",
        )
        draft.add_argument("documents", nargs="+", metavar="DOC")
        draft.add_argument("--org", required=True, help="organization code, e.g. asagiri")
        draft.add_argument("--name", required=True, help="organization name, e.g. 朝霧町")
        draft.add_argument("--label", default="", help="revision label (default: the title)")
        draft.add_argument(
            "--kind",
            default="standards",
            choices=["basic_policy", "standards", "policy", "procedure"],
            help="kind of the documents (default: standards)",
        )
        draft.add_argument("--out", required=True, help="folder to write the pack to")
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

    def do_draft(self, documents, org, name, label, kind, out, **options):
        """Write a draft pack: the proposals without an open question accepted, roles whose
        holder is uncertain kept (designated by name), the open questions listed in
        open-questions.yaml for the reviewer."""
        from mamori.policy import drafting
        from mamori.policy.models import PackDraft
        from mamori.policy.onboarding import write_pack
        from mamori.policy.reading import read_document

        texts = []
        used: set[str] = set()
        for index, file in enumerate(documents):
            path = Path(file)
            if not path.is_file():
                raise CommandError(_("%(file)s: no such file.") % {"file": file}, returncode=2)
            try:
                text = read_document(path.name, path.read_bytes())
            except PolicyTextError as exc:
                raise CommandError(str(exc), returncode=1) from None
            key = kind if kind not in used else f"{kind}-{index + 1}"
            used.add(key)
            texts.append({"key": key, "title": path.stem, "kind": kind, "text": text})
        sources = [drafting.SourceDocument(d["key"], d["title"], kind, d["text"]) for d in texts]
        try:
            proposals = drafting.draft(sources)
        except drafting.NoClauses as exc:
            raise CommandError(f"{exc.title}: no numbered clauses found", returncode=1) from None
        for proposal in proposals:
            settled = not proposal["question"] or (
                proposal["type"] == drafting.ROLE and proposal["question"] == "holder_unknown"
            )
            if settled:
                proposal["state"] = drafting.ACCEPTED
        for document in texts:
            parsed_title = drafting.parse_text(document["text"]).title
            document["title"] = parsed_title or document["title"]
        draft = PackDraft(
            code=org,
            organization=name,
            label=label or texts[0]["title"],
            documents=texts,
            proposals=proposals,
        )
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        write_pack(draft, folder)
        questions = [
            {
                "id": p["id"],
                "question": p["question"],
                "cite": p["cite"],
                "sentence": p["sentence"],
                "proposal": p["data"],
            }
            for p in proposals
            if p["question"]
        ]
        (folder / "open-questions.yaml").write_text(
            yaml.safe_dump(questions, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        counts = {kind_: 0 for kind_ in ("axis", "role", "actor", "rule")}
        for proposal in proposals:
            if proposal["state"] == drafting.ACCEPTED:
                counts[proposal["type"]] += 1
        self.stdout.write(
            f"Drafted {folder / 'pack.yaml'}: {counts['axis']} axes, {counts['role']} roles, "
            f"{counts['actor']} actor phrases, {counts['rule']} rules; "
            f"{len(questions)} open questions in {folder / 'open-questions.yaml'}"
        )
        for proposal in proposals:
            self.stdout.write(
                f"  {proposal['state']:<9} {proposal['confidence']:.1f} {proposal['cite']:<28} "
                f"{proposal['type']}: {_summary(proposal)}"
            )

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
            raise CommandError(_("%(path)s: no such folder.") % {"path": pack_dir}, returncode=2)
        try:
            return read_pack(pack_dir)
        except PackError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(exc.problems)} problem(s) in the pack; nothing was loaded", returncode=1
            ) from None


def _summary(proposal: dict) -> str:
    data = proposal["data"]
    if proposal["type"] == "axis":
        return f"{data['name']} {' > '.join(data['levels'])}"
    if proposal["type"] == "role":
        return f"{data['name']} ({data['key']}) ← {data.get('holder_text') or data['holder']}"
    if proposal["type"] == "actor":
        return f"{data['phrase']} → {data.get('role') or '?'}"
    return f"{data['kind']} {data.get('request', '')}".strip()


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
