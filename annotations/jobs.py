"""Background jobs: the database row is the truth, the Celery message only a nudge."""

# One mechanism for every job (imports, re-anchoring; evidence and webhooks later):
#
# - `enqueue` writes a `Job` row in the caller's transaction and sends the message, by task
#   name, once that transaction commits. A rolled-back transaction leaves neither. A broker
#   that is down costs the request at most FACTCHECK_JOB_SEND_TIMEOUT: the error is logged
#   and the job waits for the sweeper.
# - `job_task` declares the Celery task for a kind of job. The task takes the job's id,
#   claims the row (one attempt at a time), runs the handler, and records the outcome:
#   done; queued again with a backoff after a transient failure; failed with its reason.
# - `sweep` (a beat task every FACTCHECK_JOB_SWEEP_INTERVAL seconds) sends again what sat
#   queued too long, takes back what ran past its hard time limit (its worker died) and
#   fails what used up its attempts.

from __future__ import annotations

import logging
import os
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from annotations import fetching, outages
from annotations.models import Job
from annotations.rows import Gone
from factcheck.celery import app as celery_app

logger = logging.getLogger(__name__)

Outcome = TypeVar("Outcome")

# The Celery task that runs each kind of job. Senders use the name only, so the services
# that enqueue jobs never import the tasks that call the services.
TASK_NAMES = {
    "import": "annotations.tasks.run_import",
    "reanchor": "annotations.tasks.reanchor_article",
    "email": "annotations.notifications.send_notification_email",
    "password_reset": "annotations.account_emails.send_password_reset",
    "snapshot": "annotations.evidence.archive_tasks.snapshot_source",
    "link_check": "annotations.evidence.archive_tasks.check_source_link",
    "snapshot_extract": "annotations.evidence.archive_tasks.extract_snapshot",
    "evidence": "annotations.evidence.tasks.run_evidence_request",
    "webhook": "annotations.webhooks.tasks.deliver_webhook",
    "spot": "annotations.spotting_jobs.spot_article",
    "spotter_train": "annotations.spotting_jobs.train_spotter",
}


class TransientError(Exception):
    """A failure that may well pass: the job is tried again later.

    `retry_after` (seconds), when the other side said how long to wait (a 429 or 503 with
    Retry-After), is the least delay before the next attempt.
    """

    def __init__(self, *args, retry_after: float | None = None):
        super().__init__(*args)
        self.retry_after = retry_after


class Deferred(Exception):
    """Not now, and not a failure: the job goes back to the queue without using an attempt.

    Raised when a host already has its share of this worker's connections (`host_slot`).
    """

    def __init__(self, message: str, delay: float):
        super().__init__(message)
        self.delay = delay


class PermanentError(Exception):
    """A failure that will not pass by trying again; its message is the reason."""


def is_transient(error: BaseException) -> bool:
    """Whether trying again later may succeed.

    True when the database or the broker was unreachable, or when the error says so itself
    (a fetch timeout, an overloaded server).
    """
    if isinstance(error, OperationalError | InterfaceError | BrokerError | TransientError):
        return True
    return getattr(error, "transient", False) is True


def describe(error: BaseException) -> str:
    """The reason a job failed, in words."""
    text = " ".join(str(error).split())
    if isinstance(error, OperationalError | InterfaceError):
        return f"the database was unreachable or busy: {text}"[:1000]
    if isinstance(error, BrokerError):
        return f"the message broker was unreachable: {text}"[:1000]
    return (text or type(error).__name__)[:1000]


# Enqueueing and sending


# Set while jobs are recorded but not sent (`held`).
_held = ContextVar("jobs_held", default=False)


