"""Organization admins set roles and remove members; nobody else can."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django import db
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.models import Claim, ClaimEvent, Membership
from tests import factories


def test_admin_changes_a_role(client, org_admin, editor):
    client.force_login(org_admin)
    client.post("/members/", {"action": "role", "user": editor.pk, "role": "reviewer"})
    assert Membership.objects.get(user=editor).role == "reviewer"


def test_the_last_admin_cannot_be_demoted_or_removed(client, org_admin):
    client.force_login(org_admin)
    response = client.post(
        "/members/", {"action": "role", "user": org_admin.pk, "role": "editor"}, follow=True
    )
    assert b"at least one admin" in response.content
    client.post("/members/", {"action": "remove", "user": org_admin.pk})
    assert Membership.objects.get(user=org_admin).role == "admin"
    # The last admin is not first asked to confirm a change that is then refused.
    assert b"Give up your admin role" not in response.content


def test_an_admin_who_leaves_is_asked_so_and_lands_on_their_desk_told_they_left(
    client, organization, org_admin
):
    """Removing oneself led back to the members page, now a 404 ("not a member"), and the
    question asked was whether to remove oneself by name, not whether to leave."""
    factories.member(organization, Membership.Role.ADMIN, username="second")
    client.force_login(org_admin)
    page = client.get("/members/").content.decode()
    assert f'data-confirm="Leave {organization.name}?"' in page
    assert f'data-confirm="Remove second from {organization.name}?"' in page
    assert f'aria-label="Leave {organization.name}"' in page

    newsroom_article = factories.article(organization, org_admin)
    mine = services.claim_create(
        article=newsroom_article,
        creator=org_admin,
        selectors=factories.quote_selectors(newsroom_article.text, "the median age"),
    )
    services.claim_update(claim=mine, actor=org_admin, expected_version=None, assignee=org_admin)
    services.invitation_create(
        organization=organization, actor=org_admin, invitee="new@example.test",
        role=Membership.Role.EDITOR,
    )  # fmt: skip
    response = client.post("/members/", {"action": "remove", "user": org_admin.pk})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    desk = client.get("/")
    assert desk.status_code == 200
    said = [str(message) for message in desk.context["messages"]]
    assert said == [
        f"You left {organization.name}. The claim assigned to you is now assigned to nobody. "
        "The invitation you sent that no one has answered yet was withdrawn."
    ]
    assert not Membership.objects.filter(user=org_admin, organization=organization).exists()


def test_an_editor_leaves_from_the_members_page_and_may_remove_nobody_else(
    client, organization, org_admin, editor, reviewer
):
    """Only admins had a Leave button; an editor's own POST was a 403 (trial G15)."""
    client.force_login(editor)
    page = client.get("/members/").content.decode()
    # The rule as the app applies it, not "by someone other than its creator" (trial G17).
    assert "whoever made the latest change to it, or to the words around it" in page
    assert f'data-confirm="Leave {organization.name}?"' in page
    assert f">Leave {organization.name}</button>" in page
    assert ">Remove</button>" not in page
    # Someone else is still an admin's to remove, by the page or the service.
    assert client.post("/members/", {"action": "remove", "user": reviewer.pk}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.member_remove(organization=organization, actor=editor, user=reviewer)
    assert Membership.objects.filter(user=reviewer, organization=organization).exists()

    response = client.post("/members/", {"action": "remove", "user": editor.pk})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not Membership.objects.filter(user=editor, organization=organization).exists()
    desk = client.get("/")
    said = [str(message) for message in desk.context["messages"]]
    assert said == [f"You left {organization.name}."]
    # Of no newsroom now: no button to add an article nor link to members, which answered
    # 403 and 404, but a word on how to come back (trial G15).
    page = desk.content.decode()
    assert "Add an article" not in page and 'href="/members/"' not in page
    assert "You are not a member of any newsroom now." in page
    # Typed by hand, the page for adding an article says the same, not "your organization".
    refused = client.get("/articles/new/")
    assert refused.status_code == 403
    assert "You are not a member of any newsroom now" in refused.content.decode()
    assert "An admin of your organization" not in refused.content.decode()


def test_the_only_admin_is_told_why_they_cannot_leave_instead_of_a_leave_button(
    client, organization, org_admin
):
    """They were asked "Leave?", then refused (trial G15)."""
    client.force_login(org_admin)
    page = client.get("/members/").content.decode()
    assert f'aria-label="Leave {organization.name}"' not in page
    assert "You are its only admin: make another member admin before you leave." in page


def test_a_role_saved_unchanged_says_nothing_changed(client, org_admin, editor):
    client.force_login(org_admin)
    response = client.post(
        "/members/", {"action": "role", "user": editor.pk, "role": "editor"}, follow=True
    )
    said = [str(message) for message in response.context["messages"]]
    assert said == [f"{editor.username} is editor already: nothing changed."]


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_members_who_are_not_admins_see_the_list_but_cannot_change_it(
    client, organization, editor, reviewer, role
):
    user = editor if role == "editor" else reviewer
    client.force_login(user)
    page = client.get("/members/")
    assert page.status_code == 200 and b"Invite a member" not in page.content
    response = client.post("/members/", {"action": "role", "user": user.pk, "role": "admin"})
    assert response.status_code == 403
    assert Membership.objects.get(user=user).role == role


@pytest.mark.parametrize(
    "user",
    ["abc", "", " ", "1e3", "-1", "0", "9" * 30, "99999", None, "stranger"],
)
@pytest.mark.parametrize("action", ["role", "remove"])
def test_a_malformed_or_unknown_member_on_the_form_is_a_clear_error_not_a_500(
    client, organization, org_admin, editor, action, user
):
    if user == "stranger":
        user = factories.member(factories.OrganizationFactory(), username="stranger").pk
    client.force_login(org_admin)
    fields = {"action": action, "role": "admin"}
    if user is not None:
        fields["user"] = user
    response = client.post("/members/", fields)
    assert response.status_code == 400
    assert b"Choose a member of this organization from the list." in response.content
    assert Membership.objects.get(user=editor).role == "editor"
    assert Membership.objects.filter(organization=organization).count() == 2


def test_an_unknown_action_is_a_clear_error(client, org_admin, editor):
    client.force_login(org_admin)
    response = client.post("/members/", {"action": "promote", "user": editor.pk})
    assert response.status_code == 400 and b"Unknown action." in response.content
    assert Membership.objects.get(user=editor).role == "editor"


@pytest.mark.django_db(transaction=True)
def test_two_admins_removing_each_other_at_once_leave_the_organization_one_admin(
    organization, org_admin
):
    other_admin = factories.member(organization, Membership.Role.ADMIN, username="adaline")
    barrier = threading.Barrier(2)
    outcomes = []

    def remove(actor, user):
        try:
            barrier.wait(timeout=30)
            services.member_remove(organization=organization, actor=actor, user=user)
            outcomes.append("removed")
        except (PermissionDenied, ValidationError) as error:
            outcomes.append(type(error).__name__)
        finally:
            db.connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(remove, [org_admin, other_admin], [other_admin, org_admin]))

    admins = Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN)
    assert admins.count() == 1
    # The second to act was no longer an admin by the time its turn came.
    assert sorted(outcomes) == ["PermissionDenied", "removed"]


