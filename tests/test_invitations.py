"""Invitations: only the invited person can join, once, and nobody else's account is touched."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from annotations import services
from annotations.models import Invitation, Membership
from annotations.permissions import SYSTEM
from tests import factories
from tests.browser_support import ARTIFACTS, PASSWORD, assert_accessible, open_page
from tests.conftest import wait_for

pytestmark = pytest.mark.usefixtures("rate_limits_reset")

ATTACKER = "attacker@evil.test"
NEW_PASSWORD = "a-Long-passphrase-42"
LINK = re.compile(re.escape(settings.PUBLIC_BASE_URL) + r"(/invitations/([A-Za-z0-9_-]+)/)")


def invite(client, capture, **fields):
    """POST the members page's invite action as the signed-in admin; emails are sent."""
    with capture(execute=True):
        return client.post("/members/", {"action": "invite", "role": "editor", **fields})


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def is_member(user, organization) -> bool:
    return Membership.objects.filter(organization=organization, user=user).exists()


# The takeover, replayed: an admin of one organization asks for an invitation to somebody
# else's account, to be sent to the admin's own address.


def _other_admin(organization):
    other = factories.OrganizationFactory(name="Other Desk")
    return factories.member(other, Membership.Role.ADMIN, username="victor")


def _superuser(organization):
    return factories.UserFactory(username="root", is_superuser=True, is_staff=True)


def _no_email(organization):
    return factories.UserFactory(username="quiet", email="")


def _mixed_case(organization):
    return factories.UserFactory(username="mixed", email="Mixed.Case@Example.TEST")


VICTIMS = {
    "another organization's admin": _other_admin,
    "the site superuser": _superuser,
    "a user with no email": _no_email,
    "a user with a mixed-case email": _mixed_case,
}


def _requests(victim):
    """The attacker's POSTs: the original form's fields, then the new form's by every name."""
    requests = {
        "the original form: victim's username, attacker's email": {
            "username": victim.username,
            "email": ATTACKER,
        },
        "the new form: victim's username, attacker's email alongside": {
            "invitee": victim.username,
            "username": victim.username,
            "email": ATTACKER,
        },
    }
    if victim.email:
        requests["the new form: victim's email in another case"] = {
            "invitee": victim.email.swapcase(),
            "email": ATTACKER,
        }
    return requests


@pytest.mark.parametrize("victim_kind", VICTIMS)
def test_the_takeover_sequence_reaches_neither_the_account_nor_the_attackers_inbox(
    client, organization, org_admin, django_capture_on_commit_callbacks, victim_kind
):
    victim = VICTIMS[victim_kind](organization)
    password_hash, address = victim.password, victim.email
    client.force_login(org_admin)
    for name, fields in _requests(victim).items():
        mail.outbox.clear()
        response = invite(client, django_capture_on_commit_callbacks, role="admin", **fields)
        assert response.status_code in (302, 400), name
        victim.refresh_from_db()
        assert victim.check_password(PASSWORD), name
        assert (victim.password, victim.email) == (password_hash, address), name
        assert not is_member(victim, organization), name
        assert all(ATTACKER not in message.recipients() for message in mail.outbox), name
        if "new form" not in name:
            continue
        # The new form ran the invitation path itself, so the refusal above was not by luck.
        if address:
            assert [message.to for message in mail.outbox] == [[address]], name
            # One by username, one by address (kept apart), each sent to the account's own;
            # the one by address shows the admin what they typed (review R22).
            invitations = Invitation.objects.filter(invited_user=victim)
            assert invitations and all(i.state == "pending" for i in invitations)
            assert all(i.email == address for i in invitations if i.named_by_username)
            assert all(i.email.casefold() == address.casefold() for i in invitations)
        else:
            assert mail.outbox == [] and not Invitation.objects.filter(invited_user=victim)
            assert "has no email address" in response.content.decode(), name
    # Even the victim's own link is no way in for the attacker: nothing for them to sign up.
    for message in mail.outbox:
        client.force_login(org_admin)
        page = client.post(link_in(message), {"username": "evil", "password": NEW_PASSWORD})
        assert page.status_code == 403
        client.logout()
        signup = client.post(
            link_in(message),
            {"username": "evil", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        )
        assert signup.status_code == 403 and b"Sign in as" in signup.content
    assert not get_user_model().objects.filter(username="evil").exists()
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD) and not is_member(victim, organization)


def test_an_invited_account_joins_only_after_accepting_while_signed_in_as_itself(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    other = factories.OrganizationFactory(name="Other Desk")
    olga = factories.member(other, Membership.Role.EDITOR, username="olga")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="olga", role="reviewer")
    [message] = mail.outbox
    assert message.to == [olga.email] and "olga" in message.body
    assert not is_member(olga, organization)

    client.logout()
    link = link_in(message)
    page = client.get(link)
    assert page.status_code == 200
    assert b"Sign in as <strong>olga</strong>" in page.content
    assert f'href="/accounts/login/?next={link.replace("/", "%2F")}"'.encode() in page.content
    signed_in = client.post(
        "/accounts/login/", {"username": "olga", "password": PASSWORD, "next": link}
    )
    assert signed_in.headers["Location"] == link
    page = client.get(link)
    assert b"Accept the invitation" in page.content
    assert not is_member(olga, organization)
    accepted = client.post(link, {"action": "accept"})
    assert accepted.status_code == 302
    assert Membership.objects.get(organization=organization, user=olga).role == "reviewer"
    invitation = Invitation.objects.get()
    assert (invitation.state, invitation.accepted_by) == ("accepted", olga)
    olga.refresh_from_db()
    assert olga.check_password(PASSWORD)


