"""The editors' pages follow a device that asks for dark pages, as the reader pages do.

Each test looks at a page dark first, then light: dark, the page, its cards, marks and boxes
are dark with light text, and axe finds no contrast failure; light, the page is as before.
"""

import pytest

from annotations import services, spotting, urlnorm
from annotations.models import (
    Claim,
    EvidenceItem,
    Membership,
    PublishedVersion,
    Rating,
    Suggestion,
)
from tests import factories
from tests.browser_support import ARTIFACTS, assert_accessible, open_page, open_workspace
from tests.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTENERS = "Over 160,000 people listened in at once"
FIGURE = "160,000 people"
RECORD = "shattered the world record on Wednesday"
PRIOR = "breaking the prior record by a Korean pop group"
MILESTONE = "it’s a milestone in digital diplomacy"
SUGGESTED = "Pakistan Today shared a summary of his most important remarks during that event"
# A newsroom's own rating colour, dark enough to vanish on a dark page if drawn as chosen.
NAVY = "#0b1f4d"

DARK_PAGE, LIGHT_TEXT = "rgb(13, 17, 23)", "rgb(230, 237, 243)"
DARK_PANEL = "rgb(21, 27, 35)"
LIGHT_PAGE, DARK_TEXT = "rgb(255, 255, 255)", "rgb(31, 35, 40)"

# The boxes on the page whose own background is light: on a dark page, each is a white patch
# (with light text on it, unreadable). A rating's badge and sample keep the colour the
# newsroom chose, with the text colour that reads on it; a logo keeps the white it was drawn
# for; a colour input shows its colour.
LIGHT_PATCHES = """() => {
    const luminance = (colour) => {
        const [r, g, b, a = 1] = colour.match(/[\\d.]+/g).map(Number);
        if (a < 0.5) return 0;
        const linear = (c) => (c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    };
    const kept = ".badge.rating, .scale-sample, .logo-preview, .org-logo img, input[type=color]";
    return [...document.querySelectorAll("body *")]
        .filter((node) => node.getClientRects().length && !node.matches(kept))
        .filter((node) => getComputedStyle(node).visibility === "visible")
        .filter((node) => luminance(getComputedStyle(node).backgroundColor) > 0.4)
        .map((node) => `${node.tagName.toLowerCase()}.${[...node.classList].join(".")}`);
}"""


def assert_scheme(page, scheme: str, name: str, full_page: bool = True):
    """The page's ground, its text and its native controls in `scheme`; no light patch on
    a dark page; axe content; a screenshot to look at."""
    page.emulate_media(color_scheme=scheme)
    ground, text = (DARK_PAGE, LIGHT_TEXT) if scheme == "dark" else (LIGHT_PAGE, DARK_TEXT)
    root = page.evaluate(
        """() => ({ground: getComputedStyle(document.documentElement).backgroundColor,
                   text: getComputedStyle(document.body).color,
                   scheme: getComputedStyle(document.documentElement).colorScheme})"""
    )
    assert root == {"ground": ground, "text": text, "scheme": scheme}, name
    if scheme == "dark":
        assert page.evaluate(LIGHT_PATCHES) == [], name
    page.screenshot(path=str(ARTIFACTS / f"{name}-{scheme}.png"), full_page=full_page)
    assert_accessible(page, f"{name}, {scheme}")


@pytest.fixture(autouse=True)
def close_pages(browser):
    """Close this test's pages: open ones keep polling the server after the test ends."""
    yield
    for context in browser.contexts:
        context.close()


