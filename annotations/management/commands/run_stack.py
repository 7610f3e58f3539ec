"""Run the development stack: embedded redis unless REDIS_URL is set, worker, beat, web server."""

import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotations import jobs
from factcheck import localservers

# A process that crashes again at once is restarted after 1, 2, 4 ... up to 30 seconds;
# one that ran this long before it stopped counts as healthy, and starts the count over.
RESTART_MAX_DELAY = 30.0
HEALTHY_AFTER = 60.0
# Where `make run` serves the evidence demo (annotations/evidence/demo_server.py).
DEMO_PORT = 8765
# A thread-pool worker whose broker connection dropped mid-task may never consume again
# (celery/celery#8091). It still runs, so only asking tells: every LIVENESS_INTERVAL s
# the workers are pinged through the broker, and one that stays silent while another
# answers (so the broker is up) LIVENESS_MISSES times in a row is restarted.
LIVENESS_INTERVAL = 30.0
LIVENESS_MISSES = 3
# How long `make run` waits for the web server to answer before it prints the address.
WEB_WAIT = 60


def _require_free_port(host: str, port: int) -> None:
    """CommandError when another program already listens on `port` at `host`."""
    why = _bind_error(host, port)
    if why:
        free = next((p for p in range(port + 1, port + 50) if not _bind_error(host, p)), None)
        another = f", e.g. make run PORT={free}" if free else ""
        raise CommandError(
            f"Port {port} on {host} is in use ({why}): stop what holds it, "
            f"or choose another{another}."
        )


