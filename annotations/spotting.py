"""Claim spotting: split text into sentences and score how check-worthy each one is."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import unicodedata
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_DIR = Path(__file__).resolve().with_name("spotter")
MODEL_PATH = MODEL_DIR / "model.npz"

# Hashed n-gram spaces: no vocabulary to store, the same features in training and at run time.
WORD_FEATURES = 2**20
CHAR_FEATURES = 2**20
# Longer sentences are cut before featurising: a pathological 1 MB "sentence" must not stall
# the job, and the first few hundred characters carry the signal anyway.
MAX_SENTENCE_CHARS = 1000


@dataclass(frozen=True)
class Sentence:
    """A sentence of a text, with code-point offsets into that text (end exclusive)."""

    start: int
    end: int
    text: str


# --- splitting ---------------------------------------------------------------------------------

_LINE_RE = re.compile(r"[^\n]+")
_LIST_NUMBER = re.compile(r"\(?\d{1,3}[.)]")
# sentencex keeps "He paused… Then he spoke." whole; an ellipsis followed by a capital (or an
# opening quote and a capital) ends a sentence, one followed by lower case does not.
_ELLIPSIS_BREAK = re.compile(r"(?:…|\.\.\.)[\"”’)]?(\s+)(?=[\"“‘(]?[A-Z])")


# Thai (and Lao, Khmer) write no full stop and no space between words: a space between two
# letters of the script is where a sentence or clause ends. Beside a number or a Latin word
# it is only a word's edge ("ว่างงาน 1.2% ในปี 2024"), so those stay together.
# Letters and their marks only: not the scripts' digits ("๒๕๖๗ ปี" is one date), nor Thai's
# repetition mark "ๆ", which a space follows inside a sentence.
_UNPUNCTUATED_LETTER = r"\u0e01-\u0e45\u0e47-\u0e4e\u0e81-\u0ecd\u1780-\u17d3"
_UNPUNCTUATED_BREAK = re.compile(
    rf"(?<=[{_UNPUNCTUATED_LETTER}])(\s+)(?=[\u0e01-\u0e45\u0e81-\u0eb0\u1780-\u17b3])"
)


def _split_at(pattern: re.Pattern, part: str) -> list[str]:
    """`part` cut where `pattern`'s first group starts (the whitespace goes with the next)."""
    pieces, last = [], 0
    for match in pattern.finditer(part):
        pieces.append(part[last : match.start(1)])
        last = match.start(1)
    pieces.append(part[last:])
    return pieces


def _split_further(part: str) -> list[str]:
    """`part` cut after ellipses that end a sentence and at the sentence spaces of Thai."""
    return [
        piece
        for ellipsed in _split_at(_ELLIPSIS_BREAK, part)
        for piece in _split_at(_UNPUNCTUATED_BREAK, ellipsed)
    ]


def split_sentences(text: str, *, language: str = "en") -> list[Sentence]:
    """Split ``text`` into sentences with code-point offsets, trimmed of surrounding whitespace.

    Line breaks always end a sentence (headings, list items and paragraphs are separate
    blocks in canonical text); inside a line, sentencex finds the boundaries, knowing
    abbreviations ("Dr.", "U.S."), decimals ("22.8"), ellipses and closing quotes.
    ``language`` is a language tag ("de", "pt-BR", "en_GB"); its primary subtag chooses the
    abbreviations, and an empty one means English.
    """
    from sentencex import segment

    language = language.replace("_", "-").split("-")[0].lower() or "en"

    sentences: list[Sentence] = []
    for line in _LINE_RE.finditer(text):
        block = line.group()
        if not block.strip():
            continue
        base = line.start()
        pos = 0
        parts = (piece for whole in segment(language, block) for piece in _split_further(whole))
        for part in parts:
            # sentencex keeps every character, so parts follow each other; find() only
            # guards against a future version that drops whitespace between them.
            at = block.find(part, pos) if not block.startswith(part, pos) else pos
            if at < 0:
                continue
            pos = at + len(part)
            stripped = part.strip()
            # "1." before a list item's words is the item's number, no sentence of its own.
            if not stripped or _LIST_NUMBER.fullmatch(stripped):
                continue
            start = base + at + (len(part) - len(part.lstrip()))
            sentences.append(Sentence(start, start + len(stripped), stripped))
    return sentences