def test_a_username_typed_in_another_case_invites_that_account(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    """Sign-up refuses "Olga" once "olga" exists, so "Olga" can only mean olga."""
    olga = factories.UserFactory(username="olga")
    client.force_login(org_admin)
    response = invite(client, django_capture_on_commit_callbacks, invitee="OLGA")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [olga.email]
    assert Invitation.objects.get().invited_user == olga

    # Two older accounts that differ in case alone: only the exact spelling names one.
    factories.UserFactory(username="Rita")
    factories.UserFactory(username="rita")
    response = invite(client, django_capture_on_commit_callbacks, invitee="RITA")
    assert response.status_code == 400 and b"No account is called" in response.content
    assert Invitation.objects.count() == 1


def test_an_address_typed_never_tells_the_admin_whose_account_it_is(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    """Inviting "  BOB@Example.ORG " answered "Invitation sent to bob-rival…": any newsroom's
    admin could learn whether an address has an account here, and its username."""
    rival = factories.OrganizationFactory(name="Rival Desk")
    bob = factories.member(rival, Membership.Role.ADMIN, username="bob-rival")
    bob.email = "bob@example.org"
    bob.save()
    client.force_login(org_admin)
    response = invite(client, django_capture_on_commit_callbacks, invitee="  BOB@Example.ORG ")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["bob@example.org"]  # the account's own address, as before
    assert Invitation.objects.get().invited_user == bob
    page = client.get("/members/").content.decode()
    # As typed, spelled as a newcomer's address is: not the account's spelling (R22).
    assert "Invitation sent to BOB@example.org as editor." in page
    assert "bob-rival" not in page and "(existing account)" not in page
    # Named by its username, the account is shown by it, and the address stays unsaid.
    factories.UserFactory(username="olga", email="olga@example.net")
    invite(client, django_capture_on_commit_callbacks, invitee="olga", role="reviewer")
    page = client.get("/members/").content.decode()
    assert "Invitation sent to olga as reviewer, at the address on their account." in page
    assert 'olga <span class="hint">(existing account)</span>' in page
    assert "olga@example.net" not in page
    # Named now by its username, bob's account gets an invitation of its own: resending the
    # one by address ("sent again") would have told whose the address is.
    invite(client, django_capture_on_commit_callbacks, invitee="bob-rival")
    page = client.get("/members/").content.decode()
    assert "Invitation sent to bob-rival as editor, at the address on their account." in page
    assert "bob@example.org as editor" not in page.split("Invitation sent to bob-rival")[1]
    assert Invitation.objects.filter(invited_user=bob).count() == 2
    # A deactivated account found by its address is answered as an unknown address is:
    # a refusal would say an account has it.
    gone = factories.UserFactory(username="gone-rival", email="gone@example.org")
    gone.is_active = False
    gone.save()
    answered = invite(client, django_capture_on_commit_callbacks, invitee="gone@example.org")
    assert answered.status_code == 302
    page = client.get("/members/").content.decode()
    assert "Invitation sent to gone@example.org as editor." in page
    assert "gone-rival" not in page


def test_joining_by_one_of_two_invitations_to_the_same_person_closes_the_other(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    """Invited by address as an admin and by username as a reviewer, a person who accepted
    one could still open the other, which said "You are now a member" and kept its role."""
    olga = factories.UserFactory(username="olga", email="olga@example.net")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="OLGA@example.net", role="admin")
    invite(client, django_capture_on_commit_callbacks, invitee="olga", role="reviewer")
    by_address, by_username = (link_in(message) for message in mail.outbox)
    assert Invitation.objects.filter(state="pending").count() == 2

    client.force_login(olga)
    assert client.post(by_username, {"action": "accept"}).status_code == 302
    assert Membership.objects.get(organization=organization, user=olga).role == "reviewer"
    other = client.get(by_address)
    assert other.status_code == 410
    assert "joined the organization through another invitation" in other.content.decode()
    assert client.post(by_address, {"action": "accept"}).status_code == 410
    assert Membership.objects.get(organization=organization, user=olga).role == "reviewer"
    assert sorted(Invitation.objects.values_list("state", flat=True)) == [
        "accepted", "superseded",
    ]  # fmt: skip
    # The admin's list no longer shows the closed one as waiting.
    client.force_login(org_admin)
    assert list(client.get("/members/").context["invitations"]) == []


def test_a_member_opening_an_invitation_is_told_it_changes_nothing(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    """A member added some other way since (the site admin's pages): accepting kept the old
    role yet said "You are now a member"."""
    olga = factories.UserFactory(username="olga")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="olga", role="admin")
    link = link_in(mail.outbox[0])
    Membership.objects.create(organization=organization, user=olga, role="editor")
    client.force_login(olga)
    page = client.get(link).content.decode()
    assert "You are already a member of" in page and "as <strong>editor</strong>" in page
    assert "Accept the invitation" not in page
    refused = client.post(link, {"action": "accept"})
    assert refused.status_code == 403
    assert "nothing has changed" in refused.content.decode()
    assert Membership.objects.get(organization=organization, user=olga).role == "editor"


# Outside a test transaction, as a real request is: the sign-up locks the invitation, which
# PostgreSQL allows only inside a transaction the service itself must open.
@pytest.mark.django_db(transaction=True)
def test_a_newcomer_signs_up_with_the_invited_address_and_is_signed_in_as_a_member(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="New.Person@Example.test")
    [message] = mail.outbox
    assert message.to == ["New.Person@example.test"]
    client.logout()
    link = link_in(message)
    form = client.get(link)
    assert b"Create your account" in form.content and b"New.Person@example.test" in form.content
    response = client.post(
        link,
        {
            "username": "newbie",
            "email": ATTACKER,  # Not a field: the address is the invitation's.
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    newbie = get_user_model().objects.get(username="newbie")
    assert newbie.email == "New.Person@example.test" and newbie.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=newbie).organization == organization
    assert client.get("/").status_code == 200  # signed in
    assert client.get(link).status_code == 410


def test_signup_applies_the_password_validators_and_a_free_username(
    client, organization, org_admin, editor, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="newcomer@example.test")
    link = link_in(mail.outbox[0])
    client.logout()
    weak = client.post(link, {"username": "newcomer", "password": "12345678"} | {
        "password_again": "12345678"
    })  # fmt: skip
    assert weak.status_code == 400 and b"too common" in weak.content
    taken = client.post(
        link, {"username": "eddie", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert taken.status_code == 400 and b"already exists" in taken.content
    # A name that differs only in case, or in width (NFKC), would pass for the same person.
    for lookalike in ("EDDIE", "Eddie", "\uff25ddie"):
        passwords = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        response = client.post(link, {"username": lookalike} | passwords)
        assert response.status_code == 400 and b"already exists" in response.content, lookalike
    # Letters of two alphabets that look alike: "eddie" with a Cyrillic e passes for eddie.
    mixed = client.post(link, {"username": "\u0435ddie", **passwords})
    assert mixed.status_code == 400 and b"different alphabets" in mixed.content
    # Wholly in one alphabet, every letter a look-alike of another member's: "pace" typed in
    # Cyrillic reads as pace.
    factories.UserFactory(username="pace")
    whole = client.post(link, {"username": "\u0440\u0430\u0441\u0435", **passwords})
    assert whole.status_code == 400 and b"reads as the name pace" in whole.content
    differ = client.post(
        link, {"username": "newcomer", "password": NEW_PASSWORD, "password_again": "other"}
    )
    assert differ.status_code == 400 and b"differ" in differ.content
    assert not get_user_model().objects.filter(email="newcomer@example.test").exists()
    # A name in one alphabet, whichever, is anyone's own.
    own = client.post(link, {"username": "\u041d\u0430\u0442\u0430\u043b\u044c\u044f", **passwords})
    assert own.status_code == 302
    assert (
        get_user_model().objects.get(email="newcomer@example.test").username
        == "\u041d\u0430\u0442\u0430\u043b\u044c\u044f"
    )
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)
    assert Invitation.objects.get().state == "accepted"


def test_a_signed_in_account_that_was_not_invited_is_refused_and_nothing_changes(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    olga = factories.UserFactory(username="olga")
    mallory = factories.UserFactory(username="mallory", email="mallory@example.test")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="olga")
    invite(client, django_capture_on_commit_callbacks, invitee="someone@example.test")
    for message in mail.outbox:
        client.force_login(mallory)
        link = link_in(message)
        page = client.get(link)
        assert page.status_code == 200 and b"Nothing has changed" in page.content
        assert b"Accept the invitation" not in page.content
        assert client.post(link, {"action": "accept"}).status_code == 403
    assert not is_member(mallory, organization) and not is_member(olga, organization)
    assert set(Invitation.objects.values_list("state", flat=True)) == {"pending"}


def test_a_newcomer_invitation_is_accepted_by_an_account_holding_that_address(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="later@example.test")
    # The account was made after the invitation was sent (by a site administrator).
    later = factories.UserFactory(username="later", email="LATER@example.test")
    client.force_login(later)
    assert client.post(link_in(mail.outbox[0]), {"action": "accept"}).status_code == 302
    assert is_member(later, organization)


def test_an_invitation_link_is_on_the_sites_address_whatever_host_the_request_named(
    client, organization, org_admin, django_capture_on_commit_callbacks, settings
):
    """The link was made from the request's Host: where ALLOWED_HOSTS lets any through, an
    admin's page reached under another name (or a forged Host) mailed a token to that site."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.PUBLIC_BASE_URL = "https://factcheck.example"
    client.force_login(org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/members/",
            {"action": "invite", "role": "editor", "invitee": "new@example.test"},
            HTTP_HOST="attacker.example",
        )
    [message] = mail.outbox
    assert "attacker.example" not in message.body
    assert "https://factcheck.example/invitations/" in message.body


def test_an_invitation_link_on_a_site_under_a_prefix_names_the_prefix_once(
    client, organization, org_admin, django_capture_on_commit_callbacks, settings
):
    """Review R17: made in the admin's request, where reverse() starts with the prefix the
    server mounts the site under, the link repeated it after FACTCHECK_PUBLIC_URL's."""
    from django.urls import set_script_prefix

    settings.PUBLIC_BASE_URL = "https://factcheck.example/desk"
    client.force_login(org_admin)
    set_script_prefix("/desk/")  # what the WSGI handler does for SCRIPT_NAME=/desk
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.invitation_create(
                organization=organization, actor=org_admin, invitee="new@example.test",
                role=Membership.Role.EDITOR,
            )  # fmt: skip
    finally:
        set_script_prefix("/")
    [message] = mail.outbox
    assert "https://factcheck.example/desk/invitations/" in message.body, message.body
    assert "/desk/desk/" not in message.body


def test_a_link_works_once(client, organization, org_admin, django_capture_on_commit_callbacks):
    olga = factories.UserFactory(username="olga")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="olga", role="admin")
    link = link_in(mail.outbox[0])
    client.force_login(olga)
    assert client.post(link, {"action": "accept"}).status_code == 302
    client.force_login(org_admin)
    client.post("/members/", {"action": "role", "user": olga.pk, "role": "editor"})
    client.force_login(olga)
    again = client.post(link, {"action": "accept"})
    assert again.status_code == 410 and b"already been used" in again.content
    assert Membership.objects.get(user=olga, organization=organization).role == "editor"


def test_an_expired_link_is_refused_and_recorded_as_expired(
    client, organization, org_admin, settings, django_capture_on_commit_callbacks
):
    olga = factories.UserFactory(username="olga")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="olga")
    invitation = Invitation.objects.get()
    assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(olga)
    link = link_in(mail.outbox[0])
    refused = client.post(link, {"action": "accept"})
    assert refused.status_code == 410 and b"expired" in refused.content
    assert Invitation.objects.get().state == "expired" and not is_member(olga, organization)
    # The admin can invite again: a new invitation, a new link.
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="olga")
    assert Invitation.objects.filter(state="pending").count() == 1
    assert link_in(mail.outbox[-1]) != link


def test_an_expired_link_whose_person_was_invited_again_says_it_was_replaced(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    """Invited by name, then again by address: the first expired, dropped off the admins'
    list (the second stands for it), and its link still said to ask for it to be sent again
    (trial G6), which the admins could not do."""
    olga = factories.UserFactory(username="olga", email="olga@example.test")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="olga")
    first = Invitation.objects.get()
    Invitation.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1),
        created_at=timezone.now() - timedelta(days=8),
    )
    invite(client, django_capture_on_commit_callbacks, invitee="OLGA@example.test")
    assert Invitation.objects.filter(state="pending").exclude(pk=first.pk).count() == 1
    client.force_login(olga)
    answer = client.get(link_in(mail.outbox[0]))
    assert answer.status_code == 410
    assert "replaced by a newer one" in answer.content.decode()
    assert "send it again" not in answer.content.decode()


