"""Notifications: who is told what, in the app and by email; requests for changes; history."""

import re

import pytest
from django.core import mail

from annotations import jobs, rows, services
from annotations.models import Claim, Job, Membership, Notification, Rating
from tests import factories

QUOTE = "Over 160,000 people listened in at once"


@pytest.fixture
def claim(article, editor):
    return services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )


def _ready_for_review(claim, editor):
    rating = Rating.objects.get(scale__organization=claim.article.organization, label="True")
    services.source_add(claim=claim, actor=editor, url="https://example.org/r")
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating, conclusion="Checked."
    )
    return services.claim_transition(claim=claim, actor=editor, to_status="in_review")


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def _transition(client, claim, **data):
    return client.post(
        f"/api/v1/newsroom/claims/{claim.pk}/transition/",
        data,
        content_type="application/json",
        headers={"If-Match": f'"{Claim.objects.get(pk=claim.pk).version}"'},
    )


def test_assigning_a_claim_tells_the_assignee_but_not_someone_assigning_themselves(
    claim, editor, reviewer
):
    services.claim_update(claim=claim, actor=editor, expected_version=None, assignee=reviewer)
    services.claim_update(claim=claim, actor=editor, expected_version=None, assignee=editor)

    assert _kinds(reviewer) == ["assigned"] and _kinds(editor) == []
    assert Notification.objects.get().message.startswith("eddie assigned you a claim: Over 160")


def test_sending_to_review_tells_the_reviewers_and_admins(claim, editor, reviewer, org_admin):
    _ready_for_review(claim, editor)

    assert _kinds(reviewer) == ["review_requested"] and _kinds(org_admin) == ["review_requested"]
    assert _kinds(editor) == []


def test_a_reviewer_requests_changes_with_a_note_and_the_creator_is_told(
    client, claim, editor, reviewer
):
    _ready_for_review(claim, editor)
    client.force_login(reviewer)

    without_note = _transition(client, claim, status="draft")
    response = _transition(client, claim, status="draft", note="Cite the official count.")

    assert without_note.status_code == 400 and "note" in without_note.json()["errors"]
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "draft" and body["review_note"] == "Cite the official count."
    assert body["changes_requested_at"]
    assert body["correction_note"] == ""  # internal: never the public note
    assert body["history"][0]["sentence"].startswith(
        "Changes requested: “Cite the official count.” by rita, "
    )
    assert _kinds(editor) == ["changes_requested"]
    # Sent to review again, it leaves the "changes requested" queue.
    services.claim_transition(claim=claim, actor=editor, to_status="in_review")
    assert Claim.objects.get(pk=claim.pk).changes_requested_at is None


def test_the_creator_takes_a_claim_back_from_review_without_a_note(client, claim, editor):
    _ready_for_review(claim, editor)
    client.force_login(editor)

    response = _transition(client, claim, to="draft")

    assert response.status_code == 200 and response.json()["changes_requested_at"] is None


def test_publishing_tells_the_creator_and_an_orphaned_published_claim_tells_everyone_on_it(
    article, editor, reviewer
):
    claim = factories.published_claim(article, editor, reviewer)
    assert "published" in _kinds(editor)

    services.article_update_text(
        article=article, text="A wholly different text.\n\nNothing of the old.", actor=editor
    )

    assert Claim.objects.get(pk=claim.pk).anchor_state == Claim.AnchorState.ORPHANED
    # The editor changed the text: the reviewer who published it is told, not the actor.
    assert "orphaned" in _kinds(reviewer) and "orphaned" not in _kinds(editor)


def test_retracting_tells_the_creator_and_the_publisher_but_not_the_one_retracting(
    article, editor, reviewer, org_admin
):
    claim = factories.published_claim(article, editor, reviewer)

    services.claim_transition(
        claim=claim, actor=org_admin, to_status="retracted", note="The count was wrong."
    )

    assert "retracted" in _kinds(editor) and "retracted" in _kinds(reviewer)
    assert "retracted" not in _kinds(org_admin)
    notice = Notification.objects.get(recipient=editor, kind="retracted")
    assert notice.claim_id == claim.pk and notice.message.startswith("ada retracted: ")


