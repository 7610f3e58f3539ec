"""Source pages as the newsroom keeps them: fetched safely, kept as WARC, their text read."""

# A snapshot is taken in two steps so each runs on the right queue: `capture` (network,
# the "io" queue) fetches through the one safe fetcher and writes the response as a WARC
# record; `extract` (CPU, the default queue) reads that record back and finds the title,
# publisher, date and main text with trafilatura. Dates come only from the page's own
# metadata (or its URL), never from a guess: a source without a stated date has none.

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from annotations import fetching
from annotations.ingest.base import IngestError, IngestLimits, IngestTooLarge
from annotations.models import without_direction_overrides

# Headers that describe the transfer, not the document: the stored payload is the decoded
# body, so a reader of the WARC must not try to undo a chunking that is no longer there.
_TRANSFER_HEADERS = {"transfer-encoding", "content-length", "content-encoding"}
# How much of a page's markup is read for its text, once its scripts and styles are out.
# Reading grows faster than the page: 1 MB took 0.6 s, 4 MB 5.9 s, and a 20 MB page ran
# past the job's time limit at every attempt, holding a worker slot each time.
MARKUP_MAX_CHARS = 2_000_000
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b", re.I)


def _without_scripts_and_styles(markup: str) -> str:
    """`markup` without its script and style elements, in one pass over it.

    A regular expression for a whole element scanned to the end of the page from every one
    never closed: 320 KB of "<style>a" took 41 s. Here each opening tag looks for its own
    closing tag once; one never closed ends the markup there, as a browser would read it.
    """
    kept, at = [], 0
    while opening := _SCRIPT_OR_STYLE.search(markup, at):
        kept.append(markup[at : opening.start()])
        closing = _CLOSING[opening.group(1).lower()].search(markup, opening.end())
        if closing is None:
            return "".join(kept)
        at = closing.end()
    kept.append(markup[at:])
    return "".join(kept)


_CLOSING = {name: re.compile(rf"</{name}\b[^<>]*>", re.I) for name in ("script", "style")}


@dataclass
class Capture:
    """One fetched response and its WARC record (gzipped bytes)."""

    requested_url: str
    final_url: str
    status: int
    content_type: str
    charset: str
    headers: dict[str, str]
    sha256: str
    size: int
    fetched_at: datetime
    warc: bytes


@dataclass
class Extraction:
    """What could be read from a snapshot; `error` says why nothing could, in words."""

    text: str = ""
    title: str = ""
    publisher: str = ""
    published_on: date | None = None
    error: str = ""
    # The page could not be read through (a parser's failure, a limit reached): its words
    # are unknown, as opposed to a page read and found to have none.
    unreadable: bool = False


def capture(url: str, *, policy: fetching.FetchPolicy | None = None) -> Capture:
    """Fetch `url` through the safe fetcher and write the response as a WARC record.

    Raises `fetching.FetchError` (refused, timed out, error status...) as the fetcher does.
    """
    policy = policy or fetching.policy_from_settings()
    result = fetching.fetch(url, policy=policy)
    fetched_at = datetime.now(UTC)
    return Capture(
        requested_url=url,
        final_url=result.final_url,
        status=result.status,
        content_type=result.content_type,
        charset=result.charset,
        headers=dict(result.headers),
        sha256=result.sha256,
        size=len(result.body),
        fetched_at=fetched_at,
        warc=warc_record(result, fetched_at),
    )


def warc_record(result: fetching.FetchResult, fetched_at: datetime) -> bytes:
    """The response as one gzipped WARC/1.1 `response` record, addressed by its final URL."""
    try:
        phrase = HTTPStatus(result.status).phrase
    except ValueError:
        phrase = "Unknown"
    headers = [(k, v) for k, v in result.headers.items() if k.lower() not in _TRANSFER_HEADERS]
    headers.append(("Content-Length", str(len(result.body))))
    http_headers = StatusAndHeaders(f"{result.status} {phrase}", headers, protocol="HTTP/1.1")
    output = io.BytesIO()
    writer = WARCWriter(output, gzip=True, warc_version="WARC/1.1")
    warc_headers = {
        "WARC-Date": fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        # The body's own digest (WARC-Payload-Digest is SHA-1 by convention); the sha256
        # is what the newsroom shows and compares.
        "WARC-Block-Sha256": result.sha256,
    }
    if result.final_url != result.url:
        warc_headers["WARC-Refers-To-Target-URI"] = result.url
    record = writer.create_warc_record(
        result.final_url,
        "response",
        payload=io.BytesIO(result.body),
        length=len(result.body),
        http_headers=http_headers,
        warc_headers_dict=warc_headers,
    )
    writer.write_record(record)
    return output.getvalue()


