"""Settings and article editing in a real Chromium: the scale editor's contrast warning, the
text edit with its orphan preview, the details page; axe on every new page."""

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import ArticleRevision, Claim, Membership, Rating
from tests import factories
from tests.browser_support import ARTIFACTS, PASSWORD, assert_accessible, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "The minister said schools got twelve percent more.\n\n"
    "Hospitals got two percent more in real terms.\n\n"
    "Nobody disputes the figure for roads."
)


@pytest.fixture
def desk(db):
    organization = factories.OrganizationFactory(name="Deadline Desk")
    editor = factories.member(organization, Membership.Role.EDITOR, username="ed")
    reviewer = factories.member(organization, Membership.Role.REVIEWER, username="rev")
    factories.member(organization, Membership.Role.ADMIN, username="ada")
    article = factories.article(organization, editor, text=TEXT, title="Budget")
    lost = Claim.objects.get(
        pk=factories.published_claim(article, editor, reviewer, quote="Hospitals got two").pk
    )
    return {"organization": organization, "article": article, "lost": lost}


def test_a_sixty_character_label_does_not_stretch_the_scale_table(browser, live_server, desk):
    """The colour cell keeps its sample on one line: a long label widened it past the window
    and pushed the Hidden and Delete columns out of sight."""
    page = open_page(browser, live_server, "ada")
    page.goto(f"{live_server.url}/settings/organizations/{desk['organization'].slug}/ratings/")
    page.wait_for_selector("html[data-scale-editor-ready=true]")
    row = page.locator(".rating-row").filter(has=page.locator("input[value='Half true']"))
    long_label = "Mostly accurate but missing the context that changes its meaning"[:60]
    row.get_by_label("Label of Half true").fill(long_label)
    sample = row.locator(".scale-sample")
    expect(sample).to_have_text(long_label)

    table = page.locator(".table-scroll")
    assert table.evaluate("(box) => box.scrollWidth <= box.clientWidth")
    assert sample.evaluate("(badge) => badge.getBoundingClientRect().width") < 200
    row.screenshot(path=str(ARTIFACTS / "scale-editor-long-label.png"))


def test_on_a_phone_each_field_of_the_scale_editor_says_what_it_is(browser, live_server, desk):
    """The table's header is gone on a narrow screen: each card showed a bare "1", "True",
    "5" and two unlabelled checkboxes, one of which deletes (trial G15)."""
    page = open_page(browser, live_server, "ada")
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/settings/organizations/{desk['organization'].slug}/ratings/")
    page.wait_for_selector("html[data-scale-editor-ready=true]")
    row = page.locator(".rating-row").filter(has=page.locator("input[value='False']"))
    for words in (
        "Order of False",
        "Label of False",
        "Value of False (empty: outside the range)",
        "Colour of False",
        "Description of False",
        "Hide False from new claims",
        "Delete False",
    ):
        expect(row.get_by_text(words, exact=True)).to_be_visible()
        width = row.get_by_text(words, exact=True).evaluate(
            "(label) => label.getBoundingClientRect().width"
        )
        assert width > 40, words
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    row.screenshot(path=str(ARTIFACTS / "scale-editor-phone.png"))


