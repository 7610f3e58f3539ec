"""Shared fixtures: newsrooms and members, real Celery worker processes, one Chromium."""

import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from hypothesis import settings as hypothesis_settings

from annotations.models import Membership
from tests import factories
from tests.browser_support import ARTIFACTS, CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARTICLE = ROOT / "annotations" / "fixtures" / "imran-khan-twitter-spaces.txt"

# The live test server listens with socketserver's default backlog of 5; the concurrency
# tests open fifty connections at once, which a loaded machine then resets. A production
# server (gunicorn) listens with 2048.
ThreadedWSGIServer.request_queue_size = 128

# CI must pass or fail on the code, not on the examples drawn: there the property tests
# use a fixed seed and print any failing example. Locally every run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def generous_api_rates(settings):
    """Rates no test reaches: API throttle counts outlive each test in the shared Redis.

    The throttling tests set their own low rates (tests/test_api_throttling.py).
    """
    settings.FACTCHECK_API_RATES = {"anon": "100000/h", "token": "100000/h", "user": "100000/h"}


@pytest.fixture(autouse=True)
def quiet_public_pages(settings):
    """Validators that turn over each minute after a change (`freshness.turnover`) would
    make a test asking twice across a minute's edge see a change that is not there. Tests
    of that turnover set the window themselves (tests/test_public_api.py)."""
    settings.FACTCHECK_FEED_LATE_COMMIT_SECONDS = 0


@pytest.fixture
def rate_limits_reset():
    """Form throttles count in the shared Redis cache, which outlives each test's database."""
    from django.core.cache import cache

    cache.clear()  # The cache has its own Redis database: the broker's queues are untouched.


@pytest.fixture
def organization(db):
    return factories.OrganizationFactory()


@pytest.fixture
def editor(organization):
    return factories.member(organization, Membership.Role.EDITOR, username="eddie")


@pytest.fixture
def editor_client(client, editor):
    """The test client, signed in as the organization's editor."""
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer(organization):
    return factories.member(organization, Membership.Role.REVIEWER, username="rita")


@pytest.fixture
def org_admin(organization):
    return factories.member(organization, Membership.Role.ADMIN, username="ada")


@pytest.fixture
def article(organization, editor):
    return factories.article(organization, editor)


def database_url_for_processes() -> str:
    """The test database as a DATABASE_URL, for processes the tests start."""
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def wait_for(condition, timeout: float = 30.0, interval: float = 0.05, message: str = ""):
    """Poll `condition` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(message or f"condition not met within {timeout} s")


def once_this_second_is_over() -> None:
    """Wait until the clock is past the current second: an answer served from then on
    dates a change made before the wait (Last-Modified counts whole seconds, and is held
    back in the second of the change: `freshness.http_seconds`)."""
    second = int(time.time())
    wait_for(lambda: int(time.time()) > second, timeout=3.0, interval=0.02)


@pytest.fixture
def start_celery_worker(transactional_db):
    """Start real `celery worker` processes on the test database and broker; stop them after."""
    from factcheck.celery import app

    workers = []

    def start(extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        env = {**os.environ, "REDIS_URL": settings.REDIS_URL, **(extra_env or {})}
        env["DATABASE_URL"] = database_url_for_processes()
        worker = subprocess.Popen(
            # Both queues: the default one (CPU work) and "io" (fetches, providers, webhooks).
            [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--pool", "solo",
             "--queues", "celery,io", "--loglevel", "WARNING", "--without-gossip",
             "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        workers.append(worker)

        def answers():
            if worker.poll() is not None:
                pytest.fail(f"the worker exited: {worker.stdout.read()}")
            return app.control.ping(timeout=0.5)

        wait_for(answers, timeout=60, message="the Celery worker did not start")
        return worker

    yield start
    for worker in workers:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        worker.stdout.close()


@pytest.fixture
def celery_worker_process(start_celery_worker):
    """One real worker process with the test environment."""
    return start_celery_worker()


# Browser tests


@pytest.fixture
def loopback_pages():
    """A threaded HTTP server on 127.0.0.1 (pytest-httpserver) standing in for outside sites."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def pytest_addoption(parser):
    parser.addoption(
        "--browser-share",
        default="",
        help="K/N or J-K/N: run only the K-th (or the J-th to K-th) of N parts of the browser "
        "tests (tests/run_suites.py gives each backend its own share when both run at once)",
    )


def browser_share_range(share: str) -> tuple[int, int, int]:
    """ "J-K/N" (or "K/N") as (J, K, N): the parts, counted from 0, out of N."""
    parts, count = share.split("/")
    first, _, last = parts.partition("-")
    first, last, count = int(first), int(last or first), int(count)
    if not 0 <= first <= last < count:
        raise pytest.UsageError(f"--browser-share={share}: expected J-K/N with 0 <= J <= K < N")
    return first, last, count


def pytest_collection_modifyitems(config, items):
    """Keep only this run's share of the browser tests when --browser-share is given.

    A browser test drives the UI through the live server; what differs between backends
    is covered by the API and service tests, which every backend runs in full.
    """
    share = config.getoption("--browser-share")
    if not share:
        return
    first, last, count = browser_share_range(share)
    kept, dropped = [], []
    for item in items:
        mine = first <= zlib.crc32(item.nodeid.encode()) % count <= last
        (kept if mine or item.get_closest_marker("browser") is None else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def close_browser_pages(request):
    """Close a browser test's pages when it ends: open ones keep polling the live server,
    and on PostgreSQL that holds the test database open past its teardown."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()
        # A request the pages sent just before may still be answering: on PostgreSQL the
        # database's flush, next, deadlocked with its reads (seen under CI's load). Request
        # threads of any loopback server count; they end with their closed connections.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(
            "process_request_thread" in thread.name for thread in threading.enumerate()
        ):
            time.sleep(0.05)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM calls made
    # by the test itself between browser steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )  # fmt: skip
        yield chromium
        chromium.close()


@pytest.fixture
def newsroom(db):
    organization = factories.OrganizationFactory(name="Deadline Desk")
    editor = factories.member(organization, Membership.Role.EDITOR, username="ed")
    reviewer = factories.member(organization, Membership.Role.REVIEWER, username="rev")
    title, _, body = SAMPLE_ARTICLE.read_text(encoding="utf-8").partition("\n\n")
    article = factories.article(organization, editor, text=body.partition("\n\n")[2], title=title)
    return {
        "organization": organization,
        "editor": editor,
        "reviewer": reviewer,
        "article": article,
    }


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never answers: a paused Redis."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for accepted in held:
        accepted.close()
    listener.close()
