"""Idempotency-Key: an API create retried after its answer was lost is not done twice."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from annotations import services
from annotations.api.idempotency import idempotent
from annotations.models import ApiToken, Article, Claim, Comment, IdempotentRequest, Source
from annotations.permissions import SYSTEM
from tests import factories

ARTICLES = "/api/v1/newsroom/articles/"
QUOTE = "Over 160,000 people listened in at once"


@pytest.fixture
def api(editor):
    _token, key = services.token_create(actor=editor, name="cms", scope=ApiToken.Scope.READ_WRITE)
    return Client(headers={"Authorization": f"Token {key}"})


def _paste(client, key=None, title="Retried", text="A text the newsroom pasted once."):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        ARTICLES, {"title": title, "text": text}, content_type="application/json", headers=headers
    )


def test_a_paste_retried_with_its_key_is_answered_again_and_made_once(api):
    first = _paste(api, "paste-7f3a")
    again = _paste(api, "paste-7f3a")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Article.objects.count() == 1
    # Without a key, a retry is a second request: the README says so.
    _paste(api)
    _paste(api)
    assert Article.objects.count() == 3


def test_the_same_key_with_another_request_is_a_422_and_nothing_is_made(api):
    assert _paste(api, "key-1").status_code == 201
    other = _paste(api, "key-1", title="Another article")
    assert other.status_code == 422
    assert other.json()["type"] == "/api/v1/problems/idempotency-key-reused/"
    assert Article.objects.count() == 1


def test_a_refused_request_keeps_no_answer_so_its_corrected_retry_goes_through(api):
    refused = _paste(api, "key-2", title="")
    assert refused.status_code == 400
    # The same key, the request corrected: carried out, not answered with the 400.
    made = _paste(api, "key-2")
    assert made.status_code == 201 and not made.has_header("Idempotent-Replayed")
    assert Article.objects.count() == 1


def test_a_retry_while_the_first_is_still_answered_is_a_409_until_the_first_is_abandoned(
    api, settings
):
    assert _paste(api, "key-3").status_code == 201
    # The record as it stands while the first request runs: no answer yet.
    IdempotentRequest.objects.update(status=None, body=None, created_at=timezone.now())
    busy = _paste(api, "key-3")
    assert busy.status_code == 409
    assert busy.json()["type"] == "/api/v1/problems/idempotency-key-in-use/"
    assert Article.objects.count() == 1
    # Its process died before it recorded the answer: after the abandon time the key is
    # free, and the retry is carried out (the one case a key cannot cover).
    abandoned = settings.FACTCHECK_IDEMPOTENCY_ABANDONED_SECONDS + 1
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(seconds=abandoned))
    retried = _paste(api, "key-3")
    assert retried.status_code == 201 and not retried.has_header("Idempotent-Replayed")
    assert _paste(api, "key-3")["Idempotent-Replayed"] == "true"


def test_keys_are_each_accounts_own(api, organization):
    other_editor = factories.member(organization, username="other-editor")
    _token, key = services.token_create(
        actor=other_editor, name="cms", scope=ApiToken.Scope.READ_WRITE
    )
    other = Client(headers={"Authorization": f"Token {key}"})
    assert _paste(api, "shared-key").status_code == 201
    theirs = _paste(other, "shared-key")
    assert theirs.status_code == 201 and not theirs.has_header("Idempotent-Replayed")
    assert Article.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "clé-1", "tab\there"])
def test_a_key_that_is_not_printable_ascii_of_1_to_255_characters_is_a_400(api, key):
    answer = _paste(api, key)
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()["errors"]
    assert not Article.objects.exists()


def test_an_upload_retried_with_its_key_is_made_once(api):
    def upload(content: bytes):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return api.post(
            ARTICLES,
            {"file": SimpleUploadedFile("story.txt", content, content_type="text/plain")},
            headers={"Idempotency-Key": "upload-1"},
        )

    first = upload(b"Over 160,000 people listened in at once.")
    again = upload(b"Over 160,000 people listened in at once.")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Article.objects.count() == 1
    assert upload(b"Another file under the same key.").status_code == 422


def test_a_claim_a_source_and_a_comment_retried_with_their_keys_are_made_once(api, article):
    selectors = factories.quote_selectors(article.text, QUOTE)
    url = f"{ARTICLES}{article.pk}/claims/"

    def post(path, body, key):
        return api.post(
            path, body, content_type="application/json", headers={"Idempotency-Key": key}
        )

    made = [post(url, {"selectors": selectors}, "claim-1") for _ in range(2)]
    assert [answer.status_code for answer in made] == [201, 201]
    assert made[1]["ETag"] == made[0]["ETag"] and made[1]["Location"] == made[0]["Location"]
    claim_id = made[0].json()["id"]
    source = {"url": "https://example.org/factbook", "version": 1}
    cited = [post(f"/api/v1/newsroom/claims/{claim_id}/sources/", source, "source-1")]
    cited.append(post(f"/api/v1/newsroom/claims/{claim_id}/sources/", source, "source-1"))
    assert [answer.status_code for answer in cited] == [201, 201]
    comment = {"body": "Check the 2022 edition."}
    said = [post(f"/api/v1/newsroom/claims/{claim_id}/comments/", comment, "comment-1")]
    said.append(post(f"/api/v1/newsroom/claims/{claim_id}/comments/", comment, "comment-1"))
    assert [answer.status_code for answer in said] == [201, 201]
    assert (Claim.objects.count(), Source.objects.count(), Comment.objects.count()) == (1, 1, 1)


def test_keys_are_forgotten_after_their_retention(api, settings):
    _paste(api, "old-key")
    IdempotentRequest.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.FACTCHECK_IDEMPOTENCY_HOURS + 1)
    )
    # Past it, the key names nothing: a new request under it is carried out.
    fresh = _paste(api, "old-key", title="A new article, a day later")
    assert fresh.status_code == 201 and not fresh.has_header("Idempotent-Replayed")
    assert Article.objects.count() == 2
    IdempotentRequest.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.FACTCHECK_IDEMPOTENCY_HOURS + 1)
    )
    assert services.history_prune(actor=SYSTEM).idempotency_keys == 1
    assert not IdempotentRequest.objects.exists()


def test_a_key_is_each_tokens_own_so_one_newsrooms_token_never_replays_anothers(
    editor, organization
):
    """Kept per account only, an organization token's key replayed the answer another of
    the account's tokens got, for another newsroom, before any access check (review R23)."""
    other_desk = factories.OrganizationFactory(name="Other desk")
    services.membership_set(organization=organization, user=editor, role="admin", actor=SYSTEM)
    services.membership_set(organization=other_desk, user=editor, role="admin", actor=SYSTEM)

    def token_for(desk):
        _token, key = services.token_create(
            actor=editor, name=desk.name, scope=ApiToken.Scope.READ_WRITE, organization=desk
        )
        return Client(headers={"Authorization": f"Token {key}"})

    first = _paste(token_for(organization), "shared-key")
    second = _paste(token_for(other_desk), "shared-key")
    assert first.status_code == second.status_code == 201
    assert not second.has_header("Idempotent-Replayed")
    assert second.json()["id"] != first.json()["id"]
    assert {article.organization_id for article in Article.objects.all()} == {
        organization.pk,
        other_desk.pk,
    }


