"""Liveness and readiness probes for container health checks and load balancers."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from annotations import jobs

# Seconds a readiness check waits for the broker before calling it unreachable.
BROKER_TIMEOUT = 2


@never_cache
@require_safe
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
        with jobs.broker_connection(BROKER_TIMEOUT, always_try=True) as broker:
            # Connecting alone may not talk to Redis; a round trip proves it answers.
            client = getattr(broker.default_channel, "client", None)
            if client is not None:
                client.ping()
    except Exception as error:
        return f"broker unreachable: {error.__class__.__name__}"
    return None


@never_cache
@require_safe
def readyz(request):
    """503 naming the failing part unless both the database and the broker answer."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    failing = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "unavailable" if failing else "ok",
        "checks": {name: checks[name] or "ok" for name in checks},
    }
    return JsonResponse(body, status=503 if failing else 200)
