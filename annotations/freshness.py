"""Validators of public pages and lists built from change times that may commit late."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

# Seconds a turnover lasts: as long as caches may reuse a public answer (MAX_AGE).
TURNOVER_SECONDS = 60


def turnover(newest: dt.datetime | None, *, now: dt.datetime | None = None):
    """(an extra ETag fact, the Last-Modified) for an answer whose newest change is `newest`.

    A change is stamped when written, not when its transaction commits, so one stamped
    before `newest` may still commit after it without moving it: an ETag and a
    Last-Modified made from `newest` alone would then call a stale copy current. So for
    FACTCHECK_FEED_LATE_COMMIT_SECONDS (the longest a transaction may last: a task's hard
    limit) after `newest`, the ETag takes the current minute too and Last-Modified is that
    minute's start; after it, Last-Modified stays at the window's end, so it never goes
    back in time, and a quiet page answers 304 for good.
    """
    if newest is None:
        return None, None
    now = now or timezone.now()
    window = dt.timedelta(seconds=settings.FACTCHECK_FEED_LATE_COMMIT_SECONDS)
    if now - newest >= window:
        return None, newest + window
    minute = int(now.timestamp()) // TURNOVER_SECONDS
    started = dt.datetime.fromtimestamp(minute * TURNOVER_SECONDS, tz=dt.UTC)
    return minute, max(newest, started)


def http_seconds(modified: dt.datetime | None, *, now: dt.datetime | None = None) -> int | None:
    """The whole second to send as Last-Modified (and to read If-Modified-Since against)
    for an answer last changed at `modified`; None while that second is not over.

    HTTP dates count whole seconds: a copy served in the second of its last change would
    carry the same date as a change later in that second, and be answered 304 for good
    (trial D2: a claim retracted in the second it was read). Served after its second, a
    copy's date is earlier than any change made since.
    """
    if modified is None:
        return None
    seconds = int(modified.timestamp())
    now = now or timezone.now()
    return seconds if seconds < int(now.timestamp()) else None


def conditional_response(request, *, etag: str | None, last_modified: int | None):
    """Django's 304 or 412 answer to a conditional GET whose copy is current, else None;
    an If-Modified-Since later than now is ignored.

    RFC 9110 (13.1.3) holds such a date invalid: a client's clock set ahead would else be
    answered 304 for a copy it never had a current version of.
    """
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    if since is not None and since > timezone.now().timestamp():
        request.META.pop("HTTP_IF_MODIFIED_SINCE")
    if last_modified is None:
        # With no date to compare (none yet, or none sent in the second of a change), the
        # header is ignored (RFC 9110, 13.1.4); Django's answer would be 412 (review R21).
        request.META.pop("HTTP_IF_UNMODIFIED_SINCE", None)
    return get_conditional_response(request, etag=etag, last_modified=last_modified)
