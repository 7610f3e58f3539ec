"""The public reader page in a real Chromium: highlights, popovers, keyboard, phone, no JS."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from annotations import queries, reader, services
from annotations.models import Article, Claim, Membership, Rating
from tests import factories
from tests.browser_support import ARTIFACTS, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    """The demo newsroom: four published claims and two drafts on the sample article."""
    call_command("load_demo", stdout=io.StringIO())
    article = Article.objects.get(organization__slug="demo-fact-desk")
    published = list(
        queries.published_claims()
        .filter(claim__article=article)
        .order_by("end", "-start", "claim_id")  # as the page numbers them: by where each ends
    )
    assert len(published) == 4
    return {
        "article": article,
        "published": published,
        "drafts": list(article.claims.filter(status=Claim.Status.DRAFT)),
        "url": reverse("reader-article", args=[article.organization.slug, article.slug]),
    }


def reader_page(browser, live_server, path, *, viewport=(1280, 800), **options):
    """An anonymous browser context on `path`, with page errors collected."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, **options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(f"{live_server.url}{path}")
    if options.get("java_script_enabled", True):
        page.wait_for_selector("html[data-reader-ready=true]")
    return page


def popover(page):
    return page.get_by_role("dialog")


def test_demo_page_highlights_each_published_claim_and_opens_it_by_click(
    browser, live_server, demo
):
    page = reader_page(browser, live_server, demo["url"])

    for number, version in enumerate(demo["published"], start=1):
        segment = page.locator(f'#article-body a.hl[data-claims~="{version.claim_id}"]')
        assert segment.first.is_visible()
        assert segment.first.inner_text() == version.exact
        tag = page.locator(f"#tag-{version.claim_id}")
        assert tag.locator(".tag-number").inner_text() == str(number)
        assert tag.locator(".tag-label").inner_text() == version.rating.label
        assert tag.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    source = page.content()
    for draft in demo["drafts"]:
        assert f"claim-{draft.pk}" not in source and f'"{draft.pk}"' not in source
        assert page.locator("#article-body a.hl", has_text=draft.exact).count() == 0
    # The legend explains exactly the verdicts on the page, in the colours their labels wear.
    page.locator(".legend summary").click()
    legend = page.locator(".legend dt .chip")
    labels = legend.all_inner_texts()
    assert sorted(labels) == sorted({version.verdict.label for version in demo["published"]})
    background = "e => getComputedStyle(e).backgroundColor"
    for chip, label in zip(legend.all(), labels, strict=True):
        tag = page.locator("#article-body a.tag", has_text=label).first
        assert chip.is_visible() and chip.evaluate(background) == tag.evaluate(background)
    assert_accessible(page, "reader page")
    page.screenshot(path=str(ARTIFACTS / "reader-desktop.png"), full_page=True)

    first = demo["published"][0]
    segment = page.locator(f'#article-body a.hl[data-claims~="{first.claim_id}"]').first
    segment.click()
    dialog = popover(page)
    dialog.wait_for()
    assert dialog.get_by_role("heading", name="Claim 1 of 4").is_visible()
    assert dialog.locator(".entry-claim").inner_text() == first.claim_reviewed
    assert dialog.locator(".entry-verdict .chip").inner_text() == first.rating.label
    assert first.conclusion[:40] in dialog.locator(".conclusion").inner_text()
    assert dialog.get_by_role("link", name="Permalink to this fact-check").get_attribute(
        "href"
    ) == reverse("reader-claim", args=[first.claim_id])
    # The popover is the list entry, copied: no id appears twice in the page.
    assert page.evaluate(
        "() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);"
        " return ids.length === new Set(ids).size; }"
    )
    # The page's own address: Playwright's `page.url` may hear of replaceState late.
    assert page.evaluate("location.hash") == f"#claim-{first.claim_id}"
    assert_accessible(page, "reader popover")
    page.screenshot(path=str(ARTIFACTS / "reader-popover-desktop.png"))

    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert segment.evaluate("e => e === document.activeElement")
    # The dialog's close event, which takes the address back, is fired after it hides.
    page.wait_for_function("() => location.hash === ''", timeout=5000)
    assert page.errors == []


def test_a_label_opens_its_claim_with_the_keyboard_and_escape_returns_focus(
    browser, live_server, demo
):
    page = reader_page(browser, live_server, demo["url"])
    first = demo["published"][0]
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('tag')"):
            break
    else:
        pytest.fail("no verdict label can be reached with Tab")
    assert page.evaluate("document.activeElement.id") == f"tag-{first.claim_id}"
    # Its name as a screen reader reads it: the separator dot is decoration. It holds the
    # label's visible words in order, for voice control ("click 1 True").
    name = f"Claim 1: {first.verdict.label}"
    assert page.get_by_role("link", name=name, exact=True).count() == 1
    from axe_playwright_python.sync_playwright import Axe

    names = Axe().run(
        page,
        options={
            "runOnly": ["label-content-name-mismatch"],
            "rules": {"label-content-name-mismatch": {"enabled": True}},
        },
    )
    assert names.response["violations"] == []

    page.keyboard.press("Enter")

    dialog = popover(page)
    dialog.wait_for()
    assert dialog.evaluate("e => e.contains(document.activeElement)")
    assert dialog.locator(".entry-claim").inner_text() == first.claim_reviewed
    # The dialog is modal: Tab goes round inside it, never out to the page behind (it
    # passed through the body on its way back to Close: trial G11), either way round.
    stops = dialog.locator("button, a[href]").count()
    for key in ["Tab"] * (stops + 2) + ["Shift+Tab"] * (stops + 2):
        page.keyboard.press(key)
        assert page.evaluate(
            "() => document.querySelector('dialog').contains(document.activeElement)"
        ), key
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == f"tag-{first.claim_id}"


