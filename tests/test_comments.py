"""Comments on claims: Markdown, mentions that notify, own edits, threads; never public."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from annotations import jobs, rows, services
from annotations.models import Comment, Job, Membership, Notification
from tests import factories

QUOTE = "Over 160,000 people listened in at once"
CANARY = "canary-7f3a internal remark that must never be public"


@pytest.fixture
def claim(article, editor):
    return services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )


def _comments_url(claim, suffix=""):
    return f"/api/v1/newsroom/claims/{claim.pk}/comments/{suffix}"


def _post(client, claim, body, parent=None):
    data = {"body": body} if parent is None else {"body": body, "parent": parent}
    return client.post(_comments_url(claim), data, content_type="application/json")


def test_a_comment_is_sanitised_markdown_with_its_author(client, claim, editor):
    client.force_login(editor)
    response = _post(client, claim, "**Check** this <script>alert(1)</script> [x](javascript:a())")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["author"] == {"username": "eddie", "name": ""}
    assert "<strong>Check</strong>" in body["body_html"]
    assert "<script" not in body["body_html"] and 'href="javascript' not in body["body_html"]
    assert body["can_edit"] is True and body["deleted"] is False
    assert set(body) == {
        "id", "parent", "author", "body", "body_html", "mentions", "created_at", "edited_at",
        "deleted", "resolved_at", "resolved_by", "can_edit",
    }  # fmt: skip


def test_a_mention_reads_as_plain_text_in_the_notification(client, claim, editor, reviewer):
    client.force_login(editor)
    _post(client, claim, "@rita please check the **Twitter** figure & [the record](https://x.test)")
    [notification] = Notification.objects.all()
    assert notification.message == (
        "eddie mentioned you: @rita please check the Twitter figure & the record"
    )


def test_mentioning_a_member_notifies_them_and_emails_them(client, claim, editor, reviewer):
    client.force_login(editor)
    outsider = factories.member(factories.OrganizationFactory(), username="olga")

    response = _post(client, claim, "@rita can you look? cc @olga @nobody, mail me at x@rita")

    assert response.json()["mentions"] == ["rita"]
    [notification] = Notification.objects.all()
    assert (notification.recipient, notification.kind, notification.actor) == (
        reviewer,
        "mentioned",
        editor,
    )
    assert not Notification.objects.filter(recipient=outsider).exists()
    [job] = Job.objects.filter(kind="email")
    assert jobs.run("email", job.pk) == Job.State.DONE
    [message] = mail.outbox
    assert message.to == [reviewer.email]
    assert "mentioned you" in message.body and f"#claim-{claim.pk}" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    # The job may run again (a worker died): nothing is sent twice.
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED)
    jobs.run("email", job.pk)
    assert len(mail.outbox) == 1


def test_a_member_who_turned_mention_emails_off_is_notified_in_the_app_only(
    claim, editor, reviewer, organization
):
    membership = Membership.objects.get(user=reviewer, organization=organization)
    services.notification_email_kinds_set(actor=reviewer, membership=membership, kinds=["assigned"])

    services.comment_create(claim=claim, actor=editor, body="@rita look")

    assert Notification.objects.filter(recipient=reviewer, kind="mentioned").count() == 1
    assert not Job.objects.filter(kind="email").exists()


def test_only_the_author_edits_or_deletes_a_comment(client, claim, editor, reviewer):
    comment = services.comment_create(claim=claim, actor=editor, body="First words")
    client.force_login(reviewer)
    url = _comments_url(claim, f"{comment.pk}/")

    refused = client.patch(url, {"body": "Hijacked"}, content_type="application/json")
    refused_delete = client.delete(url)
    client.force_login(editor)
    edited = client.patch(url, {"body": "Better words"}, content_type="application/json")

    assert refused.status_code == 403 and refused_delete.status_code == 403
    assert edited.status_code == 200
    assert edited.json()["body"] == "Better words" and edited.json()["edited_at"]
    assert client.delete(url).status_code == 204
    listed = client.get(_comments_url(claim)).json()
    assert listed == [
        {**listed[0], "body": "", "body_html": "", "deleted": True, "can_edit": False}
    ]


def test_editing_in_a_new_mention_notifies_only_the_newcomer(claim, editor, reviewer, org_admin):
    comment = services.comment_create(claim=claim, actor=editor, body="@rita first")
    services.comment_update(comment=comment, actor=editor, body="@rita and @ada, please")

    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "ada",
        "rita",
    ]


def test_a_name_quoted_in_code_mentions_no_one(claim, editor, reviewer, org_admin):
    body = "The log says `@rita ran it`:\n\n```\n@ada 12:03 import\n```\n\nthanks @ada"
    services.comment_create(claim=claim, actor=editor, body=body)

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["ada"]


def test_replies_join_the_thread_and_resolving_closes_it(client, claim, editor, reviewer):
    client.force_login(editor)
    root = _post(client, claim, "Is the number right?").json()
    client.force_login(reviewer)
    reply = _post(client, claim, "Yes", parent=root["id"]).json()
    reply_to_reply = _post(client, claim, "Sure?", parent=reply["id"]).json()

    resolved = client.post(
        _comments_url(claim, f"{reply['id']}/resolve/"),
        {"resolved": True},
        content_type="application/json",
    )

    assert reply["parent"] == root["id"] and reply_to_reply["parent"] == root["id"]
    assert resolved.status_code == 200
    assert resolved.json()["id"] == root["id"] and resolved.json()["resolved_by"] == "rita"
    claim_json = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    assert (claim_json["comment_count"], claim_json["open_thread_count"]) == (3, 0)


def test_a_parent_on_another_claim_is_refused(client, claim, editor, article):
    other = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "160,000 people"),
    )
    elsewhere = services.comment_create(claim=other, actor=editor, body="There")
    client.force_login(editor)

    response = _post(client, claim, "Here", parent=elsewhere.pk)

    assert response.status_code == 400 and "parent" in response.json()["errors"]


def test_a_comment_with_a_direction_override_is_refused_on_writing_and_editing(
    client, claim, editor
):
    # "@rita this is \u202elive" shows to the team as "evil": what a colleague wrote is shown
    # as they did not write it.
    client.force_login(editor)
    refused = _post(client, claim, "The figure is \u202elive.")
    assert refused.status_code == 400 and "body" in refused.json()["errors"]
    assert not Comment.objects.exists()
    comment = services.comment_create(claim=claim, actor=editor, body="Fine.")
    with pytest.raises(ValidationError):
        services.comment_update(comment=comment, actor=editor, body="Now \u202dreversed")
    comment.refresh_from_db()
    assert comment.body == "Fine."


def test_members_of_another_organization_cannot_read_or_write_comments(client, claim, editor):
    services.comment_create(claim=claim, actor=editor, body=CANARY)
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN)
    client.force_login(outsider)

    assert client.get(_comments_url(claim)).status_code == 404
    assert _post(client, claim, "Let me in").status_code == 404
    assert Comment.objects.count() == 1


def test_comments_never_reach_public_pages_api_or_feeds(client, article, editor, reviewer):
    """A canary comment on a published claim appears in no public output."""
    claim = factories.published_claim(article, editor, reviewer)
    services.comment_create(claim=claim, actor=editor, body=CANARY)
    services.comment_create(claim=claim, actor=reviewer, body=f"reply {CANARY}")
    organization = article.organization
    version = claim.published_versions.get()
    public = [
        "/",
        f"/a/{organization.slug}/{article.slug}/",
        f"/c/{version.pk}/",
        f"/o/{organization.slug}/",
        f"/o/{organization.slug}/corrections/",
        "/api/v1/claims/",
        f"/api/v1/claims/{claim.pk}/",
        "/api/v1/articles/",
        f"/api/v1/articles/{article.pk}/",
        "/api/v1/claimreview/",
        f"/api/v1/organizations/{organization.slug}/",
    ]
    seen = 0
    for path in public:
        response = client.get(path)
        if response.status_code == 200:
            seen += 1
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            assert b"canary-7f3a" not in content, path
    assert seen >= 8
    # The members' own view does carry it: the canary would be found if it leaked.
    client.force_login(editor)
    assert CANARY in client.get(_comments_url(claim)).content.decode()


def test_a_reply_to_an_absurd_parent_id_is_a_400_not_a_server_error(client, claim, editor):
    client.force_login(editor)

    refused = _post(client, claim, "a reply", parent=10**30)

    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert "parent" in refused.json()["errors"]
    assert not Comment.objects.exists()


def test_a_reply_to_a_deleted_resolved_thread_is_refused_and_leaves_it_resolved(
    client, claim, editor, reviewer
):
    root = services.comment_create(claim=claim, actor=editor, body="Is the number right?")
    services.comment_resolve(comment=root, actor=reviewer)
    services.comment_delete(comment=root, actor=editor)
    client.force_login(reviewer)

    refused = _post(client, claim, "Actually, no", parent=root.pk)

    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert "deleted" in refused.json()["errors"]["parent"][0]
    root.refresh_from_db()
    assert root.resolved_at is not None and root.deleted_at is not None
    assert not Comment.objects.filter(parent=root).exists()


def test_a_reply_to_a_live_reply_in_a_thread_whose_first_comment_was_deleted_is_refused(
    client, claim, editor, reviewer
):
    root = services.comment_create(claim=claim, actor=editor, body="Is the number right?")
    reply = services.comment_create(claim=claim, actor=reviewer, body="Yes", parent=root)
    services.comment_delete(comment=root, actor=editor)
    client.force_login(reviewer)

    refused = _post(client, claim, "Sure?", parent=reply.pk)

    assert refused.status_code == 400 and "parent" in refused.json()["errors"]
    assert list(Comment.objects.filter(parent=root)) == [reply]
    claim_json = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    assert claim_json["comment_count"] == 1  # the live reply; the deleted comment keeps its place


def test_a_reply_to_a_deleted_reply_is_refused_while_the_thread_takes_others(
    client, claim, editor, reviewer
):
    root = services.comment_create(claim=claim, actor=editor, body="Is the number right?")
    reply = services.comment_create(claim=claim, actor=reviewer, body="Yes", parent=root)
    services.comment_delete(comment=reply, actor=reviewer)
    client.force_login(editor)

    refused = _post(client, claim, "Why?", parent=reply.pk)
    answered = _post(client, claim, "Anyone else?", parent=root.pk)

    assert refused.status_code == 400 and "parent" in refused.json()["errors"]
    assert answered.status_code == 201 and answered.json()["parent"] == root.pk


@pytest.mark.parametrize(
    "write",
    [
        lambda comment, actor: services.comment_update(comment=comment, actor=actor, body="Late"),
        lambda comment, actor: services.comment_delete(comment=comment, actor=actor),
        lambda comment, actor: services.comment_resolve(comment=comment, actor=actor),
        lambda comment, actor: services.comment_create(
            claim=comment.claim, actor=actor, body="A new word"
        ),
    ],
    ids=["update", "delete", "resolve", "comment-on-it"],
)
def test_a_write_to_a_comment_whose_claim_went_meanwhile_is_gone_not_a_server_error(
    claim, editor, write
):
    """The claim was deleted (its comments with it) while another window still showed them:
    the late write says the comment is gone, which the API and pages answer with a 404."""
    comment = services.comment_create(claim=claim, actor=editor, body="Still here?")
    services.claim_delete(claim=claim, actor=editor)

    with pytest.raises(rows.Gone, match=r"(comment|claim) no longer exists"):
        write(comment, editor)
