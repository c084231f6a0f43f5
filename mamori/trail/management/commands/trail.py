"""`mamori trail verify [--anchors DIR]` and `mamori trail anchor DIR`.

Exit codes: 0 the trail is intact (or the checkpoint was written), 1 tampering found,
2 the check could not run (the directory cannot be read, the database cannot be reached,
the configured key is not the trail's), with one line on standard error.
"""

from django.core.management.base import BaseCommand, CommandError

from mamori.trail.anchors import AnchorError, AnchorRefused, verify_with_anchors, write_anchor
from mamori.trail.chain import verify


class Command(BaseCommand):
    help = (
        "Work with the audit trail. `trail verify` recomputes the keyed hash chain and, with "
        "--anchors DIR, checks the stored trail against every checkpoint in DIR; "
        "`trail anchor DIR` writes a signed checkpoint of the trail into DIR."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser(
            "verify", help="recompute the hash chain and report where it was tampered with"
        )
        check.add_argument("--batch", type=int, default=5000, help="rows read per query")
        check.add_argument(
            "--anchors",
            metavar="DIR",
            help="also check the trail against every checkpoint (*.json) in DIR",
        )
        anchor = sub.add_parser("anchor", help="write a signed checkpoint of the trail into DIR")
        anchor.add_argument("directory", metavar="DIR")

    def handle(self, *args, subcommand: str, **options):
        try:
            if subcommand == "anchor":
                self.anchor(options["directory"])
            elif options["anchors"]:
                self.verify_with_anchors(options["anchors"], options["batch"])
            else:
                self.verify(options["batch"])
        except AnchorError as error:
            raise CommandError(str(error), returncode=2) from None
        # A database that cannot be reached is "could not run" (2), said in one line by the
        # `mamori` command itself (mamori/cli.py), as for every command.

    def anchor(self, directory: str) -> None:
        try:
            path = write_anchor(directory)
        except AnchorRefused as error:
            self.stderr.write(f"TAMPERED: no checkpoint written: {error}")
            raise CommandError("trail verification failed", returncode=1) from None
        self.stdout.write(f"checkpoint written: {path}")

    def verify(self, batch: int) -> None:
        result = verify(batch=batch)
        if result.broken is not None:
            self.stderr.write(
                f"TAMPERED: trail broken at {result.broken} "
                f"({result.verified} events before it verified)"
            )
            raise CommandError("trail verification failed", returncode=1)
        if result.key_problem:
            raise CommandError(f"cannot verify: {result.key_problem}", returncode=2)
        self.stdout.write(f"OK: {result.verified} events verified{_keyed(result)}")

    def verify_with_anchors(self, directory: str, batch: int) -> None:
        report = verify_with_anchors(directory, batch=batch)
        if report.findings:
            for finding in report.findings:
                self.stderr.write(f"TAMPERED: {finding}")
            if report.chain.key_problem:
                self.stderr.write(f"cannot verify with the key: {report.chain.key_problem}")
            raise CommandError("trail verification failed", returncode=1)
        if report.chain.key_problem:
            raise CommandError(f"cannot verify: {report.chain.key_problem}", returncode=2)
        if report.checkpoints:
            newest = max(report.checkpoints, key=lambda c: (c.seq, c.time))
            count = len(report.checkpoints)
            agreed = (
                f"{count} checkpoint{'s agree' if count > 1 else ' agrees'}, the newest at "
                f"event {newest.seq} ({newest.time})"
            )
        else:
            agreed = f"no checkpoints in {directory}: only the chain was checked"
        self.stdout.write(
            f"OK: {report.chain.verified} events verified{_keyed(report.chain)}; {agreed}"
        )


def _keyed(result) -> str:
    unkeyed = result.verified - result.keyed
    if unkeyed and result.keyed:
        return f" ({result.keyed} with the trail key, {unkeyed} from before it was keyed)"
    if unkeyed:
        return " (none with the trail key yet: all from before it was keyed)"
    return ""