def test_an_invitation_that_expired_when_used_stays_listed_for_the_admin_to_send_again(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="late@example.test")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.post(link_in(mail.outbox[0]), {"action": "accept"})  # the invitee, too late
    invitation = Invitation.objects.get()
    assert invitation.state == "expired"

    page = client.get("/members/").content.decode()
    assert "late@example.test" in page and "Expired" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/members/", {"action": "resend", "invitation": invitation.pk})

    invitation.refresh_from_db()
    assert invitation.state == "pending" and invitation.expires_at > timezone.now()
    signup = client.get(link_in(mail.outbox[-1]))
    assert signup.status_code == 200
    # Once replaced by a newer invitation of the same person, an expired one is not listed.
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1), state="expired")
    invite(client, django_capture_on_commit_callbacks, invitee="late@example.test")
    assert (
        client.get("/members/").content.decode().count('<td class="address">late@example.test</td>')
        == 1
    )


def test_invitation_days_come_from_the_setting(
    client, organization, org_admin, settings, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_INVITATION_DAYS = 2
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="two@example.test")
    left = Invitation.objects.get().expires_at - timezone.now()
    assert timedelta(days=1, hours=23) < left <= timedelta(days=2)


def test_a_revoked_link_is_refused(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="gone@example.test")
    invitation = Invitation.objects.get()
    page = client.get("/members/")
    assert b"gone@example.test" in page.content and b"Revoke" in page.content
    client.post("/members/", {"action": "revoke", "invitation": invitation.pk})
    assert Invitation.objects.get().state == "revoked"
    assert b"gone@example.test" not in client.get("/members/").content
    client.logout()
    refused = client.get(link_in(mail.outbox[0]))
    assert refused.status_code == 410 and b"withdrawn" in refused.content


