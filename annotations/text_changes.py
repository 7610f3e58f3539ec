"""What changed between two revisions of an article's text, in whole words, for a reviewer.

Built on `textdiff`, the diff re-anchoring uses: it takes tens of milliseconds on a megabyte
where a word diff of whole paragraphs took seconds, and it finds every change, however
many and however long. Its changes are character stretches ("ousted" and "removed" share
an "o", an "e" and a "d"), so each is widened to the whole words it touches, and changes
with no word between them are joined: a reworded phrase reads as one deletion and one
insertion, not as words interleaved. Changes close together share one hunk, shown with the
unchanged words around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from annotations import textdiff

# Unchanged characters shown before and after a hunk, cut between words; a run of unchanged
# text between two changes longer than twice this starts a new hunk.
CONTEXT = 80
# The most changes, and old characters from the first change's start to the last's, in a
# hunk: more changes close together make a new hunk.
HUNK_CHANGES = 6
HUNK_CHARACTERS = 1000


@dataclass
class Change:
    """One changed stretch: `old[old_start:old_end]` became `new[new_start:new_end]`."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int
    near_verdict: bool = False


@dataclass
class Hunk:
    """Changes close together, with the unchanged words around them.

    `parts` are ["equal" | "delete" | "insert", text] in reading order; `old_start` and
    `old_end` bound the changed old text; `near_verdict` says a change is in a paragraph
    that holds a verdict readers see (see `text_changes`).
    """

    parts: list[list[str]]
    old_start: int
    old_end: int
    near_verdict: bool = False
    changes: list[Change] = field(default_factory=list, repr=False)


def text_changes(old: str, new: str, verdicts: list[tuple[int, int]] = ()) -> list[Hunk]:
    """Every change from `old` to `new`, as hunks in text order.

    `verdicts` are the old text's spans that published verdicts rate: a hunk that changes
    a paragraph holding one is marked `near_verdict`, for the reviewer to read first (words
    put before a rated sentence change what it says as much as its own words do).
    """
    changes = _whole_words(old, new, _changed_stretches(old, new))
    hunks = [_hunk(old, new, group) for group in _grouped(old, changes)]
    paragraphs = [_paragraph_of(old, start, end) for start, end in verdicts]
    for hunk in hunks:
        for change in hunk.changes:
            change.near_verdict = any(
                start <= change.old_end and change.old_start <= end for start, end in paragraphs
            )
        hunk.near_verdict = any(change.near_verdict for change in hunk.changes)
    return hunks


def _changed_stretches(old: str, new: str) -> list[Change]:
    """The stretches between the blocks the two texts share."""
    stretches = []
    old_at = new_at = 0
    for old_start, new_start, length in [*textdiff.diff(old, new).blocks, (len(old), len(new), 0)]:
        if old_start > old_at or new_start > new_at:
            stretches.append(Change(old_at, old_start, new_at, new_start))
        old_at, new_at = old_start + length, new_start + length
    return stretches


def _is_word(text: str, at: int) -> bool:
    """Whether `text[at]` is part of a word: a letter or digit, or the separator inside a
    number ("22.8", "160,000"), which changes as one word."""
    if not 0 <= at < len(text):
        return False
    if text[at].isalnum():
        return True
    return (
        text[at] in ".,"
        and 0 < at < len(text) - 1
        and text[at - 1].isdigit()
        and text[at + 1].isdigit()
    )


def _splits_a_word(text: str, at: int) -> bool:
    """Whether offset `at` falls between two letters or digits of one word."""
    return _is_word(text, at - 1) and _is_word(text, at)


# How far an inserted or deleted stretch is slid along the unchanged text around it.
SLIDE_LIMIT = 1000


def _slid(text: str, start: int, end: int, floor: int, ceiling: int) -> int:
    """How far to move the stretch `text[start:end]`, inserted or deleted whole, along the
    unchanged text around it (between `floor` and `ceiling`) to land between words.

    "One. Two gone. Three." less "Two gone. " may come out of the diff as "wo gone. T"
    gone: the same deletion, slid by a letter. Slid back to word edges it reads as written,
    at a paragraph's start where one is in reach.
    """
    if start == end:
        return 0
    at, length = start, end - start
    while at > max(floor, start - SLIDE_LIMIT) and text[at - 1] == text[at - 1 + length]:
        at -= 1
    # Of the places between words, the first at a paragraph's start, else the first where
    # the stretch starts with a word rather than a space ("that " put before "Over", not
    # " that" after the space), else the first.
    chosen: dict[int, int] = {}
    while True:
        if not _splits_a_word(text, at) and not _splits_a_word(text, at + length):
            if at == 0 or text[at - 2 : at] == "\n\n":
                return at - start
            chosen.setdefault(1 if text[at].isspace() else 0, at)
        if at + length < min(ceiling, end + SLIDE_LIMIT) and text[at] == text[at + length]:
            at += 1
        else:
            break
    return chosen[min(chosen)] - start if chosen else 0


