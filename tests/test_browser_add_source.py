"""Adding sources in the claim card: each new source's fetch is followed to its end."""

import threading

import pytest
from werkzeug.wrappers import Response

from annotations import services
from annotations.models import Source
from tests import factories
from tests.browser_support import ARTIFACTS, assert_accessible, open_page, open_workspace
from tests.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCAL_PROVIDER = "annotations.evidence.providers.factchecks.EarlierFactChecks"
QUOTE = "Over 160,000 people listened in at once"
PAGE = (
    "<html><head><title>A record Space</title></head><body><article><h1>A record Space</h1>"
    "<p>Over 160,000 people listened in at once, the platform said on Sunday.</p>"
    "</article></body></html>"
)


@pytest.fixture
def slow_site(loopback_pages):
    """A page on loopback that holds its answer until the test lets it go."""
    site = {"asked": threading.Event(), "release": threading.Event()}

    def answer(request):
        site["asked"].set()
        # Bounded, so that a failing test cannot leave the worker hanging on it.
        site["release"].wait(timeout=60)
        return Response(PAGE, content_type="text/html; charset=utf-8")

    loopback_pages.expect_request("/slow").respond_with_handler(answer)
    site["url"] = loopback_pages.url_for("/slow")
    yield site
    site["release"].set()


def test_two_sources_added_a_moment_apart_each_show_how_their_fetch_ended_without_reload(
    browser, live_server, newsroom, slow_site, start_celery_worker, tmp_path
):
    start_celery_worker(
        {
            "FACTCHECK_FETCH_ALLOW": "127.0.0.1",
            "FACTCHECK_WAYBACK_ENABLED": "false",
            "FACTCHECK_EVIDENCE_PROVIDERS": LOCAL_PROVIDER,
            "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        }
    )
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    page = open_page(browser, live_server, "ed", viewport=(1280, 1400))
    open_workspace(page, live_server, article)
    page.evaluate("window.notReloaded = true")
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    card = page.locator(".claim-card.active")
    evidence = card.locator('.evidence-providers li[data-provider="factchecks"]')
    evidence.get_by_text("done").wait_for(timeout=30_000)  # the panel is idle now

    def add_source(url):
        card.get_by_label("Source URL").fill(url)
        # Neutral unless the editor picks a stance, as the API's default is.
        assert card.get_by_label("Stance").input_value() == "context"
        card.get_by_role("button", name="Add source").click()
        wait_for(lambda: Source.objects.filter(claim=claim, url=url).exists(), timeout=15)
        return card.locator(f'.sources li[data-source="{Source.objects.get(url=url).pk}"]')

    slow = add_source(slow_site["url"])
    # The worker is on the slow page: the card shows the fetch under way.
    wait_for(slow_site["asked"].is_set, timeout=30, message="the worker never asked")
    slow.get_by_text("Fetching…").wait_for(timeout=15_000)
    refused = add_source("http://localhost:8731/x")
    refused.get_by_text("Waiting to fetch").wait_for(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "workspace-sources-fetching.png"))

    slow_site["release"].set()
    slow.get_by_text("Fetched", exact=True).wait_for(timeout=30_000)
    refused.get_by_text("host 'localhost' is a local name", exact=False).wait_for(timeout=30_000)
    assert "Fetch refused" in refused.inner_text()
    assert "refused: refused" not in refused.inner_text()  # the reason is not said twice
    wait_for(lambda: "Snapshot of" in slow.inner_text(), timeout=15, message="no snapshot link")
    # The snapshot was read and ranked: the evidence panel shows the new provider.
    cited = card.locator('.evidence-providers li[data-provider="sources"]')
    cited.get_by_text("done").wait_for(timeout=30_000)
    assert cited.inner_text().startswith("Cited sources")
    assert page.evaluate("window.notReloaded") is True
    assert {source.stance for source in Source.objects.filter(claim=claim)} == {"context"}
    assert {source.fetch_state for source in Source.objects.filter(claim=claim)} == {
        Source.FetchState.FETCHED,
        Source.FetchState.REFUSED,
    }
    card.locator(".sources").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "workspace-sources-fetched.png"))
    assert_accessible(page, "workspace after two sources were fetched")
    assert page.errors == []
