"""Training and evaluation of the claim spotter on the CheckThat! transcripts (no Django import)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from annotations import spotting

DATA_DIR = spotting.MODEL_DIR / "data"
TRAIN_DIRS = [DATA_DIR / "clef2019-task1" / "training", DATA_DIR / "clef2020-task5" / "training"]
TEST_DIR = DATA_DIR / "clef2019-task1" / "test_annotated"
SEED = 20190513
DEFAULT_C = 1.0
# Weight of a check-worthy sentence against 1 for the others. Positives are 1-3 % of sentences;
# full balancing (about 30) cross-validated worse (MAP 0.154) than 5 (0.159).
POSITIVE_WEIGHT = 5.0
DEFAULT_METHOD = "words+features"
# "tfidf": word and character n-grams; "+features": the hand-made features too; "words":
# word n-grams only (character n-grams made scoring ten times slower).
# "+speakers": the speaker features of the transcripts too (articles have none; they score as
# an unknown speaker).
METHODS = ["tfidf", "tfidf+features", "words+features", "words+features+speakers"]


@dataclass
class Transcript:
    """One document's sentences in order, with 0/1 check-worthiness labels."""

    name: str
    sentences: list[str]
    labels: list[int]
    group: str = ""
    weights: list[float] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)


def read_transcript(path: Path) -> Transcript:
    """Read a CheckThat! TSV file: line number, speaker, sentence, label (no header)."""
    sentences, labels, speakers = [], [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4 or not parts[3].strip().isdigit():
                continue
            speakers.append(parts[1])
            sentences.append(parts[2])
            labels.append(int(parts[3]))
    return Transcript(path.stem, sentences, labels, group=path.stem, speakers=speakers)


def load_dirs(dirs: list[Path], *, limit: int | None = None) -> list[Transcript]:
    """Load every transcript in ``dirs``; transcripts of the same event share a CV group.

    CLEF 2020 re-labelled several CLEF 2019 debates (PolitiFact instead of FactCheck.org);
    a copy must never sit on both sides of a cross-validation split, so any transcript sharing
    more than a third of its sentences with an earlier one joins that one's group.
    """
    transcripts: list[Transcript] = []
    seen: list[tuple[str, set[str]]] = []
    for directory in dirs:
        for path in sorted(Path(directory).glob("*.tsv")):
            transcript = read_transcript(path)
            lines = set(transcript.sentences)
            for group, other in seen:
                if len(lines & other) > len(lines) / 3:
                    transcript.group = group
                    break
            seen.append((transcript.group, lines))
            transcripts.append(transcript)
            if limit and len(transcripts) >= limit:
                return transcripts
    return transcripts


def load_training(*, limit: int | None = None) -> list[Transcript]:
    """Load the public training transcripts shipped with the repository."""
    return load_dirs(TRAIN_DIRS, limit=limit)


def load_test() -> list[Transcript]:
    """Load the CLEF 2019 Task 1 test transcripts (for reporting only, never for tuning)."""
    return load_dirs([TEST_DIR])


# --- metric ------------------------------------------------------------------------------------


def average_precision(scores: list[float], labels: list[int]) -> float | None:
    """Return the average precision of a ranking (None when there is no positive)."""
    positives = sum(labels)
    if not positives:
        return None
    # Stable sort by descending score; ties keep document order, as the official scorer does.
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    hits = 0
    total = 0.0
    for rank, i in enumerate(order, start=1):
        if labels[i]:
            hits += 1
            total += hits / rank
    return total / positives


def mean_average_precision(scores_per_doc: list[list[float]], labels_per_doc: list[list[int]]):
    """Return the CheckThat! MAP: AP per document, then the mean over documents with positives."""
    aps = [average_precision(s, y) for s, y in zip(scores_per_doc, labels_per_doc, strict=True)]
    aps = [ap for ap in aps if ap is not None]
    return float(np.mean(aps)) if aps else 0.0


# --- fitting -----------------------------------------------------------------------------------


def _idf(counts: spotting.Counts) -> tuple[np.ndarray, np.ndarray, float]:
    df = np.bincount(counts.cols)
    index = np.flatnonzero(df).astype(np.int32)
    idf = (np.log((1.0 + counts.n) / (1.0 + df[index])) + 1.0).astype(np.float32)
    return index, idf, float(np.log(1.0 + counts.n) + 1.0)


def _matrix(counts: spotting.Counts, idf: np.ndarray, size: int):
    from scipy import sparse

    values = spotting.tfidf_values(counts, idf)
    return sparse.csr_matrix((values, (counts.rows, counts.cols)), shape=(counts.n, size))


def _design(transcripts: list[Transcript], chars: bool = True, speakers: bool = False):
    sentences: list[str] = []
    dense = []
    for transcript in transcripts:
        sentences.extend(transcript.sentences)
        who = transcript.speakers if speakers and transcript.speakers else None
        dense.append(spotting.dense_features(transcript.sentences, who))
    word = spotting.word_counts(sentences)
    char = spotting.char_counts(sentences) if chars else None
    return word, char, np.vstack(dense) if dense else np.zeros((0, len(spotting.DENSE_FEATURES)))


def fit(
    transcripts: list[Transcript],
    *,
    method: str = DEFAULT_METHOD,
    c: float = DEFAULT_C,
    seed: int = SEED,
    meta: dict | None = None,
) -> spotting.SpotterModel:
    """Fit a logistic-regression spotter on labelled transcripts and return it as a model."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    chars = not method.startswith("words")
    word, char, dense = _design(transcripts, chars=chars, speakers=method.endswith("+speakers"))
    labels = np.concatenate([np.asarray(t.labels, dtype=np.int8) for t in transcripts])
    weights = np.concatenate(
        [
            np.asarray(t.weights, dtype=np.float64) if t.weights else np.ones(len(t.labels))
            for t in transcripts
        ]
    )
    n = word.n
    w_index, w_idf, w_default = _idf(word)
    if char is None:
        c_index, c_idf, c_default = np.zeros(0, np.int32), np.zeros(0, np.float32), 1.0
    else:
        c_index, c_idf, c_default = _idf(char)
    word_idf = np.full(spotting.WORD_FEATURES, w_default, dtype=np.float32)
    word_idf[w_index] = w_idf
    char_idf = np.full(spotting.CHAR_FEATURES, c_default, dtype=np.float32)
    char_idf[c_index] = c_idf
    blocks = [_matrix(word, word_idf, spotting.WORD_FEATURES)]
    if char is not None:
        blocks.append(_matrix(char, char_idf, spotting.CHAR_FEATURES))
    # Log counts are already small (0-4); standardising rare ones blew them up to ~30, which
    # slowed the solver a hundredfold for no gain.
    mean = np.zeros(dense.shape[1], dtype=np.float32)
    scale = np.ones(dense.shape[1], dtype=np.float32)
    use_dense = "+features" in method
    if use_dense:
        blocks.append(sparse.csr_matrix(((dense - mean) / scale).astype(np.float32)))
    design = sparse.hstack(blocks, format="csr")
    # Positives are 1-3 % of sentences: up-weight them so the model does not learn "no".
    class_weight = np.where(labels == 1, POSITIVE_WEIGHT, 1.0)
    classifier = LogisticRegression(
        C=c, solver="liblinear", max_iter=200, random_state=seed, tol=1e-4
    )
    classifier.fit(design, labels, sample_weight=class_weight * weights)
    coef = classifier.coef_.ravel().astype(np.float32)
    # Shift the intercept to where fully balanced weights would put it, so that probabilities
    # (and the product's suggestion threshold) keep their scale; rankings do not change.
    positive_rate = min(max(float(labels.mean()), 1e-6), 1 - 1e-6)
    shift = float(np.log((1 - positive_rate) / positive_rate / POSITIVE_WEIGHT))
    word_coef = coef[: spotting.WORD_FEATURES]
    rest = coef[spotting.WORD_FEATURES :]
    if char is not None:
        char_coef, rest = rest[: spotting.CHAR_FEATURES], rest[spotting.CHAR_FEATURES :]
    else:
        char_coef = np.zeros(spotting.CHAR_FEATURES, dtype=np.float32)
    dense_coef = rest if use_dense else np.zeros(dense.shape[1], dtype=np.float32)
    wk = np.flatnonzero(word_coef).astype(np.int32)
    ck = np.flatnonzero(char_coef).astype(np.int32)
    arrays = {
        "word_idf_index": w_index,
        "word_idf_value": w_idf,
        "word_idf_default": np.float32(w_default),
        "char_idf_index": c_index,
        "char_idf_value": c_idf,
        "char_idf_default": np.float32(c_default),
        "word_coef_index": wk,
        "word_coef_value": word_coef[wk],
        "char_coef_index": ck,
        "char_coef_value": char_coef[ck],
        "dense_mean": mean.astype(np.float32),
        "dense_scale": scale.astype(np.float32),
        "dense_coef": dense_coef.astype(np.float32),
        "intercept": np.float32(classifier.intercept_[0] + shift),
    }
    info = {
        "method": method,
        "c": c,
        "positive_weight": POSITIVE_WEIGHT,
        "seed": seed,
        "features": spotting.DENSE_FEATURES,
        "training_transcripts": len(transcripts),
        "training_sentences": int(n),
        "training_positives": int(labels.sum()),
    }
    info.update(meta or {})
    model = spotting.SpotterModel(arrays, info)
    model.arrays = arrays
    return model


# --- experiment only: wordllama static embeddings (a dev dependency, not shipped) -----------------

EXPERIMENTAL_METHODS = ["wordllama", "tfidf+features+wordllama"]
_wordllama = None


def embed(sentences: list[str]) -> np.ndarray:
    """Embed sentences with wordllama's bundled weights (loaded from its package, no download)."""
    global _wordllama
    if _wordllama is None:
        import wordllama
        from wordllama import WordLlama

        # The package looks for its tokenizer in "tokenizer/" but ships "tokenizers/"; pointing
        # the cache at the package folder finds both files without touching the network.
        folder = Path(wordllama.__file__).parent
        _wordllama = WordLlama.load(cache_dir=folder, disable_download=True)
    return np.asarray(_wordllama.embed([s[: spotting.MAX_SENTENCE_CHARS] for s in sentences]))


class EmbeddingModel:
    """Logistic regression over wordllama embeddings plus the hand-made features."""

    def __init__(self, classifier, mean, scale, linear=None):
        self.classifier, self.mean, self.scale, self.linear = classifier, mean, scale, linear

    def _design(self, sentences):
        dense = (spotting.dense_features(sentences) - self.mean) / self.scale
        return np.hstack([embed(sentences), dense])

    def score(self, sentences: list[str]) -> list[float]:
        """Score consecutive sentences of one document."""
        scores = self.classifier.decision_function(self._design(sentences))
        if self.linear is not None:
            scores = scores + np.asarray(self.linear.score(sentences))
        return [float(s) for s in scores]


def fit_embedding(transcripts, *, c=DEFAULT_C, seed=SEED, with_tfidf=False):
    """Fit the embedding model (optionally summed with the TF-IDF + features model)."""
    from sklearn.linear_model import LogisticRegression

    sentences = [s for t in transcripts for s in t.sentences]
    labels = np.concatenate([np.asarray(t.labels) for t in transcripts])
    dense = np.vstack([spotting.dense_features(t.sentences) for t in transcripts])
    mean, scale = dense.mean(axis=0), dense.std(axis=0)
    scale[scale == 0] = 1.0
    design = np.hstack([embed(sentences), (dense - mean) / scale])
    classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)
    classifier.fit(design, labels)
    linear = fit(transcripts, method="tfidf+features", c=c, seed=seed) if with_tfidf else None
    return EmbeddingModel(classifier, mean, scale, linear)


