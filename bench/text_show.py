"""Benchmark showing readers a waiting text of a 2 MB article with hundreds of verdicts on it.

Run with `.venv/bin/python bench/text_show.py [verdicts]` (default 500, the most a save
re-anchors inline). In a newsroom that requires two people, a text saved under published
verdicts waits; a second member's *Show readers revision N* (`services.article_text_publish`)
then moves every verdict onto it, inside the transaction that holds the article's lock.

The baseline, measured in the same run on a copy of the article, is the save itself with
the same verdicts in a newsroom of one, where the verdicts move at once. Also printed: the
save that waits. Target: the show no slower than twice the baseline, and under 2 s.
"""

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
from annotations.models import Claim, PublishedVersion, Rating  # noqa: E402
from annotations.permissions import SYSTEM  # noqa: E402

PARAGRAPHS = 16_000
LINE = "Officials said {n} people attended the rally on Sunday, the largest crowd this year."
WORDS = len(LINE) - 20  # each claim rates the start of its paragraph


def article_text() -> str:
    return "\n\n".join(LINE.format(n=f"{40_000 + n:,}") for n in range(PARAGRAPHS))


def published_article(organization, editor, reviewer, verdicts: int):
    text = article_text()
    article = services.article_create(
        organization=organization, title="Rally", text=text, created_by=editor
    )
    rating = Rating.objects.filter(scale__organization=organization).order_by("pk").first()
    for n in range(verdicts):
        start = text.index("\n\n", 1 + n * len(text) // verdicts) + 2
        claim = services.claim_create(
            article=article,
            creator=editor,
            selectors=anchoring.describe(text, start, start + WORDS),
        )
        services.source_add(claim=claim, actor=editor, url="https://example.org/record")
        services.claim_update(
            claim=claim, actor=editor, expected_version=None, rating=rating, conclusion="Checked."
        )
        services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
        services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    return article


def newsroom(slug: str, two_people: bool):
    organization = services.organization_create(actor=SYSTEM, name=slug, slug=slug)
    organization.requires_two_person_review = two_people
    organization.save(update_fields=["requires_two_person_review"])
    people = []
    for role in ("editor", "reviewer"):
        user = get_user_model().objects.create_user(f"{slug}-{role}")
        services.membership_set(organization=organization, user=user, role=role, actor=SYSTEM)
        people.append(user)
    return organization, *people


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main():
    verdicts = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    # No broker runs here: the spotting job a save queues is left queued.
    logging.getLogger("annotations.jobs").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)
    edited = "Updated on Monday.\n\n" + article_text()
    started = time.perf_counter()
    alone = published_article(*newsroom("alone", two_people=False), verdicts)
    organization, editor, reviewer = newsroom("desk", two_people=True)
    desk = published_article(organization, editor, reviewer, verdicts)
    took = time.perf_counter() - started
    print(f"Made two articles with {verdicts} published verdicts each in {took:.0f} s")

    baseline = timed(
        lambda: services.article_update_text(article=alone, actor=alone.created_by, text=edited)
    )
    waits = timed(lambda: services.article_update_text(article=desk, actor=editor, text=edited))
    show = timed(lambda: services.article_text_publish(article=desk, actor=reviewer, revision=2))
    moved = PublishedVersion.objects.filter(
        claim__article=desk, is_current=True, revision__number=2
    ).count()
    print(f"Article: {PARAGRAPHS:,} paragraphs ({len(edited):,} characters), {verdicts} verdicts")
    print(f"{'save, newsroom of one (baseline)':<40}{baseline:>8.2f} s")
    print(f"{'save that waits, two-person newsroom':<40}{waits:>8.2f} s")
    print(f"{'show readers the waiting text':<40}{show:>8.2f} s  ({moved} verdicts moved)")
    met = show < 2 and show <= 2 * baseline and moved == verdicts
    print(f"Show under 2 s and within twice the baseline: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