def test_admin_sees_a_contrast_warning_for_a_pale_rating_colour_and_saves(
    browser, live_server, desk
):
    page = open_page(browser, live_server, "ada")
    page.get_by_role("link", name="Settings").click()
    page.wait_for_url(f"**/settings/organizations/{desk['organization'].slug}/")
    assert_accessible(page, "organization settings")
    page.get_by_role("link", name="Rating scale").click()
    page.wait_for_selector("html[data-scale-editor-ready=true]")
    assert_accessible(page, "rating scale")
    row = page.locator(".rating-row").filter(has=page.locator("input[value='Half true']"))
    assert row.locator(".contrast-ok").is_visible()
    row.get_by_label("Colour of Half true").fill("#ffeb3b")
    warning = row.locator(".contrast-warning")
    warning.wait_for()
    assert "workspace badge (white text) is 1.22:1" in warning.inner_text()
    # The warning wraps: the Hidden and Delete columns stay in the window.
    table = page.locator(".table-scroll")
    assert table.evaluate("(box) => box.scrollWidth <= box.clientWidth")
    row.get_by_label("Label of Half true").fill("Partly true")
    assert row.locator(".scale-sample").inner_text() == "Partly true"
    page.screenshot(path=str(ARTIFACTS / "scale-editor-contrast.png"), full_page=True)
    assert_accessible(page, "rating scale with a warning")

    page.get_by_role("button", name="Save rating scale").click()
    page.get_by_text("Rating scale saved.").wait_for()
    rating = Rating.objects.get(scale__organization=desk["organization"], label="Partly true")
    assert rating.colour == "#ffeb3b"
    assert page.locator(".contrast-warning").count() == 1
    assert page.errors == []


def test_admin_renaming_a_rating_on_published_verdicts_is_told_they_keep_the_old_label(
    browser, live_server, desk
):
    page = open_page(browser, live_server, "ada")
    page.goto(f"{live_server.url}/settings/organizations/{desk['organization'].slug}/ratings/")
    page.wait_for_selector("html[data-scale-editor-ready=true]")
    row = page.locator(".rating-row").filter(has=page.locator("input[value='Mostly true']"))
    note = row.locator(".kept-note")
    assert note.inner_text() == ""
    row.get_by_label("Label of Mostly true").fill("Largely true")
    kept = "1 published verdict keeps “Mostly true” until it is republished."
    assert note.inner_text() == kept
    row.get_by_label("Label of Mostly true").fill("Mostly true")
    assert note.inner_text() == ""
    row.get_by_label("Colour of Mostly true").fill("#0969da")
    assert note.inner_text() == (
        "1 published verdict of “Mostly true” keeps the earlier colour until it is republished."
    )
    row.get_by_label("Label of Mostly true").fill("Largely true")
    assert_accessible(page, "rating scale with a kept-verdict note")

    page.get_by_role("button", name="Save rating scale").click()
    page.get_by_text("Rating scale saved.").wait_for()
    expected = (
        "1 published verdict keeps “Mostly true” (and the earlier colour) until it is republished."
    )
    assert page.locator(".messages li").all_inner_texts() == ["Rating scale saved.", expected]
    assert page.locator("#scale-kept li").all_inner_texts() == [expected]
    page.screenshot(path=str(ARTIFACTS / "scale-editor-kept-verdicts.png"), full_page=True)
    # Renamed again, the verdict still keeps "Mostly true", as the list says: the row does
    # not claim it keeps "Largely true", which it never showed.
    renamed = page.locator(".rating-row").filter(has=page.locator("input[value='Largely true']"))
    renamed.get_by_label("Label of Largely true").fill("Broadly true")
    assert renamed.locator(".kept-note").count() == 0
    reader = browser.new_page()
    reader.goto(f"{live_server.url}/c/{desk['lost'].pk}/")
    assert reader.locator(".entry-verdict .chip").inner_text() == "Mostly true"
    reader.close()
    # The newsroom says "Published · Mostly true" too, as readers see it, until it is
    # republished: the desk and the card said the new name (trial G20).
    page.goto(f"{live_server.url}/")
    entry = page.locator("li", has=page.get_by_role("link", name="Hospitals got two"))
    assert "· Mostly true" in entry.first.inner_text()
    page.goto(f"{live_server.url}/articles/{desk['article'].pk}/")
    card = page.locator(f".claim-card[data-claim='{desk['lost'].pk}']")
    card.locator(".badge.status", has_text="Published").wait_for()
    assert card.locator(".card-header .badge.rating").inner_text() == "Mostly true"
    assert page.errors == []


