"""Where each stretch of an old text went in a new one: the diff between two revisions.

Why this shape: re-anchoring must map the spans of a thousand claims through the difference
between two texts of a megabyte in well under a second, and in articles that repeat passages
(a section printed twice, boilerplate) it must never pair one copy with another. Measured on
the benchmark's 1 MB article with 460 edits: a character diff of the whole text is too slow
(diff-match-patch's C++ Myers, `fast-diff-match-patch`, 20 s; its pure-Python original 2.4 s
in line mode; rapidfuzz's bit-parallel LCS needs n*m/64 machine words). diff-match-patch's
line mode in C++ takes 0.1 s, but it would add a compiled dependency, and a minimal edit
script of lines treats the copies of a repeated paragraph as interchangeable (ties are broken
arbitrarily). difflib's longest-block-first pairing, on paragraphs whose neighbours were all
edited, pairs the first copy it sees and drops the rest (measured: a 2,292-character false
insertion on the benchmark). So the diff goes from coarse to fine, in the
manner of patience diff: the common prefix and suffix are cut off; a large middle is split at
the paragraphs that occur exactly once on each side, in their longest order-preserving chain,
or failing those at such words, and each stretch between is compared the same way; only a
small stretch (about 500 by 500 characters) is compared character by character, with
rapidfuzz's `Indel.opcodes` (C++, an LCS: insertions and deletions only), because an LCS of a
large stretch holding an insertion has many equally long alignments and may thread the old
words through the inserted ones; a large stretch without unique paragraphs or words falls
back to the LCS of its paragraphs, then of its words. A repeated paragraph never splits the
texts, so the copies around an edit are compared word by word and each keeps its own place.
rapidfuzz is already a runtime dependency. The benchmark's diffs take 30 to 70 ms.

Offsets are code points (Python `str` indices) in both texts.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from itertools import accumulate
from typing import NamedTuple

from rapidfuzz.distance import Indel

_PARAGRAPH = re.compile(r"[^\n]+\n*|\n+")
_WORD = re.compile(r"\s*\S+|\s+")
_MAX_CHARACTER_CELLS = 40_000_000
"""Largest old length times new length compared character by character (about 10 ms)."""
_MAX_TOKEN_CELLS = 100_000_000
"""Largest product of paragraph or word counts paired by LCS; beyond it a stretch counts as
rewritten, and its claims are searched for rather than mapped."""
_DIRECT_CHARACTER_CELLS = 250_000
"""Largest stretches compared character by character before trying to split them: an LCS of
two stretches, one holding an insertion, has many equally long alignments, and rapidfuzz may
pick one that threads the old words through the inserted ones; unique words are cut first."""
_MAX_DEPTH = 48
_PREFIX_STEP = 4096


class MappedSpan(NamedTuple):
    """Where an old span lies in the new text.

    `intact` says the edits left every character of the span, and nothing between them,
    untouched: the span then moved as a whole to `start`-`end`. Otherwise `start`-`end` is
    the stretch of new text that took its place (possibly empty, when it was deleted).
    """

    start: int
    end: int
    intact: bool


class TextDiff:
    """The stretches an old and a new text share, to map offsets from one to the other.

    Build it with `diff(old, new)`. The shared blocks are kept in text order (they are in the
    same order in both texts), merged where they touch in both.
    """

    def __init__(self, old_length: int, new_length: int, blocks: list[tuple[int, int, int]]):
        merged: list[list[int]] = []
        for old_start, new_start, length in blocks:
            if length <= 0:
                continue
            if merged:
                last = merged[-1]
                if last[0] + last[2] == old_start and last[1] + last[2] == new_start:
                    last[2] += length
                    continue
            merged.append([old_start, new_start, length])
        self.old_length = old_length
        self.new_length = new_length
        self._old_starts = [block[0] for block in merged]
        self._new_starts = [block[1] for block in merged]
        self._lengths = [block[2] for block in merged]

    @property
    def blocks(self) -> list[tuple[int, int, int]]:
        """The shared stretches as `(old_start, new_start, length)`, in text order."""
        return list(zip(self._old_starts, self._new_starts, self._lengths, strict=True))

    @property
    def unchanged(self) -> int:
        """How many characters the two texts share."""
        return sum(self._lengths)

    def map_span(self, start: int, end: int) -> MappedSpan:
        """Map the old span `start`-`end` (0 <= start < end <= old length) into the new text.

        An insertion right before or after the span leaves it intact; one between two of its
        characters does not.
        """
        if not 0 <= start < end <= self.old_length:
            raise ValueError(f"span {start}-{end} is outside the old text ({self.old_length})")
        block = bisect.bisect_right(self._old_starts, start) - 1
        if block >= 0 and end <= self._old_starts[block] + self._lengths[block]:
            shift = self._new_starts[block] - self._old_starts[block]
            return MappedSpan(start + shift, end + shift, intact=True)
        new_start, new_end = self._map_start(start), self._map_end(end)
        return MappedSpan(new_start, max(new_start, new_end), intact=False)

    def new_fraction(self, start: int, end: int) -> float:
        """The share of the new text's `start`-`end` that no old text maps to (inserted text)."""
        if end <= start:
            return 0.0
        shared = 0
        block = max(0, bisect.bisect_right(self._new_starts, start) - 1)
        while block < len(self._new_starts) and self._new_starts[block] < end:
            block_end = self._new_starts[block] + self._lengths[block]
            shared += max(0, min(end, block_end) - max(start, self._new_starts[block]))
            block += 1
        return 1 - shared / (end - start)

    def _map_start(self, offset: int) -> int:
        """Map an old start offset; inside deleted text it goes to where the deletion was."""
        block = bisect.bisect_right(self._old_starts, offset) - 1
        if block < 0:
            return 0
        old_start, new_start = self._old_starts[block], self._new_starts[block]
        return new_start + min(offset - old_start, self._lengths[block])

    def _map_end(self, offset: int) -> int:
        """Map an old end offset; inside deleted text it goes to where the next shared text is."""
        block = bisect.bisect_left(self._old_starts, offset)
        if block > 0:
            previous = block - 1
            previous_end = self._old_starts[previous] + self._lengths[previous]
            if offset <= previous_end:
                return self._new_starts[previous] + offset - self._old_starts[previous]
        if block < len(self._old_starts):
            return self._new_starts[block]
        return self.new_length