def test_deleting_someone_elses_claim_tells_them_what_was_deleted_and_where(
    client, claim, editor, reviewer, org_admin
):
    services.claim_update(claim=claim, actor=editor, expected_version=None, assignee=reviewer)
    claim_id = claim.pk

    services.claim_delete(claim=claim, actor=org_admin)

    assert not Claim.objects.filter(pk=claim_id).exists()
    assert "deleted" in _kinds(editor) and "deleted" in _kinds(reviewer)
    notice = Notification.objects.get(recipient=editor, kind="deleted")
    assert notice.claim_id is None and notice.organization == claim.article.organization
    assert notice.message == (f"ada deleted the draft claim “{QUOTE}” in “{claim.article.title}”")
    # It shows on the notifications page and in the API, leading to the list itself.
    client.force_login(editor)
    page = client.get("/notifications/")
    assert page.status_code == 200 and "ada deleted the draft claim" in page.content.decode()
    listed = client.get("/api/v1/newsroom/notifications/").json()
    [row] = [row for row in listed["results"] if row["kind"] == "deleted"]
    assert row["link"] == "/notifications/"


def test_deleting_ones_own_unassigned_claim_tells_nobody(claim, editor):
    services.claim_delete(claim=claim, actor=editor)

    assert not Notification.objects.filter(kind="deleted").exists()


def test_email_goes_only_for_the_kinds_a_member_chose(claim, editor, reviewer, organization):
    membership = Membership.objects.get(user=reviewer, organization=organization)
    services.notification_email_kinds_set(actor=reviewer, membership=membership, kinds=["assigned"])
    _ready_for_review(claim, editor)
    services.claim_update(claim=claim, actor=editor, expected_version=None, assignee=reviewer)

    email_jobs = Job.objects.filter(kind="email")
    assert email_jobs.count() == 1
    for job in email_jobs:
        jobs.run("email", job.pk)
    [message] = mail.outbox
    assert message.to == ["rita@example.test"]
    assert "Assigned to you" in message.subject and "eddie assigned you" in message.body


def test_email_choices_saved_by_a_member_removed_meanwhile_are_gone_not_an_error(
    editor, organization, org_admin
):
    """The settings form drawn before the removal, sent after: a 500 (review R15)."""
    membership = Membership.objects.get(user=editor, organization=organization)
    services.member_remove(organization=organization, actor=org_admin, user=editor)

    with pytest.raises(rows.Gone, match="membership no longer exists"):
        services.notification_email_kinds_set(actor=editor, membership=membership, kinds=[])


def test_nobody_changes_another_members_email_choices(client, editor, reviewer, organization):
    theirs = Membership.objects.get(user=reviewer, organization=organization)
    client.force_login(editor)

    response = client.post(
        "/settings/notifications/", {"membership": theirs.pk, f"m{theirs.pk}-kinds": []}
    )

    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.email_kinds == list(Notification.Kind.values)


def test_the_settings_page_saves_a_members_email_choices(client, editor, organization):
    mine = Membership.objects.get(user=editor, organization=organization)
    client.force_login(editor)

    page = client.get("/settings/notifications/")
    response = client.post(
        "/settings/notifications/",
        {"membership": mine.pk, f"m{mine.pk}-kinds": ["mentioned", "published"]},
    )

    assert page.status_code == 200 and organization.name in page.content.decode()
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.email_kinds == ["published", "mentioned"]


def test_the_api_lists_unread_notifications_and_marks_only_ones_own_read(
    client, claim, editor, reviewer, org_admin
):
    _ready_for_review(claim, editor)
    admins = Notification.objects.get(recipient=org_admin)
    client.force_login(reviewer)

    listed = client.get("/api/v1/newsroom/notifications/?unread=1").json()
    [mine] = listed["results"]
    marked = client.post(
        "/api/v1/newsroom/notifications/read/",
        {"ids": [mine["id"], admins.pk]},
        content_type="application/json",
    ).json()

    assert listed["unread_count"] == 1
    assert mine["kind"] == "review_requested" and mine["actor"] == "eddie"
    assert mine["link"] == f"/articles/{claim.article_id}/#claim-{claim.pk}"
    assert marked == {"marked": 1, "unread_count": 0}
    assert Notification.objects.get(pk=admins.pk).read_at is None
    assert client.get("/api/v1/newsroom/notifications/?unread=1").json()["results"] == []


