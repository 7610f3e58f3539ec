"""API throttles: per token, per session user and per anonymous address, shared by processes."""

import itertools
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings
from django.test import Client

from annotations import services
from annotations.models import ApiToken
from tests.conftest import ROOT, database_url_for_processes, wait_for

ARTICLES = "/api/v1/newsroom/articles/"
# Answered to anyone without a database query: what anonymous clients are counted on.
ANONYMOUS_READ = "/api/v1/problems/not-found/"
# Daily windows: a test run never straddles the edge of one (midnight UTC aside).
LOW = {"anon": "3/d", "token": "3/d", "user": "3/d"}


@pytest.fixture
def low_rates(settings, rate_limits_reset):
    settings.FACTCHECK_API_RATES = LOW


_token_numbers = itertools.count(1)


def token_client(user, scope=ApiToken.Scope.READ):
    # Each its own name: a person's tokens are told apart by name.
    name = f"sync {next(_token_numbers)}"
    _, key = services.token_create(actor=user, name=name, scope=scope)
    return Client(headers={"Authorization": f"Token {key}"})


def assert_throttled(response):
    assert response.status_code == 429, response.content[:300]
    assert response["Content-Type"].startswith("application/problem+json")
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 86_400
    body = response.json()
    assert body["status"] == 429 and body["type"].endswith("/throttled/")


def test_a_token_over_its_rate_gets_429_with_retry_after(low_rates, editor):
    client = token_client(editor)
    for _ in range(3):
        assert client.get(ARTICLES).status_code == 200
    assert_throttled(client.get(ARTICLES))


def test_each_token_has_its_own_count(low_rates, editor):
    first, second = token_client(editor), token_client(editor)
    for _ in range(3):
        first.get(ARTICLES)
    assert_throttled(first.get(ARTICLES))
    assert second.get(ARTICLES).status_code == 200


def test_a_signed_in_session_is_counted_per_user(low_rates, editor, reviewer):
    session = Client()
    session.force_login(editor)
    for _ in range(3):
        assert session.get(ARTICLES).status_code == 200
    assert_throttled(session.get(ARTICLES))
    other = Client()
    other.force_login(reviewer)
    assert other.get(ARTICLES).status_code == 200


def test_anonymous_clients_are_counted_per_address(low_rates, db):
    client = Client()
    for _ in range(3):
        assert client.get(ANONYMOUS_READ, REMOTE_ADDR="192.0.2.1").status_code == 200
    assert_throttled(client.get(ANONYMOUS_READ, REMOTE_ADDR="192.0.2.1"))
    assert client.get(ANONYMOUS_READ, REMOTE_ADDR="192.0.2.2").status_code == 200


def test_requests_go_through_when_the_cache_is_down(settings, editor, caplog):
    settings.FACTCHECK_API_RATES = LOW
    # Nothing listens on port 1: every cache call fails at once.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client = token_client(editor)
    for _ in range(5):
        assert client.get(ARTICLES).status_code == 200
    for _ in range(5):
        assert Client().get(ANONYMOUS_READ).status_code == 200
    assert "the cache is unavailable" in caplog.text


def test_a_cache_that_stopped_answering_costs_one_wait_not_one_per_request(
    settings, editor, silent_port
):
    settings.FACTCHECK_API_RATES = LOW
    settings.FACTCHECK_OUTAGE_PAUSE = 30
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{silent_port}/0",
            # Long enough that a wait for the cache is told apart from a request slowed
            # by a busy machine (one took 0.46 s of a 0.5 s timeout, with no wait at all).
            "OPTIONS": {"socket_connect_timeout": 2.0, "socket_timeout": 2.0},
        }
    }
    client = token_client(editor)
    waits = []
    for _ in range(4):
        started = time.monotonic()
        assert client.get(ARTICLES).status_code == 200
        waits.append(time.monotonic() - started)
    assert waits[0] >= 2.0
    assert max(waits[1:]) < 1.5, waits


def test_the_counts_work_on_a_cache_other_than_redis(settings, editor):
    settings.FACTCHECK_API_RATES = LOW
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client = token_client(editor)
    for _ in range(3):
        assert client.get(ARTICLES).status_code == 200
    assert_throttled(client.get(ARTICLES))


