import time

from django.core.management.base import BaseCommand

from mamori.demo.builder import MUNICIPALITY, DemoBuilder, account_table


class Command(BaseCommand):
    help = "Create the demo municipality (みどり市) with its people and demo accounts. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--quiet", action="store_true", help="do not print the demo accounts")

    def handle(self, *args, seed: int, quiet: bool, **options):
        started = time.monotonic()
        builder = DemoBuilder(seed=seed)
        builder.build()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Demo municipality {MUNICIPALITY}: {builder.created_units} units and "
            f"{builder.created_people} people created ({elapsed:.1f} s)."
        )
        if quiet:
            return
        self.stdout.write("")
        self.stdout.write("Demo accounts / デモ用アカウント:")
        for username, password, description, who in account_table():
            self.stdout.write(f"  {username:<10} {password}   {description}  [{who}]")