@dataclass
class StoredResponse:
    """A response read back from a WARC record."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes


def read_warc(data: bytes) -> StoredResponse:
    """The first response record of a (gzipped) WARC file."""
    for record in ArchiveIterator(io.BytesIO(data)):
        if record.rec_type != "response":
            continue
        status = int((record.http_headers.get_statuscode() or "0")[:3])
        return StoredResponse(
            url=record.rec_headers.get_header("WARC-Target-URI") or "",
            status=status,
            headers=dict(record.http_headers.headers),
            body=record.content_stream().read(),
        )
    raise ValueError("the WARC file holds no response record")


def extract(
    body: bytes,
    *,
    content_type: str,
    charset: str = "",
    url: str = "",
    fetched_on: date,
    max_pdf_seconds: float | None = None,
) -> Extraction:
    """The main text, title, publisher and the page's own date; never raises.

    The date is taken from the page's metadata (or its URL) only, without trafilatura's
    extensive search through the body, and a date after the day of the fetch is dropped.
    A PDF whose text takes longer than `max_pdf_seconds` to read gives an error instead.
    """
    try:
        if content_type in ("text/html", "application/xhtml+xml"):
            return _extract_html(body, charset=charset, url=url, fetched_on=fetched_on)
        limits = IngestLimits(max_pdf_seconds=max_pdf_seconds)
        return _extract_other(
            body, content_type=content_type, charset=charset, url=url, limits=limits
        )
    except IngestError as error:
        # Read, and found wanting (no text layer, encrypted, empty); over a limit (its size,
        # its pages, the time to read it) it was not read through.
        unread = isinstance(error, IngestTooLarge)
        return Extraction(error=f"no text could be extracted: {_words(error)}", unreadable=unread)
    except Exception as error:  # hostile pages must not take the worker down with them
        return Extraction(error=f"no text could be extracted: {_words(error)}", unreadable=True)


def _extract_html(body: bytes, *, charset: str, url: str, fetched_on: date) -> Extraction:
    import trafilatura  # slow to import; only HTML needs it

    from annotations.ingest.formats import decode_text, html_charset
    from annotations.ingest.text import plain_inline

    markup = decode_text(body, charset or html_charset(body))
    if "<" not in markup:
        return Extraction(error="no text could be extracted: the page is not HTML")
    if len(markup) > MARKUP_MAX_CHARS:
        # Often mostly scripts and styles (inline data, fonts); past the cap, the article
        # is read from its first MARKUP_MAX_CHARS characters.
        markup = _without_scripts_and_styles(markup)[:MARKUP_MAX_CHARS]
    document = trafilatura.bare_extraction(
        markup.lstrip(),
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        date_extraction_params={
            "extensive_search": False,
            "original_date": True,
            # htmldate turns a date after its max_date into the max_date itself: a page
            # dated in the future would seem dated today. Let every date through and
            # drop the impossible ones below.
            "max_date": "2999-12-31",
        },
    )
    if document is None or not (document.text or "").strip():
        return Extraction(error="no text could be extracted: the page has no main text")
    return Extraction(
        text=document.text.strip(),
        title=plain_inline(document.title or "")[:500],
        publisher=plain_inline(document.sitename or "", 200),
        published_on=_stated_date(document.date, fetched_on),
    )


def _extract_other(
    body: bytes, *, content_type: str, charset: str, url: str, limits: IngestLimits
) -> Extraction:
    from annotations.ingest.extract import extract as ingest_extract

    declared = f"{content_type}; charset={charset}" if charset else content_type
    extracted = ingest_extract(body, declared_type=declared, source_url=url, limits=limits)
    return Extraction(
        text=extracted.text,
        # A page's own title may carry a direction override; nobody here typed it, so it
        # is dropped rather than refused (it would be shown reversed as the source's title).
        title=without_direction_overrides(extracted.title)[:500],
        publisher=without_direction_overrides(extracted.publisher)[:200],
        # PDF and Word metadata dates are when a file was made, not what it states.
        published_on=None,
    )


def _stated_date(value, fetched_on: date) -> date | None:
    """A date the page states, if it is a real date no later than the fetch."""
    if not value:
        return None
    try:
        stated = date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
    # A day's leeway for time zones; anything later is a template's "today", not a date.
    if stated > fetched_on + timedelta(days=1):
        return None
    return stated


def _words(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__
