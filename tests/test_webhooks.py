"""Signed webhooks: claim events reach a loopback receiver that verifies them with the
Standard Webhooks library, retried for a day, never sent to an internal address."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug import Response

from annotations import jobs, services
from annotations.models import Claim, Job, Membership, Rating, WebhookDelivery, WebhookEndpoint
from annotations.webhooks import events, signing, tasks
from factcheck import localservers
from tests import factories
from tests.conftest import wait_for

WORKING_COPY_CANARY = "canary-unpublished-edit-41c7"


class Receiver:
    """A webhook receiver on a loopback address: answers from a script, keeps every request."""

    def __init__(self, host: str = "127.0.0.1"):
        self.server = HTTPServer(host=host, port=0, threaded=True)
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.server.expect_request("/hook").respond_with_handler(self._handle)
        self.server.start()

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}/hook"

    def _handle(self, request):
        self.requests.append({"headers": dict(request.headers), "body": request.get_data()})
        status = self.answers.pop(0) if self.answers else 204
        return Response("", status=status)

    def verify(self, secret: str, index: int = -1):
        """The request's payload, if its signature verifies with `secret` (else raises)."""
        request = self.requests[index]
        return Webhook(secret).verify(request["body"], request["headers"])

    def stop(self) -> None:
        self.server.clear()
        if self.server.is_running():
            self.server.stop()


@pytest.fixture
def receiver(settings):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def broker_down(settings):
    """Sends fail at once: these tests run each attempt themselves, in this process."""
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{localservers.free_port()}/0"


@pytest.fixture
def hook(org_admin, organization, receiver, broker_down):
    """An endpoint for every event, and its secret."""
    endpoint, secret = services.webhook_register(
        actor=org_admin, organization=organization, url=receiver.url, events=events.EVENT_NAMES
    )
    return endpoint, secret


def _deliver_all() -> list[str]:
    """Run one attempt of every queued webhook job; return their states."""
    return [
        jobs.run("webhook", job.pk)
        for job in Job.objects.filter(kind="webhook", state=Job.State.QUEUED).order_by("pk")
    ]


def _publish(article, editor, reviewer):
    return factories.published_claim(article, editor, reviewer)


def test_publishing_a_claim_sends_a_signed_event_the_receiver_verifies_with_the_library(
    hook, receiver, article, editor, reviewer
):
    _endpoint, secret = hook
    claim = _publish(article, editor, reviewer)
    assert _deliver_all() == [Job.State.DONE]

    payload = receiver.verify(secret)
    assert payload["type"] == "claim.published"
    assert payload["timestamp"].endswith("Z")
    data = payload["data"]
    assert data["claim_id"] == claim.pk
    assert data["permalink"].endswith(f"/c/{claim.pk}/")
    assert data["version"]["rating"]["label"] == "Mostly true"
    assert data["version"]["state"] == "published"
    assert "previous_rating" not in data
    headers = {k.lower(): v for k, v in receiver.requests[0]["headers"].items()}
    assert headers["content-type"] == "application/json"
    # The receiver's logs say what this is: a webhook delivery that takes a JSON answer.
    assert "webhook delivery" in headers["user-agent"]
    assert headers["accept"].startswith("application/json")
    assert headers["webhook-id"] == WebhookDelivery.objects.get().message_id
    assert headers["webhook-signature"].startswith("v1,")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.response_status, delivery.attempts) == ("delivered", 204, 1)
    assert delivery.response_ms is not None


