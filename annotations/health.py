"""Liveness and readiness probes for container health checks and load balancers."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from factcheck.celery import app as celery_app

# Seconds a readiness check waits for the broker before calling it unreachable.
BROKER_TIMEOUT = 2


@never_cache
@require_GET
def healthz(request):
    """The process is alive; checks nothing else so a slow database cannot restart it."""
    return JsonResponse({"status": "ok"})


def _database_ok() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return f"database unreachable: {error.__class__.__name__}"
    return None


def _broker_ok() -> str | None:
    try:
        # The URL is read from settings on each check, as the job sender does. The socket
        # timeouts bound a broker that accepts connections but never answers (frozen).
        with celery_app.connection_for_write(
            url=settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT,
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT,
                "socket_timeout": BROKER_TIMEOUT,
                "max_retries": 0,
            },
        ) as broker:
            broker.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
            # Connecting alone may not talk to Redis; a round trip proves it answers.
            client = getattr(broker.default_channel, "client", None)
            if client is not None:
                client.ping()
    except Exception as error:
        return f"broker unreachable: {error.__class__.__name__}"
    return None


@never_cache
@require_GET
def readyz(request):
    """503 naming the failing part unless both the database and the broker answer."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    failing = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "unavailable" if failing else "ok",
        "checks": {name: checks[name] or "ok" for name in checks},
    }
    return JsonResponse(body, status=503 if failing else 200)
