"""Limits on repeated attempts: failed sign-ins (django-axes) and form throttles (ratelimit)."""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta

from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

from annotations import outages

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The address a request came from.

    Behind `FACTCHECK_TRUSTED_PROXIES` reverse proxies, each of which appends the address it
    saw to X-Forwarded-For, that is the entry this many places from the right; entries
    further left were written by the client and prove nothing.
    """
    proxies = settings.FACTCHECK_TRUSTED_PROXIES
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [address.strip() for address in forwarded if address.strip()]
        if len(forwarded) >= proxies and _is_ip(forwarded[-proxies]):
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def signin_failure_limit(request, credentials) -> int:
    """The failure limit django-axes compares its count with, for this sign-in attempt.

    Axes counts failures per account from this address and per address (lockout parameters
    in settings), and compares the larger count, the per-address one since it includes the
    other, with one limit. This returns the limit that makes that comparison mean "either
    count has reached its own limit": FACTCHECK_SIGNIN_FAILURES_PER_ACCOUNT or _PER_IP.
    """
    per_ip_limit = settings.FACTCHECK_SIGNIN_FAILURES_PER_IP
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(
        ip_address=client_ip(request), attempt_time__gte=timezone.now() - cool_off
    )
    per_ip = _failures(recent)
    per_account = _failures(recent.filter(username=get_client_username(request, credentials)))
    if per_account >= settings.FACTCHECK_SIGNIN_FAILURES_PER_ACCOUNT:
        return max(1, min(per_ip, per_ip_limit))
    return per_ip_limit


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def locked_out(request, original_response, credentials):
    """The sign-in page again, saying that signing in is paused and for how long (429)."""
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "minutes": minutes,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def ip_key(group, request) -> str:
    """django-ratelimit key: the client's address, as the sign-in limits see it."""
    return client_ip(request)


def email_key(group, request) -> str:
    """django-ratelimit key: the email address a form asks about, in one case."""
    return request.POST.get("email", "").strip().lower()


def user_key(group, request) -> str:
    """django-ratelimit key: the signed-in account."""
    return str(request.user.pk)


def over_limit(request, group: str, key) -> bool:
    """Count this request against `group`'s rate in FACTCHECK_RATE_LIMITS; True when over it.

    The counts live in the shared cache (Redis). If Redis is down the request goes through:
    these throttles slow abuse down, and must not turn a cache outage into failed requests.
    """
    rate = settings.FACTCHECK_RATE_LIMITS[group]
    address = outages.cache_address()
    if outages.is_down(address):
        return False
    try:
        return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
    except RedisError:
        outages.failed(address)
        logger.warning("Rate limit %s not checked: the cache is unavailable.", group)
        return False


_PERIODS = {"s": ("second", 1), "m": ("minute", 60), "h": ("hour", 3600), "d": ("day", 86400)}


def limit_reached(group: str, things: str) -> tuple[str, int]:
    """What to tell someone over `group`'s rate ("At most 30 invitations can be sent in an
    hour..."), and the seconds after which a try is sure to count afresh (for Retry-After)."""
    count, _, unit = settings.FACTCHECK_RATE_LIMITS[group].partition("/")
    word, seconds = _PERIODS.get(unit[-1:].lower(), ("hour", 3600))
    article = "an" if word == "hour" else "a"
    said = (
        f"At most {count} {things} can be sent in {article} {word}: this one was not sent. "
        f"Try again later this {word}."
    )
    return said, seconds


def too_many_requests(request):
    """The page answered instead of a throttled form: status 429, in words."""
    return render(request, "throttled.html", status=429)


def throttle_posts(view, *rules):
    """Wrap `view` so that its POSTs count against each (group, key) rule; 429 when over."""

    def throttled(request, *args, **kwargs):
        if request.method == "POST":
            # Every rule counts the request, so a limit on one key cannot be dodged by
            # staying under the other.
            over = [over_limit(request, group, key) for group, key in rules]
            if any(over):
                return too_many_requests(request)
        return view(request, *args, **kwargs)

    throttled.__name__ = getattr(view, "__name__", "throttled")
    throttled.__doc__ = view.__doc__
    return throttled
