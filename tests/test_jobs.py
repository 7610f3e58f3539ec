"""Background jobs survive a broker outage, a killed worker and a rolled-back transaction."""

# The fault tests run real processes: a redis-server of their own (so it can be stopped and
# started again on the same port), `celery worker` and `celery beat` on the test database,
# and a loopback HTTP server for URL imports. Short job timings come from the environment.

import datetime as dt
import io
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from werkzeug import Response

from annotations import jobs, queries, services, spotting_jobs, tasks
from annotations.management.commands import run_stack as run_stack_command
from annotations.models import Article, ArticleImport, ArticleRevision, Claim, Job
from factcheck import localservers
from factcheck.celery import app as celery_app
from tests import factories
from tests.conftest import database_url_for_processes, wait_for
from tests.documents import make_html_page, make_pdf, sample_paragraphs

ROOT = Path(__file__).resolve().parent.parent
LISTENERS = "Over 160,000 people listened in at once"

# Timings for the processes under test: sweep often, give up on a silent job quickly.
FAST_JOBS = {
    "FACTCHECK_JOB_SWEEP_INTERVAL": "0.5",
    "FACTCHECK_JOB_QUEUED_TIMEOUT": "1",
    "FACTCHECK_JOB_RUNNING_GRACE": "1",
    "FACTCHECK_JOB_RETRY_DELAY": "0.5",
    "FACTCHECK_IMPORT_TIME_LIMIT": "4",
    "FACTCHECK_FETCH_ALLOW": "127.0.0.1/32",
}


class Broker:
    """A redis-server of the test's own, on a fixed loopback port it can come back to."""

    def __init__(self):
        self.port = localservers.free_port()
        self.server = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.server = localservers.start_redis(port=self.port)

    def stop(self) -> None:
        self.server.stop()

    def queued_messages(self) -> int:
        client = redis.Redis.from_url(self.url)
        try:
            return client.llen("celery")
        finally:
            client.close()

    def unacknowledged_messages(self) -> int:
        """Messages a worker has taken but not yet acknowledged (kombu's "unacked" hash)."""
        client = redis.Redis.from_url(self.url)
        try:
            return client.hlen("unacked")
        finally:
            client.close()


@pytest.fixture
def broker(settings):
    """The broker of this test, for the test process and every process it starts."""
    broker = Broker()
    settings.CELERY_BROKER_URL = broker.url
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    yield broker
    broker.stop()


def _environment(broker: Broker) -> dict[str, str]:
    """The environment of a process under test: the test database and broker, fast jobs."""
    env = {**os.environ, **FAST_JOBS, "REDIS_URL": broker.url, "PYTHONUNBUFFERED": "1"}
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CELERY_RESULT_BACKEND", None)
    env["DATABASE_URL"] = database_url_for_processes()
    return env


class Processes:
    """Processes started by a test, each logging to its own file, all stopped at the end."""

    def __init__(self, broker: Broker, logs: Path):
        self.broker = broker
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def launch(
        self, name: str, command: list[str], *, in_background: bool = False, **env: str
    ) -> subprocess.Popen:
        """`in_background`: start it as a shell starts `command &`, ignoring SIGINT."""
        log = self.logs / f"{len(self.started)}-{name}.log"

        def ignore_interrupts():
            signal.signal(signal.SIGINT, signal.SIG_IGN)

        with log.open("w") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env={**_environment(self.broker), **env},
                stdout=output, stderr=subprocess.STDOUT,
                preexec_fn=ignore_interrupts if in_background else None,
            )  # fmt: skip
        process.log = log
        self.started.append(process)
        return process

    def worker(self) -> subprocess.Popen:
        """A `celery worker` in one process (solo pool): SIGKILL stops all of it, as a crash."""
        worker = self.launch(
            "worker",
            [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--pool", "solo",
             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        )  # fmt: skip

        def ready():
            if worker.poll() is not None:
                pytest.fail(f"the worker exited: {worker.log.read_text()}")
            return " ready." in worker.log.read_text()

        wait_for(ready, timeout=90, message="the Celery worker did not start")
        return worker

    def beat(self) -> subprocess.Popen:
        """`celery beat`, sending the sweeper every FAST_JOBS interval."""
        schedule = self.logs / f"beat-schedule-{len(self.started)}"
        return self.launch(
            "beat",
            [sys.executable, "-m", "celery", "-A", "factcheck", "beat", "--loglevel", "INFO",
             "--schedule", str(schedule)],
        )  # fmt: skip

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def stack(broker, transactional_db, tmp_path):
    """Start `celery worker` and `celery beat` processes on the test database and broker."""
    processes = Processes(broker, tmp_path)
    yield processes
    processes.stop()


@pytest.fixture
def page_server(loopback_pages):
    """A loopback HTTP server, threaded so a stalled answer holds up nothing else."""
    return loopback_pages


def _page() -> bytes:
    paragraphs = sample_paragraphs()
    return make_html_page(paragraphs[2:], title=paragraphs[0], byline="Staff")


def _upload(client, name: str, data: bytes):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post("/api/v1/newsroom/articles/", {"file": upload})


def _import_url(client, url: str):
    return client.post("/api/v1/newsroom/articles/", {"url": url}, content_type="application/json")


def _timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


def _all_ready(article_ids):
    def ready():
        articles = Article.objects.filter(pk__in=article_ids)
        return all(a.status == Article.Status.READY for a in articles) and articles.count() == len(
            article_ids
        )

    return ready


def test_imports_made_while_the_broker_is_down_answer_at_once_and_complete_when_it_returns(
    client, editor, stack, broker, page_server, tmp_path
):
    page_server.expect_request("/story").respond_with_data(_page(), content_type="text/html")
    stack.worker()
    stack.beat()
    client.force_login(editor)
    pdf = make_pdf(sample_paragraphs())
    assert (
        client.get("/api/v1/newsroom/articles/").status_code == 200
    )  # first-request costs paid here
    broker.stop()

    timings = []
    article_ids = []
    for name in ("first.pdf", "second.pdf"):
        response, seconds = _timed(lambda name=name: _upload(client, name, pdf))
        assert response.status_code == 202, response.content
        timings.append(seconds)
        article_ids.append(response.json()["id"])
    response, seconds = _timed(
        lambda: _import_url(client, f"http://127.0.0.1:{page_server.port}/story")
    )
    assert response.status_code == 202, response.content
    timings.append(seconds)
    article_ids.append(response.json()["id"])
    print(f"\nrequests with the broker down took {', '.join(f'{t:.3f}' for t in timings)} s")
    assert max(timings) < 2.0
    assert Job.objects.filter(state=Job.State.QUEUED, sent_at__isnull=True).count() == 3

    broker.start()
    returned = time.monotonic()
    wait_for(_all_ready(article_ids), timeout=90, message="the imports did not complete")
    print(f"all imports completed {time.monotonic() - returned:.1f} s after the broker returned")
    for article in Article.objects.filter(pk__in=article_ids):
        assert LISTENERS in article.text
        assert article.revisions.count() == 1
    imports = Job.objects.filter(kind="import")  # each new article also queues a "spot" job
    # The article is ready a moment before its job row records the outcome.
    wait_for(
        lambda: set(imports.values_list("state", flat=True)) == {Job.State.DONE},
        timeout=30,
        message="the import jobs were not all marked done",
    )


def test_an_import_whose_worker_is_killed_completes_once_in_another_worker(
    client, editor, stack, page_server, tmp_path
):
    arrived, release = threading.Event(), threading.Event()
    page = _page()

    def slow_page(request):
        # The first fetch hangs until the test lets it go; later ones answer at once.
        if not arrived.is_set():
            arrived.set()
            release.wait(60)
        return Response(page, content_type="text/html")

    page_server.expect_request("/slow").respond_with_handler(slow_page)
    first = stack.worker()
    client.force_login(editor)
    response = _import_url(client, f"http://127.0.0.1:{page_server.port}/slow")
    assert response.status_code == 202
    article_id = response.json()["id"]
    assert arrived.wait(60), "the worker never fetched the page"
    job = Job.objects.get()
    assert (job.state, job.attempts) == (Job.State.RUNNING, 1)

    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed = time.monotonic()
    release.set()
    stack.worker()
    stack.beat()

    wait_for(_all_ready([article_id]), timeout=90, message="the import was not taken over")
    print(f"\nthe killed import completed {time.monotonic() - killed:.1f} s after the kill")
    # The article is ready when the import commits; the job is marked done just after.
    wait_for(lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE, timeout=30)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.DONE, 2)
    assert Article.objects.count() == 1
    assert ArticleRevision.objects.filter(article_id=article_id).count() == 1
    assert ArticleImport.objects.get().state == ArticleImport.State.SUCCEEDED
    assert len(page_server.log) == 2


