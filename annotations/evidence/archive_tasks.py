"""Celery tasks that fetch, extract and archive cited sources, and re-check their links."""

# Three kinds of job (annotations.jobs) and one beat task:
# - "snapshot" (queue io): fetch the source through the safe fetcher, one of a few
#   connections per host, and store the response as a WARC record; ask the Internet Archive
#   when that is on. Queues "snapshot_extract".
# - "snapshot_extract" (default queue, CPU): read the WARC back, extract the title,
#   publisher, date and main text, then rank the source's passages for its claim.
# - "link_check" (queue io): fetch a published claim's source again and judge its health.
# - `check_links` (beat, hourly): queue a "link_check" for each source due for one.

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from annotations import fetching, jobs, permissions
from annotations.evidence import link_health, snapshots, wayback
from annotations.models import Job, Snapshot, Source
from annotations.services import snapshots as snapshot_services

logger = logging.getLogger(__name__)
SYSTEM = permissions.SYSTEM
# The soft limit ends an attempt with a reason; the hard one (and the sweeper's lease after
# it) takes back the job of a worker that died.
_HARD_LIMIT = settings.FACTCHECK_SNAPSHOT_TIME_LIMIT + max(
    5, settings.FACTCHECK_SNAPSHOT_TIME_LIMIT // 4
)


def _snapshot_failed(job: Job, reason: str) -> None:
    source = Source.objects.filter(pk=job.subject_id).first()
    if source is not None:
        snapshot_services.snapshot_fail(source=source, actor=SYSTEM, reason=reason)


@jobs.job_task(
    "snapshot",
    soft_time_limit=settings.FACTCHECK_SNAPSHOT_TIME_LIMIT,
    time_limit=_HARD_LIMIT,
    on_failure=_snapshot_failed,
    jitter=settings.FACTCHECK_IO_RETRY_JITTER,
)
def snapshot_source(job: Job) -> None:
    """Fetch a cited source and keep the response as a WARC snapshot."""
    source = Source.objects.filter(pk=job.subject_id).first()
    if source is None:
        return  # the source was removed meanwhile
    if snapshot_services.snapshot_taken_since(source, job.created_at) is not None:
        return  # an earlier attempt stored it before its worker stopped
    url = source.url  # an editor may point the source elsewhere while this page is fetched
    with jobs.host_slot(url):
        snapshot_services.snapshot_start(source=source, actor=SYSTEM)
        try:
            capture = snapshots.capture(url)
        except fetching.FetchRefused as error:
            snapshot_services.snapshot_fail(
                source=source, actor=SYSTEM, reason=str(error), refused=True, for_url=url
            )
            raise jobs.PermanentError(str(error)) from error
        except fetching.FetchError as error:
            if error.transient:
                snapshot_services.snapshot_retrying(
                    source=source, actor=SYSTEM, reason=str(error), for_url=url
                )
                raise jobs.TransientError(
                    str(error), retry_after=getattr(error, "retry_after", None)
                ) from error
            snapshot_services.snapshot_fail(
                source=source, actor=SYSTEM, reason=str(error), for_url=url,
                status=getattr(error, "status", None),
            )  # fmt: skip
            raise jobs.PermanentError(str(error)) from error
    snapshot = snapshot_services.snapshot_record(source=source, actor=SYSTEM, capture=capture)
    if snapshot is not None:
        _ask_the_archive(source, snapshot)


def _ask_the_archive(source: Source, snapshot: Snapshot) -> None:
    """Record the Internet Archive's capture, if it is on; its failures cost nothing else."""
    try:
        link = wayback.archive_source_url(snapshot.final_url, when=snapshot.fetched_at)
    except (wayback.WaybackError, fetching.FetchError) as error:
        logger.info("No archive link for source %s: %s", source.pk, error)
        return
    if link:
        snapshot_services.source_archive_url_set(
            source=source, actor=SYSTEM, archive_url=link, for_url=snapshot.requested_url
        )


@jobs.job_task(
    "snapshot_extract",
    soft_time_limit=settings.FACTCHECK_SNAPSHOT_TIME_LIMIT,
    time_limit=_HARD_LIMIT,
)
def extract_snapshot(job: Job) -> None:
    """Read a snapshot's WARC record back and store its text, title, publisher and date."""
    snapshot = Snapshot.objects.select_related("source").filter(pk=job.subject_id).first()
    if snapshot is None:
        return
    with snapshot.warc.open("rb") as stored:
        response = snapshots.read_warc(stored.read())
    extraction = snapshots.extract(
        response.body,
        content_type=snapshot.content_type,
        charset=_charset(response.headers),
        url=snapshot.final_url,
        fetched_on=snapshot.fetched_at.date(),
        # Within the soft limit, so the editor reads why rather than that time ran out.
        max_pdf_seconds=settings.FACTCHECK_SNAPSHOT_TIME_LIMIT * 3 / 4,
    )
    snapshot_services.snapshot_extracted(snapshot=snapshot, actor=SYSTEM, extraction=extraction)
    if extraction.text:
        _rank_passages(snapshot.source_id)


def _charset(headers: dict[str, str]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type" and "charset=" in value.lower():
            return value.lower().split("charset=", 1)[1].split(";")[0].strip().strip("\"'")
    return ""


def _rank_passages(source_id: int) -> None:
    from annotations.evidence import search

    search.source_fetched(source_id)


@jobs.job_task(
    "link_check",
    soft_time_limit=settings.FACTCHECK_SNAPSHOT_TIME_LIMIT,
    time_limit=_HARD_LIMIT,
    jitter=settings.FACTCHECK_IO_RETRY_JITTER,
)
def check_source_link(job: Job) -> None:
    """Check once whether a published claim's source is still online and unchanged."""
    source = Source.objects.filter(pk=job.subject_id).first()
    if source is None:
        return
    url = source.url
    latest = source.snapshots_of_cited_page().first()
    with jobs.host_slot(url):
        verdict = link_health.check(
            url,
            previous_state=source.link_state,
            previous_failures=source.link_failures,
            snapshot_text=latest.text if latest else source.extracted_text,
        )
    snapshot_services.source_link_record(
        source=source,
        actor=SYSTEM,
        state=verdict.state,
        note=verdict.note,
        failures=verdict.failures,
        for_url=url,
    )


def sources_due_for_link_check():
    """Sources of published claims not checked within FACTCHECK_LINK_CHECK_INTERVAL."""
    due = timezone.now() - timedelta(seconds=settings.FACTCHECK_LINK_CHECK_INTERVAL)
    pending = Job.objects.about("link_check", OuterRef("pk")).in_flight()
    return (
        Source.objects.filter(claim__published_at__isnull=False)
        .filter(Q(link_checked_at__isnull=True) | Q(link_checked_at__lt=due))
        .exclude(Exists(pending))
        .order_by("link_checked_at", "id")
    )


@shared_task(name="annotations.evidence.archive_tasks.check_links", ignore_result=True)
def check_links() -> int:
    """Queue a link check for every source that is due (run by Celery beat); return how many."""
    from django.db import transaction

    ids = list(
        sources_due_for_link_check().values_list("pk", flat=True)[
            : settings.FACTCHECK_LINK_CHECK_BATCH
        ]
    )
    with transaction.atomic():
        for source_id in ids:
            jobs.enqueue(kind="link_check", subject_id=source_id, max_attempts=2)
    return len(ids)
