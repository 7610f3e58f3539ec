"""Snapshots of cited sources, their fetch state, link health and archive links: every write."""

# The product writes these on its own (actor SYSTEM) from background jobs; editors only ask
# for a source to be fetched again. None of it changes the claim's working copy: fetch
# state and link health describe the page, not what the newsroom says about it.

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from annotations import jobs, permissions, versions
from annotations.evidence.snapshots import Capture, Extraction
from annotations.models import Claim, Job, PublishedVersion, Snapshot, Source
from annotations.rows import locked
from annotations.services.claims import fetched_times, public_versions_touch


def _lock(source: Source) -> Source:
    return locked(Source.objects, "source", pk=source.pk)


class FetchRequest(NamedTuple):
    """What asking for a fetch did: `queued` is False when one was already on its way."""

    source: Source
    queued: bool


@transaction.atomic
def source_fetch_request(*, source: Source, actor, again: bool = False) -> FetchRequest:
    """Queue a snapshot of the source (on commit); `again` for an editor's "fetch again".

    Idempotent while a snapshot of the source is queued or running (a retry waiting for its
    backoff included): nothing new is queued and the answer says so.
    """
    if not permissions.is_system(actor):
        permissions.require_edit(actor, source.claim.article.organization)
    # The source's row lock orders two requests at once: the second sees the first's job.
    source = _lock(source)
    if Job.objects.about("snapshot", source.pk).in_flight().exists():
        return FetchRequest(source=source, queued=False)
    source.fetch_state = Source.FetchState.PENDING
    source.fetch_error = ""
    source.save(update_fields=["fetch_state", "fetch_error"])
    arguments = {"again": True} if again else {}
    jobs.enqueue(kind="snapshot", subject_id=source.pk, arguments=arguments)
    return FetchRequest(source=source, queued=True)


@transaction.atomic
def snapshot_start(*, source: Source, actor) -> Source:
    """Mark the source as being fetched."""
    permissions.require_system(actor)
    source = _lock(source)
    source.fetch_state = Source.FetchState.FETCHING
    source.save(update_fields=["fetch_state"])
    return source


def snapshot_taken_since(source: Source, since: datetime) -> Snapshot | None:
    """The snapshot of `source` taken at or after `since` (by an earlier attempt), if any."""
    return source.snapshots.filter(fetched_at__gte=since).order_by("-fetched_at").first()


@transaction.atomic
def snapshot_record(*, source: Source, actor, capture: Capture) -> Snapshot | None:
    """Store a captured response as the source's newest snapshot, and queue its extraction.

    None, and nothing stored, when the source was pointed at another address while the
    page was fetched: that page is no longer what it cites (its own fetch is queued).
    """
    permissions.require_system(actor)
    source = _lock(source)
    if source.url != capture.requested_url:
        return None
    snapshot = Snapshot(
        source=source,
        fetched_at=capture.fetched_at,
        requested_url=capture.requested_url,
        final_url=capture.final_url,
        http_status=capture.status,
        content_type=capture.content_type,
        headers=capture.headers,
        sha256=capture.sha256,
        size=capture.size,
    )
    name = f"{source.pk}-{capture.fetched_at:%Y%m%dT%H%M%S}-{capture.sha256[:12]}.warc.gz"
    snapshot.warc.save(name, ContentFile(capture.warc), save=False)
    snapshot.full_clean()
    snapshot.save()
    source.fetch_state = Source.FetchState.FETCHED
    source.fetch_error = ""
    source.http_status = capture.status
    source.final_url = capture.final_url
    source.content_type = capture.content_type
    source.content_sha256 = capture.sha256
    source.fetched_at = capture.fetched_at
    source.full_clean()
    source.save()
    jobs.enqueue(kind="snapshot_extract", subject_id=snapshot.pk)
    return snapshot


@transaction.atomic
def snapshot_extracted(*, snapshot: Snapshot, actor, extraction: Extraction) -> Snapshot:
    """Store what was read from the snapshot; fill the source's blank title and publisher.

    The source's date is only ever the date the page states (none if it states none).
    """
    permissions.require_system(actor)
    snapshot = locked(Snapshot.objects, "snapshot", pk=snapshot.pk)
    source = _lock(snapshot.source)
    snapshot.text = extraction.text
    snapshot.title = extraction.title[:500]
    snapshot.publisher = extraction.publisher[:200]
    snapshot.published_on = extraction.published_on
    snapshot.full_clean()
    snapshot.save()
    # An extraction finishing after the source was pointed elsewhere is kept with its
    # snapshot, but the source's text is the new page's, not the old one's.
    if source.snapshots_of_cited_page().first() == snapshot:
        source.extracted_text = extraction.text
        source.published_on = extraction.published_on
        source.fetch_error = extraction.error[:500]
        if not source.title and extraction.title:
            source.title = extraction.title[:500]
        if not source.publisher and extraction.publisher:
            source.publisher = extraction.publisher[:200]
        source.full_clean()
        source.save()
    return snapshot