def test_a_rolled_back_transaction_sends_no_message_and_leaves_no_job(
    editor, organization, broker, transactional_db, page_server
):
    url = f"http://127.0.0.1:{page_server.port}/story"
    with pytest.raises(RuntimeError), transaction.atomic():
        services.article_import_url(organization=organization, requested_by=editor, url=url)
        assert Job.objects.count() == 1
        raise RuntimeError("the request failed after the import was queued")
    assert Job.objects.count() == 0
    assert Article.objects.count() == 0
    assert broker.queued_messages() == 0

    # The same call, committed: exactly one message, and the job records that it was sent.
    services.article_import_url(organization=organization, requested_by=editor, url=url)
    assert broker.queued_messages() == 1
    assert Job.objects.get().sent_at is not None


def test_an_address_sent_again_while_its_import_waits_joins_that_import(
    editor, organization, broker, transactional_db, page_server
):
    """A client retrying a slow 202, or a double click, neither fetches the page twice nor
    gets an article that disappears when the imports finish; once the import is done, the
    address imports a new revision as before."""
    page_server.expect_request("/story").respond_with_data(_page(), content_type="text/html")
    url = f"http://127.0.0.1:{page_server.port}/story"
    first = services.article_import_url(organization=organization, requested_by=editor, url=url)
    # The same address in another spelling, while the first import has not run.
    again = services.article_import_url(
        organization=organization,
        requested_by=editor,
        url=f"HTTP://127.0.0.1:{page_server.port}/story#top",
    )
    assert again.pk == first.pk
    assert (Article.objects.count(), ArticleImport.objects.count(), Job.objects.count()) == (
        1,
        1,
        1,
    )
    assert broker.queued_messages() == 1

    services.import_run(article_import=ArticleImport.objects.get(), actor=editor)
    first.refresh_from_db()
    assert first.status == Article.Status.READY
    # Done: the address is fetched again, as a new revision of the same article, and a
    # third request meanwhile joins that import.
    for _ in range(2):
        ready = services.article_import_url(organization=organization, requested_by=editor, url=url)
        assert ready.pk == first.pk
    assert ArticleImport.objects.filter(state=ArticleImport.State.PENDING).count() == 1
    assert Article.objects.count() == 1


def test_eight_requests_for_one_address_at_once_make_one_article_and_one_fetch(
    editor, organization, broker, transactional_db, page_server
):
    url = f"http://127.0.0.1:{page_server.port}/slow-story"
    barrier = threading.Barrier(8)

    def send(_index: int) -> int:
        try:
            barrier.wait(timeout=30)
            article = services.article_import_url(
                organization=organization, requested_by=editor, url=url
            )
            return article.pk
        finally:
            connection.close()  # each thread's own connection

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(send, range(8)))
    assert len(set(ids)) == 1, ids
    assert (Article.objects.count(), ArticleImport.objects.count(), Job.objects.count()) == (
        1,
        1,
        1,
    )
    assert broker.queued_messages() == 1