def test_a_second_webhook_to_the_same_url_is_refused(hook, receiver, org_admin, organization):
    endpoint, _secret = hook
    for url in (receiver.url, f"  {receiver.url} "):
        with pytest.raises(ValidationError, match="registered already"):
            services.webhook_register(
                actor=org_admin, organization=organization, url=url, events=["claim.published"]
            )
    other, _ = services.webhook_register(
        actor=org_admin, organization=organization, url=f"{receiver.url}?desk=2",
        events=["claim.published"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="registered already"):
        services.webhook_update(actor=org_admin, endpoint=other, url=receiver.url)
    assert organization.webhook_endpoints.count() == 2
    # Saving an endpoint with its own URL is no duplicate.
    services.webhook_update(
        actor=org_admin, endpoint=endpoint, url=receiver.url, events=["claim.retracted"]
    )


def test_another_spelling_of_a_webhooks_url_is_the_same_receiver(
    hook, receiver, org_admin, organization
):
    """ "HTTP://127.0.0.1:…/hook" and ".../hook#x" were registered beside ".../hook": the
    receiver got every event twice."""
    host, port = receiver.server.host, receiver.server.port
    for spelling in (f"HTTP://{host}:{port}/hook", f"{receiver.url}#events", f"{receiver.url}#"):
        with pytest.raises(ValidationError, match="registered already"):
            services.webhook_register(
                actor=org_admin, organization=organization, url=spelling, events=["claim.published"]
            )
    assert organization.webhook_endpoints.count() == 1
    other, _ = services.webhook_register(
        actor=org_admin, organization=organization, url=f"HTTP://{host}:{port}/Hook#top",
        events=["claim.published"],
    )  # fmt: skip
    # Stored as it is sent: the path keeps its case, the fragment (never sent) goes.
    assert other.url == f"http://{host}:{port}/Hook"


def test_two_admins_editing_one_webhook_keep_each_others_changes(hook, org_admin, organization):
    """A tab opened earlier saved its description and switched the webhook back on, undoing
    the other admin's "off" without a word."""
    endpoint, _secret = hook
    client = Client()
    client.force_login(org_admin)
    detail = reverse("organization-webhook", args=[organization.slug, endpoint.pk])
    stale = client.get(detail).context["form"]
    stale_post = {
        "action": "update", "url": endpoint.url, "events": list(endpoint.events),
        "is_active": "on", "loaded": stale["loaded"].value(),
    }  # fmt: skip
    # The other admin switches it off and narrows its events.
    services.webhook_update(
        actor=org_admin, endpoint=endpoint, is_active=False, events=["claim.published"]
    )
    saved = client.post(detail, {**stale_post, "description": "CMS sync"})
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.is_active, endpoint.events) == (
        "CMS sync", False, ["claim.published"],
    )  # fmt: skip
    # Both change the description: stopped and shown, nothing saved, theirs named.
    services.webhook_update(actor=org_admin, endpoint=endpoint, description="Theirs")
    stopped = client.post(detail, {**stale_post, "description": "Mine"})
    assert stopped.status_code == 400
    page = stopped.content.decode()
    assert "Someone else changed this since you opened the page" in page and "Theirs" in page
    endpoint.refresh_from_db()
    assert endpoint.description == "Theirs"
    form = stopped.context["form"]
    assert form["description"].value() == "Mine" and form["is_active"].value() is False
    # Saving the stopped form again keeps the user's description and the others' changes.
    again = {
        "action": "update", "url": endpoint.url, "events": ["claim.published"],
        "description": "Mine", "loaded": form["loaded"].value(),
    }  # fmt: skip
    assert client.post(detail, again).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.is_active) == ("Mine", False)
    # Events merge box by box: one admin ticks one, the other another; both stay ticked.
    loaded = client.get(detail).context["form"]["loaded"].value()
    services.webhook_update(
        actor=org_admin, endpoint=endpoint, events=["claim.published", "claim.orphaned"]
    )
    ticked = {
        "action": "update", "url": endpoint.url, "description": "Mine", "loaded": loaded,
        "events": ["claim.published", "claim.retracted"],
    }  # fmt: skip
    assert client.post(detail, ticked).status_code == 302
    endpoint.refresh_from_db()
    assert set(endpoint.events) == {"claim.published", "claim.orphaned", "claim.retracted"}


