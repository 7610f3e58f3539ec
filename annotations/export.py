"""Bulk export of an organization: claims as JSON Lines or CSV, source snapshots as one WARC.

Every export is a generator of byte chunks, read from the database a batch at a time
(keyset pages on the primary key), so a response of any size holds one batch in memory.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

from django.conf import settings
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from annotations import queries
from annotations.api.public_serializers import Links, claim_item
from annotations.models import (
    Claim,
    ClaimEvent,
    Organization,
    PublishedVersion,
    Snapshot,
    Source,
    w3c_selectors,
)
from annotations.timestamps import timestamp

PUBLISHED = "published"
EVERYTHING = "all"
CONTENTS = (PUBLISHED, EVERYTHING)
BATCH = 500
# Claims with their sources, history and versions are read fewer at a time.
WORKING_BATCH = 200
# How much of a snapshot's WARC file is read at once when it is copied as it is.
FILE_CHUNK = 64 * 1024
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _batches(queryset, size: int = BATCH) -> Iterator[list]:
    """The rows of `queryset` (ordered here by primary key) a batch at a time, by keyset:
    every batch is one short query, whatever the backend, and never a growing OFFSET."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not batch:
            return
        last = batch[-1].pk if hasattr(batch[-1], "pk") else batch[-1]["id"]
        yield batch


def _moment(value) -> str | None:
    return (
        timestamp(value) if isinstance(value, datetime) else (value.isoformat() if value else None)
    )


# Claims, as dicts


def published_records(organization: Organization) -> Iterator[dict]:
    """What readers were shown of each claim: the public API's claim item of its current
    version (published, retracted or suspended), oldest version first. Never a working copy."""
    links = Links.for_base(settings.PUBLIC_BASE_URL)
    rows = queries.public_claim_feed().filter(publisher=organization)
    for batch in _batches(rows):
        items = [claim_item(row, links) for row in queries.public_claim_context(batch)]
        batch.clear()  # before the next batch is read: one batch in memory at a time
        yield from items
        items.clear()


VERSION_FIELDS = (
    "claim_id", "number", "kind", "is_current", "is_anchored", "published_at",
    "published_by__username", "claim_reviewed", "claimant", "claim_date", "rating_label",
    "conclusion", "tags", "sources", "exact", "start", "end", "correction_note",
    "article_title", "article_url",
)  # fmt: skip
SOURCE_FIELDS = (
    "claim_id", "url", "title", "publisher", "quote", "stance", "fetch_state", "archive_url",
)  # fmt: skip
EVENT_FIELDS = ("claim_id", "created_at", "actor__username", "action", "changes", "version")


def _version(row: dict) -> dict:
    return {
        "number": row["number"],
        "kind": row["kind"],
        "is_current": row["is_current"],
        "is_anchored": row["is_anchored"],
        "published_at": _moment(row["published_at"]),
        "published_by": row["published_by__username"],
        "claim_reviewed": row["claim_reviewed"],
        "claimant": row["claimant"],
        "claim_date": _moment(row["claim_date"]),
        # As it was published, whatever the rating is called now.
        "rating": row["rating_label"],
        "conclusion": row["conclusion"],
        "tags": list(row["tags"]),
        "sources": list(row["sources"]),
        "exact": row["exact"],
        "start": row["start"],
        "end": row["end"],
        "correction_note": row["correction_note"],
        # The article as the version was published on it.
        "article": {"title": row["article_title"], "url": row["article_url"]},
    }


CLAIM_FIELDS = (
    "id", "status", "anchor_state", "orphan_reason", "version", "claim_reviewed", "claimant",
    "claim_date", "rating__label", "conclusion", "tags", "exact", "prefix", "suffix", "start",
    "end", "revision__number", "article_id", "article__title", "article__canonical_url",
    "creator__username", "reviewer__username", "assignee__username", "review_note",
    "correction_note", "created_at", "updated_at", "published_at",
)  # fmt: skip