def test_a_claim_address_scrolls_to_the_passage_and_opens_it(browser, live_server, demo):
    last = demo["published"][-1]

    page = reader_page(browser, live_server, f"{demo['url']}#claim-{last.claim_id}")

    dialog = popover(page)
    dialog.wait_for()
    assert dialog.locator(".entry-claim").inner_text() == last.claim_reviewed
    tag_box = page.locator(f"#tag-{last.claim_id}").bounding_box()
    assert 0 <= tag_box["y"] <= 800
    dialog.get_by_role("button", name="Close").click()
    dialog.wait_for(state="hidden")
    assert page.evaluate("location.hash") == f"#claim-{last.claim_id}"
    # The reader edits the address to a claim not placed in the text (retracted, or gone):
    # the verdict open before must not stay over its entry.
    page.evaluate(f"location.hash = '#claim-{last.claim_id}'")
    first = demo["published"][0]
    page.evaluate(f"location.hash = '#claim-{first.claim_id}'")
    dialog.wait_for()
    page.evaluate("location.hash = '#claim-999999'")
    dialog.wait_for(state="hidden")
    assert page.evaluate("location.hash") == "#claim-999999"


def test_an_address_of_a_retracted_claim_leads_to_its_retraction_notice(browser, live_server, demo):
    """#claim-<id> of a retracted claim, as its own page links it, scrolls to the notice in
    "Retracted fact-checks" and marks it, instead of leaving the reader at the top."""
    version = demo["published"][0]
    claim = Claim.objects.get(pk=version.claim_id)
    services.claim_transition(
        claim=claim, actor=claim.reviewer, to_status=Claim.Status.RETRACTED, note="wrong count"
    )
    page = reader_page(browser, live_server, demo["url"])
    page.goto(f"{live_server.url}{reverse('reader-claim', args=[claim.pk])}")
    page.locator("figcaption cite a").click()
    page.wait_for_url(f"**{demo['url']}#claim-{claim.pk}")
    page.wait_for_selector("html[data-reader-ready=true]")

    notice = page.locator(f"#claim-{claim.pk}")
    assert notice.evaluate("e => e.closest('.retracted') !== null")
    assert "wrong count" in notice.inner_text()
    assert notice.evaluate("e => e.matches(':target')")
    assert notice.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    box = notice.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 800
    assert page.evaluate("window.scrollY") > 0
    assert page.evaluate(f"document.activeElement.id === 'claim-{claim.pk}'")
    assert popover(page).is_hidden()
    page.screenshot(path=str(ARTIFACTS / "reader-retracted-address.png"))

    # The same from an address typed while on the page, with another claim's verdict open.
    page.evaluate("window.scrollTo(0, 0)")
    second = demo["published"][1]
    page.evaluate(f"location.hash = '#claim-{second.claim_id}'")
    popover(page).wait_for()
    page.evaluate(f"location.hash = '#claim-{claim.pk}'")
    popover(page).wait_for(state="hidden")
    box = notice.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 800
    assert page.errors == []


def test_without_javascript_the_highlights_and_the_list_still_work(browser, live_server, demo):
    page = reader_page(browser, live_server, demo["url"], java_script_enabled=False)

    assert page.locator("#article-body a.hl").count() == 4
    assert page.locator(".claim-list > li").count() == 4
    first = demo["published"][0]
    page.locator(f"#tag-{first.claim_id}").click()
    page.wait_for_url(f"**#claim-{first.claim_id}")
    entry = page.locator(f"#claim-{first.claim_id}")
    box = entry.bounding_box()
    assert 0 <= box["y"] < 800
    assert entry.locator(".entry-verdict").inner_text().startswith(first.rating.label)
    page.screenshot(path=str(ARTIFACTS / "reader-no-javascript.png"))


def test_on_a_phone_the_popover_is_a_bottom_sheet(browser, live_server, demo):
    page = reader_page(
        browser, live_server, demo["url"], viewport=(390, 844), has_touch=True, is_mobile=True
    )
    page.screenshot(path=str(ARTIFACTS / "reader-phone.png"))
    second = demo["published"][1]

    page.locator(f'#article-body a.hl[data-claims~="{second.claim_id}"]').first.tap()

    dialog = popover(page)
    dialog.wait_for()
    box = dialog.bounding_box()
    assert box["width"] == pytest.approx(390, abs=1)
    assert box["y"] + box["height"] == pytest.approx(844, abs=2)
    assert box["height"] <= 0.76 * 844
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, "reader popover on a phone")
    page.screenshot(path=str(ARTIFACTS / "reader-phone-popover.png"))
    dialog.get_by_role("button", name="Close").tap()
    dialog.wait_for(state="hidden")