def diff(old: str, new: str) -> TextDiff:
    """Compute where the stretches of `old` went in `new`."""
    if not isinstance(old, str) or not isinstance(new, str):
        raise ValueError("both texts must be str")
    blocks: list[tuple[int, int, int]] = []
    _Comparison(old, new, blocks).compare(0, len(old), 0, len(new), depth=0)
    return TextDiff(len(old), len(new), blocks)


class _Comparison:
    """Fills `blocks` with the stretches two texts share, coarse to fine."""

    def __init__(self, old: str, new: str, blocks: list[tuple[int, int, int]]):
        self.old, self.new, self.blocks = old, new, blocks

    def compare(self, old_low: int, old_high: int, new_low: int, new_high: int, depth: int):
        """Compare `old[old_low:old_high]` with `new[new_low:new_high]`.

        The common ends are cut off first. A small middle is compared character by character;
        a large one is split at the paragraphs that occur exactly once on each side (as
        patience diff does with lines), in the longest order-preserving chain, and each
        stretch between is compared the same way; failing such paragraphs, at such words.
        A paragraph that recurs (a repeated section, boilerplate) never splits the texts, so
        a copy is never paired with another copy of itself across an edit: the stretch around
        both is compared more finely.
        """
        prefix = self._common_prefix(old_low, old_high, new_low, new_high)
        if prefix:
            self.blocks.append((old_low, new_low, prefix))
            old_low, new_low = old_low + prefix, new_low + prefix
        suffix = self._common_suffix(old_low, old_high, new_low, new_high)
        old_high, new_high = old_high - suffix, new_high - suffix
        if old_low < old_high and new_low < new_high:
            if (old_high - old_low) * (new_high - new_low) <= _DIRECT_CHARACTER_CELLS:
                self._by_characters(old_low, old_high, new_low, new_high)
            elif depth >= _MAX_DEPTH or not any(
                self._split_at_unique(old_low, old_high, new_low, new_high, depth, pattern)
                for pattern in (_PARAGRAPH, _WORD)
            ):
                self._by_tokens(old_low, old_high, new_low, new_high, _PARAGRAPH)
        if suffix:
            self.blocks.append((old_high, new_high, suffix))

    def _split_at_unique(self, old_low, old_high, new_low, new_high, depth, pattern) -> bool:
        """Split the stretches at tokens found once on each side; False if there are none."""
        old_tokens = pattern.findall(self.old, old_low, old_high)
        new_tokens = pattern.findall(self.new, new_low, new_high)
        anchors = _unique_chain(old_tokens, new_tokens)
        if not anchors:
            return False
        old_offsets, new_offsets = _offsets(old_low, old_tokens), _offsets(new_low, new_tokens)
        old_at, new_at = old_low, new_low
        for old_index, new_index in anchors:
            self.compare(old_at, old_offsets[old_index], new_at, new_offsets[new_index], depth + 1)
            old_at, new_at = old_offsets[old_index + 1], new_offsets[new_index + 1]
            self.blocks.append(
                (old_offsets[old_index], new_offsets[new_index], old_at - old_offsets[old_index])
            )
        self.compare(old_at, old_high, new_at, new_high, depth + 1)
        return True

    def _by_tokens(self, old_low, old_high, new_low, new_high, pattern) -> None:
        """Pair tokens by their longest common subsequence, then compare what lies between."""
        old_tokens = pattern.findall(self.old, old_low, old_high)
        new_tokens = pattern.findall(self.new, new_low, new_high)
        if len(old_tokens) * len(new_tokens) > _MAX_TOKEN_CELLS:
            return
        ids: dict[str, int] = {}
        old_ids = [ids.setdefault(token, len(ids)) for token in old_tokens]
        new_ids = [ids.setdefault(token, len(ids)) for token in new_tokens]
        old_offsets, new_offsets = _offsets(old_low, old_tokens), _offsets(new_low, new_tokens)
        # Indel's opcodes give a replaced run as a deletion and an insertion: the stretch
        # between two equal runs is compared as a whole.
        old_gap = new_gap = 0
        for tag, old_start, old_end, new_start, new_end in [
            *Indel.opcodes(old_ids, new_ids),
            ("equal", len(old_ids), len(old_ids), len(new_ids), len(new_ids)),
        ]:
            if tag != "equal":
                continue
            self._between_tokens(
                old_offsets[old_gap],
                old_offsets[old_start],
                new_offsets[new_gap],
                new_offsets[new_start],
                pattern,
            )
            if old_end > old_start:
                self.blocks.append(
                    (
                        old_offsets[old_start],
                        new_offsets[new_start],
                        old_offsets[old_end] - old_offsets[old_start],
                    )
                )
            old_gap, new_gap = old_end, new_end

    def _between_tokens(self, old_from, old_to, new_from, new_to, pattern) -> None:
        if old_from == old_to or new_from == new_to:
            return
        if (old_to - old_from) * (new_to - new_from) <= _MAX_CHARACTER_CELLS:
            self._by_characters(old_from, old_to, new_from, new_to)
        elif pattern is _PARAGRAPH:
            self._by_tokens(old_from, old_to, new_from, new_to, _WORD)

    def _by_characters(self, old_low, old_high, new_low, new_high) -> None:
        for tag, old_start, old_end, new_start, _ in Indel.opcodes(
            self.old[old_low:old_high], self.new[new_low:new_high]
        ):
            if tag == "equal":
                self.blocks.append((old_low + old_start, new_low + new_start, old_end - old_start))

    def _common_prefix(self, old_low, old_high, new_low, new_high) -> int:
        """How many characters the two stretches share at their start, compared in C."""
        old, new = self.old, self.new
        limit = min(old_high - old_low, new_high - new_low)
        length = 0
        while length < limit:
            step = min(_PREFIX_STEP, limit - length)
            if (
                old[old_low + length : old_low + length + step]
                == new[new_low + length : new_low + length + step]
            ):
                length += step
                continue
            # The first difference lies within the next `step` characters: halve towards it.
            while step > 1:
                half = step // 2
                if (
                    old[old_low + length : old_low + length + half]
                    == new[new_low + length : new_low + length + half]
                ):
                    length += half
                    step -= half
                else:
                    step = half
            return length
        return length

    def _common_suffix(self, old_low, old_high, new_low, new_high) -> int:
        """How many characters the two stretches share at their end."""
        old, new = self.old, self.new
        limit = min(old_high - old_low, new_high - new_low)
        length = 0
        while length < limit:
            step = min(_PREFIX_STEP, limit - length)
            if (
                old[old_high - length - step : old_high - length]
                == new[new_high - length - step : new_high - length]
            ):
                length += step
                continue
            while step > 1:
                half = step // 2
                if (
                    old[old_high - length - half : old_high - length]
                    == new[new_high - length - half : new_high - length]
                ):
                    length += half
                    step -= half
                else:
                    step = half
            return length
        return length


