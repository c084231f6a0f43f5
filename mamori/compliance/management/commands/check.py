"""`mamori check`: the findings of mamori's continuous compliance checks — or, with any of
Django's own options, Django's system checks exactly as `django-admin check`."""

import json
import sys

from django.core.management.base import CommandError
from django.core.management.commands.check import Command as DjangoCheck
from django.db import DatabaseError
from django.utils.translation import gettext as _

from mamori.compliance import registry
from mamori.compliance.findings import as_json, format_line, summary
from mamori.org.models import OrgUnit
from mamori.policy.rules import active_context

DJANGO_OPTIONS = ("tags", "list_tags", "deploy", "fail_level", "databases")


class Command(DjangoCheck):
    help = (
        "Prints every finding of mamori's continuous compliance checks (each citing the "
        "clause it breaks) and exits 1 when a finding of severity high exists, 0 otherwise, "
        "2 on an error (unknown unit, no policy in force, a check naming a clause the policy "
        "lacks). --json prints one JSON array; --unit CODE keeps that unit and the units "
        "under it. Given app labels or any of Django's options (--deploy, --tag, "
        "--list-tags, --fail-level, --database), it runs Django's system checks instead, "
        "exactly as Django's check command."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # Unset unless given, so that `--fail-level` alone also means Django's checks.
        parser.set_defaults(fail_level=None)
        parser.add_argument(
            "--json", action="store_true", help="Print the findings as one JSON array."
        )
        parser.add_argument(
            "--unit", metavar="CODE", help="Only this unit (by code) and the units under it."
        )

    def handle(self, *app_labels, **options):
        if app_labels or any(options.get(name) for name in DJANGO_OPTIONS):
            if options["json"] or options["unit"]:
                raise CommandError(
                    "--json and --unit apply to the compliance checks, not Django's",
                    returncode=2,
                )
            options["fail_level"] = options["fail_level"] or "ERROR"
            return super().handle(*app_labels, **options)

        try:
            findings = self.findings(options)
        except DatabaseError as error:
            # Exit 2, not a traceback with 1 (which would read as "high findings exist").
            raise CommandError(
                _("The checks could not run: %(error)s") % {"error": error}, returncode=2
            ) from error

        if options["json"]:
            self.stdout.write(
                json.dumps([as_json(f) for f in findings], ensure_ascii=False, indent=1)
            )
        else:
            for finding in findings:
                self.stdout.write(format_line(finding))
            self.stdout.write(summary(findings))
        if any(f.severity == registry.HIGH for f in findings):
            self.stdout.flush()
            sys.exit(1)

    def findings(self, options) -> list:
        context = active_context()
        if context is None:
            raise CommandError(
                "no policy is in force (load one with `mamori policy`)", returncode=2
            )
        unit = None
        if options["unit"]:
            unit = OrgUnit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"no unit has the code {options['unit']!r}", returncode=2)
        try:
            findings = registry.run(context, unit=unit)
        except registry.CheckConfigurationError as error:
            raise CommandError(str(error), returncode=2) from error
        return findings
