"""Run the test suite on each backend: SQLite + embedded Redis and PostgreSQL + Redis.

Each run gets throwaway servers on loopback (temporary data directory, free port).
`--backend all` runs the two backends at the same time, each pytest writing to its own log,
which is printed whole when that run ends; a summary with each backend's result and a
closing "total: N passed, N failed" line follows. A single backend streams its output.
On a machine without PostgreSQL the second run is skipped with the reason; under CI
(CI=true) a missing server is a failure instead.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from factcheck import localservers  # noqa: E402 - needs the path above

# Printed while backends run in parallel, so a long run still shows it is alive.
HEARTBEAT_SECONDS = 60
# A test that hangs fails after this long (pytest-timeout) instead of holding CI until its
# own limit; the slowest real tests take about a minute on a loaded 2-core machine.
TEST_TIMEOUT_SECONDS = 300
SERVER_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")
_SUMMARY = re.compile(r"^=*\s*(?:\d+ \w+(?:, )?)+.* in [\d.]+s")
_PROGRESS = re.compile(r"\[\s*(\d+)%\]")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Outcome:
    """What one backend's run came to: exit code (None when skipped), timing, log."""

    name: str
    code: int | None = None
    seconds: float = 0.0
    log: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    closing_line: str = ""


def run_pytest(env_overrides: dict[str, str], pytest_args: list[str], out: IO[str]) -> int:
    """Run pytest in a child process with the backend's variables, its output into `out`."""
    env = {**os.environ, **env_overrides}
    for name in SERVER_VARIABLES:
        if name not in env_overrides:
            env.pop(name, None)
    command = [sys.executable, "-m", "pytest", *pytest_args]
    out.flush()
    with _children_lock:
        if _stopping.is_set():  # stopped while this backend's servers were starting
            return 1
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _children.add(child)
    try:
        return child.wait()
    finally:
        _stop(child)
        with _children_lock:
            _children.discard(child)


# The pytest processes running now, so that a run stopped from outside (SIGTERM, Ctrl-C)
# stops them too, and then its servers, instead of leaving them behind.
_children: set[subprocess.Popen] = set()
_children_lock = threading.Lock()
_stopping = threading.Event()


def _stop_all() -> None:
    with _children_lock:
        _stopping.set()
        children = list(_children)
    _stop(*children)


def _interrupt(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGINT)


def _stop(*children: subprocess.Popen) -> None:
    """End the child processes, 15 s for each step: SIGINT, then SIGTERM, then SIGKILL.

    SIGINT comes first because pytest then runs its fixtures' teardown, which stops the
    workers and servers that the tests started.
    """
    for step in (_interrupt, subprocess.Popen.terminate, subprocess.Popen.kill):
        alive = [child for child in children if child.poll() is None]
        for child in alive:
            step(child)
        deadline = time.monotonic() + 15
        for child in alive:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=max(0.0, deadline - time.monotonic()))


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)


def run_embedded(pytest_args: list[str], out: IO[str]) -> int:
    """The suite on SQLite with a redis-server on a unix socket."""
    with tempfile.TemporaryDirectory(prefix="factcheck-test-") as var_dir:
        redis = localservers.start_redis(socket_path=Path(var_dir) / "redis.sock")
        try:
            print(f"== SQLite + embedded Redis ({redis.url})", file=out, flush=True)
            return run_pytest(
                {
                    "FACTCHECK_VAR_DIR": var_dir,
                    "REDIS_URL": redis.url,
                    "FACTCHECK_BACKEND": "sqlite",
                },
                pytest_args,
                out,
            )
        finally:
            redis.stop()


def run_postgres(pytest_args: list[str], out: IO[str]) -> int | None:
    """The suite on a throwaway PostgreSQL cluster with a redis-server on a loopback port."""
    try:
        postgres = localservers.start_postgres()
    except localservers.ServerUnavailable as reason:
        if os.environ.get("CI") == "true":
            print(f"== PostgreSQL run FAILED: {reason}", file=out, flush=True)
            return 1
        print(f"== PostgreSQL run SKIPPED: {reason}", file=out, flush=True)
        return None
    try:
        redis = localservers.start_redis(port=localservers.free_port())
        try:
            with tempfile.TemporaryDirectory(prefix="factcheck-test-") as var_dir:
                print(f"== PostgreSQL ({postgres.url}) + Redis ({redis.url})", file=out, flush=True)
                return run_pytest(
                    {
                        "FACTCHECK_VAR_DIR": var_dir,
                        "DATABASE_URL": postgres.url,
                        "REDIS_URL": redis.url,
                        "FACTCHECK_BACKEND": "postgres",
                    },
                    pytest_args,
                    out,
                )
        finally:
            redis.stop()
    finally:
        postgres.stop()


