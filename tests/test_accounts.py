"""Signing in and out, changing a password and resetting it by email; limits on retries."""

import json
import os
import re
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import global_settings, settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from annotations import jobs, services
from annotations.models import ApiToken, Job, Membership
from annotations.permissions import SYSTEM
from annotations.throttling import client_ip
from factcheck.settings import _redis_cache_url
from tests import factories
from tests.browser_support import PASSWORD

pytestmark = pytest.mark.usefixtures("rate_limits_reset")
ROOT = Path(__file__).resolve().parent.parent
RESET_LINK = re.escape(settings.PUBLIC_BASE_URL) + r"(/accounts/reset/\S+)"


def ask_for_a_reset(client, email, **kwargs):
    """POST the reset form, then run the email jobs it queued as a worker would."""
    response = client.post("/accounts/password_reset/", {"email": email}, **kwargs)
    for job in Job.objects.filter(kind="password_reset", state=Job.State.QUEUED):
        jobs.run("password_reset", job.pk)
    return response


def test_a_reset_asked_for_sends_nothing_in_the_request_and_the_same_answer_for_anyone(
    client, editor
):
    """Review R15: sent in the request, the email made the answer slower for an address with
    an account than for one without, telling whose address is registered."""
    unknown = client.post("/accounts/password_reset/", {"email": "nobody@example.test"})
    known = client.post("/accounts/password_reset/", {"email": editor.email.upper()})

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == []
    [job] = Job.objects.filter(kind="password_reset")
    assert job.subject_id == editor.pk
    assert "token" not in json.dumps(job.arguments)  # the link's token is made when sent
    assert jobs.run("password_reset", job.pk) == Job.State.DONE
    [message] = mail.outbox
    assert message.to == [editor.email] and re.search(RESET_LINK, message.body)


