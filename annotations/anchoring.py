"""Describe text spans with W3C selectors and anchor those selectors again in revised texts.

Why rapidfuzz for approximate search: re-anchoring runs inside web requests and Celery tasks,
on articles up to megabytes long, so the edit-distance work must not be Python loops. rapidfuzz
computes Levenshtein, OSA (a swap of neighbours is one edit, as typists make them) and Indel
distances with bit-parallel algorithms in C++, so comparing a 120-character quote with a
candidate takes about a microsecond and `fuzz.partial_ratio_alignment` slides a quote over a
window of several kilobytes in well under a millisecond, with no limit on the quote's length.
A hand-written dynamic program would be slower by orders of magnitude, and diff-match-patch's
bitap (what the Hypothesis client used) is pure Python here, limited to 32-character slices in
JavaScript, and scores by distance from the old position rather than by the quote's context.
`bench/anchoring.py` measures it against this module. rapidfuzz is MIT-licensed and already a
runtime dependency.

How a quote is found again: when the text it was made on is known (the server keeps every
revision), through the diff between the two texts first (`textdiff`): words no edit touched
are mapped exactly, wherever their copies are, and only edited words are searched for, in the
stretch that replaced them (in inserted text too, when that stretch is gone: a moved passage).
Without it: first at its recorded position; else verbatim, then approximately (at most 15% of
its characters edited, every number unchanged), in ever wider windows around where it should
be. Matching runs on a normalised copy of the text (curly quotes, dashes and
every kind of space folded, runs of spaces collapsed) mapped back to the original offsets. A
candidate away from its recorded position counts only if its prefix or suffix agree, so a
deleted quote does not jump to a look-alike sentence. Offsets are Unicode code points (Python
`str` indices) throughout; browsers send UTF-16 offsets, which `utf16_to_codepoint` and
`codepoint_to_utf16` convert.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import regex
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Levenshtein

from annotations import textdiff

CONTEXT_LENGTH = 32
"""Code points of prefix and suffix that `describe` records around a quote."""

MAX_EDIT_PERCENT = 15
"""Edits an approximate match may have, as a percentage of the quote's length."""

MIN_CONTEXT_SIMILARITY = 0.85
"""How closely the prefix or the suffix must match for a quote found elsewhere to count."""

_RECOGNISABLE_CONTEXT_SIMILARITY = 0.7

_SAME_WORDS = 1 - MAX_EDIT_PERCENT / 100

_STRONG_CONTEXT_SIMILARITY = 0.9
_PERFECT_CONTEXT_SIMILARITY = 0.99
_CONTEXT_SLACK = 8
_CONCLUSIVE_CONTEXT = 16
_SHORTEST_FORGIVEN_QUOTE = 3
_SEARCH_RADII = (4096, 65536)
_FUZZY_CUTOFF = 70
_LOOSE_FUZZY_CUTOFF = 50
_MAX_FUZZY_CANDIDATES = 8
_MAX_CONTEXT_MATCHES = 256
_MAX_SLOT_CONTEXT_REPEATS = 3
_LARGEST_FUZZY_WINDOW = 2 * 65536 + 4096
_MAX_EXACT_CANDIDATES = 1000
_NEIGHBOURS_CONSULTED = 5
_NUMBER_REACH = 40

QUOTE = "TextQuoteSelector"
POSITION = "TextPositionSelector"

