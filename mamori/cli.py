"""The `mamori` command: Django's management entry point with our settings preset."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    from django.core.management import execute_from_command_line

    from mamori.lib import context

    # Trail events written by a command carry where they came from, as web
    # requests carry their request id and client address.
    context.start_cli_context()
    execute_from_command_line(argv if argv is not None else sys.argv)