def find_sentence(text: str, sentence: str, start: int, *, repeated: bool = False) -> int | None:
    """Where `sentence` is in `text` now: at `start` if still there, else at its one place.

    Between an edit and the scoring of the new text, stored offsets point at old places;
    a sentence that only moved is found again. None when it is gone, is there twice, or
    moved while `repeated` (other stored rows have its words: which copy is whose is then
    unknown).
    """
    if sentence and text.startswith(sentence, start):
        return start
    if repeated:
        return None
    first = text.find(sentence)
    if not sentence or first < 0 or text.find(sentence, first + 1) >= 0:
        return None
    return first


def sentence_key(sentence: str) -> str:
    """Return a stable key for a sentence: sha256 of its whitespace- and case-normalised text."""
    normal = " ".join(unicodedata.normalize("NFKC", sentence).casefold().split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


# "one" is left out: far more often a pronoun ("whether one agrees") than a quantity.
_NUMBER_RE = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty"
    r"|fifty|hundreds?|thousands?|millions?|billions?|trillions?|half|halved|doubled?|twice"
    r"|tripled?|percent|dozens?|thirds?|quarters?)\b",
    re.IGNORECASE,
)


def has_number(sentence: str) -> bool:
    """Return whether a sentence states a number or quantity (digits or number words)."""
    return bool(_NUMBER_RE.search(sentence))


# --- features ----------------------------------------------------------------------------------

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\xa0": " "})
_DIGIT_RE = re.compile(r"\d")


def normalise(sentence: str) -> str:
    """Lower-case, straighten quotes and map every digit to 0 so that numbers generalise."""
    return _DIGIT_RE.sub("0", sentence[:MAX_SENTENCE_CHARS].translate(_QUOTES).lower())


# Word lists of the hand-made features, looked up once per distinct token of a batch.
_WORD_LISTS = {
    "number_words": "one two three four five six seven eight nine ten eleven twelve twenty "
    "thirty forty fifty hundred hundreds thousand thousands million millions billion billions "
    "trillion half double doubled twice triple tripled dozen dozens quarter percent",
    "money": "dollar dollars euro euros pound pounds rupee rupees million billion trillion tax "
    "taxes budget deficit debt cost costs",
    "comparative": "more less fewer than higher lower larger smaller bigger greater worse better "
    "faster slower cheaper",
    "superlative": "most least only record ever never first last largest biggest highest lowest "
    "best worst all every none",
    "change": "increase increased increases decrease decreased rise rose risen fell fallen drop "
    "dropped cut cuts grew grown lost gained created raised reduced spent paid voted passed "
    "banned ousted killed won",
    "past": "was were had did been ago",
    "future": "will won't going gonna shall",
    "opinion": "think believe feel hope should must want wish need love great wonderful "
    "terrible frankly honestly folks thank thanks applause laughter please let's",
    "first_person": "i i'm i've me my we we're we've our us",
    "second_person": "you your you're",
    "hedge": "maybe perhaps probably might could may seems",
    "statistic": "percent rate average median total number majority population per",
}
OWN_FEATURES = [
    "digits",
    "decimal",
    "percent_sign",
    "currency_sign",
    "year",
    *_WORD_LISTS,
    "superlative_suffix",
    "past_suffix",
    "question",
    "exclamation",
    "named",
    "acronym",
    "quote",
    "tokens",
]
_INDEX = {name: j for j, name in enumerate(OWN_FEATURES)}
_LOOKUP: dict[str, list[int]] = {}
for _name, _words in _WORD_LISTS.items():
    for _word in _words.split():
        _LOOKUP.setdefault(_word, []).append(_INDEX[_name])
_SIGNS = {
    "?": _INDEX["question"],
    "!": _INDEX["exclamation"],
    "%": _INDEX["percent_sign"],
    '"': _INDEX["quote"],
    "\u201c": _INDEX["quote"],
    "\u201d": _INDEX["quote"],
    "$": _INDEX["currency_sign"],
    "\u20ac": _INDEX["currency_sign"],
    "\xa3": _INDEX["currency_sign"],
}
# One pass of one pattern over a whole batch: numbers (with their separators), words (with an
# inner apostrophe), the signs above, and the line break that joins (and so ends) sentences.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:['\u2019]\w+)?|[?!%\"\u201c\u201d$\u20ac\xa3]|\n")
# Signs that stay out of the word n-grams (the hand-made features count them).
_NOT_IN_NGRAMS = frozenset('?!"\u201c\u201d\n')
NEIGHBOUR_FEATURES = ["digits", "tokens", "question", "opinion"]
# Optional speaker features (transcripts have a speaker column, articles do not): all zero for
# an unknown speaker, so scoring without speakers ranks by the text alone.
SPEAKER_FEATURES = ["speaker_system", "speaker_share", "turn_start", "turn_end"]
_SYSTEM_SPEAKERS = frozenset({"system", "audience", "unidentified male", "unidentified female"})
DENSE_FEATURES = (
    OWN_FEATURES
    + ["short", "position"]
    + [f"prev_{n}" for n in NEIGHBOUR_FEATURES]
    + [f"next_{n}" for n in NEIGHBOUR_FEATURES]
    + SPEAKER_FEATURES
)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Tokens:
    """The tokens of a batch of sentences: an id per token into ``vocab``, and its sentence."""

    ids: np.ndarray
    rows: np.ndarray
    first: np.ndarray
    vocab: list[str]
    n: int


