"""Evidence end to end: a real worker asks the providers; the panel shows it in Chromium."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from annotations import permissions, services, urlnorm
from annotations.evidence import claimreview, demo_server
from annotations.models import Claim, EvidenceItem, Job, Source
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

LISTENERS = "Over 160,000 people listened in at once"


def _encyclopedia_item(claim) -> EvidenceItem:
    """An evidence item the encyclopedia provider found for `claim`, as a worker stores it."""
    url = "https://en.wikipedia.org/wiki/Twitter_Spaces"
    return EvidenceItem.objects.create(
        claim=claim, provider="mediawiki", url=url, url_key=urlnorm.url_key(url),
        title="Twitter Spaces", passage="More than 160,000 listeners.", score=1.0,
    )  # fmt: skip


@pytest.fixture
def demo_web(settings):
    """The demo server on a free port, and the settings pointing the providers at it."""
    server, _thread = demo_server.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    env = {
        "FACTCHECK_FETCH_ALLOW": "127.0.0.1",
        "FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT": f"{base}/w/api.php",
        "FACTCHECK_EVIDENCE_GOOGLE_API_KEY": "",
    }
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1"]
    settings.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = env["FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT"]
    settings.FACTCHECK_EVIDENCE_GOOGLE_API_KEY = ""
    yield base, env
    server.shutdown()
    server.server_close()


def test_claim_and_source_made_through_the_api_end_with_evidence_shown_in_the_panel(
    browser, live_server, newsroom, demo_web, start_celery_worker
):
    base, env = demo_web
    start_celery_worker(env)
    services.imported_fact_checks_save(
        reviews=claimreview.load(str(demo_server.FEED)), actor=permissions.SYSTEM
    )
    article = newsroom["article"]
    api = Client()
    api.force_login(newsroom["editor"])
    created = api.post(
        f"/api/v1/newsroom/articles/{article.pk}/claims/",
        json.dumps({"selectors": factories.quote_selectors(article.text, LISTENERS)}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    claim = Claim.objects.get(pk=created.json()["id"])
    cited = api.post(
        f"/api/v1/newsroom/claims/{claim.pk}/sources/",
        json.dumps({"url": f"{base}/pages/spaces-doubt.html", "stance": "context"}),
        content_type="application/json",
        headers={"If-Match": created["ETag"]},
    )
    assert cited.status_code == 201, cited.content

    def finished():
        body = api.get(f"/api/v1/claims/{claim.pk}/evidence/").json()
        providers = {r["provider"]: r["state"] for r in body["requests"]}
        done = providers.get("factchecks") == "done" and providers.get("mediawiki") == "done"
        return body if done and "sources" in providers and not body["pending"] else None

    body = wait_for(finished, timeout=90, message="the evidence requests did not finish")
    items = body["items"]
    # The earlier fact-check of these words comes first, with its publisher and rating.
    assert items[0]["provider"] == "factchecks"
    assert (items[0]["publisher"], items[0]["rating"]) == ("Example Fact Check", "Mostly true")
    wiki = next(item for item in items if item["provider"] == "mediawiki")
    assert any(n["text"] == "160,000" and n["agreement"] == "agrees" for n in wiki["numbers"])
    # The fact-check of "held the record with 44,000" states the earlier record: no rival
    # of today's 160,000, so it is not marked as disagreeing.
    marked = {(n["text"], n["agreement"]) for item in items for n in item["numbers"]}
    assert ("44,000", "agrees") not in marked and ("44,000", "disagrees") not in marked
    assert ("44,000", "unrelated") in marked
    cited_page = next(item for item in items if item["provider"] == "sources")
    assert cited_page["agreement"] == "disagrees"  # the page says about 120,000
    assert Source.objects.get(claim=claim).fetch_state == "fetched"

    page = open_page(browser, live_server, "ed", viewport=(1280, 1400))
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    panel = page.locator(".claim-card.active .evidence-panel")
    panel.locator(".evidence-item").first.wait_for()
    first = panel.locator(".evidence-item").first
    assert "Mostly true" in first.locator(".evidence-rating").inner_text()
    assert "Example Fact Check" in first.inner_text()
    # Each earlier check says how alike its wording is, in the order they are ranked by.
    alike = [
        int(re.search(r"Wording (\d+)% alike \((?:close match|partly alike|few words)", text)[1])
        for text in panel.locator(".evidence-item.fact-check .evidence-alike").all_inner_texts()
    ]
    assert len(alike) >= 2 and alike == sorted(alike, reverse=True) and alike[0] >= 70, alike
    assert panel.locator(".evidence-tag.agrees").count() >= 1
    assert panel.locator(".evidence-tag.disagrees").count() >= 1
    assert "Wikipedia: done" in panel.locator(".evidence-providers").inner_text()
    # An earlier fact-check is offered as context whatever numbers it shares with the claim:
    # "Supports" was chosen for one that rated the same claim False.
    assert items[0]["agreement"] == "agrees"
    expect(first.get_by_label("Stance")).to_have_value("context")
    wiki_stance = panel.locator(f'.evidence-item[data-item-id="{wiki["id"]}"]').get_by_label(
        "Stance"
    )
    expect(wiki_stance).to_have_value("supports")
    # The fact-check about the earlier 44,000 record: no tag, no numbers line, no "null".
    earlier = panel.locator(".evidence-item", has_text="held the Twitter Spaces record").first
    assert earlier.locator(".evidence-tag").count() == 0
    assert earlier.locator(".evidence-numbers").count() == 0
    assert "null" not in earlier.inner_text()
    panel.locator(".evidence-item.fact-check").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "workspace-evidence.png"), full_page=True)
    assert_accessible(page, "workspace with evidence")

    # By keyboard: the panel keeps the keyboard while its answers come and go. Dismissing
    # one item leaves focus in the panel, not on the page's body.
    other = panel.locator(".evidence-item", has_text="held the Twitter Spaces record").first
    other.get_by_role("button", name="Dismiss").focus()
    page.keyboard.press("Enter")
    wait_for(
        lambda: EvidenceItem.objects.filter(state="dismissed").exists(),
        message="the keyboard dismissal was not sent",
    )
    page.wait_for_function(
        "() => document.activeElement.closest('.evidence-panel') !== null"
        " && document.activeElement.tagName === 'H3'"
    )

    # Add the Wikipedia passage as a supporting source, in one click.
    wiki_row = panel.locator(f'.evidence-item[data-item-id="{wiki["id"]}"]')
    wiki_row.get_by_label("Stance").select_option("supports")
    wiki_row.get_by_role("button", name="Add as source").click()
    panel.locator(f'.evidence-item[data-item-id="{wiki["id"]}"] .evidence-added').wait_for()
    wait_for(lambda: Source.objects.filter(claim=claim, url=wiki["url"]).exists())
    source = Source.objects.get(claim=claim, url=wiki["url"])
    assert source.stance == "supports"
    assert EvidenceItem.objects.get(pk=wiki["id"]).state == "added"
    page.locator(".claim-card.active .sources h3", has_text="Sources (2)").wait_for()
    # The new source's snapshot job runs in the worker; its outcome shows up without a reload.
    sources = page.locator(".claim-card.active .sources")

    def outcomes():
        text = sources.inner_text()
        return sum(text.count(label) for label in ("Fetched", "Fetch failed", "Fetch refused"))

    wait_for(
        lambda: outcomes() == 2,
        timeout=60,
        message="the new source's fetch state did not update in the card by itself",
    )
    assert page.errors == []


def test_citing_evidence_on_a_published_claim_asks_first_as_add_source_does(
    browser, live_server, newsroom
):
    article, editor = newsroom["article"], newsroom["editor"]
    claim = factories.published_claim(article, editor, newsroom["reviewer"], quote=LISTENERS)
    item = _encyclopedia_item(claim)
    url = item.url
    page = open_page(browser, live_server, "ed", viewport=(1280, 1400))
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    card = page.locator(".claim-card.active")
    row = card.locator(f'.evidence-item[data-item-id="{item.pk}"]')

    row.get_by_role("button", name="Add as source").click()

    card.get_by_text("This claim is published.").wait_for()
    assert not Source.objects.filter(claim=claim, url=url).exists()  # nothing before the answer
    card.get_by_role("button", name="Continue: prepare a correction").click()
    row.locator(".evidence-added").wait_for()
    assert Source.objects.filter(claim=claim, url=url).exists()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT  # a correction under way; readers keep v1
    assert page.errors == []


def test_a_double_click_on_add_as_source_sends_it_once(browser, live_server, newsroom):
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    item = _encyclopedia_item(claim)
    url = item.url
    page = open_page(browser, live_server, "ed", viewport=(1280, 1400))
    posts = record_posts(page, f"/items/{item.pk}/")
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    row = page.locator(f'.claim-card.active .evidence-item[data-item-id="{item.pk}"]')
    # Two clicks in one task, as a double click lands: neither waits for the answer.
    row.get_by_role("button", name="Add as source").evaluate(
        "button => { button.click(); button.click(); }"
    )
    row.locator(".evidence-added").wait_for()
    assert len(posts) == 1
    assert Source.objects.filter(claim=claim, url=url).count() == 1
    assert page.errors == []


def test_cited_sources_says_when_more_are_still_being_fetched(browser, live_server, newsroom):
    from annotations.models import EvidenceRequest

    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    # One cited page was read; another still waits for its fetch (no worker runs here).
    EvidenceRequest.objects.create(claim=claim, provider="sources", state="done")
    services.source_add(claim=claim, actor=editor, url="https://example.org/later")
    page = open_page(browser, live_server, "ed", viewport=(1280, 1400))
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()

    row = page.locator('.claim-card.active .evidence-providers li[data-provider="sources"]')
    # Not "done — 1 more still being fetched": the row is not done while one is on its way.
    expect(row).to_have_text("Cited sources: 1 more being fetched; those fetched are read")
    assert row.locator(".state-running").count() == 1
    assert page.errors == []


def test_one_page_cited_at_two_addresses_shows_its_passage_once(browser, live_server, newsroom):
    """A short link and the page it leads to, both cited, listed the same passage twice."""
    from annotations.models import EvidenceRequest

    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    EvidenceRequest.objects.create(claim=claim, provider="sources", state="done")
    passage = "More than 160,000 listeners tuned in at once at the peak."
    addresses = ["https://news.example/spaces-record", "https://short.example/x7"]
    for url in addresses:
        source = services.source_add(claim=claim, actor=editor, url=url)
        Source.objects.filter(pk=source.pk).update(fetch_state=Source.FetchState.FETCHED)
        EvidenceItem.objects.create(
            claim=claim, provider="sources", url=url, url_key=urlnorm.url_key(url),
            title="A record Space", passage=passage, score=1.0,
            state=EvidenceItem.State.ADDED, source=source,
        )  # fmt: skip
    _encyclopedia_item(claim)
    page = open_page(browser, live_server, "ed", viewport=(1280, 1400))
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    items = page.locator(".claim-card.active .evidence-items > li")
    expect(items).to_have_count(2)

    cited = items.filter(has_text=passage)
    expect(cited).to_have_count(1)
    also = cited.locator(".evidence-also")
    expect(also).to_have_text(f"The same passage is at {addresses[1]}.")
    assert also.locator("a").get_attribute("href") == addresses[1]
    cited.screenshot(path=str(ARTIFACTS / "evidence-same-passage.png"))
    assert page.errors == []


def test_with_no_worker_taking_the_search_the_panel_says_so(browser, live_server, newsroom):
    """No worker runs here: the claim's searches were sent a minute ago and never started.
    The panel says so rather than "Searching"."""
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    services.source_add(claim=claim, actor=editor, url="https://example.org/first")
    long_ago = timezone.now() - timedelta(minutes=1)
    sent = Job.objects.filter(state=Job.State.QUEUED)
    assert sent.update(created_at=long_ago, sent_at=long_ago) >= 2
    page = open_page(browser, live_server, "ed", viewport=(1280, 1400))
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()

    panel = page.locator(".claim-card.active .evidence-panel")
    panel.get_by_text("No worker has started this search yet").wait_for()
    assert "Searching" not in panel.inner_text()
    # Nor is the cited page "being fetched": it waits for a worker too (trial G14).
    row = panel.locator('.evidence-providers li[data-provider="sources"]')
    expect(row).to_have_text("Cited sources: 1 waiting to be fetched")
    panel.screenshot(path=str(ARTIFACTS / "evidence-no-worker.png"))
    assert page.errors == []


def test_cited_sources_are_listed_while_the_first_is_still_being_fetched(
    browser, live_server, newsroom
):
    """With every provider done and the claim's one cited page still being fetched, the
    panel said "…: done" for each provider above "Searching", and nothing of the page."""
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    services.source_add(claim=claim, actor=editor, url="https://example.org/first")
    page = open_page(browser, live_server, "ed", viewport=(1280, 1400))
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    row = page.locator('.claim-card.active .evidence-providers li[data-provider="sources"]')
    expect(row).to_have_text("Cited sources: 1 being fetched")
    assert page.errors == []
