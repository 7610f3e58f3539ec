"""The editor's workspace in a real Chromium: select, claim, rate, source, review, publish."""

import os
from pathlib import Path

import pytest

from annotations import queries
from annotations.models import Claim, Membership
from tests import factories
from tests.conftest import wait_for

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SAMPLE = (
    Path(__file__).resolve().parent.parent / "annotations/fixtures/imran-khan-twitter-spaces.txt"
)
PASSWORD = "correct-horse-battery"
LISTENERS = "Over 160,000 people listened in at once"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM calls made
    # by the test itself between browser steps are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )  # fmt: skip
        yield chromium
        chromium.close()


@pytest.fixture
def newsroom(db):
    organization = factories.OrganizationFactory(name="Deadline Desk")
    editor = factories.member(organization, Membership.Role.EDITOR, username="ed")
    reviewer = factories.member(organization, Membership.Role.REVIEWER, username="rev")
    title, _, body = SAMPLE.read_text(encoding="utf-8").partition("\n\n")
    article = factories.article(organization, editor, text=body.partition("\n\n")[2], title=title)
    return {
        "organization": organization,
        "editor": editor,
        "reviewer": reviewer,
        "article": article,
    }


def open_page(browser, live_server, username, viewport=(1280, 800)):
    """A new browser context signed in as `username` through the login form."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def open_workspace(page, live_server, article):
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.wait_for_selector("html[data-workspace-ready=true]")


def select_with_mouse(page, phrase: str):
    """Drag the mouse from the first to the last character of `phrase` in the article body."""
    box = page.evaluate(
        """(phrase) => {
            const walker = document.createTreeWalker(
                document.getElementById("article-body"), NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(phrase);
                if (at === -1) continue;
                const rect = (from, to) => {
                    const range = document.createRange();
                    range.setStart(node, from); range.setEnd(node, to);
                    return range.getBoundingClientRect();
                };
                const first = rect(at, at + 1);
                const last = rect(at + phrase.length - 1, at + phrase.length);
                return {x1: first.left + 1, y1: first.top + first.height / 2,
                        x2: last.right - 1, y2: last.top + last.height / 2};
            }
            return null;
        }""",
        phrase,
    )
    assert box, f"{phrase!r} not found on the page"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    assert page.evaluate("window.getSelection().toString()") == phrase


def assert_accessible(page, name: str):
    """axe-core finds no serious or critical violation on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        (violation["id"], violation["help"], [n["target"] for n in violation["nodes"]][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{name}: {serious}"


def test_editor_claims_rates_and_sources_then_reviewer_publishes(browser, live_server, newsroom):
    article = newsroom["article"]
    page = open_page(browser, live_server, "ed")
    assert_accessible(page, "article list")
    open_workspace(page, live_server, article)
    select_with_mouse(page, LISTENERS)
    page.keyboard.press("c")
    card = page.locator(".claim-card.active")
    card.wait_for()
    claim = wait_for(lambda: Claim.objects.filter(article=article).first())
    assert (claim.start, claim.end) == (
        article.text.index(LISTENERS),
        article.text.index(LISTENERS) + 39,
    )
    assert page.locator(f'mark[data-claim="{claim.pk}"]').inner_text() == LISTENERS

    card.get_by_label("Rating").select_option(label="Mostly true (4 of 5)")
    card.get_by_label("Conclusion (Markdown)").fill("PTI screenshots showed **about 164,000**.")
    card.get_by_role("button", name="Save").click()
    page.locator(".claim-card.active .save-status", has_text="Saved.").wait_for()
    card = page.locator(".claim-card.active")
    card.get_by_label("Source URL").fill("https://example.org/spaces-record")
    card.get_by_label("Title").fill("Spaces listener record")
    card.get_by_label("Stance").select_option("supports")
    card.get_by_role("button", name="Add source").click()
    page.locator(".claim-card.active .sources h3", has_text="Sources (1)").wait_for()
    assert_accessible(page, "workspace with an open claim")
    page.locator(".claim-card.active").get_by_role("button", name="Send to review").click()
    page.locator(".claim-card.active .badge.status", has_text="In review").wait_for()
    page.screenshot(path=str(ARTIFACTS / "workspace-editor.png"))
    assert page.errors == []

    reviewer_page = open_page(browser, live_server, "rev")
    open_workspace(reviewer_page, live_server, article)
    reviewer_page.locator(f'mark[data-claim="{claim.pk}"]').click()
    reviewer_card = reviewer_page.locator(".claim-card.active")
    reviewer_card.get_by_role("button", name="Publish").click()
    reviewer_page.locator(".claim-card.active .badge.status", has_text="Published").wait_for()
    reviewer_page.screenshot(path=str(ARTIFACTS / "workspace-published.png"))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    assert claim.reviewer == newsroom["reviewer"]
    assert claim.rating.label == "Mostly true"
    assert claim.sources.get().url == "https://example.org/spaces-record"
    assert claim in queries.published_claims()
    assert reviewer_page.errors == []


def test_selection_after_emoji_and_urdu_stores_python_code_points(browser, live_server, newsroom):
    text = (
        "Crowds 🎉🇵🇰 cheered 𝒳 online.\n\n"
        "عمران خان نے ٹوئٹر اسپیس پر خطاب کیا۔ 😀 Then Over 160,000 people listened in at once."
    )
    article = factories.article(newsroom["organization"], newsroom["editor"], text=text)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    select_with_mouse(page, LISTENERS)
    page.get_by_role("button", name="Make claim from selection").click()
    page.locator(".claim-card.active").wait_for()
    claim = wait_for(lambda: Claim.objects.filter(article=article).first())
    article.refresh_from_db()
    start = article.text.index(LISTENERS)
    assert (claim.start, claim.end) == (start, start + len(LISTENERS))
    assert claim.exact == LISTENERS
    # The same phrase counted in UTF-16 units would sit further right: the emoji and the
    # mathematical letter are two units each.
    assert len(article.text[:start].encode("utf-16-le")) // 2 > start
    page.screenshot(path=str(ARTIFACTS / "workspace-emoji-urdu.png"))


def test_second_editor_sees_the_conflict_and_loses_nothing(browser, live_server, newsroom):
    article = newsroom["article"]
    from annotations import services

    claim = services.claim_create(
        article=article,
        creator=newsroom["editor"],
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    first = open_page(browser, live_server, "ed")
    second = open_page(browser, live_server, "rev")
    for page in (first, second):
        open_workspace(page, live_server, article)
        page.locator(f'mark[data-claim="{claim.pk}"]').click()
        page.locator(".claim-card.active form.claim-form").wait_for()
    first.locator(".claim-card.active").get_by_label("Claimant").fill("Andrew Korybko")
    first.locator(".claim-card.active").get_by_role("button", name="Save").click()
    first.locator(".claim-card.active .save-status", has_text="Saved.").wait_for()

    mine = "My careful conclusion that took twenty minutes."
    second.locator(".claim-card.active").get_by_label("Conclusion (Markdown)").fill(mine)
    second.locator(".claim-card.active").get_by_role("button", name="Save").click()
    second.locator(".claim-card.active .save-status", has_text="changed by ed").wait_for()
    assert (
        second.locator(".claim-card.active").get_by_label("Conclusion (Markdown)").input_value()
        == mine
    )
    second.screenshot(path=str(ARTIFACTS / "workspace-conflict.png"))
    claim.refresh_from_db()
    assert claim.claimant == "Andrew Korybko" and claim.conclusion == ""


def test_claim_created_and_saved_with_the_keyboard_only(browser, live_server, newsroom):
    article = newsroom["article"]
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    body = page.locator("#article-body")
    for _ in range(20):
        page.keyboard.press("Tab")
        if body.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the article body cannot be reached with Tab")
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("c")
    page.locator(".claim-card.active").wait_for()
    claim = wait_for(lambda: Claim.objects.filter(article=article).first())
    assert claim.start == 0 and claim.exact == article.text[: claim.end]
    assert claim.exact.startswith("The domestic")
    # Focus lands in the new claim's form; Tab through to Save and press Enter.
    assert page.evaluate("document.activeElement.name") == "claim_reviewed"
    page.keyboard.press("Tab")
    page.keyboard.type("Andrew Korybko")

    def tab_to(name):
        for _ in range(6):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name || document.activeElement.type") == name:
                return
        pytest.fail(f"Tab never reached {name}")

    tab_to("rating")
    page.keyboard.press("ArrowDown")
    tab_to("submit")
    page.keyboard.press("Enter")
    page.locator(".claim-card.active .save-status", has_text="Saved.").wait_for()
    claim.refresh_from_db()
    assert claim.claimant == "Andrew Korybko"
    assert claim.rating.label == "True"
    assert article.text == Claim.objects.get().article.text  # the text never changed
    page.screenshot(path=str(ARTIFACTS / "workspace-keyboard.png"))


def test_narrow_window_puts_the_sidebar_below_the_text(browser, live_server, newsroom):
    page = open_page(browser, live_server, "ed", viewport=(420, 900))
    open_workspace(page, live_server, newsroom["article"])
    text_box = page.locator(".article-text").bounding_box()
    sidebar_box = page.locator(".sidebar").bounding_box()
    assert sidebar_box["y"] >= text_box["y"] + text_box["height"] - 1
    page.screenshot(path=str(ARTIFACTS / "workspace-narrow.png"), full_page=False)