# Two server processes, one count


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_servers(transactional_db, rate_limits_reset):
    """Two gunicorn processes on the test database and Redis, each with the low rates."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_processes(),
        "REDIS_URL": settings.REDIS_URL,
        "FACTCHECK_API_RATE_ANON": LOW["anon"],
        "FACTCHECK_API_RATE_TOKEN": LOW["token"],
        "FACTCHECK_API_RATE_USER": LOW["user"],
    }
    servers, urls = [], []
    for _ in range(2):
        port = _free_port()
        servers.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "factcheck.wsgi:application",
                 "--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
        )  # fmt: skip
        urls.append(f"http://127.0.0.1:{port}")

    def answering(url, server):
        if server.poll() is not None:
            pytest.fail(f"a server exited: {server.stdout.read()}")
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    for url, server in zip(urls, servers, strict=True):
        wait_for(
            lambda url=url, server=server: answering(url, server),
            timeout=60,
            message="a server did not start",
        )
    yield urls
    for server in servers:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        server.stdout.close()


def test_two_server_processes_share_one_count_per_token_and_per_address(two_servers, editor):
    _, key = services.token_create(actor=editor, name="sync", scope="read")
    headers = {"Authorization": f"Token {key}"}
    with httpx.Client(timeout=10) as http:
        # Alternating: the fourth request is only the second that its process sees, yet it
        # is refused, and so is every later one on either process: the count is one.
        statuses = [
            http.get(f"{two_servers[i % 2]}{ARTICLES}", headers=headers).status_code
            for i in range(6)
        ]
        assert statuses == [200, 200, 200, 429, 429, 429]
        anonymous = [http.get(f"{two_servers[i % 2]}{ANONYMOUS_READ}") for i in range(6)]
    assert [r.status_code for r in anonymous] == [200, 200, 200, 429, 429, 429]
    refused = anonymous[-1]
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["Content-Type"].startswith("application/problem+json")


def test_each_answer_tells_the_limit_and_what_is_left_of_it(low_rates, editor):
    """API clients learned of their limit only from a 429 (trial D1)."""
    client = token_client(editor)
    left = []
    for _ in range(4):
        response = client.get(ARTICLES)
        assert response["RateLimit-Policy"] == '"token";q=3;w=86400'
        policy, remaining, reset = response["RateLimit"].split(";")
        assert policy == '"token"' and 0 < int(reset.removeprefix("t=")) <= 86_400
        left.append(int(remaining.removeprefix("r=")))
    assert left == [2, 1, 0, 0]
    assert_throttled(response)


def test_a_conditional_read_answered_304_costs_nothing(low_rates, db):
    """Polling with validators spares both sides; it was throttled as full reads were."""
    client = Client()
    first = client.get("/api/v1/claims/")
    assert first.status_code == 200 and first["RateLimit"].startswith('"anon";r=2;')
    for _ in range(5):
        unchanged = client.get("/api/v1/claims/", headers={"If-None-Match": first["ETag"]})
        assert unchanged.status_code == 304
        assert unchanged["RateLimit"].startswith('"anon";r=2;')
    assert client.get("/api/v1/claims/")["RateLimit"].startswith('"anon";r=1;')
    # Read by another site's page too.
    assert (
        "RateLimit"
        in client.get("/api/v1/claims/", headers={"Origin": "https://publisher.example"})[
            "Access-Control-Expose-Headers"
        ]
    )


def test_conditional_reads_are_free_only_where_their_validators_are_cheap(low_rates, db):
    """Free 304s let anyone holding an ETag ask without end, and on the organizations list
    each 304 builds the whole answer to hash it (review R19)."""
    client = Client()
    first = client.get("/api/v1/organizations/")
    assert first["RateLimit"].startswith('"anon";r=2;')
    unchanged = client.get("/api/v1/organizations/", headers={"If-None-Match": first["ETag"]})
    assert unchanged.status_code == 304
    assert unchanged["RateLimit"].startswith('"anon";r=1;')  # counted

    # Where they are cheap, the window's free 304s are bounded too: four times its limit.
    listed = Client(REMOTE_ADDR="192.0.2.9")
    etag = listed.get("/api/v1/claims/")["ETag"]
    answers = [
        listed.get("/api/v1/claims/", headers={"If-None-Match": etag}).status_code
        for _ in range(4 * 3 + 3)
    ]
    assert answers[: 4 * 3] == [304] * 12
    assert 429 in answers[12:]
