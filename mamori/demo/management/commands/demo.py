import time

from django.core.management.base import BaseCommand, CommandError

from mamori.demo.builder import (
    DEFAULT_POLICY,
    DEMO_PASSWORD,
    MUNICIPALITY,
    DemoBuilder,
    DemoError,
    account_table,
    apply_policy,
    demo_settings,
    policy_codes,
)
from mamori.demo.ledger import build_ledger
from mamori.incidents.demo import add_demo_legal_report
from mamori.inspections.demo import add_demo_inspections
from mamori.outsourcing.demo import add_demo_outsourcing
from mamori.policy.packs import PackError
from mamori.policy.rules import active_context


class Command(BaseCommand):
    help = "Create the demo municipality (みどり市) under a policy pack, with demo accounts. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--policy",
            default=DEFAULT_POLICY,
            choices=policy_codes(),
            help=f"the policy pack the demo runs under (default {DEFAULT_POLICY})",
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--quiet", action="store_true", help="do not print the demo accounts")

    def handle(self, *args, policy: str, seed: int, quiet: bool, **options):
        started = time.monotonic()
        try:
            settings = demo_settings(policy)
            builder = DemoBuilder(structure=settings["structure"], seed=seed)
            builder.build()
            version, accounts = apply_policy(policy)
            build_ledger(settings["structure"], active_context())
            # After the ledger: the lost USB memory's entry decides the legal report.
            add_demo_legal_report()
            # After the ledger: a unit owning a system also answers for its system manager.
            add_demo_inspections()
            # After the ledger: contracts and services name its systems.
            add_demo_outsourcing()
        except (DemoError, PackError) as exc:
            # The demo cannot be built in this database as asked: could not run.
            raise CommandError(str(exc), returncode=2) from None
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Demo municipality {MUNICIPALITY}: {builder.created_units} units and "
            f"{builder.created_people} people created ({elapsed:.1f} s). Policy in force: {version}."
        )
        if quiet:
            return
        self.stdout.write("")
        self.stdout.write(
            f"Demo accounts / デモ用アカウント (password / パスワード: {DEMO_PASSWORD}):"
        )
        for username, description, who in account_table(settings["structure"], accounts):
            self.stdout.write(f"  {username:<12} {description}  [{who}]")