def test_editor_previews_the_orphans_of_a_text_edit_then_saves_it(browser, live_server, desk):
    article = desk["article"]
    page = open_page(browser, live_server, "ed")
    page.goto(f"{live_server.url}/articles/{article.pk}/edit-text/")
    assert_accessible(page, "text edit")
    text = page.get_by_label("Text", exact=True)
    text.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nA paragraph added at the end.")
    text.fill(text.input_value().replace("Hospitals got two percent", "Clinics got three percent"))
    page.get_by_label("Reason for the change").fill("publisher corrected the figures")
    page.get_by_role("button", name="Preview changes").click()
    preview = page.locator("#preview")
    preview.wait_for()
    orphans = preview.locator(".orphans li")
    assert orphans.count() == 1
    assert "Hospitals got two" in orphans.inner_text()
    assert "Quote replaced by different words" in orphans.inner_text()
    assert "Published: goes back to review." in orphans.inner_text()
    assert ArticleRevision.objects.filter(article=article).count() == 1
    page.screenshot(path=str(ARTIFACTS / "text-edit-preview.png"), full_page=True)
    assert_accessible(page, "text edit preview")

    page.get_by_role("button", name="Save as a new revision").click()
    page.wait_for_url(f"**/articles/{article.pk}/")
    page.get_by_text("Text saved as a new revision").wait_for()
    revision = ArticleRevision.objects.filter(article=article).latest("number")
    assert (revision.number, revision.reason) == (2, "publisher corrected the figures")
    assert "A paragraph added at the end." in revision.text
    lost = Claim.objects.get(pk=desk["lost"].pk)
    assert (lost.anchor_state, lost.status) == ("orphaned", "in_review")
    # Readers keep the verdict until a second person shows them the new text.
    page.locator("#text-awaiting").wait_for()
    factories.text_shown_to_readers(article)
    page.reload()
    # Its card says readers no longer see version 1; it is not "live".
    page.get_by_text("Version 1 hidden from readers").wait_for()
    assert page.get_by_text("Live: version 1").count() == 0
    # With a correction under way, its opened card does not say readers still see it.
    services.claim_update(
        claim=lost, actor=lost.creator, expected_version=lost.version, claimant="Finance office"
    )
    page.reload()
    page.locator(f"#claim-{lost.pk} .card-toggle").click()
    card = page.locator(f"#claim-{lost.pk}")
    card.get_by_text("Hidden from readers: the article's words under it changed.").wait_for()
    card.locator(".unpublished-changes").wait_for()
    assert "Readers see no verdict on this claim until" in card.inner_text()
    assert "Readers see the published version" not in card.inner_text()
    page.screenshot(path=str(ARTIFACTS / "text-edit-orphaned-published.png"), full_page=True)
    # Each paragraph takes its own direction, for right-to-left articles.
    assert page.locator("#article-body p[dir=auto]").count() >= 3
    assert page.errors == []


def test_editor_corrects_the_article_details(browser, live_server, desk):
    article = desk["article"]
    page = open_page(browser, live_server, "ed")
    page.goto(f"{live_server.url}/articles/{article.pk}/edit/")
    assert_accessible(page, "article details")
    notice = page.locator("#published-details-notice")
    assert "1 published fact-check shows the title" in notice.inner_text()
    assert "reopens it as a draft of a correction" in notice.inner_text()
    page.get_by_label("Title").fill("Budget claims, checked")
    page.get_by_label("Byline (author)").fill("Jane Roe")
    page.get_by_label("Original URL").fill("https://news.example/budget")
    page.get_by_label("Publication date").fill("2025-03-04")
    page.screenshot(path=str(ARTIFACTS / "article-details.png"), full_page=True)
    page.get_by_role("button", name="Save details").click()
    page.wait_for_url(f"**/articles/{article.pk}/")
    page.get_by_text("Article details saved.").wait_for()
    article.refresh_from_db()
    assert (article.title, article.byline, str(article.published_on)) == (
        "Budget claims, checked",
        "Jane Roe",
        "2025-03-04",
    )
    # The published claim is reopened; its card says what readers would see change.
    unpublished = page.locator(".unpublished-changes")
    page.goto(f"{live_server.url}/articles/{article.pk}/#claim-{desk['lost'].pk}")
    unpublished.wait_for()
    assert "article title changed from “Budget” to “Budget claims, checked”" in (
        unpublished.inner_text()
    )
    assert Claim.objects.get(pk=desk["lost"].pk).status == Claim.Status.DRAFT
    # A second change would reopen nothing more, and the form says so.
    page.goto(f"{live_server.url}/articles/{article.pk}/edit/")
    assert "It is reopened already as a draft of a correction;" in notice.inner_text()
    # Readers still see the article as it was published.
    reader = page.context.new_page()
    reader.goto(f"{live_server.url}/a/{desk['organization'].slug}/{article.slug}/")
    assert reader.locator("h1").inner_text() == "Budget"
    assert reader.get_by_role("link", name="Original article").count() == 0
    assert page.errors == []