def test_a_reset_link_is_on_the_sites_address_whatever_host_the_request_named(
    client, editor, settings
):
    """Review R15: the link was made from the request's Host, so where ALLOWED_HOSTS lets any
    through, a reset asked for with an attacker's site as the Host mailed the victim a link
    that handed their token to that site."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.PUBLIC_BASE_URL = "https://factcheck.example/desk"
    ask_for_a_reset(client, editor.email, HTTP_HOST="attacker.example")
    [message] = mail.outbox
    assert "attacker.example" not in message.body
    assert "https://factcheck.example/desk/accounts/reset/" in message.body


@pytest.mark.parametrize("change", ["moved-address", "deactivated", "password-off"])
def test_a_reset_email_goes_only_where_and_while_it_was_asked_for(client, editor, change):
    client.post("/accounts/password_reset/", {"email": editor.email})
    if change == "moved-address":
        editor.email = "new-home@example.test"
    elif change == "deactivated":
        editor.is_active = False
    else:
        editor.set_unusable_password()
    editor.save()

    [job] = Job.objects.filter(kind="password_reset")
    assert jobs.run("password_reset", job.pk) == Job.State.DONE
    assert mail.outbox == []


def test_a_reset_email_waits_out_a_mail_server_that_is_down(client, editor, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_HOST, settings.EMAIL_PORT = probe.getsockname()
    client.post("/accounts/password_reset/", {"email": editor.email})
    [job] = Job.objects.filter(kind="password_reset")

    assert jobs.run("password_reset", job.pk) == Job.State.QUEUED
    job.refresh_from_db()
    assert "the mail server could not be reached" in job.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert jobs.run("password_reset", job.pk) == Job.State.DONE
    assert len(mail.outbox) == 1


def test_login_page_then_sign_in_and_out(client, editor):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "eddie", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.post("/accounts/logout/").status_code == 302
    # Signed out, the front page is the public one, with a way to sign in.
    assert b'href="/accounts/login/' in client.get("/").content


def test_password_change(client, editor):
    client.force_login(editor)
    assert client.get("/accounts/password_change/").status_code == 200
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "an-Other-passphrase-7",
            "new_password2": "an-Other-passphrase-7",
        },
    )
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.check_password("an-Other-passphrase-7")


def test_a_refused_new_password_is_explained_under_the_password_not_its_confirmation(
    client, editor, mailoutbox
):
    client.force_login(editor)
    changed = client.post(
        "/accounts/password_change/",
        {"old_password": "correct-horse-battery", "new_password1": "password",
         "new_password2": "password"},
    )  # fmt: skip
    client.logout()
    ask_for_a_reset(client, editor.email)
    link = re.search(RESET_LINK, mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    reset = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    mismatch = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "reset-Passphrase-99", "new_password2": "reset-Passphrase-98"},
    )
    for response in (changed, reset):
        errors = response.context["form"].errors
        assert "too common" in " ".join(errors["new_password1"])
        assert "new_password2" not in errors
    # A confirmation that differs is the confirmation's own error: that field is retyped.
    assert list(mismatch.context["form"].errors) == ["new_password2"]
    editor.refresh_from_db()
    assert editor.check_password("correct-horse-battery")


def test_password_reset_by_email(client, editor, mailoutbox):
    # Every page of it is the site's own, not the admin's ("Django administration").
    asked = client.get("/accounts/password_reset/").content.decode()
    assert "Reset your password" in asked and "Django" not in asked
    response = ask_for_a_reset(client, editor.email, follow=True)
    assert "Check your email" in response.content.decode()
    assert len(mailoutbox) == 1
    link = re.search(RESET_LINK, mailoutbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "reset-Passphrase-99", "new_password2": "reset-Passphrase-99"},
        follow=True,
    )
    assert "Password changed" in done.content.decode() and "Django" not in done.content.decode()
    editor.refresh_from_db()
    assert editor.check_password("reset-Passphrase-99")
    # The link used once says it no longer works, and where to get another.
    again = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in again and "Django" not in again


# Failed sign-ins are limited by django-axes, counted in the database.


WRONG_PASSWORD = "wrong-password"


def sign_in(client, username, password=WRONG_PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_lock_the_account_and_then_the_right_one_is_refused(client, editor):
    answers = [sign_in(client, "eddie").status_code for _ in range(30)]
    assert answers == [200] * 4 + [429] * 26
    refused = sign_in(client, "eddie", PASSWORD)
    assert refused.status_code == 429 and not is_signed_in(client)
    assert b"signing in from here is paused for 15 minutes" in refused.content
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)


def test_five_failures_lock_that_account_from_that_address_only(client, editor, reviewer):
    for _ in range(5):
        sign_in(client, "eddie")
    assert sign_in(client, "eddie", PASSWORD).status_code == 429
    assert sign_in(client, "rita", PASSWORD).status_code == 302
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert sign_in(elsewhere, "eddie", PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_lock_every_account_for_any_client_there(client, editor):
    for number in range(20):
        assert sign_in(client, f"guess{number}").status_code in (200, 429)
    # A second client shares no cookie or session with the first: it is refused because the
    # count lives in the database, the one store every web process reads (see the test
    # below, which asks from another process).
    second = Client()
    assert sign_in(second, "eddie", PASSWORD).status_code == 429 and not is_signed_in(second)
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert sign_in(elsewhere, "eddie", PASSWORD).status_code == 302


def test_a_password_reset_by_email_lifts_the_accounts_lockout(client, editor, mailoutbox):
    for _ in range(5):
        sign_in(client, "eddie")
    assert sign_in(client, "eddie", PASSWORD).status_code == 429
    ask_for_a_reset(client, editor.email)
    link = re.search(RESET_LINK, mailoutbox[0].body).group(1)
    form = client.get(link, follow=True)
    new = "reset-Passphrase-99"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert b"signing in works again at once" in done.content
    # What that page says now holds: the new password signs in at once.
    assert sign_in(client, "eddie", new).status_code == 302 and is_signed_in(client)


def test_the_lockout_ends_after_the_cool_off(client, editor):
    for _ in range(5):
        sign_in(client, "eddie")
    assert sign_in(client, "eddie", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, "eddie", PASSWORD).status_code == 302 and is_signed_in(client)


SIGN_IN_FROM_ANOTHER_PROCESS = """
import django, json, sys
django.setup()
from django.test import Client
answers = {}
for username in sys.argv[1:]:
    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/accounts/login/", {"username": username, "password": "correct-horse-battery"}
    )
    answers[username] = [response.status_code, "_auth_user_id" in client.session]
