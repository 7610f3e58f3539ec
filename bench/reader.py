"""Benchmark what readers load: the reader page, the ClaimReview feed, and the publishers' embed.

Builds a throwaway SQLite database (and a throwaway Redis for the cache and throttles), then:
(a) the reader page `/a/<org>/<slug>/` of an article with 500 published claims (one of them
    corrected, so its history is shown), against one with 5 in the same run: median server
    time over repeated requests with the test client, and SQL queries (target: the same
    count for both, under 100 ms at 500);
(b) the ClaimReview feed `/api/v1/claimreview/?organization=` of organizations with 100, 1,000
    and 10,000 published claims: queries (constant) and the peak memory Python allocates
    while the streamed feed is read through (tracemalloc; flat past the first chunk of rows);
(c) `/embed.js`: its gzipped size as served (under 15 kB), and in Chromium the time the
    script takes to find and mark 200 claims in a 1 MB publisher page, measured inside the
    page with `performance.now()` (under 300 ms). The instance is this process's Django on a
    loopback port (the real API and CORS); the page is on another port, formatted its own way.
Claims are made through the services (create, rate, source, review, publish); the feed's
10,000 are copies of 10 such claims, made with bulk_create, since only their number matters.

Run: .venv/bin/python bench/reader.py [--only abc]
"""

import argparse
import copy
import datetime as dt
import gc
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = Path(tempfile.mkdtemp(prefix="factcheck-bench-"))
os.environ["FACTCHECK_VAR_DIR"] = str(VAR_DIR)
for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_REDIS_URL"):
    os.environ.pop(name, None)
# The benchmark asks thousands of times from one address: the anonymous throttle would refuse.
os.environ["FACTCHECK_API_RATE_ANON"] = "1000000/min"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

from factcheck import localservers  # noqa: E402

REDIS = localservers.start_redis(socket_path=VAR_DIR / "redis.sock")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from annotations import anchoring, services  # noqa: E402
from annotations.models import Claim, Membership, PublishedVersion, Rating  # noqa: E402
from annotations.permissions import SYSTEM  # noqa: E402
from bench.anchoring import paragraph  # noqa: E402
from tests import embed_host  # noqa: E402

SAMPLE = ROOT / "annotations" / "fixtures" / "imran-khan-twitter-spaces.txt"
SEED = 20221201
HOST_PAGE_BYTES = 1_000_000
EMBED_CLAIMS = 200
FEED_SIZES = (100, 1_000, 10_000)
ROUNDS = 20


def newsroom(slug: str):
    """An organization with an editor and a reviewer (publishing needs two people)."""
    organization = services.organization_create(actor=SYSTEM, name=f"Desk {slug}", slug=slug)
    users = get_user_model().objects
    editor = users.create_user(f"{slug}-editor")
    reviewer = users.create_user(f"{slug}-reviewer")
    for user, role in ((editor, Membership.Role.EDITOR), (reviewer, Membership.Role.REVIEWER)):
        services.membership_set(organization=organization, user=user, role=role, actor=SYSTEM)
    return organization, editor, reviewer


def word_spans(text: str, count: int, rng: random.Random):
    """`count` spans of 3 to 14 words, spread evenly, none overlapping."""
    starts = [i + 1 for i, ch in enumerate(text) if ch == " "]
    step = len(starts) // count
    for n in range(count):
        first = n * step
        last = min(first + rng.randint(3, min(14, step - 1)), len(starts) - 1)
        yield starts[first], starts[last] - 1


def publish(article, editor, reviewer, spans, sources: int = 2):
    """A published claim on each span: rated, concluded, sourced, reviewed by another person."""
    ratings = list(Rating.objects.filter(scale__organization=article.organization))
    for n, (start, end) in enumerate(spans):
        claim = services.claim_create(
            article=article,
            creator=editor,
            selectors=anchoring.describe(article.text, start, end),
            claimant=f"Speaker {n % 17}",
            claim_date=dt.date(2022, 4, 1 + n % 28),
        )
        for s in range(sources):
            services.source_add(
                claim=claim, actor=editor, url=f"https://example.org/{n}/{s}", stance="supports"
            )
        claim.refresh_from_db()
        claim = services.claim_update(
            claim=claim, actor=editor, expected_version=None, rating=ratings[n % len(ratings)],
            conclusion=f"Records show otherwise: **{n}** [source](https://example.org/{n}).",
        )  # fmt: skip
        claim = services.claim_transition(
            claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW
        )
        services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)