def working_record(claim: dict, *, sources: list, history: list, versions: list) -> dict:
    """Everything the newsroom holds of one claim (a row of CLAIM_FIELDS): the working copy,
    its `sources`, its whole `history` and every published version (rows of SOURCE_FIELDS,
    EVENT_FIELDS and VERSION_FIELDS). For the organization's own members only."""
    return {
        "id": claim["id"],
        "status": claim["status"],
        "anchor_state": claim["anchor_state"],
        "orphan_reason": claim["orphan_reason"],
        "version": claim["version"],
        "claim_reviewed": claim["claim_reviewed"],
        "claimant": claim["claimant"],
        "claim_date": _moment(claim["claim_date"]),
        "rating": claim["rating__label"],
        "conclusion": claim["conclusion"],
        "tags": list(claim["tags"]),
        "selectors": w3c_selectors(
            SimpleNamespace(
                **{name: claim[name] for name in ("exact", "prefix", "suffix", "start", "end")}
            )
        ),
        "revision": claim["revision__number"],
        "article": {
            "id": claim["article_id"],
            "title": claim["article__title"],
            "url": claim["article__canonical_url"],
        },
        "creator": claim["creator__username"],
        "reviewer": claim["reviewer__username"],
        "assignee": claim["assignee__username"],
        "review_note": claim["review_note"],
        "correction_note": claim["correction_note"],
        "created_at": _moment(claim["created_at"]),
        "updated_at": _moment(claim["updated_at"]),
        "published_at": _moment(claim["published_at"]),
        "sources": [
            {name: row[name] for name in SOURCE_FIELDS if name != "claim_id"} for row in sources
        ],
        "history": [
            {
                "at": _moment(row["created_at"]),
                "actor": row["actor__username"],
                "action": row["action"],
                "changes": row["changes"],
                "version": row["version"],
            }
            for row in history
        ],
        "published_versions": [_version(row) for row in versions],
    }


def _by_claim(rows) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["claim_id"], []).append(row)
    return grouped


def working_records(organization: Organization) -> Iterator[dict]:
    """`working_record` of every claim of the organization, in claim order.

    Everything is read as plain rows (`values()`), not model instances: prefetched
    instances point back at their claim, and such reference cycles would stay in memory
    until a full garbage collection, growing with the export; rows are also built faster.
    """
    claims = Claim.objects.filter(article__organization=organization).values(*CLAIM_FIELDS)
    for batch in _batches(claims, size=WORKING_BATCH):
        ids = [claim["id"] for claim in batch]
        sources = _by_claim(
            Source.objects.filter(claim_id__in=ids)
            .order_by("created_at", "id")
            .values(*SOURCE_FIELDS)
        )
        history = _by_claim(
            ClaimEvent.objects.filter(claim_id__in=ids)
            .order_by("created_at", "id")
            .values(*EVENT_FIELDS)
        )
        versions = _by_claim(
            PublishedVersion.objects.filter(claim_id__in=ids)
            .order_by("number")
            .values(*VERSION_FIELDS)
        )
        items = [
            working_record(
                claim,
                sources=sources.get(claim["id"], []),
                history=history.get(claim["id"], []),
                versions=versions.get(claim["id"], []),
            )
            for claim in batch
        ]
        batch.clear()  # before the next batch is read: one batch in memory at a time
        yield from items
        items.clear()


def records(organization: Organization, content: str) -> Iterator[dict]:
    """The claims of an export: `published` (what readers saw) or `all` (the newsroom's)."""
    if content == EVERYTHING:
        return working_records(organization)
    return published_records(organization)


# JSON Lines and CSV


def jsonl(rows: Iterable[dict]) -> Iterator[bytes]:
    """One compact JSON object a line, UTF-8; a batch of lines per chunk."""
    lines = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        if len(lines) >= BATCH:
            yield ("\n".join(lines) + "\n").encode()
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode()


def safe_cell(value) -> str | int | float:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a `'`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


PUBLISHED_COLUMNS = (
    "id", "state", "version", "url", "claim_reviewed", "claimant", "claim_date", "rating",
    "rating_value", "conclusion", "tags", "sources", "article_title", "article_url",
    "first_published_at", "published_at", "updated_at", "correction_note", "retraction_note",
    "previous_rating",
)  # fmt: skip
WORKING_COLUMNS = (
    "id", "status", "anchor_state", "version", "claim_reviewed", "claimant", "claim_date",
    "rating", "conclusion", "tags", "sources", "exact", "start", "end", "article_id",
    "article_title", "creator", "reviewer", "assignee", "created_at", "updated_at",
    "published_at", "published_versions", "history_events", "last_change",
)  # fmt: skip


