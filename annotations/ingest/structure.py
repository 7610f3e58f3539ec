"""Block structure beside the plain canonical text: which paragraphs are headings, list items
(bulleted or numbered), quotes, table rows, preformatted or figure captions, as code-point
offsets into the text."""

from __future__ import annotations

import difflib
import itertools
from dataclasses import dataclass, replace

from annotations.ingest.text import canonical_text, paragraphs_of

PARAGRAPH = "paragraph"
HEADING = "heading"
LIST_ITEM = "list_item"
QUOTE = "quote"
TABLE_ROW = "table_row"
PREFORMATTED = "preformatted"
CAPTION = "caption"  # a figure's caption: words of the article, though not its prose
KINDS = (PARAGRAPH, HEADING, LIST_ITEM, QUOTE, TABLE_ROW, PREFORMATTED, CAPTION)
# A table row's cells in the text, in reading order; offsets and quotes count it.
CELL_SEPARATOR = " | "
# Columns of one row whose empty cells are remembered (a wider table is data, not prose).
BLANK_CELLS_MAX = 64


@dataclass(frozen=True)
class Block:
    """One block of a document in reading order, before it is made canonical."""

    text: str
    kind: str = PARAGRAPH
    level: int = 0
    number: int = 0  # a numbered list item's number; 0 for everything else
    # A table row's empty cells, by column from 0: the text leaves them out, and the row is
    # drawn with them so that its cells stand under their headings.
    blank_cells: tuple[int, ...] = ()


def table_row(cells: list[str]) -> Block | None:
    """A table row of canonical cell texts as one block: the cells with words, joined by
    CELL_SEPARATOR, with the columns of the empty ones (None for a row without words).
    Empty cells after the last are kept too: they move no cell, but they tell the row's
    width, which the reader compares between rows."""
    filled = [i for i, cell in enumerate(cells) if cell]
    if not filled:
        return None
    blanks = tuple(i for i, cell in enumerate(cells[:BLANK_CELLS_MAX]) if not cell)
    return Block(CELL_SEPARATOR.join(cells[i] for i in filled), TABLE_ROW, blank_cells=blanks)


def assemble(blocks) -> tuple[str, list[dict]]:
    """The canonical text of `blocks` and its structure.

    Each block becomes one or more paragraphs of the text (a block with blank lines in it,
    such as a code block, gives several of the same kind); empty blocks are dropped. Only
    blocks that are not plain paragraphs are listed in the structure, so a document with
    none has an empty one.
    """
    paragraphs: list[tuple[str, str, int, int, tuple[int, ...]]] = []
    for block in blocks:
        for paragraph in paragraphs_of(canonical_text(block.text)):
            paragraphs.append((paragraph, block.kind, block.level, block.number, block.blank_cells))
    return "\n\n".join(p[0] for p in paragraphs), _offsets(paragraphs)


def _offsets(paragraphs) -> list[dict]:
    """Structure entries for (text, kind, level, number, blank cells) paragraphs in reading
    order."""
    structure, offset = [], 0
    for text, kind, level, number, blank_cells in paragraphs:
        if kind != PARAGRAPH:
            entry = {"kind": kind, "start": offset, "end": offset + len(text), "level": level}
            if kind == LIST_ITEM and number:
                entry["number"] = number
            if kind == TABLE_ROW and blank_cells:
                entry["blank_cells"] = list(blank_cells)
            structure.append(entry)
        offset += len(text) + 2
    return structure


def flatten(blocks) -> list[Block]:
    """`blocks` as canonical paragraphs, one block each, the empty ones dropped."""
    return [
        replace(block, text=paragraph)
        for block in blocks
        for paragraph in paragraphs_of(canonical_text(block.text))
    ]


def texts(blocks) -> list[str]:
    """The texts of `blocks`, for the front-matter rules that work on paragraphs."""
    return [block.text for block in blocks]


def blocks_of(text: str, structure) -> list[dict]:
    """Every paragraph of canonical `text` with its offset and kind.

    `[{"start", "end", "text", "kind", "level", "number", "blank_cells"}]`, number being a
    numbered list item's number and 0 otherwise, blank_cells a table row's empty columns
    (a tuple, empty for everything else); a paragraph the structure does not describe exactly (the
    structure is stale or damaged) is a plain paragraph, so a bad structure never hides or
    misplaces words.
    """
    known = {}
    for entry in structure or []:
        if isinstance(entry, dict) and entry.get("kind") in KINDS:
            known[(entry.get("start"), entry.get("end"))] = entry
    result, offset = [], 0
    for paragraph in paragraphs_of(text):
        end = offset + len(paragraph)
        entry = known.get((offset, end), {})
        kind = entry.get("kind", PARAGRAPH)
        result.append(
            {
                "start": offset,
                "end": end,
                "text": paragraph,
                "kind": kind,
                "level": _count(entry.get("level")),
                "number": _count(entry.get("number")) if kind == LIST_ITEM else 0,
                "blank_cells": _columns(entry.get("blank_cells")) if kind == TABLE_ROW else (),
            }
        )
        offset = end + 2
    return result