def test_a_tampered_body_or_another_secret_fails_verification(
    hook, receiver, article, editor, reviewer
):
    _endpoint, secret = hook
    _publish(article, editor, reviewer)
    _deliver_all()
    request = receiver.requests[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request["body"].replace(b"Mostly true", b"True"), request["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(request["body"], request["headers"])


def test_an_event_never_carries_the_working_copy(hook, receiver, article, editor, reviewer):
    claim = _publish(article, editor, reviewer)
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, conclusion=WORKING_COPY_CANARY
    )
    services.claim_transition(
        claim=Claim.objects.get(pk=claim.pk), actor=editor, to_status="in_review"
    )
    rating = Rating.objects.get(scale__organization=article.organization, label="False")
    services.claim_update(
        claim=Claim.objects.get(pk=claim.pk), actor=editor, expected_version=None, rating=rating
    )
    _deliver_all()
    assert len(receiver.requests) == 1  # the first publication only: nothing was republished
    assert WORKING_COPY_CANARY.encode() not in receiver.requests[0]["body"]


def test_republishing_with_a_new_rating_sends_a_correction_with_the_previous_rating(
    hook, receiver, article, editor, reviewer
):
    _endpoint, secret = hook
    claim = _publish(article, editor, reviewer)
    rating = Rating.objects.get(scale__organization=article.organization, label="False")
    claim = services.claim_update(claim=claim, actor=editor, expected_version=None, rating=rating)
    claim = services.claim_transition(claim=claim, actor=editor, to_status="in_review")
    services.claim_transition(
        claim=claim, actor=reviewer, to_status="published", note="The record was not broken."
    )
    _deliver_all()
    payloads = [receiver.verify(secret, i) for i in range(len(receiver.requests))]
    assert [p["type"] for p in payloads] == ["claim.published", "claim.corrected"]
    correction = payloads[1]["data"]
    assert correction["previous_rating"] == "Mostly true"
    assert correction["version"]["rating"]["label"] == "False"
    assert correction["version"]["correction_note"] == "The record was not broken."


def test_republishing_after_a_rating_was_only_renamed_is_a_correction_of_the_same_verdict(
    hook, receiver, article, editor, reviewer, org_admin
):
    _endpoint, secret = hook
    claim = _publish(article, editor, reviewer)
    rating = Rating.objects.get(scale__organization=article.organization, label="Mostly true")
    rating.label = "Largely true"
    services.rating_save(rating=rating, actor=org_admin)
    claim = services.claim_transition(claim=claim, actor=reviewer, to_status="in_review")
    services.claim_transition(claim=claim, actor=reviewer, to_status="published", note="Renamed.")
    _deliver_all()
    payloads = [receiver.verify(secret, i) for i in range(len(receiver.requests))]
    assert [p["type"] for p in payloads] == ["claim.published", "claim.corrected"]
    assert payloads[0]["data"]["version"]["rating"]["label"] == "Mostly true"
    correction = payloads[1]["data"]
    assert "previous_rating" not in correction  # no verdict changed
    assert correction["version"]["rating"]["label"] == "Largely true"


def test_retracting_sends_claim_retracted_and_orphaning_sends_claim_orphaned(
    hook, receiver, article, editor, reviewer
):
    _endpoint, secret = hook
    retracted = _publish(article, editor, reviewer)
    services.claim_transition(
        claim=retracted, actor=reviewer, to_status="retracted", note="Wrong article."
    )
    orphan = factories.published_claim(
        article, editor, reviewer, quote="median age is only 22.8 years"
    )
    services.article_update_text(
        article=article,
        actor=editor,
        text=article.text.replace("median age is only 22.8 years", ""),
    )
    factories.text_shown_to_readers(article)
    _deliver_all()
    payloads = [receiver.verify(secret, i) for i in range(len(receiver.requests))]
    kinds = [(p["type"], p["data"]["claim_id"]) for p in payloads]
    assert kinds == [
        ("claim.published", retracted.pk),
        ("claim.retracted", retracted.pk),
        ("claim.published", orphan.pk),
        ("claim.orphaned", orphan.pk),
    ]
    assert payloads[1]["data"]["version"]["retraction_note"] == "Wrong article."
    orphaned = payloads[3]["data"]
    assert orphaned["reason"].startswith("Not found in the article's new text: ")
    # The version as the public API shows it now: suspended, with nothing left to show.
    assert orphaned["version"]["state"] == "suspended" and orphaned["version"]["url"] is None
    assert orphaned["permalink"] is None  # no page to link while readers cannot see it
    assert "rating" not in orphaned["version"]


def test_a_published_claim_hidden_because_its_words_changed_sends_claim_orphaned_once(
    hook, receiver, article, editor, reviewer, client
):
    _endpoint, secret = hook
    claim = factories.published_claim(article, editor, reviewer)  # "…people listened in…"
    # A typo: the claim follows its words, but readers were shown other words.
    services.article_update_text(
        article=article, actor=editor, text=article.text.replace("listened in", "listend in")
    )
    factories.text_shown_to_readers(article)
    claim.refresh_from_db()
    assert claim.anchor_state == "anchored" and "listend" in claim.exact
    # The words moved with an edit elsewhere do not hide it, nor send anything more.
    services.article_update_text(article=article, actor=editor, text="New lead.\n\n" + article.text)
    factories.text_shown_to_readers(article)
    _deliver_all()

    payloads = [receiver.verify(secret, i) for i in range(len(receiver.requests))]
    assert [(p["type"], p["data"]["claim_id"]) for p in payloads] == [
        ("claim.published", claim.pk),
        ("claim.orphaned", claim.pk),
    ]
    assert payloads[1]["data"]["reason"] == "The claim's words changed in the article's new text."
    assert payloads[1]["data"]["version"]["state"] == "suspended"
    # What the receiver is told matches what readers now get.
    assert client.get(f"/c/{claim.pk}/").status_code == 404


def test_events_go_only_to_active_subscribed_endpoints_of_the_claims_organization(
    hook, receiver, organization, org_admin, article, editor, reviewer
):
    services.webhook_register(
        actor=org_admin, organization=organization, url=f"{receiver.url}?retracted",
        events=["claim.retracted"],
    )  # fmt: skip
    off, _ = services.webhook_register(
        actor=org_admin, organization=organization, url=f"{receiver.url}?off",
        events=["claim.published"],
    )  # fmt: skip
    services.webhook_update(actor=org_admin, endpoint=off, is_active=False)
    elsewhere = factories.OrganizationFactory()
    other_admin = factories.member(elsewhere, Membership.Role.ADMIN)
    services.webhook_register(
        actor=other_admin, organization=elsewhere, url=receiver.url, events=["claim.published"]
    )
    _publish(article, editor, reviewer)
    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [hook[0].pk]


def test_a_receiver_answering_500_gets_the_event_again_on_the_schedule_until_it_takes_it(
    hook, receiver, article, editor, reviewer, settings
):
    settings.FACTCHECK_WEBHOOK_RETRY_DELAYS = [5, 300, 1800]
    _endpoint, secret = hook
    receiver.answers = [500, 500]
    _publish(article, editor, reviewer)
    job = Job.objects.get(kind="webhook")
    assert job.max_attempts == 4

    waits = []
    for _ in range(2):
        before = timezone.now()
        assert jobs.run("webhook", job.pk) == Job.State.QUEUED
        job.refresh_from_db()
        waits.append(round((job.run_after - before).total_seconds()))
        assert "500" in job.last_error
    assert waits == [5, 300]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.response_status, delivery.attempts) == ("pending", 500, 2)

    assert jobs.run("webhook", job.pk) == Job.State.DONE
    delivery.refresh_from_db()
    assert (delivery.state, delivery.response_status, delivery.attempts) == ("delivered", 204, 3)
    ids = {request["headers"]["Webhook-Id"] for request in receiver.requests}
    assert ids == {delivery.message_id}  # one message, tried three times
    assert receiver.verify(secret)["type"] == "claim.published"
    assert WebhookEndpoint.objects.get().consecutive_failures == 0


