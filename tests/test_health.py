"""Health endpoints: /healthz is liveness; /readyz checks the database and the broker."""

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
