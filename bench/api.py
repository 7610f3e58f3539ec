"""Benchmark: the public claims API over 100,000 published claims, against a hand-written ceiling.

Seeds a throwaway PostgreSQL cluster (as tests/run_suites.py starts one) with 100,000
published claims with 3 sources each, then reports for the claims list (page of 100), a
single claim and a full-text `q` search: SQL queries per request, server time p50/p99 and
requests per second at 20 concurrent clients on loopback, served by gunicorn (2 sync
workers, one per core). The ceiling, measured in the same run on the same server, is the
same page of rows read with `values()` and written with orjson, without DRF, filters,
validators or presentation. EXPLAIN shows the GIN index serving `q`.

Server time is measured inside the worker around the Django application (a Server-Timing
header added by this module's WSGI wrapper): queueing for a worker is not in it. Client
latency (with the queueing) is printed beside it.

Run: .venv/bin/python bench/api.py        (gunicorn imports this module as bench.api)
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLAIMS = 100_000
CLAIMS_PER_ARTICLE = 100
SOURCES_PER_CLAIM = 3
CONCURRENCY = 20
SECONDS = 10.0
WARMUP_SECONDS = 1.5
WORKERS = 2
TARGETS = {"p50": 25.0, "p99": 150.0, "ratio": 0.5, "q_p95": 50.0}

# A thousand words, five to a claim: each is in about 0.5 % of the claims (some 500), as a
# topic or a name would be. The report prints how many claims the searched word matches.
WORDS = [
    f"{a}{b}{c}"
    for a in ("tax", "crop", "wage", "rail", "port", "bank", "oil", "gas", "rent", "fish")
    for b in ("ex", "ol", "ar", "in", "um", "en", "or", "ic", "at", "is")
    for c in ("a", "o", "u", "y", "et", "an", "ek", "id", "os", "ul")
]
CLAIMANTS = [f"Minister {name}" for name in ("Ames", "Bello", "Chen", "Diaz", "Eze", "Fox")]
TAGS = ["economy", "health", "energy", "transport", "farming", "housing", "budget"]


# The WSGI side, imported by gunicorn: the project's application, timed, plus the ceiling.

_django_app = None


def _ceiling(request):
    """The practical ceiling: the same page of rows, `values()` straight into orjson."""
    import orjson
    from django.http import HttpResponse

    from annotations.models import PublishedVersion

    rows = list(
        PublishedVersion.objects.filter(is_current=True)
        .order_by("-published_at", "-id")
        .values(
            "claim_id", "kind", "number", "claim_reviewed", "claimant", "claim_date",
            "conclusion", "tags", "sources", "exact", "prefix", "suffix", "start", "end",
            "correction_note", "published_at", "changed_at",
            "rating__label", "rating__value", "rating__colour", "rating__position",
            "rating__description", "rating__scale__best_value", "rating__scale__worst_value",
            "claim__article_id", "claim__article__title", "claim__article__canonical_url",
            "claim__article__slug", "claim__article__language", "claim__article__published_on",
            "publisher__slug", "publisher__name", "publisher__url",
        )[:100]
    )  # fmt: skip
    body = orjson.dumps({"next": None, "previous": None, "results": rows})
    return HttpResponse(body, content_type="application/json")


def _load_django():
    import types

    from django.core.wsgi import get_wsgi_application
    from django.urls import include, path

    app = get_wsgi_application()
    from django.conf import settings

    urls = types.ModuleType("bench_api_urls")
    urls.urlpatterns = [
        path("bench/ceiling/", _ceiling),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[urls.__name__] = urls
    settings.ROOT_URLCONF = urls.__name__
    return app


def application(environ, start_response):
    """The project's WSGI application, with a Server-Timing header: time spent in Django."""
    global _django_app
    if _django_app is None:
        _django_app = _load_django()
    held = {}

    def hold(status, headers, exc_info=None):
        held["status"], held["headers"], held["exc_info"] = status, headers, exc_info
        return lambda data: None

    started = time.perf_counter()
    body = _django_app(environ, hold)
    elapsed = (time.perf_counter() - started) * 1000
    headers = [*held["headers"], ("Server-Timing", f"app;dur={elapsed:.3f}")]
    start_response(held["status"], headers, held["exc_info"])
    return body


