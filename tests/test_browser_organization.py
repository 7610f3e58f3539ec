"""Organization pages in a real Chromium: search and rating filters without JavaScript, axe."""

import pytest

from annotations import services
from annotations.models import Membership
from tests import factories, published_world
from tests.browser_support import ARTIFACTS, assert_accessible, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(db):
    organization = factories.OrganizationFactory(name="Deadline Desk", url="https://desk.example/")
    editor = factories.member(organization, Membership.Role.EDITOR, username="ed")
    reviewer = factories.member(organization, Membership.Role.REVIEWER, username="rev")
    admin = factories.member(organization, Membership.Role.ADMIN, username="ada")
    world = published_world.build(organization, editor, reviewer)
    services.organization_update(
        organization=organization,
        actor=admin,
        methodology="### How we choose\n\nWe check claims that **spread widely**.\n\n"
        "- We ask the claimant\n- We cite every source",
    )
    return {"organization": organization, **world}


def reader(browser, viewport=(1280, 800), **options):
    """An anonymous browser page: no cookies, JavaScript on unless told otherwise."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, **options)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def shown_claims(page) -> list[str]:
    return page.locator(".fact-check .entry-claim").all_inner_texts()


def test_reader_finds_a_newsroom_from_the_front_page_and_filters_its_fact_checks(
    browser, live_server, desk
):
    # The filters are a plain GET form: they work with JavaScript off.
    page = reader(browser, java_script_enabled=False)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Deadline Desk").click()
    page.wait_for_url(f"{live_server.url}/o/{desk['organization'].slug}/")
    assert len(shown_claims(page)) == 3

    page.get_by_label("Search claims, claimants and articles").fill("median")
    page.get_by_label("Search claims, claimants and articles").press("Enter")
    page.wait_for_url("**/?q=median*")
    assert shown_claims(page) == [published_world.SENTENCES["corrected"]]
    assert "1 fact-check found for “median”" in page.locator(".result-count").inner_text()

    page.get_by_role("link", name="Show all").click()
    page.get_by_label("Rating").select_option("Mostly true")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**rating=Mostly+true*")
    assert sorted(shown_claims(page)) == sorted(
        published_world.SENTENCES[key] for key in ("published", "working_copy")
    )
    assert page.get_by_label("Rating").input_value() == "Mostly true"
    chips = page.locator(".fact-check .chip").all_inner_texts()
    assert chips == ["Mostly true", "Mostly true"]
    page.locator(".fact-check .entry-claim a").first.click()
    page.wait_for_url("**/c/*/")


def test_front_page_and_organization_page_pass_axe(browser, live_server, desk):
    page = reader(browser)
    page.goto(f"{live_server.url}/")
    assert_accessible(page, "front page")
    page.screenshot(path=str(ARTIFACTS / "front-page-anonymous.png"))
    slug = desk["organization"].slug
    page.goto(f"{live_server.url}/o/{slug}/")
    assert_accessible(page, "organization page")
    page.screenshot(path=str(ARTIFACTS / "organization-desktop.png"), full_page=True)
    page.goto(f"{live_server.url}/o/{slug}/?q=zebra&rating=False")
    assert page.get_by_text("No fact-check matches.").is_visible()
    assert_accessible(page, "organization page without results")
    assert page.errors == []


def test_corrections_and_methodology_read_well_on_a_phone(browser, live_server, desk):
    page = reader(browser, viewport=(390, 844))
    slug = desk["organization"].slug
    page.goto(f"{live_server.url}/o/{slug}/")
    page.get_by_role("link", name="Corrections").first.click()
    page.wait_for_url(f"{live_server.url}/o/{slug}/corrections/")
    entries = page.locator(".correction-entry")
    assert entries.count() == 2
    assert "Retraction" in entries.nth(0).inner_text()
    assert "Rating changed from Mostly true to False" in entries.nth(1).inner_text()
    assert_accessible(page, "corrections page")
    page.screenshot(path=str(ARTIFACTS / "organization-corrections-phone.png"), full_page=True)

    page.get_by_role("link", name="How we check and rate claims").first.click()
    page.wait_for_url(f"{live_server.url}/o/{slug}/methodology/")
    assert page.get_by_role("heading", name="How we choose").is_visible()
    assert page.locator(".methodology li").count() == 2
    assert_accessible(page, "methodology page")
    page.screenshot(path=str(ARTIFACTS / "organization-methodology-phone.png"), full_page=True)
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == []


def test_admin_writes_the_methodology_and_readers_see_it(browser, live_server, desk):
    page = open_page(browser, live_server, "ada")
    slug = desk["organization"].slug
    page.goto(f"{live_server.url}/members/")
    page.get_by_role("link", name="Organization settings and public methodology").click()
    page.wait_for_url(f"{live_server.url}/settings/organizations/{slug}/")
    assert page.get_by_label("Two-person review").is_checked()
    assert_accessible(page, "organization settings")
    page.get_by_label("Methodology").fill("## Ratings\n\nWe use **seven** ratings.")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url(f"{live_server.url}/settings/organizations/{slug}/")
    assert page.get_by_text("Settings saved.").is_visible()
    page.screenshot(path=str(ARTIFACTS / "organization-settings.png"), full_page=True)

    public = reader(browser)
    public.goto(f"{live_server.url}/o/{slug}/methodology/")
    assert public.locator(".methodology strong").inner_text() == "seven"