def correct(article, editor, reviewer):
    """Republish the article's first claim with another rating and a correction note."""
    claim = Claim.objects.filter(article=article).order_by("pk").first()
    rating = Rating.objects.filter(scale__organization=article.organization).exclude(
        pk=claim.rating_id
    )[0]
    claim = services.claim_update(claim=claim, actor=editor, expected_version=None, rating=rating)
    claim = services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED, note="a recount"
    )


def sample_body() -> str:
    return SAMPLE.read_text(encoding="utf-8").split("\n\n", 2)[2]


def timed_gets(client, url: str, rounds: int = ROUNDS, cold: bool = False):
    """Median ms of `rounds` GETs after a warm-up, and the queries of the last one.

    `cold` empties the cache (Redis) before each request, outside the timing: the page is
    then made from the database and templates every time, as on its first visit.
    """
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    times = []
    for _ in range(rounds):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), len(queries)


# (a) the reader page


def reader_page_figures(client, rng):
    results = {}
    organization, editor, reviewer = newsroom("reader-bench")
    text = "\n\n".join([sample_body()] * 8)
    for count in (5, 500):
        article = services.article_create(
            organization=organization, title=f"Reader {count}", text=text, created_by=editor
        )
        started = time.perf_counter()
        publish(article, editor, reviewer, list(word_spans(article.text, count, rng)))
        correct(article, editor, reviewer)
        print(f"  published {count} claims in {time.perf_counter() - started:.1f} s")
        try:
            url = reverse("reader-article", args=[organization.slug, article.slug])
        except NoReverseMatch:
            return None
        results[count] = timed_gets(client, url, cold=True) + timed_gets(client, url)
    return results


# (b) the ClaimReview feed


def copies(version: PublishedVersion, count: int, start_at: dt.datetime):
    """`count` more claims like `version`'s, each with its current published version."""
    template = Claim.objects.get(pk=version.claim_id)
    claims = []
    for _ in range(count):
        claim = copy.copy(template)
        claim.pk = claim.id = None
        claims.append(claim)
    Claim.objects.bulk_create(claims, batch_size=1000)
    versions = []
    for n, claim in enumerate(claims):
        row = copy.copy(version)
        row.pk = row.id = None
        row.claim = claim
        row.published_at = start_at + dt.timedelta(seconds=n)
        versions.append(row)
    PublishedVersion.objects.bulk_create(versions, batch_size=1000)


def feed_desk(slug: str, total: int, rng: random.Random):
    organization, editor, reviewer = newsroom(slug)
    article = services.article_create(
        organization=organization, title=f"Feed {slug}", text=sample_body(), created_by=editor
    )
    publish(article, editor, reviewer, list(word_spans(article.text, 10, rng)), sources=1)
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    versions = list(PublishedVersion.objects.filter(claim__article=article))
    per_template = (total - len(versions)) // len(versions)
    for n, version in enumerate(versions):
        copies(version, per_template, base + dt.timedelta(days=n))
    return organization


def feed_figures(client, organization):
    url = reverse("v1:claimreview-feed") + f"?organization={organization.slug}"
    median, queries = timed_gets(client, url, rounds=3)
    gc.collect()
    tracemalloc.start()
    response = client.get(url)
    size = 0
    elements = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        elements += chunk.count(b'"@type": "ClaimReview"')
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"ms": median, "queries": queries, "peak_kib": peak / 1024, "bytes": size,
            "reviews": elements}  # fmt: skip


# (c) the embed


