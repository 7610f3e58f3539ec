"""Benchmark the claim spotter: ranking quality against baselines, speed, load time and memory.

In one run:
(a) MAP on the CLEF 2019 CheckThat! Task 1 test set (7 transcripts; AP per transcript, then the
    mean) for a random ranking (mean of 20 seeds), the TF-IDF baseline (logistic regression over
    word and character n-grams, trained here on the same training transcripts as the shipped
    model) and the shipped model (annotations/spotter/model.npz);
(b) F1 of the check-worthy class on the ClaimBuster test set (702 sentences, balanced) for the
    same three. ClaimBuster's data is GPL-3.0 and not in the repository: it is read from
    $SPOTTING_CLAIMBUSTER_DIR (default ../shared/yardsticks/claimbuster) and skipped when
    absent. Each scorer's threshold is the one that maximises F1 on ClaimBuster's train.json
    (evaluation only: nothing is trained on it); the shipped model's fixed 0.5 is shown too;
(c) the shipped model's load time, scoring throughput on 10,000 sentences (target under 1 s),
    splitting a 5 MB article, and the peak memory (max RSS) of a fresh process that loads
    the model and scores 10,000 sentences (target under 300 MB).

Run: .venv/bin/python bench/spotting.py [--skip-baseline]
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations import spotting, spotting_train  # noqa: E402

CLAIMBUSTER = Path(
    os.environ.get(
        "SPOTTING_CLAIMBUSTER_DIR", ROOT.parent / "shared" / "yardsticks" / "claimbuster"
    )
)
SAMPLE = ROOT / "tests" / "data" / "spotting" / "imran-khan-twitter-spaces.txt"


def random_map(test, seeds=20) -> float:
    values = []
    for seed in range(seeds):
        rng = random.Random(seed)
        scores = [[rng.random() for _ in t.sentences] for t in test]
        values.append(spotting_train.mean_average_precision(scores, [t.labels for t in test]))
    return sum(values) / len(values)


def best_threshold(scores, labels) -> float:
    """The threshold with the best F1 on (scores, labels)."""
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    positives = sum(labels)
    best, threshold, hits = -1.0, pairs[0][0] + 1, 0
    for rank, (score, label) in enumerate(pairs, start=1):
        hits += label
        f1 = 2 * hits / (rank + positives)
        if f1 > best:
            best, threshold = f1, score
    return threshold


def f1(scores, labels, threshold) -> tuple[float, float, float]:
    predicted = [s >= threshold for s in scores]
    tp = sum(1 for p, y in zip(predicted, labels, strict=True) if p and y)
    fp = sum(1 for p, y in zip(predicted, labels, strict=True) if p and not y)
    fn = sum(1 for p, y in zip(predicted, labels, strict=True) if not p and y)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, score


def claimbuster(name):
    path = CLAIMBUSTER / name
    if not path.exists():
        return None
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [row["text"] for row in rows], [int(row["label"]) for row in rows]


def memory_probe() -> dict:
    """Load and score 10,000 sentences in a fresh process; report its load time and max RSS."""
    code = f"""