@contextmanager
def held():
    """Record the jobs enqueued inside without sending them, for commands that run before
    the broker is up (`make run` loads its demo first): `send_waiting` sends them once it
    is, or the sweeper does after FACTCHECK_JOB_QUEUED_TIMEOUT."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def enqueue(
    *, kind: str, subject_id: int, arguments: dict | None = None, max_attempts: int | None = None
) -> Job:
    """Record a job in the caller's transaction; its message is sent once that commits.

    Never raises for the broker: a failed send is logged and left to the sweeper.
    """
    if kind not in TASK_NAMES:
        raise ValueError(f"unknown kind of job: {kind!r}")
    job = Job(kind=kind, subject_id=subject_id, arguments=arguments or {})
    if max_attempts is not None:
        job.max_attempts = max_attempts
    job.full_clean()
    job.save()
    if not _held.get():
        transaction.on_commit(lambda: send([job]), robust=True)
    return job


def waiting_for(kind: str, subject_id: int) -> Job | None:
    """The job of `kind` on `subject_id` still to run or running now, if there is one."""
    return (
        Job.objects.filter(
            kind=kind, subject_id=subject_id, state__in=[Job.State.QUEUED, Job.State.RUNNING]
        )
        .order_by("-pk")
        .first()
    )


def run_now(job: Job) -> None:
    """Bring a queued job's next attempt forward to now, in the caller's transaction: its
    backoff is over. The message scheduled for later still comes; the job's row lets one
    attempt run at a time, so it is an attempt, never a second delivery at once."""
    # Unsent until the broker takes the message: the sweeper sends it otherwise.
    brought = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
        run_after=None, sent_at=None
    )
    if brought and not _held.get():
        transaction.on_commit(lambda: send([job]), robust=True)


def send_waiting(*, limit: int = 500) -> int:
    """Send now the queued jobs that were never sent and are due, oldest first; return how
    many the broker took. The stack calls it once its broker is up, so what was recorded
    while it was down runs at once rather than after the sweeper's timeout."""
    now = timezone.now()
    waiting = (
        Job.objects.filter(state=Job.State.QUEUED, sent_at__isnull=True)
        .filter(Q(run_after__isnull=True) | Q(run_after__lte=now))
        .order_by("created_at", "pk")
    )
    return send(waiting[:limit], always_try=True)


def broker_address() -> str:
    """The broker's address as `outages` remembers its failures (never logged or shown)."""
    return f"broker:{settings.CELERY_BROKER_URL}"


def broker_connection(timeout: float, *, always_try: bool = False):
    """A connection to the broker, opened with one try, every socket wait bounded by `timeout`.

    The broker is the one the Django setting names, read at each call (tests change it).
    A broker that is down now is the sweeper's business, not the caller's; the socket
    timeouts also bound one that accepts connections but never answers. One that failed
    moments ago in this process is not tried (`outages`) unless `always_try` (a health
    check must ask for real).
    """
    connection = celery_app.connection_for_write(
        settings.CELERY_BROKER_URL,
        connect_timeout=timeout,
        transport_options={
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "max_retries": 0,
        },
    )
    address = broker_address()
    try:
        if not always_try:
            outages.require_up(address, "the message broker")
        connection.ensure_connection(max_retries=0, timeout=timeout)
        outages.recovered(address)
    except outages.SkippedWhileDown:
        connection.release()
        raise
    except BaseException:
        connection.release()
        outages.failed(address)
        raise
    return connection


def send(jobs: Iterable[Job], *, countdown: float | None = None, always_try: bool = False) -> int:
    """Send each job's message; return how many the broker took.

    Bounded by FACTCHECK_JOB_SEND_TIMEOUT and never raises: whatever was not sent is picked
    up by the sweeper. Results are never stored, so nothing waits on a result backend.
    `always_try` asks the broker even if it failed moments ago (`broker_connection`).
    """
    jobs = list(jobs)
    if not jobs:
        return 0
    timeout = settings.FACTCHECK_JOB_SEND_TIMEOUT
    sent: list[int] = []
    try:
        with broker_connection(timeout, always_try=always_try) as connection:
            for job in jobs:
                celery_app.send_task(
                    TASK_NAMES[job.kind],
                    args=[job.pk],
                    connection=connection,
                    countdown=countdown,
                    ignore_result=True,
                    retry=False,
                    add_to_parent=False,
                )
                sent.append(job.pk)
    except Exception as error:
        # Whatever the cause, the caller must go on: the rows are safe in the database.
        # A broker that took the connection but never answered fails here, not on connecting.
        if not isinstance(error, outages.SkippedWhileDown):
            outages.failed(broker_address())
        unsent = [job.pk for job in jobs if job.pk not in sent]
        logger.warning("Jobs %s not sent, left to the sweeper: %s", unsent, describe(error))
    if sent:
        try:
            Job.objects.filter(pk__in=sent).update(sent_at=timezone.now())
        except DatabaseError as error:
            logger.warning("Could not record jobs %s as sent: %s", sent, describe(error))
    return len(sent)