def test_the_workspace_details_dialog_says_what_a_change_reopens(browser, live_server, desk):
    article = desk["article"]
    page = open_page(browser, live_server, "ed")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.wait_for_selector("html[data-workspace-ready=true]")
    page.get_by_role("button", name="Edit details").click()
    dialog = page.get_by_role("dialog", name="Article details")
    published = dialog.locator("#article-details-published")
    published.wait_for()
    assert "1 published fact-check shows the title" in published.inner_text()
    assert_accessible(page, "article details dialog")
    # A bad address is named as the form names it.
    dialog.get_by_label("Original URL").fill("ftp://news.example/moved")
    dialog.get_by_role("button", name="Save details").click()
    expect(dialog.locator("#article-details-status")).to_have_text(
        "Not saved: correct the original URL as said under it."
    )
    # The message sits under the field it is about, which is marked, focused and read with it.
    address = dialog.get_by_label("Original URL")
    expect(address).to_have_attribute("aria-invalid", "true")
    expect(address).to_be_focused()
    expect(address).to_have_accessible_description("Enter an http or https address.")
    assert dialog.get_by_label("Title").get_attribute("aria-invalid") is None
    address.fill("https://news.example/moved")
    expect(address).not_to_have_attribute("aria-invalid", "true")
    assert dialog.locator(".field-error").count() == 0
    page.screenshot(path=str(ARTIFACTS / "article-details-dialog-published.png"), full_page=True)
    dialog.get_by_role("button", name="Save details").click()
    page.get_by_text("The published claims are reopened as drafts of a correction").wait_for()
    lost = Claim.objects.get(pk=desk["lost"].pk)
    assert lost.status == Claim.Status.DRAFT
    assert lost.events.latest("pk").action == "article details changed"
    # The card shows the claim as a draft now, without a reload, and the notice says it
    # waits for a reviewer.
    page.locator(f"#claim-{lost.pk}.status-draft").wait_for()
    expect(page.locator("#details-awaiting")).to_contain_text(
        "1 fact-check reopened by the article's new details waits to be republished"
    )
    expect(page.locator("#details-awaiting")).to_contain_text("A reviewer can republish it")
    # Opened again, the dialog says the claim is reopened already.
    page.get_by_role("button", name="Edit details").click()
    expect(published).to_contain_text("It is reopened already as a draft of a correction;")
    dialog.get_by_role("button", name="Cancel").click()
    assert page.errors == []

    # A reviewer republishes it with the new details, from the notice the workspace shows.
    reviewer = open_page(browser, live_server, "rev")
    reviewer.goto(f"{live_server.url}/articles/{article.pk}/")
    notice = reviewer.locator("#details-awaiting")
    assert "1 fact-check reopened by the article's new details" in notice.inner_text()
    assert_accessible(reviewer, "workspace with claims awaiting the new details")
    reviewer.screenshot(path=str(ARTIFACTS / "details-awaiting-republish.png"), full_page=True)
    notice.get_by_label("Public correction note").fill("the paper moved the story")
    notice.get_by_role("button", name="Republish it").click()
    reviewer.get_by_text("Republished 1 fact-check with the article's new details.").wait_for()
    assert Claim.objects.get(pk=lost.pk).status == Claim.Status.PUBLISHED
    assert reviewer.locator("#details-awaiting").count() == 0
    assert reviewer.errors == []