def tokenise(sentences: list[str]) -> Tokens:
    """Tokenise a batch of sentences in one regular-expression pass (line breaks end them)."""
    n = len(sentences)
    joined = "\n".join(sentences)
    if joined.count("\n") != n - 1 or any(len(s) > MAX_SENTENCE_CHARS for s in sentences):
        joined = "\n".join(s[:MAX_SENTENCE_CHARS].replace("\n", " ") for s in sentences)
    tokens = _TOKEN_RE.findall(joined + "\n") if n else []
    # The distinct tokens, the line break first (id 0); mapping with C-level dict.fromkeys and
    # map() is five times faster than a Python loop over the tokens.
    vocab = list(dict.fromkeys(["\n", *tokens]))
    index = {token: k for k, token in enumerate(vocab)}
    ids = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    ends = ids == 0
    rows = np.cumsum(ends) - ends
    first = np.empty(len(ids), dtype=bool)
    if len(ids):
        first[0] = True
        first[1:] = ends[:-1]
    keep = ~ends
    return Tokens(ids[keep], rows[keep], first[keep], vocab, n)


@dataclass(frozen=True)
class Counts:
    """Hashed n-gram counts of n sentences as coordinates: one entry per (row, column)."""

    rows: np.ndarray
    cols: np.ndarray
    counts: np.ndarray
    n: int


def _count(rows: np.ndarray, cols: np.ndarray, n: int) -> Counts:
    keys, counts = np.unique((rows << 32) | cols, return_counts=True)
    return Counts(keys >> 32, keys & 0xFFFFFFFF, counts, n)


def _token_hashes(vocab: list[str]) -> tuple[np.ndarray, np.ndarray]:
    # CRC-32 is stable across processes and platforms (Python's own hash is salted); it runs
    # once per distinct token of the batch, not once per token.
    hashes = np.fromiter(
        (zlib.crc32(normalise(t).encode("utf-8")) for t in vocab), dtype=np.uint64, count=len(vocab)
    )
    in_ngrams = np.fromiter((t not in _NOT_IN_NGRAMS for t in vocab), dtype=bool, count=len(vocab))
    return hashes, in_ngrams


def word_counts(sentences: list[str] | Tokens) -> Counts:
    """Count each sentence's word unigrams and bigrams, hashed (CRC-32) into WORD_FEATURES.

    Digits count as 0 and case is ignored, so "22.8" and "31.5" share a feature. A bigram's
    hash mixes its two words' hashes with array arithmetic, so no bigram string is built.
    """
    tokens = sentences if isinstance(sentences, Tokens) else tokenise(sentences)
    hashes, in_ngrams = _token_hashes(tokens.vocab)
    keep = in_ngrams[tokens.ids]
    ids, rows = tokens.ids[keep], tokens.rows[keep]
    h = hashes[ids]
    mask = np.uint64(WORD_FEATURES - 1)
    pair = rows[1:] == rows[:-1]
    with np.errstate(over="ignore"):
        mixed = h[:-1][pair] * _MIX + h[1:][pair] + np.uint64(1)
        mixed ^= mixed >> np.uint64(31)
    cols = np.concatenate([h & mask, mixed & mask]).astype(np.int64)
    return _count(np.concatenate([rows, rows[:-1][pair]]), cols, tokens.n)


