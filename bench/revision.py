"""Benchmark saving a new text for a 2 MB article, with distinct and with repeated paragraphs.

Run with `.venv/bin/python bench/revision.py`. A save (`services.article_update_text`) keeps
the paragraphs' kinds (headings, quotes) and re-anchors the claims, inside the transaction
that holds the database's write lock, so its time is how long everyone else's writes wait.

Each article has 16,000 paragraphs of about 125 characters under one heading and 20 claims;
the edits are a line added at the top and one paragraph reworded in the middle. The baseline,
measured in the same run, is the article of distinct paragraphs; the other is one paragraph
repeated 16,000 times (a page of boilerplate, a pasted log). Also printed: aligning the
repeated paragraphs the way a save did before (one SequenceMatcher over all paragraphs) on a
quarter of the article, stopped after its first run. Target: every save under 2 s.
"""

import difflib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["FACTCHECK_VAR_DIR"] = tempfile.mkdtemp(prefix="factcheck-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from annotations import anchoring, services  # noqa: E402
from annotations.permissions import SYSTEM  # noqa: E402

PARAGRAPHS = 16_000
LINE = "Officials said {n} people attended the rally on Sunday, the largest crowd this year."


def article_text(repeated: bool) -> str:
    body = [LINE.format(n="40,000" if repeated else f"{40_000 + n:,}") for n in range(PARAGRAPHS)]
    return "\n\n".join(["The rally", *body])


def make_article(organization, editor, text: str):
    article = services.article_create(
        organization=organization,
        title="Rally",
        text=text,
        created_by=editor,
        structure=[{"kind": "heading", "start": 0, "end": len("The rally"), "level": 2}],
    )
    for n in range(20):
        start = text.index("\n\n", 1 + n * len(text) // 20) + 2
        services.claim_create(
            article=article,
            creator=editor,
            selectors=anchoring.describe(text, start, start + len(LINE) - 20),
        )
    return article


def timed_save(article, editor, text: str) -> float:
    started = time.perf_counter()
    services.article_update_text(article=article, actor=editor, text=text)
    return time.perf_counter() - started


def main():
    # No broker runs here: the spotting and re-anchoring jobs a save queues are left queued.
    logging.getLogger("annotations.jobs").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    organization = services.organization_create(actor=SYSTEM, name="Bench", slug="bench")
    editor = get_user_model().objects.create_user("bench-editor")
    services.membership_set(organization=organization, user=editor, role="editor", actor=SYSTEM)
    rows = []
    for label, repeated in (("distinct paragraphs (baseline)", False), ("one repeated", True)):
        text = article_text(repeated)
        article = make_article(organization, editor, text)
        top = timed_save(article, editor, "Updated on Monday.\n\n" + text)
        article.refresh_from_db()
        middle = len(article.text) // 2
        cut = article.text.index("\n\n", middle) + 2
        reworded = article.text[:cut] + "A reworded paragraph. " + article.text[cut:]
        inside = timed_save(article, editor, reworded)
        article.refresh_from_db()
        heading_kept = article.structure[:1] == [
            {"kind": "heading", "start": len("Updated on Monday.\n\n"), "end": 29, "level": 2}
        ]
        rows.append((label, len(text), top, inside, heading_kept))
    print(f"Article: {PARAGRAPHS:,} paragraphs under a heading, 20 claims")
    print(f"{'paragraphs':<32}{'chars':>11}{'line at top':>14}{'reworded':>11}{'heading':>9}")
    for label, chars, top, inside, kept in rows:
        kept_text = "kept" if kept else "LOST"
        print(f"{label:<32}{chars:>11,}{top:>12.2f} s{inside:>9.2f} s{kept_text:>9}")
    quarter = [LINE.format(n="40,000")] * (PARAGRAPHS // 4)
    started = time.perf_counter()
    difflib.SequenceMatcher(None, quarter, ["Updated.", *quarter], autojunk=False).get_opcodes()
    before = time.perf_counter() - started
    print(
        f"\nBefore: one SequenceMatcher over {len(quarter):,} repeated paragraphs took "
        f"{before:.1f} s (it grows with the square: about {before * 16:.0f} s for all)."
    )
    worst = max(max(top, inside) for _label, _chars, top, inside, _kept in rows)
    print(f"Every save under 2 s: {'met' if worst < 2 else 'MISSED'} (slowest {worst:.2f} s)")


if __name__ == "__main__":
    main()