# Running


@dataclass(frozen=True)
class Handler:
    """How one kind of job runs: the function, what to do when it fails, its time limits."""

    run: Callable[[Job], object]
    on_failure: Callable[[Job, str], object] | None
    soft_time_limit: int
    time_limit: int
    jitter: float = 0.0
    # attempt number -> seconds before the next one, in place of the doubling backoff.
    retry_delays: Callable[[int], float] | None = None

    @property
    def lease(self) -> timedelta:
        """How long an attempt may hold a job before it counts as dead."""
        return timedelta(seconds=self.time_limit + settings.FACTCHECK_JOB_RUNNING_GRACE)


_HANDLERS: dict[str, Handler] = {}


def job_task(
    kind: str,
    *,
    soft_time_limit: int,
    time_limit: int,
    on_failure: Callable[[Job, str], object] | None = None,
    jitter: float = 0.0,
    retry_delays: Callable[[int], float] | None = None,
):
    """Declare the Celery task that runs jobs of `kind` with the decorated `function(job)`.

    `function` must be idempotent: a job may run again after its worker died mid-way.
    Raise an error that `is_transient` accepts to retry later; any other error fails the
    job at once. `on_failure(job, reason)` records a failure on the job's subject (in the
    same transaction as the job's state), whether an attempt failed or the sweeper gave up.
    `jitter` (a fraction, e.g. 0.25) spreads each retry's delay by up to that much either
    way, so that jobs which failed together (a site that was down) do not return together.
    `retry_delays(attempt)` gives the seconds before the next attempt instead of the doubling
    backoff (webhooks retry for a day); waits past FACTCHECK_JOB_RETRY_MAX_DELAY are sent by
    the sweeper once due.
    """

    def decorate(function: Callable[[Job], object]):
        _HANDLERS[kind] = Handler(
            function, on_failure, soft_time_limit, time_limit, jitter, retry_delays
        )

        def task(job_id: int) -> str:
            return run(kind, job_id)

        task.__name__ = task.__qualname__ = function.__name__
        task.__module__ = function.__module__
        task.__doc__ = function.__doc__
        return shared_task(
            name=TASK_NAMES[kind],
            acks_late=True,
            reject_on_worker_lost=True,
            ignore_result=True,
            soft_time_limit=soft_time_limit,
            time_limit=time_limit,
        )(task)

    return decorate


def run(kind: str, job_id: int) -> str:
    """Run one attempt of a job, if no live attempt holds it; return the job's state after."""
    handler = _HANDLERS[kind]
    # Through a database outage too: the message is acknowledged whatever this attempt
    # does, so a claim given up at once left the job queued with no message on its way.
    job = _recorded(
        partial(_claim, job_id, kind, handler),
        by=time.monotonic() + handler.time_limit - 2,
        what="take a job",
    )
    if job is None:
        return _not_claimed(job_id, handler)
    # Celery's hard limit kills the attempt this long after it began: the outcome is written
    # before it, or left to the sweeper.
    hard_limit = time.monotonic() + handler.time_limit - 2
    try:
        # The thread pool of the I/O worker ignores Celery's time limits: every fetch the
        # attempt makes is held to its soft limit instead, so it ends before its lease.
        with fetching.time_budget(handler.soft_time_limit):
            handler.run(job)
    except Deferred as deferred:
        outcome = partial(_defer, job, deferred)
    except SoftTimeLimitExceeded:
        reason = f"it took longer than {handler.soft_time_limit} seconds"
        outcome = partial(_fail, job, handler, reason)
    except Gone as gone:
        # A row the job writes to was deleted while it ran (a draft thrown away while its
        # source was read): no failure to retry, nor a traceback to log. A kind with failure
        # handling still gets it (an import whose article was replaced must not stay
        # pending); one without simply has nothing left to do.
        logger.info("Job %s ended: a row it works on is gone (%s)", job, gone)
        if handler.on_failure is None:
            outcome = partial(_done, job)
        else:
            outcome = partial(_fail, job, handler, str(gone))
    except Exception as error:
        reason = describe(error)
        if isinstance(error, PermanentError):
            outcome = partial(_fail, job, handler, reason)
        elif not is_transient(error):
            logger.exception("Job %s failed", job)
            outcome = partial(_fail, job, handler, reason)
        elif job.attempts >= job.max_attempts:
            reason = f"gave up after {_attempts(job.attempts)}: {reason}"
            outcome = partial(_fail, job, handler, reason)
        else:
            retry_after = getattr(error, "retry_after", None)
            outcome = partial(_retry, job, reason, handler, retry_after)
    else:
        outcome = partial(_done, job)
    return _recorded(outcome, by=hard_limit)