def test_every_notification_is_reached_by_page_and_unread_takes_only_yes_or_no(
    client, claim, editor, reviewer
):
    """The list stopped at the newest 100 with no way on, and `unread=maybe` meant all."""
    Notification.objects.bulk_create(
        Notification(
            recipient=reviewer,
            kind="mentioned",
            message=f"note {n}",
            claim=claim,
            organization=claim.article.organization,
        )
        for n in range(103)
    )
    client.force_login(reviewer)
    first = client.get("/api/v1/newsroom/notifications/").json()
    assert first["count"] == 103 and len(first["results"]) == 100
    assert first["unread_count"] == 103 and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3 and second["next"] is None
    seen = {row["id"] for row in first["results"] + second["results"]}
    assert len(seen) == 103
    for value in ("maybe", "yes"):
        refused = client.get("/api/v1/newsroom/notifications/", {"unread": value})
        assert refused.status_code == 400 and "unread" in refused.json()["errors"]
    assert client.get("/api/v1/newsroom/notifications/", {"unread": "false"}).json()["count"] == 103
    for query, status in (({"page": "abc"}, 400), ({"page": "9"}, 404), ({"pages": "2"}, 400)):
        assert client.get("/api/v1/newsroom/notifications/", query).status_code == status, query
    # Given twice, the order decided the answer; ?format=json, in the OpenAPI document, works.
    twice = client.get("/api/v1/newsroom/notifications/?unread=1&unread=0")
    assert twice.status_code == 400 and twice.json()["errors"]["unread"] == ["Give it once."]
    assert client.get("/api/v1/newsroom/notifications/", {"format": "json"}).status_code == 200
    # Marking read takes only true or false, and no field it does not know.
    # Nor both ways at once: which was meant would be a guess (trial G9).
    first_id = first["results"][0]["id"]
    for body in ({"all": "yes"}, {"all": True, "every": True}, {"all": True, "ids": [first_id]}):
        marked = client.post("/api/v1/newsroom/notifications/read/", body, "application/json")
        assert marked.status_code == 400, body
    assert Notification.objects.filter(recipient=reviewer, read_at__isnull=True).count() == 103


def test_an_organization_token_marks_read_only_that_organizations_notifications(
    client, claim, editor, org_admin
):
    _ready_for_review(claim, editor)
    other = factories.OrganizationFactory()
    Membership.objects.create(user=org_admin, organization=other, role=Membership.Role.ADMIN)
    elsewhere_claim = services.claim_create(
        article=factories.article(other, org_admin),
        creator=org_admin,
        selectors=factories.quote_selectors(claim.article.text, QUOTE),
    )
    elsewhere = Notification.objects.create(
        recipient=org_admin, organization=other, kind="mentioned", claim=elsewhere_claim,
        message="ed mentioned you",
    )  # fmt: skip
    _token, key = services.token_create(
        actor=org_admin, name="desk", scope="read-write", organization=claim.article.organization
    )
    headers = {"Authorization": f"Token {key}"}

    for body in ({"all": True}, {"ids": [elsewhere.pk]}):
        answer = client.post(
            "/api/v1/newsroom/notifications/read/", body, "application/json", headers=headers
        )
        assert answer.status_code == 200

    assert Notification.objects.get(pk=elsewhere.pk).read_at is None
    assert not Notification.objects.filter(
        recipient=org_admin, organization=claim.article.organization, read_at=None
    ).exists()


def test_the_header_shows_the_unread_count_and_the_page_marks_all_read(
    client, claim, editor, reviewer
):
    _ready_for_review(claim, editor)
    client.force_login(reviewer)

    before = client.get("/notifications/").content.decode()
    client.post("/notifications/", {"all": "1"})
    after = client.get("/notifications/").content.decode()

    assert re.search(r'class="count-badge">1<span class="visually-hidden"> unread', before)
    assert "eddie asks for a review" in before
    assert "count-badge" not in after


def test_absurd_notification_ids_are_refused_or_ignored_never_a_server_error(
    client, claim, editor, reviewer
):
    _ready_for_review(claim, editor)
    mine = Notification.objects.get(recipient=reviewer)
    client.force_login(reviewer)

    api = client.post(
        "/api/v1/newsroom/notifications/read/", {"ids": [10**30]}, content_type="application/json"
    )
    page = client.post("/notifications/", {"id": ["9" * 30, "\u00b2", "-3", str(mine.pk)]})

    assert api.status_code == 400 and api["Content-Type"] == "application/problem+json"
    assert "ids" in api.json()["errors"]
    assert page.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_history_reads_as_sentences_with_inline_differences(client, claim, editor, reviewer):
    ratings = Rating.objects.filter(scale__organization=claim.article.organization)
    services.claim_update(
        claim=claim,
        actor=editor,
        expected_version=None,
        rating=ratings.get(label="Mostly true"),
        conclusion="About 160,000 listened.\n\nSee the record.",
    )
    services.claim_update(
        claim=claim,
        actor=reviewer,
        expected_version=None,
        rating=ratings.get(label="True"),
        conclusion="About 164,000 listened.\n\nSee the record.",
    )
    client.force_login(editor)

    history = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()["history"]

    newest = history[0]
    assert re.fullmatch(
        r"Rating changed from Mostly true to True; Conclusion edited "
        r"by rita, \d{1,2} \w{3} \d\d:\d\d",
        newest["sentence"],
    )
    assert "\\n" not in newest["sentence"] and "status:" not in newest["sentence"]
    conclusion = next(change for change in newest["changes"] if change["field"] == "conclusion")
    assert ["delete", "160,000"] in conclusion["diff"] and ["insert", "164,000"] in conclusion[
        "diff"
    ]
    assert history[-1]["sentence"].startswith("Claim made from “Over 160,000 people")


