"""Word (.docx) documents to article paragraphs, after a zip-bomb check."""

import io
import zipfile

from annotations.ingest.base import Extracted, IngestError, IngestLimits, IngestTooLarge, human_size
from annotations.ingest.formats import DOCX
from annotations.ingest.frontmatter import language_code, split_front_matter
from annotations.ingest.structure import (
    HEADING,
    LIST_ITEM,
    QUOTE,
    Block,
    assemble,
    table_row,
    texts,
)
from annotations.ingest.symbolfont import symbol_character
from annotations.ingest.text import canonical_text, plain_inline, raised

# Entries smaller than this may compress very well (runs of XML) without being a threat;
# the per-entry ratio is only checked above it.
_RATIO_CHECK_FROM = 1024 * 1024

# Authors that document templates and libraries write, which name no person.
_PLACEHOLDER_AUTHORS = {"python-docx", "microsoft office user", "user", "admin", "unknown"}

_TITLE_STYLES = {"title"}


def check_zip(data: bytes, limits: IngestLimits) -> None:
    """Refuse a ZIP archive that would expand beyond the limits, before anything is unpacked.

    The sizes checked are the ones the archive declares; Python's zipfile never inflates an
    entry past its declared size (it fails the CRC check instead), so the declaration bounds
    the work.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except Exception as exc:  # zipfile raises many types for damaged or exotic archives
        raise IngestError("the Word document is damaged") from exc
    if len(entries) > limits.docx_max_entries:
        raise IngestTooLarge(
            f"the Word document has {len(entries)} parts; the limit is {limits.docx_max_entries}"
        )
    total = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    if total > limits.docx_max_uncompressed:
        raise IngestTooLarge(
            f"the Word document unpacks to {human_size(total)}; "
            f"the limit is {human_size(limits.docx_max_uncompressed)}"
        )
    suspicious = total > _RATIO_CHECK_FROM and total > limits.docx_max_ratio * max(packed, 1)
    for entry in entries:
        if entry.file_size > _RATIO_CHECK_FROM and entry.file_size > limits.docx_max_ratio * max(
            entry.compress_size, 1
        ):
            suspicious = True
    if suspicious:
        raise IngestTooLarge(
            "the Word document is compressed suspiciously well (a zip bomb?); "
            f"the limit is {limits.docx_max_ratio}:1"
        )


def extract_docx(data: bytes, limits: IngestLimits) -> Extracted:
    """Article paragraphs and metadata of a .docx file.

    Body paragraphs, headings and table rows (cells joined with ' | ') in document order; a
    paragraph in the Title style, or the title in the document properties, becomes the
    title. Headers, footers, footnotes, comments and text boxes are not article text.
    """
    check_zip(data, limits)
    import docx  # imported here: python-docx is only needed for Word files

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for broken parts
        raise IngestError("the Word document could not be read") from exc
    blocks: list[Block] = []
    title = ""
    numbers = _ListNumbers(document)
    for block in _body_blocks(document):
        if hasattr(block, "rows"):
            blocks.extend(_table_rows(block))
            continue
        text = canonical_text(_shown_text(block._p))
        if not text:
            continue
        style = (block.style.name if block.style is not None else "").lower()
        if style in _TITLE_STYLES and not title and not blocks:
            title = text
        blocks.append(_kind(block, style, text.replace("\n\n", " "), numbers))
    properties = document.core_properties
    front = split_front_matter(texts(blocks), title=title or plain_inline(properties.title))
    body, structure = assemble(blocks[len(blocks) - len(front.body) :])
    author = plain_inline(properties.author, 200)
    if author.lower() in _PLACEHOLDER_AUTHORS:
        author = ""
    return Extracted(
        text=body,
        structure=structure,
        media_type=DOCX,
        title=front.title or plain_inline(properties.title),
        byline=front.byline or author,
        language=language_code(properties.language or ""),
    )


def _kind(paragraph, style: str, text: str, numbers: "_ListNumbers") -> Block:
    """The paragraph as a block, its kind read from its style or its numbering."""
    words = style.split()
    level = int(words[-1]) if words and words[-1].isdigit() else 1
    if style in _TITLE_STYLES:
        return Block(text, HEADING, 1)
    if style.startswith("heading"):
        return Block(text, HEADING, level)
    if "quote" in style:
        return Block(text, QUOTE)
    number = numbers.number_of(paragraph)
    properties = paragraph._p.pPr
    if style.startswith("list") or (properties is not None and properties.numPr is not None):
        return Block(text, LIST_ITEM, level, number)
    return Block(text)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class _ListNumbers:
    """The numbers Word shows before the paragraphs of its numbered (1, 2, 3) lists.

    A paragraph is numbered by its own numbering properties or its style's. Items count per
    list and level from the level's start (or the list's override of it), and an item of a
    level restarts the levels below it, as Word does by default. Lists numbered otherwise
    (a, b, c or i, ii, iii) and bullets get 0: their items are shown as bullets rather than
    under numbers the document never showed.
    """

    def __init__(self, document):
        try:
            self.numbering = document.part.numbering_part.element
        except (AttributeError, KeyError, NotImplementedError):  # no numbering part
            self.numbering = None
        self.counts: dict[str, dict[int, int]] = {}
        self.formats: dict[tuple[str, int], tuple[str, int]] = {}

    def number_of(self, paragraph) -> int:
        list_id, level = self._list_of(paragraph)
        if self.numbering is None or list_id in (None, "0"):
            return 0
        counts = self.counts.setdefault(list_id, {})
        for deeper in [each for each in counts if each > level]:
            del counts[deeper]
        number_format, start = self._format(list_id, level)
        counts[level] = counts.get(level, start - 1) + 1
        return counts[level] if number_format == "decimal" and counts[level] > 0 else 0

    def _list_of(self, paragraph) -> tuple[str | None, int]:
        """The paragraph's list id and level, from its own properties or its style chain."""
        list_id = level = None
        owners = [paragraph._p]
        style = paragraph.style
        for _ in range(10):  # styles may be based on each other; a cycle must not hang
            if style is None:
                break
            owners.append(style.element)
            style = style.base_style
        for owner in owners:
            properties = owner.find(f"{_W}pPr/{_W}numPr")
            if properties is None:
                continue
            if list_id is None:
                list_id = _value(properties.find(f"{_W}numId"))
            if level is None:
                level = _value(properties.find(f"{_W}ilvl"))
        return list_id, int(level) if level and level.isdigit() else 0

    def _format(self, list_id: str, level: int) -> tuple[str, int]:
        """The number format of a list's level ("decimal", "bullet", …) and its start."""
        if (list_id, level) not in self.formats:
            found = ("", 1)
            for num in self.numbering.findall(f"{_W}num"):
                if num.get(f"{_W}numId") != list_id:
                    continue
                definition = _value(num.find(f"{_W}abstractNumId"))
                for abstract in self.numbering.findall(f"{_W}abstractNum"):
                    if abstract.get(f"{_W}abstractNumId") != definition:
                        continue
                    for lvl in abstract.findall(f"{_W}lvl"):
                        if lvl.get(f"{_W}ilvl") == str(level):
                            found = (
                                _value(lvl.find(f"{_W}numFmt")) or "decimal",
                                _start(_value(lvl.find(f"{_W}start"))),
                            )
                for override in num.findall(f"{_W}lvlOverride"):
                    start = _value(override.find(f"{_W}startOverride"))
                    if override.get(f"{_W}ilvl") == str(level) and start is not None:
                        found = (found[0], _start(start))
                break
            self.formats[(list_id, level)] = found
        return self.formats[(list_id, level)]