def _done(job: Job) -> str:
    # Not a job the sweeper failed meanwhile (this attempt outlived its lease): its
    # `on_failure` has run, and the subject says it failed; the job must say so too.
    done = (
        Job.objects.filter(pk=job.pk, attempts=job.attempts)
        .exclude(state=Job.State.FAILED)
        .update(state=Job.State.DONE, finished_at=timezone.now(), last_error="", run_after=None)
    )
    return Job.State.DONE if done else Job.objects.get(pk=job.pk).state


def _recorded(
    record: Callable[[], Outcome], *, by: float, what: str = "record a job's outcome"
) -> Outcome:
    """`record()`, the write of an attempt's outcome (or the claim of the job, saying `what`
    it does), tried again through a database outage.

    Unwritten, the outcome was lost and the job stayed "running" until its lease ran out
    (minutes), though its worker was alive and knew it. The connection a failed try used is
    closed, so that the next opens a new one; after FACTCHECK_JOB_RECORD_PATIENCE seconds,
    or at `by` (a monotonic time: the attempt's hard limit), the error goes up, and the
    sweeper takes the job back once its lease is over.
    """
    patience = min(time.monotonic() + settings.FACTCHECK_JOB_RECORD_PATIENCE, by)
    pause = 0.5
    while True:
        try:
            return record()
        except (OperationalError, InterfaceError) as error:
            # Inside a caller's transaction the connection is not ours to replace.
            if connection.in_atomic_block or time.monotonic() + pause > patience:
                raise
            logger.warning(
                "Could not %s (%s); trying again in %.1f s", what, describe(error), pause
            )
            connection.close()
            time.sleep(pause)  # an outage: nothing else this worker could do needs less
            pause = min(pause * 2, 8.0)


def _claim(job_id: int, kind: str, handler: Handler) -> Job | None:
    """Take the job for this attempt; None if it is done, failed or held by a live attempt.

    Conditional UPDATEs (free, or held by the very process found dead), so of two workers
    handed the same job only one wins.
    """
    now = timezone.now()
    free = Q(state=Job.State.QUEUED) | Q(
        state=Job.State.RUNNING, started_at__lt=now - handler.lease
    )
    taken = {
        "state": Job.State.RUNNING,
        "attempts": F("attempts") + 1,
        "started_at": now,
        "finished_at": None,
        "worker": this_worker(),
    }
    claimed = Job.objects.filter(free, pk=job_id, kind=kind, attempts__lt=F("max_attempts")).update(
        **taken
    )
    if not claimed:
        # Held by an attempt whose process is known to be dead (killed on this host): the
        # message came back at once, so take over now rather than after the lease.
        held = Job.objects.filter(pk=job_id, kind=kind, state=Job.State.RUNNING).first()
        if held is not None and held.attempts < held.max_attempts and worker_gone(held.worker):
            claimed = Job.objects.filter(
                pk=job_id, state=Job.State.RUNNING, attempts=held.attempts, worker=held.worker
            ).update(**taken)
    return Job.objects.get(pk=job_id) if claimed else None


def this_worker() -> str:
    """This process, as a job row names the one running its attempt (see `worker_of`)."""
    return worker_of(os.getpid())


def worker_of(pid: int) -> str:
    """host:pid-namespace:pid:start-time of a process of this machine.

    The namespace tells apart containers that share a host name; the start time tells a
    process from a later one given the same pid. Either is empty where /proc is absent.
    """
    stat = _process_stat(pid)
    return f"{socket.gethostname()}:{_pid_namespace()}:{pid}:{stat[1] if stat else ''}"