def test_at_320_pixels_the_close_button_of_overlapping_claims_stays_on_one_line(
    browser, live_server, demo
):
    """With the title "3 checked claims overlap here" the button read "Clos / e"."""
    article, first = demo["article"], demo["published"][0]
    editor, reviewer = (
        Membership.objects.get(organization=article.organization, user__username=name).user
        for name in ("demo-editor", "demo-reviewer")
    )
    words = first.exact.split(" ")
    for quote in (" ".join(words[:2]), " ".join(words[: len(words) // 2 + 1])):
        factories.published_claim(article, editor, reviewer, quote=quote)
    page = reader_page(
        browser, live_server, demo["url"], viewport=(320, 640), has_touch=True, is_mobile=True
    )
    page.locator(f'#article-body a.hl-multi[data-claims~="{first.claim_id}"]').first.tap()
    dialog = popover(page)
    expect(dialog.locator(".popover-bar h2")).to_have_text("3 checked claims overlap here")
    close = dialog.get_by_role("button", name="Close")
    lines = close.evaluate(
        """(button) => {
            const range = document.createRange();
            range.selectNodeContents(button);
            return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
        }"""
    )
    assert lines == 1
    page.screenshot(path=str(ARTIFACTS / "reader-phone320-overlap.png"))


def test_a_long_address_without_spaces_does_not_widen_a_phones_page(browser, live_server, demo):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}
    editor, reviewer = users["demo-editor"], users["demo-reviewer"]
    claim = factories.published_claim(demo["article"], editor, reviewer, quote="22.8 years")
    long_url = "https://www.census.gov/data/tables/time-series/demo/popest/" + "x" * 120
    source = claim.sources.get()
    services.source_update(source=source, actor=editor, url=long_url, title="")
    claim.refresh_from_db()
    services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.IN_REVIEW)
    services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED, note="Source moved."
    )
    for path in (reverse("reader-claim", args=[claim.pk]), demo["url"]):
        context = browser.new_context(viewport={"width": 375, "height": 700}, is_mobile=True)
        page = context.new_page()
        page.goto(f"{live_server.url}{path}")
        assert long_url[-40:] in page.content(), path
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        page.screenshot(path=str(ARTIFACTS / "reader-phone-long-address.png"), full_page=True)
        context.close()


def test_a_right_to_left_article_mirrors_the_popover(browser, live_server, db):
    organization = factories.OrganizationFactory(slug="urdu-desk")
    editor = factories.member(organization, Membership.Role.EDITOR)
    reviewer = factories.member(organization, Membership.Role.REVIEWER)
    article = services.article_create(
        organization=organization,
        title="عمران خان کا ٹوئٹر اسپیسز",
        text="عمران خان کے ٹوئٹر اسپیسز سیشن میں ایک لاکھ ساٹھ ہزار لوگ شریک ہوئے۔ "
        "یہ ایک عالمی ریکارڈ تھا۔\n\nدوسرا پیراگراف یہاں ہے۔",  # noqa: RUF001
        created_by=editor,
        language="ur",
    )
    claim = factories.published_claim(article, editor, reviewer, quote="ایک لاکھ ساٹھ ہزار لوگ")
    page = reader_page(
        browser, live_server, reverse("reader-article", args=[organization.slug, article.slug])
    )
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "en-us",
        "ltr",
    ]
    assert page.locator("#article-body").evaluate("e => [e.lang, e.dir]") == ["ur", "rtl"]

    segment = page.locator(f'#article-body a.hl[data-claims~="{claim.pk}"]')
    segment.click()

    dialog = popover(page)
    dialog.wait_for()
    anchor, box = segment.bounding_box(), dialog.bounding_box()
    # Lined up with the passage's start, which is its right edge in right-to-left text.
    assert box["x"] + box["width"] == pytest.approx(anchor["x"] + anchor["width"], abs=2)
    # The popover's own words are the interface's; the claim's wording takes its own.
    assert dialog.evaluate("e => getComputedStyle(e).direction") == "ltr"
    page.screenshot(path=str(ARTIFACTS / "reader-rtl-popover.png"))


def _direction(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e).direction")


def test_an_arabic_article_keeps_the_english_interface_in_order(browser, live_server, db):
    """The interface's words read left to right in their order around an Arabic article,
    whose own words (title, byline name, body, claim wordings, conclusions) run right to
    left, on the article page, in its popover and on the claim's page."""
    organization = factories.OrganizationFactory(slug="arabic-desk")
    editor = factories.member(organization, Membership.Role.EDITOR)
    reviewer = factories.member(organization, Membership.Role.REVIEWER)
    article = services.article_create(
        organization=organization,
        title="عمران خان وجلسة تويتر القياسية",
        text="قال رئيس الوزراء السابق عمران خان إن أكثر من 160 ألف شخص استمعوا إلى جلسته "
        "على تويتر في وقت واحد.\n\nوأضاف أن متوسط العمر في باكستان هو 22.8 سنة فقط.",  # noqa: RUF001
        created_by=editor,
        byline="بقلم محرر",
        publisher="صوت الشرق",
        language="ar",
    )
    rating = Rating.objects.get(scale__organization=organization, label="Mostly true")
    claims = []
    for quote in ("أكثر من 160 ألف شخص", "22.8 سنة"):
        claim = services.claim_create(
            article=article,
            creator=editor,
            selectors=factories.quote_selectors(article.text, quote),
            claimant="عمران خان",
        )
        services.source_add(
            claim=claim, actor=editor, url="https://example.org/record", title="A source",
            quote="q",
        )  # fmt: skip
        services.claim_update(
            claim=claim, actor=editor, expected_version=None, rating=rating,
            claim_reviewed=quote, conclusion="**صحيح في الغالب**: الرقم كان 160 ألف مستمع.",
        )  # fmt: skip
        services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
        claims.append(
            services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
        )
    first = claims[0]
    url = reverse("reader-article", args=[organization.slug, article.slug])
    page = reader_page(browser, live_server, url)

    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "en-us",
        "ltr",
    ]
    # The summary reads "2 claims checked: 2 Mostly true" left to right, in that order.
    summary = page.locator(".summary-line")
    assert _direction(summary) == "ltr"
    words = page.locator(".summary-line > bdi").bounding_box()
    chip = page.locator(".summary-line .chip").first.bounding_box()
    assert words["x"] < chip["x"]
    assert summary.inner_text().startswith("2 claims checked:")
    # The article's words run right to left and say they are Arabic.
    title = page.locator("h1#article-title")
    assert title.evaluate("e => [e.lang, getComputedStyle(e).direction]") == ["ar", "rtl"]
    body = page.locator("#article-body p").first
    assert body.evaluate("e => [e.closest('[lang]').lang, getComputedStyle(e).direction]") == [
        "ar",
        "rtl",
    ]
    # "By" comes first, at the line's left, and the name after it, isolated.
    by = page.locator(".article-meta span").first
    name = by.locator("bdi")
    assert by.inner_text().startswith("By ")
    assert _direction(by) == "ltr" and _direction(name) == "rtl"
    assert by.bounding_box()["x"] == pytest.approx(summary.bounding_box()["x"] - 16, abs=20)
    # Each list entry: the interface's lines left to right, the newsroom's words their way.
    entry = page.locator(f"li#claim-{first.pk}")
    assert _direction(entry.locator(".entry-claimant")) == "ltr"
    assert entry.locator(".entry-claimant").inner_text() == "Claimed by عمران خان"
    assert _direction(entry.locator(".entry-claim")) == "rtl"
    assert _direction(entry.locator(".conclusion p")) == "rtl"
    # A source's English quotation opens and closes with English quotation marks.
    assert entry.locator(".sources q").evaluate("e => e.closest('[lang]').lang") == "en-us"
    assert _direction(entry.locator(".sources q")) == "ltr"
    page.screenshot(path=str(ARTIFACTS / "reader-arabic.png"), full_page=True)
    assert_accessible(page, "Arabic article's reader page")

    segment = page.locator(f'#article-body a.hl[data-claims~="{first.pk}"]')
    segment.click()
    dialog = popover(page)
    dialog.wait_for()
    assert _direction(dialog.locator("#popover-title")) == "ltr"
    assert dialog.locator("#popover-title").inner_text() == "Claim 1 of 2"
    assert _direction(dialog.locator(".entry-claim")) == "rtl"
    assert _direction(dialog.locator(".entry-claimant")) == "ltr"
    anchor, box = segment.bounding_box(), dialog.bounding_box()
    assert box["x"] + box["width"] == pytest.approx(anchor["x"] + anchor["width"], abs=2)
    assert page.errors == []
    page.screenshot(path=str(ARTIFACTS / "reader-arabic-popover.png"))

    page.goto(f"{live_server.url}{reverse('reader-claim', args=[first.pk])}")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    quote = page.locator(".quote blockquote")
    assert quote.evaluate("e => [e.lang, getComputedStyle(e).direction]") == ["ar", "rtl"]
    assert _direction(page.locator("h1#claim-title")) == "rtl"
    assert _direction(page.locator(".entry-claimant")) == "ltr"
    assert _direction(page.locator(".quote figcaption")) == "ltr"
    page.screenshot(path=str(ARTIFACTS / "reader-arabic-claim.png"), full_page=True)