def _value(element) -> str | None:
    return element.get(f"{_W}val") if element is not None else None


def _start(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


def _body_blocks(document):
    """The paragraphs and tables of the body in order, those inside content controls and
    custom XML included: python-docx's `iter_inner_content` gives only the body's own, and
    a paragraph a template wraps in a content control was left out of the article."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document._body

    def walk(element):
        for child in element.iterchildren():
            if child.tag == f"{_W}p":
                yield Paragraph(child, body)
            elif child.tag == f"{_W}tbl":
                yield Table(child, body)
            elif child.tag in _WRAPPERS:
                yield from walk(child)

    yield from walk(document.element.body)


# Elements that wrap paragraphs and tables without being either: content controls and
# custom XML (and a content control's content).
_WRAPPERS = {
    "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + name
    for name in ("sdt", "sdtContent", "customXml")
}


def _paragraphs_within(cell) -> list:
    """Every paragraph of a table cell in order, those of a table nested in it or of a
    content control included (`cell.paragraphs` gives only its own), but none of a text box,
    which is no article text."""
    return [
        paragraph
        for paragraph in cell.iter(f"{_W}p")
        if not any(ancestor.tag == f"{_W}p" for ancestor in paragraph.iterancestors())
    ]


def _table_rows(table) -> list[Block]:
    """The table's rows as blocks. A merged cell's words are read once, where it starts:
    python-docx gives the same cell again for each grid column it spans and for each row
    it spans down, and those places are blank cells, as on the page."""
    rows, above = [], []
    for row in table.rows:
        # A row that starts late (Word's "grid before") leaves its first columns empty:
        # python-docx gives only the cells it has, which stood a column or more to the left.
        skipped = row.grid_cols_before or 0
        cells, seen = [""] * skipped, [None] * skipped
        for column, cell in enumerate(row.cells, start=skipped):
            # Identity of the XML elements: the cell objects are new on every call.
            spanned = any(cell._tc is tc for tc in seen) or (
                column < len(above) and cell._tc is above[column]
            )
            seen.append(cell._tc)
            if spanned:
                cells.append("")
                continue
            shown = "\n".join(_shown_text(paragraph) for paragraph in _paragraphs_within(cell._tc))
            cells.append(canonical_text(shown).replace("\n\n", " "))
        above = seen
        if block := table_row(cells):
            rows.append(block)
    return rows


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# What Word does not show as the paragraph's text: tracked deletions and moves away, text
# boxes (not article text), field codes, and a drawing's fallback copy of its content.
_NOT_SHOWN = {
    f"{_W}del", f"{_W}moveFrom", f"{_W}txbxContent", f"{_W}instrText", f"{_W}delText",
    f"{_W}rPr", f"{_W}pPr", _MC_FALLBACK,
}  # fmt: skip
_CHARACTERS = {
    f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n",
    f"{_W}noBreakHyphen": "-",
}  # fmt: skip


def _shown_text(paragraph) -> str:
    """A paragraph's text as Word shows it, read from its XML.

    python-docx's `text` reads only the paragraph's own runs and links: it loses the words
    of a tracked insertion (shown until rejected) and of a content control, and keeps a
    run formatted as hidden. Here every run counts, wherever it is nested, unless Word
    would not show it.
    """
    pieces: list[str] = []

    def read(element) -> None:
        for child in element:
            tag = child.tag
            if tag in _NOT_SHOWN or (tag == f"{_W}r" and (_is_hidden(child) or _is_struck(child))):
                continue
            if tag == f"{_W}r" and _is_raised(child):
                start = len(pieces)
                read(child)
                pieces[start:] = [raised("".join(pieces[start:]))]
            elif tag == f"{_W}t":
                pieces.append(child.text or "")
            elif tag in _CHARACTERS:
                pieces.append(_CHARACTERS[tag])
            elif tag == f"{_W}sym":
                pieces.append(_symbol(child))
            else:
                read(child)

    read(paragraph)
    return "".join(pieces)


def _symbol(sym) -> str:
    """The character of a `w:sym` (Insert Symbol's "°" or "±" from the Symbol font), or ""."""
    try:
        code = int(sym.get(f"{_W}char") or "", 16)
    except ValueError:
        return ""
    return symbol_character(sym.get(f"{_W}font") or "", code)


def _is_raised(run) -> bool:
    """Whether a run is set as superscript ("10" then a raised "6": 10⁶, not 106)."""
    align = run.find(f"{_W}rPr/{_W}vertAlign")
    return align is not None and align.get(f"{_W}val") == "superscript"


def _is_struck(run) -> bool:
    """Whether a run is struck through (w:strike or w:dstrike, unless switched off): what the
    author withdrew, as a web page's `<del>` ("5" struck, then "6 percent": 6 percent)."""
    for name in ("strike", "dstrike"):
        mark = run.find(f"{_W}rPr/{_W}{name}")
        if mark is not None and mark.get(f"{_W}val", "true") not in ("0", "false", "off"):
            return True
    return False


def _is_hidden(run) -> bool:
    """Whether a run is formatted as hidden text (w:vanish, unless switched off)."""
    vanish = run.find(f"{_W}rPr/{_W}vanish")
    return vanish is not None and vanish.get(f"{_W}val", "true") not in ("0", "false", "off")
