"""API throttles: requests per token, per signed-in session and per anonymous address."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

from annotations import outages
from annotations.models import ApiToken
from annotations.throttling import client_ip

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """`"120/min"` -> (120, 60): how many requests per how many seconds."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[:1]]


def _increment(cache_key: str, *, timeout: int) -> int:
    """Add one to the count at `cache_key`, made with `timeout` if new; return the count.

    On Django's Redis cache this is one round trip (SET NX EX and INCR in one pipeline,
    through the backend's client) where the portable `add` + `incr` take three: it runs on
    every API request.
    """
    store = caches["default"]
    if not isinstance(store, RedisCache):
        store.add(cache_key, 0, timeout=timeout)
        return store.incr(cache_key)
    key = store.make_and_validate_key(cache_key)
    pipeline = store._cache.get_client(key, write=True).pipeline()
    pipeline.set(key, 0, nx=True, ex=timeout)
    pipeline.incr(key)
    return pipeline.execute()[1]


@dataclass
class RateLimitCount:
    """Where a request was counted and how the client's window stands after it."""

    policy: str
    cache_key: str
    limit: int
    period: int
    count: int
    reset: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


# A window's 304s are free up to this many times its limit: each still runs its view, and
# unbounded they would let anyone holding a validator ask without end (review R19).
FREE_NOT_MODIFIED_FACTOR = 4


def free_of_charge(response):
    """Mark a 304 whose validators cost one small query, decided before the answer is built:
    it is not counted against the caller's limit. Return the response."""
    if response is not None and response.status_code == 304:
        response.rate_limit_free = True
    return response


def _give_back(count: RateLimitCount) -> None:
    """Take a request off its window's count while the window's free 304s last; an
    unanswered cache is left as it is."""
    free_key = f"{count.cache_key}:free"
    try:
        if _increment(free_key, timeout=count.period + 5) > FREE_NOT_MODIFIED_FACTOR * count.limit:
            return
        caches["default"].decr(count.cache_key)
        count.count -= 1
    except (ValueError, RedisError, OSError):
        pass  # the window expired meanwhile, or the cache is down: nothing to give back


class RateLimitHeadersMiddleware:
    """Tell API clients their limit as the IETF RateLimit fields do, and count no 304.

    `RateLimit-Policy: "anon";q=120;w=60` is the policy (requests per window of seconds)
    and `RateLimit: "anon";r=37;t=21` what remains of it and in how many seconds it
    starts again (draft-ietf-httpapi-ratelimit-headers). A conditional request answered
    304 from validators read before the answer is built (`free_of_charge`) costs the
    client nothing, up to FREE_NOT_MODIFIED_FACTOR times the limit a window, so that
    polling with validators, which spares both sides, is not throttled as full reads are.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        count = getattr(request, "rate_limit", None)
        if count is None:
            return response
        if getattr(response, "rate_limit_free", False) and count.count <= count.limit:
            _give_back(count)
        response["RateLimit-Policy"] = f'"{count.policy}";q={count.limit};w={count.period}'
        response["RateLimit"] = f'"{count.policy}";r={count.remaining};t={count.reset}'
        return response


class _CountingThrottle(BaseThrottle):
    """Count requests per key in fixed windows of the rate's period, in the shared cache.

    Every web process counts in the same Redis with atomic increments, so a limit holds
    across processes and concurrent requests. (DRF's own throttles keep a list of times,
    read and written back, which loses counts when two processes write at once.) A fixed
    window may let a client send up to twice its rate across a window's edge, which is
    fine for a limit meant to stop floods. If the cache is down the request goes through:
    a throttle must not turn a cache outage into failed requests.
    """

    scope = ""

    def key(self, request) -> str | None:
        """What to count this request against, or None when this throttle does not apply."""
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        key = self.key(request)
        rate = settings.FACTCHECK_API_RATES.get(self.scope)
        if key is None or not rate:
            return True
        limit, period = parse_rate(rate)
        now = time.time()
        window = int(now // period)
        cache_key = f"api-throttle:{self.scope}:{key}:{period}:{window}"
        address = outages.cache_address()
        try:
            outages.require_up(address, "the cache")
            count = _increment(cache_key, timeout=period + 5)
        except ValueError:
            # The window's count expired between two calls: a new window begins.
            return True
        except outages.SkippedWhileDown:
            return True
        except (RedisError, OSError):
            outages.failed(address)
            logger.warning("API throttle %s not checked: the cache is unavailable.", self.scope)
            return True
        reset = max(1, math.ceil((window + 1) * period - now))
        # Told in the response's RateLimit fields, and given back if it is a 304.
        request._request.rate_limit = RateLimitCount(
            policy=self.scope, cache_key=cache_key, limit=limit, period=period, count=count,
            reset=reset,
        )  # fmt: skip
        if count <= limit:
            return True
        self.retry_after = reset
        return False

    def wait(self) -> float:
        return self.retry_after


class TokenRateThrottle(_CountingThrottle):
    """Each API token: FACTCHECK_API_RATES["token"], whoever's token and wherever from."""

    scope = "token"

    def key(self, request):
        return str(request.auth.pk) if isinstance(request.auth, ApiToken) else None


class UserRateThrottle(_CountingThrottle):
    """Each signed-in browser session's user: FACTCHECK_API_RATES["user"]."""

    scope = "user"

    def key(self, request):
        if isinstance(request.auth, ApiToken) or not request.user.is_authenticated:
            return None
        return str(request.user.pk)


class AnonRateThrottle(_CountingThrottle):
    """Each anonymous client address (behind trusted proxies, the one they saw)."""

    scope = "anon"

    def key(self, request):
        return None if request.user.is_authenticated else client_ip(request)
