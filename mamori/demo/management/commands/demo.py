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
    demo_totp_code,
    demo_totp_secret,
    policy_codes,
)
from mamori.demo.ledger import build_ledger
from mamori.incidents.demo import add_demo_legal_report
from mamori.inspections.demo import add_demo_inspections
from mamori.outsourcing.demo import add_demo_outsourcing
from mamori.policy.packs import PackError
from mamori.policy.rules import active_context
from mamori.premises.demo import add_demo_premises
from mamori.sysaccounts.demo import add_demo_accounts
from mamori.training.demo import add_demo_training


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
        parser.add_argument(
            "--otp-code",
            action="store_true",
            help="only print the current 6-digit code of the demo accounts' authenticator",
        )

    def handle(self, *args, policy: str, seed: int, quiet: bool, otp_code=False, **options):
        if otp_code:
            self.stdout.write(demo_totp_code())
            return
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
            # After the ledger: the systems' account lists, a leaver, an ID card, a 棚卸し.
            add_demo_accounts()
            add_demo_training()
            add_demo_premises()
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
        for username, description, who, otp in account_table(settings["structure"], accounts):
            mark = "*" if otp else " "
            self.stdout.write(f" {mark}{username:<12} {description}  [{who}]")
        self.stdout.write("")
        self.stdout.write(
            "* 2段階認証 / two-factor sign-in: after the password, enter the 6-digit code of an\n"
            f"  authenticator app (TOTP) set up with the demo key {demo_totp_secret()},\n"
            "  or print the current code with: .venv/bin/mamori demo --otp-code\n"
        )