def mark_table_runs(blocks: list[dict]) -> list[dict]:
    """`blocks` (from `blocks_of`) with `opens_table` and `closes_table` set on the first
    and last row of each run of table rows, which pages set in one box each."""
    for number, block in enumerate(blocks):
        row = block["kind"] == TABLE_ROW
        before = number > 0 and blocks[number - 1]["kind"] == TABLE_ROW
        after = number + 1 < len(blocks) and blocks[number + 1]["kind"] == TABLE_ROW
        block["opens_table"], block["closes_table"] = row and not before, row and not after
    return blocks


def _count(value) -> int:
    """A level or number read from stored structure: a positive whole number, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _columns(value) -> tuple[int, ...]:
    """Blank cells read from stored structure: increasing column numbers, else none."""
    if not isinstance(value, list) or len(value) > BLANK_CELLS_MAX:
        return ()
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value):
        return ()
    if any(a >= b for a, b in itertools.pairwise(value)):
        return ()
    return tuple(value)


def _shape(block: dict) -> tuple[str, int, int, tuple[int, ...]]:
    return block["kind"], block["level"], block["number"], block["blank_cells"]


def _carried(old_block: dict, new_text: str) -> tuple[str, int, int, tuple[int, ...]]:
    """The shape a paragraph that replaced `old_block` takes: its kind, and a row's blank
    cells only while it has as many cells as the old row had."""
    kind, level, number, blanks = _shape(old_block)
    if blanks and new_text.count(CELL_SEPARATOR) != old_block["text"].count(CELL_SEPARATOR):
        blanks = ()
    return kind, level, number, blanks


def clean(text: str, structure) -> list[dict]:
    """`structure` reduced to the entries that describe whole paragraphs of `text`."""
    return _offsets((b["text"], *_shape(b)) for b in blocks_of(text, structure))


def carry(
    old_text: str, old_structure, new_text: str, *, match_limit: int | None = None
) -> list[dict]:
    """The structure of `new_text`, an edit of `old_text`, keeping the kinds it can.

    Paragraphs found unchanged keep their kind; where the edit replaced paragraphs one for
    one (a heading reworded), the replacements keep the kinds of the ones they replaced.
    New paragraphs are plain paragraphs. Where the changed stretch is too long to align
    (`match_limit` pairs of paragraphs), a paragraph keeps the kind its words had, if they
    had only one.
    """
    old = blocks_of(old_text, old_structure)
    new = paragraphs_of(new_text)
    if all(block["kind"] == PARAGRAPH for block in old):
        return []  # nothing to carry: every paragraph of the new text is plain
    kinds = [(PARAGRAPH, 0, 0, ())] * len(new)
    old_texts = [block["text"] for block in old]
    # An edit mostly touches one place: the paragraphs before and after it align one for one.
    head = 0
    while head < min(len(old), len(new)) and old_texts[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old_texts[-1 - tail] == new[-1 - tail]:
        tail += 1
    for i in range(head):
        kinds[i] = _shape(old[i])
    for k in range(1, tail + 1):
        kinds[-k] = _shape(old[-k])
    # A row edited into another number of cells keeps its kind, not its blank cells, which
    # counted the columns of the row as it was ("2019 | 950" with 800 put in its gap).
    old_middle, new_middle = range(head, len(old) - tail), range(head, len(new) - tail)
    limit = MATCH_LIMIT if match_limit is None else match_limit
    if len(old_middle) * len(new_middle) <= limit:
        matcher = difflib.SequenceMatcher(
            None, old_texts[head : len(old) - tail], new[head : len(new) - tail], autojunk=False
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                    kinds[head + j] = _carried(old[head + i], new[head + j])
    else:
        # By kind alone, so that rows with the same words but blanks in other columns
        # ("— | —") stay rows; their blank cells only where all copies agree.
        by_words: dict[str, set] = {}
        blanks_by_words: dict[str, set] = {}
        for i in old_middle:
            by_words.setdefault(old_texts[i], set()).add(_shape(old[i])[:3])
            blanks_by_words.setdefault(old_texts[i], set()).add(old[i]["blank_cells"])
        for j in new_middle:
            found = by_words.get(new[j], ())
            if len(found) == 1:
                blanks = blanks_by_words[new[j]]
                kinds[j] = (*next(iter(found)), next(iter(blanks)) if len(blanks) == 1 else ())
    return _offsets((p, *shape) for p, shape in zip(new, kinds, strict=True))


# Aligning paragraphs costs up to the product of their counts when paragraphs repeat (16,000
# copies of one line took 90 s, holding the database's write lock): past this many pairs in
# the changed stretch, kinds are carried by the paragraphs' words alone.
MATCH_LIMIT = 1_000_000