_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f"
_DASHES = "\u2013\u2014\u2012\u2015\u2212"
_OTHER_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace() and c != 0x20)
_FOLD_TABLE = str.maketrans(
    {
        **dict.fromkeys(_SINGLE_QUOTES, "'"),
        **dict.fromkeys(_DOUBLE_QUOTES, '"'),
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_OTHER_SPACES, " "),
    }
)
_FOLDABLE_RUN = re.compile(
    "[" + re.escape(_SINGLE_QUOTES + _DOUBLE_QUOTES + _DASHES + _OTHER_SPACES) + "]+"
)
_SPACE_RUN = re.compile(" {2,}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD_CHARACTER = re.compile(r"\w")


class AnchorError(ValueError):
    """Selectors that must anchor in a text do not."""


@dataclass(frozen=True, slots=True)
class Anchoring:
    """Where selectors landed in a text, how they were matched, and why (or why not)."""

    start: int | None
    end: int | None
    method: str | None
    reason: str
    score: float = 0.0

    @property
    def found(self) -> bool:
        """Whether the selectors anchored somewhere."""
        return self.method is not None

    @property
    def span(self) -> tuple[int, int] | None:
        """The anchored `(start, end)`, or None for an orphan."""
        if self.method is None:
            return None
        return (self.start, self.end)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place a quote might have moved to, with the evidence for and against it.

    Similarities run from 0 to 1; a context similarity is None when the selector recorded no
    such context or no text is left beside the candidate. `context_score` adds both sides
    (2 is perfect), `numbers_changed` pairs the quote's numbers with the candidate's when they
    differ, and `accepted` says whether `resolve` may anchor there.
    """

    start: int
    end: int
    method: str
    score: float
    quote_similarity: float
    prefix_similarity: float | None
    suffix_similarity: float | None
    context_score: float
    numbers_changed: tuple[tuple[str, ...], tuple[str, ...]] | None
    context_agrees: bool
    accepted: bool


@dataclass(frozen=True, slots=True)
class _Target:
    exact: str | None
    prefix: str
    suffix: str
    start: int | None
    end: int | None


def selectors(exact: str, prefix: str, suffix: str, start: int, end: int) -> list[dict]:
    """The TextQuoteSelector and TextPositionSelector of a stored passage, in W3C form."""
    return [
        {"type": QUOTE, "exact": exact, "prefix": prefix, "suffix": suffix},
        {"type": POSITION, "start": start, "end": end},
    ]


def describe(text: str, start: int, end: int) -> list[dict]:
    """Return the TextQuoteSelector and TextPositionSelector of `text[start:end]`.

    The quote carries up to `CONTEXT_LENGTH` code points of prefix and suffix (fewer at the
    edges of the text). Raises ValueError for an empty or out-of-range span.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    for name, value in (("start", start), ("end", end)):
        if not _is_offset(value):
            raise ValueError(f"{name} must be an int, got {value!r}")
    if not 0 <= start < end <= len(text):
        raise ValueError(
            f"span {start}-{end} must satisfy 0 <= start < end <= {len(text)} (the text length)"
        )
    prefix = text[max(0, start - CONTEXT_LENGTH) : start]
    return selectors(text[start:end], prefix, text[end : end + CONTEXT_LENGTH], start, end)


def resolve(text: str, selectors: Sequence[dict]) -> Anchoring:
    """Anchor `selectors` in `text` and say how, or why it failed."""
    return Anchorer._sharing_views(text).resolve(selectors)


def anchor(text: str, selectors: Sequence[dict]) -> tuple[int, int] | None:
    """Return the `(start, end)` the selectors point at in `text`, or None for an orphan."""
    return resolve(text, selectors).span


def explain_failure(text: str, selectors: Sequence[dict]) -> str:
    """Say in words why the selectors cannot be anchored in `text`; "" when they can."""
    result = resolve(text, selectors)
    return "" if result.found else result.reason


def require(text: str, selectors: Sequence[dict]) -> tuple[int, int]:
    """Return the anchored `(start, end)`, raising AnchorError with the reason if there is none."""
    result = resolve(text, selectors)
    if not result.found:
        raise AnchorError(f"The selection cannot be anchored in the text: {result.reason}.")
    return result.span


def require_exact(text: str, selectors: Sequence[dict]) -> tuple[int, int]:
    """Return the `(start, end)` whose characters are the selection's quote.

    For a new selection, which must describe the current text: the quote must read as the
    text where it is found, or differ from it in typography alone (quote style, dashes,
    kinds and runs of spaces), as a quote typed with straight quotes or copied with no-break
    spaces does; the caller keeps the text's own characters. An approximate match (other
    letters, digits or punctuation) raises AnchorError, and so does a quote found more than
    once in the text when no position, prefix or suffix says which.
    """
    target = _parse_selectors(selectors)
    if target.start is None and target.exact:
        # Nothing says which copy of a repeated quote was meant: taking the first would
        # check a sentence the editor may not have chosen.
        copies = _copies_in_context(text, target.exact, target.prefix, target.suffix)
        if copies > 1 and not (target.prefix or target.suffix):
            raise AnchorError(
                f"The quote {target.exact!r} appears {copies} times in the text: send its "
                "TextPositionSelector, or a prefix or suffix, to say which one."
            )
        if copies > 1:
            raise AnchorError(
                f"The quote {target.exact!r} appears {copies} times in the text with that "
                "prefix and suffix: send its TextPositionSelector, or a longer prefix or "
                "suffix, to say which one."
            )
    # A quote found nowhere is said to be so: "quote deleted" (of an edit there was not), or
    # a mismatch at positions the client may not have sent, sends it after another mistake.
    # Looked for only once anchoring has failed: a selection that matches costs nothing more.
    try:
        start, end = require(text, selectors)
    except AnchorError:
        if _absent(text, target.exact):
            raise AnchorError(
                f"{_not_in_text(target.exact)}: quote the words as the current text has them."
            ) from None
        raise
    found = text[start:end]
    if target.exact is not None and _normalise(found) != _normalise(target.exact):
        if _absent(text, target.exact):
            raise AnchorError(
                f"{_not_in_text(target.exact)}; the closest passage, at {start}-{end}, reads "
                f"{found!r}."
            )
        raise AnchorError(
            f"The selected text {target.exact!r} does not match the text at {start}-{end}, "
            f"which reads {found!r}."
        )
    return start, end


def _absent(text: str, exact: str | None) -> bool:
    """Whether a quote is nowhere in the text, spaces and typography aside."""
    return bool(exact) and _normalise(exact) not in _normalise(text)


def _not_in_text(exact: str) -> str:
    shown = exact if len(exact) <= 80 else exact[:79] + "…"
    return f"The quote {shown!r} is not in the text (spaces and quote marks aside)"


def _copies_in_context(text: str, exact: str, prefix: str | None, suffix: str | None) -> int:
    """How many times the quote appears with the prefix before it and the suffix after it
    (each ignored when absent), spaces and typography aside."""
    haystack, needle = _normalise(text), _normalise(exact)
    before = _normalise(prefix or "").rstrip()
    after = _normalise(suffix or "").lstrip()
    copies, found = 0, haystack.find(needle)
    while found != -1 and needle:
        # Spaces between the quote and its context are skipped in place: slicing the text
        # before each copy cost seconds for a common word in a long article.
        before_end, after_start = found, found + len(needle)
        while before_end > 0 and haystack[before_end - 1].isspace():
            before_end -= 1
        while after_start < len(haystack) and haystack[after_start].isspace():
            after_start += 1
        if (
            before_end >= len(before)
            and haystack.startswith(before, before_end - len(before), before_end)
            and haystack.startswith(after, after_start)
        ):
            copies += 1
        found = haystack.find(needle, found + 1)
    return copies


def resolve_many(text: str, selector_lists: Iterable[Sequence[dict]]) -> list[Anchoring]:
    """Anchor every selector list in one text, normalising the text only once.

    They are anchored in the order of their old positions, so that each can look for its
    quote where its predecessors went; the results come back in the order given.
    """
    anchorer = Anchorer(text)
    selector_lists = list(selector_lists)
    order = sorted(range(len(selector_lists)), key=lambda i: _old_start(selector_lists[i]))
    results: list[Anchoring | None] = [None] * len(selector_lists)
    for index in order:
        results[index] = anchorer.resolve(selector_lists[index])
    return results


def anchor_many(
    text: str, selector_lists: Iterable[Sequence[dict]]
) -> list[tuple[int, int] | None]:
    """Return `anchor` for every selector list, normalising the text only once."""
    return [result.span for result in resolve_many(text, selector_lists)]


def rank_candidates(text: str, selectors: Sequence[dict]) -> list[Candidate]:
    """Return every place considered for the selectors' quote, best score first.

    Meant for diagnostics and tests: unlike `resolve`, it never stops early and includes
    rejected candidates.
    """
    return Anchorer._sharing_views(text).candidates(selectors)


def match_quote_all(
    text: str, exact: str, prefix: str = "", suffix: str = ""
) -> list[tuple[int, int]]:
    """Return every verbatim occurrence of `exact`, overlapping ones included, in text order.

    `prefix` and `suffix` are hard constraints: the text right before and after must equal them.
    An empty `exact` matches between every two characters. No normalisation is applied.
    """
    matches = []
    at = text.find(exact)
    while at != -1:
        end = at + len(exact)
        if (
            at >= len(prefix)
            and text[at - len(prefix) : at] == prefix
            and text.startswith(suffix, end)
        ):
            matches.append((at, end))
        at = text.find(exact, at + 1)
    return matches


def find_approximate(text: str, pattern: str, max_errors: int) -> list[tuple[int, int, int]]:
    """Return the approximate occurrences of `pattern` as `(start, end, errors)` triples.

    For each end position, the fewest Levenshtein errors of any substring ending there are
    computed; the ends reaching the global minimum (if it is at most `max_errors`) are returned
    in order, each with the longest substring achieving it. Cost grows with
    len(text) * (len(pattern) + max_errors), so it suits short texts such as diagnostics.
    """
    if not text or not pattern or max_errors < 0:
        return []
    longest = len(pattern) + max_errors
    best_per_end = []
    for end in range(len(text) + 1):
        best = None
        for start in range(max(0, end - longest), end + 1):
            errors = Levenshtein.distance(pattern, text[start:end], score_cutoff=max_errors)
            if errors <= max_errors and (best is None or errors < best[1]):
                best = (start, errors)
        if best is not None:
            best_per_end.append((best[0], end, best[1]))
    if not best_per_end:
        return []
    fewest = min(errors for _, _, errors in best_per_end)
    return [match for match in best_per_end if match[2] == fewest]


def _in_word(char: str) -> bool:
    # Letters and digits, and the combining marks that belong to the letter before them.
    return char.isalnum() or unicodedata.category(char).startswith("M")


# Scripts written without spaces between words: a run of their letters is a clause, so a
# span is widened to none of it (each character stands as a word of its own). Imports and
# searches read these scripts by characters too.
UNSPACED_SCRIPT = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]"
)