def test_the_checklist_says_why_the_creator_may_not_publish(client, claim, editor, reviewer):
    _ready_for_review(claim, editor)

    client.force_login(editor)
    as_creator = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    client.force_login(reviewer)
    as_reviewer = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()

    assert [item["key"] for item in as_creator["checklist"]] == [
        "rating",
        "conclusion",
        "source",
        "second_person",
    ]
    assert as_creator["viewer_can_publish"] is False
    assert "Only reviewers and admins publish" in as_creator["publish_blocked_reason"]
    assert as_reviewer["viewer_can_publish"] is True
    assert all(item["met"] for item in as_reviewer["checklist"])


def test_a_source_that_did_not_load_asks_for_a_look_without_stopping_publication(
    client, claim, editor, reviewer
):
    """A claim citing a 404 went out with "✓ At least one source" and no word to anyone."""
    _ready_for_review(claim, editor)
    source = claim.sources.get()
    source.fetch_state, source.fetch_error = "failed", "404 Not Found"
    source.save()
    client.force_login(reviewer)

    body = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()

    [item] = [item for item in body["checklist"] if item["key"] == "sources_loaded"]
    assert item["met"] is False and item["advisory"] is True
    assert item["label"] == "1 source did not load"
    assert item["detail"] == (
        f"“{source.url}” (404 Not Found): readers may get a broken link. Check it, "
        "or cite an archived copy."
    )
    assert body["viewer_can_publish"] is True
    # Two: named by title where there is one, an address cut short where there is none.
    services.source_add(
        claim=claim, actor=editor, url="https://example.org/" + "very-long-path/" * 40
    )
    claim.sources.update(fetch_state="failed", title="")
    claim.sources.filter(pk=source.pk).update(title="The record")
    [item] = [
        item
        for item in client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()["checklist"]
        if item["key"] == "sources_loaded"
    ]
    assert item["label"] == "2 sources did not load"
    assert item["detail"].startswith("“The record” (404 Not Found) and 1 more: ")
    assert item["detail"].endswith("Check them, or cite an archived copy.")
    assert _transition(client, claim, to="published").status_code == 200


def test_a_source_waiting_to_be_tried_again_asks_for_a_look_too(client, claim, editor, reviewer):
    """A page that timed out and was to be tried again drew no word; it then failed for
    good, after the claim went out citing it (trial G16)."""
    _ready_for_review(claim, editor)
    source = claim.sources.get()
    client.force_login(reviewer)

    def item():
        checklist = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()["checklist"]
        return next((row for row in checklist if row["key"] == "sources_retrying"), None)

    assert item() is None  # added a moment ago, not tried yet: nothing to say
    source.fetch_error = "will try again: timed out after 10 s"  # as the fetch job writes it
    source.save()
    said = item()
    assert said["met"] is False and said["advisory"] is True
    assert said["label"] == "1 source has not loaded yet"
    assert said["detail"] == (
        f"“{source.url}” (timed out after 10 s): tried again shortly, but readers may get a "
        "broken link. Check it, or wait for the next try."
    )
    assert _transition(client, claim, to="published").status_code == 200


def test_a_reviewer_who_created_the_claim_is_told_a_second_person_must_publish(
    client, article, reviewer
):
    claim = services.claim_create(
        article=article, creator=reviewer, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    _ready_for_review(claim, reviewer)
    client.force_login(reviewer)

    body = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()

    assert body["viewer_can_publish"] is False
    assert body["publish_blocked_reason"] == (
        "The latest change to this claim is yours; the newsroom requires a second person to "
        "publish it."
    )
    assert _transition(client, claim, to="published").status_code == 403