def test_held_jobs_are_recorded_unsent_until_send_waiting_sends_each_due_one_once(
    article, broker, transactional_db
):
    before = broker.queued_messages()  # the article's own spotting job, sent on commit
    with jobs.held():
        due = jobs.enqueue(kind="spot", subject_id=article.pk)
        later = jobs.enqueue(kind="spot", subject_id=article.pk)
    Job.objects.filter(pk=later.pk).update(run_after=timezone.now() + timedelta(hours=1))
    assert broker.queued_messages() == before
    assert [job.sent_at for job in Job.objects.filter(pk__in=[due.pk, later.pk])] == [None, None]
    # Outside `held`, jobs are sent on commit again.
    jobs.enqueue(kind="spot", subject_id=article.pk)
    assert broker.queued_messages() == before + 1

    assert jobs.send_waiting() == 1
    assert broker.queued_messages() == before + 2
    assert Job.objects.get(pk=due.pk).sent_at is not None
    assert Job.objects.get(pk=later.pk).sent_at is None  # a retry waits for its time
    assert jobs.send_waiting() == 0


def test_the_demo_loaded_with_no_broker_says_so_once_and_its_jobs_wait_unsent(
    broker_down, transactional_db, caplog
):
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    assert Job.objects.exists()
    assert not Job.objects.filter(sent_at__isnull=False).exists()
    waiting = Job.objects.count()
    assert f"No broker answers yet: {waiting} background jobs" in output.getvalue()
    assert "not sent" not in caplog.text


def test_the_demo_loaded_with_a_broker_sends_every_job_it_made(broker, transactional_db, caplog):
    call_command("load_demo", stdout=io.StringIO())
    assert Job.objects.filter(kind="spot").exists()
    assert not Job.objects.filter(sent_at__isnull=True).exists()
    assert "not sent" not in caplog.text


def test_make_run_on_a_port_in_use_says_so_before_starting_anything(capsys):
    """The web server found the port taken only after redis and the workers were up, its one
    line lost among theirs."""
    from django.core.management.base import CommandError

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(CommandError, match=rf"Port {port} on 127.0.0.1 is in use") as said:
            call_command("run_stack", "--port", str(port))
        # `make run` asks first, before it migrates and loads the demo into the database.
        with pytest.raises(CommandError):
            call_command("run_stack", "--port", str(port), "--check-port")
    assert "redis" not in capsys.readouterr().out
    suggested = int(re.search(r"make run PORT=(\d+)", str(said.value))[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))  # the port it suggests is free
    assert "--check-port" in Path("Makefile").read_text().split("manage.py migrate")[0]


def test_make_run_restarts_a_worker_that_dies_and_keeps_serving(
    stack, tmp_path, organization, editor
):
    # A job recorded while no broker answered (`make run` loads its demo before starting
    # redis): the stack sends it as it starts, long before the sweeper would.
    with jobs.held():
        factories.article(organization, editor)  # its claims are spotted by a job
    waiting = Job.objects.get(kind="spot")
    port = localservers.free_port()
    run_stack = stack.launch(
        "run_stack",
        [sys.executable, "manage.py", "run_stack", "--port", str(port), "--concurrency", "1"],
        in_background=True,
        # Not made yet, as on a fresh clone: only the SQLite settings made it, so with
        # PostgreSQL beat found no place for its schedule and died at every start.
        FACTCHECK_VAR_DIR=str(tmp_path / "var"),
        FACTCHECK_JOB_QUEUED_TIMEOUT="3600",
    )

    def serves() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    # The address is printed once the site answers: a script waiting for the line may call it.
    wait_for(lambda: "is running at" in run_stack.log.read_text(), timeout=60)
    assert serves(), "the address was printed before the web server answered"
    wait_for(
        lambda: Job.objects.get(pk=waiting.pk).state == Job.State.DONE,
        timeout=90,
        message="the job that waited for the broker did not run",
    )
    assert "Sent 1 waiting job." in run_stack.log.read_text()

    def pid_of(event: str) -> int | None:
        found = re.search(rf"^{event} \(pid (\d+)\)", run_stack.log.read_text(), re.MULTILINE)
        return int(found[1]) if found else None

    worker = wait_for(lambda: pid_of("Started the celery worker"), timeout=60)
    wait_for(lambda: pid_of("Started the celery beat"), timeout=60)
    wait_for(serves, timeout=60, message="the web server did not answer")
    os.kill(worker, signal.SIGKILL)
    restarted = wait_for(lambda: pid_of("Restarted the celery worker"), timeout=60)
    assert restarted != worker
    assert "The celery worker exited (-9); restarting it in 1 s." in run_stack.log.read_text()
    assert run_stack.poll() is None
    assert serves()
    wait_for(lambda: list((tmp_path / "var").glob("celerybeat-schedule*")), timeout=30)
    assert "The celery beat exited" not in run_stack.log.read_text()
    # A web server that dies is started again too: it took the workers and beat down (G14).
    os.kill(pid_of("Started the web server"), signal.SIGKILL)
    wait_for(lambda: pid_of("Restarted the web server"), timeout=60)
    wait_for(serves, timeout=60, message="the restarted web server did not answer")
    assert pid_of("Restarted the celery worker") == restarted  # the workers kept running
    assert run_stack.poll() is None
    # Ctrl-C, or `kill -INT` of the stack alone: it stops, and its children with it, even
    # though it was started in the background, where a shell has SIGINT ignored.
    run_stack.send_signal(signal.SIGINT)
    assert run_stack.wait(timeout=60) == 0
    with pytest.raises(ProcessLookupError):
        os.kill(restarted, 0)  # the restarted worker stopped with the stack


