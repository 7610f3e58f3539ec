"""An admin registers a webhook and downloads the organization's claims, in Chromium."""

import csv
import io

import pytest

from annotations import jobs
from annotations.models import Job, Membership
from factcheck import localservers
from tests import factories
from tests.browser_support import ARTIFACTS, assert_accessible, open_page
from tests.test_webhooks import Receiver


@pytest.fixture
def desk(transactional_db, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{localservers.free_port()}/0"
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    organization = factories.OrganizationFactory(name="Deadline Desk")
    admin = factories.member(organization, Membership.Role.ADMIN, username="ada")
    editor = factories.member(organization, Membership.Role.EDITOR, username="ed")
    reviewer = factories.member(organization, Membership.Role.REVIEWER, username="rev")
    article = factories.article(organization, editor)
    receiver = Receiver()
    yield {
        "organization": organization, "admin": admin, "editor": editor, "reviewer": reviewer,
        "article": article, "receiver": receiver,
    }  # fmt: skip
    receiver.stop()


def test_admin_registers_a_webhook_and_sees_the_signed_delivery_in_the_log(
    browser, live_server, desk
):
    slug = desk["organization"].slug
    page = open_page(browser, live_server, "ada")
    page.goto(f"{live_server.url}/settings/organizations/{slug}/webhooks/")
    assert_accessible(page, "webhooks page, empty")
    page.get_by_label("Endpoint URL").fill(desk["receiver"].url)
    page.get_by_label("Description").fill("Our CMS")
    page.get_by_label("A claim is retracted").uncheck()
    page.get_by_role("button", name="Register webhook").click()
    secret = page.get_by_label("Signing secret").input_value()
    assert secret.startswith("whsec_")
    assert_accessible(page, "webhooks page, secret shown")
    page.screenshot(path=str(ARTIFACTS / "webhooks-registered.png"), full_page=True)

    claim = factories.published_claim(desk["article"], desk["editor"], desk["reviewer"])
    for job in Job.objects.filter(kind="webhook"):
        assert jobs.run("webhook", job.pk) == Job.State.DONE
    payload = desk["receiver"].verify(secret)
    assert (payload["type"], payload["data"]["claim_id"]) == ("claim.published", claim.pk)

    page.get_by_role("link", name="Open the webhook and its delivery log").click()
    row = page.locator("tbody tr").first
    assert "claim.published" in row.inner_text()
    assert "Delivered" in row.inner_text() and "204" in row.inner_text()
    assert " ms" in row.inner_text()
    assert secret not in page.content()
    assert_accessible(page, "webhook detail page")
    page.screenshot(path=str(ARTIFACTS / "webhooks-delivery-log.png"), full_page=True)
    assert page.errors == []


def test_admin_downloads_the_organizations_claims_as_csv(browser, live_server, desk, tmp_path):
    claim = factories.published_claim(desk["article"], desk["editor"], desk["reviewer"])
    slug = desk["organization"].slug
    page = open_page(browser, live_server, "ada")
    page.goto(f"{live_server.url}/settings/organizations/{slug}/export/")
    assert_accessible(page, "export page")
    page.screenshot(path=str(ARTIFACTS / "export-page.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Published claims (CSV)").click()
    assert download.value.suggested_filename.startswith(f"{slug}-claims-published-")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    # The file a person downloads starts with a byte order mark, for Excel.
    assert saved.read_bytes().startswith(b"\xef\xbb\xbfid,")
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert [(row["id"], row["rating"]) for row in rows] == [(str(claim.pk), "Mostly true")]
    assert rows[0]["claim_reviewed"] == claim.claim_reviewed
    assert page.errors == []


def test_a_webhook_address_of_two_thousand_characters_wraps_inside_the_page(
    browser, live_server, desk
):
    slug = desk["organization"].slug
    page = open_page(browser, live_server, "ada")
    list_url = f"{live_server.url}/settings/organizations/{slug}/webhooks/"
    page.goto(list_url)
    page.get_by_label("Endpoint URL").fill(f"{desk['receiver'].url}?{'x' * 1900}")
    page.get_by_role("button", name="Register webhook").click()
    page.get_by_label("Signing secret").wait_for()

    def overflow():
        # Measured once the stylesheet is in: before that, any long line overflows.
        page.wait_for_load_state("load")
        return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    assert overflow() <= 0
    page.goto(list_url)
    assert overflow() <= 0
    assert page.get_by_role("columnheader", name="State").is_visible()
    page.screenshot(path=str(ARTIFACTS / "webhooks-long-address.png"))
    page.locator("td.address a").click()
    page.locator("h1.address").wait_for()
    assert overflow() <= 0