def test_an_editor_checks_the_reviewers_new_title_so_it_can_be_republished(
    browser, live_server, desk
):
    """Under the two-person rule the reviewer who corrected the title cannot republish it
    alone: the editor reads the change in the notice, vouches for it, and then they can."""
    article = desk["article"]
    services.article_update_details(
        article=article, actor=desk["organization"].memberships.get(role="reviewer").user,
        title="Budget, corrected",
    )  # fmt: skip
    reviewer = open_page(browser, live_server, "rev")
    reviewer.goto(f"{live_server.url}/articles/{article.pk}/")
    notice = reviewer.locator("#details-awaiting")
    expect(notice).to_contain_text("or an editor checks the new details here first")
    assert notice.get_by_role("button").count() == 0

    editor = open_page(browser, live_server, "ed")
    editor.goto(f"{live_server.url}/articles/{article.pk}/")
    editor.wait_for_selector("html[data-workspace-ready=true]")
    notice = editor.locator("#details-awaiting")
    expect(notice.locator(".details-differences")).to_have_text(
        "Titlereaders see “Budget”, now “Budget, corrected”"
    )
    assert_accessible(editor, "workspace offering the check of new details")
    editor.screenshot(path=str(ARTIFACTS / "details-check-offered.png"), full_page=True)
    notice.get_by_role("button", name="The new details are right").click()
    editor.get_by_text("Checked: a reviewer can now republish the fact-check").wait_for()
    expect(editor.locator("#details-awaiting")).to_contain_text("ed checked the new details.")
    assert editor.errors == []

    reviewer.reload()
    notice = reviewer.locator("#details-awaiting")
    expect(notice).to_contain_text("ed checked the new details: you may republish it.")
    notice.get_by_label("Public correction note").fill("the title was corrected")
    notice.get_by_role("button", name="Republish it").click()
    reviewer.get_by_text("Republished 1 fact-check with the article's new details.").wait_for()
    assert Claim.objects.get(pk=desk["lost"].pk).status == Claim.Status.PUBLISHED
    assert reviewer.errors == []


MARKDOWN = b"""# Budget claims checked

The minister said spending on schools rose by twelve percent last year.

## What the numbers show

- Schools: four percent more in real terms.
- Hospitals: two percent more in real terms.

> We have never spent more on education than today.

That statement is true in cash terms but misleading once prices are considered.
"""


def test_imported_structure_shows_on_the_reader_page_and_in_the_workspace(
    browser, live_server, desk
):
    from annotations import services

    organization = desk["organization"]
    editor = organization.memberships.get(role="editor").user
    reviewer = organization.memberships.get(role="reviewer").user
    article = services.article_import_upload(
        organization=organization,
        requested_by=editor,
        data=MARKDOWN,
        filename="budget.md",
        declared_type="text/markdown",
        title="",
    )
    assert article.title == "Budget claims checked"
    factories.published_claim(article, editor, reviewer, quote="four percent more in real terms")
    article.refresh_from_db()

    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(f"{live_server.url}/a/{organization.slug}/{article.slug}/")
    body = page.locator("#article-body")
    assert body.locator("h3").inner_text() == "What the numbers show"
    assert body.locator("ul > li").count() == 2
    assert body.locator("ul > li").first.locator(".hl").count() == 1
    assert "never spent more" in body.locator("blockquote").inner_text()
    assert page.locator("h1").inner_text() == "Budget claims checked"
    assert "Budget claims checked" not in body.inner_text()
    page.screenshot(path=str(ARTIFACTS / "reader-structure.png"), full_page=True)
    assert_accessible(page, "reader article with structure")

    editor_page = open_page(browser, live_server, "ed")
    editor_page.goto(f"{live_server.url}/articles/{article.pk}/")
    editor_page.wait_for_selector("html[data-workspace-ready=true]")
    assert "no date found" in editor_page.locator(".meta").inner_text()
    editor_page.screenshot(path=str(ARTIFACTS / "workspace-structure.png"), full_page=True)


