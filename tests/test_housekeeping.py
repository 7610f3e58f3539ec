"""Finished background history is deleted after its retention; what is current stays."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from annotations import services, tasks
from annotations.api.evidence import evidence_data
from annotations.models import EvidenceItem, EvidenceRequest, Job, Membership, WebhookDelivery
from annotations.permissions import SYSTEM
from tests import factories

DAYS = 30


@pytest.fixture
def retention(settings):
    settings.FACTCHECK_HISTORY_DAYS = DAYS
    return timezone.now() - timedelta(days=DAYS)


def _job(state, *, ended_days_ago, kind="import"):
    ended = timezone.now() - timedelta(days=ended_days_ago)
    job = Job.objects.create(kind=kind, subject_id=1, state=state)
    Job.objects.filter(pk=job.pk).update(
        created_at=ended,
        started_at=ended,
        finished_at=ended if state in ("done", "failed") else None,
    )
    return job


def test_finished_jobs_past_retention_go_and_every_other_job_stays(db, retention):
    old_done = _job(Job.State.DONE, ended_days_ago=DAYS + 1)
    old_failed = _job(Job.State.FAILED, ended_days_ago=DAYS + 5)
    recent_done = _job(Job.State.DONE, ended_days_ago=DAYS - 1)
    # Queued or running for weeks (a retry far off, a lease not yet run out): still work.
    old_queued = _job(Job.State.QUEUED, ended_days_ago=DAYS + 10)
    old_running = _job(Job.State.RUNNING, ended_days_ago=DAYS + 10)

    report = services.history_prune(actor=SYSTEM)

    assert report.jobs == 2
    left = set(Job.objects.values_list("pk", flat=True))
    assert left == {recent_done.pk, old_queued.pk, old_running.pk}
    assert old_done.pk not in left and old_failed.pk not in left


def test_pruning_deletes_a_backlog_larger_than_one_batch(db, retention):
    for _ in range(7):
        _job(Job.State.DONE, ended_days_ago=DAYS + 2)
    report = services.history_prune(actor=SYSTEM, batch=3)
    assert report.jobs == 7
    assert not Job.objects.exists()


def test_only_the_system_prunes(db, retention):
    organization = factories.OrganizationFactory()
    admin = factories.member(organization, Membership.Role.ADMIN)
    job = _job(Job.State.DONE, ended_days_ago=DAYS + 1)
    with pytest.raises(PermissionDenied):
        services.history_prune(actor=admin)
    assert Job.objects.filter(pk=job.pk).exists()


def test_finished_webhook_deliveries_go_and_pending_ones_stay(db, retention, settings):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    organization = factories.OrganizationFactory()
    admin = factories.member(organization, Membership.Role.ADMIN)
    endpoint, _ = services.webhook_register(
        actor=admin,
        organization=organization,
        url="http://127.0.0.1:9/hook",
        events=["claim.published"],
    )
    long_ago = timezone.now() - timedelta(days=DAYS + 3)
    lately = timezone.now() - timedelta(days=1)

    def delivery(name, state, **times):
        return WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type="claim.published",
            message_id=f"msg_{name}",
            payload={},
            state=state,
            **times,
        )

    delivered_long_ago = delivery("a", "delivered", delivered_at=long_ago, last_attempt_at=long_ago)
    failed_long_ago = delivery("b", "failed", last_attempt_at=long_ago)
    delivered_lately = delivery("c", "delivered", delivered_at=lately, last_attempt_at=lately)
    # Waiting for its next attempt, its first one long ago: still on its way.
    pending = delivery("d", "pending", last_attempt_at=long_ago)
    # Failed before any attempt (its webhook switched off): aged by its creation.
    never_tried = delivery("e", "failed")
    WebhookDelivery.objects.filter(pk=never_tried.pk).update(created_at=long_ago)
    never_tried_lately = delivery("f", "failed")

    report = services.history_prune(actor=SYSTEM)

    assert report.webhook_deliveries == 3
    left = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert left == {delivered_lately.pk, pending.pk, never_tried_lately.pk}
    assert not {delivered_long_ago.pk, failed_long_ago.pk} & left


def test_only_replaced_evidence_searches_go_and_their_items_stay_in_the_panel(db, retention):
    organization = factories.OrganizationFactory()
    editor = factories.member(organization, Membership.Role.EDITOR)
    article = factories.article(organization, editor)
    claim = services.claim_create(
        creator=editor,
        article=article,
        selectors=factories.quote_selectors(article.text, "Over 160,000 people listened in"),
    )
    # Creating a claim asks the providers at once: those requests are recent, and stay.
    asked_at_creation = set(EvidenceRequest.objects.values_list("pk", flat=True))
    long_ago = timezone.now() - timedelta(days=DAYS + 2)

    def search(provider, state="done"):
        request = EvidenceRequest.objects.create(claim=claim, provider=provider, state=state)
        EvidenceRequest.objects.filter(pk=request.pk).update(created_at=long_ago)
        return request

    first = search("sources")
    item = EvidenceItem.objects.create(
        claim=claim,
        request=first,
        provider="sources",
        url="http://127.0.0.1:9/a",
        title="A page found by the first search",
        passage="Over 160,000 people listened in",
        score=0.9,
    )
    again = search("sources")  # "Search again": the panel shows this one
    only = search("factchecks", state="failed")  # the newest of its provider, though old

    report = services.history_prune(actor=SYSTEM)

    assert report.evidence_requests == 1
    kept = set(EvidenceRequest.objects.values_list("pk", flat=True))
    assert kept == asked_at_creation | {again.pk, only.pk}
    item.refresh_from_db()
    assert item.request_id is None
    shown = evidence_data(claim)
    assert [entry["id"] for entry in shown["items"]] == [item.pk]
    assert {"sources", "factchecks"} <= {entry["provider"] for entry in shown["requests"]}


def test_beat_runs_the_pruning_daily_through_its_task(db, retention):
    entry = django_settings.CELERY_BEAT_SCHEDULE["prune-history"]
    assert entry["task"] == tasks.prune_history.name
    # Daily at a time of day: an interval started again at every deployment (review R23).
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {17}
    _job(Job.State.DONE, ended_days_ago=DAYS + 1)
    assert tasks.prune_history.apply().get() == {
        "jobs": 1,
        "webhook_deliveries": 0,
        "evidence_requests": 0,
        "idempotency_keys": 0,
    }
    assert not Job.objects.exists()