print(json.dumps(answers))
"""


@pytest.mark.django_db(transaction=True)
def test_a_lockout_holds_in_another_process(client, editor, reviewer, settings):
    # The other process checks passwords with the production hashers (eddie's is never
    # checked there: the lockout refuses before any password is looked at).
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    reviewer.set_password(PASSWORD)
    reviewer.save()
    for _ in range(5):
        sign_in(client, "eddie")
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{database['NAME']}"
    else:
        url = (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
            f"/{database['NAME']}"
        )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "-c", SIGN_IN_FROM_ANOTHER_PROCESS, "rita", "eddie"],
        cwd=ROOT, env={**env, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "factcheck.settings"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers == {"rita": [302, True], "eddie": [429, False]}


# Password reset requests send email, so they are throttled on the shared cache.


def test_password_reset_requests_are_throttled_per_address_asked_for(client, editor, settings):
    settings.FACTCHECK_RATE_LIMITS = {
        **settings.FACTCHECK_RATE_LIMITS,
        "password-reset-email": "2/h",
    }
    emails = [editor.email, editor.email.upper(), f" {editor.email} "]
    answers = [ask_for_a_reset(client, e) for e in emails]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert b"Too many requests" in answers[-1].content
    assert len(mail.outbox) == 2


def test_password_reset_requests_are_throttled_per_client_address(client, db, settings):
    settings.FACTCHECK_RATE_LIMITS = {**settings.FACTCHECK_RATE_LIMITS, "password-reset-ip": "3/h"}
    answers = [
        client.post("/accounts/password_reset/", {"email": f"n{i}@example.test"}).status_code
        for i in range(4)
    ]
    assert answers == [302, 302, 302, 429]
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert (
        elsewhere.post("/accounts/password_reset/", {"email": "x@example.test"}).status_code == 302
    )


def test_a_cache_outage_lets_password_resets_through(client, editor, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{closed_port}?db=1",
        }
    }
    response = ask_for_a_reset(client, editor.email)
    assert response.status_code == 302 and len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("broker", "cache"),
    [
        ("redis+socket:///srv/var/redis.sock", "unix:///srv/var/redis.sock?db=1"),
        ("redis://redis.internal:6379/0", "redis://redis.internal:6379?db=1"),
        ("rediss://:secret@redis.internal:6380/2?ssl_cert_reqs=none",
         "rediss://:secret@redis.internal:6380?ssl_cert_reqs=none&db=1"),
    ],
)  # fmt: skip
def test_the_cache_uses_the_brokers_redis_in_its_own_database(broker, cache):
    assert _redis_cache_url(broker, db=1) == cache


def test_the_configured_cache_is_redis_and_answers():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    cache.set("cache-check", "yes", 5)
    assert cache.get("cache-check") == "yes" and isinstance(cache, RedisCache)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "203.0.113.5", "10.0.0.1"),
        (1, "198.51.100.9, 203.0.113.5", "203.0.113.5"),
        (2, "198.51.100.9, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (1, "not-an-address", "10.0.0.1"),
        (2, "203.0.113.5", "10.0.0.1"),
    ],
)
def test_the_client_address_is_read_only_from_entries_trusted_proxies_wrote(
    settings, proxies, forwarded, address
):
    settings.FACTCHECK_TRUSTED_PROXIES = proxies
    request = RequestFactory().post(
        "/accounts/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded
    )
    assert client_ip(request) == address


def test_a_write_naming_another_page_user_is_refused(client, editor, organization):
    """The header pages send with writes: the user the page was made for."""
    import json

    from annotations.api.permissions import PAGE_USER_HEADER

    client.force_login(editor)
    body = json.dumps({"title": "Pasted", "text": "Words.", "organization": organization.pk})
    url = "/api/v1/newsroom/articles/"
    refused = client.post(
        url, body, content_type="application/json", headers={PAGE_USER_HEADER: "999999"}
    )
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert "signed in as someone else" in detail
    # Where the typing is: in the page, and offered back to the page's account only (it
    # said "kept only in this page", while the browser keeps a copy for that account).
    assert "offers it back only to the account you opened the page with" in detail
    same = client.post(
        url, body, content_type="application/json", headers={PAGE_USER_HEADER: str(editor.pk)}
    )
    assert same.status_code == 201
    assert client.post(url, body, content_type="application/json").status_code == 201


def test_a_preview_from_a_page_made_for_another_user_is_still_rendered(client, editor, article):
    """A preview writes nothing, so it is not refused as a write is: the refusal repeated,
    whole, under the conclusion while the editor typed."""
    from annotations.api.permissions import PAGE_USER_HEADER

    client.force_login(editor)
    answer = client.post(
        f"/api/v1/newsroom/articles/{article.pk}/conclusion-preview/",
        {"conclusion": "**Bold** words"},
        content_type="application/json",
        headers={PAGE_USER_HEADER: "999999"},
    )
    assert answer.status_code == 200
    assert answer.json()["conclusion_html"].strip() == "<p><strong>Bold</strong> words</p>"


# A new password ends the API tokens made with the old one.


def _tokens(user, organization):
    services.membership_set(
        organization=organization, user=user, role=Membership.Role.ADMIN, actor=SYSTEM
    )
    _, personal = services.token_create(actor=user, name="script", scope=ApiToken.Scope.READ)
    _, for_desk = services.token_create(
        actor=user, name="cms", scope=ApiToken.Scope.READ, organization=organization
    )
    return personal, for_desk


def _answers(key: str) -> int:
    return Client().get("/api/v1/newsroom/articles/", HTTP_AUTHORIZATION=f"Token {key}").status_code


def test_changing_the_password_revokes_the_api_tokens_made_and_says_so(client, editor):
    """Someone who held the account (a stolen session) could make a token that outlived the
    owner's new password: sessions end with it, tokens did not."""
    other = factories.OrganizationFactory()
    keys = _tokens(editor, other)
    bystander = factories.member(other, "editor", username="bystander")
    _, kept = services.token_create(actor=bystander, name="theirs", scope=ApiToken.Scope.READ)
    assert [_answers(key) for key in (*keys, kept)] == [200, 200, 200]
    client.force_login(editor)
    form = client.get("/accounts/password_change/").content.decode()
    assert "revokes the 2 API tokens you made" in form

    done = client.post(
        "/accounts/password_change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "an-Other-passphrase-7",
            "new_password2": "an-Other-passphrase-7",
        },
        follow=True,
    )
    assert "The 2 API tokens you made were revoked" in done.content.decode()
    assert [_answers(key) for key in (*keys, kept)] == [401, 401, 200]
    assert not ApiToken.objects.filter(user=editor).exists()


