"""What changed between two revisions of an article's text, in whole words, for a reviewer."""

# Built on `textdiff`, the diff re-anchoring uses: it takes tens of milliseconds on a
# megabyte where a word diff of whole paragraphs took seconds, and it finds every change,
# however many and however long. Its changes are character stretches ("ousted" and
# "removed" share an "o", an "e" and a "d"), so each is slid to word edges, widened to the
# whole words it touches, and joined to the next where no word stands between: a reworded
# phrase reads as one deletion and one insertion, not as words interleaved. Changes close
# together share one hunk, shown with the unchanged words around it.

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

from annotations import textdiff

# Unchanged characters shown before and after a hunk, cut between words; a run of unchanged
# text between two changes longer than twice this starts a new hunk.
CONTEXT = 80
# The most changes, and old characters from the first change's start to the last's, in a
# hunk: more changes close together make a new hunk.
HUNK_CHANGES = 6
HUNK_CHARACTERS = 1000
# The most characters of one removed or added stretch shown: a text replaced whole is its
# beginning and end, with how much lies between, not a megabyte on every workspace view.
PART_SHOWN = 1200
# How far an inserted or deleted stretch is slid along the unchanged text around it.
SLIDE_LIMIT = 1000
# Inside a number: the decimal and thousands separators, Arabic's (U+066B, U+066C) among them.
NUMBER_SEPARATORS = ".,\u066b\u066c"


