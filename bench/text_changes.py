"""Benchmark listing what changed in a waiting text, as the workspace does on each view.

Run with `.venv/bin/python bench/text_changes.py`. The text is 25,000 short paragraphs
(1.4 MB) with every other paragraph changed, as in trial G12. The baseline, measured in the
same run, is how the workspace listed changes before: paragraphs paired by difflib, then a
word diff of the first eight changed stretches. Target: all the changes, under 1 s.
"""

import difflib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotations.text_changes import text_changes

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]


def texts() -> tuple[str, str]:
    paragraphs = [
        f"Paragraph {n}. {WORDS[n % 10]} {WORDS[(n * 7) % 10]} {WORDS[(n * 3) % 10]} rose "
        "5 percent on the year."
        for n in range(25_000)
    ]
    edited = [p.replace("percent", "per cent") if n % 2 else p for n, p in enumerate(paragraphs)]
    return "\n\n".join(paragraphs), "\n\n".join(edited)


def before(old: str, new: str) -> int:
    """The former listing: paragraph stretches by difflib, word diffs of the first eight."""
    a, b = old.split("\n\n"), new.split("\n\n")
    opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    stretches = [(a[a1:a2], b[b1:b2]) for tag, a1, a2, b1, b2 in opcodes if tag != "equal"]
    for x, y in stretches[:8]:
        difflib.SequenceMatcher(a=" ".join(x).split(), b=" ".join(y).split()).get_opcodes()
    return len(stretches)


def main():
    old, new = texts()
    started = time.perf_counter()
    stretches = before(old, new)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    hunks = text_changes(old, new)
    now = time.perf_counter() - started
    found = sum(op == "insert" for hunk in hunks for op, _ in hunk.parts)
    print(f"Text: {len(old):,} characters, 25,000 paragraphs, every other one changed")
    print(
        f"{'difflib paragraphs (baseline)':<34}{baseline:>8.2f} s  {stretches:,} stretches, 8 shown"
    )
    print(
        f"{'text_changes':<34}{now:>8.2f} s  {found:,} changes in {len(hunks):,} hunks, all shown"
    )
    print(f"All changes under 1 s: {'met' if now < 1 and found == 12_500 else 'MISSED'}")


if __name__ == "__main__":
    main()