def test_a_process_the_stack_starts_ends_when_the_stack_is_killed():
    """`make run` killed with -9 left its web server, workers and beat running with nothing
    to look after them; a second `make run` started a second worker and beat (G14)."""
    parent = subprocess.Popen(
        [
            sys.executable, "-c",
            "import subprocess, sys, time\n"
            "from factcheck import localservers\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'],"
            " preexec_fn=localservers.ends_with_this_process())\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(120)\n",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    child = int(parent.stdout.readline())
    assert _running(child)
    parent.kill()
    parent.wait(timeout=10)
    parent.stdout.close()
    wait_for(lambda: not _running(child), timeout=10, message="the child outlived its parent")


def _running(pid: int) -> bool:
    """Whether `pid` runs: neither gone nor a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_make_runs_redis_restarts_back_off_while_it_keeps_dying_and_start_over_when_healthy(
    tmp_path,
):
    """A real embedded redis-server, killed three times: 1 s then 2 s while it keeps dying,
    1 s again when it had run a minute; `tend` plans without waiting, so the stack's loop
    looks after the workers meanwhile."""
    embedded = run_stack_command.EmbeddedRedis(socket_path=tmp_path / "redis.sock")
    embedded.start()
    try:
        said = []

        def crash_and_restart():
            embedded.server.process.kill()
            embedded.server.process.wait(timeout=10)
            started = time.monotonic()
            said.append(embedded.tend())
            assert time.monotonic() - started < 0.5  # planned, not waited for
            assert embedded.tend() is None  # not due yet
            wait_for(lambda: embedded.tend(), timeout=10, message="redis was not restarted")
            assert embedded.server.process.poll() is None

        crash_and_restart()
        crash_and_restart()  # at once: it keeps dying
        embedded.started_at -= run_stack_command.HEALTHY_AFTER  # this one ran for a minute
        crash_and_restart()
        assert said == [
            "redis-server stopped; restarting it in 1 s",
            "redis-server stopped; restarting it in 2 s",
            "redis-server stopped; restarting it in 1 s",
        ]
        with redis.Redis(unix_socket_path=str(tmp_path / "redis.sock")) as client:
            assert client.ping()
    finally:
        embedded.stop()


def test_make_runs_redis_that_fails_to_start_is_tried_again_and_the_stack_goes_on(tmp_path):
    """Killed again while it came up, the restarted redis-server raised out of `tend`, and
    `make run` ended with every process of the stack (trial G7)."""
    good = tmp_path / "redis.sock"
    embedded = run_stack_command.EmbeddedRedis(socket_path=good)
    embedded.start()
    try:
        embedded.server.process.kill()
        embedded.server.process.wait(timeout=10)
        assert embedded.tend() == "redis-server stopped; restarting it in 1 s"
        # Its socket's folder is a file: this start fails, as one killed while it comes up
        # does (there, "redis-server exited with code -9").
        (tmp_path / "a-file").write_text("")
        embedded.socket_path = tmp_path / "a-file" / "redis.sock"
        embedded.restart_at = time.monotonic()
        said = embedded.tend()
        assert said.startswith("redis-server did not start (")
        assert said.endswith("; trying again in 2 s")
        assert embedded.tend() is None  # not due yet: the stack's loop goes on
        # Failing again after a server that had run for an hour: the tries still space out.
        embedded.started_at -= 3600
        embedded.restart_at = time.monotonic()
        assert embedded.tend().endswith("; trying again in 4 s")
        embedded.socket_path = good
        embedded.restart_at = time.monotonic()
        assert embedded.tend() == f"Restarted the redis-server on redis+socket://{good}."
        with redis.Redis(unix_socket_path=str(good)) as client:
            assert client.ping()
    finally:
        embedded.stop()


def test_make_run_on_the_evidence_demos_usual_port_moves_the_demo_aside():
    """`make run PORT=8765` serves the site there: the evidence demo takes another port
    instead of holding that one and leaving the web server to exit "port in use"."""
    command = run_stack_command.Command()
    settings_env = command._evidence_demo(web_port=run_stack_command.DEMO_PORT)
    server = command.evidence_demo_server
    try:
        demo_port = server.server_address[1]
        assert demo_port != run_stack_command.DEMO_PORT
        assert (
            f"127.0.0.1:{demo_port}/w/api.php"
            in settings_env["FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT"]
        )
    finally:
        server.shutdown()
        server.server_close()


# The runner and the sweeper, called in this process (no worker needed)


@pytest.fixture
def broker_down(settings):
    """A broker address where nothing listens: every send fails at once."""
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{localservers.free_port()}/0"
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]


def _url_import_job(editor, organization, url: str) -> Job:
    services.article_import_url(organization=organization, requested_by=editor, url=url)
    return Job.objects.get()


def test_enqueue_with_the_broker_down_is_fast_and_leaves_the_job_queued(
    editor, organization, broker_down, transactional_db
):
    started = time.monotonic()
    article = services.article_import_url(
        organization=organization, requested_by=editor, url="http://127.0.0.1:9/story"
    )
    assert time.monotonic() - started < 1.0
    job = Job.objects.get()
    assert (job.kind, job.subject_id) == ("import", article.imports.get().pk)
    assert (job.state, job.sent_at) == (Job.State.QUEUED, None)


def test_a_broker_that_stopped_answering_costs_one_wait_not_one_per_request(
    editor, organization, settings, silent_port, transactional_db, caplog
):
    # A paused Redis takes the connection and never answers: each send waited its timeout,
    # and one click that records several jobs waited for each.
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent_port}/0"
    settings.FACTCHECK_JOB_SEND_TIMEOUT = 0.5
    settings.FACTCHECK_OUTAGE_PAUSE = 30
    waits = []
    for number in range(4):
        started = time.monotonic()
        services.article_create(
            organization=organization, title=f"Story {number}", text="Some words.",
            created_by=editor,
        )  # fmt: skip
        waits.append(time.monotonic() - started)
    assert waits[0] >= 0.5
    assert max(waits[1:]) < 0.4, waits
    assert not Job.objects.filter(sent_at__isnull=False).exists()
    assert "failed moments ago" in caplog.text
    # The sweeper's resend asks the broker for real, outage or not.
    started = time.monotonic()
    assert jobs.send_waiting() == 0
    assert time.monotonic() - started >= 0.5


def test_a_permanent_failure_fails_the_job_at_once_with_its_reason(
    editor, organization, broker_down, page_server
):
    page_server.expect_request("/gone").respond_with_data("gone", status=404)
    job = _url_import_job(editor, organization, f"http://127.0.0.1:{page_server.port}/gone")
    assert jobs.run("import", job.pk) == Job.State.FAILED
    job.refresh_from_db()
    assert job.attempts == 1
    assert job.last_error == "the server answered 404 Not Found"
    article = Article.objects.get()
    assert article.status == Article.Status.FAILED
    assert "404" in article.import_error


def test_a_transient_failure_is_retried_with_backoff_then_fails_with_the_reason(
    editor, organization, broker_down, settings
):
    settings.FACTCHECK_JOB_RETRY_DELAY = 10
    # Nothing listens on this port: the connection is refused, which may pass.
    url = f"http://127.0.0.1:{localservers.free_port()}/story"
    job = _url_import_job(editor, organization, url)
    Job.objects.filter(pk=job.pk).update(max_attempts=3)

    delays = []
    for _ in range(2):
        before = timezone.now()
        assert jobs.run("import", job.pk) == Job.State.QUEUED
        job.refresh_from_db()
        delays.append(round((job.run_after - before).total_seconds()))
        assert "could not connect to 127.0.0.1" in job.last_error
        assert Article.objects.get().status == Article.Status.IMPORTING
    assert delays == [10, 20]

    assert jobs.run("import", job.pk) == Job.State.FAILED
    job.refresh_from_db()
    assert job.attempts == 3
    assert job.last_error.startswith("gave up after 3 attempts: could not connect")
    assert Article.objects.get().status == Article.Status.FAILED


def test_an_import_waiting_to_try_again_says_why_and_when_through_the_api(
    client, editor, organization, broker_down, settings, page_server
):
    """An editor following an import sees why an attempt failed, not "pending" alone."""
    settings.FACTCHECK_JOB_RETRY_DELAY = 10
    page_server.expect_request("/story").respond_with_data("busy", status=503)
    job = _url_import_job(editor, organization, f"http://127.0.0.1:{page_server.port}/story")
    article = Article.objects.get()
    client.force_login(editor)

    def latest_import():
        response = client.get(f"/api/v1/newsroom/articles/{article.pk}/")
        assert response.status_code == 200
        return response.json()["latest_import"]

    assert latest_import()["retry"] is None  # no attempt has failed yet
    before = timezone.now()
    assert jobs.run("import", job.pk) == Job.State.QUEUED
    pending = latest_import()
    assert pending["state"] == "pending" and pending["error"] == ""
    retry = pending["retry"]
    assert (retry["failed_attempts"], retry["max_attempts"]) == (1, 5)
    assert retry["reason"] == "the server answered 503 Service Unavailable"
    next_attempt = dt.datetime.fromisoformat(retry["next_attempt_at"])
    assert round((next_attempt - before).total_seconds()) == 10

    # While the next attempt runs, it says the last one failed and gives no time.
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=2)
    retry = latest_import()["retry"]
    assert (retry["failed_attempts"], retry["next_attempt_at"]) == (1, None)

    page_server.clear()
    page_server.expect_request("/story").respond_with_data(_page(), content_type="text/html")
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, attempts=1)
    assert jobs.run("import", job.pk) == Job.State.DONE
    done = latest_import()
    assert (done["state"], done["retry"]) == ("succeeded", None)


def test_an_import_no_worker_has_taken_says_so_through_the_api(
    client, editor, organization, broker_down
):
    """ "Importing…" was all an editor read while no worker could take the job (trial G7)."""
    job = _url_import_job(editor, organization, "http://127.0.0.1:9/story")
    article = Article.objects.get()
    client.force_login(editor)

    def waiting() -> bool:
        return client.get(f"/api/v1/newsroom/articles/{article.pk}/").json()["latest_import"][
            "waiting_for_worker"
        ]

    assert waiting() is False  # just asked for: workers have had no time yet
    earlier = timezone.now() - timedelta(seconds=jobs.WORKER_PICKUP_SECONDS + 1)
    Job.objects.filter(pk=job.pk).update(created_at=earlier, sent_at=earlier)
    assert waiting() is True
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1)
    assert waiting() is False  # a worker took it


def test_the_workspace_of_a_ready_article_says_a_new_import_is_being_tried_again(
    client, editor, organization, broker_down, settings, page_server
):
    """A re-import of a ready article keeps its text: the page says a new one is coming,
    and why its last attempt failed, from the first paint."""
    url = f"http://127.0.0.1:{page_server.port}/story"
    page_server.expect_request("/story").respond_with_data(_page(), content_type="text/html")
    first = _url_import_job(editor, organization, url)
    assert jobs.run("import", first.pk) == Job.State.DONE
    article = Article.objects.get()
    client.force_login(editor)
    assert "A new import" not in client.get(f"/articles/{article.pk}/").content.decode()

    page_server.clear()
    page_server.expect_request("/story").respond_with_data("busy", status=503)
    services.article_import_url(organization=organization, requested_by=editor, url=url)
    again = Job.objects.filter(kind="import").exclude(pk=first.pk).get()
    assert jobs.run("import", again.pk) == Job.State.QUEUED
    response = client.get(f"/articles/{article.pk}/")
    page = response.content.decode()
    assert f"A new import from <bdi>{url}</bdi> is running" in page
    assert 'id="import-retry"' in page
    data = response.context["workspace"]["article"]
    assert data["importing"] is True
    assert data["import_retry"]["failed_attempts"] == 1
    assert data["import_retry"]["reason"] == "the server answered 503 Service Unavailable"
    assert Article.objects.get().status == Article.Status.READY


def test_a_job_that_is_done_is_not_run_again(editor, organization, broker_down, page_server):
    page_server.expect_request("/story").respond_with_data(_page(), content_type="text/html")
    job = _url_import_job(editor, organization, f"http://127.0.0.1:{page_server.port}/story")
    assert jobs.run("import", job.pk) == Job.State.DONE
    assert jobs.run("import", job.pk) == Job.State.DONE
    job.refresh_from_db()
    assert job.attempts == 1
    assert len(page_server.log) == 1
    assert ArticleRevision.objects.count() == 1


def test_an_import_run_again_after_it_succeeded_makes_no_second_article_or_revision(
    editor, organization, broker_down, page_server
):
    """As when a worker dies after the import committed but before its job was marked done."""
    page_server.expect_request("/story").respond_with_data(_page(), content_type="text/html")
    job = _url_import_job(editor, organization, f"http://127.0.0.1:{page_server.port}/story")
    assert jobs.run("import", job.pk) == Job.State.DONE
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, started_at=long_ago)
    assert jobs.run("import", job.pk) == Job.State.DONE
    assert (Article.objects.count(), ArticleRevision.objects.count()) == (1, 1)
    assert Job.objects.get(pk=job.pk).attempts == 2


@pytest.mark.django_db(transaction=True)
def test_a_late_fetch_leaves_an_import_another_run_finished_as_that_run_left_it(
    editor, organization, broker_down, page_server
):
    """A run whose page came after a second run had taken over and finished wrote its own
    page over that import (review R9): the stored original no longer matched the text the
    revision was made from."""
    _url_import_job(editor, organization, f"http://127.0.0.1:{page_server.port}/story")
    pending = ArticleImport.objects.get()
    finished = {"state": ArticleImport.State.SUCCEEDED, "sha256": "f" * 64, "size": 7}

    def answered_after_another_run_finished(request):
        ArticleImport.objects.filter(pk=pending.pk).update(**finished)
        connection.close()  # this server thread's own connection
        return Response(_page(), content_type="text/html")

    page_server.expect_request("/story").respond_with_handler(answered_after_another_run_finished)
    services.import_run(article_import=pending, actor=editor)
    after = ArticleImport.objects.get()
    assert (after.state, after.sha256, after.size) == tuple(finished.values())
    assert not after.original


@pytest.mark.django_db(transaction=True)
def test_a_failed_fetch_leaves_an_import_whose_page_another_run_stored_to_that_run(
    editor, organization, broker_down, page_server
):
    """A run whose fetch failed after a second run had stored its page saved its own stale
    copy of the import over it (review R11): the page's hash and address were erased, its
    stored file orphaned, and the import failed though its page had come."""
    _url_import_job(editor, organization, f"http://127.0.0.1:{page_server.port}/story")
    pending = ArticleImport.objects.get()
    stored = {"sha256": "e" * 64, "size": 7, "final_url": "https://news.example/story"}

    def gone_after_another_run_fetched(request):
        ArticleImport.objects.filter(pk=pending.pk).update(**stored)
        connection.close()  # this server thread's own connection
        return Response("gone", status=404)

    page_server.expect_request("/story").respond_with_handler(gone_after_another_run_fetched)
    services.import_run(article_import=pending, actor=editor)
    after = ArticleImport.objects.get()
    assert (after.sha256, after.size, after.final_url) == tuple(stored.values())
    assert (after.state, after.error) == (ArticleImport.State.PENDING, "")
    assert after.article.status == Article.Status.IMPORTING


def test_a_running_job_held_by_a_live_attempt_is_left_alone(
    editor, organization, broker_down, page_server
):
    job = _url_import_job(editor, organization, f"http://127.0.0.1:{page_server.port}/story")
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, attempts=1, started_at=timezone.now()
    )
    assert jobs.run("import", job.pk) == Job.State.RUNNING
    assert jobs.sweep().requeued == 0
    assert page_server.log == []


def test_the_sweeper_leaves_jobs_waiting_their_turn_and_sends_again_those_lost(
    editor, organization, broker, settings
):
    """Still queued a minute after it was sent, every job of a backlog was sent again at
    each sweep (review R8): copies piled up behind the jobs they copied."""
    settings.FACTCHECK_JOB_QUEUED_TIMEOUT = 60
    for number in range(5):
        services.article_import_url(
            organization=organization, requested_by=editor, url=f"http://127.0.0.1:9/{number}"
        )
    assert jobs.send(Job.objects.all()) == 5
    Job.objects.update(sent_at=timezone.now() - timedelta(minutes=2))
    assert broker.queued_messages() == 5

    # No worker has taken them yet: they wait behind each other, and are left so.
    assert jobs.sweep().sent == 0
    assert broker.queued_messages() == 5
    # Unclaimed for longer than a backlog takes, one's message may have been taken and lost
    # (a worker met the database down as it claimed it): it is sent again, once.
    settings.FACTCHECK_JOB_BACKLOG_PATIENCE = 600
    Job.objects.filter(pk=Job.objects.first().pk).update(
        sent_at=timezone.now() - timedelta(minutes=11)
    )
    assert jobs.sweep().sent == 1
    assert jobs.sweep().sent == 0
    assert broker.queued_messages() == 6
    client = redis.Redis.from_url(broker.url)
    client.delete("celery")
    client.close()
    Job.objects.update(sent_at=timezone.now() - timedelta(minutes=2))

    # The broker lost them (a Redis restarted without its data): the queue is empty, and
    # each is sent again, once.
    assert jobs.sweep().sent == 5
    assert broker.queued_messages() == 5


def test_the_sweeper_takes_back_dead_attempts_and_fails_jobs_out_of_attempts(
    editor, organization, broker_down, settings
):
    settings.FACTCHECK_JOB_QUEUED_TIMEOUT = 60
    dead = timezone.now() - timedelta(hours=1)
    first = _url_import_job(editor, organization, "http://127.0.0.1:9/one")
    services.article_import_url(
        organization=organization, requested_by=editor, url="http://127.0.0.1:9/two"
    )
    second = Job.objects.exclude(pk=first.pk).get()
    fresh = services.article_import_url(
        organization=organization, requested_by=editor, url="http://127.0.0.1:9/three"
    )
    Job.objects.filter(pk=first.pk).update(state=Job.State.RUNNING, attempts=2, started_at=dead)
    Job.objects.filter(pk=second.pk).update(state=Job.State.RUNNING, attempts=5, started_at=dead)

    report = jobs.sweep()
    assert (report.requeued, report.failed, report.sent) == (1, 1, 0)  # the broker is down
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == Job.State.QUEUED and "did not finish" in first.last_error
    assert second.state == Job.State.FAILED
    assert second.last_error.startswith("gave up after 5 attempts")
    failed_import = ArticleImport.objects.get(pk=second.subject_id)
    assert failed_import.state == ArticleImport.State.FAILED
    assert failed_import.article.status == Article.Status.FAILED
    # A job queued a moment ago still has its own message on the way: not sent again.
    assert Job.objects.get(subject_id=fresh.imports.get().pk).sent_at is None


def test_a_reanchoring_that_fails_after_a_newer_edit_leaves_its_claims_to_the_newer_job(
    editor, reviewer, organization, broker_down, settings
):
    settings.FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS = 0
    article = factories.article(organization, editor)
    claim = factories.published_claim(article, editor, reviewer)
    services.article_update_text(article=article, text="One.\n\n" + article.text, actor=editor)
    services.article_update_text(article=article, text="Two.\n\n" + article.text, actor=editor)
    older, newer = Job.objects.filter(kind="reanchor").order_by("pk")
    # The older edit's job lost its worker on its last attempt while the newer one waits.
    Job.objects.filter(pk=older.pk).update(
        state=Job.State.RUNNING, attempts=older.max_attempts,
        started_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    assert jobs.sweep().failed == 1

    claim.refresh_from_db()
    assert claim.anchor_state == Claim.AnchorState.REANCHORING  # not orphaned by the old job
    assert claim.status == Claim.Status.PUBLISHED

    assert jobs.run("reanchor", newer.pk) == Job.State.DONE
    claim.refresh_from_db()
    assert claim.anchor_state == Claim.AnchorState.ANCHORED
    assert claim.status == Claim.Status.PUBLISHED
    assert queries.published_claims().filter(claim=claim).exists()


def _spot_job_held_by_a_dead_process(article) -> Job:
    """The article's spot job, marked running in a process of this host that has ended."""
    job = Job.objects.get(kind="spot", subject_id=article.pk)
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, attempts=1, started_at=timezone.now(),
        worker=jobs.worker_of(_dead_process()),
    )  # fmt: skip
    return job


def _dead_process() -> int:
    """The pid of a process of this host that has ended (and been reaped)."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait(30)
    return ended.pid


def test_an_attempt_whose_process_died_on_this_host_is_taken_over_at_once(
    editor, organization, broker_down
):
    """A killed worker's message comes back at once (late acknowledgement); the job row
    still says running, and its lease has minutes to go."""
    assert spotting_jobs.spot_article.name == jobs.TASK_NAMES["spot"]  # its handler is known
    article = factories.article(organization, editor)
    job = _spot_job_held_by_a_dead_process(article)

    assert jobs.run("spot", job.pk) == Job.State.DONE

    job.refresh_from_db()
    assert job.attempts == 2 and job.worker == jobs.this_worker()
    assert article.suggestions.exists()


def test_a_process_is_told_dead_when_reaped_a_zombie_or_its_pid_reused():
    live = jobs.this_worker()
    assert not jobs.worker_gone(live)
    host, namespace, pid, started = live.split(":")
    assert jobs.worker_gone(f"{host}:{namespace}:{pid}:{int(started) + 1}")  # pid reused
    assert not jobs.worker_gone(f"{host}:{int(namespace) + 1}:{pid}:{started}")  # other box
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        wait_for(lambda: jobs.worker_gone(jobs.worker_of(child.pid)), message="not a zombie")
    finally:
        child.wait(30)
    assert jobs.worker_gone(jobs.worker_of(child.pid))


def test_an_attempt_on_another_host_or_in_a_live_process_keeps_its_lease(
    editor, organization, broker_down
):
    article = factories.article(organization, editor)
    job = Job.objects.get(kind="spot", subject_id=article.pk)
    elsewhere = jobs.worker_of(_dead_process()).split(":", 1)[1]
    for worker in (f"another-host:{elsewhere}", jobs.this_worker()):
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RUNNING, attempts=1, started_at=timezone.now(), worker=worker
        )
        assert jobs.run("spot", job.pk) == Job.State.RUNNING, worker
        assert Job.objects.get(pk=job.pk).attempts == 1
        assert jobs.sweep().requeued == 0


def test_a_retraining_whose_process_died_fails_at_once_and_frees_the_next(
    organization, org_admin, broker_down
):
    from annotations.models import SpotterModel

    row = services.spotter_train_request(organization=organization, actor=org_admin)
    job = Job.objects.get(kind="spotter_train", subject_id=row.pk)
    dead = jobs.worker_of(_dead_process())
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, attempts=1, started_at=timezone.now(), worker=dead
    )

    assert jobs.run("spotter_train", job.pk) == Job.State.FAILED  # it had one attempt

    row.refresh_from_db()
    assert row.state == SpotterModel.State.FAILED
    assert "did not finish" in row.report["message"]
    again = services.spotter_train_request(organization=organization, actor=org_admin)
    assert again.state == SpotterModel.State.TRAINING


def test_the_sweeper_takes_back_the_attempts_of_dead_processes_on_its_host(
    editor, organization, broker_down
):
    article = factories.article(organization, editor)
    job = _spot_job_held_by_a_dead_process(article)

    assert jobs.sweep().requeued == 1
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED


def test_every_background_task_has_time_limits_and_late_acknowledgement():
    for task in (tasks.run_import, tasks.reanchor_article):
        assert task.acks_late and task.reject_on_worker_lost
        assert 0 < task.soft_time_limit < task.time_limit
        assert task.ignore_result
    assert celery_app.conf.task_ignore_result
    # Tasks that declare none (the sweeper) get the project's defaults.
    assert 0 < celery_app.conf.task_soft_time_limit < celery_app.conf.task_time_limit
    assert celery_app.conf.task_acks_late and celery_app.conf.task_reject_on_worker_lost
    schedule = django_settings.CELERY_BEAT_SCHEDULE["sweep-jobs"]
    assert schedule["task"] == tasks.sweep_jobs.name


def test_a_reanchoring_that_fails_for_good_orphans_its_claims_and_hides_their_verdicts(
    editor, reviewer, organization, broker_down, settings
):
    settings.FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS = 0
    article = factories.article(organization, editor)
    claim = factories.published_claim(article, editor, reviewer)
    services.article_update_text(
        article=article, text="A new first paragraph.\n\n" + article.text, actor=editor
    )
    factories.text_shown_to_readers(article)
    job = Job.objects.get(kind="reanchor")
    claim.refresh_from_db()
    assert claim.anchor_state == Claim.AnchorState.REANCHORING
    # The revision the job names is gone from under it: a failure no retry can mend.
    job.arguments = {"revision_id": 10**9}
    job.save()
    assert jobs.run("reanchor", job.pk) == Job.State.FAILED
    claim.refresh_from_db()
    assert claim.anchor_state == Claim.AnchorState.ORPHANED
    assert claim.orphan_reason.startswith("re-anchoring did not finish")
    assert claim.status == Claim.Status.IN_REVIEW
    assert not queries.published_claims().filter(claim=claim).exists()


class _OutageEnds(logging.Handler):
    """Ends a database outage (gives the connection its port back) when the worker first
    says it could not record a job's outcome: the outage lasts until then, and no longer."""

    def __init__(self, settings_dict: dict, port, said="Could not record a job's outcome"):
        super().__init__()
        self.settings_dict, self.port, self.ended = settings_dict, port, False
        self.said = said

    def emit(self, record):
        if record.getMessage().startswith(self.said):
            self.settings_dict["PORT"] = self.port
            self.ended = True


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ends a PostgreSQL session")
def test_an_attempt_during_a_database_outage_records_its_outcome_once_the_database_is_back(
    editor, organization, broker_down, page_server, transactional_db, settings
):
    """A database restart in the middle of an attempt: the outcome could not be written,
    and the job stayed "running" with no error until its lease ran out, minutes later,
    though the worker was alive and the database soon back."""
    settings.FACTCHECK_JOB_RECORD_PATIENCE = 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        session = cursor.fetchone()[0]
    port = connection.settings_dict["PORT"]
    outage = _OutageEnds(connection.settings_dict, port)

    def restart_while_fetching(request):
        # The server ends the worker's session and answers no new one until it is back.
        from django.db import connection as this_threads

        try:
            with this_threads.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [session])
        finally:
            this_threads.close()
        connection.settings_dict["PORT"] = str(localservers.free_port())
        return Response(_page(), content_type="text/html")

    page_server.expect_ordered_request("/story").respond_with_handler(restart_while_fetching)
    page_server.expect_ordered_request("/story").respond_with_data(
        _page(), content_type="text/html"
    )
    job = _url_import_job(editor, organization, f"http://127.0.0.1:{page_server.port}/story")
    logging.getLogger("annotations.jobs").addHandler(outage)
    try:
        assert jobs.run("import", job.pk) == Job.State.QUEUED
    finally:
        logging.getLogger("annotations.jobs").removeHandler(outage)
        connection.settings_dict["PORT"] = port
    assert outage.ended
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and job.attempts == 1
    assert "the database was unreachable" in job.last_error
    assert Article.objects.get().status == Article.Status.IMPORTING
    # The next attempt, once due, imports the page.
    assert jobs.run("import", job.pk) == Job.State.DONE
    assert Article.objects.get().status == Article.Status.READY


