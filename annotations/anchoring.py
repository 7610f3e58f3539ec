"""Describe text spans with W3C selectors and anchor those selectors again in revised texts.

Approximate search relies on rapidfuzz rather than on a hand-written dynamic program or on
diff-match-patch's bitap. rapidfuzz implements Levenshtein and Indel distances with
bit-parallel algorithms in C++ (Hyyrö/Myers), so comparing a 120-character quote with a
candidate costs about a microsecond and sliding it over a 4 KB window
(`fuzz.partial_ratio_alignment`) well under a millisecond; it has no pattern-length limit
(bitap stops at 32 characters, which forces slicing quotes), releases no Python objects per
cell, is MIT licensed, and ships wheels for every platform we deploy on. The pure-Python
alternatives are one to three orders of magnitude slower, which matters because re-anchoring
runs inside web requests. `bench/anchoring.py` measures the difference.

Offsets are Unicode code points (Python `str` indices) everywhere; browsers send UTF-16
offsets, which `utf16_to_codepoint` and `codepoint_to_utf16` convert.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

CONTEXT_LENGTH = 32
"""Code points of prefix and suffix that `describe` records around a quote."""

MAX_EDIT_PERCENT = 15
"""Edits an approximate match may have, as a percentage of the quote's length."""

MIN_CONTEXT_SIMILARITY = 0.7
"""How closely the prefix or the suffix must match for a quote found elsewhere to count."""

_STRONG_CONTEXT_SIMILARITY = 0.9
_CONTEXT_SLACK = 8
_SHORTEST_CONTEXT_EVIDENCE = 8
_SEARCH_RADII = (4096, 65536, None)
_FUZZY_CUTOFF = 70
_MAX_FUZZY_CANDIDATES = 8
_MAX_EXACT_CANDIDATES = 1000
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
    """A place a quote might have moved to, with the evidence for and against it."""

    start: int
    end: int
    method: str
    score: float
    quote_similarity: float
    prefix_similarity: float | None
    suffix_similarity: float | None
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
    return [
        {
            "type": QUOTE,
            "exact": text[start:end],
            "prefix": text[max(0, start - CONTEXT_LENGTH) : start],
            "suffix": text[end : end + CONTEXT_LENGTH],
        },
        {"type": POSITION, "start": start, "end": end},
    ]


def resolve(text: str, selectors: Sequence[dict]) -> Anchoring:
    """Anchor `selectors` in `text` and say how, or why it failed."""
    return _anchorer_for(text).resolve(selectors)


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
    """Return the `(start, end)` whose characters are exactly the selection's quote.

    For a new selection, which must describe the current text verbatim: an approximate match
    or a quote that only matches after normalising quotes and spaces raises AnchorError.
    """
    target = _parse_selectors(selectors)
    start, end = require(text, selectors)
    if target.exact is not None and text[start:end] != target.exact:
        raise AnchorError(
            f"The selected text {target.exact!r} does not match the text at {start}-{end}, "
            f"which reads {text[start:end]!r}."
        )
    return start, end


