"""Benchmark: server time, SQL queries and browser time to show the workspace of a busy article.

Builds a throwaway SQLite database with an article of 200 claims (3 sources and a history
each) and one of 20 claims, then reports for each: median and p95 server time of the
workspace page, its SQL query count, and the time the page script takes from start to
highlights shown in Chromium. The baseline in the same run is the 20-claim article (the
query count must not grow with the number of claims) and the same 200 claims serialised
without prefetching (what an N+1 page would cost).

Run: .venv/bin/python bench/workspace.py
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VAR_DIR = tempfile.mkdtemp(prefix="factcheck-bench-")
os.environ["FACTCHECK_VAR_DIR"] = VAR_DIR
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annotations import anchoring, services  # noqa: E402
from annotations.api.newsroom_serializers import ClaimSerializer  # noqa: E402
from annotations.models import Claim, Membership, Rating  # noqa: E402
from annotations.permissions import SYSTEM  # noqa: E402

SAMPLE = ROOT / "annotations" / "fixtures" / "imran-khan-twitter-spaces.txt"
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway database


def build_article(organization, editor, reviewer, claims: int):
    body = SAMPLE.read_text(encoding="utf-8").split("\n\n", 2)[2]
    text = "\n\n".join([body] * 4)
    article = services.article_create(
        organization=organization, title=f"Bench {claims}", text=text, created_by=editor
    )
    rating = Rating.objects.filter(scale__organization=organization).first()
    words = [i for i, ch in enumerate(article.text) if ch == " "]
    for n in range(claims):
        start = words[(n * 7) % (len(words) - 40)] + 1
        end = words[(n * 7) % (len(words) - 40) + 3 + n % 20]
        claim = services.claim_create(
            article=article, creator=editor, selectors=anchoring.describe(article.text, start, end)
        )
        for s in range(3):
            services.source_add(
                claim=claim, actor=editor, url=f"https://example.org/{n}/{s}", stance="supports"
            )
        claim.refresh_from_db()
        claim = services.claim_update(
            claim=claim, actor=editor, expected_version=None, rating=rating,
            conclusion=f"Conclusion **{n}**.",
        )  # fmt: skip
        services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    return article


def server_figures(client, article, rounds=30):
    url = f"/articles/{article.pk}/"
    client.get(url)  # warm caches and templates
    times = []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(queries)


def naive_serialisation(article):
    """The baseline: every claim card loading its relations one query at a time."""
    claims = list(Claim.objects.filter(article=article))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        ClaimSerializer(claims, many=True).data  # noqa: B018 - evaluating is the point
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(queries)


def browser_figures(articles, port=8765):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        return {article.pk: None for article in articles}
    from playwright.sync_api import sync_playwright

    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(chromium),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page()
            deadline = time.monotonic() + 30
            while True:
                try:
                    page.goto(f"http://127.0.0.1:{port}/accounts/login/")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            page.fill("#id_username", "bench-editor")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"http://127.0.0.1:{port}/")
            for article in articles:
                samples = []
                for _ in range(5):
                    page.goto(f"http://127.0.0.1:{port}/articles/{article.pk}/")
                    page.wait_for_selector("html[data-workspace-ready=true]")
                    samples.append(
                        float(page.evaluate("document.documentElement.dataset.highlightsMs"))
                    )
                    assert page.locator("mark.highlight").count() > 0
                results[article.pk] = statistics.median(samples)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return results


def main():
    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    editor = user_model.objects.create_user("bench-editor", password=PASSWORD)
    reviewer = user_model.objects.create_user("bench-reviewer", password=PASSWORD)
    organization = services.organization_create(actor=SYSTEM, name="Bench desk", slug="bench")
    services.membership_set(
        organization=organization, user=editor, role=Membership.Role.EDITOR, actor=SYSTEM
    )
    services.membership_set(
        organization=organization, user=reviewer, role=Membership.Role.REVIEWER, actor=SYSTEM
    )
    started = time.perf_counter()
    small = build_article(organization, editor, reviewer, 20)
    large = build_article(organization, editor, reviewer, 200)
    print(f"built 220 claims with 3 sources each in {time.perf_counter() - started:.1f} s")

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(editor)
    small_median, small_p95, small_queries = server_figures(client, small)
    large_median, large_p95, large_queries = server_figures(client, large)
    naive_ms, naive_queries = naive_serialisation(large)
    browser = browser_figures([small, large])

    print()
    print(f"{'workspace page':<34}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'JS ms':>9}")
    for label, median, p95, queries, article in [
        ("20 claims (baseline)", small_median, small_p95, small_queries, small),
        ("200 claims", large_median, large_p95, large_queries, large),
    ]:
        js = browser[article.pk]
        js_text = f"{js:.1f}" if js is not None else "n/a"
        print(f"{label:<34}{median:>10.1f}{p95:>10.1f}{queries:>9}{js_text:>9}")
    print(f"{'200 claims serialised naively':<34}{naive_ms:>10.1f}{'':>10}{naive_queries:>9}")
    print()
    print(f"query count grows with claims: {'NO' if large_queries == small_queries else 'YES'}")
    print(f"server time target < 100 ms at 200 claims: {'met' if large_median < 100 else 'MISSED'}")
    js = browser[large.pk]
    if js is not None:
        print(f"highlights target < 200 ms at 200 claims: {'met' if js < 200 else 'MISSED'}")


if __name__ == "__main__":
    main()