def test_the_details_dialog_does_not_replace_a_title_someone_saved_meanwhile(
    browser, live_server, desk
):
    article = desk["article"]
    page = open_page(browser, live_server, "ed")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.wait_for_selector("html[data-workspace-ready=true]")
    page.get_by_role("button", name="Edit details").click()
    dialog = page.get_by_role("dialog", name="Article details")
    title = dialog.get_by_label("Title")
    expect(title).to_have_value("Budget")
    # Meanwhile a colleague renames it and fills the byline, on the details page.
    services.article_update_details(
        article=article, actor=desk["organization"].memberships.get(user__username="rev").user,
        title="Their title", byline="Their byline",
    )  # fmt: skip
    title.fill("My title")
    dialog.get_by_role("button", name="Save details").click()
    status = dialog.locator("#article-details-status")
    status.get_by_text("Someone else changed this since you opened it").wait_for()
    assert "title: “Their title”" in status.inner_text()
    article.refresh_from_db()
    assert article.title == "Their title"
    # The byline, which this editor did not touch, now shows theirs; the title keeps mine.
    expect(dialog.get_by_label("Byline")).to_have_value("Their byline")
    expect(title).to_have_value("My title")
    page.screenshot(path=str(ARTIFACTS / "details-dialog-clash.png"), full_page=True)

    dialog.get_by_role("button", name="Save details").click()
    page.get_by_text("Article details saved.").wait_for()
    article.refresh_from_db()
    assert (article.title, article.byline) == ("My title", "Their byline")
    # The line under the title keeps its revision.
    assert "revision 1" in page.locator("#article-meta").inner_text()
    assert page.errors == []


def test_a_title_saved_between_the_dialogs_check_and_its_save_is_not_replaced(
    browser, live_server, desk
):
    """The dialog reads the details, then saves over what it read (If-Match): a colleague's
    save landing in that moment is shown, not overwritten."""
    article = desk["article"]
    colleague = desk["organization"].memberships.get(user__username="rev").user
    page = open_page(browser, live_server, "ed")
    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.wait_for_selector("html[data-workspace-ready=true]")
    page.get_by_role("button", name="Edit details").click()
    dialog = page.get_by_role("dialog", name="Article details")
    title = dialog.get_by_label("Title")
    expect(title).to_have_value("Budget")  # the dialog has read the details
    title.fill("My title")

    patches = []

    def colleague_saves_first(route):
        if route.request.method == "PATCH":
            patches.append(route.request.headers.get("if-match"))
            if len(patches) == 1:
                services.article_update_details(
                    article=article, actor=colleague, title="Their title"
                )
        route.continue_()

    # Only now: the dialog's check (a GET) has passed when the colleague's save lands.
    page.route(f"**/api/v1/newsroom/articles/{article.pk}/", colleague_saves_first)
    dialog.get_by_role("button", name="Save details").click()
    status = dialog.locator("#article-details-status")
    status.get_by_text("Someone else changed this since you opened it").wait_for()
    assert "title: “Their title”" in status.inner_text()
    article.refresh_from_db()
    assert article.title == "Their title"
    expect(title).to_have_value("My title")

    dialog.get_by_role("button", name="Save details").click()
    page.get_by_text("Article details saved.").wait_for()
    article.refresh_from_db()
    assert article.title == "My title"
    assert len(patches) == 2 and all(patches)  # each save named the details it read
    assert page.errors == []


