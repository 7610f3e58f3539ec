"""PDF documents to article paragraphs, rebuilt from the text layer's lines."""

import io
import math
import re
import time
import unicodedata
from collections import Counter

import regex

from annotations.ingest.base import Extracted, IngestError, IngestLimits, IngestTooLarge
from annotations.ingest.formats import PDF
from annotations.ingest.frontmatter import language_code, split_front_matter
from annotations.ingest.text import canonical_text, plain_inline, raised

NO_TEXT = "the PDF has no text layer (scanned?)"

# A paragraph that ends a sentence; one that does not, at the bottom of a page, goes on at
# the top of the next. Unicode's sentence terminals are every script's full stops (Hindi's
# "।", Burmese "။", Amharic "።", Urdu "۔", Chinese "。") and question marks ("؟").
_SENTENCE_END = regex.compile("[\\p{Sentence_Terminal}\u2026:;][\"'\u201d\u2019\u00bb)\\]]*$")
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
    clock = _Clock(limits.max_pdf_seconds)
    pages = [
        [p for p in (canonical_text(b) for b in _BLANK_LINE.split(_page_text(page, clock))) if p]
        for page in reader.pages
    ]
    paragraphs = _joined_across_pages(_without_page_numbers(pages))
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


class _Clock:
    """The time left to read a PDF (`IngestLimits.max_pdf_seconds`); `check` raises once it
    has run out. Checked between pages and their two readings, and as plain mode reads each
    operator; layout mode reads a page without a word in between, so one page's layout
    reading (bounded by pypdf's tokens per stream) can run past the limit."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds

    def check(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise IngestTooLarge(f"the PDF takes more than {self.seconds:g} s to read")


def _joined_across_pages(pages: list[list[str]]) -> list[str]:
    """The pages' paragraphs, a page's last one joined to the next page's first unless it
    ends a sentence."""
    paragraphs: list[str] = []
    for page_paragraphs in pages:
        if not page_paragraphs:
            continue
        if paragraphs and not _SENTENCE_END.search(paragraphs[-1]):
            paragraphs[-1] += " " + page_paragraphs[0]
            page_paragraphs = page_paragraphs[1:]
        paragraphs.extend(page_paragraphs)
    return paragraphs


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


def _page_text(page, clock: _Clock) -> str:
    """The page's words as plain mode reads them, in the paragraphs layout mode finds.

    Layout mode places each run of glyphs by its position, so it splits the words of a
    justified or kerned line ("figur   es", "per   cent"); plain mode keeps the words but
    not the blank lines between paragraphs. On a page both read in one order (the same
    characters apart from spaces), plain mode's text is cut where layout mode's paragraphs
    end; where they differ (columns read in another order), layout mode's text stands.
    """
    clock.check()
    plain, shown, risen = _plain_with_superscripts(page, clock)
    clock.check()
    layout = _extract(_without_text_rise(page) if risen else page, "layout")
    if _ink(layout) != _ink(plain) or not plain:
        return (layout or plain).translate(_LIGATURES)
    paragraphs, start = [], 0
    for block in _BLANK_LINE.split(layout):
        wanted, end = len(_ink(block)), start
        while wanted and end < len(plain):
            wanted -= not plain[end].isspace()
            end += 1
        paragraphs.append(shown[start:end].strip())
        start = end
    paragraphs[-1] += shown[start:].rstrip()
    return "\n\n".join(paragraphs).translate(_LIGATURES)


# Operators that show text, and the most characters a superscript of a number or a word
# holds (a note's "12", an exponent's "-3").
_SHOWS_TEXT = {b"Tj", b"TJ", b"'", b'"'}
_SUPERSCRIPT_LENGTH = 3


def _plain_with_superscripts(page, clock: _Clock) -> tuple[str, str, bool]:
    """Plain mode's text; the same with each superscript in the characters Unicode has for
    it (character for character, so one's offsets are the other's); whether any text rose.

    A PDF sets "22.8" and then a smaller "1" raised above the line (a note, or an exponent:
    "10" and a raised "6"); plain mode reads "22.81" and "106", other numbers. A run is a
    superscript when it is short, smaller than the text it follows without a space, and sits
    above that text's baseline but within its line, whether placed there or raised by the
    text rise (Ts). Lowered runs (CO and a lowered "2") are left as they read.
    """
    runs = []  # (text, baseline, size) as plain mode hands them over
    rise = {"now": 0.0, "shown": 0.0, "any": False}
    # The rise is part of the graphics state: q saves it and Q brings it back.
    saved: list[float] = []

    def before_operator(operator, operands, cm, tm):
        clock.check()
        if operator == b"Ts" and operands:
            rise["now"] = _number(operands[0])
            rise["any"] = rise["any"] or rise["now"] != 0
        elif operator == b"q":
            saved.append(rise["now"])
        elif operator == b"Q" and saved:
            rise["now"] = saved.pop()
        elif operator in _SHOWS_TEXT:
            rise["shown"] = rise["now"]

    def collect(text, cm, tm, font, font_size):
        scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
        baseline = cm[1] * tm[4] + cm[3] * tm[5] + cm[5] + rise["shown"] * scale
        runs.append((text, baseline, font_size * scale))

    try:
        text = page.extract_text(
            extraction_mode="plain",
            visitor_operand_before=before_operator,
            visitor_text=collect,
        )
    except IngestTooLarge:
        raise
    except Exception:  # plain mode fails on broken streams
        return "", "", False
    if "".join(run[0] for run in runs) != text:
        # The runs do not spell the text: nothing to place superscripts by.
        return text, text, rise["any"]
    pieces, previous = [], None
    for run_text, baseline, size in runs:
        if previous is not None and _is_superscript(run_text, baseline, size, previous):
            run_text = raised(run_text)
        pieces.append(run_text)
        if run_text:
            previous = (run_text, baseline, size)
    return text, "".join(pieces), rise["any"]


def _number(operand) -> float:
    """An operand read as a number; 0 for one that is not (a broken stream's name or string),
    as a reader draws the text without a rise it cannot read. Raising here stopped plain
    mode for the whole page, and layout mode then read the raised run's line out of order."""
    try:
        value = float(operand)
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def _is_superscript(text: str, baseline: float, size: float, previous) -> bool:
    """Whether a run is a superscript of the run before it (see _plain_with_superscripts)."""
    before, before_baseline, before_size = previous
    return (
        0 < len(text) <= _SUPERSCRIPT_LENGTH
        and text.strip() == text
        and not before[-1].isspace()
        and 0 < size <= 0.85 * before_size
        and 0.15 * before_size < baseline - before_baseline < before_size
    )


def _without_text_rise(page):
    """The page with its text rise (Ts) set to nothing, for layout mode to read.

    Layout mode sets a raised run, and the rest of its line after it, on a line of their
    own above the line they belong to ("1 years." over "The median age is only 22.8"): its
    paragraphs would be read out of order. The rise moves text by less than a line, so the
    paragraphs are the same without it.
    """
    from pypdf import PageObject
    from pypdf.generic import ContentStream, FloatObject, NameObject

    try:
        content = ContentStream(page.get_contents(), page.pdf)
        for operands, operator in content.operations:
            if operator == b"Ts" and operands:
                operands[0] = FloatObject(0)
        # A copy of the page's dictionary with the new content: the document stays as read.
        copy = PageObject(pdf=page.pdf, indirect_reference=page.indirect_reference)
        copy.update(page)
        copy[NameObject("/Contents")] = content
    except Exception:  # a stream pypdf cannot rewrite: read it as it is
        return page
    return copy


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