@pytest.mark.skipif(connection.vendor != "postgresql", reason="moves a PostgreSQL connection")
def test_a_job_taken_during_a_database_outage_runs_once_the_database_is_back(
    editor, organization, broker_down, page_server, transactional_db, settings
):
    """Review R15: a worker handed the job while the database was down failed to claim it;
    the message was acknowledged all the same, and the job sat queued with none on its way."""
    settings.FACTCHECK_JOB_RECORD_PATIENCE = 30
    page_server.expect_request("/story").respond_with_data(_page(), content_type="text/html")
    job = _url_import_job(editor, organization, f"http://127.0.0.1:{page_server.port}/story")
    port = connection.settings_dict["PORT"]
    outage = _OutageEnds(connection.settings_dict, port, said="Could not take a job")
    connection.close()
    connection.settings_dict["PORT"] = str(localservers.free_port())
    logging.getLogger("annotations.jobs").addHandler(outage)
    try:
        assert jobs.run("import", job.pk) == Job.State.DONE
    finally:
        logging.getLogger("annotations.jobs").removeHandler(outage)
        connection.settings_dict["PORT"] = port
    assert outage.ended
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.DONE, 1)
    assert Article.objects.get().status == Article.Status.READY


def test_recording_a_failure_again_does_not_fail_its_subject_twice(
    editor, organization, broker_down, page_server
):
    """A failure whose write committed while its answer was lost is written again by the
    outage retry: the second write found the row failed, matched it, and ran the subject's
    failure (notifications, the article's error) a second time."""
    page_server.expect_request("/gone").respond_with_data("gone", status=404)
    job = _url_import_job(editor, organization, f"http://127.0.0.1:{page_server.port}/gone")
    assert jobs.run("import", job.pk) == Job.State.FAILED
    job.refresh_from_db()
    said = Article.objects.get().import_error
    assert jobs._fail(job, jobs._HANDLERS["import"], "another reason") == Job.State.FAILED
    job.refresh_from_db()
    assert job.last_error == "the server answered 404 Not Found"
    assert Article.objects.get().import_error == said