class Instance:
    """This process's Django on a loopback port, in a thread, as the live test server does."""

    def __init__(self):
        self.httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
        self.httpd.set_app(get_wsgi_application())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def embed_article(rng: random.Random):
    """An article of about 0.6 MB (the sample, then news-like prose) with 200 published claims."""
    organization, editor, reviewer = newsroom("embed-bench")
    paragraphs = sample_body().split("\n\n")
    while sum(len(p) + 2 for p in paragraphs) < HOST_PAGE_BYTES * 0.6:
        paragraphs.append(paragraph(rng))
    article = services.article_create(
        organization=organization,
        title="Embed bench",
        text="\n\n".join(paragraphs),
        created_by=editor,
        canonical_url="https://publisher.example/2026/12/01/embed-bench/",
    )
    started = time.perf_counter()
    publish(article, editor, reviewer, list(word_spans(article.text, EMBED_CLAIMS, rng)), 1)
    print(f"  published {EMBED_CLAIMS} claims in {time.perf_counter() - started:.1f} s")
    return article


def host_page(article, instance: str) -> str:
    """The article as the publisher prints it, padded with comments to 1 MB of HTML."""
    page = embed_host.page(
        title=article.title,
        paragraphs=article.text.split("\n\n"),
        instance=instance,
        organization=article.organization.slug,
        canonical=article.canonical_url,
    )
    comment = "<li><p>Great reporting, but I would like to see the figures for my district."
    filler = []
    n = 0
    while len(page) + sum(map(len, filler)) < HOST_PAGE_BYTES:
        filler.append(f"{comment} Reader {n} wrote this at {n % 24}:{n % 60:02d}.</p></li>\n")
        n += 1
    return page.replace("</main>", f"<ol class=comment-list>{''.join(filler)}</ol></main>")