def test_an_edit_to_a_published_claim_shows_only_once_republished(browser, live_server, demo):
    version = next(v for v in demo["published"] if v.rating.label == "Mostly true")
    claim = Claim.objects.get(pk=version.claim_id)
    editor = claim.creator
    reviewer = claim.reviewer
    half_true = Rating.objects.get(
        scale__organization=claim.article.organization, label="Half true"
    )
    page = reader_page(browser, live_server, demo["url"])
    tag = page.locator(f"#tag-{claim.pk} .tag-label")
    assert tag.inner_text() == "Mostly true"

    services.claim_update(claim=claim, actor=editor, expected_version=None, rating=half_true)
    page.reload()
    page.wait_for_selector("html[data-reader-ready=true]")
    assert tag.inner_text() == "Mostly true"
    assert page.locator(".corrections").count() == 0

    claim.refresh_from_db()
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    services.claim_transition(
        claim=claim,
        actor=reviewer,
        to_status=Claim.Status.PUBLISHED,
        note="PTI later gave a lower count",
    )
    page.reload()
    page.wait_for_selector("html[data-reader-ready=true]")
    assert tag.inner_text() == "Half true"
    page.locator(f"#tag-{claim.pk}").click()
    dialog = popover(page)
    dialog.wait_for()
    correction = dialog.locator(".corrections li").inner_text()
    assert "rating changed from Mostly true to Half true" in correction
    assert "because PTI later gave a lower count" in correction
    page.screenshot(path=str(ARTIFACTS / "reader-correction.png"))


def test_the_permalink_leads_to_the_claim_page_with_its_claimreview(browser, live_server, demo):
    version = demo["published"][0]
    page = reader_page(browser, live_server, demo["url"])
    page.locator(f"#tag-{version.claim_id}").click()
    popover(page).get_by_role("link", name="Permalink to this fact-check").click()
    page.wait_for_url(f"**/c/{version.claim_id}/")

    assert page.get_by_role("heading", level=1).inner_text() == version.claim_reviewed
    assert page.locator(".entry-verdict .chip").inner_text() == version.rating.label
    reviews = [
        json.loads(text)
        for text in page.locator('script[type="application/ld+json"]').all_text_contents()
    ]
    assert [r["@type"] for r in reviews] == ["ClaimReview"]
    assert reviews[0]["url"] == page.url
    assert reviews[0]["reviewRating"]["alternateName"] == version.rating.label
    assert page.title().startswith(f"Rated {version.rating.label}: ")
    assert_accessible(page, "claim page")
    page.screenshot(path=str(ARTIFACTS / "reader-claim-page.png"), full_page=True)
    page.get_by_role("link", name=demo["article"].title).click()
    page.wait_for_selector("html[data-reader-ready=true]")
    popover(page).wait_for()
    assert popover(page).locator(".entry-claim").inner_text() == version.claim_reviewed
    assert page.errors == []


