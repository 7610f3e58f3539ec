"""A newsroom whose one reviewer changed an article's details: an editor's check is the
second look the two-person rule asks for, so the reopened fact-checks can be republished."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from annotations import history, queries, services
from annotations.models import Claim, ClaimEvent, Membership
from tests import factories

pytestmark = pytest.mark.django_db

MEDIAN = "the median age is only 22.8 years"
NEW_TITLE = "Khan's Spaces session, corrected"


@pytest.fixture
def desk(newsroom):
    """One reviewer, one editor, the two-person rule, two published fact-checks; then the
    reviewer corrects the article's title."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    assert newsroom["organization"].requires_two_person_review
    services.article_update_details(article=article, actor=editor, title="Khan's Spaces session")
    claims = [
        factories.published_claim(article, editor, reviewer),
        factories.published_claim(article, editor, reviewer, quote=MEDIAN),
    ]
    article.refresh_from_db()
    services.article_update_details(article=article, actor=reviewer, title=NEW_TITLE)
    article.refresh_from_db()
    return {**newsroom, "article": article, "claims": claims}


def _check(desk, actor, tag=None):
    article = desk["article"]
    article.refresh_from_db()
    return services.article_details_check(
        article=article, actor=actor, expected_tag=tag or article.details_tag
    )


def _republish(desk, actor, note="The headline was corrected."):
    return services.article_details_republish(article=desk["article"], actor=actor, note=note)


def test_the_one_reviewer_cannot_republish_their_own_change_of_the_details(desk):
    report = _republish(desk, desk["reviewer"])
    assert report.published == []
    assert [claim.pk for claim, _ in report.left] == [claim.pk for claim in desk["claims"]]
    assert all("Another member must publish this" in reason for _, reason in report.left)


def test_an_editor_checks_the_new_details_and_the_reviewer_republishes_them(desk):
    checked = _check(desk, desk["editor"])

    assert sorted(claim.pk for claim in checked) == sorted(claim.pk for claim in desk["claims"])
    report = _republish(desk, desk["reviewer"])
    assert sorted(claim.pk for claim in report.published) == sorted(
        claim.pk for claim in desk["claims"]
    )
    assert report.left == []
    for claim in desk["claims"]:
        assert queries.published_claims().get(claim=claim).article_title == NEW_TITLE
    event = ClaimEvent.objects.filter(claim=desk["claims"][0], action="article details checked")
    [check] = event
    assert check.actor == desk["editor"]
    assert check.changes["details"]["title"] == NEW_TITLE
    sentence = history.entry(check, actor="ed", when="now")["sentence"]
    assert sentence == f"Article's new details checked: “{NEW_TITLE}” by ed, now"


def test_a_member_cannot_check_their_own_change_of_the_details(desk):
    with pytest.raises(ValidationError, match="nothing here for you to check"):
        _check(desk, desk["reviewer"])
    assert not ClaimEvent.objects.filter(action="article details checked").exists()


def test_details_changed_since_they_were_read_are_not_checked(desk):
    read = desk["article"].details_tag
    services.article_update_details(
        article=desk["article"], actor=desk["reviewer"], title="Yet another title"
    )

    with pytest.raises(services.StaleDetails):
        _check(desk, desk["editor"], tag=read)

    assert not ClaimEvent.objects.filter(action="article details checked").exists()
    assert _republish(desk, desk["reviewer"]).published == []


def test_a_change_after_the_check_needs_a_second_look_again(desk):
    _check(desk, desk["editor"])
    services.article_update_details(
        article=desk["article"], actor=desk["reviewer"], title="The reviewer's second thought"
    )

    report = _republish(desk, desk["reviewer"])

    assert report.published == []
    assert all("Another member must publish this" in reason for _, reason in report.left)
    # Checked once more, the change may go.
    _check(desk, desk["editor"])
    assert len(_republish(desk, desk["reviewer"]).published) == 2