@pytest.fixture
def desk(newsroom):
    """An article with a claim in each status, two overlapping, a rating in the newsroom's
    own dark colour, evidence that agrees and disagrees, and a suggested sentence."""
    organization, editor = newsroom["organization"], newsroom["editor"]
    reviewer, article = newsroom["reviewer"], newsroom["article"]
    admin = factories.member(organization, Membership.Role.ADMIN, username="ada")
    navy = Rating.objects.filter(scale__organization=organization, label="False")
    navy.update(colour=NAVY)

    def claim(quote):
        return services.claim_create(
            article=article,
            creator=editor,
            selectors=factories.quote_selectors(article.text, quote),
        )

    def ready(made, label):
        services.source_add(claim=made, actor=editor, url="https://example.org/record")
        rating = Rating.objects.get(scale__organization=organization, label=label)
        services.claim_update(
            claim=made, actor=editor, expected_version=None, rating=rating, conclusion="Checked."
        )
        return services.claim_transition(claim=made, actor=editor, to_status="in_review")

    draft = claim(FIGURE)
    in_review = ready(claim(LISTENERS), "False")
    published = ready(claim(PRIOR), "Mostly true")
    services.claim_transition(claim=published, actor=reviewer, to_status="published")
    retracted = ready(claim(MILESTONE), "Mostly true")
    services.claim_transition(claim=retracted, actor=reviewer, to_status="published")
    services.claim_transition(
        claim=retracted, actor=reviewer, to_status="retracted", note="The record was not his."
    )
    changes = ready(claim(RECORD), "Mostly true")
    services.claim_transition(
        claim=changes, actor=reviewer, to_status="draft", note="Which day was it?"
    )
    passage = "More than 160,000 listeners; some said 150,000."
    for provider, rating in (("factchecks", "Mostly true"), ("mediawiki", "")):
        url = f"https://{provider}.example.org/spaces"
        EvidenceItem.objects.create(
            claim=in_review, provider=provider, url=url, url_key=urlnorm.url_key(url),
            title="Twitter Spaces record", publisher="Example", passage=passage, score=1.0,
            rating=rating,
            highlights=[{"start": 10, "end": 17, "kind": "number"},
                        {"start": 18, "end": 27, "kind": "term"},
                        {"start": 39, "end": 46, "kind": "number"}],
            numbers=[{"text": "160,000", "value": 160000.0, "unit": "", "start": 10, "end": 17,
                      "agreement": "agrees"},
                     {"text": "150,000", "value": 150000.0, "unit": "", "start": 39, "end": 46,
                      "agreement": "disagrees"}],
        )  # fmt: skip
    start = article.text.index(SUGGESTED)
    end = article.text.index(".", start) + 1
    Suggestion.objects.create(
        article=article, start=start, end=end, sentence=article.text[start:end],
        sentence_key=spotting.sentence_key(article.text[start:end]), score=3.0,
        has_number=False, model_version="test",
    )  # fmt: skip
    assert {c.status for c in Claim.objects.filter(article=article)} == set(Claim.Status)
    return {**newsroom, "admin": admin, "in_review": in_review, "draft": draft}