def resolve_many(text: str, selector_lists: Iterable[Sequence[dict]]) -> list[Anchoring]:
    """Anchor every selector list in one text, normalising the text only once."""
    anchorer = Anchorer(text)
    return [anchorer.resolve(selectors) for selectors in selector_lists]


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
    return _anchorer_for(text).candidates(selectors)


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

    The normalised view folds curly quotes, dashes and every kind of space, and collapses
    runs of spaces, so that a revision that only retypes those still matches; a map of the
    collapsed runs converts its offsets back to the original text.
    """

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")
        self.text = text
        self._normalised: str | None = None

    def resolve(self, selectors: Sequence[dict]) -> Anchoring:
        """Anchor `selectors` in this text and say how, or why it failed."""
        target = _parse_selectors(selectors)
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
            return Anchoring(
                target.start, target.end, "position", "the quote is still at its position", 1.0
            )
        return _QuoteSearch(self, target, exhaustive=False).run()

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
        return sorted(
            search.pool.values(), key=lambda candidate: (-candidate.score, candidate.start)
        )

    @property
    def normalised(self) -> str:
        """The text with quotes, dashes and spaces folded and space runs collapsed."""
        if self._normalised is None:
            self._build_normalised_view()
        return self._normalised

    def _build_normalised_view(self) -> None:
        # Built lazily: a claim still at its position never needs the view.
        folded = _fold(self.text)
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
        self._normalised = _SPACE_RUN.sub(" ", folded) if run_starts else folded

    def to_original(self, offset: int) -> int:
        """Map an offset in the normalised view to the original text."""
        run = bisect.bisect_left(self._run_positions, offset) - 1
        return offset + (self._shifts[run] if run >= 0 else 0)

    def to_normalised(self, offset: int) -> int:
        """Map an offset in the original text to the normalised view."""
        if self._normalised is None:
            self._build_normalised_view()
        run = bisect.bisect_right(self._run_starts, offset) - 1
        if run < 0:
            return offset
        if offset < self._run_ends[run]:
            return self._run_positions[run]
        return offset - self._shifts[run]


@functools.lru_cache(maxsize=8)
def _anchorer_for(text: str) -> Anchorer:
    return Anchorer(text)


class _QuoteSearch:
    """One quote's search for its new place: exact matches first, then approximate ones."""

    def __init__(self, anchorer: Anchorer, target: _Target, exhaustive: bool):
        self.anchorer = anchorer
        self.text = anchorer.text
        self.norm = anchorer.normalised
        self.target = target
        self.exhaustive = exhaustive
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
        self.hint = None
        if target.start is not None and target.start <= len(self.text):
            self.hint = anchorer.to_normalised(target.start)
        self.pool: dict[tuple[int, int], Candidate] = {}
        self.slot: tuple[int, int] | None = None

    def run(self) -> Anchoring:
        if not self.core:
            return Anchoring(
                None, None, None, "the quote holds only spaces, so there is nothing to search for"
            )
        windows = self._windows()
        found = self._search(windows, self._exact_spans, "quote")
        if found is None:
            found = self._search(windows, self._fuzzy_spans, "fuzzy")
        if found is None:
            return Anchoring(None, None, None, self._failure_reason())
        if found.method == "quote":
            reason = "the quote was found verbatim"
        else:
            reason = f"an approximate quote was found (similarity {found.quote_similarity:.2f})"
        return Anchoring(found.start, found.end, found.method, reason, found.score)

    def _windows(self) -> list[tuple[int, int]]:
        length = len(self.norm)
        if self.hint is None:
            return [(0, length)]
        windows = []
        for radius in _SEARCH_RADII:
            if radius is None:
                windows.append((0, length))
                break
            low = max(0, self.hint - radius)
            high = min(length, self.hint + len(self.core) + radius)
            windows.append((low, high))
            if low == 0 and high == length:
                break
        return windows

    def _search(self, windows, find_spans, method: str) -> Candidate | None:
        best = None
        for low, high in windows:
            for start, end in find_spans(low, high):
                candidate = self._evaluate(start, end, method)
                if candidate.accepted and (best is None or _ranks_before(candidate, best)):
                    best = candidate
            if best is not None and not self.exhaustive and self._is_strong(best):
                return best
            if self.slot is not None and best is None and not self.exhaustive:
                break
        return best

    def _is_strong(self, candidate: Candidate) -> bool:
        sides = [
            s for s in (candidate.prefix_similarity, candidate.suffix_similarity) if s is not None
        ]
        return all(similarity >= _STRONG_CONTEXT_SIMILARITY for similarity in sides)

    def _exact_spans(self, low: int, high: int):
        norm, core = self.norm, self.core
        at = norm.find(core, low, high)
        count = 0
        while at != -1 and count < _MAX_EXACT_CANDIDATES:
            yield at, at + len(core)
            count += 1
            at = norm.find(core, at + 1, high)

    def _fuzzy_spans(self, low: int, high: int):
        core = self.core
        segments = [(low, high)]
        found = 0
        while segments and found < _MAX_FUZZY_CANDIDATES:
            seg_low, seg_high = segments.pop(0)
            if seg_high - seg_low < len(core) - self.max_edits or seg_high <= seg_low:
                continue
            if seg_high - seg_low < len(core):
                start, end = seg_low, seg_high
            else:
                alignment = fuzz.partial_ratio_alignment(
                    core, self.norm[seg_low:seg_high], score_cutoff=_FUZZY_CUTOFF
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
        yield from self._slot_span(low, high)

    def _refine(self, start: int, end: int) -> tuple[int, int]:
        """Move the ends of an approximate match to where the quote aligns best."""
        norm, core = self.norm, self.core
        reach = min(max(2, self.max_edits + 1), 24)

        def cost(a: int, b: int) -> tuple[int, int, int]:
            return (Levenshtein.distance(core, norm[a:b]), abs(b - a - len(core)), a)

        for _ in range(2):
            start = min(
                range(max(0, start - reach), min(end, start + reach + 1)),
                key=lambda a: cost(a, end),
            )
            end = min(
                range(max(start + 1, end - reach), min(len(norm), end + reach) + 1),
                key=lambda b: cost(start, b),
            )
        while start < end and norm[start] == " ":
            start += 1
        while end > start and norm[end - 1] == " ":
            end -= 1
        return start, end

    def _slot_span(self, low: int, high: int):
        """Yield the stretch between where the prefix and the suffix are found now, if any."""
        if self.slot is not None or len(self.prefix.strip()) < 3 or len(self.suffix.strip()) < 3:
            return
        prefix_ends = [
            at + len(self.prefix) for at in _find_all(self.norm, self.prefix, low, high, 64)
        ]
        if not prefix_ends:
            alignment = fuzz.partial_ratio_alignment(
                self.prefix, self.norm[low:high], score_cutoff=80
            )
            if alignment is not None:
                prefix_ends = [low + alignment.dest_end + len(self.prefix) - alignment.src_end]
        suffix_starts = list(_find_all(self.norm, self.suffix, low, high, 64))
        if not suffix_starts:
            alignment = fuzz.partial_ratio_alignment(
                self.suffix, self.norm[low:high], score_cutoff=80
            )
            if alignment is not None:
                suffix_starts = [low + alignment.dest_start - alignment.src_start]
        widest_gap = 2 * len(self.core) + 64
        pairs = [
            (prefix_end, suffix_start)
            for prefix_end in prefix_ends
            for suffix_start in suffix_starts
            if 0 <= suffix_start - prefix_end <= widest_gap
        ]
        if not pairs:
            return
        near = self.hint if self.hint is not None else 0
        start, end = min(
            pairs, key=lambda pair: (abs(pair[0] - near), abs(pair[1] - pair[0] - len(self.core)))
        )
        self.slot = (start, end)
        while start < end and self.norm[start] == " ":
            start += 1
        while end > start and self.norm[end - 1] == " ":
            end -= 1
        if start < end:
            yield start, end

    def _evaluate(self, start: int, end: int, method: str) -> Candidate:
        known = self.pool.get((start, end))
        if known is not None:
            return known
        norm, core = self.norm, self.core
        if method == "quote":
            edits, similarity = 0, 1.0
        else:
            edits = Levenshtein.distance(core, norm[start:end])
            similarity = 1 - edits / max(len(core), end - start)
        prefix_similarity = self._prefix_similarity(start)
        suffix_similarity = self._suffix_similarity(end)
        sides = [s for s in (prefix_similarity, suffix_similarity) if s is not None]
        context_agrees = not sides or max(sides) >= MIN_CONTEXT_SIMILARITY
        strong_both = len(sides) == 2 and min(sides) >= _STRONG_CONTEXT_SIMILARITY
        allowed_edits = max(self.max_edits, 1 if strong_both else 0)
        new_numbers = _numbers_overlapping(
            norm[max(0, start - _NUMBER_REACH) : end + _NUMBER_REACH],
            min(start, _NUMBER_REACH),
            min(start, _NUMBER_REACH) + end - start,
        )
        numbers_changed = None if new_numbers == self.numbers else (self.numbers, new_numbers)
        nearness = 1.0
        if self.hint is not None:
            nearness = 1 - abs(start - self.hint) / max(1, len(norm))
        score = (
            50 * similarity
            + 20 * (1.0 if prefix_similarity is None else prefix_similarity)
            + 20 * (1.0 if suffix_similarity is None else suffix_similarity)
            + 2 * nearness
        ) / 92
        original_start, original_end = self._original_span(start, end)
        candidate = Candidate(
            start=original_start,
            end=original_end,
            method=method,
            score=score,
            quote_similarity=similarity,
            prefix_similarity=prefix_similarity,
            suffix_similarity=suffix_similarity,
            numbers_changed=numbers_changed,
            context_agrees=context_agrees,
            accepted=context_agrees and edits <= allowed_edits and numbers_changed is None,
        )
        self.pool[(start, end)] = candidate
        return candidate

    def _prefix_similarity(self, start: int) -> float | None:
        if not self.prefix:
            return None
        window = self.norm[max(0, start - len(self.prefix) - _CONTEXT_SLACK) : start]
        return _context_similarity(self.prefix, window)

    def _suffix_similarity(self, end: int) -> float | None:
        if not self.suffix:
            return None
        window = self.norm[end : end + len(self.suffix) + _CONTEXT_SLACK]
        return _context_similarity(self.suffix, window)

    def _original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span back, regaining the spaces the quote had at its edges."""
        text, anchorer = self.text, self.anchorer
        original_start = anchorer.to_original(start)
        original_end = anchorer.to_original(end - 1) + 1
        for _ in range(self.leading_spaces):
            if original_start > 0 and text[original_start - 1].isspace():
                original_start -= 1
        for _ in range(self.trailing_spaces):
            if original_end < len(text) and text[original_end].isspace():
                original_end += 1
        return original_start, original_end

    def _failure_reason(self) -> str:
        candidates = sorted(self.pool.values(), key=lambda c: (-c.score, c.start))
        in_context = [c for c in candidates if c.context_agrees]
        if in_context and in_context[0].numbers_changed and in_context[0].quote_similarity >= 0.6:
            return _describe_number_change(*in_context[0].numbers_changed)
        if self.slot is not None:
            start, end = self.slot
            if _WORD_CHARACTER.search(self.norm, start, end) is None:
                return "quote deleted"
            return "quote replaced by different words"
        if in_context:
            return "quote replaced by different words"
        if any(c.quote_similarity >= 1 - MAX_EDIT_PERCENT / 100 for c in candidates):
            return "quote deleted (the same words elsewhere have a different context)"
        return "quote deleted"


def _ranks_before(candidate: Candidate, other: Candidate) -> bool:
    return (-candidate.score, candidate.start) < (-other.score, other.start)


def _describe_number_change(old: tuple[str, ...], new: tuple[str, ...]) -> str:
    if len(old) == len(new):
        changes = [
            f"{before} → {after}" for before, after in zip(old, new, strict=True) if before != after
        ]
        label = "number changed" if len(changes) == 1 else "numbers changed"
        return f"{label}: {', '.join(changes)}"
    return f"numbers changed: {', '.join(old) or 'none'} → {', '.join(new) or 'none'}"


def _context_similarity(context: str, window: str) -> float | None:
    """How well `context` appears in `window`; None when too little text is left to judge.

    Case is ignored because a revision that splits or joins sentences recapitalises the
    words next to a quote without moving it.
    """
    if len(window) < min(len(context), _SHORTEST_CONTEXT_EVIDENCE):
        return None
    return fuzz.partial_ratio(context.lower(), window.lower()) / 100


def _numbers_overlapping(text: str, start: int, end: int) -> tuple[str, ...]:
    return tuple(
        number.group()
        for number in _NUMBER.finditer(text)
        if number.start() < end and number.end() > start
    )


def _find_all(text: str, needle: str, low: int, high: int, limit: int):
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