@pytest.mark.parametrize("way", ["resend", "invite again"])
def test_resending_sends_a_new_link_and_kills_the_old_one(
    client, organization, org_admin, django_capture_on_commit_callbacks, way
):
    """By the Resend button, or by inviting the same address again: the older link said
    "not found, check that you copied all of it" after the second way."""
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="again@example.test")
    invitation = Invitation.objects.get()
    if way == "resend":
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/members/", {"action": "resend", "invitation": invitation.pk})
    else:
        invite(client, django_capture_on_commit_callbacks, invitee="again@example.test")
    first, second = (link_in(message) for message in mail.outbox)
    assert first != second and [m.to for m in mail.outbox] == [["again@example.test"]] * 2
    assert Invitation.objects.get().send_count == 2
    client.logout()
    # The first email's link says what happened, not that it was never valid.
    old = client.get(first)
    assert old.status_code == 410
    text = old.content.decode()
    assert "A newer invitation was sent" in text
    assert "replaced by a newer one, sent on" in text
    assert "use the link in the latest invitation email" in text
    assert b"Create your account" in client.get(second).content
    # Once the invitation is used, either link says so.
    invitation.refresh_from_db()
    invitation.state = Invitation.State.ACCEPTED
    invitation.save(update_fields=["state"])
    assert "already been used" in client.get(first).content.decode()


