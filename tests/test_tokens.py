"""API tokens: made and shown once, hashed, scoped, expiring, revocable, header-only."""

import itertools
from datetime import timedelta

import httpx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from knox.crypto import hash_token
from playwright.sync_api import expect

from annotations import services
from annotations.models import ApiToken, Article, Claim, Membership
from annotations.permissions import SYSTEM
from annotations.services.tokens import LAST_USED_RESOLUTION
from tests import factories
from tests.browser_support import ARTIFACTS, assert_accessible, open_page

ARTICLES = "/api/v1/newsroom/articles/"
PROBLEM = "application/problem+json"


def token_client(key: str) -> Client:
    """A client with no session that sends `key` the one accepted way."""
    return Client(headers={"Authorization": f"Token {key}"})


_token_numbers = itertools.count(1)


def make_token(user, scope=ApiToken.Scope.READ_WRITE, **fields):
    # Each its own name: a person's tokens are told apart by name.
    name = f"script {next(_token_numbers)}"
    return services.token_create(actor=user, name=name, scope=scope, **fields)


def assert_refused_401(response, detail_part: str = ""):
    assert response.status_code == 401, response.content[:300]
    assert response["WWW-Authenticate"] == "Token"
    assert response["Content-Type"].startswith(PROBLEM)
    assert detail_part in response.json()["detail"]


# Made once, stored hashed


def test_creating_a_token_returns_the_key_once_and_stores_only_its_hash(editor):
    token, key = make_token(editor)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["digest"] == hash_token(key)
    assert key.startswith("fc_") and len(key) == 3 + 64
    assert not any(key in str(value) for value in row.values())
    assert token_client(key).get(ARTICLES).status_code == 200


def test_the_settings_page_shows_a_new_key_once_and_never_again(client, editor):
    client.force_login(editor)
    created = client.post(
        "/settings/tokens/", {"action": "create", "name": "CMS sync", "scope": "read",
                              "expires": "30", "once": form_once(client, "/settings/tokens/")},
    )  # fmt: skip
    assert created.status_code == 200
    key = created.context["created"]["key"]
    assert key in created.content.decode()
    token = ApiToken.objects.get(user=editor)
    assert (token.name, token.scope, token.organization) == ("CMS sync", "read", None)
    assert token.expiry - timezone.now() == pytest.approx(
        timedelta(days=30), abs=timedelta(minutes=1)
    )
    again = client.get("/settings/tokens/")
    assert "CMS sync" in again.content.decode()
    assert key not in again.content.decode()
    assert "no-store" in created["Cache-Control"]


def form_once(client, url: str) -> str:
    """The one-time value of the create form on the token page at `url`."""
    return client.get(url).context["once"]


def test_sending_the_create_form_again_makes_no_second_token(client, editor):
    # A reload of the page that showed the new key sends the same form again.
    client.force_login(editor)
    fields = {"action": "create", "name": "CMS sync", "scope": "read", "expires": "30",
              "once": form_once(client, "/settings/tokens/")}  # fmt: skip
    first = client.post("/settings/tokens/", fields)
    assert first.status_code == 200 and first.context["created"]
    again = client.post("/settings/tokens/", fields, follow=True)
    assert ApiToken.objects.filter(user=editor).count() == 1
    assert again.context["created"] is None
    assert "sent already and its token made" in again.content.decode()
    # Without the page's value, nothing is made either.
    client.post("/settings/tokens/", {**fields, "once": ""})
    client.post("/settings/tokens/", {**fields, "once": "made-up"})
    assert ApiToken.objects.filter(user=editor).count() == 1
    # Each page shown gets its own value, so two tabs each make their token.
    tabs = [form_once(client, "/settings/tokens/") for _ in range(2)]
    for number, once in enumerate(reversed(tabs)):
        tab_fields = {**fields, "name": f"CMS sync {number}", "once": once}
        assert client.post("/settings/tokens/", tab_fields).status_code == 200
    assert ApiToken.objects.filter(user=editor).count() == 3