def _unique_chain(old_tokens: list[str], new_tokens: list[str]) -> list[tuple[int, int]]:
    """Pairs of indexes of tokens occurring once in each list, longest order-preserving chain."""
    old_counts, new_counts = Counter(old_tokens), Counter(new_tokens)
    new_index = {token: index for index, token in enumerate(new_tokens) if new_counts[token] == 1}
    pairs = [
        (index, new_index[token])
        for index, token in enumerate(old_tokens)
        if old_counts[token] == 1 and token in new_index
    ]
    # Longest increasing subsequence of the new indexes (patience sorting).
    tails: list[int] = []
    tail_pairs: list[int] = []
    previous = [-1] * len(pairs)
    for at, (_, j) in enumerate(pairs):
        position = bisect.bisect_left(tails, j)
        if position == len(tails):
            tails.append(j)
            tail_pairs.append(at)
        else:
            tails[position] = j
            tail_pairs[position] = at
        previous[at] = tail_pairs[position - 1] if position else -1
    chain = []
    at = tail_pairs[-1] if tail_pairs else -1
    while at != -1:
        chain.append(pairs[at])
        at = previous[at]
    return chain[::-1]


def _offsets(low: int, tokens: list[str]) -> list[int]:
    return list(accumulate(map(len, tokens), initial=low))
