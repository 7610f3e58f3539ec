"""Health endpoints: /healthz is liveness; /readyz checks the database and the broker."""

import signal
import time

import pytest

from factcheck import localservers

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.fixture
def private_broker(settings):
    """Point the app at a redis-server of this test's own, so stopping it harms nothing else."""
    server = localservers.start_redis(port=localservers.free_port())
    settings.CELERY_BROKER_URL = server.url
    try:
        yield server
    finally:
        server.stop()


def test_readyz_says_503_and_names_the_broker_when_it_is_down(client, private_broker):
    assert client.get("/readyz").status_code == 200
    private_broker.stop()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("broker unreachable")


def test_readyz_says_503_at_once_when_the_broker_is_frozen(client, private_broker):
    """A broker that accepts connections but never answers must not hang the probe."""
    assert client.get("/readyz").status_code == 200
    private_broker.process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        private_broker.process.send_signal(signal.SIGCONT)
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("broker unreachable")
    assert elapsed < 10, f"the probe took {elapsed:.1f} s"