def test_a_link_to_a_claim_hidden_since_its_words_changed_says_so_at_the_top(
    browser, live_server, demo
):
    """The share link of a claim whose words the article no longer has used to land at the
    top of the article with nothing said about it."""
    hidden = next(v for v in demo["published"] if "22.8" in v.exact)
    article = demo["article"]
    services.article_update_text(
        article=article,
        actor=Claim.objects.get(pk=hidden.claim_id).creator,
        text=article.text.replace("22.8 years", "23.1 years"),
    )
    factories.text_shown_to_readers(article)
    page = reader_page(browser, live_server, f"{demo['url']}#claim-{hidden.claim_id}")
    notice = page.locator("#link-notice", has_text="is being checked again")
    expect(notice).to_be_visible()
    # Focus reads it out; a live region as well would read it twice.
    expect(notice).to_be_focused()
    assert notice.get_attribute("role") is None
    link = notice.get_by_role("link", name="More about this")
    assert link.get_attribute("href") == f"/c/{hidden.claim_id}/"
    assert popover(page).is_hidden()
    page.screenshot(path=str(ARTIFACTS / "reader-hidden-claim-link.png"))
    assert_accessible(page, "reader page followed from a hidden claim's link")
    # The page it leads to says the same, where a claim never published would be a 404.
    link.click()
    page.wait_for_url(f"**/c/{hidden.claim_id}/")
    assert "checked again" in page.locator("main").inner_text()
    assert page.errors == []


def test_a_link_to_a_claim_the_article_never_showed_says_so_without_a_dead_link(
    browser, live_server, demo
):
    """A mistyped or stale #claim-<id> offered "What happened to it", a link to a page not
    found (trial G8)."""
    draft = Claim.objects.filter(article=demo["article"], published_at__isnull=True).first()
    unknown = draft.pk if draft else 987654
    page = reader_page(browser, live_server, f"{demo['url']}#claim-{unknown}")
    notice = page.locator("#link-notice")
    expect(notice).to_have_text(
        "No fact-check shown on this article has this link. It may have been taken down, "
        "or the link may be mistyped."
    )
    expect(notice).to_be_focused()
    assert notice.get_by_role("link").count() == 0
    # Opening a verdict shown on the page makes the notice about the link stale (G18).
    page.locator("#article-body a.tag").first.click()
    expect(page.locator("dialog[open]")).to_have_count(1)
    expect(notice).to_have_count(0)
    assert page.errors == []


def test_a_claim_link_leaves_focus_in_the_verdict_once_the_page_has_loaded(
    browser, live_server, demo
):
    """Scrolling to the fragment at load moved focus to the page behind the open dialog: a
    screen reader was not told a verdict had opened."""
    first = demo["published"][0]
    page = reader_page(browser, live_server, f"{demo['url']}#claim-{first.claim_id}")
    page.wait_for_function("() => document.readyState === 'complete'")
    # Two frames after load, when the browser's own fragment scroll has run.
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    page.emulate_media(media="print")
    expect(popover(page)).to_be_hidden()
    page.emulate_media(media="screen")
    expect(popover(page)).to_be_visible()


def test_a_printed_page_gives_each_links_address_and_the_ratings_meanings(
    browser, live_server, demo
):
    """On paper "SUPPORTS National Assembly of Pakistan" and "Permalink to this fact-check"
    said nowhere where they led, the ratings' meanings stayed folded away, and the page
    told its reader to select highlights."""
    page = reader_page(browser, live_server, demo["url"])
    legend = page.locator("details.legend")
    assert legend.evaluate("details => details.open") is False
    # As the browser does when asked to print.
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.emulate_media(media="print")
    assert legend.evaluate("details => details.open") is True
    first = demo["published"][0]
    permalink = page.locator(f"#claim-{first.claim_id} .entry-footer a", has_text="Permalink")
    printed = permalink.evaluate("link => getComputedStyle(link, '::after').content")
    assert printed == f'" <{live_server.url}/c/{first.claim_id}/>"'
    source = page.locator(f"#claim-{first.claim_id} .sources a").first
    address = source.get_attribute("href")
    assert address in source.evaluate("link => getComputedStyle(link, '::after').content")
    # A passage's own link within the page, and the screen's directions, are not printed.
    passage = page.locator("#article-body a.hl").first
    assert passage.evaluate("link => getComputedStyle(link, '::after').content") in (
        "none",
        "normal",
    )
    expect(page.locator(".summary .hint")).to_be_hidden()
    expect(page.locator(f"#claim-{first.claim_id} .entry-footer .back")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "reader-printed.png"), full_page=True)
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    assert legend.evaluate("details => details.open") is False
    expect(page.locator(".summary .hint")).to_be_visible()
    assert page.errors == []
    # The claim's own page, where the permalink leads, prints its sources' addresses too.
    page.goto(f"{live_server.url}{reverse('reader-claim', args=[first.claim_id])}")
    page.emulate_media(media="print")
    source = page.locator(".sources a").first
    printed = source.evaluate("link => getComputedStyle(link, '::after').content")
    assert printed == f'" <{source.get_attribute("href")}>"'
    # The site's header and footer are not strewn with addresses.
    assert page.locator("footer a").first.evaluate(
        "link => getComputedStyle(link, '::after').content"
    ) in ("none", "normal")