def worker_gone(worker: str) -> bool:
    """Whether the process named `worker` (see `worker_of`) is known to have died.

    Only a process of this host and pid namespace can be checked; any other counts as
    alive (its attempt is taken back when its lease runs out). Gone: no such pid, or one
    that started at another time (the pid was reused), or a zombie its parent has not
    reaped yet.
    """
    parts = worker.split(":")
    if len(parts) != 4 or not parts[2].isdigit():
        return False
    host, namespace, pid, started = parts
    if host != socket.gethostname() or namespace != _pid_namespace():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    stat = _process_stat(int(pid))
    if stat is None:
        return False
    state, start = stat
    return state == "Z" or bool(started and start != started)


def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return ""


def _process_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks) from /proc/<pid>/stat, None where unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            # After the command name (in parentheses, which may hold anything): field 3 on.
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (fields[0], fields[19]) if len(fields) > 19 else None


def _not_claimed(job_id: int, handler: Handler) -> str:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return "missing"
    if _abandoned(job, handler) and job.attempts >= job.max_attempts:
        return _fail(job, handler, _gave_up(job))
    return job.state


def is_abandoned(job: Job) -> bool:
    """Whether no live attempt holds the job (see `_abandoned`), for its kind's lease."""
    return _abandoned(job, _HANDLERS.get(job.kind))


def _abandoned(job: Job, handler: Handler | None) -> bool:
    """Queued, or running with no live attempt (its process died, or it is past its hard
    time limit and grace)."""
    if job.state == Job.State.QUEUED:
        return True
    lease = handler.lease if handler else _default_lease()
    return job.state == Job.State.RUNNING and (
        job.started_at < timezone.now() - lease or worker_gone(job.worker)
    )


def _gave_up(job: Job) -> str:
    return (
        f"gave up after {_attempts(job.attempts)}: the last one did not finish "
        "(its worker stopped, or it ran past its time limit)"
    )


# What `_retry` writes before the reason of a failed attempt; `retry_status` takes it off.
_RETRY_NOTE = "attempt {attempts} failed, retrying in {delay:g} s: "
_RETRY_NOTE_PATTERN = re.compile(r"attempt \d+ failed, retrying in [0-9.e+]+ s: ")


@dataclass(frozen=True)
class RetryStatus:
    """A job still under way after a failed attempt: what failed, and when it tries again."""

    failed_attempts: int
    max_attempts: int
    reason: str
    # None while the next attempt is running.
    next_attempt_at: datetime | None


def retry_status(job: Job | None) -> RetryStatus | None:
    """How a queued or running job fared so far, if an attempt of it failed; else None."""
    if job is None or job.state not in Job.IN_FLIGHT:
        return None
    match = _RETRY_NOTE_PATTERN.match(job.last_error)
    if match is None:
        return None
    waiting = job.state == Job.State.QUEUED
    return RetryStatus(
        failed_attempts=job.attempts if waiting else job.attempts - 1,
        max_attempts=job.max_attempts,
        reason=job.last_error[match.end() :],
        next_attempt_at=job.run_after if waiting else None,
    )


# A worker takes a job within a second or two once it is free: one sent this long ago and
# not started means no worker is taking jobs (stopped, or busy with others).
WORKER_PICKUP_SECONDS = 15


def waiting_for_worker(in_flight) -> bool:
    """Whether every job of `in_flight` (queued or running ones) sits queued, due, and sent
    over WORKER_PICKUP_SECONDS ago: work an editor waits on that no worker has taken."""
    unclaimed_since = timezone.now() - timedelta(seconds=WORKER_PICKUP_SECONDS)
    rows = list(in_flight.values_list("state", "sent_at", "created_at", "run_after"))
    return bool(rows) and all(
        state == Job.State.QUEUED
        and (sent_at or created_at) < unclaimed_since
        and (run_after is None or run_after < unclaimed_since)
        for state, sent_at, created_at, run_after in rows
    )