def test_a_second_token_of_the_same_name_is_refused_within_one_list(
    editor, reviewer, organization, org_admin
):
    services.token_create(actor=editor, name="CMS sync", scope="read")
    with pytest.raises(ValidationError) as raised:
        services.token_create(actor=editor, name=" cms SYNC ", scope="read-write")
    # Named as the list shows it, not as typed this time.
    assert raised.value.message_dict["name"] == [
        "A token named “CMS sync” already exists here; choose another name."
    ]
    assert ApiToken.objects.filter(user=editor).count() == 1
    # Accented capitals too, and spaces within, on SQLite as on PostgreSQL.
    services.token_create(actor=editor, name="Équipe web", scope="read")
    for alike in ("équipe web", "ÉQUIPE   WEB"):
        with pytest.raises(ValidationError):
            services.token_create(actor=editor, name=alike, scope="read")
    assert ApiToken.objects.filter(user=editor).count() == 2
    # Another person's list, and an organization's, are other lists.
    services.token_create(actor=reviewer, name="CMS sync", scope="read")
    services.token_create(actor=org_admin, name="CMS sync", scope="read", organization=organization)
    # An organization's tokens are listed together for all its admins.
    second_admin = factories.member(organization, Membership.Role.ADMIN)
    with pytest.raises(ValidationError):
        services.token_create(
            actor=second_admin, name="CMS Sync", scope="read", organization=organization
        )


