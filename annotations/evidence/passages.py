"""Passages of a text ranked against a claim: BM25 (bm25s's Lucene scoring) with number matching."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field

import numpy as np
import regex

from annotations.evidence import numbers as quantities
from annotations.evidence.query import Query

_TOKEN = re.compile(r"[^\W_]+")
# Where a sentence ends: any script's full stop or question mark (Unicode's sentence
# terminals: ".", Hindi "।", Arabic "؟") and a space before a word that does not start in
# lower case; or a Chinese or Japanese "。", which no space follows.
_SENTENCE_END = regex.compile(
    r"(?<=[\p{Sentence_Terminal}…])[\"”’)」』]?\s+(?=[\"“‘(「『]?+[^\s\p{Ll}])"
    r"|(?<=[。\uff01\uff1f｡][\"”’)」』]?)(?![\"”’)」』])(?=\S)"
)
_PARAGRAPH = re.compile(r"\n\s*\n|\n")
MAX_PASSAGE = 700  # characters; longer paragraphs are cut into runs of sentences
# How much a number the claim states outweighs words: a passage stating the claim's value
# for the same quantity should come before one that only shares vocabulary.
NUMBER_WEIGHT = 1.5
DISAGREE_WEIGHT = 1.2
CANDIDATES = 20
# BM25's parameters: bm25s's defaults.
BM25_K1 = 1.5
BM25_B = 0.75
# Starts with a digit so that scanning long texts stays fast; `numbers.parse` is the real parser.
_QUICK_NUMBER = re.compile(
    r"(\d[\d,.]*(?:[ \u00a0\u202f]\d{3})*)(?:\s?(k|m|bn|thousand|million|billion)\b)?",
    re.IGNORECASE,
)


@dataclass
class Passage:
    """A stretch of a text: its words and where it starts (code points)."""

    text: str
    start: int


@dataclass
class Ranked:
    """A passage with its score, highlights (code points into `text`) and marked quantities."""

    text: str
    start: int
    score: float
    bm25: float = 0.0
    highlights: list[dict] = field(default_factory=list)
    numbers: list[dict] = field(default_factory=list)
    agreement: str = quantities.UNRELATED


def split(text: str) -> list[Passage]:
    """Cut a text into paragraphs, and long paragraphs into runs of sentences."""
    passages = []
    position = 0
    for piece in [*_PARAGRAPH.split(text)]:
        start = text.find(piece, position) if piece else position
        position = start + len(piece)
        stripped = piece.strip()
        if not stripped:
            continue
        start += len(piece) - len(piece.lstrip())
        if len(stripped) <= MAX_PASSAGE:
            passages.append(Passage(stripped, start))
            continue
        sentences, begin = [], 0
        for boundary in _SENTENCE_END.finditer(stripped):
            sentences.append((begin, boundary.start()))
            begin = boundary.end()
        sentences.append((begin, len(stripped)))
        run_start, run_end = sentences[0]
        for sentence_start, sentence_end in sentences[1:]:
            if sentence_end - run_start > MAX_PASSAGE:
                passages.extend(_cut(stripped[run_start:run_end], start + run_start))
                run_start = sentence_start
            run_end = sentence_end
        passages.extend(_cut(stripped[run_start:run_end], start + run_start))
    return [passage for passage in passages if passage.text]


def _cut(text: str, start: int) -> list[Passage]:
    """`text` as passages of at most MAX_PASSAGE characters, cut at spaces where it can.

    A sentence longer than that (a page without full stops, or a list of numbers) would
    otherwise be one passage, and parsing and ranking a huge passage takes minutes.
    """
    pieces = []
    while len(text) > MAX_PASSAGE:
        cut = text.rfind(" ", MAX_PASSAGE // 2, MAX_PASSAGE + 1)
        cut = cut if cut > 0 else MAX_PASSAGE
        pieces.append(Passage(text[:cut].rstrip(), start))
        rest = text[cut:]
        start += cut + len(rest) - len(rest.lstrip())
        text = rest.lstrip()
    pieces.append(Passage(text, start))
    return pieces


_STOP = quantities.STOPWORDS
_WORD_AT = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=50_000)
def _term(word: str) -> str:
    lowered = word.lower()
    return "" if lowered in quantities.STOPWORDS else quantities.stem(lowered)


def tokens(text: str) -> list[str]:
    """The stems of a text's words, function words left out."""
    return [term for term in map(_term, _TOKEN.findall(text)) if term]


def _lowered_in_place(text: str) -> str:
    """`text` lower-cased character for character, so its offsets stay `text`'s.

    Lower-cased whole, Turkish "İ" becomes two characters and every offset after it moves:
    one "İstanbul" in a source left all its capitalised words unmatched (review R20). It
    becomes "i"; any other character that lengthens keeps its first.
    """
    lowered = text.replace("\u0130", "i").lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char.lower()[0] for char in text)


def _starts(texts: list[str]) -> list[int]:
    """Where each text begins in the texts joined by a blank line."""
    starts, position = [], 0
    for text in texts:
        starts.append(position)
        position += len(text) + 2
    return starts