def test_a_device_asking_for_dark_pages_gets_them_readable(browser, live_server, demo):
    """The reader pages were white whatever the device asked: a glare on a phone at night."""
    first = demo["published"][0]
    page = reader_page(browser, live_server, demo["url"], color_scheme="dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(230, 237, 243)"
    assert_accessible(page, "reader page, dark")
    page.screenshot(path=str(ARTIFACTS / "reader-dark.png"), full_page=True)
    segment = page.locator(f'#article-body a.hl[data-claims~="{first.claim_id}"]').first
    # The underline in the colour that shows on the dark page (lightened if need be).
    underline = reader.line_colour_on_dark(first.verdict.colour)
    expected = "rgb({}, {}, {})".format(*(int(underline[i : i + 2], 16) for i in (1, 3, 5)))
    assert segment.evaluate("e => getComputedStyle(e).borderBottomColor") == expected
    segment.click()
    popover(page).wait_for()
    assert_accessible(page, "reader popover, dark")
    page.screenshot(path=str(ARTIFACTS / "reader-popover-dark.png"))
    organization = demo["article"].organization
    # A logo drawn in black on transparency all but vanished on the dark page (trial G15).
    services.organization_logo_set(
        organization=organization,
        actor=get_user_model().objects.get(username="demo-admin"),
        data=factories.image_bytes("PNG"),
    )
    for path in (
        reverse("reader-organization", args=[organization.slug]),
        reverse("reader-methodology", args=[organization.slug]),
        reverse("reader-corrections", args=[organization.slug]),
        reverse("reader-claim", args=[first.claim_id]),
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background
        assert_accessible(page, f"{path}, dark")
        if path != reverse("reader-claim", args=[first.claim_id]):
            logo = page.locator(".org-logo img")
            assert logo.evaluate("(img) => getComputedStyle(img).backgroundColor") == (
                "rgb(255, 255, 255)"
            ), path
    # A link to a fact-check gone or never published: the "not found" page is dark too.
    page.goto(f"{live_server.url}/c/999999/")
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == background
    assert_accessible(page, "not found page, dark")
    page.screenshot(path=str(ARTIFACTS / "not-found-dark.png"))


def test_in_a_high_contrast_mode_each_verdict_keeps_its_outline(browser, live_server, demo):
    """Forced colours drop the chips' and labels' backgrounds: they read as loose text."""
    page = reader_page(browser, live_server, demo["url"])
    page.emulate_media(forced_colors="active")
    for selector in (".summary .chip", "#article-body .tag", ".claim-list .chip"):
        shape = page.locator(selector).first
        assert shape.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid", selector
        assert shape.evaluate("e => parseFloat(getComputedStyle(e).borderTopWidth)") >= 1
    page.screenshot(path=str(ARTIFACTS / "reader-forced-colours.png"))
    page.emulate_media(forced_colors="none")
    assert (
        page.locator(".summary .chip").first.evaluate("e => getComputedStyle(e).borderTopStyle")
        == "none"
    )


def test_words_copied_from_the_article_leave_the_labels_out(browser, live_server, demo):
    """Copying a paragraph gave "…simultaneous listenersClaim1, rated Unverifiable…"."""
    page = reader_page(browser, live_server, demo["url"])
    copied = page.evaluate(
        """() => {
            const tag = document.querySelector("#article-body .tag");
            getSelection().selectAllChildren(tag.closest("p"));
            return getSelection().toString();
        }"""
    )
    assert "earlier this month" in copied
    for version in demo["published"]:
        assert version.rating_label not in copied


def _overlap(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["left"]
        or b["right"] <= a["x"]
        or a["y"] + a["height"] <= b["top"]
        or b["bottom"] <= a["y"]
    )


def _passage_boxes(page, claim_id):
    return page.evaluate(
        """(id) => [...document.querySelectorAll(`#article-body a.hl[data-claims~="${id}"]`)]
            .flatMap((part) => [...part.getClientRects()])
            .map((r) => ({top: r.top, bottom: r.bottom, left: r.left, right: r.right}))""",
        str(claim_id),
    )


def test_a_verdict_opens_beside_its_passage_never_over_it(browser, live_server, demo):
    """Above a passage that wraps, the popover covered its first line; on a phone the
    bottom sheet covered the passage a shared link opened."""
    ousted = next(v for v in demo["published"] if "ousted" in v.exact)
    page = reader_page(browser, live_server, demo["url"], viewport=(1280, 700))
    tag = page.locator(f"#tag-{ousted.claim_id}")
    # The passage low in the window, so that the verdict goes above it.
    page.evaluate(
        "(y) => window.scrollBy(0, y)",
        tag.bounding_box()["y"] - 620,
    )
    tag.click()
    dialog = popover(page)
    dialog.wait_for()
    box = dialog.bounding_box()
    assert box["y"] + box["height"] <= tag.bounding_box()["y"] + 1
    for part in _passage_boxes(page, ousted.claim_id):
        assert not _overlap(box, part), (box, part)
    page.context.close()

    phone = reader_page(
        browser,
        live_server,
        f"{demo['url']}#claim-{ousted.claim_id}",
        viewport=(375, 667),
        has_touch=True,
        is_mobile=True,
    )
    sheet = popover(phone)
    sheet.wait_for()
    phone.wait_for_function("() => document.readyState === 'complete'")
    top = sheet.bounding_box()["y"]
    parts = _passage_boxes(phone, ousted.claim_id)
    assert parts and all(part["bottom"] <= top for part in parts), (top, parts)
    assert all(part["top"] >= 0 for part in parts)
    phone.screenshot(path=str(ARTIFACTS / "reader-phone-shared-link.png"))


def test_on_a_phone_a_claim_too_tall_for_the_window_leaves_the_verdict_half_of_it(
    browser, live_server, demo
):
    """An 880-character claim at 320 by 640 shrank the sheet to 90 pixels: a cut-off verdict
    and the claim's wording to scroll inside that strip (trial G11)."""
    article = demo["article"]
    paragraphs = article.text.split("\n\n")
    longest = max(paragraphs, key=len)
    editor, reviewer = (
        Membership.objects.get(organization=article.organization, user__username=name).user
        for name in ("demo-editor", "demo-reviewer")
    )
    long_claim = factories.published_claim(article, editor, reviewer, quote=longest)
    phone = reader_page(
        browser,
        live_server,
        f"{demo['url']}#claim-{long_claim.pk}",
        viewport=(320, 640),
        has_touch=True,
        is_mobile=True,
    )
    sheet = popover(phone)
    sheet.wait_for()
    phone.wait_for_function("() => document.readyState === 'complete'")
    box = sheet.bounding_box()
    parts = _passage_boxes(phone, long_claim.pk)
    # The premise: too tall to fit above even the smallest sheet.
    assert parts[-1]["bottom"] - parts[0]["top"] > 640 - 90
    assert box["height"] >= 300, box
    # The passage shows from its start above the sheet.
    assert parts[0]["top"] >= 0 and parts[0]["bottom"] <= box["y"], (parts[0], box)
    verdict = sheet.locator(".entry-verdict .chip").first.bounding_box()
    assert box["y"] <= verdict["y"] and verdict["y"] + verdict["height"] <= box["y"] + box["height"]
    phone.screenshot(path=str(ARTIFACTS / "reader-phone-long-claim.png"))


def test_a_verdict_of_overlapping_claims_leaves_every_one_of_their_passages_in_sight(
    browser, live_server, demo
):
    """Placed by the first claim's passage alone, the popover covered the rest of a longer
    claim running on from the same words, and its label."""
    article = demo["article"]
    ousted = next(v for v in demo["published"] if "ousted" in v.exact)
    paragraph_end = article.text.find("\n\n", ousted.start)
    longer = article.text[ousted.start : paragraph_end if paragraph_end > 0 else None]
    editor, reviewer = (
        Membership.objects.get(organization=article.organization, user__username=name).user
        for name in ("demo-editor", "demo-reviewer")
    )
    wide = factories.published_claim(article, editor, reviewer, quote=longer)
    page = reader_page(browser, live_server, demo["url"], viewport=(1280, 700))
    shared = page.locator(f'#article-body a.hl-multi[data-claims~="{wide.pk}"]').first
    page.evaluate("(y) => window.scrollBy(0, y)", shared.bounding_box()["y"] - 120)
    shared.click()
    dialog = popover(page)
    dialog.wait_for()
    box = dialog.bounding_box()
    parts = _passage_boxes(page, wide.pk) + _passage_boxes(page, ousted.claim_id)
    for tag in (f"#tag-{wide.pk}", f"#tag-{ousted.claim_id}"):
        tag_box = page.locator(tag).bounding_box()
        parts.append({"top": tag_box["y"], "bottom": tag_box["y"] + tag_box["height"],
                      "left": tag_box["x"], "right": tag_box["x"] + tag_box["width"]})  # fmt: skip
    for part in parts:
        assert not _overlap(box, part), (box, part)
    page.screenshot(path=str(ARTIFACTS / "reader-overlapping-popover.png"))


def test_in_a_short_window_the_verdict_still_leaves_its_passage_in_sight(
    browser, live_server, demo
):
    """At 200% zoom (640 by 400) the popover fitted neither above nor below the passage, and
    was pinned over it: the rated words could not be seen."""
    ousted = next(v for v in demo["published"] if "ousted" in v.exact)
    page = reader_page(browser, live_server, demo["url"], viewport=(640, 400))
    tag = page.locator(f"#tag-{ousted.claim_id}")
    page.evaluate("(y) => window.scrollBy(0, y)", tag.bounding_box()["y"] - 180)
    tag.click()
    dialog = popover(page)
    dialog.wait_for()
    box = dialog.bounding_box()
    parts = _passage_boxes(page, ousted.claim_id)
    assert parts and all(part["top"] >= 0 and part["bottom"] <= 400 for part in parts), parts
    for part in parts:
        assert not _overlap(box, part), (box, part)
    assert box["y"] + box["height"] <= 400
    page.screenshot(path=str(ARTIFACTS / "reader-short-window-popover.png"))
    page.context.close()
    # At 400% (320 by 200) the bottom sheet left 50 px above it, less than the passage.
    tiny = reader_page(browser, live_server, demo["url"], viewport=(320, 200))
    tag = tiny.locator(f"#tag-{ousted.claim_id}")
    tag.click()
    sheet = popover(tiny)
    sheet.wait_for()
    top = sheet.bounding_box()["y"]
    parts = _passage_boxes(tiny, ousted.claim_id)
    assert parts and all(p["top"] >= 0 and p["bottom"] <= top for p in parts), (top, parts)
    assert sheet.bounding_box()["height"] >= 90
    tiny.screenshot(path=str(ARTIFACTS / "reader-tiny-window-sheet.png"))


def test_a_long_newsroom_name_leaves_the_tagline_whole(browser, live_server, demo):
    """A long organization name squeezed "Fact-checks" beside it until it broke at its
    hyphen ("Fact-" over "checks")."""
    organization = demo["article"].organization
    type(organization).objects.filter(pk=organization.pk).update(
        name="The Independent Fact-Checking Desk of the Greater Metropolitan Region"
    )
    page = reader_page(browser, live_server, demo["url"], viewport=(375, 700), is_mobile=True)
    tagline = page.locator(".reader-tagline")
    line = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.reader-tagline')).lineHeight)"
    )
    assert tagline.bounding_box()["height"] < 1.5 * line
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(ARTIFACTS / "reader-phone-long-newsroom-name.png"))


