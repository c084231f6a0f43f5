"""The `mamori` command: Django's management entry point with our settings preset.

Every command answers with the same exit codes, so that cron jobs and monitoring can tell
an outage from a finding:

    0  done
    1  it ran and found a problem (a tampered trail, a high finding, a rejected file)
    2  it could not run (database unreachable, bad configuration, missing file,
       unwritable output), told in one line on standard error

Commands raise `CommandError(..., returncode=2)` for what they detect themselves; what
escapes them (a database that cannot be reached, a setting Django refuses, a file that
cannot be written) is turned into that one line here, in one place. `--traceback` shows the
full traceback as well.
"""

import os
import sys
import traceback
from difflib import get_close_matches

EXIT_PROBLEM = 1
EXIT_COULD_NOT_RUN = 2


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    argv = argv if argv is not None else sys.argv
    # Named `mamori` in usage and messages also when run as `python -m mamori`.
    argv = ["mamori", *argv[1:]]
    try:
        from mamori.lib import context

        # Trail events written by a command carry where they came from, as web
        # requests carry their request id and client address.
        context.start_cli_context()
        _utility_class()(argv).execute()
        sys.stdout.flush()  # here, where a closed pipe is handled below, not at exit
    except KeyboardInterrupt:
        sys.stderr.write("中断しました(interrupted)\n")
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (`mamori … | head`): stop quietly, as a Unix tool ended by
        # SIGPIPE does, and keep Python from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(128 + 13)
    except Exception as error:
        if "--traceback" in argv:
            traceback.print_exc()
        if _refused(error):
            # A command acting for a user (--as USER) who may not do what it does: written
            # to the trail like a refusal on a screen; "found a problem" (1), one line.
            sys.stderr.write(f"{error.message}\n")
            sys.exit(EXIT_PROBLEM)
        sys.stderr.write(describe(error) + "\n")
        sys.exit(exit_code(error))


def _refused(error: Exception) -> bool:
    """Is `error` a refusal of the access model? It is written to the trail here (once)."""
    from mamori.access import Refused, record_refusal

    if not isinstance(error, Refused):
        return False
    record_refusal(error)
    return True


def _utility_class():
    # Imported here, not at the top: the import of Django's management package must happen
    # inside main()'s error handling.
    from django.conf import settings
    from django.core.management import ManagementUtility, get_commands

    class Utility(ManagementUtility):
        """Django's utility, except that an unknown command name is "could not run" (2), not
        1, which monitoring would read as "found a problem"."""

        def fetch_command(self, subcommand):
            commands = get_commands()
            if subcommand not in commands:
                # As Django does: a command missing because the settings are broken
                # re-raises the settings' own error, which names the variable.
                settings.INSTALLED_APPS  # noqa: B018
                close = get_close_matches(subcommand, commands)
                hint = f" (もしかして {close[0]}? / did you mean {close[0]}?)" if close else ""
                sys.stderr.write(
                    f"不明なコマンドです(unknown command): {subcommand!r}{hint}; "
                    f"一覧は {self.prog_name} help / see {self.prog_name} help\n"
                )
                sys.exit(EXIT_COULD_NOT_RUN)
            command = super().fetch_command(subcommand)
            command.execute = _plain_command_errors(command.execute)
            return command

    return Utility


def _plain_command_errors(execute):
    """A command's own refusal is printed as its message alone, one line, instead of
    Django's "CommandError: message" (English, and a line break would make it two)."""
    from django.core.management import CommandError
    from django.core.management.base import SystemCheckError

    def run(*args, **options):
        try:
            return execute(*args, **options)
        except CommandError as error:
            if options.get("traceback") or isinstance(error, SystemCheckError):
                raise
            sys.stderr.write(one_line(str(error)) + "\n")
            sys.exit(error.returncode)

    return run


def exit_code(error: Exception) -> int:
    from django.core.management import CommandError

    if isinstance(error, CommandError):  # only reaches here with --traceback
        return error.returncode
    return EXIT_COULD_NOT_RUN


def describe(error: Exception) -> str:
    """One line, Japanese first, saying why the command could not run.

    Written without gettext on purpose: when the settings are wrong, Django's translation
    machinery is not available to say so.
    """
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import CommandError
    from django.db import Error as DatabaseError

    detail = one_line(str(error)) or type(error).__name__
    if isinstance(error, CommandError):
        return detail
    if isinstance(error, ImproperlyConfigured):
        return f"設定に誤りがあります(configuration error): {detail}"
    if isinstance(error, DatabaseError):
        if _raised_while_connecting(error):
            return f"データベースに接続できません(database unreachable): {detail}"
        return f"データベースのエラー(database error): {detail}"
    if isinstance(error, OSError):
        return f"ファイルを読み書きできません(file error): {detail}"
    return (
        f"予期しないエラー(unexpected error): {type(error).__name__}: {detail} "
        "(--traceback で詳細を表示 / details with --traceback)"
    )


def one_line(text: str) -> str:
    return " ".join(text.split())


def _raised_while_connecting(error: BaseException) -> bool:
    """Whether the database error came from opening the connection (every backend opens it
    in `get_new_connection`), rather than from a statement on an open one."""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "get_new_connection":
            return True
        tb = tb.tb_next
    return False