def fit_any(transcripts, *, method=DEFAULT_METHOD, c=DEFAULT_C, seed=SEED):
    """Fit any method, shippable or experimental; the result has ``score(sentences)``."""
    if method in EXPERIMENTAL_METHODS:
        return fit_embedding(
            transcripts, c=c, seed=seed, with_tfidf=method == "tfidf+features+wordllama"
        )
    return fit(transcripts, method=method, c=c, seed=seed)


def evaluate(
    model: spotting.SpotterModel, transcripts: list[Transcript], *, speakers: bool = False
) -> float:
    """Return the MAP of a model over transcripts (each scored as one document).

    By default the speakers are withheld, as in the product (articles have none).
    """
    scores = [
        model.score(t.sentences, t.speakers if speakers else None)
        if isinstance(model, spotting.SpotterModel)
        else model.score(t.sentences)
        for t in transcripts
    ]
    return mean_average_precision(scores, [t.labels for t in transcripts])


def cross_validate(
    transcripts: list[Transcript],
    *,
    method: str = DEFAULT_METHOD,
    c: float = DEFAULT_C,
    folds: int = 5,
    seed: int = SEED,
) -> float:
    """Return the MAP over held-out transcripts in grouped k-fold cross-validation."""
    groups = sorted({t.group for t in transcripts})
    rng = np.random.default_rng(seed)
    rng.shuffle(groups)
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    scores, labels = [], []
    for fold in range(folds):
        train = [t for t in transcripts if fold_of[t.group] != fold]
        held = [t for t in transcripts if fold_of[t.group] == fold]
        if not train or not held:
            continue
        model = fit_any(train, method=method, c=c, seed=seed)
        for t in held:
            scores.append(model.score(t.sentences))
            labels.append(t.labels)
    return mean_average_precision(scores, labels)