def test_a_password_reset_by_email_revokes_the_api_tokens_made(client, editor, mailoutbox):
    keys = _tokens(editor, factories.OrganizationFactory())
    ask_for_a_reset(client, editor.email)
    link = re.search(RESET_LINK, mailoutbox[0].body).group(1)
    form = client.get(link, follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "reset-Passphrase-99", "new_password2": "reset-Passphrase-99"},
        follow=True,
    )
    assert "The 2 API tokens you made were revoked" in done.content.decode()
    assert [_answers(key) for key in keys] == [401, 401]


def test_only_the_account_holder_revokes_all_its_tokens(editor, reviewer):
    services.token_create(actor=editor, name="script", scope=ApiToken.Scope.READ)
    with pytest.raises(PermissionDenied):
        services.tokens_revoke_all(user=editor, actor=reviewer)
    assert ApiToken.objects.filter(user=editor).count() == 1
    assert services.tokens_revoke_all(user=editor, actor=editor) == 1


def test_a_password_set_by_a_site_admin_revokes_the_accounts_api_tokens_too(client, editor):
    """Only the site's two password pages revoked tokens (review R9): a site admin resetting
    a taken-over account's password in the admin left the intruder's token working."""
    keys = _tokens(editor, factories.OrganizationFactory())
    root = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    changed = client.post(
        f"/admin/auth/user/{editor.pk}/password/",
        {"password1": "admin-Set-passphrase-5", "password2": "admin-Set-passphrase-5"},
    )
    assert changed.status_code == 302, changed.content[:500]
    editor.refresh_from_db()
    assert editor.check_password("admin-Set-passphrase-5")
    assert [_answers(key) for key in keys] == [401, 401]