BACKENDS = {
    "embedded": ("sqlite + embedded redis", run_embedded),
    "postgres": ("postgresql + redis", run_postgres),
}


def _read_results(outcome: Outcome) -> None:
    """Take pytest's closing line ('3 failed, 650 passed in 301.2s') and counts from the log."""
    for line in reversed(_ANSI.sub("", outcome.log).splitlines()):
        if _SUMMARY.match(line.strip()):
            outcome.closing_line = line.strip(" =")
            for number, word in _COUNT.findall(outcome.closing_line):
                outcome.counts[word.rstrip("s") if word.startswith("error") else word] = int(number)
            return


def _run_one(key: str, pytest_args: list[str], out: IO[str]) -> Outcome:
    """Run one backend, its output going to `out`; exceptions become a failed outcome."""
    name, runner = BACKENDS[key]
    outcome = Outcome(name)
    started = time.monotonic()
    try:
        outcome.code = runner(pytest_args, out)
    except Exception as error:  # a server that would not start fails this backend only
        print(f"== {name}: could not run: {error!r}", file=out, flush=True)
        outcome.code = 1
    outcome.seconds = time.monotonic() - started
    return outcome


def run_serially(keys: list[str], pytest_args: list[str]) -> list[Outcome]:
    """One backend at a time, output streamed (and kept, for the summary)."""
    outcomes = []
    for key in keys:
        with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
            tee = _Tee(log)
            outcome = _run_one(key, pytest_args, tee)
            tee.finish()
            log.seek(0)
            outcome.log = log.read()
        outcomes.append(outcome)
    return outcomes


class _Tee:
    """A file-like sink for one streamed run: pytest's output passes through to stdout.

    pytest writes into a pipe that a thread copies to both the terminal and the log, so a
    single backend shows progress live and still has its closing line read afterwards.
    """

    def __init__(self, log: IO[str]):
        self.log = log
        self._read_end, self._write_end = os.pipe()
        self._thread = threading.Thread(target=self._copy, daemon=True)
        self._thread.start()
        self._file = os.fdopen(self._write_end, "w", encoding="utf-8", closefd=False)

    def _copy(self) -> None:
        with os.fdopen(self._read_end, "rb") as source:
            while chunk := source.read1(65536):
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
                self.log.write(chunk.decode("utf-8", errors="replace"))

    def fileno(self) -> int:
        return self._write_end

    def write(self, text: str) -> int:
        return self._file.write(text)

    def flush(self) -> None:
        self._file.flush()

    def finish(self) -> None:
        self._file.close()
        os.close(self._write_end)
        self._thread.join()


# How many parts of the browser tests each backend takes when they run at once. PostgreSQL's
# own tests take longer (each transactional test empties its tables by TRUNCATE), so SQLite
# takes five parts in seven: at two in three, PostgreSQL ended three minutes after it.
BROWSER_PARTS = {"embedded": 5, "postgres": 2}


def browser_shares(keys: list[str]) -> dict[str, str]:
    """Each backend's `--browser-share`: consecutive parts of the whole, by BROWSER_PARTS."""
    parts = [BROWSER_PARTS.get(key, 1) for key in keys]
    total, start, shares = sum(parts), 0, {}
    for key, count in zip(keys, parts, strict=True):
        shares[key] = f"--browser-share={start}-{start + count - 1}/{total}"
        start += count
    return shares