@transaction.atomic
def snapshot_fail(
    *,
    source: Source,
    actor,
    reason: str,
    refused: bool = False,
    for_url: str | None = None,
    status: int | None = None,
) -> Source:
    """Record why the source could not be fetched (refused: nothing was sent to it), and the
    HTTP status it answered with, if it answered (404, 410: programs read it, not `reason`).

    A failure to fetch `for_url` is not recorded once the source cites another address.
    """
    permissions.require_system(actor)
    source = Source.objects.select_for_update(no_key=True).filter(pk=source.pk).first()
    if source is None or (for_url is not None and source.url != for_url):
        return source
    if source.fetch_state == Source.FetchState.REFUSED and not refused:
        return source  # the refusal is the reason that matters
    source.fetch_state = Source.FetchState.REFUSED if refused else Source.FetchState.FAILED
    source.fetch_error = reason[:500]
    fields = ["fetch_state", "fetch_error"]
    if status is not None:
        source.http_status = status
        fields.append("http_status")
    source.save(update_fields=fields)
    return source


@transaction.atomic
def snapshot_retrying(*, source: Source, actor, reason: str, for_url: str | None = None) -> Source:
    """Record that a fetch failed for now and will be tried again (of `for_url`, if still cited)."""
    permissions.require_system(actor)
    source = _lock(source)
    if for_url is not None and source.url != for_url:
        return source
    source.fetch_state = Source.FetchState.PENDING
    source.fetch_error = f"will try again: {reason}"[:500]
    source.save(update_fields=["fetch_state", "fetch_error"])
    return source


@transaction.atomic
def source_archive_url_set(*, source: Source, actor, archive_url: str, for_url: str) -> Source:
    """Record the Internet Archive's capture of `for_url`, if the source still cites it."""
    permissions.require_system(actor)
    # The claim first, as every writer of its sources locks it: a publication on its way
    # holds it, and its new version, written meanwhile, gets the capture too once it is
    # done (with the source alone locked, that version was passed over and kept none).
    Claim.objects.select_for_update(no_key=True).filter(pk=source.claim_id).first()
    source = _lock(source)
    # Readers see the copy beside a published source whose frozen address it is (often a
    # capture finishing after a quick publish), even when the working copy cites another
    # page by now.
    _freeze_archive(source, archive_url=archive_url, for_url=for_url)
    if source.url != for_url:
        return source  # a capture of the page it cited before
    if source.archive_url == archive_url:
        return source
    source.archive_url = archive_url
    source.full_clean()
    source.save(update_fields=["archive_url"])
    return source


def _freeze_archive(source: Source, *, archive_url: str, for_url: str) -> None:
    """Keep the capture in each version of the claim that cites `for_url` for `source`;
    caches and `updated_since` see the change of the current ones."""
    key = str(source.pk)
    fetched_at = fetched_times([source], {source.pk: for_url}).get(source.pk)
    copy = versions.frozen_archive(archive_url, fetched_at, timezone.now())
    changed = False
    for version in PublishedVersion.objects.select_for_update(no_key=True).filter(
        claim_id=source.claim_id
    ):
        cites = any(
            entry.get("id") == source.pk and entry.get("url") == for_url
            for entry in version.sources
        )
        if not cites or (version.archives or {}).get(key, {}).get("url") == archive_url:
            continue
        version.archives = {**(version.archives or {}), key: copy}
        version.save(update_fields=["archives"])
        changed = changed or version.is_current
    if changed:
        public_versions_touch(claim_id=source.claim_id)


@transaction.atomic
def source_link_record(
    *,
    source: Source,
    actor,
    state: str,
    note: str = "",
    failures: int = 0,
    for_url: str | None = None,
) -> Source:
    """Record one link check: the state, its reason in words and failures in a row.

    A check of `for_url` is not recorded once the source cites another address: an old
    link's "gone" would stand on the corrected one until its next check, a week later.
    """
    permissions.require_system(actor)
    source = Source.objects.select_for_update(no_key=True).filter(pk=source.pk).first()
    if source is None or (for_url is not None and source.url != for_url):
        return source
    source.link_state = state
    source.link_note = note[:500]
    source.link_failures = min(failures, 32767)
    source.link_checked_at = timezone.now()
    source.full_clean()
    source.save(update_fields=["link_state", "link_note", "link_failures", "link_checked_at"])
    return source