def test_a_password_set_anywhere_else_revokes_them_as_well(editor):
    """`manage.py changepassword`, a shell: every path that saves a new password."""
    keys = _tokens(editor, factories.OrganizationFactory())
    editor.set_password("shell-Set-passphrase-6")
    editor.save()
    assert [_answers(key) for key in keys] == [401, 401]
    # Saving the account without a new password leaves tokens alone.
    _, kept = services.token_create(actor=editor, name="after", scope=ApiToken.Scope.READ)
    editor.first_name = "Eddie"
    editor.save()
    assert _answers(kept) == 200


def test_an_account_whose_password_a_site_admin_turned_off_has_its_tokens_stop(client, editor):
    """ "Disable password-based authentication", an admin's answer to an account taken over,
    sets no new password, so nothing revoked its tokens (review R10)."""
    keys = _tokens(editor, factories.OrganizationFactory())
    root = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    turned_off = client.post(
        f"/admin/auth/user/{editor.pk}/password/",
        {"usable_password": "false", "unset-password": "1"},
    )
    assert turned_off.status_code == 302
    editor.refresh_from_db()
    assert not editor.has_usable_password()
    answers = [
        Client().get("/api/v1/newsroom/articles/", HTTP_AUTHORIZATION=f"Token {key}")
        for key in keys
    ]
    assert [answer.status_code for answer in answers] == [401, 401]
    assert "signing in turned off" in answers[0].json()["detail"]


@pytest.mark.usefixtures("rate_limits_reset")
def test_tries_of_the_password_change_form_are_limited_per_account(
    client, editor, reviewer, settings
):
    """Sign-in lockouts count sign-ins only: a stolen session could guess the current
    password on the change form without limit, and a right guess gives the account away
    with its password (review R22)."""
    settings.FACTCHECK_RATE_LIMITS = {
        **settings.FACTCHECK_RATE_LIMITS,
        "password-change-user": "3/h",
    }

    def change(who, old):
        browser = Client()
        browser.force_login(who)
        new = "an-Other-passphrase-7"
        return browser.post(
            "/accounts/password_change/",
            {"old_password": old, "new_password1": new, "new_password2": new},
        )

    # Every try counts, before its password is checked: counted after a wrong guess only,
    # tries sent at once all passed (review R23).
    assert [change(editor, f"guess-{n}").status_code for n in range(3)] == [200, 200, 200]
    # Over the limit, even the right password is not checked, from any session.
    assert change(editor, PASSWORD).status_code == 429
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)
    # Another account's guesses are its own.
    assert change(reviewer, PASSWORD).status_code == 302


def test_a_sign_out_form_whose_token_a_later_sign_in_replaced_still_signs_out(editor):
    """Told to sign in again in another tab after a session expired, the person then used
    the first tab's Sign out: its token was the replaced one, the page said the form had
    expired, and they stayed signed in (trial G19)."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    browser.get("/")
    stale_token = browser.cookies["csrftoken"].value
    # The other tab signs in again: Django gives the session a new CSRF token.
    login = browser.get("/accounts/login/")
    browser.post(
        "/accounts/login/",
        {
            "username": "eddie",
            "password": PASSWORD,
            "csrfmiddlewaretoken": login.context["csrf_token"],
        },
    )
    assert browser.cookies["csrftoken"].value != stale_token
    form = {"csrfmiddlewaretoken": stale_token}

    # From another site, a sign-out without the token is refused, as before.
    elsewhere = browser.post("/accounts/logout/", form, headers={"Sec-Fetch-Site": "cross-site"})
    assert elsewhere.status_code == 403
    assert browser.get("/").wsgi_request.user.is_authenticated  # still signed in

    signed_out = browser.post("/accounts/logout/", form, headers={"Sec-Fetch-Site": "same-origin"})
    assert signed_out.status_code == 302 and signed_out["Location"] == "/accounts/login/"
    assert signed_out["Clear-Site-Data"] == '"storage"'
    assert not browser.get("/").wsgi_request.user.is_authenticated
