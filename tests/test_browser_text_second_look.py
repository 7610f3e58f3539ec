"""In the browser: a text changed under published verdicts, shown to readers by a second person."""

import pytest
from playwright.sync_api import expect

from annotations import services
from tests import factories
from tests.browser_support import ARTIFACTS, assert_accessible, open_page, open_workspace
from tests.test_browser_daily import LISTENERS, close_pages  # noqa: F401 - autouse fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_reads_what_changed_and_shows_readers_the_new_text(
    browser, live_server, newsroom
):
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    factories.published_claim(article, editor, reviewer)
    article.refresh_from_db()
    reader_url = f"{live_server.url}/a/{article.organization.slug}/{article.slug}/"
    services.article_update_text(
        article=article,
        actor=editor,
        text=article.text.replace(LISTENERS, "Reportedly, " + LISTENERS),
    )

    # The author is told another reviewer shows it; nothing offers them the button.
    own = open_page(browser, live_server, "ed")
    open_workspace(own, live_server, article)
    notice = own.locator("#text-awaiting")
    expect(notice).to_contain_text("Readers still see revision 1 of this text.")
    expect(notice).to_contain_text("The latest change to this text is yours")
    expect(notice.get_by_role("button")).to_have_count(0)

    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, article)
    notice = page.locator("#text-awaiting")
    # Read out as added, not only coloured.
    expect(notice.locator("ins")).to_have_text(["[added: Reportedly, ]"])
    expect(notice.locator("ins")).to_have_css("text-decoration-line", "underline")
    page.screenshot(path=str(ARTIFACTS / "text-waiting-notice.png"))
    assert_accessible(page, "text-waiting-notice")
    reader = page.context.new_page()
    reader.goto(reader_url)
    expect(reader.locator("#article-body")).not_to_contain_text("Reportedly")

    notice.get_by_role("button", name="Show readers revision 2").click()

    expect(page.locator(".messages")).to_contain_text("Readers now see revision 2 of the text")
    expect(page.locator("#text-awaiting")).to_have_count(0)
    reader.reload()
    expect(reader.locator("#article-body")).to_contain_text("Reportedly, " + LISTENERS)
    expect(reader.locator("#article-body a.hl")).to_have_count(1)
    expect(reader.locator(".revised-note")).to_contain_text("edited by Deadline Desk")


def test_an_open_workspace_learns_that_a_new_text_waits_and_offers_to_show_it(
    browser, live_server, newsroom
):
    """Trial G12: a reviewer's open workspace said nothing of a text saved meanwhile, and
    Publish was refused "Show readers the new text first (at the top of the article)" with
    nothing at the top until the page was reloaded."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    factories.published_claim(article, editor, reviewer)
    article.refresh_from_db()
    page = open_page(browser, live_server, "rev")
    page.add_init_script("window.workspacePollMs = 300")
    open_workspace(page, live_server, article)
    expect(page.locator("#text-awaiting")).to_have_count(0)

    services.article_update_text(
        article=article,
        actor=editor,
        text=article.text.replace(LISTENERS, "Reportedly, " + LISTENERS),
    )

    notice = page.locator("#text-awaiting")
    expect(notice).to_contain_text("Readers still see revision 1 of this text.", timeout=10_000)
    expect(notice.locator("ins")).to_have_text(["[added: Reportedly, ]"])
    expect(page.locator("#notice")).to_contain_text("The text changed since this page opened")
    notice.get_by_role("button", name="Show readers revision 2").click()
    expect(page.locator(".messages")).to_contain_text("Readers now see revision 2 of the text")


def test_an_open_workspace_learns_of_a_waiting_text_that_orphaned_every_claim(
    browser, live_server, newsroom
):
    """Trial G13: one figure changed in the one rated sentence orphans the only claim, which
    keeps the revision it was last found on; the poll read the text's number from the claims
    alone, and the reviewer's page never learnt that a text waited."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    factories.published_claim(article, editor, reviewer)
    article.refresh_from_db()
    page = open_page(browser, live_server, "rev")
    page.add_init_script("window.workspacePollMs = 300")
    open_workspace(page, live_server, article)

    services.article_update_text(
        article=article, actor=editor, text=article.text.replace("160,000", "150,000")
    )

    notice = page.locator("#text-awaiting")
    expect(notice).to_contain_text("Readers still see revision 1 of this text.", timeout=10_000)
    expect(page.locator("#notice")).to_contain_text("now revision 2")