def _vocab_features(vocab: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct token's hand-made feature counts, and whether it is a capitalised name."""
    table = np.zeros((len(vocab), len(OWN_FEATURES)), dtype=np.float32)
    capital = np.zeros(len(vocab), dtype=np.float32)
    digits, decimal, year = _INDEX["digits"], _INDEX["decimal"], _INDEX["year"]
    acronym, superlative, past = (
        _INDEX["acronym"],
        _INDEX["superlative_suffix"],
        _INDEX["past_suffix"],
    )
    for k, token in enumerate(vocab):
        first = token[0]
        row = table[k]
        if first.isdigit():
            row[digits] = 1
            if "." in token:
                row[decimal] = 1
            if len(token) == 4 and token[:2] in ("19", "20"):
                row[year] = 1
            continue
        sign = _SIGNS.get(token)
        if sign is not None:
            row[sign] = 1
            continue
        if token.isspace():
            continue
        lower = token.lower().replace("\u2019", "'")
        for j in _LOOKUP.get(lower, ()):
            row[j] += 1
        if len(lower) > 5 and lower.endswith("est"):
            row[superlative] = 1
        elif len(lower) > 4 and lower.endswith("ed"):
            row[past] = 1
        if first.isupper():
            if len(token) > 1 and token.isupper():
                row[acronym] = 1
            else:
                capital[k] = 1
    return table, capital


def _speaker_features(speakers: list[str | None], n: int) -> np.ndarray:
    out = np.zeros((n, len(SPEAKER_FEATURES)), dtype=np.float32)
    names = [(s or "").strip().lower() for s in speakers]
    known = [bool(s) and s != "unknown" for s in names]
    if not any(known):
        return out
    shares: dict[str, int] = {}
    for name in names:
        shares[name] = shares.get(name, 0) + 1
    for i, name in enumerate(names):
        if not known[i]:
            continue
        out[i, 0] = name in _SYSTEM_SPEAKERS or name.startswith("(")
        out[i, 1] = shares[name] / n
        out[i, 2] = i == 0 or names[i - 1] != name
        out[i, 3] = i == n - 1 or names[i + 1] != name
    return out


def dense_features(
    sentences: list[str] | Tokens, speakers: list[str | None] | None = None
) -> np.ndarray:
    """Return the hand-made check-worthiness features of consecutive sentences of a document.

    Numbers and quantities, comparatives and superlatives, change verbs, tense, capitalised
    names and acronyms, opinion and hedge words, questions, length, position in the document,
    a few features of the neighbouring sentences (a claim often answers a question or precedes
    a number) and, when known, the speaker's (system lines, share of the talk, turn edges).
    """
    tokens = sentences if isinstance(sentences, Tokens) else tokenise(sentences)
    n = tokens.n
    table, capital = _vocab_features(tokens.vocab)
    own = np.zeros((n, len(OWN_FEATURES)), dtype=np.float32)
    ids, rows = tokens.ids, tokens.rows
    for j in np.flatnonzero(table.any(axis=0)):
        weights = table[ids, j]
        hit = weights != 0
        own[:, j] = np.bincount(rows[hit], weights=weights[hit], minlength=n)
    named = (capital[ids] != 0) & ~tokens.first
    own[:, _INDEX["named"]] = np.bincount(rows[named], minlength=n)
    own[:, _INDEX["tokens"]] = np.bincount(rows, minlength=n)
    own = np.log1p(own)
    short = (own[:, _INDEX["tokens"]] < np.log1p(5)).astype(np.float32)[:, None]
    position = (np.arange(n, dtype=np.float32) / max(n - 1, 1))[:, None]
    cols = [_INDEX[name] for name in NEIGHBOUR_FEATURES]
    prev = np.zeros((n, len(cols)), dtype=np.float32)
    nxt = np.zeros((n, len(cols)), dtype=np.float32)
    if n > 1:
        prev[1:] = own[:-1, cols]
        nxt[:-1] = own[1:, cols]
    speaker = _speaker_features(list(speakers) if speakers is not None else [None] * n, n)
    return np.hstack([own, short, position, prev, nxt, speaker])


def char_counts(sentences: list[str]) -> Counts:
    """Count character 3-5-grams within words, hashed by scikit-learn (experiments only)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    hasher = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        n_features=CHAR_FEATURES,
        alternate_sign=False,
        norm=None,
        lowercase=False,
        dtype=np.float32,
    )
    matrix = hasher.transform([normalise(s) for s in sentences]).tocoo()
    order = np.lexsort((matrix.col, matrix.row))
    return Counts(
        matrix.row[order].astype(np.int64),
        matrix.col[order].astype(np.int64),
        matrix.data[order].astype(np.int64),
        len(sentences),
    )


def tfidf_values(counts: Counts, idf: np.ndarray) -> np.ndarray:
    """Sublinear tf times idf per entry, each row L2-normalised."""
    values = (1.0 + np.log(counts.counts)) * idf[counts.cols]
    norms = np.sqrt(np.bincount(counts.rows, weights=values * values, minlength=counts.n))
    norms[norms == 0] = 1.0
    return (values / norms[counts.rows]).astype(np.float32)


def linear_scores(counts: Counts, idf: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """The dot product of each sentence's TF-IDF vector with ``coef`` (no matrix built)."""
    values = tfidf_values(counts, idf)
    return np.bincount(counts.rows, weights=values * coef[counts.cols], minlength=counts.n)


# --- the model ---------------------------------------------------------------------------------


class SpotterModel:
    """A linear check-worthiness model over TF-IDF n-grams and hand-made features."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict):
        self.meta = meta
        self.version = str(meta.get("version", "unknown"))
        self.word_idf = self._dense(
            arrays, "word_idf", WORD_FEATURES, float(arrays["word_idf_default"])
        )
        self.char_idf = self._dense(
            arrays, "char_idf", CHAR_FEATURES, float(arrays["char_idf_default"])
        )
        self.word_coef = self._dense(arrays, "word_coef", WORD_FEATURES, 0.0)
        self.char_coef = self._dense(arrays, "char_coef", CHAR_FEATURES, 0.0)
        # Hand-made features are matched by name, so a model trained before a feature was
        # added still scores (the new feature gets weight 0).
        names = meta.get("features") or DENSE_FEATURES
        where = [names.index(f) if f in names else -1 for f in DENSE_FEATURES]

        def aligned(values: np.ndarray, missing: float) -> np.ndarray:
            values = np.asarray(values, dtype=np.float32)
            return np.array([values[k] if k >= 0 else missing for k in where], dtype=np.float32)

        self.dense_mean = aligned(arrays["dense_mean"], 0.0)
        self.dense_scale = aligned(arrays["dense_scale"], 1.0)
        self.dense_coef = aligned(arrays["dense_coef"], 0.0)
        self.intercept = float(arrays["intercept"])
        self.uses_chars = bool(len(arrays["char_coef_index"]))

    @staticmethod
    def _dense(arrays, name: str, size: int, default: float) -> np.ndarray:
        # Stored sparsely (only features seen in training) to keep the file small.
        out = np.full(size, default, dtype=np.float32)
        out[arrays[name + "_index"]] = arrays[name + "_value"]
        return out

    @classmethod
    def load(cls, path: str | Path) -> SpotterModel:
        """Load a model from an .npz file (no pickle) and its JSON metadata inside it."""
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        meta = json.loads(bytes(arrays.pop("meta")).decode("utf-8"))
        return cls(arrays, meta)

    def score(self, sentences: list[str], speakers: list[str | None] | None = None) -> list[float]:
        """Score consecutive sentences of one document; higher is more check-worthy.

        ``speakers`` (one per sentence, None or "unknown" when not known) is optional: articles
        have none, and the text alone then decides.
        """
        if not sentences:
            return []
        tokens = tokenise(sentences)
        scores = linear_scores(word_counts(tokens), self.word_idf, self.word_coef)
        if self.uses_chars:
            scores += linear_scores(char_counts(sentences), self.char_idf, self.char_coef)
        dense = (dense_features(tokens, speakers) - self.dense_mean) / self.dense_scale
        scores += dense @ self.dense_coef + self.intercept
        return scores.tolist()


def save_model(path: str | Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Write a model's arrays and metadata to one compressed .npz file."""
    payload = dict(arrays)
    payload["meta"] = np.frombuffer(
        json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8
    )
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **payload)