import json, sys, time
sys.path.insert(0, {str(ROOT)!r})
started = time.perf_counter()
from annotations import spotting
model = spotting.get_model()
loaded = time.perf_counter() - started
text = open({str(SAMPLE)!r}, encoding="utf-8").read()
sentences = [s.text for s in spotting.split_sentences(text)]
batch = (sentences * (10000 // len(sentences) + 1))[:10000]
started, cpu_started = time.perf_counter(), time.process_time()
spotting.score_sentences(batch)
scored, cpu = time.perf_counter() - started, time.process_time() - cpu_started
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]
print(json.dumps({{"load_s": loaded, "score_10k_s": scored, "cpu_10k_s": cpu,
    "max_rss_mb": int(peak) / 1024}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-baseline", action="store_true", help="Do not train TF-IDF.")
    args = parser.parse_args()

    test = spotting_train.load_test()
    shipped = spotting.get_model()
    scorers = {"random": None, "shipped": shipped}
    if not args.skip_baseline:
        started = time.perf_counter()
        scorers["tfidf"] = spotting_train.fit(spotting_train.load_training(), method="tfidf")
        print(f"(TF-IDF baseline trained in {time.perf_counter() - started:.0f} s)")

    print(f"\n(a) MAP on the CLEF 2019 test set ({len(test)} transcripts, "
          f"{sum(len(t.sentences) for t in test)} sentences)")  # fmt: skip
    print(f"  {'random (20 seeds)':32} {random_map(test):.4f}")
    for name in ("tfidf", "shipped"):
        if name in scorers:
            label = {"tfidf": "TF-IDF words+chars (baseline)", "shipped": "shipped model"}[name]
            value = spotting_train.evaluate(scorers[name], test)
            print(f"  {label:32} {value:.4f}")
    if str(shipped.meta.get("method", "")).endswith("+speakers"):
        value = spotting_train.evaluate(shipped, test, speakers=True)
        print(f"  {'shipped, speakers given':32} {value:.4f} (the line above: text only)")
    print(f"  shipped model: {shipped.meta.get('method')}, version {shipped.version}")
    if "cv_map" in shipped.meta.get("evaluation", {}):
        print(f"  shipped model's cross-validated MAP: {shipped.meta['evaluation']['cv_map']:.4f}")
    print("  best published primary run (2019): 0.1660; target 0.20")

    train = claimbuster("train.json")
    held = claimbuster("test.json")
    print("\n(b) ClaimBuster test set, F1 of the check-worthy class")
    if not (train and held):
        print(f"  skipped: no ClaimBuster data at {CLAIMBUSTER}")
    else:
        rng = random.Random(0)
        p, r, value = f1([rng.random() for _ in held[0]], held[1], 0.5)
        print(f"  {'random':32} P {p:.3f} R {r:.3f} F1 {value:.3f}")
        for name in ("tfidf", "shipped"):
            if name not in scorers:
                continue
            model = scorers[name]
            # Sentences out of their debates: each is scored alone (no neighbours).
            train_scores = [model.score([s])[0] for s in train[0]]
            test_scores = [model.score([s])[0] for s in held[0]]
            threshold = best_threshold(train_scores, train[1])
            p, r, value = f1(test_scores, held[1], threshold)
            print(f"  {name:32} P {p:.3f} R {r:.3f} F1 {value:.3f} (threshold from train.json)")
            if name == "shipped":
                p, r, value = f1(test_scores, held[1], 0.0)
                print(f"  {'shipped, probability 0.5':32} P {p:.3f} R {r:.3f} F1 {value:.3f}")

    print("\n(c) speed and memory of the shipped model")
    probe = memory_probe()
    text = SAMPLE.read_text(encoding="utf-8")
    big = (text + "\n\n") * (5_000_000 // len(text))
    started = time.perf_counter()
    sentences = spotting.split_sentences(big)
    split_s = time.perf_counter() - started
    started = time.perf_counter()
    spotting.score_sentences([s.text for s in sentences])
    score_big = time.perf_counter() - started
    print(f"  load (import + model file): {probe['load_s']:.2f} s")
    print(f"  10,000 sentences scored in {probe['score_10k_s']:.2f} s "
          f"({10000 / probe['score_10k_s']:,.0f} sentences/s; target < 1 s), "
          f"{probe['cpu_10k_s']:.2f} s of CPU")  # fmt: skip
    print(f"  peak memory (VmHWM, fresh process): {probe['max_rss_mb']:.0f} MB (target < 300)")
    print(f"  5 MB article: split into {len(sentences):,} sentences in {split_s:.2f} s, "
          f"scored in {score_big:.2f} s")  # fmt: skip
    print(f"  model file: {spotting.MODEL_PATH.stat().st_size / 1e6:.1f} MB (target < 50)")


if __name__ == "__main__":
    main()