class _CreatesThenFails(APIView):
    """A create whose answer fails after its write, as a serializer or renderer could."""

    @idempotent
    def post(self, request):
        services.article_create(
            organization=request.user.memberships.get().organization,
            created_by=request.user,
            title="Written before the failure",
            text="A text written before the answer failed.",
        )
        raise RuntimeError("the answer could not be made")


def test_a_create_that_fails_after_its_write_leaves_neither_the_write_nor_the_key(editor):
    """The write committed and the key was then forgotten: the client's retry, under the
    same key, wrote the article a second time (stop 51's note)."""
    request = APIRequestFactory().post(
        "/a-create/", {}, format="json", headers={"Idempotency-Key": "fails-after"}
    )
    force_authenticate(request, user=editor)
    with pytest.raises(RuntimeError):
        _CreatesThenFails.as_view()(request)
    assert not Article.objects.exists()
    assert not IdempotentRequest.objects.exists()


def test_a_new_article_from_an_account_in_no_organization_is_a_403_that_says_so(
    api, editor, organization
):
    """Told to say which organization, someone in none had nothing to name (a removed
    member's own token still signs them in)."""
    services.member_remove(organization=organization, actor=SYSTEM, user=editor)
    refused = _paste(api, "after-removal")
    assert refused.status_code == 403
    assert "member of no organization" in refused.json()["detail"]
    assert not Article.objects.exists()
