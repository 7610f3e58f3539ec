"""Organization admins invite members and set roles; nobody else can."""

import re

import pytest

from annotations.models import Membership


def test_admin_invites_a_member_who_gets_a_link_to_choose_a_password(
    client, org_admin, organization, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    invitation = {
        "action": "invite",
        "username": "newbie",
        "email": "newbie@example.test",
        "role": "reviewer",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/members/", invitation)
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="newbie")
    assert membership.role == "reviewer" and membership.organization == organization
    assert not membership.user.has_usable_password()
    assert len(mailoutbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mailoutbox[0].body).group(1)
    client.logout()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-Long-passphrase-42", "new_password2": "a-Long-passphrase-42"},
    )
    assert done.status_code == 302
    assert client.login(username="newbie", password="a-Long-passphrase-42")


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
