"""`mamori worker`: runs the background work (docs/deployment.md).

By default a small supervisor starts the worker as a child process and starts it again if
it dies (a reader that exhausted its memory limit, a crash): the dead worker's jobs are
marked failed at once, and the users can retry them. `--single` runs the worker in this
process only, for a service manager that restarts it itself.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from mamori.background import work

logger = logging.getLogger("mamori.worker")


class Command(BaseCommand):
    help = (
        "Run background work: ledger imports, mail, escalation, reminders and daily "
        "snapshots (the periodic work of MAMORI_SCHEDULE is enqueued by the worker itself)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--single",
            action="store_true",
            help="run in this process only; do not start it again when it dies",
        )
        parser.add_argument(
            "--no-schedule", action="store_true", help="run queued jobs only, no periodic work"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks at the queue"
        )

    def handle(self, *args, single, no_schedule, interval, **options):
        if single:
            self.run_worker(schedule=not no_schedule, interval=interval)
        else:
            self.supervise([*(["--no-schedule"] if no_schedule else []), f"--interval={interval}"])

    # The supervisor ------------------------------------------------------------------------

    def supervise(self, extra: list[str]) -> None:
        stopping = False
        child = None

        def stop(signum, frame):
            nonlocal stopping
            if stopping:  # Ctrl-C and the terminate of `dev.py start` both arrive
                return
            stopping = True
            if child is not None and child.poll() is None:
                child.send_signal(signum)  # once: the worker finishes its job, then stops

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping:
            # In a session of its own: Ctrl-C reaches it once, through this supervisor.
            child = subprocess.Popen(
                [sys.executable, "-m", "mamori", "worker", "--single", *extra],
                start_new_session=os.name == "posix",
            )
            code = child.wait()
            if stopping:
                break
            self.stderr.write(f"mamori worker: the worker stopped ({code}); starting it again")
            close_old_connections()
            try:
                work.sweep()  # its jobs fail now, not when the lease runs out
            except OperationalError as error:
                self.stderr.write(f"mamori worker: {error}")
            time.sleep(1)

    # The worker ----------------------------------------------------------------------------

    def run_worker(self, *, schedule: bool, interval: float) -> None:
        name = work.worker_name()
        started = timezone.now()
        work.limit_memory(settings.MAMORI_WORKER_MEMORY_MB)
        work.beat(name, started)
        work.sweep()
        done = threading.Event()
        threading.Thread(target=self._heartbeat, args=(name, started, done), daemon=True).start()
        worker = Worker(
            queue_names=["default"],
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=name,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write(f"mamori worker {name}: waiting for work")
        self.stdout.flush()
        swept = time.monotonic()
        try:
            while worker.running:
                close_old_connections()
                if schedule:
                    for due in work.claim_due():
                        import_string(settings.MAMORI_SCHEDULE[due][0]).enqueue()
                if time.monotonic() - swept > settings.MAMORI_WORKER_HEARTBEAT_SECONDS:
                    work.sweep()
                    swept = time.monotonic()
                task_result = self._next(worker)
                if task_result is not None:
                    worker.run_task(task_result)
                elif worker.running:
                    time.sleep(interval)
        finally:
            done.set()
            work.stopped(name)

    def _next(self, worker: Worker) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(backend_name=worker.backend_name)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(worker.worker_id)
            except OperationalError as error:
                if not is_locked_database_exception(error):
                    raise
                return None
        return task_result

    def _heartbeat(self, name, started, done: threading.Event) -> None:
        while not done.wait(settings.MAMORI_WORKER_HEARTBEAT_SECONDS):
            try:
                work.beat(name, started)
            except OperationalError:  # SQLite busy with a long store: the next beat comes
                pass
            finally:
                connections.close_all()
