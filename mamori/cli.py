"""The `mamori` command: Django's management entry point with our settings preset."""

import os
import sys


def _run(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    from mamori.access import Refused, record_refusal

    try:
        execute_from_command_line(argv)
    except Refused as refusal:
        # A command acting for a user (--as USER) who may not do what it does: written to
        # the trail like a refusal on a screen, one line for the operator.
        record_refusal(refusal)
        sys.stderr.write(f"{refusal.message}\n")
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    from mamori.lib import context

    # Trail events written by a command carry where they came from, as web
    # requests carry their request id and client address.
    context.start_cli_context()
    argv = argv if argv is not None else sys.argv
    if len(argv) > 1 and argv[1] == "check":
        # `mamori check` promises 0/1 for its findings and 2 for any error: a setting that
        # stops Django from starting must not read as "high findings exist" (1).
        from django.core.exceptions import ImproperlyConfigured

        try:
            _run(argv)
        except ImproperlyConfigured as error:
            sys.stderr.write(f"ImproperlyConfigured: {error}\n")
            sys.exit(2)
        return
    _run(argv)