def run_in_parallel(keys: list[str], pytest_args: list[str]) -> list[Outcome]:
    """All backends at once, each into a log file printed whole when it ends."""
    printing = threading.Lock()
    started = time.monotonic()
    # The main thread waits on this queue rather than in Thread.join: when a signal
    # interrupts join() while the thread still runs, CPython 3.11 marks that thread as
    # finished (threading's bpo-45274 handling), and would exit without its cleanup.
    finished: queue.Queue[str] = queue.Queue()
    with tempfile.TemporaryDirectory(prefix="factcheck-suites-") as folder:
        logs = {key: Path(folder) / f"{key}.log" for key in keys}
        outcomes: dict[str, Outcome] = {}
        # The browser tests are the slow part and exercise the UI, not the database: each
        # backend runs its own share of them (every one runs once), unless asked for all.
        both = any(a.startswith("--browser-share") for a in pytest_args) or os.environ.get(
            "FACTCHECK_BROWSER_TESTS_ON_EVERY_BACKEND"
        )
        shares = {key: [] if both else [share] for key, share in browser_shares(keys).items()}

        def work(key: str) -> None:
            try:
                with logs[key].open("w", encoding="utf-8") as out:
                    outcome = _run_one(key, [*pytest_args, *shares[key]], out)
                outcome.log = logs[key].read_text(encoding="utf-8", errors="replace")
                outcomes[key] = outcome
                with printing:
                    state = _state(outcome)
                    print(
                        f"\n===== {outcome.name}: {state} after {_minutes(outcome.seconds)} ====="
                    )
                    print(outcome.log, end="" if outcome.log.endswith("\n") else "\n", flush=True)
            finally:
                finished.put(key)

        threads = [threading.Thread(target=work, args=(key,), name=key) for key in keys]
        for thread in threads:
            thread.start()
        names = ", ".join(BACKENDS[key][0] for key in keys)
        print(f"== Running {names} in parallel; each log is printed when its run ends.", flush=True)
        running = set(keys)
        try:
            while running:
                try:
                    running.discard(finished.get(timeout=HEARTBEAT_SECONDS))
                except queue.Empty:
                    progress = ", ".join(f"{BACKENDS[k][0]}{_progress(logs[k])}" for k in running)
                    with printing:
                        print(f"== {_minutes(time.monotonic() - started)}: {progress}", flush=True)
        except BaseException:
            # Stopped from outside: end the pytest runs, so that each thread stops its servers.
            _stop_all()
            while running:
                running.discard(finished.get())
            raise
        for thread in threads:
            thread.join()
    return [outcomes[key] for key in keys]


def _progress(log: Path) -> str:
    """The last percentage pytest printed into a log, e.g. ' 45%' ('' before the first)."""
    with contextlib.suppress(OSError):
        found = _PROGRESS.findall(log.read_text(encoding="utf-8", errors="replace")[-4000:])
        if found:
            return f" {found[-1]}%"
    return ""


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def _state(outcome: Outcome) -> str:
    if outcome.code is None:
        return "skipped"
    return "passed" if outcome.code == 0 else f"FAILED (exit {outcome.code})"


def with_defaults(pytest_args: list[str]) -> list[str]:
    """Add --durations=15 (so slow tests are seen) and a per-test timeout, unless given."""
    defaults = {"--durations": "--durations=15", "--timeout": f"--timeout={TEST_TIMEOUT_SECONDS}"}
    given = {option for option in defaults for arg in pytest_args if arg.startswith(option)}
    return [*pytest_args, *(value for option, value in defaults.items() if option not in given)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "postgres", "all"], default="all")
    parser.add_argument(
        "--serial", action="store_true", help="with --backend all, one backend after the other"
    )
    options, pytest_args = parser.parse_known_args()
    pytest_args = with_defaults(pytest_args)
    signal.signal(signal.SIGTERM, _terminated)
    keys = ["embedded", "postgres"] if options.backend == "all" else [options.backend]
    started = time.monotonic()
    if len(keys) > 1 and not options.serial:
        outcomes = run_in_parallel(keys, pytest_args)
    else:
        # pytest writes into a pipe here; keep its colours when a person is watching.
        if sys.stdout.isatty() and not any(arg.startswith("--color") for arg in pytest_args):
            pytest_args = [*pytest_args, "--color=yes"]
        outcomes = run_serially(keys, pytest_args)
    for outcome in outcomes:
        _read_results(outcome)
    print(f"\n== Backends ({_minutes(time.monotonic() - started)} in all):", flush=True)
    for outcome in outcomes:
        closing = f": {outcome.closing_line}" if outcome.closing_line else ""
        print(f"   {outcome.name}: {_state(outcome)} in {_minutes(outcome.seconds)}{closing}")
    ran = [outcome for outcome in outcomes if outcome.code is not None]
    passed = sum(outcome.counts.get("passed", 0) for outcome in ran)
    failed = sum(
        outcome.counts.get("failed", 0) + outcome.counts.get("error", 0) for outcome in ran
    )
    # A backend that failed without a failed test (a server that would not start, no test
    # collected, an interrupted run) still counts as a failure in the closing line.
    failed += sum(
        1
        for outcome in ran
        if outcome.code and not (outcome.counts.get("failed") or outcome.counts.get("error"))
    )
    skipped = sum(outcome.counts.get("skipped", 0) for outcome in ran)
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
    return max((outcome.code or 0) for outcome in outcomes)


if __name__ == "__main__":
    sys.exit(main())
