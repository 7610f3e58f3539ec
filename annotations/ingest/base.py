"""Limits, errors and the result type shared by the ingest extractors."""

from dataclasses import dataclass, field
from datetime import date

from annotations.ingest.text import paragraphs_of

MB = 1024 * 1024


@dataclass(frozen=True)
class IngestLimits:
    """Upper bounds for one import; every one of them is checked before the costly work."""

    max_bytes: int = 20 * MB
    max_text_chars: int = 2_000_000
    max_pdf_pages: int = 500
    docx_max_uncompressed: int = 50 * MB
    docx_max_ratio: int = 100
    docx_max_entries: int = 1000
    # Wall-clock seconds a PDF's text may take to read, checked between pages and as plain
    # mode reads each operator: a few kilobytes can inflate to pages that keep pypdf busy
    # for minutes, and a thread pool's task has no time limit of its own. None: no limit
    # (a job's soft time limit bounds it).
    max_pdf_seconds: float | None = None


def limits_from_settings() -> IngestLimits:
    """Build `IngestLimits` from the Django settings, keeping the defaults for unset ones."""
    from django.conf import settings  # lazily: this package works without Django

    default = IngestLimits()
    return IngestLimits(
        max_bytes=int(getattr(settings, "FACTCHECK_UPLOAD_MAX_BYTES", default.max_bytes)),
        max_text_chars=int(getattr(settings, "FACTCHECK_MAX_TEXT_CHARS", default.max_text_chars)),
        max_pdf_pages=int(getattr(settings, "FACTCHECK_PDF_MAX_PAGES", default.max_pdf_pages)),
        docx_max_uncompressed=int(
            getattr(settings, "FACTCHECK_DOCX_MAX_UNCOMPRESSED", default.docx_max_uncompressed)
        ),
        docx_max_ratio=int(getattr(settings, "FACTCHECK_DOCX_MAX_RATIO", default.docx_max_ratio)),
        docx_max_entries=int(
            getattr(settings, "FACTCHECK_DOCX_MAX_ENTRIES", default.docx_max_entries)
        ),
    )


class IngestError(Exception):
    """An upload or fetched document that cannot be turned into article text.

    `message` is written for an editor; `status` is the HTTP status a view should answer.
    """

    status = 400

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


class IngestTooLarge(IngestError):
    """The input or its text is over one of the `IngestLimits`."""

    status = 413


@dataclass
class Extracted:
    """The canonical text of a document and what could be learnt about it."""

    text: str
    media_type: str
    title: str = ""
    byline: str = ""
    publisher: str = ""
    canonical_url: str = ""
    published: date | None = None
    language: str = ""
    # Headings, list items, quotes... as offsets into `text` (see ingest.structure).
    structure: list[dict] = field(default_factory=list)
    # The encoding charset detection chose when the bytes declared none and were not UTF-8:
    # the editor is told to check the letters.
    guessed_encoding: str = ""

    @property
    def paragraphs(self) -> list[str]:
        """The paragraphs of `text`."""
        return paragraphs_of(self.text)


def human_size(n: int) -> str:
    """Format a byte count for an editor: '512 bytes', '1.5 MB'."""
    if n < 1024:
        return f"{n} bytes"
    if n < MB:
        return f"{n / 1024:.0f} KB"
    return f"{n / MB:.1f} MB".replace(".0 MB", " MB")


def check_size(size: int, limits: IngestLimits) -> None:
    """Refuse an empty file or one over the upload limit, before anything reads it."""
    if size == 0:
        raise IngestError("the file is empty")
    if size > limits.max_bytes:
        raise IngestTooLarge(
            f"the file is {human_size(size)}; the limit is {human_size(limits.max_bytes)}"
        )
