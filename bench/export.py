"""Benchmark the bulk export: peak memory while 1,000 and 10,000 claims stream out.

For each export (CSV and JSON Lines, published and everything), the response is read
through chunk by chunk, keeping nothing, while tracemalloc records the peak of what Python
allocates; the process's resident set growth is printed beside it. Flat memory means the
peak at 10,000 claims is about the peak at 1,000: a batch of rows, never the whole export.
The claims are made with bulk_create (published, one source and one history entry each),
as the services would leave them, since only their number matters here.

Run: .venv/bin/python bench/export.py       (a throwaway SQLite database and Redis)
tests/test_export.py imports `seed` and `measure` and asserts the same flatness.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAIMS_PER_ARTICLE = 100
SIZES = (1_000, 10_000)
EXPORTS = (("csv", "published"), ("csv", "all"), ("jsonl", "published"), ("jsonl", "all"))


@dataclass
class Measure:
    """One export read through: its size, its time, and the memory it took."""

    claims: int
    lines: int
    bytes: int
    seconds: float
    peak_bytes: int
    rss_growth_bytes: int


def seed(organization, editor, reviewer, count: int) -> None:
    """Add `count` published claims to the organization, in articles of a hundred."""
    from django.utils import timezone

    from annotations import rendering, urlnorm, versions
    from annotations.models import (
        Article,
        ArticleRevision,
        Claim,
        ClaimEvent,
        PublishedVersion,
        Rating,
        Source,
    )

    ratings = list(Rating.objects.filter(scale__organization=organization).order_by("pk"))
    offset = Article.objects.filter(organization=organization).count()
    now = timezone.now()
    for first in range(0, count, CLAIMS_PER_ARTICLE):
        size = min(CLAIMS_PER_ARTICLE, count - first)
        index = offset + first // CLAIMS_PER_ARTICLE
        sentences = [
            f"Minister {n % 7} said exports rose by {n % 90 + 2} percent in {1990 + n % 36}."
            for n in range(first, first + size)
        ]
        text = " ".join(sentences)
        url = f"https://news.example/{organization.slug}/{index}"
        article = Article.objects.create(
            organization=organization, title=f"Export article {index}",
            slug=f"export-article-{index}", text=text, canonical_url=url,
            url_key=urlnorm.url_key(url), created_by=editor,
        )  # fmt: skip
        revision = ArticleRevision.objects.create(
            article=article, number=1, text=text, created_by=editor
        )
        claims, start = [], 0
        for n, sentence in enumerate(sentences):
            end = start + len(sentence)
            claims.append(
                Claim(
                    article=article, revision=revision, exact=sentence,
                    prefix=text[max(0, start - 32) : start], suffix=text[end : end + 32],
                    start=start, end=end, claim_reviewed=sentence,
                    claimant=f"Minister {n % 7}", rating=ratings[n % len(ratings)],
                    conclusion="The **official series** says otherwise; see the table.",
                    status=Claim.Status.PUBLISHED, creator=editor, reviewer=reviewer,
                    tags=["economy"], version=4, published_at=now,
                )
            )  # fmt: skip
            start = end + 1
        claims = Claim.objects.bulk_create(claims)
        sources = Source.objects.bulk_create(
            Source(
                claim=claim, url=f"https://stats.example/{claim.pk}", title="Table 1",
                publisher="Statistics office", quote=claim.exact[:80], stance="refutes",
                added_by=editor,
            )
            for claim in claims
        )  # fmt: skip
        ClaimEvent.objects.bulk_create(
            ClaimEvent(claim=claim, actor=reviewer, action="status", version=4,
                       changes={"status": ["in_review", "published"]})
            for claim in claims
        )  # fmt: skip
        html = rendering.markdown_to_safe_html(claims[0].conclusion)
        PublishedVersion.objects.bulk_create(
            PublishedVersion(
                claim=claim, number=1, revision=revision, exact=claim.exact,
                prefix=claim.prefix, suffix=claim.suffix, start=claim.start, end=claim.end,
                claim_reviewed=claim.claim_reviewed, claimant=claim.claimant,
                rating=claim.rating, **versions.rating_fields(claim.rating),
                conclusion=claim.conclusion, conclusion_html=html,
                tags=claim.tags, publisher=organization, published_by=reviewer,
                published_at=now,
                sources=[{"id": source.pk, "url": source.url, "title": source.title,
                          "publisher": source.publisher, "quote": source.quote,
                          "stance": source.stance}],
            )
            for claim, source in zip(claims, sources, strict=True)
        )  # fmt: skip


def measure(client, url: str, claims: int) -> Measure:
    """Read the streamed export at `url` through, keeping nothing; its peak Python memory."""
    import psutil

    process = psutil.Process()
    gc.collect()
    rss_before = process.memory_info().rss
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200:
        tracemalloc.stop()
        raise AssertionError(f"{url}: {response.status_code}")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    # The test client closes the response once its content is read through.
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    growth = process.memory_info().rss - rss_before
    return Measure(claims, lines, size, seconds, peak, growth)


def _report(results: dict) -> None:
    print(f"{'export':<18}{'claims':>8}{'MB out':>9}{'seconds':>9}{'peak MB':>9}{'RSS +MB':>9}")
    for (kind, content), by_size in results.items():
        for measured in by_size:
            print(
                f"{kind + ' ' + content:<18}{measured.claims:>8}{measured.bytes / 1e6:>9.1f}"
                f"{measured.seconds:>9.2f}{measured.peak_bytes / 1e6:>9.2f}"
                f"{measured.rss_growth_bytes / 1e6:>9.1f}"
            )
        small, large = by_size
        ratio = large.peak_bytes / small.peak_bytes
        print(f"{'':<18}peak at {large.claims} / at {small.claims}: {ratio:.2f} (flat: < 1.5)")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    var = Path(tempfile.mkdtemp(prefix="factcheck-bench-export-"))
    os.environ["FACTCHECK_VAR_DIR"] = str(var)
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    from factcheck import localservers

    redis = localservers.start_redis(socket_path=var / "redis.sock")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        from annotations import services
        from annotations.models import Membership
        from annotations.permissions import SYSTEM
        from tests import factories

        call_command("migrate", verbosity=0)
        organization = services.organization_create(actor=SYSTEM, name="Export", slug="export")
        editor = factories.member(organization, Membership.Role.EDITOR)
        reviewer = factories.member(organization, Membership.Role.REVIEWER)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(editor)
        results: dict = {export: [] for export in EXPORTS}
        done = 0
        for size in SIZES:
            started = time.perf_counter()
            seed(organization, editor, reviewer, size - done)
            done = size
            print(f"seeded {size} claims in {time.perf_counter() - started:.1f} s")
            for kind, content in EXPORTS:
                url = f"/api/v1/newsroom/organizations/export/export.{kind}?content={content}"
                measure(client, url, size)  # warm: first-use imports and caches
                results[kind, content].append(measure(client, url, size))
        _report(results)
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
