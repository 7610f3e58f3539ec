"""A member of two newsrooms in a real Chromium: switching in the header, adding an article."""

import pytest

from annotations import services
from annotations.models import Article, Membership
from annotations.permissions import SYSTEM
from tests import factories
from tests.browser_support import ARTIFACTS, WORKSPACE_URL, assert_accessible, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_desks(db):
    """`other-editor` works at Other Desk and later joined Demo Fact Desk (the lower id)."""
    demo = factories.OrganizationFactory(name="Demo Fact Desk", slug="demo-fact-desk")
    other = factories.OrganizationFactory(name="Other Desk", slug="other-desk")
    editor = factories.member(other, Membership.Role.EDITOR, username="other-editor")
    services.membership_set(organization=demo, user=editor, role="editor", actor=SYSTEM)
    return {"demo": demo, "other": other}


def _paste(page, title: str):
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Text", exact=True).fill("The council spent 4.2 million.\n\nIt said so.")
    page.get_by_role("button", name="Create article").click()
    page.wait_for_url(WORKSPACE_URL)
    page.wait_for_selector("html[data-workspace-ready=true]")


def test_a_member_switches_to_their_second_newsroom_and_adds_an_article_there(
    browser, live_server, two_desks
):
    page = open_page(browser, live_server, "other-editor")
    switcher = page.locator(".site-header").get_by_label("Working in")
    assert switcher.input_value() == "other-desk"
    assert page.locator("h1").inner_text() == "Your desk at Other Desk"

    switcher.select_option("demo-fact-desk")
    page.locator(".site-header").get_by_role("button", name="Switch").click()

    page.get_by_text("You are working in Demo Fact Desk.").wait_for()
    assert page.locator("h1").inner_text() == "Your desk at Demo Fact Desk"
    page.get_by_role("link", name="Members").click()
    page.wait_for_url(f"{live_server.url}/members/")
    assert page.locator("h1").inner_text() == "Members of Demo Fact Desk"

    page.get_by_role("link", name="Articles", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Add an article").click()
    page.wait_for_url(f"{live_server.url}/articles/new/")
    page.wait_for_selector("html[data-import-ready=true]")
    chosen = page.locator("main").get_by_label("Organization")
    assert chosen.locator("option:checked").inner_text() == "Demo Fact Desk"
    assert_accessible(page, "add an article, two organizations")
    page.screenshot(path=ARTIFACTS / "organizations-add-article.png", full_page=True)

    _paste(page, "Council budget")

    assert Article.objects.get(title="Council budget").organization == two_desks["demo"]
    assert page.errors == []


def test_the_add_an_article_form_sends_it_to_the_organization_picked_there(
    browser, live_server, two_desks
):
    page = open_page(browser, live_server, "other-editor")
    page.goto(f"{live_server.url}/articles/new/")
    page.wait_for_selector("html[data-import-ready=true]")

    page.locator("main").get_by_label("Organization").select_option(label="Demo Fact Desk")
    _paste(page, "Picked on the form")

    assert Article.objects.get(title="Picked on the form").organization == two_desks["demo"]
    # The new article opens in its workspace, and working on it is working at its desk: the
    # header says so, and the desk lists it.
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert page.locator(".site-header").get_by_label("Working in").input_value() == "demo-fact-desk"
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Your desk at Demo Fact Desk"
    assert page.get_by_text("Picked on the form").count() >= 1
    page.screenshot(path=ARTIFACTS / "organizations-header.png")


def test_the_switcher_fits_a_phone_screen(browser, live_server, two_desks):
    page = open_page(browser, live_server, "other-editor", viewport=(390, 844))

    switcher = page.locator(".site-header").get_by_label("Working in")
    assert switcher.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=ARTIFACTS / "organizations-phone.png")


@pytest.mark.parametrize("width", [1280, 1024, 800])
def test_a_crowded_header_keeps_every_link_whole(browser, live_server, two_desks, width):
    """A long newsroom name and an admin's extra links broke "API tokens" and "Sign out"
    over two lines and squeezed the Switch button against "Articles"."""
    long_name = "The Northern Regional Investigative Fact-Checking Collective"
    services.organization_update(organization=two_desks["other"], actor=SYSTEM, name=long_name)
    editor = Membership.objects.get(user__username="other-editor", organization=two_desks["other"])
    services.membership_set(
        organization=two_desks["other"], user=editor.user, role="admin", actor=SYSTEM
    )
    page = open_page(browser, live_server, "other-editor", viewport=(width, 800))
    header = page.locator(".site-header")
    pieces = header.locator("nav > a, .brand, .organization-switcher label")
    for piece in pieces.all():
        lines = piece.evaluate("(node) => node.getClientRects().length")
        assert lines == 1, piece.inner_text()
        box = piece.bounding_box()
        assert box["height"] < 40 and box["x"] + box["width"] <= width, piece.inner_text()
    switch = header.get_by_role("button", name="Switch").bounding_box()
    articles = header.get_by_role("link", name="Articles").bounding_box()
    beside = abs(switch["y"] - articles["y"]) < switch["height"]
    assert not beside or articles["x"] - (switch["x"] + switch["width"]) >= 8
    page.screenshot(path=str(ARTIFACTS / f"header-crowded-{width}.png"))
    assert page.errors == []