def _retry(
    job: Job, reason: str, handler: Handler | None = None, retry_after: float | None = None
) -> str:
    """Queue the job again after a backoff that doubles with each attempt.

    The handler's jitter spreads the delay; a server's Retry-After is the least delay.
    """
    delay = min(
        settings.FACTCHECK_JOB_RETRY_DELAY * 2 ** (job.attempts - 1),
        settings.FACTCHECK_JOB_RETRY_MAX_DELAY,
    )
    if handler is not None and handler.retry_delays is not None:
        delay = float(handler.retry_delays(job.attempts))
    if handler is not None and handler.jitter:
        delay *= random.uniform(1 - handler.jitter, 1 + handler.jitter)  # noqa: S311 - not a secret
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), settings.FACTCHECK_JOB_RETRY_MAX_DELAY))
    delay = round(delay, 1)
    now = timezone.now()
    requeued = Job.objects.filter(pk=job.pk, attempts=job.attempts).update(
        state=Job.State.QUEUED,
        last_error=f"{_RETRY_NOTE.format(attempts=job.attempts, delay=delay)}{reason}"[:1000],
        run_after=now + timedelta(seconds=delay),
        sent_at=now,
    )
    # A countdown past the broker's visibility timeout would be delivered twice: a longer
    # wait is left to the sweeper, which sends the job once `run_after` has passed.
    if requeued and delay <= settings.FACTCHECK_JOB_RETRY_MAX_DELAY:
        send([job], countdown=delay)
    return Job.State.QUEUED


def _defer(job: Job, deferred: Deferred) -> str:
    """Queue the job again after `deferred.delay`, giving back the attempt it did not use."""
    now = timezone.now()
    requeued = Job.objects.filter(pk=job.pk, attempts=job.attempts).update(
        state=Job.State.QUEUED,
        attempts=F("attempts") - 1,
        run_after=now + timedelta(seconds=deferred.delay),
        sent_at=now,
    )
    if requeued:
        send([job], countdown=deferred.delay)
    return Job.State.QUEUED


def _fail(job: Job, handler: Handler | None, reason: str) -> str:
    """Record the job as failed, and its subject through the handler's `on_failure`."""
    with transaction.atomic():
        # Not a row failed already: a write that committed and whose answer was lost is
        # tried again by `_recorded`, and `on_failure` must not run twice.
        failed = (
            Job.objects.filter(pk=job.pk, attempts=job.attempts)
            .exclude(state__in=[Job.State.DONE, Job.State.FAILED])
            .update(state=Job.State.FAILED, last_error=reason[:1000], finished_at=timezone.now())
        )
        if failed and handler is not None and handler.on_failure is not None:
            handler.on_failure(job, reason)
    return Job.State.FAILED if failed else Job.objects.get(pk=job.pk).state


# Connections per host


_host_lock = threading.Condition()
_host_busy: Counter[str] = Counter()


@contextmanager
def host_slot(url: str, *, limit: int | None = None, wait: float | None = None):
    """Hold one of this process's FACTCHECK_IO_PER_HOST connections to `url`'s host.

    On the I/O worker's thread pool a slow site would otherwise take every thread while the
    other sites wait. When its host is full, the thread waits up to FACTCHECK_IO_HOST_WAIT
    seconds (or `wait`) for a slot; then the job is deferred (`Deferred`: back to the queue
    in a second or two, no attempt used) and the thread goes on to other work.
    """
    host = (urlsplit(str(url)).hostname or "").lower()
    limit = settings.FACTCHECK_IO_PER_HOST if limit is None else limit
    wait = settings.FACTCHECK_IO_HOST_WAIT if wait is None else wait
    if (left := fetching.budget_left()) is not None:
        wait = min(wait, left)  # waiting for a turn counts against the job's time limit
    with _host_lock:
        free = _host_lock.wait_for(lambda: _host_busy[host] < limit, timeout=wait)
        if free:
            _host_busy[host] += 1
    if not free:
        delay = settings.FACTCHECK_IO_DEFER_DELAY * random.uniform(0.5, 1.5)  # noqa: S311
        raise Deferred(f"{host} already has {limit} connections from this worker", delay)
    try:
        yield
    finally:
        with _host_lock:
            _host_busy[host] -= 1
            if _host_busy[host] <= 0:
                del _host_busy[host]
            _host_lock.notify_all()


# Sweeping


@dataclass
class SweepReport:
    """What one sweep did."""

    sent: int = 0
    requeued: int = 0
    failed: int = 0


def _default_lease() -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + settings.FACTCHECK_JOB_RUNNING_GRACE)