def test_a_resent_invitation_goes_to_the_accounts_current_address(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    olga = factories.UserFactory(username="olga", email="old@example.test")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="olga")
    olga.email = "new@example.test"
    olga.save()
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/members/", {"action": "resend", "invitation": invitation.pk})
    invite(client, django_capture_on_commit_callbacks, invitee="olga")
    assert [m.to for m in mail.outbox] == [["old@example.test"]] + [["new@example.test"]] * 2


def test_inviting_someone_already_invited_resends_instead_of_duplicating(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    factories.UserFactory(username="olga", email="olga@example.test")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="olga")
    response = invite(client, django_capture_on_commit_callbacks, invitee="OLGA", role="reviewer")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.send_count == 2 and len(mail.outbox) == 2
    # The role chosen now replaces the first one, and the message says which it is.
    assert invitation.role == "reviewer"
    assert b"sent again to olga as reviewer" in client.get("/members/").content
    # By address, in any case, it is the invitation by address that is sent again.
    invite(client, django_capture_on_commit_callbacks, invitee="olga@example.test")
    invite(client, django_capture_on_commit_callbacks, invitee="OLGA@Example.test")
    assert Invitation.objects.filter(named_by_username=False).get().send_count == 2
    assert b"sent again to OLGA@example.test as editor" in client.get("/members/").content


def test_the_token_is_stored_only_as_its_sha256(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="hash@example.test")
    token = LINK.search(mail.outbox[0].body).group(2)
    assert len(token) >= 43
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(value) for value in Invitation.objects.values().get().values())
    assert token not in stored


