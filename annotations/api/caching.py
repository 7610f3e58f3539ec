"""HTTP caching of the public reads: validators from one aggregate, 304s, Cache-Control."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, replace

from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from annotations import freshness, queries
from annotations.api import throttling

# Seconds a shared cache or browser may reuse a public answer without asking again.
MAX_AGE = 60
# Bumped when the JSON of the public reads changes shape, so no cache keeps the old one.
SHAPE = "public-v1.2"


@dataclass(frozen=True)
class Validators:
    """The `ETag` and `Last-Modified` of one public answer."""

    etag: str
    last_modified: dt.datetime | None = None
    # Read before the answer is built (one aggregate): a 304 from them costs nothing.
    cheap: bool = True
    # Last-Modified in whole seconds, decided when the validators are read, before the
    # answer is (`freshness.http_seconds`): one built across a second's end must not carry
    # the date of the second its data was read in (review R21).
    seconds: int | None = None

    @classmethod
    def of(cls, request, *facts, last_modified: dt.datetime | None = None) -> Validators:
        """Validators for this URL (its query string and host) given the facts it shows."""
        digest = hashlib.blake2b(digest_size=16)
        for part in (SHAPE, request.get_host(), request.get_full_path(), *facts):
            digest.update(str(part).encode())
            digest.update(b"\0")
        return cls(
            etag=f'"{digest.hexdigest()}"',
            last_modified=last_modified,
            seconds=freshness.http_seconds(last_modified),
        )

    @classmethod
    def of_feed(cls, request, *, now: dt.datetime | None = None) -> Validators:
        """Validators of a public list: this URL, and the latest change to any version.

        One indexed aggregate, whatever the filters: counting or scanning the filtered
        rows would cost as much as the page itself at 100,000 claims. Every change readers
        see moves it (publishing, correcting, retracting, losing its words, the article's
        details), including a row leaving the filtered set: the superseded or hidden
        version's own `changed_at` moves. Any change anywhere renews every list's
        validators, which errs on the side of a fresh answer; a change that commits late
        is covered by `freshness.turnover`.
        """
        newest = queries.public_feed_changed_at()
        minute, modified = freshness.turnover(newest, now=now)
        return cls.of(request, newest, minute, last_modified=modified)

    @classmethod
    def of_content(cls, request, data) -> Validators:
        """Validators hashing the answer itself, for small answers without a change time."""
        # The answer is built to be hashed: its 304 costs as much as the answer itself.
        return replace(cls.of(request, json.dumps(data, sort_keys=True, default=str)), cheap=False)


def not_modified(request, validators: Validators):
    """The 304 (or 412) answer to a conditional request that matches, else None."""
    response = freshness.conditional_response(
        request,
        etag=validators.etag,
        last_modified=validators.seconds,
    )
    if response is None:
        return None
    if validators.cheap:
        throttling.free_of_charge(response)
    return public(response, validators)


def public(response, validators: Validators):
    """Mark an answer that is the same for everyone as cacheable, with its validators."""
    response["ETag"] = validators.etag
    if validators.seconds is not None:
        response["Last-Modified"] = http_date(validators.seconds)
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    # The answer depends on Accept (JSON, or a 406): a shared cache must not hand a stored
    # 406 to a client that accepts JSON, nor the reverse.
    patch_vary_headers(response, ["Accept"])
    return response