def test_a_claim_changed_in_more_than_the_details_is_not_checked_with_them(desk):
    first, second = desk["claims"]
    services.claim_update(
        claim=Claim.objects.get(pk=second.pk), actor=desk["reviewer"], expected_version=None,
        conclusion="Rewritten by the reviewer.",
    )  # fmt: skip

    checked = _check(desk, desk["editor"])

    assert [claim.pk for claim in checked] == [first.pk]
    # The reviewer's own rewrite still needs someone else to publish it.
    claim = Claim.objects.get(pk=second.pk)
    services.claim_transition(claim=claim, actor=desk["editor"], to_status="in_review")
    with pytest.raises(PermissionDenied, match="Another member must publish this"):
        services.claim_transition(
            claim=Claim.objects.get(pk=second.pk), actor=desk["reviewer"],
            to_status="published", note="Corrected.",
        )  # fmt: skip


def test_nothing_to_check_is_said_plainly(desk, newsroom):
    _check(desk, desk["editor"])
    with pytest.raises(ValidationError, match="someone has checked it already"):
        _check(desk, desk["editor"])
    # Put back as readers saw them, the details need no look at all.
    services.article_update_details(
        article=desk["article"], actor=desk["reviewer"], title="Khan's Spaces session"
    )
    with pytest.raises(ValidationError, match="back as readers saw them"):
        _check(desk, desk["editor"])


def test_a_newsroom_without_the_two_person_rule_needs_no_check(desk):
    organization = desk["organization"]
    organization.requires_two_person_review = False
    organization.save()
    with pytest.raises(ValidationError, match="does not require a second person"):
        _check(desk, desk["editor"])


def test_someone_outside_the_newsroom_may_not_check(desk):
    other = factories.OrganizationFactory(name="Other Desk")
    outsider = factories.member(other, Membership.Role.EDITOR, username="outsider")
    with pytest.raises(PermissionDenied):
        _check(desk, outsider)


def test_the_workspace_offers_the_editor_the_check_and_then_the_reviewer_the_republish(
    client, desk
):
    article = desk["article"]
    workspace = reverse("article-workspace", args=[article.pk])
    check_url = reverse("article-details-check", args=[article.pk])
    republish_url = reverse("article-details-republish", args=[article.pk])

    client.force_login(desk["reviewer"])
    page = client.get(workspace).content.decode()
    assert "another reviewer republishes them, or an editor checks the new details" in page
    assert check_url not in page and republish_url not in page

    client.force_login(desk["editor"])
    page = client.get(workspace).content.decode()
    # The change is shown, so the editor knows what they vouch for.
    assert "readers see “<bdi>Khan&#x27;s Spaces session</bdi>”" in page
    assert f"now “<bdi>{NEW_TITLE.replace(chr(39), '&#x27;')}</bdi>”" in page
    assert check_url in page
    answer = client.post(check_url, {"details_tag": article.details_tag}, follow=True)
    assert "a reviewer can now republish the 2 fact-checks" in answer.content.decode()
    page = client.get(workspace).content.decode()
    assert "ed checked the new details." in page and check_url not in page

    client.force_login(desk["reviewer"])
    page = client.get(workspace).content.decode()
    assert "ed checked the new details: you may republish them." in page
    assert "Republish all 2" in page
    answer = client.post(republish_url, {"note": "Headline corrected."}, follow=True)
    assert "Republished 2 fact-checks with the article" in answer.content.decode()


def test_the_workspace_says_when_the_check_came_too_late(client, desk):
    client.force_login(desk["editor"])
    url = reverse("article-details-check", args=[desk["article"].pk])
    answer = client.post(url, {"details_tag": "an-old-tag"}, follow=True)
    assert "Someone changed the article&#x27;s details since you read them" in (
        answer.content.decode()
    )
    assert not ClaimEvent.objects.filter(action="article details checked").exists()


def test_the_api_checks_the_details_named_by_if_match(client, desk):
    article = desk["article"]
    url = f"/api/v1/newsroom/articles/{article.pk}/check-details/"
    client.force_login(desk["editor"])

    missing = client.post(url)
    assert missing.status_code == 428 and "details_tag" in missing.json()["detail"]
    stale = client.post(url, headers={"If-Match": '"stale"'})
    assert stale.status_code == 412
    assert stale.json()["current"]["details_tag"] == article.details_tag

    answer = client.post(url, headers={"If-Match": f'"{article.details_tag}"'})

    assert answer.status_code == 200
    assert sorted(answer.json()["checked"]) == sorted(claim.pk for claim in desk["claims"])
    again = client.post(url, headers={"If-Match": f'"{article.details_tag}"'})
    assert again.status_code == 400 and "checked it already" in json.dumps(again.json())
    client.force_login(desk["reviewer"])
    republished = client.post(
        f"/api/v1/newsroom/articles/{article.pk}/republish-details/",
        {"note": "Headline corrected."},
        content_type="application/json",
    )
    assert republished.status_code == 200
    assert len(republished.json()["published"]) == 2


