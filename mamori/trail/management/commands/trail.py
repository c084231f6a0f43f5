from django.core.management.base import BaseCommand, CommandError

from mamori.trail.chain import verify


class Command(BaseCommand):
    help = "Work with the audit trail. `trail verify` recomputes the hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser("verify", help="recompute the hash chain and report the first break")
        check.add_argument("--batch", type=int, default=5000, help="rows read per query")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "verify":
            result = verify(batch=options["batch"])
            if result.broken is not None:
                self.stderr.write(
                    f"TAMPERED: trail broken at {result.broken} "
                    f"({result.verified} events before it verified)"
                )
                raise CommandError("trail verification failed", returncode=1)
            self.stdout.write(f"OK: {result.verified} events verified")
