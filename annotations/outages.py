"""Per process, a shared service that just failed is not asked again for a few seconds.

While Redis is down or paused, each request would otherwise wait out every connection
timeout anew (a throttle's count, then each job's message): one click in the workspace
took four to five seconds. The first request after a failure pays for it; the ones in the
next FACTCHECK_OUTAGE_PAUSE seconds go on without the service, as they would after its
timeout: throttles let requests through and jobs wait for the sweeper. Failures are
remembered by the service's address, so one Redis failing says nothing about another.
"""

import threading
import time

from django.conf import settings

_lock = threading.Lock()
_failed_until: dict[str, float] = {}


class SkippedWhileDown(ConnectionError):
    """The service failed moments ago in this process, so it was not asked this time."""


def is_down(address: str) -> bool:
    """Whether `address` failed less than FACTCHECK_OUTAGE_PAUSE seconds ago here."""
    with _lock:
        until = _failed_until.get(address)
        if until is None:
            return False
        if time.monotonic() >= until:
            del _failed_until[address]
            return False
        return True


def failed(address: str) -> None:
    """Remember that `address` just failed."""
    with _lock:
        _failed_until[address] = time.monotonic() + settings.FACTCHECK_OUTAGE_PAUSE


def recovered(address: str) -> None:
    """Forget a failure of `address`: it answered again."""
    with _lock:
        _failed_until.pop(address, None)


def require_up(address: str, what: str) -> None:
    """Raise SkippedWhileDown if `address` failed moments ago."""
    if is_down(address):
        raise SkippedWhileDown(f"{what} failed moments ago; not asked again yet")


def cache_address(alias: str = "default") -> str:
    """The address of a configured cache, the key its failures are remembered by."""
    location = settings.CACHES[alias].get("LOCATION", "")
    return f"cache:{location if isinstance(location, str) else ','.join(location)}"