@pytest.mark.parametrize("page_of", ["article", "claim", "organization"])
def test_a_revisited_page_keeps_its_rating_colours(browser, live_server, demo, page_of):
    """A reload is answered "304 Not Modified"; the page the browser shows from its cache
    must keep the stylesheet the first answer's CSP allowed (a 304 carrying the stricter
    default policy replaced it, and every verdict lost its colour)."""
    version = demo["published"][0]
    path, chip = {
        "article": (demo["url"], f"#tag-{version.claim_id}"),
        "claim": (reverse("reader-claim", args=[version.claim_id]), ".entry-verdict .chip"),
        "organization": (
            reverse("reader-organization", args=[demo["article"].organization.slug]),
            ".chip",
        ),
    }[page_of]
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}{path}")
    revalidations = []
    page.on(
        "requestfinished",
        lambda request: (
            request.is_navigation_request()
            and revalidations.append("if-none-match" in request.all_headers())
        ),
    )
    violations = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and violations.append(message),
    )
    background = "e => getComputedStyle(e).backgroundColor"
    first = page.locator(chip).first.evaluate(background)
    assert first not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")

    for _ in range(2):
        page.reload(wait_until="load")
        assert page.locator(chip).first.evaluate(background) == first
    # Each reload asked whether the kept copy was current (and the server said it was).
    assert revalidations == [True, True]
    assert violations == []
    assert errors == []


