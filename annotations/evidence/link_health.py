"""Whether a cited page is still there and still says what it said when it was archived."""

# A page counts as gone when it answers 404 or 410, or when its host has not resolved for
# FACTCHECK_LINK_GONE_AFTER checks in a row (one failed lookup is often a passing outage).
# It counts as changed when its main text, extracted as for the snapshot, is less similar
# to the snapshot's text than FACTCHECK_LINK_CHANGED_BELOW (0-100, rapidfuzz's ratio).
# Other failures (a timeout, a 5xx) say nothing about the page: the state stays, the note
# says what happened.

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from rapidfuzz import fuzz

from annotations import fetching
from annotations.evidence import snapshots
from annotations.models import Source

_GONE_STATUSES = {404, 410}
# Texts are compared on their first characters: enough to see a rewrite, bounded in time.
_COMPARED_CHARS = 50_000


@dataclass(frozen=True)
class LinkVerdict:
    """The outcome of one check: the new state, why, and DNS failures in a row."""

    state: str
    note: str
    failures: int


def similarity(before: str, after: str) -> float:
    """How alike two main texts are, 0 to 100 (whitespace differences ignored)."""
    first = " ".join(before[:_COMPARED_CHARS].split())
    second = " ".join(after[:_COMPARED_CHARS].split())
    if not first and not second:
        return 100.0
    return fuzz.ratio(first, second)


def _dns_failure(error: fetching.FetchError) -> bool:
    if isinstance(error, fetching.FetchHostNotFound):
        return True
    return isinstance(error, fetching.FetchConnectionError) and str(error).startswith(
        "could not resolve"
    )


def check(
    url: str,
    *,
    previous_state: str,
    previous_failures: int,
    snapshot_text: str,
    policy: fetching.FetchPolicy | None = None,
) -> LinkVerdict:
    """Fetch `url` once and judge it against the text of its snapshot."""
    policy = policy or fetching.policy_from_settings()
    kept = previous_state
    try:
        result = fetching.fetch(url, policy=policy)
    except fetching.FetchHTTPError as error:
        if error.status in _GONE_STATUSES:
            return LinkVerdict(Source.LinkState.GONE, f"gone: {error}", 0)
        return LinkVerdict(kept, f"not checked: {error}", 0)
    except fetching.FetchError as error:
        if _dns_failure(error):
            failures = previous_failures + 1
            needed = settings.FACTCHECK_LINK_GONE_AFTER
            if failures >= needed:
                return LinkVerdict(
                    Source.LinkState.GONE, f"gone: {error} ({failures} checks in a row)", failures
                )
            return LinkVerdict(kept, f"{error} ({failures} of {needed} checks)", failures)
        return LinkVerdict(kept, f"not checked: {error}", 0)
    if not snapshot_text:
        return LinkVerdict(Source.LinkState.OK, "online", 0)
    extraction = snapshots.extract(
        result.body,
        content_type=result.content_type,
        charset=result.charset,
        url=result.final_url,
        fetched_on=timezone.localdate(),
        # The check runs on the I/O worker's threads, which have no time limit.
        max_pdf_seconds=settings.FACTCHECK_LINK_CHECK_READ_SECONDS,
    )
    if extraction.unreadable:
        # Unread, the page says nothing of its words: not "0% like the snapshot". A page
        # read and found empty (a takedown, a login wall) is compared, and has changed.
        state = kept if kept == Source.LinkState.CHANGED else Source.LinkState.OK
        return LinkVerdict(state, f"online; not compared with the snapshot: {extraction.error}", 0)
    score = similarity(snapshot_text, extraction.text)
    if score < settings.FACTCHECK_LINK_CHANGED_BELOW:
        note = f"changed: the main text is {score:.0f}% like the snapshot's"
        return LinkVerdict(Source.LinkState.CHANGED, note, 0)
    return LinkVerdict(Source.LinkState.OK, f"online ({score:.0f}% like the snapshot)", 0)