def _bind_error(host: str, port: int) -> str:
    """Why `port` at `host` cannot be listened on; "" when it can."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the web server binds: a port left in TIME_WAIT by a stack just stopped is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as error:
            return error.strerror or str(error)
    return ""


@dataclass
class Backoff:
    """How long to wait before starting again a process that stopped: 1, 2, 4 … up to
    RESTART_MAX_DELAY seconds while it keeps stopping, 1 again once it ran HEALTHY_AFTER."""

    failures: int = 0

    def delay(self, started_at: float) -> float:
        if time.monotonic() - started_at >= HEALTHY_AFTER:
            self.failures = 0
        delay = min(RESTART_MAX_DELAY, 2.0**self.failures)
        self.failures += 1
        return delay


@dataclass
class EmbeddedRedis:
    """The embedded redis-server, started again with backoff when it stops."""

    socket_path: Path
    server: localservers.LocalServer | None = None
    backoff: Backoff = field(default_factory=Backoff)
    started_at: float = 0.0
    restart_at: float | None = None
    # Stopped when the stack dies, even by kill -9 (the stack runs no thread to deadlock it).
    ends_with_us: bool = False

    def start(self) -> None:
        self.server = localservers.start_redis(
            socket_path=self.socket_path, ends_with_us=self.ends_with_us
        )
        self.started_at, self.restart_at = time.monotonic(), None

    def tend(self) -> str | None:
        """Plan a restart when it stopped, or make one that is due; what to log, if anything.

        Waits only for a restarted server to answer (milliseconds): the stack's other
        processes are looked after meanwhile. A server that fails to start (killed again as
        it came up) is one more stop, tried again later: the stack goes on without it.
        """
        if self.restart_at is None:
            if self.server.process.poll() is None:
                return None
            # Jobs wait in the database meanwhile; the sweeper sends them again.
            delay = self.backoff.delay(self.started_at)
            self.restart_at = time.monotonic() + delay
            return f"redis-server stopped; restarting it in {delay:g} s"
        if time.monotonic() < self.restart_at:
            return None
        self.server.stop()
        attempted_at = time.monotonic()
        try:
            self.start()
        except (RuntimeError, OSError) as error:
            # Counted from this attempt: a server that ran for an hour and now fails to
            # start is failing now, and its tries must space out.
            delay = self.backoff.delay(attempted_at)
            self.restart_at = time.monotonic() + delay
            return f"redis-server did not start ({error}); trying again in {delay:g} s"
        return f"Restarted the redis-server on {self.server.url}."

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


@dataclass
class Child:
    """A process of the stack, and whether the stack restarts it when it stops."""

    name: str
    command: list[str]
    restart: bool
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: Backoff = field(default_factory=Backoff)
    restart_at: float | None = None
    env: dict[str, str] = field(default_factory=dict)
    # The Celery node name it answers pings as (workers only).
    node: str = ""
    silent: int = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            # The stack runs no thread of its own, where a preexec_fn could deadlock.
            preexec_fn=localservers.ends_with_this_process(),
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        self.silent = 0

    def exited(self) -> int | None:
        """The exit code if the process has stopped and no restart is pending yet."""
        if self.process is None or self.restart_at is not None:
            return None
        return self.process.poll()

    def schedule_restart(self) -> float:
        """Plan the next start with backoff; return the delay in seconds."""
        delay = self.backoff.delay(self.started_at)
        self.restart_at = time.monotonic() + delay
        return delay

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Command(BaseCommand):
    help = (
        "Start redis (embedded by default), a Celery worker, an I/O worker (threads), "
        "Celery beat (the job sweeper) "
        "and the web server; restart the worker, beat or embedded redis when one dies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--check-port",
            action="store_true",
            help="only check that the port is free, and exit (make run does, before migrating)",
        )
        parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
        parser.add_argument(
            "--io-concurrency",
            type=int,
            default=settings.FACTCHECK_IO_CONCURRENCY,
            help="threads of the I/O worker (fetching sources, evidence providers, webhooks)",
        )
        parser.add_argument(
            "--no-evidence-demo",
            action="store_true",
            help="do not serve the sample pages and provider APIs the demo's evidence uses",
        )

    def handle(self, *args, port: int, host: str, concurrency: int, io_concurrency: int, **options):
        # SIGTERM (a process manager, `kill`) stops the stack as Ctrl-C does, children too;
        # so does SIGINT sent to a stack started in the background, which a shell would
        # otherwise have it ignore.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # Before anything starts: the web server found the port taken only after redis and
        # the workers were up, and its one line drowned among theirs.
        _require_free_port(host, port)
        if options.get("check_port"):
            return
        # Beat's schedule and the embedded redis's socket live here; the settings make it
        # only for the SQLite file, and with DATABASE_URL set beat died at every start.
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        redis = None
        embedded = "REDIS_URL" not in os.environ and "CELERY_BROKER_URL" not in os.environ
        if embedded:
            redis = EmbeddedRedis(socket_path=settings.EMBEDDED_REDIS_SOCKET, ends_with_us=True)
            redis.start()
            self.stdout.write(f"Embedded redis-server listening on {redis.server.url}")
        # Jobs recorded while no broker answered (the demo data `make run` loads first) are
        # sent now, to run as soon as a worker starts.
        waiting = jobs.send_waiting()
        if waiting:
            self.stdout.write(f"Sent {waiting} waiting job{'s' if waiting != 1 else ''}.")
        env = dict(os.environ)
        # Webhook permalinks and exports are made outside a request: on another --port they
        # must point at this server, not the settings' default port 8000.
        env.setdefault("FACTCHECK_PUBLIC_URL", f"http://{host}:{port}")
        if (
            not options.get("no_evidence_demo")
            and "FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT" not in env
        ):
            env.update(self._evidence_demo(web_port=port))
        celery = [sys.executable, "-m", "celery", "-A", "factcheck"]
        host_name = socket.gethostname()
        children = [
            Child(
                "celery worker",
                [*celery, "worker", "--loglevel", "INFO", "--concurrency", str(concurrency),
                 "--queues", "celery", "--hostname", "worker@%h"],
                restart=True, env=env, node=f"worker@{host_name}",
            ),
            # Network-bound tasks wait on other servers, not the CPU: many threads, one process.
            Child(
                "celery I/O worker",
                [*celery, "worker", "--loglevel", "INFO", "--queues", "io", "--pool", "threads",
                 "--concurrency", str(io_concurrency), "--hostname", "io@%h"],
                restart=True, env=env, node=f"io@{host_name}",
            ),
            Child(
                "celery beat",
                [*celery, "beat", "--loglevel", "INFO",
                 "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")],
                restart=True, env=env,
            ),
            # Restarted too: one that died took the workers and beat down with it (G14).
            Child(
                "web server",
                [sys.executable, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
                restart=True, env=env,
            ),
        ]  # fmt: skip
        next_liveness = time.monotonic() + LIVENESS_INTERVAL
        try:
            for child in children:
                child.start()
                self.stdout.write(f"Started the {child.name} (pid {child.process.pid}).")
            url = f"http://{host}:{port}/"
            # The address is printed once it answers: a script that waits for this line and
            # then calls the site got "connection refused" for the few seconds Django loads.
            if not self._wait_until_serving(host, port, children[-1]):
                self.stderr.write(f"The web server has not answered at {url} after {WEB_WAIT}s.")
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nFact-check is running at {url}  (admin: {url}admin/)\n"
                    f"Readers see the published fact-checks at {url} signed out; "
                    f"API docs: {url}api/v1/docs/\n"
                    "Sign in as demo-editor, demo-reviewer or demo-admin, password factcheck-demo\n"
                    "Press Ctrl-C to stop the web server, the workers, beat and redis.\n"
                )
            )
            while True:
                time.sleep(0.5)
                # A worker that dies while redis waits for its restart is restarted too.
                if redis is not None and (said := redis.tend()):
                    self.stderr.write(said)
                if self._supervise(children):
                    break
                if time.monotonic() >= next_liveness:
                    self._check_liveness(children)
                    next_liveness = time.monotonic() + LIVENESS_INTERVAL
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            for child in children:
                child.stop()
            for child in children:
                child.wait()
            if redis is not None:
                redis.stop()

    def _wait_until_serving(self, host: str, port: int, web: Child) -> bool:
        """Poll the health check until the web server answers (True), exits, or WEB_WAIT
        seconds pass."""
        # Listening on every interface (0.0.0.0, ::), it answers on loopback too.
        try:
            unspecified = not host or ipaddress.ip_address(host.strip("[]")).is_unspecified
        except ValueError:
            unspecified = False  # a name, such as localhost
        probe = ("::1" if ":" in host else "127.0.0.1") if unspecified else host.strip("[]")
        probe = f"[{probe}]" if ":" in probe else probe
        deadline = time.monotonic() + WEB_WAIT
        while time.monotonic() < deadline and web.process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://{probe}:{port}/healthz", timeout=2):
                    return True
            except urllib.error.HTTPError:
                return True  # it answers: an unhealthy part is the health page's to say
            except OSError:
                time.sleep(0.2)
        return False

    def _evidence_demo(self, *, web_port: int) -> dict[str, str]:
        """Serve the evidence demo (sample pages, MediaWiki- and Google-shaped APIs) on loopback.

        Returns the environment that points the providers at it and lets the fetcher reach
        loopback, which only a development stack may do.
        """
        from annotations.evidence import demo_server

        # Its usual port, unless the web server was asked for that one or another stack
        # holds it: then any free port will do.
        try:
            server, _ = demo_server.start(port=DEMO_PORT if web_port != DEMO_PORT else 0)
        except OSError:
            server, _ = demo_server.start(port=0)
        self.evidence_demo_server = server
        base = f"http://127.0.0.1:{server.server_address[1]}"
        allow = ",".join(
            filter(None, [os.environ.get("FACTCHECK_FETCH_ALLOW", ""), "127.0.0.1/32"])
        )
        self.stdout.write(f"Evidence demo pages and provider APIs at {base}/ (loopback allowed)")
        return {**demo_server.settings_for(base), "FACTCHECK_FETCH_ALLOW": allow}

    def _supervise(self, children: list[Child]) -> bool:
        """Restart what died and may be restarted; True when the stack must stop."""
        now = time.monotonic()
        for child in children:
            code = child.exited()
            if code is not None:
                if not child.restart:
                    self.stderr.write(f"The {child.name} exited ({code}); stopping the stack.")
                    return True
                delay = child.schedule_restart()
                self.stderr.write(
                    f"The {child.name} exited ({code}); restarting it in {delay:g} s."
                )
            elif child.restart_at is not None and now >= child.restart_at:
                child.start()
                self.stdout.write(f"Restarted the {child.name} (pid {child.process.pid}).")
        return False

    def _check_liveness(self, children: list[Child]) -> None:
        """Restart a worker that stopped answering while another still answers."""
        from factcheck.celery import app

        workers = [
            child
            for child in children
            if child.node
            and child.restart_at is None
            and child.process.poll() is None
            and time.monotonic() - child.started_at > LIVENESS_INTERVAL
        ]
        if len(workers) < 2:
            return
        try:
            replies = app.control.ping(destination=[w.node for w in workers], timeout=2.0)
        except Exception:  # a broker that is down: the next round asks again
            return
        answered = {name for reply in replies for name in reply}
        if not answered:
            return  # nobody answers: the broker, not a worker, is the likely trouble
        for worker in workers:
            if worker.node in answered:
                worker.silent = 0
                continue
            worker.silent += 1
            if worker.silent >= LIVENESS_MISSES:
                self.stderr.write(
                    f"The {worker.name} has not answered for {worker.silent} checks while "
                    "the broker is up; restarting it (its jobs are safe in the database)."
                )
                worker.stop()
                worker.wait()  # killed after 15 s; the supervisor then starts it again
