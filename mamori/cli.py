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
    argv = argv if argv is not None else sys.argv
    if len(argv) > 1 and argv[1] in {"check", "trail"}:
        # `mamori check` and `mamori trail` promise 0/1 for their findings and 2 for any
        # error: a setting that stops Django from starting (a missing trail key) must not
        # read as "findings exist" (1), nor print a traceback.
        from django.core.exceptions import ImproperlyConfigured

        try:
            execute_from_command_line(argv)
        except ImproperlyConfigured as error:
            sys.stderr.write(f"ImproperlyConfigured: {error}\n")
            sys.exit(2)
        return
    execute_from_command_line(argv)
