"""Block structure beside the plain canonical text: which paragraphs are headings, list items,
quotes, table rows or preformatted, as code-point offsets into the text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from annotations.ingest.text import canonical_text, paragraphs_of

PARAGRAPH = "paragraph"
HEADING = "heading"
LIST_ITEM = "list_item"
QUOTE = "quote"
TABLE_ROW = "table_row"
PREFORMATTED = "preformatted"
KINDS = (PARAGRAPH, HEADING, LIST_ITEM, QUOTE, TABLE_ROW, PREFORMATTED)


@dataclass(frozen=True)
class Block:
    """One block of a document in reading order, before it is made canonical."""

    text: str
    kind: str = PARAGRAPH
    level: int = 0


def assemble(blocks) -> tuple[str, list[dict]]:
    """The canonical text of `blocks` and its structure.

    Each block becomes one or more paragraphs of the text (a block with blank lines in it,
    such as a code block, gives several of the same kind); empty blocks are dropped. Only
    blocks that are not plain paragraphs are listed in the structure, so a document with
    none has an empty one.
    """
    paragraphs: list[tuple[str, str, int]] = []
    for block in blocks:
        for paragraph in paragraphs_of(canonical_text(block.text)):
            paragraphs.append((paragraph, block.kind, block.level))
    return "\n\n".join(p for p, _, _ in paragraphs), _offsets(paragraphs)


def _offsets(paragraphs) -> list[dict]:
    structure, offset = [], 0
    for text, kind, level in paragraphs:
        if kind != PARAGRAPH:
            structure.append(
                {"kind": kind, "start": offset, "end": offset + len(text), "level": level}
            )
        offset += len(text) + 2
    return structure


def flatten(blocks) -> list[Block]:
    """`blocks` as canonical paragraphs, one block each, the empty ones dropped."""
    return [
        Block(paragraph, block.kind, block.level)
        for block in blocks
        for paragraph in paragraphs_of(canonical_text(block.text))
    ]


def texts(blocks) -> list[str]:
    """The texts of `blocks`, for the front-matter rules that work on paragraphs."""
    return [block.text for block in blocks]


def blocks_of(text: str, structure) -> list[dict]:
    """Every paragraph of canonical `text` with its offset and kind.

    `[{"start", "end", "text", "kind", "level"}]`; a paragraph the structure does not
    describe exactly (the structure is stale or damaged) is a plain paragraph, so a bad
    structure never hides or misplaces words.
    """
    known = {}
    for entry in structure or []:
        if isinstance(entry, dict) and entry.get("kind") in KINDS:
            known[(entry.get("start"), entry.get("end"))] = entry
    result, offset = [], 0
    for paragraph in paragraphs_of(text):
        end = offset + len(paragraph)
        entry = known.get((offset, end), {})
        level = entry.get("level", 0)
        result.append(
            {
                "start": offset,
                "end": end,
                "text": paragraph,
                "kind": entry.get("kind", PARAGRAPH),
                "level": level if isinstance(level, int) else 0,
            }
        )
        offset = end + 2
    return result


def clean(text: str, structure) -> list[dict]:
    """`structure` reduced to the entries that describe whole paragraphs of `text`."""
    return _offsets((b["text"], b["kind"], b["level"]) for b in blocks_of(text, structure))


def carry(old_text: str, old_structure, new_text: str) -> list[dict]:
    """The structure of `new_text`, an edit of `old_text`, keeping the kinds it can.

    Paragraphs found unchanged keep their kind; where the edit replaced paragraphs one for
    one (a heading reworded), the replacements keep the kinds of the ones they replaced.
    New paragraphs are plain paragraphs.
    """
    old = blocks_of(old_text, old_structure)
    new = paragraphs_of(new_text)
    kinds = [(PARAGRAPH, 0)] * len(new)
    matcher = difflib.SequenceMatcher(None, [b["text"] for b in old], new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                kinds[j] = (old[i]["kind"], old[i]["level"])
    return _offsets((p, kind, level) for p, (kind, level) in zip(new, kinds, strict=True))