def _bm25_scores(passages: list[str], query_terms: set[str]) -> list[float]:
    """BM25 of each passage for the query's stems: the Lucene variant bm25s computes.

    BM25 of a query depends only on the query terms' frequencies, the documents' lengths
    and the query terms' document frequencies, so only those are counted. The sum is done
    here in numpy with bm25s's defaults (k1 1.5, b 0.75, Lucene idf) rather than through a
    bm25s index: building one counts every token of every passage in Python, which was
    most of the time of ranking 1,000 passages, and is rebuilt for every text.
    """
    terms = sorted(term for term in query_terms if term)
    if not terms or not passages:
        return [0.0] * len(passages)
    column = {term: i for i, term in enumerate(terms)}
    counts = np.zeros((len(passages), len(terms)))
    joined = "\n\n".join(passages)
    lowered = _lowered_in_place(joined)
    starts = _starts(passages)
    # Literal searches for each stem run at C speed; a regex alternation over the whole
    # text was the slowest part of ranking.
    for term in terms:
        position = lowered.find(term)
        while position >= 0:
            if position == 0 or not lowered[position - 1].isalnum():
                word = _WORD_AT.match(lowered, position).group()
                if _term(word) == term:
                    counts[bisect.bisect_right(starts, position) - 1, column[term]] += 1
            position = lowered.find(term, position + len(term))
    # Words separated by spaces: a cheap, consistent document length.
    lengths = np.array([text.count(" ") + 1 for text in passages], dtype=float)
    lengths = np.maximum(lengths, counts.sum(axis=1))
    documents = len(passages)
    frequency = (counts > 0).sum(axis=0)
    idf = np.where(
        frequency > 0, np.log(1 + (documents - frequency + 0.5) / (frequency + 0.5)), 0.0
    )
    norm = BM25_K1 * ((1 - BM25_B) + BM25_B * lengths / lengths.mean())
    scores = (counts / (counts + norm[:, None])) @ idf
    return scores.tolist()


def _near_claimed(texts: list[str], values: list[float]) -> set[int]:
    """The passages with a number close to one the claim states (before parsing properly)."""
    joined = "\n\n".join(texts)
    starts = _starts(texts)
    near = set()
    low = min(abs(value) for value in values) * 0.7
    for match in _QUICK_NUMBER.finditer(joined):
        raw, scale = match.groups()
        if len(raw) < 3 and not scale and low >= 100:
            continue  # "Note 7": too small to be near a claimed count, no need to read it
        try:
            value = float(
                raw.replace(",", "")
                .replace("\u00a0", "")
                .replace("\u202f", "")
                .replace(" ", "")
                .rstrip(".")
            )
        except ValueError:
            continue
        if scale:
            value *= quantities._SCALES.get(scale.lower(), 1.0)
        if any(abs(value - claimed) <= 0.3 * abs(claimed) for claimed in values):
            near.add(bisect.bisect_right(starts, match.start()) - 1)
    return near


def highlight_terms(text: str, stems: set[str]) -> list[dict]:
    """Where the claim's key words occur in `text`, as code-point spans."""
    return [
        {"start": match.start(), "end": match.end(), "kind": "term"}
        for match in _TOKEN.finditer(text)
        if _term(match.group()) in stems
    ]


def annotate(text: str, query: Query, claimed: list[quantities.Quantity] | None = None) -> dict:
    """The highlights, numbers and overall agreement of one passage with the claim."""
    claimed = query.claimed if claimed is None else claimed
    marked = quantities.mark(claimed, text)
    number_spans = [
        {"start": item["start"], "end": item["end"], "kind": "number"} for item in marked
    ]
    terms = [
        span
        for span in highlight_terms(text, query.stems)
        if not any(n["start"] <= span["start"] < n["end"] for n in number_spans)
    ]
    return {
        "highlights": sorted(terms + number_spans, key=lambda span: span["start"]),
        "numbers": marked,
        "agreement": quantities.overall(marked),
    }


def rank(passages: list[Passage] | list[str], query: Query, *, limit: int = 5) -> list[Ranked]:
    """The `limit` passages that bear most on the claim, best first.

    BM25 over the passages' stems scores the wording; a passage that states a value the
    claim states (agrees) or another value for the same quantity (disagrees) is lifted
    above one that only shares words, since numbers decide most verdicts.
    """
    items = [Passage(p, 0) if isinstance(p, str) else p for p in passages]
    if not items:
        return []
    texts = [item.text for item in items]
    scores = _bm25_scores(texts, query.stems)
    top = max(scores) or 1.0
    claimed = query.claimed
    values = [quantity.value for quantity in claimed]
    by_score = sorted(range(len(items)), key=lambda i: -scores[i])
    candidates = set(by_score[:CANDIDATES])
    if values:
        near = sorted(_near_claimed(texts, values), key=lambda i: -scores[i])
        candidates |= set(near[:CANDIDATES])
    ranked = []
    for i in candidates:
        if scores[i] <= 0 and not values:
            continue
        details = annotate(texts[i], query, claimed)
        bonus = 0.0
        for kind, weight in (
            (quantities.AGREES, NUMBER_WEIGHT),
            (quantities.DISAGREES, DISAGREE_WEIGHT),
        ):
            strengths = sorted(
                (
                    min(1.0, (1 + n["overlap"]) / 4)
                    for n in details["numbers"]
                    if n["agreement"] == kind
                ),
                reverse=True,
            )
            # The best match counts most; a second one a little; more add nothing.
            bonus += weight * sum(
                strength / (rank + 1) for rank, strength in enumerate(strengths[:2])
            )
        score = scores[i] / top + bonus
        if score <= 0:
            continue
        ranked.append(
            Ranked(
                text=texts[i],
                start=items[i].start,
                score=round(score, 4),
                bm25=round(scores[i], 4),
                **details,
            )
        )
    ranked.sort(key=lambda item: (-item.score, item.start))
    return ranked[:limit]


def rank_text(text: str, query: Query, *, limit: int = 5) -> list[Ranked]:
    """Split a document into passages and rank them."""
    return rank(split(text), query, limit=limit)