def test_the_workspace_with_every_status_a_conflict_and_evidence_is_dark_on_a_dark_device(
    browser, live_server, desk
):
    """The workspace stayed a white page on a device asking for dark ones, at night."""
    claim = desk["in_review"]
    # Tall enough for the whole open card in the claims column, which scrolls on its own.
    page = open_page(browser, live_server, "rev", viewport=(1280, 2200))
    page.emulate_media(color_scheme="dark")
    open_workspace(page, live_server, desk["article"])
    page.locator("#suggestions-panel .suggestion").first.wait_for()
    marks = page.locator("#article-body mark.highlight")
    assert marks.count() >= 5
    # Every status's badge and every highlight, overlapping ones too, drawn dark.
    for status in ("draft", "in_review", "published", "retracted"):
        assert page.locator(f".claim-card .badge.status-{status}").count() >= 1, status
    mark_grounds = marks.evaluate_all(
        "(all) => all.map((m) => getComputedStyle(m).backgroundColor)"
    )
    # Each highlight has a fill that shows on the page (LIGHT_PATCHES below: not a light one).
    assert DARK_PAGE not in mark_grounds and "rgba(0, 0, 0, 0)" not in mark_grounds
    # The rating's own navy underline is lightened on the dark page, as the reader's is.
    underline = page.locator(f'#article-body mark[data-claim="{claim.pk}"]').first.evaluate(
        "(mark) => getComputedStyle(mark).borderBottomColor"
    )
    assert underline not in ("rgb(11, 31, 77)", "rgb(154, 103, 0)"), underline

    # The open card: a field someone else saved meanwhile, shown as yours and theirs.
    page.locator(f'mark[data-claim="{claim.pk}"]').first.click()
    card = page.locator(f"#claim-{claim.pk}.active")
    card.locator("form.claim-form").wait_for()
    services.claim_update(
        claim=claim, actor=desk["editor"], expected_version=None, claimant="Imran Khan"
    )
    card.get_by_label("Claimant").fill("Andrew Korybko")
    card.get_by_role("button", name="Save").click()
    card.get_by_role("region", name="Someone else changed the same fields").wait_for()
    card.locator(".evidence-item .evidence-tag.disagrees").first.wait_for()
    # A suggestion in the text, with its label: dotted, not a claim's fill.
    page.locator("#suggestions-panel .suggestion").first.get_by_role(
        "button", name="Accept"
    ).focus()
    page.locator("#suggestion-text-label").wait_for()
    # The card's top at the top of the claims column, the article's first lines beside it.
    card.evaluate(
        "(card) => { card.closest('.sidebar').scrollTop = card.offsetTop; scrollTo(0, 0); }"
    )
    assert_scheme(page, "dark", "workspace", full_page=False)
    assert_scheme(page, "light", "workspace", full_page=False)
    # A question in a dialog over the page, dark too.
    page.emulate_media(color_scheme="dark")
    card.get_by_role("button", name="Request changes").click()
    dialog = page.get_by_role("dialog", name="Request changes")
    dialog.wait_for()
    assert dialog.evaluate("(node) => getComputedStyle(node).backgroundColor") == DARK_PANEL
    assert_scheme(page, "dark", "workspace-dialog", full_page=False)
    assert_scheme(page, "light", "workspace-dialog", full_page=False)
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # On a phone the open card is a sheet over the text, dark too.
    page.set_viewport_size({"width": 390, "height": 844})
    wait_for(
        lambda: card.evaluate("(node) => getComputedStyle(node).position") == "fixed",
        message="the open card did not become a sheet",
    )
    for scheme in ("dark", "light"):
        page.emulate_media(color_scheme=scheme)
        assert card.evaluate("(node) => getComputedStyle(node).backgroundColor") == (
            DARK_PAGE if scheme == "dark" else LIGHT_PAGE
        )
        page.screenshot(path=str(ARTIFACTS / f"workspace-sheet-{scheme}.png"))
    assert page.errors == []


def test_the_signed_in_pages_are_dark_on_a_dark_device(browser, live_server, desk):
    """The desk, the article list and forms, settings and the rating scale, dark at night."""
    from django.urls import reverse

    slug = desk["organization"].slug
    article = desk["article"]
    page = open_page(browser, live_server, "ada")
    for name, path in (
        ("dashboard", "/"),
        ("new-article", reverse("article-new")),
        ("article-edit", reverse("article-edit", args=[article.pk])),
        ("members", reverse("members")),
        ("notifications", reverse("notifications")),
        ("notification-settings", reverse("notification-settings")),
        ("api-tokens", reverse("api-tokens")),
        ("settings", reverse("organization-settings", args=[slug])),
        ("scale", reverse("organization-scale", args=[slug])),
        ("webhooks", reverse("organization-webhooks", args=[slug])),
        ("spotter", reverse("organization-spotter", args=[slug])),
    ):
        page.emulate_media(color_scheme="dark")
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        assert_scheme(page, "dark", name)
        assert_scheme(page, "light", name)
    # A form refused: its error box and the field's message, dark and readable.
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server.url}{reverse('article-edit', args=[article.pk])}")
    title = page.get_by_label("Title")
    title.fill("")
    title.evaluate("(input) => input.removeAttribute('required')")
    page.get_by_role("button", name="Save").first.click()
    page.locator(".error, .errorlist").first.wait_for()
    assert_scheme(page, "dark", "article-edit-refused")
    assert_scheme(page, "light", "article-edit-refused")
    assert page.errors == []