def test_an_event_unticked_while_its_delivery_waits_is_not_sent_again(
    hook, receiver, article, editor, reviewer, org_admin, settings
):
    """Unticking an event stopped new deliveries, but a retry already waiting still went."""
    settings.FACTCHECK_WEBHOOK_RETRY_DELAYS = [5, 300]
    endpoint, secret = hook
    receiver.answers = [500]
    _publish(article, editor, reviewer)
    job = Job.objects.get(kind="webhook")
    assert jobs.run("webhook", job.pk) == Job.State.QUEUED
    services.webhook_update(actor=org_admin, endpoint=endpoint, events=["claim.retracted"])
    assert jobs.run("webhook", job.pk) == Job.State.FAILED
    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed"
    assert delivery.last_error == "the endpoint no longer subscribes to claim.published"
    with pytest.raises(ValidationError, match=r"no longer subscribes to claim\.published"):
        services.webhook_resend(actor=org_admin, delivery=delivery)
    # A test event is sent whatever the events chosen.
    services.webhook_send_test(actor=org_admin, endpoint=endpoint)
    _deliver_all()
    assert receiver.verify(secret)["type"] == "webhook.test"


def test_the_default_schedule_retries_for_about_a_day():
    from django.conf import settings

    delays = settings.FACTCHECK_WEBHOOK_RETRY_DELAYS
    assert 20 * 3600 <= sum(delays) <= 27 * 3600
    assert [tasks.retry_delay(n) for n in range(1, len(delays) + 1)] == [float(d) for d in delays]
    assert events.max_attempts() == len(delays) + 1


