"""PDF documents to article paragraphs, rebuilt from the text layer's lines."""

import io
import re
import unicodedata
from collections import Counter

from annotations.ingest.base import Extracted, IngestError, IngestLimits, IngestTooLarge
from annotations.ingest.formats import PDF
from annotations.ingest.frontmatter import language_code, split_front_matter
from annotations.ingest.text import canonical_text, plain_inline

NO_TEXT = "the PDF has no text layer (scanned?)"

# A paragraph that ends a sentence; one that does not, at the bottom of a page, goes on at
# the top of the next.
_SENTENCE_END = re.compile("[.!?\u2026:;\u3002\uff01\uff1f][\"'\u201d\u2019\u00bb)\\]]*$")
# Running page numbers ("12", "Page 3", "3 of 10", "- 4 -").
_PAGE_NUMBER = re.compile(
    "^(?:page\\s*)?[-\u2013]?\\s*\\d{1,4}\\s*[-\u2013]?(?:\\s*(?:of|/)\\s*\\d{1,4})?$", re.I
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Typographic ligatures (ﬁ, ﬂ, ﬃ …) that a PDF's fonts map their glyphs to: quoted claims,
# search and the embed's matching on the publisher's page need the letters.
_LIGATURES = {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0xFB00, 0xFB07)}


def open_pdf(data: bytes, limits: IngestLimits):
    """A pypdf reader for `data`, refusing encrypted, unreadable and over-long PDFs.

    Cheap (it reads the cross-reference table, not the pages), so it also serves as the
    check made before a PDF is queued for parsing.
    """
    import pypdf  # imported here: only PDFs need it

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _open_without_password(reader):
            raise IngestError("the PDF is encrypted")
        count = len(reader.pages)
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files; all mean the same
        raise IngestError("the PDF could not be read") from exc
    if count > limits.max_pdf_pages:
        raise IngestTooLarge(f"the PDF has {count} pages; the limit is {limits.max_pdf_pages}")
    return reader


def extract_pdf(data: bytes, limits: IngestLimits) -> Extracted:
    """Article paragraphs and metadata of a PDF.

    pypdf's layout mode keeps vertical gaps as blank lines, which is where paragraphs are
    split; the lines of a paragraph are joined with spaces, and a paragraph cut by a page
    break is joined again. Encrypted PDFs that need a password, PDFs over the page limit
    and PDFs without a text layer are refused.
    """
    reader = open_pdf(data, limits)
    pages = [
        [p for p in (canonical_text(b) for b in _BLANK_LINE.split(_page_text(page))) if p]
        for page in reader.pages
    ]
    paragraphs: list[str] = []
    for page_paragraphs in _without_page_numbers(pages):
        if not page_paragraphs:
            continue
        if paragraphs and not _SENTENCE_END.search(paragraphs[-1]):
            paragraphs[-1] += " " + page_paragraphs.pop(0)
        paragraphs.extend(page_paragraphs)
    if not paragraphs:
        raise IngestError(NO_TEXT)
    info = _metadata(reader)
    front = split_front_matter(paragraphs, title=info.get("title", ""))
    return Extracted(
        text="\n\n".join(front.body),
        media_type=PDF,
        title=front.title or info.get("title", ""),
        byline=front.byline or info.get("author", ""),
        language=info.get("language", ""),
    )


def _without_page_numbers(pages: list[list[str]]) -> list[list[str]]:
    """Each page's paragraphs without its running page number.

    A page number stands alone at the top or the bottom of its page and counts up with the
    pages (1, 2, 3, or 145, 146 in a journal). A number standing alone elsewhere, or one
    that does not count with the pages, is the document's: a fact sheet's big "42" over
    "percent of adults", or a "2023" subheading.
    """
    ends = []  # (page index, 0 for its top or -1 for its bottom, the number's offset)
    for index, paragraphs in enumerate(pages):
        for end in {0, -1} if paragraphs else ():
            if _PAGE_NUMBER.match(paragraphs[end]):
                number = int(re.search(r"\d+", paragraphs[end]).group())
                ends.append((index, end, number - index))
    # Numbers that count with the pages at the same end of two pages or more: a running
    # numbering. A page's own number at its foot needs no second page to vouch for it (a
    # one-page document's "1", a two-page one numbered on its second page only).
    pages_per_numbering = Counter((end, offset) for _, end, offset in ends)
    running = {
        numbering
        for numbering, count in pages_per_numbering.items()
        if count >= 2 or numbering == (-1, 1)
    }
    cut = {(index, end) for index, end, offset in ends if (end, offset) in running}
    kept = []
    for index, paragraphs in enumerate(pages):
        last = len(paragraphs) - 1
        kept.append(
            [
                paragraph
                for position, paragraph in enumerate(paragraphs)
                if not (
                    (position == 0 and (index, 0) in cut)
                    or (position == last and (index, -1) in cut)
                )
            ]
        )
    return kept


def _open_without_password(reader) -> bool:
    """Whether an encrypted PDF opens with the empty user password (owner-locked only)."""
    from pypdf import PasswordType

    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception:  # e.g. AES without a crypto library installed: still encrypted
        return False


def _page_text(page) -> str:
    """The page's words as plain mode reads them, in the paragraphs layout mode finds.

    Layout mode places each run of glyphs by its position, so it splits the words of a
    justified or kerned line ("figur   es", "per   cent"); plain mode keeps the words but
    not the blank lines between paragraphs. On a page both read in one order (the same
    characters apart from spaces), plain mode's text is cut where layout mode's paragraphs
    end; where they differ (columns read in another order), layout mode's text stands.
    """
    layout, plain = _extract(page, "layout"), _extract(page, "plain")
    if _ink(layout) != _ink(plain) or not plain:
        return (layout or plain).translate(_LIGATURES)
    paragraphs, start = [], 0
    for block in _BLANK_LINE.split(layout):
        wanted, end = len(_ink(block)), start
        while wanted and end < len(plain):
            wanted -= not plain[end].isspace()
            end += 1
        paragraphs.append(plain[start:end].strip())
        start = end
    paragraphs[-1] += plain[start:].rstrip()
    return "\n\n".join(paragraphs).translate(_LIGATURES)


def _extract(page, mode: str) -> str:
    try:
        return page.extract_text(extraction_mode=mode)
    except Exception:  # layout mode fails on some odd fonts, plain mode on broken streams
        return ""


def _ink(text: str) -> str:
    """The text without its whitespace: what two extraction modes must agree on."""
    return "".join(text.split())


# Titles that name no article: what a browser's "Save as PDF" or a word processor writes
# when nobody set one (the page's address, "about:blank", "Untitled", the file's name).
_PLACEHOLDER_TITLE = re.compile(
    r"(?:about|https?|file|data|blob):.*|untitled(?: document)?|document\d*|"
    r"(?:microsoft \w+ - )?.*\.(?:docx?|odt|rtf|pdf|html?|txt|pages)",
    re.IGNORECASE,
)


def _real_title(title: str) -> str:
    """The metadata's title, or '' when it is a placeholder rather than a headline."""
    return "" if _PLACEHOLDER_TITLE.fullmatch(title.strip()) else title


def _metadata(reader) -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        info = reader.metadata
        if info is not None:
            found["title"] = _real_title(plain_inline(info.title))
            found["author"] = plain_inline(info.author, 200)
        lang = reader.trailer["/Root"].get("/Lang")
        if lang:
            found["language"] = language_code(str(lang))
    except Exception:  # metadata is optional; a broken info dictionary is ignored
        return {key: value for key, value in found.items() if value}
    return {key: value for key, value in found.items() if value}