def _whole_words(old: str, new: str, stretches: list[Change]) -> list[Change]:
    """The stretches widened to whole words, and joined where no word stands between."""
    joined: list[Change] = []
    for number, stretch in enumerate(stretches):
        change = Change(stretch.old_start, stretch.old_end, stretch.new_start, stretch.new_end)
        floor = joined[-1].old_end if joined else 0
        ceiling = stretches[number + 1].old_start if number + 1 < len(stretches) else len(old)
        # A stretch only one side has may slide along the text both share around it.
        if change.new_start == change.new_end:
            shift = _slid(old, change.old_start, change.old_end, floor, ceiling)
        elif change.old_start == change.old_end:
            new_floor = joined[-1].new_end if joined else 0
            new_ceiling = (
                stretches[number + 1].new_start if number + 1 < len(stretches) else len(new)
            )
            shift = _slid(new, change.new_start, change.new_end, new_floor, new_ceiling)
        else:
            shift = 0
        change.old_start += shift
        change.old_end += shift
        change.new_start += shift
        change.new_end += shift
        # Back to the word's start, over text both share (it lies before the stretch).
        if _splits_a_word(old, change.old_start) or _splits_a_word(new, change.new_start):
            while change.old_start > floor and _is_word(old, change.old_start - 1):
                change.old_start -= 1
                change.new_start -= 1
        # On to the word's end, over shared text up to the next stretch.
        if _splits_a_word(old, change.old_end) or _splits_a_word(new, change.new_end):
            while change.old_end < ceiling and _is_word(old, change.old_end):
                change.old_end += 1
                change.new_end += 1
        if joined and not any(c.isalnum() for c in old[joined[-1].old_end : change.old_start]):
            joined[-1].old_end, joined[-1].new_end = change.old_end, change.new_end
        else:
            joined.append(change)
    return joined


def _grouped(old: str, changes: list[Change]) -> list[list[Change]]:
    """Changes whose unchanged text between is short enough to show whole, together, a
    few at a time: a word changed in every paragraph is many hunks, not one of the text."""
    groups: list[list[Change]] = []
    for change in changes:
        if (
            groups
            and change.old_start - groups[-1][-1].old_end <= 2 * CONTEXT
            and len(groups[-1]) < HUNK_CHANGES
            and change.old_start - groups[-1][0].old_start <= HUNK_CHARACTERS
        ):
            groups[-1].append(change)
        else:
            groups.append([change])
    return groups


def _hunk(old: str, new: str, changes: list[Change]) -> Hunk:
    first, last = changes[0], changes[-1]
    parts = []
    before = old[max(0, first.old_start - CONTEXT) : first.old_start]
    if first.old_start > CONTEXT and " " in before:
        before = "… " + before.split(" ", 1)[1]  # cut between words
    _add(parts, "equal", before)
    for number, change in enumerate(changes):
        if number:
            _add(parts, "equal", old[changes[number - 1].old_end : change.old_start])
        _add(parts, "delete", old[change.old_start : change.old_end])
        _add(parts, "insert", new[change.new_start : change.new_end])
    after = old[last.old_end : last.old_end + CONTEXT]
    if last.old_end + CONTEXT < len(old) and " " in after:
        after = after.rsplit(" ", 1)[0] + " …"
    _add(parts, "equal", after)
    return Hunk(parts, first.old_start, last.old_end, changes=changes)


def _add(parts: list[list[str]], op: str, text: str) -> None:
    if text:
        parts.append([op, text])


def _paragraph_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the paragraphs that `text[start:end]` lies in."""
    opening = text.rfind("\n\n", 0, start)
    closing = text.find("\n\n", end)
    return (0 if opening < 0 else opening + 2, len(text) if closing < 0 else closing)