def test_a_wait_longer_than_the_broker_allows_is_left_to_the_sweeper(
    hook, receiver, article, editor, reviewer, settings
):
    settings.FACTCHECK_WEBHOOK_RETRY_DELAYS = [7200]
    receiver.answers = [503]
    _publish(article, editor, reviewer)
    job = Job.objects.get(kind="webhook")
    assert jobs.run("webhook", job.pk) == Job.State.QUEUED
    job.refresh_from_db()
    assert round((job.run_after - timezone.now()).total_seconds() / 60) == 120
    assert jobs.sweep().sent == 0  # not due: the sweeper leaves it alone
    Job.objects.filter(pk=job.pk).update(
        run_after=timezone.now() - timedelta(minutes=5),
        sent_at=timezone.now() - timedelta(hours=2),
    )
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    assert jobs.sweep().sent == 1


def test_an_endpoint_that_fails_all_day_is_disabled_and_its_admins_are_emailed(
    hook, receiver, article, editor, reviewer, org_admin, settings
):
    settings.FACTCHECK_WEBHOOK_RETRY_DELAYS = [5, 300]
    endpoint, _secret = hook
    receiver.answers = [503] * 10
    _publish(article, editor, reviewer)
    job = Job.objects.get(kind="webhook")
    states = [jobs.run("webhook", job.pk) for _ in range(3)]
    assert states == [Job.State.QUEUED, Job.State.QUEUED, Job.State.FAILED]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("failed", 3)
    assert delivery.last_error.startswith("gave up after 3 attempts")
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert "3 failed attempts in a row" in endpoint.disabled_reason


@pytest.mark.django_db(transaction=True)
def test_the_disabling_email_reaches_the_admins_once_the_failure_commits(
    organization, org_admin, editor, reviewer, receiver, broker_down, settings
):
    settings.FACTCHECK_WEBHOOK_RETRY_DELAYS = [1]
    services.webhook_register(
        actor=org_admin, organization=organization, url=receiver.url, events=["claim.published"]
    )
    receiver.answers = [500, 500]
    _publish(factories.article(organization, editor), editor, reviewer)
    job = Job.objects.get(kind="webhook")
    assert [jobs.run("webhook", job.pk) for _ in range(2)] == [Job.State.QUEUED, Job.State.FAILED]
    assert [message.to for message in mail.outbox] == [[org_admin.email]]
    assert "Webhook disabled" in mail.outbox[0].subject
    assert "/webhooks/" in mail.outbox[0].body
    # A disabled endpoint gets nothing more, and switching it back on clears its record.
    _publish(factories.article(organization, editor, title="Another"), editor, reviewer)
    assert WebhookDelivery.objects.count() == 1
    endpoint = WebhookEndpoint.objects.get()
    services.webhook_update(actor=org_admin, endpoint=endpoint, is_active=True)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures, endpoint.disabled_reason) == (
        True, 0, ""
    )  # fmt: skip