def test_a_refused_new_password_is_explained_under_it_and_the_help_has_one_id(
    browser, live_server, desk
):
    page = open_page(browser, live_server, "ed")
    page.goto(f"{live_server.url}/accounts/password_change/")
    # The validators' help is a list: inside a p, the parser copied its element into each item.
    count_ids = "() => document.querySelectorAll('[id=id_new_password1_helptext]').length"
    assert page.evaluate(count_ids) == 1
    assert_accessible(page, "password change")
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("password")
    page.get_by_label("New password confirmation").fill("password")
    page.get_by_role("button", name="Change my password").click()
    new_password = page.get_by_label("New password", exact=True)
    field = page.locator(".form-field", has=page.locator("#id_new_password1"))
    expect(field.locator(".error")).to_contain_text("too common")
    expect(new_password).to_have_attribute("aria-invalid", "true")
    assert page.evaluate(count_ids) == 1
    page.screenshot(path=str(ARTIFACTS / "password-change-refused.png"))
    assert page.errors == []


def test_an_admin_giving_up_their_own_admin_role_is_asked_first(browser, live_server, desk):
    factories.member(desk["organization"], Membership.Role.ADMIN, username="bea")
    page = open_page(browser, live_server, "ada")
    page.goto(f"{live_server.url}/members/?org={desk['organization'].slug}")
    own = page.get_by_label("Role of ada")
    # Saved unchanged: no question.
    own.locator("xpath=..").get_by_role("button", name="Save role").click()
    page.get_by_text("ada is admin already: nothing changed.").wait_for()
    own = page.get_by_label("Role of ada")
    own.select_option("editor")
    own.locator("xpath=..").get_by_role("button", name="Save role").click()
    dialog = page.get_by_role("dialog", name="Give up your admin role in Deadline Desk?")
    dialog.wait_for()
    page.screenshot(path=str(ARTIFACTS / "members-give-up-admin.png"))
    dialog.get_by_role("button", name="Cancel").click()
    assert Membership.objects.get(user__username="ada").role == "admin"
    # Someone else's role changes without a question.
    page.get_by_label("Role of ed").select_option("reviewer")
    page.get_by_label("Role of ed").locator("xpath=..").get_by_role(
        "button", name="Save role"
    ).click()
    page.get_by_text("Updated ed.").wait_for()
    assert Membership.objects.get(user__username="ed").role == "reviewer"
    own = page.get_by_label("Role of ada")
    own.select_option("editor")
    own.locator("xpath=..").get_by_role("button", name="Save role").click()
    page.get_by_role("dialog").get_by_role("button", name="Give it up").click()
    page.get_by_text("Updated ada.").wait_for()
    assert Membership.objects.get(user__username="ada").role == "editor"
    assert page.errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_a_long_username_does_not_push_the_pages_wider_than_the_window(
    browser, live_server, desk, width
):
    """A newcomer may pick a 150-character username: the header then ran 90 px past the
    window on every page, and the members table hid its Role and Remove controls (trial
    G10)."""
    long_name = ("a-very-long-name-" * 9)[:150]
    factories.member(desk["organization"], Membership.Role.ADMIN, username=long_name)
    page = open_page(browser, live_server, long_name)
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/", "/members/"):
        page.goto(f"{live_server.url}{path}")
        wide = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert wide <= 0, (path, wide)
    remove = page.get_by_role("button", name="Remove ed")
    remove.scroll_into_view_if_needed()
    box = remove.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    # Its word stays whole: "Rem" over "ove" when any cell could break anywhere.
    height, font = remove.evaluate(
        "(b) => [b.getBoundingClientRect().height, parseFloat(getComputedStyle(b).fontSize)]"
    )
    assert height < 3 * font, (height, font)
    assert page.locator(".account-name").get_attribute("title") == long_name
    page.screenshot(path=str(ARTIFACTS / f"long-username-members-{width}.png"), full_page=True)
