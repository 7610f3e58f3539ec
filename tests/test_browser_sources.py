"""Sources in the claim card: a new source's fetch is followed to its end, and a source whose
site was down is fetched again and archived once it is back."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from werkzeug.wrappers import Response

from annotations import services
from annotations.models import Claim, Source
from tests import factories
from tests.browser_support import (
    ARTIFACTS,
    assert_accessible,
    open_page,
    open_workspace,
    record_posts,
)
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
def flaky_site(loopback_pages):
    """A page on loopback that answers 500 until the test says the site is back."""
    site = {"up": False, "requests": 0}

    def answer(request):
        site["requests"] += 1
        if not site["up"]:
            return Response("Internal Server Error", status=500)
        return Response(PAGE, content_type="text/html; charset=utf-8")

    loopback_pages.expect_request("/record").respond_with_handler(answer)
    site["url"] = loopback_pages.url_for("/record")
    return site


def test_editor_fetches_a_failed_source_again_and_the_card_shows_it_archived(
    browser, live_server, newsroom, flaky_site, start_celery_worker, tmp_path, settings
):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1"]  # the site stands in for a public one
    start_celery_worker(
        {
            "FACTCHECK_FETCH_ALLOW": "127.0.0.1",
            "FACTCHECK_WAYBACK_ENABLED": "false",
            # Only the local provider: the worker has loopback and nothing else.
            "FACTCHECK_EVIDENCE_PROVIDERS": LOCAL_PROVIDER,
            # The 500s use up the snapshot job's attempts in about a second.
            "FACTCHECK_JOB_RETRY_DELAY": "0.1",
            "FACTCHECK_IO_RETRY_JITTER": "0",
            "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        }
    )
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    source = services.source_add(claim=claim, actor=editor, url=flaky_site["url"])
    wait_for(
        lambda: Source.objects.get(pk=source.pk).fetch_state == Source.FetchState.FAILED,
        timeout=60,
        message="the source's first fetch did not fail",
    )
    failed_requests = flaky_site["requests"]
    assert failed_requests >= 2  # a 500 is worth retrying before giving up
    version = Claim.objects.get(pk=claim.pk).version

    page = open_page(browser, live_server, "ed", viewport=(1280, 1400))
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    item = page.locator(f'.claim-card.active .sources li[data-source="{source.pk}"]')
    item.get_by_text("Fetch failed").wait_for()
    fetch_again = item.get_by_role("button", name="Fetch again")
    assert fetch_again.is_visible()
    item.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "workspace-fetch-failed.png"))

    flaky_site["up"] = True
    # Reached with the keyboard: Tab from the source's last other control, then Enter.
    item.get_by_role("button", name="Remove source").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Fetch again"
    page.keyboard.press("Enter")

    # The card follows the new fetch by itself, without a reload.
    item.get_by_text("Fetched", exact=False).wait_for(timeout=60_000)
    wait_for(
        lambda: "Snapshot of" in item.inner_text(),
        timeout=30,
        message="the card did not show the new snapshot",
    )
    assert "Fetch failed" not in item.inner_text()
    assert item.get_by_role("button", name="Fetch again").count() == 0  # fresh: not offered
    status = page.locator(f"#c{claim.pk}-sources-status")
    assert status.inner_text().startswith("Fetched")
    source.refresh_from_db()
    assert source.fetch_state == Source.FetchState.FETCHED
    assert source.snapshots.count() == 1
    assert flaky_site["requests"] == failed_requests + 1
    assert Claim.objects.get(pk=claim.pk).version == version
    item.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "workspace-fetch-again.png"), full_page=False)
    assert_accessible(page, "workspace after fetching a source again")
    assert page.errors == []

    # A day later the snapshot is worth taking again: the button is back.
    Source.objects.filter(pk=source.pk).update(fetched_at=timezone.now() - timedelta(days=2))
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    item.get_by_role("button", name="Fetch again").wait_for()
    assert "Fetched" in item.inner_text()


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
    browser,
    live_server,
    newsroom,
    slow_site,
    loopback_pages,
    start_celery_worker,
    tmp_path,
    settings,
):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1"]  # the sites stand in for public ones
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
    # An address nobody outside could open is refused as it is added, the typing kept.
    card.get_by_label("Source URL").fill("http://169.254.169.254/latest/meta-data/")
    card.get_by_role("button", name="Add source").click()
    card.get_by_text("Cite a page on the public web", exact=False).wait_for(timeout=15_000)
    assert "169.254.169.254 is link-local" in card.inner_text()
    assert card.get_by_label("Source URL").input_value().startswith("http://169.254.169.254/")
    assert not Source.objects.filter(url__contains="169.254").exists()
    card.locator(".source-form").screenshot(path=str(ARTIFACTS / "workspace-source-refused.png"))
    # A public-looking page that redirects there is refused when it is fetched.
    loopback_pages.expect_request("/jump").respond_with_data(
        "", status=302, headers={"Location": "http://localhost:8731/x"}
    )
    refused = add_source(loopback_pages.url_for("/jump"))
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
    # The card may be redrawn by a last reload at this moment: scroll whichever is current.
    page.evaluate("document.querySelector('.claim-card.active .sources')?.scrollIntoView()")
    page.screenshot(path=str(ARTIFACTS / "workspace-sources-fetched.png"))
    assert_accessible(page, "workspace after two sources were fetched")
    assert page.errors == []


def test_a_double_click_on_add_source_cites_it_once(browser, live_server, newsroom):
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    card = page.locator(".claim-card.active")
    card.get_by_label("Source URL").fill("https://example.org/report")

    posts = record_posts(page)
    card.get_by_role("button", name="Add source").dblclick()

    card.get_by_text("Source added.").wait_for()
    page.wait_for_load_state("networkidle")  # a second request would be answered by now
    assert len(posts) == 1, posts  # the page sent one request, not one per click
    assert Source.objects.filter(claim=claim).count() == 1
    assert card.locator(".sources li[data-source]").count() == 1
    assert card.get_by_text("Source added.").is_visible()  # no refusal shown after it
    assert page.errors == []


def open_source_edit(page, claim, source):
    page.locator(f'mark[data-claim="{claim.pk}"]').first.click()
    card = page.locator(f"#claim-{claim.pk}.active")
    card.get_by_role("button", name=f"Edit source {source.title}").click()
    return card


def test_two_editors_editing_one_source_keep_each_others_changes_or_choose(
    browser, live_server, newsroom
):
    """A second "Save source" after a refusal silently overwrote a colleague's new title; a
    save on a source someone removed said only "Not found."."""
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    source = services.source_add(
        claim=claim, actor=editor, url="https://example.org/report", title="Report"
    )
    first = open_page(browser, live_server, "ed")
    second = open_page(browser, live_server, "ed")
    for page in (first, second):
        open_workspace(page, live_server, article)
    one, two = (open_source_edit(page, claim, source) for page in (first, second))

    one.get_by_label("Title of this source").fill("Report, 2024 edition")
    one.get_by_role("button", name="Save source").click()
    one.get_by_text("Source saved.").wait_for()
    # The other window changes the title too: stopped, their title said, nothing lost.
    two.get_by_label("Title of this source").fill("Annual report")
    two.get_by_role("button", name="Save source").click()
    refusal = two.locator(".sources .save-status.error")
    refusal.wait_for()
    assert "someone else changed this source" in refusal.inner_text()
    assert "title “Report, 2024 edition”" in refusal.inner_text()
    assert two.get_by_label("Title of this source").input_value() == "Annual report"
    source.refresh_from_db()
    assert source.title == "Report, 2024 edition"
    second.screenshot(path=str(ARTIFACTS / "source-edit-clash.png"))
    # Saving again is a choice made knowing theirs: this editor's title is kept.
    two.get_by_role("button", name="Save source").click()
    two.get_by_text("Source saved.").wait_for()
    source.refresh_from_db()
    assert source.title == "Annual report"

    # A different field of the same source: both changes are kept, without a word of clash.
    one.get_by_role("button", name="Edit source Report, 2024 edition").wait_for()
    first.reload()
    first.wait_for_selector("html[data-workspace-ready=true]")
    one = open_source_edit(first, claim, Source.objects.get(pk=source.pk))
    two.get_by_role("button", name="Edit source Annual report").click()
    two.get_by_label("Quoted passage from this source").fill("160,000 listeners")
    one.get_by_label("Title of this source").fill("Annual report (final)")
    one.get_by_role("button", name="Save source").click()
    one.get_by_text("Source saved.").wait_for()
    two.get_by_role("button", name="Save source").click()
    two.get_by_text("Source saved.").wait_for()
    source.refresh_from_db()
    assert (source.title, source.quote) == ("Annual report (final)", "160,000 listeners")

    # Removed in one window while edited in the other: what was typed moves to Add source.
    two.get_by_role("button", name="Edit source Annual report").click()
    two.get_by_label("Quoted passage from this source").fill("Typed before it went")
    services.source_remove(actor=editor, source=Source.objects.get(pk=source.pk))
    two.get_by_role("button", name="Save source").click()
    gone = two.locator(".sources .save-status.error")
    gone.get_by_text("someone else removed this source").wait_for()
    assert two.locator(".sources li[data-source]").count() == 0
    assert two.get_by_label("Source URL").input_value() == "https://example.org/report"
    assert two.get_by_label("Quoted passage", exact=True).input_value() == "Typed before it went"
    two.get_by_role("button", name="Add source").click()
    two.get_by_text("Source added.").wait_for()
    assert Source.objects.get(claim=claim).quote == "Typed before it went"
    assert first.errors == [] and second.errors == []


def test_saving_an_unchanged_source_removed_meanwhile_shows_it_gone(browser, live_server, newsroom):
    """ "Save source" with nothing changed closed the form without a word, and a source
    someone had removed meanwhile stayed listed until the page was loaded again."""
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    kept = services.source_add(
        claim=claim, actor=editor, url="https://example.org/kept", title="Kept"
    )
    source = services.source_add(
        claim=claim, actor=editor, url="https://example.org/report", title="Report"
    )
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    card = open_source_edit(page, claim, source)
    services.source_remove(actor=editor, source=source)
    card.get_by_role("button", name="Save source").click()
    card.get_by_text("Nothing to save: no field of this source changed.").wait_for()
    listed = card.locator(".sources li[data-source]")
    listed.filter(has_text="Report").wait_for(state="detached")
    assert listed.count() == 1 and listed.first.get_attribute("data-source") == str(kept.pk)
    assert page.errors == []


def test_a_source_that_redirected_to_another_page_says_where_it_went(
    browser, live_server, newsroom
):
    """The card's link shows the fetched page's title: a short link, or a removed article
    sending readers to the front page, looked like the page the editor meant to cite."""
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    moved = services.source_add(
        claim=claim, actor=editor, url="https://short.example/x7", title="Moved"
    )
    same = services.source_add(
        claim=claim, actor=editor, url="http://example.org/report/", title="Same page"
    )
    # As the snapshot task leaves a fetched source (the fetch itself is tested elsewhere).
    fetched = {"fetch_state": Source.FetchState.FETCHED, "fetched_at": timezone.now()}
    Source.objects.filter(pk=moved.pk).update(
        final_url="https://news.example/2026/spaces-record?page=2", **fetched
    )
    Source.objects.filter(pk=same.pk).update(final_url="https://www.example.org/report", **fetched)

    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').first.click()
    card = page.locator(f"#claim-{claim.pk}.active")
    moved_row = card.locator(f'li[data-source="{moved.pk}"]')
    moved_row.locator(".source-landed").wait_for()

    went = moved_row.locator(".source-landed a")
    assert moved_row.locator(".source-landed").inner_text() == (
        "Went to news.example/2026/spaces-record?page=2"
    )
    assert went.get_attribute("href") == "https://news.example/2026/spaces-record?page=2"
    assert card.locator(f'li[data-source="{same.pk}"] .source-landed').count() == 0
    card.locator(".sources").screenshot(path=ARTIFACTS / "source-redirected.png")
    assert card.locator(".same-page").count() == 0
    assert page.errors == []


def test_one_page_cited_at_two_addresses_is_pointed_out_on_the_card(browser, live_server, newsroom):
    """A short link and the article it leads to were listed as two sources without a word:
    readers would see one page cited twice."""
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    first = services.source_add(
        claim=claim, actor=editor, url="https://news.example/2026/record", title="The record"
    )
    short = services.source_add(claim=claim, actor=editor, url="https://short.example/x7")
    other = services.source_add(claim=claim, actor=editor, url="https://news.example/2026/other")
    Source.objects.filter(pk=short.pk).update(
        final_url="https://www.news.example/2026/record/",
        fetch_state=Source.FetchState.FETCHED,
        fetched_at=timezone.now(),
    )

    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').first.click()
    card = page.locator(f"#claim-{claim.pk}.active")
    said = card.locator(f'li[data-source="{short.pk}"] .same-page')
    expect(said).to_have_text(
        "The same page as “The record” above: readers would see it cited twice."
    )
    for kept in (first, other):
        assert card.locator(f'li[data-source="{kept.pk}"] .same-page').count() == 0
    assert_accessible(page, "a card with one page cited twice")
    card.locator(".sources").screenshot(path=ARTIFACTS / "source-cited-twice.png")
    assert page.errors == []