def sweep(*, limit: int = 500) -> SweepReport:
    """Send again the jobs whose message was lost, take back those whose worker died.

    - running past its hard time limit plus FACTCHECK_JOB_RUNNING_GRACE, or held by a
      process of this host found dead (`worker_gone`): queued again, or failed with the
      reason once it has used up its attempts;
    - queued, and neither sent nor due within the last FACTCHECK_JOB_QUEUED_TIMEOUT
      seconds (the broker was down, or lost the message): sent again.

    Messages sent twice are harmless: an attempt runs only after claiming the row.
    """
    report = SweepReport()
    now = timezone.now()
    requeued: list[Job] = []
    for kind in TASK_NAMES:
        handler = _HANDLERS.get(kind)
        lease = handler.lease if handler else _default_lease()
        stale = list(
            Job.objects.filter(
                kind=kind, state=Job.State.RUNNING, started_at__lt=now - lease
            ).order_by("started_at")[:limit]
        )
        # Attempts of processes on this host that are known to be dead need no lease.
        here = Job.objects.filter(
            kind=kind, state=Job.State.RUNNING, worker__startswith=f"{socket.gethostname()}:"
        ).exclude(pk__in=[job.pk for job in stale])
        stale += [job for job in here.order_by("started_at")[:limit] if worker_gone(job.worker)]
        for job in stale:
            if job.attempts >= job.max_attempts:
                report.failed += _fail(job, handler, _gave_up(job)) == Job.State.FAILED
            elif (
                Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, attempts=job.attempts)
                .update(
                    state=Job.State.QUEUED,
                    sent_at=None,
                    run_after=None,
                    last_error=f"attempt {job.attempts} did not finish "
                    "(its worker stopped, or it ran past its time limit)",
                )
            ):  # fmt: skip
                requeued.append(job)
    report.requeued = len(requeued)
    cutoff = now - timedelta(seconds=settings.FACTCHECK_JOB_QUEUED_TIMEOUT)
    lost = (
        Job.objects.filter(state=Job.State.QUEUED)
        .filter(Q(sent_at__isnull=True, created_at__lt=cutoff) | Q(sent_at__lt=cutoff))
        .filter(Q(run_after__isnull=True) | Q(run_after__lt=cutoff))
        .exclude(pk__in=[job.pk for job in requeued])
        .order_by("created_at")
    )
    # A job still queued a minute after its message was sent is usually waiting its turn
    # behind others, not lost: its queue still holds messages. Sent again each sweep, every
    # job of a backlog got a copy a minute, and the backlog grew. Lost is a queue drained
    # with the job still queued.
    lost = list(lost[:limit])
    busy = _queues_holding_messages() if lost else set()
    lost = [job for job in lost if not _waiting_its_turn(job, busy, now)]
    report.sent = send([*requeued, *lost], always_try=True)
    return report


def _waiting_its_turn(job: Job, busy: set[str], now: datetime) -> bool:
    """Whether a job still queued is likely behind others in a queue that holds messages:
    one sent as it was made, less than FACTCHECK_JOB_BACKLOG_PATIENCE ago. One never sent,
    or due to try again (whose message was sent with a countdown, or left to the sweeper
    for a wait the broker cannot hold), is sent."""
    patience = timedelta(seconds=settings.FACTCHECK_JOB_BACKLOG_PATIENCE)
    return (
        job.sent_at is not None
        and job.sent_at > now - patience
        and job.run_after is None
        and _queue_of(job.kind) in busy
    )


def _queue_of(kind: str) -> str:
    """The broker queue a job kind's messages go to (settings.CELERY_TASK_ROUTES)."""
    route = settings.CELERY_TASK_ROUTES.get(TASK_NAMES[kind], {})
    return route.get("queue", settings.CELERY_TASK_DEFAULT_QUEUE)


def _queues_holding_messages() -> set[str]:
    """The queues with messages waiting for a worker; none when the broker cannot say."""
    timeout = settings.FACTCHECK_JOB_SEND_TIMEOUT
    try:
        with broker_connection(timeout, always_try=True) as connection:
            channel = connection.default_channel
            return {
                name
                for name in {_queue_of(kind) for kind in TASK_NAMES}
                if _waiting_in(channel, name)
            }
    except Exception:  # a broker that cannot say: `send` meets it next, and says why
        return set()


def _waiting_in(channel, queue: str) -> int:
    """Messages waiting in `queue`; 0 for one the broker does not have (never used, or
    drained: Redis drops an empty list)."""
    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    except channel.connection.channel_errors:
        return 0


def _attempts(count: int) -> str:
    """'1 attempt', '3 attempts': the count as the failure message says it to a person."""
    return f"{count} attempt" if count == 1 else f"{count} attempts"