def embed_figures(client, article, loads: int = 5):
    response = client.get(reverse("embed-script"), HTTP_ACCEPT_ENCODING="gzip")
    gzipped = len(response.content) if response.get("Content-Encoding") == "gzip" else None
    raw = len((ROOT / "static" / "embed" / "embed.js").read_bytes())
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return {"gzipped": gzipped, "raw": raw, "runs": None}
    from playwright.sync_api import sync_playwright

    wanted = expected(article)  # read before Playwright's event loop makes this thread async
    instance = Instance()
    html = host_page(article, instance.url)
    runs = []
    try:
        with (
            embed_host.HostServer(
                {"/story.html": html}, embed_host.strict_csp(instance.url)
            ) as host,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=str(chromium),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for _ in range(loads):
                page = browser.new_page()
                page.goto(f"{host.url}/story.html")
                stats = page.evaluate("FactcheckEmbed.ready")
                stats["correct"] = page.evaluate(CORRECT_MARKS, wanted)
                runs.append(stats)
                page.close()
            browser.close()
    finally:
        instance.close()
    return {"gzipped": gzipped, "raw": raw, "runs": runs, "html_bytes": len(html.encode())}


def expected(article) -> dict:
    versions = PublishedVersion.objects.filter(claim__article=article, is_current=True)
    return {str(v.claim_id): v.exact for v in versions}


# How many claims are marked on exactly their words (quotes, dashes, spaces and case folded).
CORRECT_MARKS = """(expected) => {
  const fold = (s) => s.replace(/[\\u2018\\u2019]/g, "'").replace(/[\\u201c\\u201d]/g, '"')
    .replace(/[\\u2013\\u2014]/g, "-").replace(/\\s+/g, " ").trim().toLowerCase();
  let correct = 0;
  for (const [id, exact] of Object.entries(expected)) {
    const marks = document.querySelectorAll(`mark[data-factcheck-claim="${id}"]`);
    if (fold([...marks].map((m) => m.textContent).join("")) === fold(exact)) correct++;
  }
  return correct;
}"""


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="abc", help="which parts to run, e.g. c or ab")
    parts = parser.parse_args().only
    call_command("migrate", verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    rng = random.Random(SEED)
    if "a" in parts:
        part_a(client, rng)
    if "b" in parts:
        part_b(client, rng)
    if "c" in parts:
        part_c(client, rng)


def part_a(client, rng):
    print("(a) reader page /a/<org>/<slug>/")
    reader = reader_page_figures(client, rng)
    if reader is None:
        print("  n/a: the reader page (url name reader-article) is not there yet")
        return
    print(f"  {'':>8}{'cache emptied':>22}{'cache warm':>22}")
    print(f"  {'claims':>8}{'median ms':>12}{'queries':>10}{'median ms':>12}{'queries':>10}")
    for count, (cold_ms, cold_q, warm_ms, warm_q) in reader.items():
        print(f"  {count:>8}{cold_ms:>12.1f}{cold_q:>10}{warm_ms:>12.1f}{warm_q:>10}")
    small, large = reader[5], reader[500]
    constant = small[1] == large[1] and small[3] == large[3]
    print(f"  queries constant (5 vs 500, both ways): {verdict(constant)}")
    print(f"  server time < 100 ms at 500 claims, cache emptied: {verdict(large[0] < 100)}")
    print(f"  server time < 100 ms at 500 claims, cache warm: {verdict(large[2] < 100)}")


def part_b(client, rng):
    print("(b) ClaimReview feed /api/v1/claimreview/?organization=")
    started = time.perf_counter()
    desks = {count: feed_desk(f"feed-{count}", count, rng) for count in FEED_SIZES}
    print(f"  built {sum(FEED_SIZES)} claims in {time.perf_counter() - started:.1f} s")
    cache.clear()
    try:
        feeds = {count: feed_figures(client, desk) for count, desk in desks.items()}
    except NoReverseMatch:
        print("  n/a: the feed (url name v1:claimreview-feed) is not there yet")
        return
    print(f"  {'claims':>8}{'reviews':>9}{'MB':>7}{'median ms':>11}{'queries':>9}{'peak KiB':>10}")
    for count, f in feeds.items():
        print(
            f"  {count:>8}{f['reviews']:>9}{f['bytes'] / 1e6:>7.1f}{f['ms']:>11.0f}"
            f"{f['queries']:>9}{f['peak_kib']:>10.0f}"
        )
    queries = {f["queries"] for f in feeds.values()}
    print(f"  queries constant (100 to 10,000): {verdict(len(queries) == 1)}")
    # Rows are read in chunks of 500, so memory may grow up to one chunk, then no more.
    flat = feeds[10_000]["peak_kib"] <= 1.25 * feeds[1_000]["peak_kib"]
    print(f"  peak memory flat (10,000 within 1.25x of 1,000): {verdict(flat)}")


def part_c(client, rng):
    article = embed_article(rng)
    print("(c) embed")
    figures = embed_figures(client, article)
    print(f"  /embed.js: {figures['raw']} bytes, {figures['gzipped']} gzipped as served")
    print(f"  gzipped size < 15 kB: {verdict((figures['gzipped'] or 10**9) < 15_000)}")
    runs = figures["runs"]
    if not runs:
        print("  n/a: no Chromium at /usr/bin/chromium")
        return
    if runs[0].get("status") != "ready":
        print(f"  the embed did not run: {runs[0]}")
        return
    print(
        f"  host page {figures['html_bytes'] / 1e6:.2f} MB of HTML, "
        f"{runs[0]['pageChars'] / 1e6:.2f} M characters of text"
    )
    print(
        f"  {'load':>6}{'index ms':>10}{'locate ms':>11}{'mark ms':>9}{'total ms':>10}{'marked':>8}"
    )
    for n, run in enumerate(runs, 1):
        print(
            f"  {n:>6}{run['indexMs']:>10.1f}{run['locateMs']:>11.1f}{run['highlightMs']:>9.1f}"
            f"{run['totalMs']:>10.1f}{run['correct']:>5}/{run['claims']}"
        )
    total = statistics.median(run["totalMs"] for run in runs)
    print(f"  anchor {EMBED_CLAIMS} claims in a 1 MB page < 300 ms (median {total:.0f} ms): "
          f"{verdict(total < 300)}")  # fmt: skip
    print(f"  every claim marked on its words: {verdict(runs[0]['correct'] == EMBED_CLAIMS)}")


if __name__ == "__main__":
    try:
        main()
    finally:
        REDIS.stop()