def test_a_check_is_not_the_latest_change_of_a_date_moved_after_it(desk):
    """The check vouches for the details as they were: a date changed after it by the
    reviewer waits for a second look again, however small."""
    _check(desk, desk["editor"])
    services.article_update_details(
        article=desk["article"], actor=desk["reviewer"], published_on=dt.date(2026, 12, 1)
    )
    assert _republish(desk, desk["reviewer"]).published == []


def test_republishing_from_the_notice_asks_nobody_for_a_review(desk):
    """Each claim went through review on the way, and every reviewer and admin was told
    "review requested" for each, by email too (trial G10); published again as it was,
    nothing changed for anyone to be told of."""
    from annotations.models import Notification

    _check(desk, desk["editor"])
    before = Notification.objects.count()

    _republish(desk, desk["reviewer"])

    told = list(Notification.objects.order_by("pk")[before:].values_list("kind", "recipient"))
    assert told == [("published", desk["editor"].pk)] * 2
    # The title put back as readers saw it: republished as it was, and nobody told.
    services.article_update_details(
        article=desk["article"], actor=desk["editor"], title="A title for a moment"
    )
    services.article_update_details(article=desk["article"], actor=desk["editor"], title=NEW_TITLE)
    before = Notification.objects.count()
    report = _republish(desk, desk["reviewer"], note="")
    assert report.as_they_were and len(report.published) == 2
    assert Notification.objects.count() == before


def test_a_claim_the_editor_changed_too_is_covered_by_their_check(newsroom):
    """The editor corrected a conclusion, then the one reviewer corrected the title: that
    claim changed in more than the details, the editor's check left it out, and nobody but
    an admin could publish it (trial G10). The editor has seen their own change, and checks
    the details: the reviewer publishes it from its card."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    claim = factories.published_claim(article, editor, reviewer)
    services.claim_update(
        claim=Claim.objects.get(pk=claim.pk), actor=editor, expected_version=None,
        conclusion="Corrected by the editor.",
    )  # fmt: skip
    article.refresh_from_db()
    services.article_update_details(article=article, actor=reviewer, title=NEW_TITLE)
    claim = Claim.objects.get(pk=claim.pk)
    reason = services.claims.second_person_reason(claim, reviewer)
    assert reason.startswith("Another member must publish this: the latest change to it, the ")
    assert "An editor can check the new details" in reason

    checked = _check({"article": article}, editor)

    assert [c.pk for c in checked] == [claim.pk]
    claim = Claim.objects.get(pk=claim.pk)
    services.claim_transition(claim=claim, actor=editor, to_status="in_review")
    services.claim_transition(
        claim=Claim.objects.get(pk=claim.pk), actor=reviewer, to_status="published",
        note="Conclusion and headline corrected.",
    )  # fmt: skip
    live = queries.published_claims().get(claim=claim)
    assert (live.conclusion, live.article_title) == ("Corrected by the editor.", NEW_TITLE)


def test_someone_elses_change_of_the_details_is_no_second_look_at_a_rewrite(newsroom):
    """A reviewer rewrote a conclusion, an editor then fixed the article's title: the
    details change was the latest, so the reviewer could publish their own rewrite that
    nobody had looked at (review R14)."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    claim = factories.published_claim(article, editor, reviewer)
    services.claim_update(
        claim=Claim.objects.get(pk=claim.pk), actor=reviewer, expected_version=None,
        conclusion="Rewritten by the reviewer alone.",
    )  # fmt: skip
    article.refresh_from_db()
    services.article_update_details(article=article, actor=editor, title=NEW_TITLE)
    claim = Claim.objects.get(pk=claim.pk)
    services.claim_transition(claim=claim, actor=editor, to_status="in_review")
    with pytest.raises(PermissionDenied, match="wording, verdict or sources is yours"):
        services.claim_transition(
            claim=Claim.objects.get(pk=claim.pk), actor=reviewer, to_status="published",
            note="Rewritten.",
        )  # fmt: skip