def test_a_rating_badge_takes_the_text_colour_that_reads_on_the_newsrooms_colour(
    browser, live_server, desk
):
    """White on a yellow the scale allows (1.07:1) on the cards, where the scale's preview
    and the reader's chips drew black (trial G19)."""
    Rating.objects.filter(scale__organization=desk["organization"]).update(colour="#ffff00")
    # A published claim's badge shows the colour it was published with (trial G20).
    PublishedVersion.objects.filter(claim__article=desk["article"]).update(rating_colour="#ffff00")
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, desk["article"])
    badges = page.locator(".claim-card .badge.rating")
    badges.first.wait_for()
    colours = badges.evaluate_all(
        "(all) => all.map((b) => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor])"
    )
    assert colours and all(colour == ["rgb(0, 0, 0)", "rgb(255, 255, 0)"] for colour in colours)
    page.screenshot(path=ARTIFACTS / "workspace-yellow-rating.png")
    # A dark colour keeps white text.
    Rating.objects.filter(scale__organization=desk["organization"]).update(colour=NAVY)
    PublishedVersion.objects.filter(claim__article=desk["article"]).update(rating_colour=NAVY)
    open_workspace(page, live_server, desk["article"])
    badges.first.wait_for()
    assert badges.first.evaluate("(b) => getComputedStyle(b).color") == "rgb(255, 255, 255)"


def test_the_panels_buttons_each_name_their_item(browser, live_server, desk):
    """Ten "Accept", ten "Dismiss", six "Add as source" read alike in a screen reader's list
    of controls (trial G19); each now names its suggestion or its page, its visible words
    first."""
    article = desk["article"]
    sentence = "Former Pakistani Prime Minister Imran Khan"  # no claim covers it
    start = article.text.index(sentence)
    Suggestion.objects.create(
        article=article, start=start, end=start + len(sentence), sentence=sentence,
        sentence_key=spotting.sentence_key(sentence), score=2.0, has_number=False,
        model_version="test",
    )  # fmt: skip
    page = open_page(browser, live_server, "rev", viewport=(1280, 2200))
    open_workspace(page, live_server, article)
    page.locator("#suggestions-panel li.suggestion").nth(1).wait_for()
    names = page.locator("#suggestions-panel li.suggestion button").evaluate_all(
        "(all) => all.map((b) => b.getAttribute('aria-label') || b.textContent.trim())"
    )
    assert len(names) == 6 and len(set(names)) == 6, names
    for visible in ("Accept", "Dismiss", "Show in text"):
        assert sum(name.startswith(visible) for name in names) == 2, names
    claim = desk["in_review"]
    page.locator(f'mark[data-claim="{claim.pk}"]').first.click()
    rows = page.locator(f"#claim-{claim.pk}.active .evidence-item .evidence-add")
    rows.nth(1).wait_for()
    added = rows.evaluate_all("(all) => all.map((b) => b.getAttribute('aria-label'))")
    assert len(set(added)) == len(added) == 2 and all(
        n.startswith("Add as source: ") for n in added
    )
    stances = page.locator(f"#claim-{claim.pk}.active .evidence-item select")
    labels = stances.evaluate_all("(all) => all.map((s) => s.labels[0].textContent.trim())")
    assert labels == [
        "Stance of Twitter Spaces record, factchecks.example.org",
        "Stance of Twitter Spaces record, mediawiki.example.org",
    ], labels