@pytest.mark.parametrize(
    ("invitee", "error"),
    [
        ("eddie", b"already a member"),
        ("nobody-by-this-name", b"No account is called"),
        ("", b"This field is required"),
        # An address Django cannot send to (a non-ASCII local part) is said to be one.
        ("тест@пример.рф", "“тест@пример.рф” is not an email address".encode()),
        # An override is left out of the message, which it would otherwise reverse.
        ("evil\u202eeman", "No account is called “evileman”".encode()),
        (f"{'x' * 250}@example.org", b"at most 254 characters (it has 262)"),
    ],
)
def test_the_invite_form_says_what_is_wrong(
    client, organization, org_admin, editor, invitee, error, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    response = invite(client, django_capture_on_commit_callbacks, invitee=invitee)
    assert response.status_code == 400 and error in response.content
    assert mail.outbox == [] and not Invitation.objects.exists()


def test_the_invite_field_lets_a_long_address_reach_the_server_whole(client, org_admin):
    """A `maxlength` made the browser cut a longer pasted address without a word, and the
    invitation went to the cut one; the server's limit says so instead."""
    client.force_login(org_admin)
    page = client.get("/members/").content.decode()
    field = re.search(r'<input[^>]*name="invitee"[^>]*>', page).group(0)
    assert "maxlength" not in field


def test_a_member_without_an_email_address_is_said_to_be_a_member_already(
    client, organization, org_admin, editor, django_capture_on_commit_callbacks
):
    type(editor).objects.filter(pk=editor.pk).update(email="")
    client.force_login(org_admin)
    response = invite(client, django_capture_on_commit_callbacks, invitee=editor.username)
    assert response.status_code == 400
    assert b"already a member" in response.content and b"no email address" not in response.content


def test_members_who_are_not_admins_cannot_invite_resend_or_revoke(
    client, organization, org_admin, editor, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="x@example.test")
    invitation = Invitation.objects.get()
    client.get("/members/")  # shows, and so clears, the admin's "Invitation sent" message
    client.force_login(editor)
    assert b"x@example.test" not in client.get("/members/").content
    assert invite(client, django_capture_on_commit_callbacks, invitee="y@x.test").status_code == 403
    for action in ("resend", "revoke"):
        response = client.post("/members/", {"action": action, "invitation": invitation.pk})
        assert response.status_code == 403
    assert Invitation.objects.get().send_count == 1 and len(mail.outbox) == 1


def test_the_services_themselves_refuse_anyone_but_the_invited_person(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    olga = factories.UserFactory(username="olga")
    mallory = factories.UserFactory(username="mallory", email="mallory@example.test")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="olga")
    token = LINK.search(mail.outbox[0].body).group(2)
    for actor in (mallory, org_admin, SYSTEM):
        with pytest.raises(PermissionDenied):
            services.invitation_accept(token=token, actor=actor)
    with pytest.raises(PermissionDenied):
        services.invitation_signup(token=token, username="evil", password=NEW_PASSWORD)
    assert Invitation.objects.get().state == "pending"
    assert not is_member(olga, organization) and not is_member(mallory, organization)
    assert services.invitation_accept(token=token, actor=olga).role == "editor"


@pytest.mark.parametrize("token", ["nonsense", "A" * 43, "x" * 5000])
def test_an_unknown_token_gets_a_clear_not_found_page(client, db, token):
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 404 and b"not valid" in response.content
    assert client.post(f"/invitations/{token}/", {"action": "accept"}).status_code == 404


def test_sending_invitations_is_throttled_per_admin(
    client, organization, org_admin, settings, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_RATE_LIMITS = {**settings.FACTCHECK_RATE_LIMITS, "invitation-send": "3/h"}
    client.force_login(org_admin)
    answers = [
        invite(client, django_capture_on_commit_callbacks, invitee=f"n{i}@example.test")
        for i in range(4)
    ]
    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    assert len(mail.outbox) == 3 and Invitation.objects.count() == 3
    # The members page again, with what was typed and how long to wait (trial G6: a bare
    # "sent too often" page replaced the form and its input).
    refused = answers[-1]
    assert refused["Retry-After"] == "3600"
    page = refused.content.decode()
    assert "At most 3 invitations can be sent in an hour: this one was not sent." in page
    assert 'value="n3@example.test"' in page


def test_answering_invitations_is_throttled_per_address(
    client, organization, org_admin, settings, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_RATE_LIMITS = {
        **settings.FACTCHECK_RATE_LIMITS,
        "invitation-answer-ip": "2/h",
    }
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="slow@example.test")
    link = link_in(mail.outbox[0])
    client.logout()
    weak = {"username": "slow", "password": "1", "password_again": "1"}
    assert [client.post(link, weak).status_code for _ in range(3)] == [400, 400, 429]
    good = {"username": "slow", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    assert client.post(link, good).status_code == 429
    assert not get_user_model().objects.filter(username="slow").exists()


# In a real browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_invited_newcomer_signs_up_from_the_emailed_link_in_a_browser(browser, live_server):
    organization = factories.OrganizationFactory(name="Deadline Desk")
    factories.member(organization, Membership.Role.ADMIN, username="ada")
    admin_page = open_page(browser, live_server, "ada")
    admin_page.goto(f"{live_server.url}/members/")
    admin_page.get_by_label("Username or email address").fill("nadia@example.test")
    admin_page.get_by_label("Role", exact=True).select_option("reviewer")
    admin_page.get_by_role("button", name="Send invitation").click()
    admin_page.get_by_text("Invitation sent to nadia@example.test as reviewer.").wait_for()
    assert_accessible(admin_page, "members page with a pending invitation")
    admin_page.screenshot(path=str(ARTIFACTS / "invitation-members.png"), full_page=True)
    message = wait_for(lambda: mail.outbox and mail.outbox[-1], message="no invitation email")
    assert message.to == ["nadia@example.test"]
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}{link}")
    page.get_by_role("heading", name="Create your account").wait_for()
    assert page.get_by_label("Email address").input_value() == "nadia@example.test"
    assert page.get_by_label("Email address").get_attribute("readonly") is not None
    assert_accessible(page, "invitation sign-up")
    # A refused username: the reason sits on its own line, under the field's hint.
    page.get_by_label("Username").fill("nadia k!")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    error = page.locator(".field-error", has_text="Enter a valid username")
    error.wait_for()
    hint = error.locator("xpath=preceding-sibling::span[@class='hint']")
    assert error.bounding_box()["y"] >= hint.bounding_box()["y"] + hint.bounding_box()["height"]
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.screenshot(path=str(ARTIFACTS / "invitation-signup.png"), full_page=True)
    page.get_by_role("button", name="Create account and join").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_text("You are now a member of Deadline Desk").wait_for()
    page.screenshot(path=str(ARTIFACTS / "invitation-joined.png"), full_page=True)
    nadia = get_user_model().objects.get(username="nadia")
    membership = Membership.objects.get(user=nadia)
    assert (membership.organization, membership.role) == (organization, "reviewer")
    page.goto(f"{live_server.url}/members/")
    assert page.get_by_role("cell", name="nadia", exact=True).is_visible()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_an_organization_name_is_one_line_and_an_old_one_with_a_break_still_invites(
    organization, org_admin
):
    """A name typed with a line break made the invitation's subject a broken mail header:
    the invite answered 500, and the invitation stayed listed with no email sent."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="one line"):
        services.organization_update(
            organization=organization, actor=org_admin, name="Desk\r\nBcc: evil@example.test"
        )
    # The line and paragraph separators break a line too.
    for separator in ("\u2028", "\u2029", "\t"):
        with pytest.raises(ValidationError, match="one line"):
            services.organization_update(
                organization=organization, actor=org_admin, name=f"Desk{separator}Two"
            )
    organization.refresh_from_db()
    assert "\n" not in organization.name
    # A name stored before the rule: the subject is still one line, and the email goes.
    type(organization).objects.filter(pk=organization.pk).update(name="Old\r\nDesk")
    organization.refresh_from_db()
    mail.outbox.clear()
    services.invitation_create(
        organization=organization,
        actor=org_admin,
        invitee="newcomer@example.test",
        role=Membership.Role.EDITOR,
    )
    assert [message.to for message in mail.outbox] == [["newcomer@example.test"]]
    assert "Old Desk" in mail.outbox[0].subject and "\n" not in mail.outbox[0].subject


def test_the_look_alike_tables_load_only_when_someone_signs_up():
    # Their tables cost every web and worker process memory and start-up time.
    import subprocess
    import sys

    program = (
        "import os, sys, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'factcheck.settings')\n"
        "django.setup()\n"
        "import annotations.urls, annotations.tasks, factcheck.urls\n"
        "print('confusable_homoglyphs' in sys.modules)\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "False"


@pytest.mark.parametrize("leaves", ["demoted", "removed"])
def test_an_admin_who_leaves_the_role_withdraws_the_invitations_they_sent(
    organization, org_admin, leaves
):
    """An admin could invite a second account of theirs as an admin, lose the role, and
    come back in through the invitation still open."""
    other_admin = factories.member(organization, Membership.Role.ADMIN, username="second")
    invite_as = {"organization": organization}
    theirs = services.invitation_create(
        actor=org_admin, invitee="sock@example.test", role=Membership.Role.ADMIN, **invite_as
    )
    kept = services.invitation_create(
        actor=other_admin, invitee="fresh@example.test", role=Membership.Role.EDITOR, **invite_as
    )
    if leaves == "demoted":
        services.membership_set(
            organization=organization, user=org_admin, role=Membership.Role.EDITOR,
            actor=other_admin,
        )  # fmt: skip
    else:
        services.member_remove(organization=organization, actor=other_admin, user=org_admin)
    theirs.refresh_from_db()
    kept.refresh_from_db()
    assert theirs.state == Invitation.State.REVOKED and theirs.finished_at is not None
    assert kept.state == Invitation.State.PENDING


def test_an_address_typed_invites_whoever_has_it_never_an_account_named_like_it(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    """Review R15: an account that took the name "jane@paper.test" was matched by its name
    before Jane by her address, got the invitation at its own inbox and joined as admin."""
    mallory = factories.UserFactory(username="jane@paper.test", email="mallory@evil.test")
    client.force_login(org_admin)

    invite(client, django_capture_on_commit_callbacks, invitee="jane@paper.test", role="admin")

    [sent] = mail.outbox
    assert sent.to == ["jane@paper.test"]
    invitation = Invitation.objects.get()
    assert (invitation.invited_user, invitation.email) == (None, "jane@paper.test")
    client.force_login(mallory)
    refused = client.post(link_in(sent), {"action": "accept"})
    assert refused.status_code == 403 and not is_member(mallory, organization)
    # With Jane's account made since, the same address invites her account.
    jane = factories.UserFactory(username="jane", email="Jane@Paper.test")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="jane@paper.test", role="admin")
    assert Invitation.objects.filter(invited_user=jane, state="pending").exists()
    assert not Invitation.objects.filter(invited_user=mallory).exists()


def test_signup_refuses_a_username_with_an_at_sign(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="newcomer@example.test")
    client.logout()
    passwords = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}

    for name in ("editor@paper.test", "ed@desk"):
        refused = client.post(link_in(mail.outbox[0]), {"username": name, **passwords})
        assert refused.status_code == 400 and "cannot contain “@”" in refused.content.decode()
    assert not get_user_model().objects.filter(email="newcomer@example.test").exists()


def test_signup_refuses_a_username_with_no_letter_or_digit_that_shows(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    """Tatweels read as a dash in the members list, Hangul fillers as nothing (trial G15)."""
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="newcomer@example.test")
    client.logout()
    passwords = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}

    for name in ("\u0640\u0640\u0640", "\u3164", "\u3164\u3164_", "-\u0640."):
        refused = client.post(link_in(mail.outbox[0]), {"username": name, **passwords})
        assert refused.status_code == 400, name
        assert "at least one letter or digit that shows" in refused.content.decode()
    assert not get_user_model().objects.filter(email="newcomer@example.test").exists()
    # A name in an alphabet of its own, tatweel and all, is a name.
    accepted = client.post(
        link_in(mail.outbox[0]), {"username": "\u0645\u0640\u062d\u0645\u062f", **passwords}
    )
    assert accepted.status_code == 302
    assert get_user_model().objects.filter(email="newcomer@example.test").exists()


@pytest.mark.parametrize("how", ["invited-again", "resent"])
def test_an_invitation_sent_again_by_another_admin_is_theirs_and_goes_when_they_leave(
    organization, org_admin, how
):
    """Review R15: sent again by a second admin, the invitation stayed the first one's; the
    second admin's demotion left the admin role it offered open, and the first one's
    withdrew it."""
    second = factories.member(organization, Membership.Role.ADMIN, username="second")
    invite_as = {"organization": organization}
    invitation = services.invitation_create(
        actor=org_admin, invitee="sock@example.test", role=Membership.Role.EDITOR, **invite_as
    )
    if how == "resent":
        services.invitation_resend(invitation=invitation, actor=second)
    else:
        services.invitation_create(
            actor=second, invitee="sock@example.test", role=Membership.Role.ADMIN, **invite_as
        )
    invitation.refresh_from_db()
    assert invitation.invited_by == second

    services.membership_set(
        organization=organization, user=second, role=Membership.Role.EDITOR, actor=org_admin
    )

    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REVOKED


# Review R22: an invitation sent from an admin account taken over outlived the owner's
# answer to it (a new password, the operator deactivating the account or its password).


def _admin_invites_a_thief(client, organization, org_admin, capture):
    """Whoever holds the admin's session invites an address of their own, as admin; the
    link it sends them."""
    # A second admin: demoting or deactivating the first must not leave the desk without one.
    factories.member(organization, Membership.Role.ADMIN, username="co-admin")
    client.force_login(org_admin)
    invite(client, capture, invitee=ATTACKER, role="admin")
    client.logout()
    return link_in(mail.outbox[-1])


def _signs_up(client, link):
    return client.post(
        link, {"username": "thief", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )


def test_a_new_password_withdraws_the_invitations_sent_with_the_old_one_and_says_so(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    link = _admin_invites_a_thief(
        client, organization, org_admin, django_capture_on_commit_callbacks
    )
    elsewhere = factories.OrganizationFactory(name="Elsewhere")
    services.membership_set(organization=elsewhere, user=org_admin, role="admin", actor=SYSTEM)
    services.invitation_create(
        organization=elsewhere, actor=org_admin, invitee="friend@example.test", role="editor"
    )
    bystander = factories.member(organization, Membership.Role.ADMIN, username="bystander")
    kept = services.invitation_create(
        organization=organization, actor=bystander, invitee="kept@example.test", role="editor"
    )
    client.force_login(org_admin)
    form = client.get("/accounts/password_change/").content.decode()
    assert "withdraws the 2 invitations you sent that nobody has accepted yet" in form

    done = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "an-Other-passphrase-7",
            "new_password2": "an-Other-passphrase-7",
        },
        follow=True,
    )
    assert "The 2 invitations you sent that nobody had accepted were withdrawn" in (
        done.content.decode()
    )
    assert set(Invitation.objects.filter(invited_by=org_admin).values_list("state", flat=True)) == {
        "revoked"
    }
    assert Invitation.objects.get(pk=kept.pk).state == "pending"
    client.logout()
    page = _signs_up(client, link)
    assert page.status_code == 410 and b"withdrawn" in page.content
    assert not get_user_model().objects.filter(username="thief").exists()


@pytest.mark.parametrize("answer", ["deactivated", "password sign-in off", "no longer admin"])
def test_an_invitation_whose_sender_lost_the_account_or_the_role_does_not_open(
    client, organization, org_admin, answer, django_capture_on_commit_callbacks
):
    link = _admin_invites_a_thief(
        client, organization, org_admin, django_capture_on_commit_callbacks
    )
    if answer == "deactivated":
        org_admin.is_active = False
        org_admin.save()
    elif answer == "password sign-in off":
        org_admin.set_unusable_password()
        org_admin.save()
    else:
        # Past the services (a shell, a migration): member_remove withdraws them itself.
        Membership.objects.filter(user=org_admin).update(role=Membership.Role.EDITOR)
    token = LINK.search(mail.outbox[-1].body).group(2)
    assert client.get(link).status_code == 410
    assert _signs_up(client, link).status_code == 410
    with pytest.raises(services.InvitationUnavailable):
        services.invitation_signup(token=token, username="thief", password=NEW_PASSWORD)
    assert not get_user_model().objects.filter(username="thief").exists()
    assert not Membership.objects.filter(role="admin", user__email=ATTACKER).exists()


def test_the_admins_see_which_invitations_will_not_open_and_one_sent_again_does(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    """Listed like the others, an invitation whose sender was deactivated looked as if it
    still worked, while its link said it was withdrawn (stop 51's note)."""
    colleague = factories.member(organization, Membership.Role.ADMIN, username="colleague")
    client.force_login(org_admin)
    invite(client, django_capture_on_commit_callbacks, invitee="new@example.test", role="editor")
    client.force_login(colleague)
    page = client.get("/members/").content.decode()
    assert "Will not open" not in page
    org_admin.is_active = False
    org_admin.save()
    page = client.get("/members/").content.decode()
    assert "Will not open" in page and "ada can no longer invite here" in page
    invitation = Invitation.objects.get(email="new@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/members/", {"action": "resend", "invitation": invitation.pk})
    assert "Will not open" not in client.get("/members/").content.decode()
    client.logout()
    opened = client.get(link_in(mail.outbox[-1]))
    assert opened.status_code == 200 and b"Create your account" in opened.content


def test_an_invitation_sent_by_the_sites_operator_or_the_system_still_opens(
    client, organization, django_capture_on_commit_callbacks
):
    root = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    for actor, address in ((root, "a@example.test"), (SYSTEM, "b@example.test")):
        with django_capture_on_commit_callbacks(execute=True):
            services.invitation_create(
                organization=organization, actor=actor, invitee=address, role="editor"
            )
    assert [message.to for message in mail.outbox] == [["a@example.test"], ["b@example.test"]]
    for message in mail.outbox:
        page = client.get(link_in(message))
        assert page.status_code == 200 and b"Create your account" in page.content


def test_inviting_by_address_reads_alike_whether_or_not_an_account_has_it(
    client, organization, org_admin, django_capture_on_commit_callbacks
):
    """The account's own spelling of its address ("editor-b@" for "Editor-B@" typed), and
    "Several accounts use this address", told an admin of any newsroom that accounts have
    it (review R22). The email still goes to the account's address."""
    elsewhere = factories.OrganizationFactory(name="Elsewhere")
    factories.member(elsewhere, username="editor-b", email="editor-b@example.test")
    factories.UserFactory(username="twin-1", email="twin@example.test")
    factories.UserFactory(username="twin-2", email="Twin@example.test")
    client.force_login(org_admin)
    said = {}
    for typed in ("Editor-B@Example.test", "Nobody-Here@Example.test", "Twin@Example.test"):
        page = invite(client, django_capture_on_commit_callbacks, invitee=typed)
        page = client.get("/members/").content.decode()
        said[typed] = re.findall(r"Invitation sent to [^<]*", page)
    normalised = {typed: typed.replace("Example.test", "example.test") for typed in said}
    for typed, messages in said.items():
        assert messages == [f"Invitation sent to {normalised[typed]} as editor."], messages
    listed = client.get("/members/").content.decode()
    for typed in said:
        assert normalised[typed] in listed
    assert "editor-b@example.test" not in listed and "(existing account)" not in listed
    # Sent to the account's own address; to the newcomer's and the shared one as typed.
    assert [message.to for message in mail.outbox] == [
        ["editor-b@example.test"],
        ["Nobody-Here@example.test"],
        ["Twin@example.test"],
    ]
    # The email does not promise a new account: one may have the address already.
    assert "or sign in with the one\nthat has this address" in mail.outbox[2].body
    # Either account with the shared address may accept; the first one to do so joins.
    twin = get_user_model().objects.get(username="twin-2")
    client.force_login(twin)
    client.post(link_in(mail.outbox[2]), {"action": "accept"})
    assert is_member(twin, organization)