def _joined(text: str, at: int) -> bool:
    """Whether the characters at `at - 1` and `at` are in one word."""
    before, after = text[at - 1], text[at]
    if not (_in_word(before) and _in_word(after)):
        return False
    if unicodedata.category(after).startswith("M"):
        return True
    return not (UNSPACED_SCRIPT.match(before) or UNSPACED_SCRIPT.match(after))


def cuts_a_word(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` begins or ends inside a word (see `_joined`) or inside a
    number written with separators ("Over 160" of "Over 160,000" says another number)."""
    return any(
        0 < at < len(text) and (_joined(text, at) or _in_a_number(text, at)) for at in (start, end)
    )


def _in_a_number(text: str, at: int) -> bool:
    """Whether `at` is beside the separator inside a number: "160|,000" or "160,|000"."""

    def separates_digits(i: int) -> bool:
        return (
            0 < i < len(text) - 1
            and text[i] in ".,"
            and text[i - 1].isdigit()
            and text[i + 1].isdigit()
        )

    return separates_digits(at) or separates_digits(at - 1)


def widened_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """`(start, end)` widened so that neither end cuts through a word of `text`.

    For a passage found approximately after the text changed ("Over" became "Under"): the
    closest match may begin inside the new word ("nder 160,000"). Exact matches are not
    widened by their callers: a selection made inside a word was made that way on purpose.
    """
    if start >= end:
        return start, end
    while start > 0 and _joined(text, start):
        start -= 1
    while end < len(text) and _joined(text, end):
        end += 1
    return start, end


def utf16_to_codepoint(text: str, offset: int) -> int:
    """Convert a UTF-16 code-unit offset in `text` (as browsers count) to a code-point offset."""
    encoded = text.encode("utf-16-le")
    if not _is_offset(offset) or not 0 <= offset * 2 <= len(encoded):
        raise ValueError(f"UTF-16 offset {offset!r} is outside 0..{len(encoded) // 2}")
    if offset and 0xD800 <= int.from_bytes(encoded[offset * 2 - 2 : offset * 2], "little") < 0xDC00:
        raise ValueError(f"UTF-16 offset {offset} falls inside a surrogate pair")
    return len(encoded[: offset * 2].decode("utf-16-le"))


def codepoint_to_utf16(text: str, offset: int) -> int:
    """Convert a code-point offset in `text` to the UTF-16 code-unit offset browsers use."""
    if not _is_offset(offset) or not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset!r} is outside 0..{len(text)}")
    return len(text[:offset].encode("utf-16-le")) // 2


class Anchorer:
    """Anchors many selector lists in one text, building its normalised view only once.

    Given the text the selectors index (`old_text`), it maps them through the diff first. The
    server keeps every revision, so unlike a browser annotator it knows what changed: a claim
    whose words the edits left alone is mapped exactly, however its surroundings changed and
    however often its words recur in the article. Only a claim whose own words were edited is
    searched for, in the stretch that replaced them; when that stretch is (mostly) gone, in
    newly inserted text too (a passage moved elsewhere). A verbatim copy in text that was
    there before the edit is another passage, never the claim's. The diff from each old text
    is computed once.

    Without the old text, it learns how far the quotes it anchored confidently have moved,
    and looks for the next quote where its neighbours went: after a long insertion near the
    top of an article, every later claim has moved by about the same amount.
    """

    MOVED_TEXT_SHARE = 0.5
    """How much of a candidate away from the claim's own place must be newly inserted text."""

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")
        self.text = text
        self._view: _NormalisedText | None = None
        self._moved_from: list[int] = []
        self._moved_by: list[int] = []
        self._diffs: dict[str, textdiff.TextDiff] = {}

    def resolve(self, selectors: Sequence[dict], *, old_text: str | None = None) -> Anchoring:
        """Anchor `selectors` in this text and say how, or why it failed.

        `old_text` is the text the selectors were made on (the revision they index); without
        it, or when the selectors do not describe it, the quote is searched for directly.
        """
        target = _parse_selectors(selectors)
        if (
            old_text is not None
            and target.exact is not None
            and target.start is not None
            and target.start < target.end <= len(old_text)
            and old_text[target.start : target.end] == target.exact
        ):
            return self._resolve_through_diff(target, old_text)
        text = self.text
        position_in_range = target.start is not None and target.end <= len(text)
        if target.exact is None:
            if position_in_range:
                return Anchoring(
                    target.start, target.end, "position", "position within the text", 1.0
                )
            return Anchoring(
                None,
                None,
                None,
                f"position {target.start}-{target.end} is beyond the end of the text "
                f"({len(text)} characters)",
            )
        if position_in_range and text[target.start : target.end] == target.exact:
            self._learn_move(target.start, target.start)
            return Anchoring(
                target.start, target.end, "position", "the quote is still at its position", 1.0
            )
        return _QuoteSearch(self, target, exhaustive=False).run()

    def diff_from(self, old_text: str) -> textdiff.TextDiff:
        """The diff from `old_text` to this text, computed on first use."""
        diff = self._diffs.get(old_text)
        if diff is None:
            diff = self._diffs[old_text] = textdiff.diff(old_text, self.text)
        return diff

    def _resolve_through_diff(self, target: _Target, old_text: str) -> Anchoring:
        diff = self.diff_from(old_text)
        mapped = diff.map_span(target.start, target.end)
        if mapped.intact:
            moved = mapped.start - target.start
            reason = (
                f"the edits moved the unchanged quote by {moved:+,} characters"
                if moved
                else "the quote is still at its position"
            )
            return Anchoring(mapped.start, mapped.end, "diff", reason, 1.0)
        # Where an edit could as well lie beside the quote as inside it (text deleted or
        # inserted next to the same letters), the diff may have drawn it inside: the words are
        # then intact, overlapping or touching the stretch that replaced them.
        beside = _nearest_occurrence(self.text, target.exact, mapped.start, mapped.end)
        if beside is not None:
            reason = "the quote is unchanged where the edits put it"
            return Anchoring(beside, beside + len(target.exact), "diff", reason, 1.0)

        # Words edited in place are looked for in place. Only words whose place is (mostly)
        # gone may have moved: then text inserted elsewhere may hold them too.
        moved_away = mapped.end - mapped.start < len(target.exact) / 2

        def admissible(start: int, end: int) -> bool:
            if start <= mapped.end and mapped.start <= end:
                return True
            return moved_away and diff.new_fraction(start, end) > self.MOVED_TEXT_SHARE

        search = _QuoteSearch(
            self,
            target,
            exhaustive=False,
            expected=(mapped.start, mapped.end),
            admissible=admissible,
            elsewhere=moved_away,
        )
        return search.run()

    def anchor(self, selectors: Sequence[dict]) -> tuple[int, int] | None:
        """Return the `(start, end)` the selectors point at, or None for an orphan."""
        return self.resolve(selectors).span

    def candidates(self, selectors: Sequence[dict]) -> list[Candidate]:
        """Return every place considered for the quote, best score first, rejected ones too."""
        target = _parse_selectors(selectors)
        if target.exact is None:
            return []
        search = _QuoteSearch(self, target, exhaustive=True)
        search.run()
        return sorted(search.pool.values(), key=_rank)

    @classmethod
    def _sharing_views(cls, text: str) -> Anchorer:
        """An anchorer reusing the normalised view of recently seen texts, for one-off calls."""
        anchorer = cls(text)
        anchorer._view = _recent_view(text)
        return anchorer

    @property
    def view(self) -> _NormalisedText:
        """The normalised text and its offset map, built on first use."""
        # Built lazily: claims still at their position never need it.
        if self._view is None:
            self._view = _NormalisedText(self.text)
        return self._view

    def expected_start(self, old_start: int) -> int:
        """Where text that started at `old_start` in the previous revision probably starts now.

        The median move of the nearest quotes anchored so far, so that one quote anchored on
        a distant copy of itself does not mislead the next.
        """
        moved_from = self._moved_from
        if not moved_from:
            return old_start
        at = bisect.bisect_left(moved_from, old_start)
        low, high = (
            max(0, at - _NEIGHBOURS_CONSULTED),
            min(len(moved_from), at + _NEIGHBOURS_CONSULTED),
        )
        nearest = sorted(range(low, high), key=lambda i: abs(moved_from[i] - old_start))
        moves = sorted(self._moved_by[i] for i in nearest[:_NEIGHBOURS_CONSULTED])
        return min(len(self.text), max(0, old_start + moves[len(moves) // 2]))

    def _learn_move(self, old_start: int, new_start: int) -> None:
        at = bisect.bisect_left(self._moved_from, old_start)
        if at < len(self._moved_from) and self._moved_from[at] == old_start:
            self._moved_by[at] = new_start - old_start
        else:
            self._moved_from.insert(at, old_start)
            self._moved_by.insert(at, new_start - old_start)


def reanchor_many(
    old_text: str, text: str, selector_lists: Iterable[Sequence[dict]]
) -> list[Anchoring]:
    """Anchor every selector list made on `old_text` in `text`, through one diff."""
    anchorer = Anchorer(text)
    return [anchorer.resolve(selectors, old_text=old_text) for selectors in selector_lists]


class _NormalisedText:
    """A text with quotes, dashes and spaces folded and space runs collapsed.

    A revision that only retypes those characters then still matches; the positions of the
    collapsed runs map offsets back and forth between the two texts.
    """

    def __init__(self, text: str):
        folded = _fold(text)
        run_starts, run_ends, run_positions, shifts = [], [], [], []
        removed = 0
        for run in _SPACE_RUN.finditer(folded):
            start, end = run.span()
            run_starts.append(start)
            run_ends.append(end)
            run_positions.append(start - removed)
            removed += end - start - 1
            shifts.append(removed)
        self._run_starts, self._run_ends = run_starts, run_ends
        self._run_positions, self._shifts = run_positions, shifts
        self.text = _SPACE_RUN.sub(" ", folded) if run_starts else folded

    def to_original(self, offset: int) -> int:
        """Map an offset in the normalised text to the original text."""
        run = bisect.bisect_left(self._run_positions, offset) - 1
        return offset + (self._shifts[run] if run >= 0 else 0)

    def to_normalised(self, offset: int) -> int:
        """Map an offset in the original text to the normalised text."""
        run = bisect.bisect_right(self._run_starts, offset) - 1
        if run < 0:
            return offset
        if offset < self._run_ends[run]:
            return self._run_positions[run]
        return offset - self._shifts[run]


@functools.lru_cache(maxsize=8)
def _recent_view(text: str) -> _NormalisedText:
    return _NormalisedText(text)


class _QuoteSearch:
    """One quote's search for its new place, in ever wider windows around where it should be.

    Verbatim occurrences come first, and one whose context is intact is taken at once. Then,
    window by window, the "slot" (the stretch between where the prefix and the suffix are
    found now: the quote's own place, whatever it holds now) and approximate occurrences join
    them, and the best acceptable candidate wins, unless the slot has better context: then the
    quote's own place was found without it, and a look-alike elsewhere must not take over.
    """

    def __init__(
        self,
        anchorer: Anchorer,
        target: _Target,
        exhaustive: bool,
        expected: tuple[int, int] | None = None,
        admissible: Callable[[int, int], bool] | None = None,
        elsewhere: bool = True,
    ):
        self.anchorer = anchorer
        self.text = anchorer.text
        self.view = anchorer.view
        self.norm = self.view.text
        self.target = target
        self.exhaustive = exhaustive
        # Diagnostics also want loosely similar passages; anchoring only needs close ones.
        self.fuzzy_cutoff = _LOOSE_FUZZY_CUTOFF if exhaustive else _FUZZY_CUTOFF
        exact = target.exact
        self.leading_spaces = len(exact) - len(exact.lstrip())
        self.trailing_spaces = len(exact) - len(exact.rstrip())
        self.core = _normalise(exact.strip())
        self.prefix = _normalise(target.prefix + exact[: self.leading_spaces])
        self.suffix = _normalise(exact[len(exact) - self.trailing_spaces :] + target.suffix)
        self.max_edits = len(self.core) * MAX_EDIT_PERCENT // 100
        context = self.prefix + self.core + self.suffix
        self.numbers = _numbers_overlapping(
            context, len(self.prefix), len(self.prefix) + len(self.core)
        )
        # Where the quote should be now, judging by where its neighbours went.
        self.hint: int | None = None
        self.admissible = admissible
        self.inadmissible: set[tuple[int, int]] = set()
        # The stretch of text that replaced the quote, when a diff says so: searched first.
        self.own_place: tuple[int, int] | None = None
        self.elsewhere = elsewhere
        if expected is not None:
            self.own_place = (
                self.view.to_normalised(expected[0]),
                self.view.to_normalised(expected[1]),
            )
            self.hint = self.own_place[0]
        elif target.start is not None and target.start <= len(self.text):
            self.hint = self.view.to_normalised(anchorer.expected_start(target.start))
        self.pool: dict[tuple[int, int], Candidate] = {}
        self.norm_spans: dict[int, tuple[int, int]] = {}
        self.slot: tuple[int, int] | None = None
        self.slot_context = 0.0
        self.slot_verbatim = False
        self.slot_recurs = False

    def run(self) -> Anchoring:
        if not self.core:
            return Anchoring(
                None, None, None, "the quote holds only spaces, so there is nothing to search for"
            )
        windows = self._windows()
        # A verbatim occurrence with its context intact settles it, the nearest first.
        for low, high in windows:
            self._consider(self._exact_spans(low, high), "quote")
            best = self._best_accepted()
            if best is not None and self._is_perfect(best) and not self.exhaustive:
                return self._found(best)
        # Otherwise the verbatim occurrences compete with the quote's own place (the slot) and
        # with approximate matches, found in ever wider windows.
        for window, (low, high) in enumerate(windows):
            small_window = high - low <= _LARGEST_FUZZY_WINDOW
            self._locate_slot(low, high, fuzzy=small_window or self.exhaustive)
            # Once the quote's own place is known, an approximate match can only be near it,
            # and once that place is known to be empty, nothing else can outweigh it.
            if self.exhaustive or (
                small_window
                and not self._slot_shows_deletion()
                and (self.slot is None or window == 0)
            ):
                self._consider(self._fuzzy_spans(low, high), "fuzzy")
            best = self._best_accepted()
            if best is not None and not self.exhaustive:
                if self._slot_outweighs(best):
                    break
                return self._found(best)
        return Anchoring(None, None, None, self._failure_reason())

    def _found(self, candidate: Candidate) -> Anchoring:
        if self.target.start is not None and self._is_strong(candidate):
            self.anchorer._learn_move(self.target.start, candidate.start)
        if candidate.method == "quote":
            reason = "the quote was found verbatim"
        else:
            reason = f"an approximate quote was found (similarity {candidate.quote_similarity:.2f})"
        return Anchoring(candidate.start, candidate.end, candidate.method, reason, candidate.score)

    def _windows(self) -> list[tuple[int, int]]:
        length = len(self.norm)
        windows = []
        if self.own_place is not None:
            # Copies of the quote nearby must not crowd its own, edited place out of the
            # approximate search, which keeps only the few best alignments per window.
            reach = len(self.core) + 2 * CONTEXT_LENGTH
            start, end = self.own_place
            windows.append((max(0, start - reach), min(length, end + reach)))
            if not self.elsewhere:
                return windows
        if self.hint is not None:
            for radius in _SEARCH_RADII:
                low = max(0, self.hint - radius)
                high = min(length, self.hint + len(self.core) + radius)
                windows.append((low, high))
                if low == 0 and high == length:
                    return windows
        windows.append((0, length))
        return windows

    def _distance(self, offset: int) -> int:
        """How far a normalised offset is from where the quote should be; 0 without a hint."""
        return 0 if self.hint is None else abs(offset - self.hint)

    def _slot_shows_deletion(self) -> bool:
        if self.slot is None or not self.slot_verbatim or self.slot_recurs:
            return False
        return _WORD_CHARACTER.search(self.norm, *self.slot) is None

    def _slot_outweighs(self, candidate: Candidate) -> bool:
        """Whether the quote's own place, found elsewhere, has the better context."""
        # Only a prefix and a suffix found verbatim, once or nearly, pin the place down.
        if self.slot is None or self.slot_recurs or not self.slot_verbatim:
            return False
        if self.slot_context <= candidate.context_score + 1e-9:
            return False
        slot_start, slot_end = self.slot
        start, end = self.norm_spans[id(candidate)]
        if not (slot_end < start or end < slot_start):
            return False
        # The quote's own place is expected where the quote was, so it must be the nearer.
        return self.hint is None or self._distance(slot_start) < self._distance(start)

    def _consider(self, spans, method: str) -> None:
        for start, end in spans:
            self._evaluate(start, end, method)

    def _best_accepted(self) -> Candidate | None:
        accepted = [candidate for candidate in self.pool.values() if candidate.accepted]
        return min(accepted, key=_rank, default=None)

    def _is_perfect(self, candidate: Candidate) -> bool:
        return candidate.context_score >= 2 * _PERFECT_CONTEXT_SIMILARITY

    def _is_strong(self, candidate: Candidate) -> bool:
        sides = [
            s for s in (candidate.prefix_similarity, candidate.suffix_similarity) if s is not None
        ]
        return all(similarity >= _STRONG_CONTEXT_SIMILARITY for similarity in sides)

    def _exact_spans(self, low: int, high: int):
        return ((at, at + len(self.core)) for at in _find_all(self.norm, self.core, low, high))

    def _fuzzy_spans(self, low: int, high: int):
        core = self.core
        segments = [(low, high)]
        found = 0
        while segments and found < _MAX_FUZZY_CANDIDATES:
            seg_low, seg_high = segments.pop(0)
            if seg_high - seg_low < max(1, len(core) - self.max_edits):
                continue
            if seg_high - seg_low < len(core):
                start, end = seg_low, seg_high
            else:
                alignment = fuzz.partial_ratio_alignment(
                    core, self.norm[seg_low:seg_high], score_cutoff=self.fuzzy_cutoff
                )
                if alignment is None:
                    continue
                start, end = self._refine(
                    seg_low + alignment.dest_start, seg_low + alignment.dest_end
                )
            found += 1
            yield start, end
            segments.append((seg_low, start))
            segments.append((end, seg_high))

    def _refine(self, start: int, end: int) -> tuple[int, int]:
        """Move the ends of an approximate match to where the quote aligns best.

        Among equally close alignments, the one whose neighbours continue the recorded prefix
        and suffix wins, then the one closest to the quote's length.
        """
        norm = self.norm
        reach = min(max(2, self.max_edits + 1), 24)
        for _ in range(2):
            start = self._best_start(range(max(0, start - reach), min(end, start + reach + 1)), end)
            end = self._best_end(
                start, range(max(start + 1, end - reach), min(len(norm), end + reach) + 1)
            )
        while start < end and norm[start] == " ":
            start += 1
        while end > start and norm[end - 1] == " ":
            end -= 1
        return start, end

    def _best_start(self, starts: range, end: int) -> int:
        norm, core = self.norm, self.core
        tied = _fewest_edits(core, [(norm[start:end], start) for start in starts])
        if len(tied) == 1:
            return tied[0]
        return min(
            tied,
            key=lambda start: (
                -_shared_suffix_length(self.prefix, norm, start),
                abs(end - start - len(core)),
                start,
            ),
        )

    def _best_end(self, start: int, ends: range) -> int:
        norm, core = self.norm, self.core
        tied = _fewest_edits(core, [(norm[start:end], end) for end in ends])
        if len(tied) == 1:
            return tied[0]
        return min(
            tied,
            key=lambda end: (
                -_shared_prefix_length(self.suffix, norm, end),
                abs(end - start - len(core)),
                end,
            ),
        )

    def _locate_slot(self, low: int, high: int, fuzzy: bool) -> None:
        """Find where the prefix now ends and the suffix now starts, and judge what lies between."""
        if self.slot is not None or len(self.prefix.strip()) < 3 or len(self.suffix.strip()) < 3:
            return
        norm, prefix, suffix = self.norm, self.prefix, self.suffix
        prefix_ends = [
            at + len(prefix) for at in _find_all(norm, prefix, low, high, _MAX_CONTEXT_MATCHES)
        ]
        suffix_starts = list(_find_all(norm, suffix, low, high, _MAX_CONTEXT_MATCHES))
        verbatim = bool(prefix_ends and suffix_starts)
        if fuzzy and not prefix_ends:
            alignment = fuzz.partial_ratio_alignment(prefix, norm[low:high], score_cutoff=80)
            if alignment is not None:
                prefix_ends = [low + alignment.dest_end + len(prefix) - alignment.src_end]
        if fuzzy and not suffix_starts:
            alignment = fuzz.partial_ratio_alignment(suffix, norm[low:high], score_cutoff=80)
            if alignment is not None:
                suffix_starts = [low + alignment.dest_start - alignment.src_start]
        # A prefix ending and a suffix starting with a space share it once runs collapse.
        shared = 1 if prefix.endswith(" ") and suffix.startswith(" ") else 0
        widest_gap = 2 * len(self.core) + 64
        pairs = []
        for prefix_end in prefix_ends:
            fitting = [
                suffix_start
                for suffix_start in suffix_starts
                if -shared <= suffix_start - prefix_end <= widest_gap
            ]
            if fitting:
                best_fit = min(fitting, key=lambda s: abs(s - prefix_end - len(self.core)))
                pairs.append((prefix_end, best_fit))
        # The context recurs around other copies too, admissible or not.
        recurs = len(pairs) > _MAX_SLOT_CONTEXT_REPEATS
        pairs = [pair for pair in pairs if self._admits(*pair)]
        if not pairs:
            return
        # In repetitive text the context recurs; the pair framing the closest text wins.
        prefix_end, suffix_start = min(
            pairs,
            key=lambda pair: (
                OSA.distance(self.core, norm[pair[0] : pair[1]].strip(" ")),
                self._distance(pair[0]),
            ),
        )
        before = norm[max(0, prefix_end - len(prefix) - _CONTEXT_SLACK) : prefix_end]
        after = norm[suffix_start : suffix_start + len(suffix) + _CONTEXT_SLACK]
        self.slot_context = (
            _compare_context(prefix, before).agreement + _compare_context(suffix, after).agreement
        )
        start, end = prefix_end, max(prefix_end, suffix_start)
        self.slot, self.slot_verbatim = (start, end), verbatim
        # Context that recurs (a run of one character, boilerplate) frames slots everywhere.
        self.slot_recurs = recurs
        while start < end and norm[start] == " ":
            start += 1
        while end > start and norm[end - 1] == " ":
            end -= 1
        if start < end:
            self._evaluate(start, end, "fuzzy")

    def _evaluate(self, start: int, end: int, method: str) -> Candidate:
        known = self.pool.get((start, end))
        if known is not None:
            return known
        norm, core = self.norm, self.core
        if method == "quote":
            edits, similarity = 0, 1.0
        else:
            edits = OSA.distance(core, norm[start:end])
            similarity = 1 - edits / max(len(core), end - start)
            if edits == 0:
                method = "quote"
        before = norm[max(0, start - len(self.prefix) - _CONTEXT_SLACK) : start]
        after = norm[end : end + len(self.suffix) + _CONTEXT_SLACK]
        sides = [_compare_context(self.prefix, before), _compare_context(self.suffix, after)]
        strong_both = all(
            side.similarity is not None and side.similarity >= _STRONG_CONTEXT_SIMILARITY
            for side in sides
        )
        # A typo in a word-long quote is still that word when both sides of it are intact.
        typo_in_short_quote = strong_both and len(core) >= _SHORTEST_FORGIVEN_QUOTE
        allowed_edits = max(self.max_edits, 1 if typo_in_short_quote else 0)
        new_numbers = _numbers_overlapping(
            norm[max(0, start - _NUMBER_REACH) : end + _NUMBER_REACH],
            min(start, _NUMBER_REACH),
            min(start, _NUMBER_REACH) + end - start,
        )
        numbers_changed = None if new_numbers == self.numbers else (self.numbers, new_numbers)
        nearness = 1 - self._distance(start) / max(1, len(norm))
        # Context cut short by the edge of the text lowers the score but is no disagreement.
        score = (50 * similarity + 20 * (sides[0].weight + sides[1].weight) + 2 * nearness) / 92
        # Neighbours move together: a quote far from where it should be must bring its context.
        far = self._distance(start) > _SEARCH_RADII[0]
        context_agrees = _context_agrees(sides, every_side=far)
        original_start, original_end = self._original_span(start, end)
        admitted = self._admits(start, end)
        candidate = Candidate(
            start=original_start,
            end=original_end,
            method=method,
            score=score,
            quote_similarity=similarity,
            prefix_similarity=sides[0].similarity,
            suffix_similarity=sides[1].similarity,
            context_score=sides[0].agreement + sides[1].agreement,
            numbers_changed=numbers_changed,
            context_agrees=context_agrees,
            accepted=context_agrees
            and edits <= allowed_edits
            and numbers_changed is None
            and admitted,
        )
        self.pool[(start, end)] = candidate
        self.norm_spans[id(candidate)] = (start, end)
        return candidate

    def _original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span back, regaining the spaces the quote had at its edges."""
        text, view = self.text, self.view
        original_start = view.to_original(start)
        original_end = view.to_original(end - 1) + 1
        for _ in range(self.leading_spaces):
            if original_start > 0 and text[original_start - 1].isspace():
                original_start -= 1
        for _ in range(self.trailing_spaces):
            if original_end < len(text) and text[original_end].isspace():
                original_end += 1
        return original_start, original_end

    def _admits(self, start: int, end: int) -> bool:
        """Whether the normalised span may be the quote's place at all (see `Anchorer`)."""
        if self.admissible is None:
            return True
        view = self.view
        if self.admissible(view.to_original(start), view.to_original(end)):
            return True
        self.inadmissible.add((start, end))
        return False

    def _failure_reason(self) -> str:
        ranked = sorted(
            (c for span, c in self.pool.items() if span not in self.inadmissible), key=_rank
        )
        in_context = [candidate for candidate in ranked if candidate.context_agrees]
        closest = in_context[0] if in_context else None
        if closest and closest.numbers_changed and closest.quote_similarity >= _SAME_WORDS:
            return _describe_number_change(*closest.numbers_changed)
        if self.slot is not None and _WORD_CHARACTER.search(self.norm, *self.slot) is not None:
            return "quote replaced by different words"
        if self.slot is None and closest is not None:
            return "quote replaced by different words"
        if any(
            span in self.inadmissible and candidate.quote_similarity >= _SAME_WORDS
            for span, candidate in self.pool.items()
        ):
            return "quote deleted (the same words elsewhere were there before the edit)"
        if any(candidate.quote_similarity >= _SAME_WORDS for candidate in ranked):
            return "quote deleted (the same words elsewhere have a different context)"
        return "quote deleted"


def _nearest_occurrence(text: str, exact: str, start: int, end: int) -> int | None:
    """The start of the verbatim `exact` overlapping or touching `start`-`end` nearest `start`."""
    found = [
        at
        for at in _find_all(text, exact, max(0, start - len(exact)), end + len(exact))
        if at <= end and at + len(exact) >= start
    ]
    return min(found, key=lambda at: (abs(at - start), at), default=None)


def _fewest_edits(core: str, options: list[tuple[str, int]]) -> list[int]:
    """The offsets whose text is fewest edits (OSA: a swap of neighbours counts once) away."""
    by_edits = [(OSA.distance(core, text), offset) for text, offset in options]
    fewest = min(count for count, _ in by_edits)
    return [offset for count, offset in by_edits if count == fewest]


def _shared_suffix_length(context: str, text: str, end: int) -> int:
    """How many characters before `end` in `text` continue the end of `context`."""
    length = 0
    while length < len(context) and length < end and text[end - length - 1] == context[-length - 1]:
        length += 1
    return length


def _shared_prefix_length(context: str, text: str, start: int) -> int:
    """How many characters from `start` in `text` repeat the start of `context`."""
    length = 0
    while (
        length < len(context)
        and start + length < len(text)
        and text[start + length] == context[length]
    ):
        length += 1
    return length


def _rank(candidate: Candidate) -> tuple[float, int]:
    return (-candidate.score, candidate.start)


def _describe_number_change(old: tuple[str, ...], new: tuple[str, ...]) -> str:
    if len(old) == len(new):
        changes = [
            f"{before} → {after}" for before, after in zip(old, new, strict=True) if before != after
        ]
        label = "number changed" if len(changes) == 1 else "numbers changed"
        return f"{label}: {', '.join(changes)}"
    return f"numbers changed: {', '.join(old) or 'none'} → {', '.join(new) or 'none'}"


@dataclass(frozen=True, slots=True)
class _ContextComparison:
    similarity: float | None
    conclusive: bool
    weight: float

    @property
    def agreement(self) -> float:
        """The similarity; a context never recorded agrees, one with no text beside it does not."""
        if self.similarity is not None:
            return self.similarity
        return self.weight


def _compare_context(context: str, window: str) -> _ContextComparison:
    """Compare a recorded prefix or suffix with the text now beside a candidate.

    Case is ignored because a revision that splits or joins sentences recapitalises the
    words next to a quote without moving it. A comparison is conclusive only when both sides
    hold enough characters: a prefix of a few spaces, or a quote now at the very start of the
    text, says little either way.
    """
    if not context:
        return _ContextComparison(None, conclusive=False, weight=1.0)
    if not window:
        return _ContextComparison(None, conclusive=False, weight=0.0)
    similarity = fuzz.partial_ratio(context.lower(), window.lower()) / 100
    conclusive = (
        len(window) >= _CONCLUSIVE_CONTEXT
        and len(context) - context.count(" ") >= _CONCLUSIVE_CONTEXT
    )
    return _ContextComparison(
        similarity, conclusive, similarity * min(1.0, len(window) / len(context))
    )


def _context_agrees(sides: list[_ContextComparison], every_side: bool) -> bool:
    """Whether the context around a candidate is the quote's.

    One conclusive side that matches closely is enough; with `every_side`, both must be
    recognisable and one nearly perfect. Sides too short to be conclusive must all be
    recognisable.
    """
    conclusive = [side.similarity for side in sides if side.conclusive]
    if conclusive and every_side:
        return (
            min(conclusive) >= _RECOGNISABLE_CONTEXT_SIMILARITY
            and max(conclusive) >= _STRONG_CONTEXT_SIMILARITY
        )
    if conclusive:
        return max(conclusive) >= MIN_CONTEXT_SIMILARITY
    return all(
        side.similarity >= _RECOGNISABLE_CONTEXT_SIMILARITY
        for side in sides
        if side.similarity is not None
    )


def _numbers_overlapping(text: str, start: int, end: int) -> tuple[str, ...]:
    return tuple(
        number.group()
        for number in _NUMBER.finditer(text)
        if number.start() < end and number.end() > start
    )


def _find_all(text: str, needle: str, low: int, high: int, limit: int = _MAX_EXACT_CANDIDATES):
    at = text.find(needle, low, high)
    count = 0
    while at != -1 and count < limit:
        yield at
        count += 1
        at = text.find(needle, at + 1, high)


def _fold(text: str) -> str:
    return _FOLDABLE_RUN.sub(lambda run: run.group().translate(_FOLD_TABLE), text)


def _normalise(text: str) -> str:
    return _SPACE_RUN.sub(" ", _fold(text))


def _is_offset(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _old_start(selectors) -> float:
    """The start of a selector list's position, or infinity; malformed lists are left to resolve."""
    if isinstance(selectors, list | tuple):
        for selector in selectors:
            if isinstance(selector, dict) and selector.get("type") == POSITION:
                start = selector.get("start")
                if _is_offset(start):
                    return start
    return float("inf")


def _parse_selectors(selectors) -> _Target:
    """Validate a selector list and pull out its quote and position."""
    if not isinstance(selectors, list | tuple):
        raise ValueError(
            f"selectors must be a list of selector objects, got {type(selectors).__name__}"
        )
    if not selectors:
        raise ValueError("selectors must not be empty")
    quote = position = None
    types = []
    for index, selector in enumerate(selectors):
        if not isinstance(selector, dict):
            raise ValueError(f"selector {index} must be an object, got {type(selector).__name__}")
        kind = selector.get("type")
        if not isinstance(kind, str):
            raise ValueError(f"selector {index} has no 'type' string")
        types.append(kind)
        if kind == QUOTE:
            if quote is not None:
                raise ValueError("selectors hold more than one TextQuoteSelector")
            quote = _parse_quote(selector, index)
        elif kind == POSITION:
            if position is not None:
                raise ValueError("selectors hold more than one TextPositionSelector")
            position = _parse_position(selector, index)
    if quote is None and position is None:
        raise ValueError(
            f"selectors hold neither a {QUOTE} nor a {POSITION} (types: {', '.join(types)})"
        )
    exact, prefix, suffix = quote or (None, "", "")
    start, end = position or (None, None)
    return _Target(exact, prefix, suffix, start, end)


def _parse_quote(selector: dict, index: int) -> tuple[str, str, str]:
    if "exact" not in selector:
        raise ValueError(f"{QUOTE} {index} has no 'exact'")
    values = []
    for key in ("exact", "prefix", "suffix"):
        value = selector.get(key, "")
        if not isinstance(value, str):
            raise ValueError(
                f"{QUOTE} {index}: '{key}' must be a string, got {type(value).__name__}"
            )
        values.append(value)
    if not values[0]:
        raise ValueError(f"{QUOTE} {index}: 'exact' must not be empty")
    return values[0], values[1], values[2]


def _parse_position(selector: dict, index: int) -> tuple[int, int]:
    for key in ("start", "end"):
        if key not in selector:
            raise ValueError(f"{POSITION} {index} has no '{key}'")
        if not _is_offset(selector[key]):
            raise ValueError(
                f"{POSITION} {index}: '{key}' must be an integer, got {selector[key]!r}"
            )
        if selector[key] < 0:
            raise ValueError(
                f"{POSITION} {index}: '{key}' must not be negative, got {selector[key]}"
            )
    start, end = selector["start"], selector["end"]
    if start > end:
        raise ValueError(f"{POSITION} {index}: start {start} is after end {end}")
    return start, end