def test_the_settings_page_says_why_a_second_token_of_a_name_is_not_made(client, editor):
    services.token_create(actor=editor, name="CMS sync", scope="read")
    client.force_login(editor)
    refused = client.post(
        "/settings/tokens/", {"action": "create", "name": "CMS sync", "scope": "read",
                              "expires": "30", "once": form_once(client, "/settings/tokens/")},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "A token named “CMS sync” already exists here" in refused.content.decode()
    assert refused.context["created"] is None
    assert ApiToken.objects.filter(user=editor).count() == 1


def test_a_token_without_expiry_works_until_revoked(editor):
    token, key = make_token(editor, expires_at=None)
    assert token.expiry is None
    assert token_client(key).get(ARTICLES).status_code == 200


def test_an_expiry_in_the_past_is_refused_at_creation(editor):
    with pytest.raises(ValidationError, match="future"):
        make_token(editor, expires_at=timezone.now() - timedelta(minutes=1))
    assert not ApiToken.objects.exists()


def test_a_token_with_an_unknown_scope_is_not_made(editor):
    with pytest.raises(ValidationError):
        make_token(editor, scope="admin")
    assert not ApiToken.objects.exists()


def test_the_system_cannot_hold_a_token(db):
    with pytest.raises(PermissionDenied):
        services.token_create(actor=SYSTEM, name="x", scope="read")


# Expiry, revocation, inactive users


def test_an_expired_token_is_refused_with_401_saying_when_it_expired(editor):
    token, key = make_token(editor, expires_at=timezone.now() + timedelta(days=1))
    assert token_client(key).get(ARTICLES).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert_refused_401(token_client(key).get(ARTICLES), "expired")
    # Kept, so its owner sees why their program stopped: listed as expired.
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_a_key_sent_as_a_bearer_token_is_told_the_scheme_this_api_uses(editor):
    _, key = make_token(editor)
    bearer = Client(headers={"Authorization": f"Bearer {key}"})
    assert_refused_401(bearer.get(ARTICLES), "`Authorization: Token <key>`")
    # A Bearer credential of another shape (a proxy's JWT) is not this API's to judge.
    jwt = Client(headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"})
    assert "Bearer" not in jwt.get(ARTICLES).json()["detail"]


def test_a_revoked_token_is_refused_with_401(editor):
    token, key = make_token(editor)
    assert token_client(key).get(ARTICLES).status_code == 200
    services.token_revoke(actor=editor, token=token)
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert_refused_401(token_client(key).get(ARTICLES), "revoked")


def test_revoking_through_the_settings_page_stops_the_token(client, editor):
    token, key = make_token(editor)
    client.force_login(editor)
    response = client.post("/settings/tokens/", {"action": "revoke", "token": token.pk})
    assert response.status_code == 302
    assert_refused_401(token_client(key).get(ARTICLES))


def test_someone_else_cannot_revoke_my_token(editor, reviewer, client):
    token, key = make_token(editor)
    with pytest.raises(PermissionDenied):
        services.token_revoke(actor=reviewer, token=token)
    client.force_login(reviewer)
    # My token is not among theirs: the page says it does not exist, and nothing changes.
    response = client.post("/settings/tokens/", {"action": "revoke", "token": token.pk})
    assert response.status_code == 400
    assert token_client(key).get(ARTICLES).status_code == 200


def test_the_token_of_a_deactivated_user_stops_working(editor):
    _, key = make_token(editor)
    editor.is_active = False
    editor.save()
    assert_refused_401(token_client(key).get(ARTICLES), "inactive")


def test_a_key_that_differs_only_after_its_lookup_prefix_is_refused(editor):
    _, key = make_token(editor)
    forged = key[:-1] + ("0" if key[-1] != "0" else "1")
    assert_refused_401(token_client(forged).get(ARTICLES), "revoked")


# Header only


@pytest.mark.parametrize(
    "header",
    ["Token", "Token a b", "Token ../../etc", "Token é", "Bearer {key}", "Basic dXNlcjpwYXNz"],
)
def test_a_malformed_authorization_header_is_refused_with_401(editor, header):
    _, key = make_token(editor)
    response = Client(headers={"Authorization": header.format(key=key)}).get(ARTICLES)
    assert_refused_401(response)


def test_a_browser_sending_basic_credentials_to_a_proxy_keeps_its_session(editor):
    session = Client(headers={"Authorization": "Basic dXNlcjpwYXNz"})
    session.force_login(editor)
    assert session.get(ARTICLES).status_code == 200


def test_a_key_is_accepted_only_in_the_authorization_header(editor):
    _, key = make_token(editor)
    for response in (
        Client().get(ARTICLES, {"token": key}),
        Client().get(ARTICLES, {"auth_token": key}),
        Client().get(ARTICLES, {"key": key}),
        Client(headers={"Cookie": f"token={key}; auth_token={key}"}).get(ARTICLES),
        Client(headers={"X-Api-Key": key, "X-Auth-Token": key}).get(ARTICLES),
    ):
        assert response.status_code == 401
        assert response.json()["detail"] == "Authentication credentials were not provided."
    assert token_client(key).get(ARTICLES).status_code == 200


# Last used


def test_last_used_is_recorded_at_most_once_a_minute(editor, django_assert_num_queries):
    token, key = make_token(editor)
    assert token.last_used_at is None
    client = token_client(key)
    client.get(ARTICLES)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    client.get(ARTICLES)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    two_minutes_ago = timezone.now() - 2 * LAST_USED_RESOLUTION
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=two_minutes_ago)
    client.get(ARTICLES)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > two_minutes_ago + LAST_USED_RESOLUTION


def test_a_request_within_the_minute_costs_no_write(editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, key = make_token(editor)
    client = token_client(key)
    client.get(ARTICLES)
    with CaptureQueriesContext(connection) as queries:
        client.get(ARTICLES)
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert writes == []


def test_authenticating_a_token_costs_one_query(editor, organization, org_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for user, fields, expected in [
        (editor, {}, 1),
        # An organization token also checks that its maker is still an admin there.
        (org_admin, {"organization": organization}, 2),
    ]:
        _, key = make_token(user, **fields)
        client = token_client(key)
        client.get(ARTICLES)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ARTICLES).status_code == 200
        token_queries = [
            q["sql"]
            for q in queries
            if q["sql"].startswith(
                ('SELECT "annotations_apitoken"', 'SELECT "annotations_membership"')
            )
        ]
        assert len(token_queries) == expected, token_queries


# Scope


def test_a_read_token_reads_but_every_write_is_refused_naming_the_scope(editor, article):
    _, key = make_token(editor, scope=ApiToken.Scope.READ)
    client = token_client(key)
    assert client.get(f"{ARTICLES}{article.pk}/").status_code == 200
    response = client.post(
        ARTICLES, {"title": "T", "text": "Body."}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM)
    assert '"read"' in response.json()["detail"] and "read-write" in response.json()["detail"]
    assert not Article.objects.filter(title="T").exists()
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(f"{ARTICLES}{article.pk}/text/").status_code == 403


def test_a_write_token_writes_as_its_user_through_the_services(editor, article):
    _, key = make_token(editor)
    client = token_client(key)
    response = client.post(
        f"{ARTICLES}{article.pk}/claims/",
        {"selectors": factories.quote_selectors(article.text, "median age is only 22.8 years")},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    claim = Claim.objects.get(pk=response.json()["id"])
    assert claim.creator == editor
    assert claim.events.get().actor == editor


def test_a_token_write_needs_no_csrf_token_but_a_session_write_does(editor, article):
    _, key = make_token(editor)
    body = {"title": "Pasted", "text": "Body."}
    session = Client(enforce_csrf_checks=True)
    session.force_login(editor)
    refused = session.post(ARTICLES, body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    token = Client(enforce_csrf_checks=True, headers={"Authorization": f"Token {key}"})
    assert token.post(ARTICLES, body, content_type="application/json").status_code == 201


def test_a_token_cannot_do_more_than_its_user(editor, article):
    """A write token of an editor still cannot publish: the services check the role."""
    _, key = make_token(editor)
    claim = services.claim_create(
        article=article, creator=editor,
        selectors=factories.quote_selectors(article.text, "median age is only 22.8 years"),
    )  # fmt: skip
    claim = services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    response = token_client(key).post(
        f"/api/v1/newsroom/claims/{claim.pk}/transition/",
        {"to": "published", "version": claim.version},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.IN_REVIEW


# Organization tokens


@pytest.fixture
def two_desks(db):
    """An admin of two organizations, each with an article."""
    home, other = factories.OrganizationFactory(), factories.OrganizationFactory()
    admin = factories.member(home, Membership.Role.ADMIN)
    services.membership_set(organization=other, user=admin, role="admin", actor=SYSTEM)
    return {
        "admin": admin,
        "home": home,
        "other": other,
        "home_article": factories.article(home, admin, title="Home story"),
        "other_article": factories.article(other, admin, title="Other story"),
    }


def test_an_organization_token_acts_only_within_its_organization(two_desks):
    desks = two_desks
    _, key = make_token(desks["admin"], organization=desks["home"])
    client = token_client(key)
    listed = [row["title"] for row in client.get(ARTICLES).json()["results"]]
    assert listed == ["Home story"]
    assert client.get(f"{ARTICLES}{desks['home_article'].pk}/").status_code == 200
    assert client.get(f"{ARTICLES}{desks['other_article'].pk}/").status_code == 404
    refused = client.post(
        ARTICLES, {"title": "Elsewhere", "text": "Body.", "organization": desks["other"].pk},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code in (400, 403, 404)
    assert not Article.objects.filter(title="Elsewhere").exists()
    # The same person's personal token still reaches both.
    _, personal = make_token(desks["admin"])
    assert len(token_client(personal).get(ARTICLES).json()["results"]) == 2


def test_an_organization_token_is_revoked_when_its_maker_is_no_longer_admin(two_desks, client):
    """A demoted admin's token was refused yet listed as working, and came back to life when
    they were made admin again."""
    desks = two_desks
    stays = factories.member(desks["home"], Membership.Role.ADMIN)
    _, key = make_token(desks["admin"], organization=desks["home"])
    _, elsewhere = make_token(desks["admin"], organization=desks["other"])
    _, personal = make_token(desks["admin"])
    assert token_client(key).get(ARTICLES).status_code == 200
    client.force_login(stays)
    member = {"user": desks["admin"].pk}
    answer = client.post(
        f"/members/?org={desks['home'].slug}", {"action": "role", "role": "editor", **member},
        follow=True,
    )  # fmt: skip
    said = [str(message) for message in answer.context["messages"]]
    assert said == [
        f"Updated {desks['admin'].username}. The organization token they made was revoked."
    ]
    assert token_client(key).get(ARTICLES).status_code == 401
    assert not ApiToken.objects.filter(organization=desks["home"]).exists()
    services.membership_set(
        organization=desks["home"], user=desks["admin"], role="admin", actor=SYSTEM
    )
    assert token_client(key).get(ARTICLES).status_code == 401  # gone for good
    # Their token for the other organization, where they are still admin, and their own.
    assert token_client(elsewhere).get(ARTICLES).status_code == 200
    assert token_client(personal).get(ARTICLES).status_code == 200
    _, again = make_token(desks["admin"], organization=desks["home"])
    services.member_remove(organization=desks["home"], user=desks["admin"], actor=SYSTEM)
    assert token_client(again).get(ARTICLES).status_code == 401


def test_only_an_organization_admin_makes_its_tokens(organization, editor, org_admin, client):
    with pytest.raises(PermissionDenied):
        make_token(editor, organization=organization)
    client.force_login(editor)
    assert client.get(f"/settings/organizations/{organization.slug}/tokens/").status_code == 403
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN)
    client.force_login(outsider)
    assert client.get(f"/settings/organizations/{organization.slug}/tokens/").status_code == 404
    with pytest.raises(PermissionDenied):
        make_token(outsider, organization=organization)
    assert not ApiToken.objects.exists()


def test_a_superuser_who_is_no_admin_of_an_organization_is_not_offered_its_tokens(
    organization, client
):
    """The token page let them in, with a form to make one, and making it was refused
    (review R11): who manages an organization's tokens was decided two ways."""
    root = factories.member(organization, Membership.Role.EDITOR, is_superuser=True)
    client.force_login(root)
    assert client.get(f"/settings/organizations/{organization.slug}/tokens/").status_code == 403
    assert f"/settings/organizations/{organization.slug}/tokens/" not in (
        client.get("/settings/tokens/").content.decode()
    )
    with pytest.raises(PermissionDenied):
        make_token(root, organization=organization)


def test_any_admin_of_the_organization_sees_and_revokes_its_tokens(organization, org_admin, client):
    token, key = make_token(org_admin, organization=organization, scope="read")
    other_admin = factories.member(organization, Membership.Role.ADMIN)
    client.force_login(other_admin)
    page = client.get(f"/settings/organizations/{organization.slug}/tokens/")
    assert page.status_code == 200
    assert "script" in page.content.decode() and org_admin.get_username() in page.content.decode()
    response = client.post(
        f"/settings/organizations/{organization.slug}/tokens/",
        {"action": "revoke", "token": token.pk},
    )
    assert response.status_code == 302
    assert_refused_401(token_client(key).get(ARTICLES))


def test_an_organization_token_made_on_its_page_belongs_to_the_organization(
    organization, org_admin, client
):
    client.force_login(org_admin)
    url = f"/settings/organizations/{organization.slug}/tokens/"
    response = client.post(
        url,
        {"action": "create", "name": "Newsroom CMS", "scope": "read-write", "expires": "never",
         "once": form_once(client, url)},
    )  # fmt: skip
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert (token.organization, token.user, token.expiry) == (organization, org_admin, None)
    # Not among the admin's personal tokens.
    assert "Newsroom CMS" not in client.get("/settings/tokens/").content.decode()


# In the browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_person_makes_a_token_in_the_browser_uses_it_and_revokes_it(
    browser, live_server, newsroom
):
    page = open_page(browser, live_server, "ed")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_url(f"{live_server.url}/settings/tokens/")
    assert_accessible(page, "token settings")
    page.get_by_label("Name").fill("Research sync")
    page.get_by_label("Scope").select_option("read")
    page.get_by_label("Expires").select_option("30")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_label("Key").input_value()
    page.get_by_role("button", name="Copy").click()
    page.get_by_role("status").filter(has_text="Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert_accessible(page, "a new token's key, shown once")
    page.screenshot(path=str(ARTIFACTS / "tokens-created.png"), full_page=True)

    articles = f"{live_server.url}{ARTICLES}"
    headers = {"Authorization": f"Token {key}"}
    listed = httpx.get(articles, headers=headers, timeout=10)
    assert listed.status_code == 200
    assert [row["title"] for row in listed.json()["results"]] == [newsroom["article"].title]
    write = httpx.post(articles, headers=headers, json={"title": "T", "text": "Body."}, timeout=10)
    assert write.status_code == 403 and '"read"' in write.json()["detail"]

    page.goto(f"{live_server.url}/settings/tokens/")
    assert key not in page.content()
    row = page.get_by_role("row").filter(has_text="Research sync")
    assert "Never" not in row.inner_text()  # last used: just now
    # Revoking asks first: a slip would cut off a working integration at once.
    row.get_by_role("button", name="Revoke Research sync").click()
    dialog = page.get_by_role("dialog", name="Revoke “Research sync”?")
    assert_accessible(page, "revoke question")
    page.screenshot(path=str(ARTIFACTS / "tokens-revoke-question.png"))
    page.keyboard.press("Enter")  # the focus starts on Cancel
    expect(dialog).to_have_count(0)
    assert httpx.get(articles, headers=headers, timeout=10).status_code == 200
    row.get_by_role("button", name="Revoke Research sync").click()
    dialog.get_by_role("button", name="Revoke token").click()
    page.get_by_text("Revoked “Research sync”").wait_for()
    assert page.get_by_text("No tokens yet.").is_visible()
    page.screenshot(path=str(ARTIFACTS / "tokens-revoked.png"), full_page=True)
    assert httpx.get(articles, headers=headers, timeout=10).status_code == 401
    assert page.errors == []
    assert not [text for text in console if "Content Security Policy" in text]

    # An admin makes the organization's token from the members page.
    factories.member(newsroom["organization"], Membership.Role.ADMIN, username="adah")
    admin_page = open_page(browser, live_server, "adah")
    admin_page.get_by_role("link", name="Members").click()
    admin_page.get_by_role("link", name="API tokens of Deadline Desk").click()
    admin_page.get_by_label("Name").fill("Desk CMS")
    admin_page.get_by_label("Scope").select_option("read-write")
    admin_page.get_by_role("button", name="Create token").click()
    org_key = admin_page.get_by_label("Key").input_value()
    assert admin_page.get_by_role("row").filter(has_text="Desk CMS").filter(has_text="adah").count()
    assert_accessible(admin_page, "organization tokens")
    admin_page.screenshot(path=str(ARTIFACTS / "tokens-organization.png"), full_page=True)
    pasted = httpx.post(
        articles,
        headers={"Authorization": f"Token {org_key}"},
        json={"title": "From the CMS", "text": "Body."},
        timeout=10,
    )
    assert pasted.status_code == 201
    assert Article.objects.get(title="From the CMS").created_by.get_username() == "adah"