def test_a_receiver_on_a_refused_address_is_never_contacted(
    org_admin, organization, article, editor, reviewer, broker_down, settings
):
    inside = Receiver(host="127.0.0.2")
    try:
        # Registered while the operator allowed it; the allow-list was narrowed since.
        settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.2/32"]
        services.webhook_register(
            actor=org_admin, organization=organization, url=inside.url, events=["claim.published"]
        )
        settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
        _publish(article, editor, reviewer)
        assert _deliver_all() == [Job.State.FAILED]
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == "failed"
        assert delivery.attempts == 1  # refused is final: no retry
        assert "refused" in delivery.last_error
        assert inside.requests == []
        assert inside.server.log == []
    finally:
        inside.stop()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirecting_endpoint_is_not_followed_and_the_delivery_is_not_counted_delivered(
    hook, receiver, article, editor, reviewer, status
):
    """A followed 301-303 would GET the target without the body, and its 2xx would pass
    for a delivery; a followed 307/308 would carry the signature to another host."""
    inside = Receiver()  # allowed, and answering 2xx: only not following keeps it out
    try:
        receiver.server.clear()
        receiver.server.expect_request("/hook").respond_with_response(
            Response("", status=status, headers={"Location": inside.url})
        )
        _publish(article, editor, reviewer)
        assert _deliver_all() == [Job.State.QUEUED]  # tried again later, like any non-2xx
        delivery = WebhookDelivery.objects.get()
        assert delivery.state != WebhookDelivery.State.DELIVERED
        assert delivery.response_status == status
        assert "redirects are not followed" in delivery.last_error
        assert inside.url in delivery.last_error
        assert inside.server.log == []
    finally:
        inside.stop()


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/hook", "http://169.254.169.254/latest", "http://[::1]/hook",
     "http://10.1.2.3/hook", "http://localhost/hook", "ftp://example.org/hook"],
)  # fmt: skip
def test_registering_an_internal_or_non_http_url_is_refused(org_admin, organization, url):
    with pytest.raises(ValidationError) as refused:
        services.webhook_register(
            actor=org_admin, organization=organization, url=url, events=["claim.published"]
        )
    assert "url" in refused.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_a_replayed_delivery_is_rejected_by_its_timestamp(
    hook, receiver, article, editor, reviewer
):
    endpoint, secret = hook
    _publish(article, editor, reviewer)
    _deliver_all()
    captured = receiver.requests[0]
    assert receiver.verify(secret)  # fresh: accepted
    # The same message as it was signed six minutes ago: the library refuses it as too old...
    old = signing.headers(
        endpoint, captured["headers"]["Webhook-Id"], captured["body"],
        at=timezone.now() - timedelta(minutes=6),
    )  # fmt: skip
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(captured["body"], old)
    # ...and a replayer cannot freshen the timestamp without breaking the signature.
    freshened = {**old, "webhook-timestamp": captured["headers"]["Webhook-Timestamp"]}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(captured["body"], freshened)


def test_after_a_rotation_both_secrets_verify_until_the_grace_period_ends(
    hook, receiver, article, editor, reviewer, org_admin
):
    endpoint, old_secret = hook
    endpoint, new_secret = services.webhook_rotate_secret(actor=org_admin, endpoint=endpoint)
    assert new_secret != old_secret and new_secret.startswith("whsec_")
    assert endpoint.previous_secret_expires_at > timezone.now() + timedelta(hours=23)
    claim = _publish(article, editor, reviewer)
    _deliver_all()
    assert receiver.verify(old_secret)["data"]["claim_id"] == claim.pk
    assert receiver.verify(new_secret)["data"]["claim_id"] == claim.pk

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    services.claim_transition(
        claim=Claim.objects.get(pk=claim.pk), actor=reviewer, to_status="retracted", note="No."
    )
    _deliver_all()
    assert receiver.verify(new_secret)["type"] == "claim.retracted"
    with pytest.raises(WebhookVerificationError):
        receiver.verify(old_secret)


def test_resending_a_delivery_sends_the_same_message_again(
    hook, receiver, article, editor, reviewer, org_admin
):
    _publish(article, editor, reviewer)
    _deliver_all()
    delivery = WebhookDelivery.objects.get()
    services.webhook_resend(actor=org_admin, delivery=delivery)
    assert _deliver_all() == [Job.State.DONE]
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    assert receiver.requests[1]["headers"]["Webhook-Id"] == delivery.message_id
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 2)


def test_resending_a_delivery_waiting_to_retry_brings_its_retry_forward_once(
    hook, receiver, article, editor, reviewer, org_admin
):
    """Each Resend made a job of its own beside the retry already scheduled: three clicks,
    three jobs, and the receiver got the event three times in one second (trial G14)."""
    receiver.answers = [503]
    _publish(article, editor, reviewer)
    assert _deliver_all() == [Job.State.QUEUED]  # failed once, a retry scheduled
    delivery = WebhookDelivery.objects.get()
    [job] = Job.objects.filter(kind="webhook", subject_id=delivery.pk)
    assert job.run_after is not None

    for _click in range(3):
        services.webhook_resend(actor=org_admin, delivery=delivery)
    [job] = Job.objects.filter(kind="webhook", subject_id=delivery.pk)
    assert (job.state, job.run_after) == (Job.State.QUEUED, None)
    assert _deliver_all() == [Job.State.DONE]
    assert len(receiver.requests) == 2
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 2)

    # An attempt under way is not doubled either.
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
    with pytest.raises(ValidationError, match="being sent right now"):
        services.webhook_resend(actor=org_admin, delivery=delivery)
    assert Job.objects.filter(kind="webhook", subject_id=delivery.pk).count() == 1