def train_and_report(
    *,
    output: Path | None = None,
    limit: int | None = None,
    method: str = DEFAULT_METHOD,
    c: float = DEFAULT_C,
    folds: int = 5,
    cross_validation: bool = True,
    log=print,
) -> dict:
    """Train on the public transcripts, print CV and test MAP, write the model; return a report."""
    started = time.monotonic()
    transcripts = load_training(limit=limit)
    report: dict = {"method": method, "c": c, "seed": SEED, "transcripts": len(transcripts)}
    if cross_validation:
        report["cv_map"] = round(cross_validate(transcripts, method=method, c=c, folds=folds), 4)
        log(f"cross-validated MAP over {len(transcripts)} training transcripts: {report['cv_map']}")
    model = fit(transcripts, method=method, c=c, meta={"version": _version(method, c, limit)})
    test = load_test()
    report["test_map"] = round(evaluate(model, test), 4)
    log(f"MAP on the CLEF 2019 test set (7 transcripts): {report['test_map']}")
    if method.endswith("+speakers"):
        report["test_map_with_speakers"] = round(evaluate(model, test, speakers=True), 4)
        log(f"  ... with the transcripts' speakers given: {report['test_map_with_speakers']}")
    keys = ("cv_map", "test_map", "test_map_with_speakers")
    model.meta["evaluation"] = {k: report[k] for k in keys if k in report}
    target = Path(output or spotting.MODEL_PATH)
    target.parent.mkdir(parents=True, exist_ok=True)
    spotting.save_model(target, model.arrays, model.meta)
    report["model"] = str(target)
    report["bytes"] = target.stat().st_size
    report["seconds"] = round(time.monotonic() - started, 1)
    log(f"wrote {target} ({report['bytes'] / 1e6:.1f} MB) in {report['seconds']} s")
    return report


def _version(method: str, c: float, limit: int | None) -> str:
    suffix = f"-slice{limit}" if limit else ""
    return f"clef-{method}-c{c:g}{suffix}"