@dataclass
class Change:
    """One changed stretch: `old[old_start:old_end]` became `new[new_start:new_end]`."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int
    near_verdict: bool = False

    def shift(self, by: int) -> None:
        self.old_start += by
        self.old_end += by
        self.new_start += by
        self.new_end += by


@dataclass
class Hunk:
    """Changes close together, with the unchanged words around them.

    `parts` are ["equal" | "delete" | "insert", text] in reading order ("elided" stands
    for the middle of a long removal or addition: how many characters); `old_start` and
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

    `verdicts` are the old text's spans that published verdicts rate: a change inside a
    paragraph holding one, or in the last sentence of the paragraph before it, is marked
    `near_verdict`, for the reviewer to read first (words put before a rated sentence
    change what it says as much as its own words do, "None of what follows is true."
    ending the paragraph before included).
    """
    changes = changes_of(old, new)
    paragraphs = _beside(old, verdicts)
    starts = [start for start, _ in paragraphs]
    for change in changes:
        change.near_verdict = _in_a_paragraph(new, change, paragraphs, starts)
    hunks = [_hunk(old, new, group) for group in _grouped(changes)]
    for hunk in hunks:
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
    """Whether `text[at]` is part of a word: a letter, a mark (Devanagari's vowel signs) or
    a digit, or the separator inside a number ("22.8", "160,000"), which changes as one."""
    if not 0 <= at < len(text):
        return False
    if unicodedata.category(text[at])[0] in "LMN":
        return True
    return (
        text[at] in NUMBER_SEPARATORS
        and 0 < at < len(text) - 1
        and text[at - 1].isdigit()
        and text[at + 1].isdigit()
    )


def _is_ideograph(char: str) -> bool:
    """A script written without spaces between words (Han, kana, Thai, Lao, Khmer,
    Myanmar): each character is a word of its own here, or one changed digit would mark a
    whole sentence."""
    code = ord(char)
    return (
        0x0E00 <= code <= 0x0EFF
        or 0x1000 <= code <= 0x109F
        or 0x1780 <= code <= 0x17FF
        or 0x3040 <= code <= 0x30FF
        or 0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or code >= 0x20000
    )


def _splits_a_word(text: str, at: int) -> bool:
    """Whether offset `at` falls between two characters of one word."""
    return (
        _is_word(text, at - 1)
        and _is_word(text, at)
        and not _is_ideograph(text[at - 1])
        and not _is_ideograph(text[at])
    )


def _word_goes_on(text: str, at: int) -> bool:
    """Whether `text[at]` belongs to the word beside it (an ideograph is a word alone)."""
    return _is_word(text, at) and not _is_ideograph(text[at])


def _slid_stretches(old: str, new: str, stretches: list[Change]) -> list[Change]:
    """Each stretch only one side has, slid along the text both share around it to land
    between words (a deletion of "Two gone.\\n\\n" may come out of the diff as "wo
    gone.\\n\\nT")."""
    slid: list[Change] = []
    for number, stretch in enumerate(stretches):
        change = Change(stretch.old_start, stretch.old_end, stretch.new_start, stretch.new_end)
        following = stretches[number + 1] if number + 1 < len(stretches) else None
        if change.new_start == change.new_end:
            floor = slid[-1].old_end if slid else 0
            ceiling = following.old_start if following else len(old)
            change.shift(_slide(old, change.old_start, change.old_end, floor, ceiling))
        elif change.old_start == change.old_end:
            floor = slid[-1].new_end if slid else 0
            ceiling = following.new_start if following else len(new)
            change.shift(_slide(new, change.new_start, change.new_end, floor, ceiling))
        slid.append(change)
    return slid


def _slide(text: str, start: int, end: int, floor: int, ceiling: int) -> int:
    """How far to move `text[start:end]`, inserted or deleted whole, between `floor` and
    `ceiling`, for it to read as written.

    Of the places between words: one where it is whole paragraphs (it starts a paragraph,
    or starts with the break after one, as a paragraph added at the end does), else one
    where it starts with a word rather than a space ("that " before "Over", not " that"
    after the space), else the first.
    """
    if start == end:
        return 0
    at, length = start, end - start
    while at > max(floor, start - SLIDE_LIMIT) and text[at - 1] == text[at - 1 + length]:
        at -= 1
    chosen: dict[int, int] = {}
    while True:
        if not _splits_a_word(text, at) and not _splits_a_word(text, at + length):
            if at == 0 or text[at - 2 : at] == "\n\n" or text[at : at + 2] == "\n\n":
                return at - start
            chosen.setdefault(1 if text[at].isspace() else 0, at)
        if at + length < min(ceiling, end + SLIDE_LIMIT) and text[at] == text[at + length]:
            at += 1
        else:
            break
    return chosen[min(chosen)] - start if chosen else 0


def _whole_words(old: str, new: str, stretches: list[Change]) -> list[Change]:
    """The slid stretches widened to whole words, and joined where no word stands between."""
    joined: list[Change] = []
    for number, change in enumerate(stretches):
        # Back to the word's start, over text both share (it lies before the stretch).
        floor = joined[-1].old_end if joined else 0
        if _splits_a_word(old, change.old_start) or _splits_a_word(new, change.new_start):
            while change.old_start > floor and _word_goes_on(old, change.old_start - 1):
                change.old_start -= 1
                change.new_start -= 1
        # On to the word's end, over shared text up to where the next (slid) one starts.
        ceiling = stretches[number + 1].old_start if number + 1 < len(stretches) else len(old)
        if _splits_a_word(old, change.old_end) or _splits_a_word(new, change.new_end):
            while change.old_end < ceiling and _word_goes_on(old, change.old_end):
                change.old_end += 1
                change.new_end += 1
        if joined and not any(
            _is_word(old, at) for at in range(joined[-1].old_end, change.old_start)
        ):
            joined[-1].old_end, joined[-1].new_end = change.old_end, change.new_end
        else:
            joined.append(change)
    for change in joined:
        _trim_shared_words(old, new, change)
    return joined


def _trim_shared_words(old: str, new: str, change: Change) -> None:
    """Leave out of `change` the whole words its two sides begin or end with alike: the
    character diff may pair an unchanged word with letters of an inserted one, and
    " with" became ", reworded, with" where ", reworded," was put in (trial G13)."""
    removed = old[change.old_start : change.old_end]
    added = new[change.new_start : change.new_end]
    if not removed or not added:
        return
    tail = 0
    while tail < min(len(removed), len(added)) and removed[-1 - tail] == added[-1 - tail]:
        tail += 1
    while tail and (
        _splits_a_word(old, change.old_end - tail) or _splits_a_word(new, change.new_end - tail)
    ):
        tail -= 1
    change.old_end -= tail
    change.new_end -= tail
    removed, added = removed[: len(removed) - tail], added[: len(added) - tail]
    head = 0
    while head < min(len(removed), len(added)) and removed[head] == added[head]:
        head += 1
    while head and (
        _splits_a_word(old, change.old_start + head) or _splits_a_word(new, change.new_start + head)
    ):
        head -= 1
    change.old_start += head
    change.new_start += head


def changes_of(old: str, new: str) -> list[Change]:
    """Every change from `old` to `new`, in whole words, in text order, none marked yet."""
    return _whole_words(old, new, _slid_stretches(old, new, _changed_stretches(old, new)))


def any_beside(old: str, new: str, changes: list[Change], spans: list[tuple[int, int]]) -> bool:
    """Whether one of `changes` (of `changes_of(old, new)`) is beside one of `spans` of
    `old`, as `text_changes` marks a change beside a verdict."""
    paragraphs = _beside(old, spans)
    starts = [start for start, _ in paragraphs]
    return any(_in_a_paragraph(new, change, paragraphs, starts) for change in changes)


def _beside(old: str, spans) -> list[tuple[int, int]]:
    """The stretches of `old` whose changes are beside `spans`: their paragraphs, each with
    the last sentence of the paragraph before, merged, in text order."""
    return _merged(
        sorted(_with_the_sentence_before(old, *_paragraph_of(old, s, e)) for s, e in spans)
    )


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _in_a_paragraph(new: str, change: Change, paragraphs, starts) -> bool:
    """Whether `change` falls inside one of `paragraphs` (sorted, apart), or is a paragraph
    put right before one (see `_inside`)."""
    index = bisect.bisect_right(starts, change.old_end) - 1
    return any(
        _inside(new, change, *paragraphs[number])
        for number in (index - 1, index, index + 1)
        if 0 <= number < len(paragraphs)
    )


def _inside(new: str, change: Change, start: int, end: int) -> bool:
    """Whether `change` is in the paragraph `start`-`end`, or is a paragraph put right
    before it ("Satire below.", "It is false that what follows is true."), which frames
    it; one put after it (a correction at the end) is not."""
    before = start - 2  # the break that ends the paragraph before
    if change.old_start < change.old_end:
        return change.old_start < end and change.old_end >= before
    added = new[change.new_start : change.new_end]
    where = change.old_start
    return before <= where < end or (where == end and not added.startswith("\n\n"))


def _grouped(changes: list[Change]) -> list[list[Change]]:
    """Changes whose unchanged text between is short enough to show whole, together, a
    few at a time: a word changed in every paragraph is many hunks, not one of the text."""
    groups: list[list[Change]] = []
    for change in changes:
        if (
            groups
            # Changes beside a verdict and others apart: the list beside verdicts holds
            # those alone, and its count is its length.
            and change.near_verdict == groups[-1][-1].near_verdict
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
        _add_shortened(parts, "delete", old[change.old_start : change.old_end])
        _add_shortened(parts, "insert", new[change.new_start : change.new_end])
    after = old[last.old_end : last.old_end + CONTEXT]
    if last.old_end + CONTEXT < len(old) and " " in after:
        after = after.rsplit(" ", 1)[0] + " …"
    _add(parts, "equal", after)
    return Hunk(parts, first.old_start, last.old_end, changes=changes)


def _add_shortened(parts: list[list[str]], op: str, text: str) -> None:
    """`text` as a part, or its beginning and end and, between them as a part of its own
    ("elided", drawn unlike the text), how much lies between."""
    if len(text) <= PART_SHOWN:
        _add(parts, op, text)
        return
    head = text[: PART_SHOWN * 2 // 3].rsplit(" ", 1)[0]
    tail = text[-PART_SHOWN // 3 :].split(" ", 1)[-1]
    _add(parts, op, head)
    parts.append(["elided", f"{len(text) - len(head) - len(tail):,} more characters"])
    _add(parts, op, tail)


def _add(parts: list[list[str]], op: str, text: str) -> None:
    if text:
        parts.append([op, text])


# The end of a sentence: its stop, any closing quote or bracket, then a space.
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f\u061f\u0964][\"'\u201d\u2019)\]]*\s+")
_CLOSING = ".!?\u3002\uff01\uff1f\u061f\u0964\"'\u201d\u2019)] "


def _with_the_sentence_before(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph `start`-`end` with the last sentence of the paragraph before it, which
    leads into it: a sentence added there frames the rated one (trial G17)."""
    if start < 2 or text[start - 2 : start] != "\n\n":
        return start, end
    before_end = start - 2
    opening = text.rfind("\n\n", 0, before_end)
    before_start = 0 if opening < 0 else opening + 2
    # Its own closing stop is not where it begins.
    body = text[before_start:before_end].rstrip(_CLOSING)
    stops = list(_SENTENCE_END.finditer(body))
    if not stops:
        return before_start, end
    # Two on, as a paragraph's start is two after the break `_inside` counts from.
    return before_start + stops[-1].end() + 2, end


def _paragraph_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the paragraphs that `text[start:end]` lies in."""
    opening = text.rfind("\n\n", 0, start)
    closing = text.find("\n\n", end)
    return (0 if opening < 0 else opening + 2, len(text) if closing < 0 else closing)