def test_an_imported_pages_numbered_list_and_figure_caption_read_as_they_did(
    browser, live_server, organization, editor, reviewer
):
    from annotations.ingest import extract

    prose = "<p>" + "The council met on Tuesday to discuss the budget for next year. " * 8
    page_html = (
        f"<html><body><article><h1>Budget night</h1>{prose}</p>"
        "<ol><li>Rates rise by four percent.</li><li>Libraries stay open."
        "<ul><li>Two of them on Sundays.</li></ul></li></ol>"
        '<figure><img src="hall.jpg" alt=""><figcaption>The packed hall, 600 people by the '
        f"council's count.</figcaption></figure>{prose}</p></article></body></html>"
    )
    found = extract(page_html.encode(), filename="budget.html")
    article = services.article_create(
        organization=organization, title=found.title, text=found.text, created_by=editor,
        structure=found.structure,
    )  # fmt: skip
    factories.published_claim(article, editor, reviewer, quote="Libraries stay open")
    factories.published_claim(article, editor, reviewer, quote="600 people")
    page = reader_page(
        browser, live_server, reverse("reader-article", args=[organization.slug, article.slug])
    )
    items = page.locator("#article-body ol > li")
    assert items.all_inner_texts()[0] == "Rates rise by four percent."
    assert items.evaluate_all("items => items.map((li) => li.value)") == [1, 2]
    # The nested bullet is set in under the item it belongs to.
    nested = page.locator("#article-body li", has_text="Two of them on Sundays")
    assert nested.bounding_box()["x"] > items.nth(1).bounding_box()["x"] + 10
    assert items.first.evaluate("li => getComputedStyle(li.parentNode).listStyleType") == "decimal"
    assert items.nth(1).locator("a.hl").count() >= 1
    caption = page.locator("#article-body p.caption")
    assert "600 people" in caption.inner_text()
    assert caption.evaluate("p => getComputedStyle(p).fontStyle") == "italic"
    assert caption.locator("a.hl").count() >= 1
    items.first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "reader-numbered-list-and-caption.png"))
    assert page.errors == []


def test_a_long_rating_label_wraps_and_does_not_widen_a_phones_page(browser, live_server, demo):
    """A 60-character label, as the scale allows, stayed on one line: the chip was cut and
    the article, claim, organization and methodology pages scrolled sideways on a phone."""
    from django.contrib.auth import get_user_model

    from annotations.models import Rating

    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}
    editor, reviewer = users["demo-editor"], users["demo-reviewer"]
    scale = Rating.objects.filter(scale__organization=demo["article"].organization).first().scale
    label = "Needs much more context before we can judge it: wait for dat"
    assert len(label) == 60
    rating = Rating.objects.create(
        scale=scale, label=label, value=3, position=50, colour="#57606a", description="Long."
    )
    claim = services.claim_create(
        article=demo["article"], creator=editor,
        selectors=factories.quote_selectors(demo["article"].text, "22.8 years"),
    )  # fmt: skip
    services.source_add(claim=claim, actor=editor, url="https://example.org/record")
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating, conclusion="Checked."
    )
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    slug = demo["article"].organization.slug
    paths = (
        demo["url"],
        reverse("reader-claim", args=[claim.pk]),
        reverse("reader-organization", args=[slug]),
        reverse("reader-methodology", args=[slug]),
    )
    for path in paths:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        page.goto(f"{live_server.url}{path}")
        assert label in page.locator("body").inner_text(), path
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        # Every chip stays inside its box's padding (the summary's, a list entry's).
        overflowing = page.evaluate(
            """() => [...document.querySelectorAll('.chip')].filter((chip) => {
                const box = chip.closest('.summary, li, dd, td, p');
                if (!box) return false;
                const style = getComputedStyle(box);
                const inner = box.getBoundingClientRect().right - parseFloat(style.paddingRight)
                    - parseFloat(style.borderRightWidth);
                return chip.getBoundingClientRect().right > inner + 0.5;
            }).map((chip) => chip.textContent)"""
        )
        assert overflowing == [], path
        page.screenshot(path=str(ARTIFACTS / f"reader-long-label-{paths.index(path)}.png"))
        context.close()


def test_a_methodology_table_keeps_its_words_whole_on_a_phone(browser, live_server, demo):
    """A Markdown table in the methodology read "Rat|ing", "Tru|e" on a phone."""
    from django.contrib.auth import get_user_model

    organization = demo["article"].organization
    admin = get_user_model().objects.get(username="demo-admin")
    rows = "\n".join(
        f"| {label} | {score} | {text} |"
        for label, score, text in [
            ("True", 5, "The claim is accurate and nothing significant is missing."),
            ("Mostly true", 4, "Accurate, but needs clarification or additional information."),
            ("Unverifiable", 0, "https://www.example.org/methodology/unverifiable-claims-guide"),
        ]
    )
    services.organization_update(
        organization=organization, actor=admin,
        methodology=f"## Ratings\n\n| Rating | Score | Meaning |\n|---|---|---|\n{rows}\n",
    )  # fmt: skip
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('reader-methodology', args=[organization.slug])}")
    header = page.locator(".methodology th").first
    assert header.inner_text() == "Rating"
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    assert header.bounding_box()["height"] < 2 * line  # one line, not "Rat" over "ing"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "methodology-table-phone.png"), full_page=True)
    context.close()