def test_only_the_organizations_admins_manage_its_webhooks(hook, editor, reviewer, organization):
    endpoint, _secret = hook
    for person in (editor, reviewer):
        with pytest.raises(PermissionDenied):
            services.webhook_register(
                actor=person, organization=organization, url="https://example.org/hook",
                events=["claim.published"],
            )  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.webhook_rotate_secret(actor=person, endpoint=endpoint)
        with pytest.raises(PermissionDenied):
            services.webhook_delete(actor=person, endpoint=endpoint)
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.webhook_update(actor=outsider, endpoint=endpoint, description="mine")


# Pages


def test_the_webhooks_page_shows_a_new_secret_once_and_the_log_shows_each_attempt(
    org_admin, organization, receiver, broker_down, article, editor, reviewer
):
    client = Client()
    client.force_login(org_admin)
    page = reverse("organization-webhooks", args=[organization.slug])
    answer = client.post(
        page, {"url": receiver.url, "description": "CMS", "events": ["claim.published"]}
    )
    assert answer.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in answer.content.decode()
    again = client.get(page)
    assert receiver.url in again.content.decode()
    assert endpoint.secret not in again.content.decode()

    receiver.answers = [502]
    _publish(article, editor, reviewer)
    _deliver_all()
    detail = reverse("organization-webhook", args=[organization.slug, endpoint.pk])
    log = client.get(detail).content.decode()
    assert "claim.published" in log and "502" in log and " ms" in log
    assert endpoint.secret not in log
    # When the retry is due, not just "Pending".
    due = Job.objects.get(kind="webhook", state="queued").run_after
    assert f'Next attempt at <time datetime="{due.isoformat()}">' in log
    # Sent to the URL of then: after a change of URL, the log says where it went.
    assert WebhookDelivery.objects.get().last_attempt_url == receiver.url
    assert "Last sent to" not in log
    services.webhook_update(actor=org_admin, endpoint=endpoint, url=f"{receiver.url}?v=2")
    assert f"Last sent to {receiver.url}<" in client.get(detail).content.decode()
    services.webhook_update(actor=org_admin, endpoint=endpoint, url=receiver.url)

    delivery = WebhookDelivery.objects.get()
    resent = client.post(detail, {"action": "resend", "delivery": delivery.pk})
    assert resent.status_code == 302
    _deliver_all()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.response_status) == ("delivered", 204)

    rotated = client.post(detail, {"action": "rotate"}).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated and endpoint.previous_secret not in rotated
    assert client.post(detail, {"action": "delete"}).status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_sends_a_signed_test_event_from_the_page_and_a_failure_disables_nothing(
    hook, receiver, org_admin, editor, organization, settings
):
    endpoint, secret = hook
    client = Client()
    client.force_login(org_admin)
    detail = reverse("organization-webhook", args=[organization.slug, endpoint.pk])
    assert "Send a test event" in client.get(detail).content.decode()

    sent = client.post(detail, {"action": "test"}, follow=True)
    assert "Test event sent" in sent.content.decode()
    assert _deliver_all() == [Job.State.DONE]
    payload = receiver.verify(secret)
    assert payload["type"] == "webhook.test"
    assert payload["data"]["organization"]["slug"] == organization.slug
    assert "claim_id" not in payload["data"]
    assert "webhook.test" in client.get(detail).content.decode()

    # Tried once: a receiver still being set up fails it without the webhook being
    # switched off, however many failures came before.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=50)
    receiver.answers = [500]
    client.post(detail, {"action": "test"})
    assert _deliver_all() == [Job.State.FAILED]
    failed = WebhookDelivery.objects.filter(event_type="webhook.test").latest("pk")
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).is_active

    # Only the organization's admins may, and only to a webhook that is on.
    client.force_login(editor)
    assert client.post(detail, {"action": "test"}).status_code in (403, 404)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    client.force_login(org_admin)
    refused = client.post(detail, {"action": "test"})
    assert refused.status_code == 400
    assert WebhookDelivery.objects.filter(event_type="webhook.test").count() == 2


