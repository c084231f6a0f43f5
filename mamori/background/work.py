"""Who is running background work, whether they are still alive, and what is due.

A worker (`mamori worker`) writes a heartbeat (WorkerBeat) every few seconds from a thread
of its own. A job records the name of the worker running it; `is_alive(name)` tells a
running job from one whose worker died: on the same machine the process table decides
(a SQLite store may hold the database's write lock longer than a heartbeat interval), on
another machine the lease. Apps register what to do with the work of a dead worker
(`on_dead_worker`); `sweep()` calls them.
"""

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mamori.background.models import PeriodicRun, WorkerBeat

logger = logging.getLogger(__name__)

_sweepers: dict[str, Callable[[Callable[[str], bool]], int]] = {}


def host() -> str:
    return socket.gethostname()[:50]


def worker_name(pid: int | None = None) -> str:
    return f"{host()}:{pid or os.getpid()}"


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.MAMORI_WORKER_LEASE_SECONDS)


def beat(name: str, started_at: dt.datetime) -> None:
    host_name, _, pid = name.rpartition(":")
    WorkerBeat.objects.update_or_create(
        name=name,
        defaults={
            "host": host_name,
            "pid": int(pid),
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


def stopped(name: str) -> None:
    """A worker that stops cleanly says so: its heartbeat goes."""
    WorkerBeat.objects.filter(name=name).delete()


def _process_exists(pid: int) -> bool:
    if os.name != "posix":
        return True  # no cheap probe: the lease decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child not yet reaped by its parent is a zombie: dead all the same
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def is_alive(name: str) -> bool:
    """Whether the worker of this name is still running."""
    if not name:
        return False
    host_name, _, pid = name.rpartition(":")
    if host_name == host() and pid.isdigit():
        # The process table decides, whatever the heartbeat: a long SQLite store may keep
        # the heartbeat from being written.
        return _process_exists(int(pid))
    beat_row = WorkerBeat.objects.filter(name=name).first()
    return beat_row is not None and beat_row.seen_at >= timezone.now() - lease()


def last_seen() -> dt.datetime | None:
    """When any worker last gave a heartbeat (None: never)."""
    return WorkerBeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()


def stalled() -> tuple[bool, dt.datetime | None]:
    """(whether no worker is running, when one last was) for the screens."""
    seen = last_seen()
    return (seen is None or seen < timezone.now() - lease()), seen


def on_dead_worker(name: str):
    """Register `func(is_alive) -> count`: fail the jobs whose worker is no longer alive."""

    def decorator(func):
        _sweepers[name] = func
        return func

    return decorator


def sweep() -> int:
    """Mark the work of dead workers failed; forget workers long dead. Returns the jobs."""
    cache: dict[str, bool] = {}

    def alive(name: str) -> bool:
        if name not in cache:
            cache[name] = is_alive(name)
        return cache[name]

    count = sum(func(alive) for func in _sweepers.values())
    WorkerBeat.objects.filter(seen_at__lt=timezone.now() - 10 * lease()).delete()
    return count


def claim_due(now: dt.datetime | None = None) -> list[str]:
    """The periodic work now due (settings.MAMORI_SCHEDULE), claimed for this worker: the
    conditional update lets exactly one of several workers have each."""
    now = now or timezone.now()
    due = []
    for name, (_path, seconds) in settings.MAMORI_SCHEDULE.items():
        run, created = PeriodicRun.objects.get_or_create(name=name, defaults={"next_at": now})
        if run.next_at > now:
            continue
        with transaction.atomic():
            claimed = PeriodicRun.objects.filter(pk=run.pk, next_at=run.next_at).update(
                next_at=now + dt.timedelta(seconds=seconds), last_at=now
            )
        if claimed:
            due.append(name)
    return due


def limit_memory(megabytes: int) -> bool:
    """Cap this process's address space (POSIX): a reader that runs away fails with
    MemoryError, or the process dies, instead of exhausting the machine."""
    if megabytes <= 0 or os.name != "posix":
        return False
    import resource  # POSIX only

    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return True


@on_dead_worker("tasks")
def _fail_tasks_of_dead_workers(alive: Callable[[str], bool]) -> int:
    """The queue's own record of a job whose worker died says failed, not running."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    count = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        if result.worker_ids and not alive(result.worker_ids[-1]):
            count += DBTaskResult.objects.filter(
                pk=result.pk, status=TaskResultStatus.RUNNING
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path="mamori.background.work.WorkerDied",
                traceback=f"The worker {result.worker_ids[-1]} stopped while running this job.",
            )
    return count
