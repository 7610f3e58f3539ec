"""Retraining the claim spotter from the organization settings, in Chromium, with a worker."""

import pytest

from annotations import permissions, services
from annotations.models import Job, Membership, SpotterModel
from tests import factories
from tests.browser_support import ARTIFACTS, assert_accessible, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RETRAIN = "Retrain with our labels"
# A slice of the public transcripts keeps the worker's training to seconds.
WORKER_ENV = {"FACTCHECK_SPOTTER_PUBLIC_LIMIT": "4"}


def _labelled_newsroom(settings):
    """An organization whose editor claimed a tax sentence and dismissed a crowd one, 3 times."""
    settings.FACTCHECK_SPOTTING_MIN_STORED = 0.0  # store every sentence, to label them all
    organization = factories.OrganizationFactory(name="Deadline Desk")
    factories.member(organization, Membership.Role.ADMIN, username="ada")
    editor = factories.member(organization, Membership.Role.EDITOR, username="ed")
    for i in range(3):
        text = (
            f"Story {i} opens here.\n\n"
            f"The city council raised the parking tax by {i + 2} percent last spring.\n\n"
            f"Over {i + 3}0,000 fans attended the concert in the park on Sunday."
        )
        article = factories.article(organization, editor, text=text, title=f"Story {i}")
        services.suggestions_refresh(article=article, actor=permissions.SYSTEM)
        for suggestion in article.suggestions.all():
            if "fans attended" in suggestion.sentence:
                services.suggestion_dismiss(suggestion=suggestion, actor=editor)
            elif "parking tax" in suggestion.sentence:
                services.suggestion_accept(suggestion=suggestion, actor=editor)
    return organization


def test_an_admin_retrains_from_the_settings_and_reads_the_report_without_reloading(
    browser, live_server, start_celery_worker, settings
):
    organization = _labelled_newsroom(settings)
    page = open_page(browser, live_server, "ada")
    page.goto(f"{live_server.url}/settings/organizations/{organization.slug}/")
    settings_nav = page.get_by_role("navigation", name=f"Settings of {organization.name}")
    settings_nav.get_by_role("link", name="Claim spotter").click()
    page.wait_for_selector("html[data-spotter-idle=true]")
    assert "No retraining yet" in page.locator("#spotter-runs").inner_text()
    assert "3 dismissed suggestions" in page.locator("main").inner_text()

    # A double click queues one training: the page disables the button, the server refuses
    # a second request while one trains.
    button = page.get_by_role("button", name=RETRAIN)
    with page.expect_navigation():
        button.dblclick()
    page.wait_for_selector(".spotter-form[data-training=true]")
    assert SpotterModel.objects.filter(organization=organization).count() == 1
    assert Job.objects.filter(kind="spotter_train").count() == 1
    assert button.is_disabled()
    # No worker is running yet: the page says what the training waits for.
    status = page.locator("#retrain-status")
    assert "Waiting for a worker" in status.inner_text()
    page.screenshot(path=str(ARTIFACTS / "spotter-waiting.png"))

    page.evaluate("window.sameDocument = true")
    start_celery_worker(WORKER_ENV)
    page.wait_for_selector("html[data-spotter-idle=true]", timeout=180_000)
    assert page.evaluate("window.sameDocument") is True  # the page updated itself

    row = SpotterModel.objects.get(organization=organization)
    assert row.state in (SpotterModel.State.KEPT, SpotterModel.State.REJECTED)
    report = row.report
    latest = page.locator("#spotter-latest").inner_text()
    for when in ("before", "after"):
        assert str(report[when]["test_map"]) in latest
    assert report["message"] in latest and report["message"] in status.inner_text()
    assert "6 newsroom labels (3 worth checking, 3 dismissed) in 3 articles" in latest
    assert button.is_enabled()
    in_use = page.locator("#spotter-in-use").inner_text()
    if row.state == SpotterModel.State.KEPT:
        assert "this organization's own model" in in_use
    else:
        assert "the shipped model" in in_use
    page.screenshot(path=str(ARTIFACTS / "spotter-report.png"), full_page=True)
    assert_accessible(page, "claim spotter page with a report")
    assert page.errors == []


def test_the_spotter_page_and_its_status_are_refused_to_an_editor(browser, live_server, settings):
    organization = _labelled_newsroom(settings)
    page = open_page(browser, live_server, "ed")
    nav = page.get_by_role("navigation", name="Account")
    assert nav.get_by_role("link", name="Settings").count() == 0
    for path in ("", "status/"):
        response = page.goto(
            f"{live_server.url}/settings/organizations/{organization.slug}/spotter/{path}"
        )
        assert response.status == 403
    assert not SpotterModel.objects.exists()
