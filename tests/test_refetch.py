"""Fetch again: an editor asks for a cited source to be fetched anew through the newsroom API."""

# The snapshot jobs run here through `jobs.run`, in this process, against pages served on
# loopback; tests/test_browser_sources.py runs them in a real worker behind the claim card.

import pytest
from django.utils import timezone

from annotations import jobs, services
from annotations.evidence import archive_tasks
from annotations.models import Claim, Job, Membership, Source
from tests import factories

assert archive_tasks.snapshot_source  # declares the snapshot jobs in this process
QUOTE = "Over 160,000 people listened in at once"
PAGE = "<html><head><title>A record Space</title></head><body><p>Over 160,000.</p></body></html>"


@pytest.fixture
def fetch_settings(settings, tmp_path):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FACTCHECK_WAYBACK_ENABLED = False
    return settings


@pytest.fixture
def claim(article, editor):
    return services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )


@pytest.fixture
def failed_source(fetch_settings, loopback_pages, claim, editor):
    """A cited source whose first fetch got a 404 (a failure not worth retrying)."""
    loopback_pages.expect_oneshot_request("/record").respond_with_data("gone", status=404)
    source = services.source_add(claim=claim, actor=editor, url=loopback_pages.url_for("/record"))
    assert _run_snapshot(source) == Job.State.FAILED
    source.refresh_from_db()
    assert source.fetch_state == Source.FetchState.FAILED
    return source


def _snapshot_jobs(source) -> list[Job]:
    return list(Job.objects.filter(kind="snapshot", subject_id=source.pk).order_by("id"))


def _run_snapshot(source) -> str:
    return jobs.run("snapshot", _snapshot_jobs(source)[-1].pk)


def _fetch_url(source) -> str:
    return f"/api/v1/newsroom/claims/{source.claim_id}/sources/{source.pk}/fetch/"


def test_fetching_a_failed_source_again_queues_a_job_and_the_new_fetch_archives_it(
    client, failed_source, editor, loopback_pages
):
    version = Claim.objects.get(pk=failed_source.claim_id).version
    client.force_login(editor)

    response = client.post(_fetch_url(failed_source))

    assert response.status_code == 202
    body = response.json()
    assert body["queued"] is True
    assert (body["source"]["id"], body["source"]["fetch_state"]) == (failed_source.pk, "pending")
    first, again = _snapshot_jobs(failed_source)
    assert first.state == Job.State.FAILED
    assert (again.state, again.arguments) == (Job.State.QUEUED, {"again": True})
    # The site is back: the queued fetch archives the page.
    loopback_pages.expect_oneshot_request("/record").respond_with_data(
        PAGE, content_type="text/html"
    )
    assert _run_snapshot(failed_source) == Job.State.DONE
    failed_source.refresh_from_db()
    assert failed_source.fetch_state == Source.FetchState.FETCHED
    assert failed_source.snapshots.count() == 1
    # A fetch describes the page, not what the newsroom says: the working copy is unchanged.
    assert Claim.objects.get(pk=failed_source.claim_id).version == version


@pytest.mark.parametrize("job_state", [Job.State.QUEUED, Job.State.RUNNING])
def test_asking_again_while_a_fetch_is_queued_or_running_queues_nothing_new(
    client, failed_source, editor, job_state
):
    client.force_login(editor)
    assert client.post(_fetch_url(failed_source)).status_code == 202
    pending = _snapshot_jobs(failed_source)[-1]
    Job.objects.filter(pk=pending.pk).update(state=job_state, started_at=timezone.now())

    repeated = client.post(_fetch_url(failed_source))

    assert repeated.status_code == 200
    assert repeated.json()["queued"] is False
    assert "already queued or running" in repeated.json()["detail"]
    assert len(_snapshot_jobs(failed_source)) == 2


def test_a_source_whose_fetch_finished_may_be_fetched_again(
    client, fetch_settings, loopback_pages, claim, editor
):
    loopback_pages.expect_request("/record").respond_with_data(PAGE, content_type="text/html")
    source = services.source_add(claim=claim, actor=editor, url=loopback_pages.url_for("/record"))
    assert _run_snapshot(source) == Job.State.DONE
    client.force_login(editor)

    assert client.post(_fetch_url(source)).status_code == 202
    assert _run_snapshot(source) == Job.State.DONE

    assert source.snapshots.count() == 2  # the first snapshot is kept, a newer one added
    assert len(loopback_pages.log) == 2


def test_every_member_who_edits_may_ask_and_reviewers_are_among_them(
    client, failed_source, reviewer
):
    client.force_login(reviewer)
    assert client.post(_fetch_url(failed_source)).status_code == 202


def test_outsiders_and_anonymous_visitors_cannot_ask_and_nothing_is_queued(
    client, failed_source, editor
):
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.EDITOR)

    anonymous = client.post(_fetch_url(failed_source))
    client.force_login(outsider)
    elsewhere = client.post(_fetch_url(failed_source))
    client.force_login(editor)
    allowed = client.get(f"/api/v1/newsroom/claims/{failed_source.claim_id}/")

    assert anonymous.status_code in (401, 403)
    assert anonymous["Content-Type"] == "application/problem+json"
    assert elsewhere.status_code == 404  # another newsroom's claim is not even there
    assert allowed.status_code == 200  # the same claim, seen by its own editor
    assert len(_snapshot_jobs(failed_source)) == 1
    assert Source.objects.get(pk=failed_source.pk).fetch_state == Source.FetchState.FAILED


def test_a_source_of_another_claim_is_not_found_under_this_one(
    client, failed_source, article, editor
):
    other = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "160,000 people"),
    )
    client.force_login(editor)

    response = client.post(f"/api/v1/newsroom/claims/{other.pk}/sources/{failed_source.pk}/fetch/")

    assert response.status_code == 404
    assert len(_snapshot_jobs(failed_source)) == 1
