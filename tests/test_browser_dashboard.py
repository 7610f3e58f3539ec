"""The member's desk, notifications and email choices in a real Chromium: mouse, phone, axe."""

import pytest

from annotations import services
from annotations.models import Membership, Notification, Rating
from tests import factories
from tests.browser_support import ARTIFACTS, assert_accessible, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUOTES = ("breaking the prior record", "median age is only 22.8 years")


@pytest.fixture
def desk(db):
    organization = factories.OrganizationFactory(name="Deadline Desk")
    editor = factories.member(organization, Membership.Role.EDITOR, username="ed")
    reviewer = factories.member(organization, Membership.Role.REVIEWER, username="rev")
    article = factories.article(organization, editor)
    rating = Rating.objects.get(scale__organization=organization, label="False")
    claims = []
    for quote in QUOTES:
        claim = services.claim_create(
            article=article,
            creator=editor,
            selectors=factories.quote_selectors(article.text, quote),
        )
        services.source_add(claim=claim, actor=editor, url="https://example.org/record")
        services.claim_update(
            claim=claim, actor=editor, expected_version=None, rating=rating, conclusion="No."
        )
        claims.append(services.claim_transition(claim=claim, actor=editor, to_status="in_review"))
    services.claim_transition(
        claim=claims[1], actor=reviewer, to_status="draft", note="Which census table says 22.8?"
    )
    factories.published_claim(article, editor, reviewer)
    return {"article": article, "claims": claims, "editor": editor, "reviewer": reviewer}


def test_a_reviewer_opens_a_claim_waiting_for_review_straight_from_the_desk(
    browser, live_server, desk
):
    page = open_page(browser, live_server, "rev")

    queue = page.locator("#queue-review")
    assert queue.locator(".queue-count").inner_text() == "1"
    page.screenshot(path=ARTIFACTS / "dashboard-reviewer.png", full_page=True)
    assert_accessible(page, "dashboard")
    claim = desk["claims"][0]
    queue.get_by_role("link", name=claim.claim_reviewed).click()

    page.wait_for_url(f"{live_server.url}/articles/{claim.article_id}/#claim-{claim.pk}")
    assert page.errors == []


def test_the_header_counts_unread_notifications_and_the_list_marks_them_read(
    browser, live_server, desk
):
    page = open_page(browser, live_server, "rev")
    # Two claims of the desk, and the published one, were each sent to review.
    link = page.locator(".site-header").get_by_role("link", name="Notifications 3 unread")
    assert link.is_visible()

    link.click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    assert page.get_by_role("link", name="ed asks for a review: breaking the prior").is_visible()
    assert_accessible(page, "notifications")
    page.screenshot(path=ARTIFACTS / "notifications.png", full_page=True)
    page.get_by_role("button", name="Mark read : ed asks for a review: breaking").click()
    page.wait_for_selector(".site-header .count-badge:text('2')")
    page.get_by_role("button", name="Mark all read").click()

    page.wait_for_selector("text=Marked 2 read.")
    assert page.locator(".site-header .count-badge").count() == 0
    assert not Notification.objects.filter(recipient=desk["reviewer"], read_at=None).exists()


def test_a_member_chooses_which_notifications_arrive_by_email(browser, live_server, desk):
    page = open_page(browser, live_server, "ed")
    page.goto(f"{live_server.url}/settings/notifications/")
    assert_accessible(page, "notification settings")

    page.get_by_label("Review requested").uncheck()
    page.get_by_label("Published", exact=True).uncheck()
    page.get_by_role("button", name="Save choices for Deadline Desk").click()

    page.wait_for_selector("text=Email choices saved for Deadline Desk.")
    page.screenshot(path=ARTIFACTS / "notification-settings.png", full_page=True)
    membership = Membership.objects.get(user=desk["editor"])
    assert membership.email_kinds == [
        "assigned", "changes_requested", "mentioned", "orphaned", "retracted", "deleted",
        "text_waiting",
    ]  # fmt: skip
    assert not page.get_by_label("Review requested").is_checked()


def test_on_a_phone_the_desk_and_the_article_list_fit_the_screen(browser, live_server, desk):
    page = open_page(browser, live_server, "ed", viewport=(390, 844))

    overflow = page.evaluate("document.documentElement.scrollWidth")
    ratings = page.locator("table.articles td[data-label=Ratings]").first
    ratings.scroll_into_view_if_needed()
    box = ratings.bounding_box()
    page.screenshot(path=ARTIFACTS / "dashboard-phone.png", full_page=True)

    changes = page.locator("#queue-changes")
    assert changes.locator(".queue-count").inner_text() == "1"
    assert "“Which census table says 22.8?”" in changes.inner_text()
    assert page.locator("#queue-review").count() == 0  # an editor publishes nothing
    assert overflow <= 390
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert "2 False: not published" in ratings.inner_text()
    assert "1 Mostly true: published" in ratings.inner_text()
    assert_accessible(page, "dashboard on a phone")
    changes.get_by_role("link", name="median age is only 22.8 years").click()
    page.wait_for_url(f"**/articles/{desk['article'].pk}/#claim-{desk['claims'][1].pk}")