# The benchmark itself.


def seed(organization, editor, reviewer, claims_wanted: int = CLAIMS) -> None:
    """Published claims (100,000) with 3 sources each, as the services would leave them."""
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from annotations import rendering, urlnorm, versions
    from annotations.models import (
        Article,
        ArticleRevision,
        Claim,
        PublishedVersion,
        Rating,
        Source,
    )

    rng = random.Random(12)
    ratings = list(Rating.objects.filter(scale__organization=organization))
    base = timezone.now() - timezone.timedelta(seconds=claims_wanted + 10)
    number = 0
    for first in range(0, claims_wanted // CLAIMS_PER_ARTICLE, 50):
        batch = range(first, first + 50)
        sentences = {
            index: [
                f"{rng.choice(CLAIMANTS)} said {' '.join(rng.choices(WORDS, k=5))} rose by "
                f"{rng.randint(2, 90)} percent in {rng.randint(1990, 2026)}."
                for _ in range(CLAIMS_PER_ARTICLE)
            ]
            for index in batch
        }
        articles = Article.objects.bulk_create(
            Article(
                organization=organization,
                title=f"Bench article {index}",
                slug=f"bench-article-{index}",
                text=" ".join(sentences[index]),
                canonical_url=f"https://news.example/{index}/story",
                url_key=urlnorm.url_key(f"https://news.example/{index}/story"),
                created_by=editor,
            )
            for index in batch
        )
        revisions = ArticleRevision.objects.bulk_create(
            ArticleRevision(article=article, number=1, text=article.text, created_by=editor)
            for article in articles
        )
        claims = []
        for article, revision, index in zip(articles, revisions, batch, strict=True):
            start = 0
            for sentence in sentences[index]:
                end = start + len(sentence)
                number += 1
                claimant = sentence.split(" said ")[0]
                claims.append(
                    Claim(
                        article=article, revision=revision, exact=sentence,
                        prefix=article.text[max(0, start - 32) : start],
                        suffix=article.text[end : end + 32], start=start, end=end,
                        claim_reviewed=sentence, claimant=claimant, rating=rng.choice(ratings),
                        conclusion=(
                            f"The **official series** shows {rng.randint(1, 99)} percent; see "
                            f"[the table](https://stats.example/{number}) and its notes."
                        ),
                        status=Claim.Status.PUBLISHED, creator=editor, reviewer=reviewer,
                        tags=rng.sample(TAGS, 2), version=4,
                        published_at=base + timezone.timedelta(seconds=number),
                    )
                )  # fmt: skip
                start = end + 1
        claims = Claim.objects.bulk_create(claims, batch_size=5000)
        sources = Source.objects.bulk_create(
            (
                Source(
                    claim=claim, url=f"https://stats.example/{claim.pk}/{n}",
                    title=f"Table {n} of the series", publisher="Statistics office",
                    quote=f"Row {n}: {claim.claim_reviewed[:80]}", stance="supports",
                    added_by=editor,
                )
                for claim in claims
                for n in range(SOURCES_PER_CLAIM)
            ),
            batch_size=5000,
        )  # fmt: skip
        by_claim: dict[int, list[dict]] = {}
        for source in sources:
            by_claim.setdefault(source.claim_id, []).append(
                {
                    "id": source.pk, "url": source.url, "title": source.title,
                    "publisher": source.publisher, "quote": source.quote, "stance": source.stance,
                }
            )  # fmt: skip
        PublishedVersion.objects.bulk_create(
            (
                PublishedVersion(
                    claim=claim, number=1, revision=claim.revision, exact=claim.exact,
                    prefix=claim.prefix, suffix=claim.suffix, start=claim.start, end=claim.end,
                    claim_reviewed=claim.claim_reviewed, claimant=claim.claimant,
                    rating=claim.rating, **versions.rating_fields(claim.rating),
                    conclusion=claim.conclusion, tags=claim.tags,
                    conclusion_html=rendering.markdown_to_safe_html(claim.conclusion),
                    sources=by_claim[claim.pk], publisher=organization, published_by=reviewer,
                    published_at=claim.published_at,
                )
                for claim in claims
            ),
            batch_size=5000,
        )  # fmt: skip
    PublishedVersion.objects.update(changed_at=F("published_at"))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def query_counts(client) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from annotations.models import PublishedVersion

    some_claim = PublishedVersion.objects.values_list("claim_id", flat=True).first()
    counts = {}
    for label, url in [
        ("list, page of 10", "/api/v1/claims/?page_size=10"),
        ("list, page of 100", "/api/v1/claims/?page_size=100"),
        ("single claim", f"/api/v1/claims/{some_claim}/"),
        ("q search, page of 100", f"/api/v1/claims/?q={WORDS[7]}&page_size=100"),
    ]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        counts[label] = len(queries)
    return counts


def explain_search(word: str) -> str:
    from annotations import queries
    from annotations.api.filters import PublicClaimFilter

    rows = PublicClaimFilter({"q": word}, queryset=queries.public_claim_feed()).qs
    plan = rows.order_by("-published_at", "-id")[:101].explain(analyze=True)
    return f"{rows.count()} claims match\n{plan}"


async def _get(port: int, path: str) -> tuple[float, float, int]:
    """One request on a new connection (gunicorn's sync workers close each one)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    client_ms = (time.perf_counter() - started) * 1000
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    status = int(head.split(" ", 2)[1])
    server_ms = float("nan")
    for line in head.split("\r\n"):
        if line.lower().startswith("server-timing:"):
            server_ms = float(line.rsplit("dur=", 1)[1])
    return server_ms, client_ms, status


async def _load(port: int, paths: list[str], seconds: float) -> tuple[list, list, float]:
    server, client, failures = [], [], []
    end = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def one_client():
        while time.perf_counter() < end:
            path = paths[next(counter) % len(paths)]
            server_ms, client_ms, status = await _get(port, path)
            if status != 200:
                failures.append(status)
            server.append(server_ms)
            client.append(client_ms)

    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. HTTP {failures[0]}")
    return server, client, len(server) / elapsed


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def measure(port: int, paths: list[str]) -> dict:
    asyncio.run(_load(port, paths, WARMUP_SECONDS))
    server, client, rate = asyncio.run(_load(port, paths, SECONDS))
    return {
        "p50": statistics.median(server),
        "p95": _percentile(server, 0.95),
        "p99": _percentile(server, 0.99),
        "client_p50": statistics.median(client),
        "client_p99": _percentile(client, 0.99),
        "rps": rate,
        "requests": len(server),
    }


def start_gunicorn(env: dict) -> tuple[subprocess.Popen, int]:
    from factcheck import localservers

    port = localservers.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.api:application", "--workers", str(WORKERS),
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            if asyncio.run(_get(port, "/api/v1/claims/?page_size=1"))[2] == 200:
                return server, port
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.2)


def main() -> int:
    from factcheck import localservers

    postgres = localservers.start_postgres()
    redis = localservers.start_redis(port=localservers.free_port())
    var_dir = tempfile.mkdtemp(prefix="factcheck-bench-api-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "factcheck.settings",
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            "FACTCHECK_VAR_DIR": var_dir,
            "DJANGO_STATIC_ROOT": var_dir,
            # As in production: no query log, no debug pages.
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_BEHIND_TLS_PROXY": "false",
            # One address sends everything here: the anonymous throttle still counts in
            # Redis on every request, but never refuses.
            "FACTCHECK_API_RATE_ANON": "1000000000/min",
        }
    )
    server = None
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        from annotations import services
        from annotations.permissions import SYSTEM

        call_command("migrate", verbosity=0)
        users = get_user_model().objects
        editor = users.create_user("bench-editor", password=secrets.token_urlsafe(12))
        reviewer = users.create_user("bench-reviewer", password=secrets.token_urlsafe(12))
        organization = services.organization_create(actor=SYSTEM, name="Bench desk", slug="bench")
        started = time.perf_counter()
        seed(organization, editor, reviewer)
        print(
            f"seeded {CLAIMS:,} published claims, {CLAIMS * SOURCES_PER_CLAIM:,} sources in "
            f"{time.perf_counter() - started:.0f} s"
        )

        client = Client(HTTP_HOST="127.0.0.1")
        counts = query_counts(client)
        pages, url = [], "/api/v1/claims/?page_size=100"
        for _ in range(20):
            pages.append(url)
            next_link = client.get(url).json()["next"]
            parts = urlsplit(next_link)
            url = f"{parts.path}?{parts.query}"
        from annotations.models import PublishedVersion

        claim_ids = list(PublishedVersion.objects.values_list("claim_id", flat=True))
        random.Random(3).shuffle(claim_ids)
        plan = explain_search(WORDS[7])

        server, port = start_gunicorn(dict(os.environ))
        scenarios = {
            "list, first page of 100": ["/api/v1/claims/?page_size=100"],
            "list, 20 pages of 100 by cursor": pages,
            "ceiling: values() + orjson, 100": ["/bench/ceiling/"],
            "single claim": [f"/api/v1/claims/{pk}/" for pk in claim_ids[:5000]],
            "q search, page of 100": [f"/api/v1/claims/?q={w}&page_size=100" for w in WORDS[:40]],
        }
        results = {label: measure(port, paths) for label, paths in scenarios.items()}
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        redis.stop()
        postgres.stop()

    print("\nSQL queries per request (in process):")
    for label, count in counts.items():
        print(f"  {label:<26}{count:>3}")
    print(f"\nEXPLAIN ANALYZE of q={WORDS[7]} (page of 100):")
    print("  " + plan.replace("\n", "\n  "))
    print(
        f"\n{CONCURRENCY} concurrent clients, gunicorn {WORKERS} sync workers, {SECONDS:.0f} s each"
    )
    print(f"{'':<34}{'server p50':>11}{'p95':>8}{'p99':>8}{'client p50':>12}{'p99':>8}{'req/s':>8}")
    for label, r in results.items():
        print(
            f"{label:<34}{r['p50']:>9.1f}ms{r['p95']:>8.1f}{r['p99']:>8.1f}"
            f"{r['client_p50']:>10.1f}ms{r['client_p99']:>8.1f}{r['rps']:>8.0f}"
        )
    listing = results["list, first page of 100"]
    ceiling = results["ceiling: values() + orjson, 100"]
    search = results["q search, page of 100"]
    ratio = listing["rps"] / ceiling["rps"]
    checks = [
        (f"queries per list request constant and <= 5 ({counts['list, page of 100']})",
         counts["list, page of 10"] == counts["list, page of 100"] <= 5),
        (f"list p50 {listing['p50']:.1f} ms < {TARGETS['p50']:.0f} ms",
         listing["p50"] < TARGETS["p50"]),
        (f"list p99 {listing['p99']:.1f} ms < {TARGETS['p99']:.0f} ms",
         listing["p99"] < TARGETS["p99"]),
        (f"list throughput {ratio:.2f} of the ceiling's >= {TARGETS['ratio']}",
         ratio >= TARGETS["ratio"]),
        (f"q p95 {search['p95']:.1f} ms < {TARGETS['q_p95']:.0f} ms",
         search["p95"] < TARGETS["q_p95"]),
        ("q served by the GIN index (published_search)", "published_search" in plan),
    ]  # fmt: skip
    print()
    for text, met in checks:
        print(f"{'met   ' if met else 'MISSED'} {text}")
    return 0 if all(met for _, met in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
