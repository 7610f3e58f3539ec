"""Turning uploaded or fetched bytes into canonical article text, whatever the format."""

from annotations.ingest import formats
from annotations.ingest.base import (
    Extracted,
    IngestError,
    IngestLimits,
    IngestTooLarge,
    check_size,
)


def extract(
    data: bytes,
    *,
    filename: str = "",
    declared_type: str = "",
    limits: IngestLimits | None = None,
    source_url: str = "",
    charset: str = "",
) -> Extracted:
    """Extract the article text and metadata from a document's bytes.

    The format is detected from the content (see `formats.detect`); `filename` and
    `declared_type` (a Content-Type value, whose charset parameter is used for text) only
    choose among the text formats or expose a file that is not what its name claims.
    `source_url` resolves a relative canonical URL of a web page; `charset` overrides the
    declared one. Raises `IngestError` with a message for the editor, `IngestTooLarge` when
    a limit is exceeded.
    """
    limits = limits or IngestLimits()
    check_size(len(data), limits)
    media_type = formats.detect(data, filename=filename, declared_type=declared_type)
    charset = charset or formats.parse_declared_type(declared_type)[1]
    if media_type == formats.PDF:
        from annotations.ingest.pdffile import extract_pdf

        result = extract_pdf(data, limits)
    elif media_type == formats.DOCX:
        from annotations.ingest.docxfile import extract_docx

        result = extract_docx(data, limits)
    elif media_type == formats.HTML:
        from annotations.ingest.htmlpage import extract_html

        result = extract_html(data, charset=charset, source_url=source_url)
    else:
        from annotations.ingest.plaintext import extract_markdown, extract_text

        text, guessed = formats.decode_text_noting_guess(data, charset)
        _check_length(len(text), limits)
        result = extract_markdown(text) if media_type == formats.MARKDOWN else extract_text(text)
        result.guessed_encoding = guessed
    if not result.text:
        raise IngestError(_EMPTY_MESSAGES.get(media_type, "the file has no text"))
    _check_length(len(result.text), limits)
    return result


_EMPTY_MESSAGES = {
    formats.DOCX: "the Word document has no text",
    formats.HTML: "no article text found in the page",
    formats.PDF: "the PDF has no text layer (scanned?)",
}


def _check_length(chars: int, limits: IngestLimits) -> None:
    if chars > limits.max_text_chars:
        raise IngestTooLarge(f"the text is longer than {limits.max_text_chars:,} characters")
