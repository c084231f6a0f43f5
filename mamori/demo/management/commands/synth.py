import time

from django.core.management.base import BaseCommand, CommandError

from mamori.demo.builder import DemoError
from mamori.demo.synth import SCALES, synthesize


class Command(BaseCommand):
    help = "Fill an empty database with a synthetic municipality for scale tests: small (a town) or sendai (a designated city)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, scale, seed, **options):
        started = time.monotonic()
        try:
            counts = synthesize(scale, seed=seed, out=lambda m: self.stderr.write(m))
        except DemoError as exc:
            # Not an empty database: could not run.
            raise CommandError(str(exc), returncode=2) from None
        summary = ", ".join(f"{value} {key}" for key, value in counts.items())
        self.stdout.write(
            f"synthetic municipality ({scale}, seed {seed}): {summary} in {time.monotonic() - started:.1f} s"
        )