def _published_row(item: dict) -> list:
    rating = item.get("rating") or {}
    article = item.get("article") or {}
    return [
        item["id"], item["state"], item.get("version"), item["url"],
        item.get("claim_reviewed"), item.get("claimant"), item.get("claim_date"),
        rating.get("label"), rating.get("value"), item.get("conclusion"),
        "; ".join(item.get("tags", [])),
        " ".join(source["url"] for source in item.get("sources", [])),
        article.get("title"), article.get("url"), item.get("first_published_at"),
        item.get("published_at"), item.get("updated_at"), item.get("correction_note"),
        item.get("retraction_note"), item.get("previous_rating"),
    ]  # fmt: skip


def _working_row(record: dict) -> list:
    selectors = {selector["type"]: selector for selector in record["selectors"]}
    position = selectors["TextPositionSelector"]
    history = record["history"]
    last = history[-1] if history else None
    return [
        record["id"], record["status"], record["anchor_state"], record["version"],
        record["claim_reviewed"], record["claimant"], record["claim_date"], record["rating"],
        record["conclusion"], "; ".join(record["tags"]),
        " ".join(source["url"] for source in record["sources"]),
        selectors["TextQuoteSelector"]["exact"], position["start"], position["end"],
        record["article"]["id"], record["article"]["title"], record["creator"],
        record["reviewer"], record["assignee"], record["created_at"], record["updated_at"],
        record["published_at"], len(record["published_versions"]), len(history),
        f"{last['at']} {last['actor'] or 'system'}: {last['action']}" if last else "",
    ]  # fmt: skip


class _Line:
    """A file-like that hands back what csv.writer writes, so each row becomes a chunk."""

    def write(self, value: str) -> str:
        return value


def csv_rows(
    rows: Iterable[dict], content: str, *, byte_order_mark: bool = False
) -> Iterator[bytes]:
    """The claims as CSV (RFC 4180, UTF-8, a header row), safe to open in a spreadsheet.

    `byte_order_mark` starts the file with one, for Excel, which else reads it as ANSI.
    """
    columns, to_row = (
        (WORKING_COLUMNS, _working_row)
        if content == EVERYTHING
        else (PUBLISHED_COLUMNS, _published_row)
    )
    writer = csv.writer(_Line())
    lines = ["\ufeff" if byte_order_mark else "", writer.writerow(columns)]
    for row in rows:
        lines.append(writer.writerow([safe_cell(cell) for cell in to_row(row)]))
        if len(lines) >= BATCH:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


# WARC


def snapshots_of(organization: Organization):
    """The organization's source snapshots, oldest first, with a WARC file each."""
    return (
        Snapshot.objects.filter(source__claim__article__organization=organization)
        .exclude(warc="")
        .only("id", "warc", "final_url", "fetched_at")
    )


def _warcinfo(organization: Organization, filename: str) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    info = {
        "software": "factcheck-annotator",
        "format": "WARC File Format 1.1",
        "description": f"Source snapshots of {organization.name}",
        "isPartOf": f"{settings.PUBLIC_BASE_URL}/o/{organization.slug}/",
        "created": datetime.now(UTC).isoformat(),
    }
    record = writer.create_warcinfo_record(filename, info)
    writer.write_record(record)
    _close_buffer(record)
    return out.getvalue()


def _snapshot_chunks(snapshot: Snapshot) -> Iterator[bytes]:
    """The snapshot's WARC records, each a gzip member: copied as they are when the file is
    already record-compressed, else recompressed one record at a time."""
    with snapshot.warc.open("rb") as stream:
        if stream.read(2) == b"\x1f\x8b":
            stream.seek(0)
            while chunk := stream.read(FILE_CHUNK):
                yield chunk
            return
        stream.seek(0)
        for record in ArchiveIterator(stream, no_record_parse=False, verify_http=False):
            out = io.BytesIO()
            WARCWriter(out, gzip=True, warc_version="WARC/1.1").write_record(record)
            _close_buffer(record)
            yield out.getvalue()


def _close_buffer(record) -> None:
    # warcio copies a record without digests into a temporary file to compute them, and
    # leaves it open.
    if isinstance(record.raw_stream, tempfile.SpooledTemporaryFile):
        record.raw_stream.close()


def warc(organization: Organization, filename: str) -> Iterator[bytes]:
    """One .warc.gz of every snapshot: a warcinfo record, then each snapshot's records."""
    yield _warcinfo(organization, filename)
    for batch in _batches(snapshots_of(organization), size=100):
        for snapshot in batch:
            try:
                yield from _snapshot_chunks(snapshot)
            except FileNotFoundError:
                continue  # a file removed from storage: the rest of the archive still goes