_lock = threading.Lock()
_models: OrderedDict[str, SpotterModel] = OrderedDict()
# About 16 MB each: the shipped model and a few newsrooms' own stay loaded; a model replaced
# by a retraining, or a newsroom not seen for a while, is dropped and loaded again if asked.
MODELS_KEPT = 4


def get_model(path: str | Path | None = None) -> SpotterModel:
    """Return the model at ``path`` (default: the shipped one), kept loaded while in use."""
    key = str(Path(path or MODEL_PATH).resolve())
    with _lock:
        model = _models.get(key)
        if model is not None:
            _models.move_to_end(key)
            return model
    loaded = SpotterModel.load(key)  # outside the lock: other models stay servable meanwhile
    with _lock:
        model = _models.setdefault(key, loaded)
        _models.move_to_end(key)
        while len(_models) > MODELS_KEPT:
            _models.popitem(last=False)
    return model


def score_sentences(
    sentences: list[str],
    *,
    speakers: list[str | None] | None = None,
    model_path: str | Path | None = None,
) -> list[float]:
    """Score sentences for check-worthiness (higher means more worth checking).

    Pass a document's sentences in order: a few features look at the neighbouring sentences
    and at the position in the document. ``speakers`` is optional (transcripts only; unknown by
    default). The model is loaded lazily from the repository's file (or ``model_path``);
    nothing is downloaded.
    """
    return get_model(model_path).score(list(sentences), speakers)


def probability(score: float) -> float:
    """Map a raw score to 0..1 (the logistic function), for display and thresholds."""
    return float(1.0 / (1.0 + np.exp(-score)))