def test_removing_a_member_unassigns_their_claims_and_says_so(client, organization, org_admin):
    leaving = factories.member(organization, username="leaving")
    staying = factories.member(organization, username="staying")
    article = factories.article(organization, org_admin)
    claims = [
        services.claim_create(
            article=article, creator=org_admin, selectors=factories.quote_selectors(article.text, q)
        )
        for q in ("Over 160,000 people listened in at once", "the median age")
    ]
    services.claim_update(claim=claims[0], actor=org_admin, expected_version=None, assignee=leaving)
    services.claim_update(claim=claims[1], actor=org_admin, expected_version=None, assignee=staying)

    client.force_login(org_admin)
    response = client.post("/members/", {"action": "remove", "user": leaving.pk}, follow=True)

    assert b"Removed leaving from" in response.content
    assert b"The 1 claim assigned to them are now" not in response.content
    assert b"The claim assigned to them is now assigned to nobody" in response.content
    left, kept = (Claim.objects.get(pk=claim.pk) for claim in claims)
    assert left.assignee is None and kept.assignee == staying
    # The change is in the claim's history and moves its version, so an open card sees it.
    event = ClaimEvent.objects.filter(claim=left).latest("pk")
    assert event.actor == org_admin and event.changes["assignee"] == ["leaving", None]
    assert left.version == claims[0].version + 2