def test_an_internal_url_is_refused_on_the_page_with_the_reason(org_admin, organization):
    client = Client()
    client.force_login(org_admin)
    page = reverse("organization-webhooks", args=[organization.slug])
    answer = client.post(page, {"url": "http://169.254.169.254/", "events": ["claim.published"]})
    assert answer.status_code == 400
    assert "refused" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_webhook_and_export_pages_are_for_admins_only(organization, editor, org_admin):
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN)
    pages = [
        reverse("organization-webhooks", args=[organization.slug]),
        reverse("organization-export", args=[organization.slug]),
    ]
    for page in pages:
        for user, status in ((editor, 403), (outsider, 404), (org_admin, 200)):
            client = Client()
            client.force_login(user)
            assert client.get(page).status_code == status, (page, user)
        assert Client().get(page).status_code == 302  # to sign in


# A real worker


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_event_within_seconds_of_publishing(
    start_celery_worker, organization, org_admin, editor, reviewer, settings
):
    receiver = Receiver()
    try:
        settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
        _endpoint, secret = services.webhook_register(
            actor=org_admin, organization=organization, url=receiver.url,
            events=["claim.published"],
        )  # fmt: skip
        start_celery_worker({"FACTCHECK_FETCH_ALLOW": "127.0.0.1/32"})
        article = factories.article(organization, editor)
        claim = _publish(article, editor, reviewer)
        published = timezone.now()
        wait_for(lambda: receiver.requests, timeout=15, message="no delivery within 15 s")
        took = (timezone.now() - published).total_seconds()
        assert took < 10
        assert receiver.verify(secret)["data"]["claim_id"] == claim.pk
        wait_for(lambda: WebhookDelivery.objects.filter(state="delivered").exists(), timeout=10)
    finally:
        receiver.stop()


def test_an_attempt_cut_short_by_a_killed_worker_is_counted(
    receiver, org_admin, organization, article, editor, reviewer, start_celery_worker
):
    import signal
    import threading

    arrived, release = threading.Event(), threading.Event()

    def hang(request):
        arrived.set()
        release.wait(30)
        return Response("", status=204)

    receiver.server.clear()
    receiver.server.expect_request("/hook").respond_with_handler(hang)
    worker = start_celery_worker({"FACTCHECK_FETCH_ALLOW": "127.0.0.1"})
    services.webhook_register(
        actor=org_admin, organization=organization, url=receiver.url, events=events.EVENT_NAMES
    )
    _publish(article, editor, reviewer)
    assert arrived.wait(60), "the worker never sent the event"

    worker.send_signal(signal.SIGKILL)  # mid-send: the receiver may or may not act on it
    worker.wait(10)
    release.set()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert delivery.last_attempt_at is not None


def test_a_reanchoring_given_up_sends_claim_orphaned_with_the_claim_suspended(
    hook, receiver, article, editor, reviewer
):
    _endpoint, secret = hook
    claim = _publish(article, editor, reviewer)
    # A long article's re-anchoring job ran out of attempts with this claim still waiting.
    Claim.objects.filter(pk=claim.pk).update(anchor_state=Claim.AnchorState.REANCHORING)
    # The job's own failure can name the database host: the newsroom's history says it, the
    # receiver, outside the newsroom, is told what happened in words of its own.
    internal = "connection to server at 10.0.4.7, port 5432 failed"
    services.claims_reanchor_abandon(article=article, actor=editor, reason=internal)
    _deliver_all()

    payloads = [receiver.verify(secret, i) for i in range(len(receiver.requests))]
    assert [p["type"] for p in payloads] == ["claim.published", "claim.orphaned"]
    assert payloads[1]["data"]["reason"] == (
        "Its place in the article's new text could not be worked out; readers do not see it "
        "until the newsroom checks it again."
    )
    assert internal not in json.dumps(payloads)
    claim.refresh_from_db()
    assert internal in claim.orphan_reason
    assert payloads[1]["data"]["version"]["state"] == "suspended"
