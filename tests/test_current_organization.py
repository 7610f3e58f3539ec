"""Members of several organizations choose the one they work in; pages follow the choice."""

import re

import pytest

from annotations import services
from annotations.models import Article, Membership
from annotations.permissions import SYSTEM
from tests import factories

SWITCH = "/organizations/switch/"


@pytest.fixture
def desks(db):
    """Demo Fact Desk is made first (the lower id, and first by name), but its two members
    joined Other Desk first: Other Desk is their home desk.

    `editor` edits in both; `admin` is Other Desk's sole admin and an editor at Demo.
    """
    demo = factories.OrganizationFactory(name="Demo Fact Desk", slug="demo-fact-desk")
    other = factories.OrganizationFactory(name="Other Desk", slug="other-desk")
    editor = factories.member(other, Membership.Role.EDITOR, username="other-editor")
    admin = factories.member(other, Membership.Role.ADMIN, username="other-admin")
    for user in (editor, admin):
        services.membership_set(
            organization=demo, user=user, role=Membership.Role.EDITOR, actor=SYSTEM
        )
    factories.article(demo, editor, title="A Demo story")
    factories.article(other, editor, title="An Other story")
    outsider = factories.OrganizationFactory(name="Outside Desk", slug="outside-desk")
    return {"demo": demo, "other": other, "editor": editor, "admin": admin, "outside": outsider}


def _heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S).group(1)


def _chosen_on_the_new_article_page(client) -> str:
    """The organization preselected in Add an article's select."""
    html = client.get("/articles/new/").content.decode()
    select = re.search(r'<select id="article-organization".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="\d+" selected>([^<]+)<', select).group(1)


def _switch(client, slug: str) -> None:
    """Choose `slug` with the header's switcher, as a member of it may."""
    assert client.post(SWITCH, {"organization": slug}).status_code == 302


def _working_in(client) -> str:
    """The organization the member works in, as the Members page (which follows it) shows."""
    return _heading(client.get("/members/")).removeprefix("Members of ")


# Before any choice


def test_a_member_of_two_organizations_works_in_the_one_they_joined_first(client, desks):
    client.force_login(desks["editor"])

    assert _heading(client.get("/members/")) == "Members of Other Desk"
    assert _chosen_on_the_new_article_page(client) == "Other Desk"
    desk = client.get("/").content.decode()
    assert "An Other story" in desk and "A Demo story" not in desk


def test_the_sole_admin_of_their_home_desk_gets_its_member_management_and_settings(client, desks):
    client.force_login(desks["admin"])

    members = client.get("/members/").content.decode()

    assert "Members of Other Desk" in members and "Invite a member" in members
    assert 'href="/settings/organizations/other-desk/"' in members
    assert (
        client.get("/settings/organization/")["Location"] == "/settings/organizations/other-desk/"
    )


def test_the_switcher_is_shown_only_to_members_of_several_organizations(client, desks):
    client.force_login(desks["editor"])
    html = client.get("/").content.decode()
    switcher = re.search(r'<form[^>]*class="organization-switcher".*?</form>', html, re.S)
    assert switcher, "no organization switcher in the header"
    options = re.findall(r'<option value="([^"]+)"( selected)?>', switcher.group(0))
    assert options == [("demo-fact-desk", ""), ("other-desk", " selected")]

    client.force_login(factories.member(desks["demo"], username="single"))
    assert 'class="organization-switcher"' not in client.get("/").content.decode()


# Switching


def test_switching_moves_the_desk_members_and_new_articles_to_the_organization_chosen(
    client, desks
):
    client.force_login(desks["editor"])

    response = client.post(SWITCH, {"organization": "demo-fact-desk", "next": "/members/"})

    assert response.status_code == 302 and response["Location"] == "/members/"
    assert _working_in(client) == "Demo Fact Desk"
    assert _chosen_on_the_new_article_page(client) == "Demo Fact Desk"
    desk = client.get("/")
    assert _heading(desk) == "Your desk at Demo Fact Desk"
    assert "A Demo story" in desk.content.decode()
    assert "An Other story" not in desk.content.decode()


def test_the_desk_queues_follow_the_organization_chosen(client, desks):
    editor = desks["editor"]
    for organization in (desks["demo"], desks["other"]):
        article = organization.articles.get()
        services.claim_create(
            article=article,
            creator=editor,
            selectors=factories.quote_selectors(article.text, "median age is only 22.8 years"),
        )
    client.force_login(editor)

    drafts = re.search(
        r'id="queue-drafts".*?class="queue-count">(\d+)<.*?</section>',
        client.get("/").content.decode(),
        re.S,
    )
    assert drafts.group(1) == "1" and "An Other story" in drafts.group(0)
    _switch(client, "demo-fact-desk")
    drafts = re.search(
        r'id="queue-drafts".*?class="queue-count">(\d+)<.*?</section>',
        client.get("/").content.decode(),
        re.S,
    )
    assert drafts.group(1) == "1" and "A Demo story" in drafts.group(0)


def test_the_header_settings_link_follows_the_organization_chosen(client, desks):
    client.force_login(desks["admin"])
    settings_link = 'href="/settings/organizations/other-desk/">Settings</a>'
    assert settings_link in client.get("/").content.decode()

    _switch(client, "demo-fact-desk")

    # An editor at Demo Fact Desk: no settings there to change.
    page = client.get("/members/").content.decode()
    assert ">Settings</a>" not in page and "Invite a member" not in page
    _switch(client, "other-desk")
    page = client.get("/members/").content.decode()
    assert settings_link in page and "Invite a member" in page


@pytest.mark.parametrize("slug", ["outside-desk", "no-such-desk", ""])
def test_switching_to_an_organization_that_is_not_yours_is_a_404_and_changes_nothing(
    client, desks, slug
):
    client.force_login(desks["editor"])
    _switch(client, "demo-fact-desk")

    response = client.post(SWITCH, {"organization": slug, "next": "/members/"})

    assert response.status_code == 404
    assert _working_in(client) == "Demo Fact Desk"


def test_switching_needs_a_post_and_a_signed_in_member(client, desks):
    response = client.post(SWITCH, {"organization": "other-desk"})
    assert response.status_code == 403 and b"You were signed out" in response.content
    client.force_login(desks["editor"])
    assert client.get(SWITCH, {"organization": "demo-fact-desk"}).status_code == 405
    assert _working_in(client) == "Other Desk"


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/members/", "/members/"),
        # The page named the organization left, and its list's page number: both dropped.
        ("/members/?org=other-desk", "/members/"),
        ("/?q=budget&status=draft&page=3", "/?q=budget&status=draft"),
        ("/articles/new/", "/articles/new/"),
        # An article, or another organization's settings, belong to the one left.
        ("/articles/1/", "/"),
        ("/settings/organizations/other-desk/", "/"),
        ("https://elsewhere.example/members/", "/"),
        ("//elsewhere.example/members/", "/"),
        ("/no/such/page/", "/"),
        ("", "/"),
    ],
)
def test_after_switching_the_member_stays_on_a_page_that_follows_the_choice(
    client, desks, next_url, lands_on
):
    client.force_login(desks["editor"])
    response = client.post(SWITCH, {"organization": "demo-fact-desk", "next": next_url})
    assert response.status_code == 302 and response["Location"] == lands_on


# Links that name the organization


def test_a_link_naming_one_of_your_organizations_shows_it_and_remembers_it(client, desks):
    client.force_login(desks["editor"])

    assert _heading(client.get("/members/?org=demo-fact-desk")) == "Members of Demo Fact Desk"

    assert _working_in(client) == "Demo Fact Desk"
    assert _chosen_on_the_new_article_page(client) == "Demo Fact Desk"


@pytest.mark.parametrize("page", ["/members/", "/articles/new/", "/"])
def test_a_link_naming_an_organization_that_is_not_yours_is_a_404_and_changes_nothing(
    client, desks, page
):
    client.force_login(desks["editor"])
    _switch(client, "demo-fact-desk")

    assert client.get(page, {"org": "outside-desk"}).status_code == 404

    assert _working_in(client) == "Demo Fact Desk"


def test_settings_link_to_the_members_of_their_own_organization(client, desks):
    client.force_login(desks["admin"])
    _switch(client, "demo-fact-desk")

    settings_page = client.get("/settings/organizations/other-desk/").content.decode()

    assert 'href="/members/?org=other-desk">Members</a>' in settings_page
    # The settings page of an organization is where its admin works now.
    assert _working_in(client) == "Other Desk"


def test_an_organizations_settings_refused_to_a_non_admin_change_nothing(client, desks):
    client.force_login(desks["editor"])
    _switch(client, "demo-fact-desk")

    assert client.get("/settings/organizations/other-desk/").status_code == 403
    assert client.get("/settings/organizations/outside-desk/").status_code == 404

    assert _working_in(client) == "Demo Fact Desk"


def test_member_forms_post_to_the_organization_they_show(client, desks):
    """A form opened for one organization acts on it even after a switch in another tab."""
    admin = desks["admin"]
    client.force_login(admin)
    page = client.get("/members/").content.decode().partition("<main")[2]
    actions = set(re.findall(r'<form method="post" action="([^"]*)"', page))
    assert actions == {"/members/?org=other-desk"}
    editor = desks["editor"]

    _switch(client, "demo-fact-desk")  # the other tab
    client.post(
        "/members/?org=other-desk", {"action": "role", "user": editor.pk, "role": "reviewer"}
    )

    assert Membership.objects.get(user=editor, organization=desks["other"]).role == "reviewer"
    assert Membership.objects.get(user=editor, organization=desks["demo"]).role == "editor"


def test_a_member_removed_from_the_organization_chosen_works_in_their_first_again(client, desks):
    editor = desks["editor"]
    client.force_login(editor)
    _switch(client, "demo-fact-desk")
    Membership.objects.filter(user=editor, organization=desks["demo"]).delete()

    assert _working_in(client) == "Other Desk"


# Adding an article to the organization chosen


def test_the_new_article_page_offers_every_organization_the_member_may_add_to(client, desks):
    client.force_login(desks["editor"])
    html = client.get("/articles/new/").content.decode()
    select = re.search(r'<select id="article-organization".*?</select>', html, re.S).group(0)
    assert re.findall(r">([^<]+)</option>", select) == ["Demo Fact Desk", "Other Desk"]

    client.force_login(factories.member(desks["demo"], username="single"))
    html = client.get("/articles/new/").content.decode()
    assert f'id="article-organization" value="{desks["demo"].pk}"' in html
    assert "The article goes to <strong>Demo Fact Desk</strong>." in html


def test_an_article_goes_to_the_organization_named_in_the_request(client, desks):
    client.force_login(desks["editor"])
    response = client.post(
        "/api/v1/newsroom/articles/",
        {"title": "Budget", "text": "The deficit fell.", "organization": desks["demo"].pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Article.objects.get(title="Budget").organization == desks["demo"]


def test_an_article_for_an_organization_that_is_not_yours_is_refused_clearly(client, desks):
    client.force_login(desks["editor"])

    response = client.post(
        "/api/v1/newsroom/articles/",
        {"title": "Budget", "text": "The deficit fell.", "organization": desks["outside"].pk},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert (
        "articles can be added only to an organization you are a member of"
        in (response.json()["detail"])
    )
    assert not Article.objects.filter(title="Budget").exists()


def test_opening_an_article_of_the_other_organization_works_in_it(client, desks):
    client.force_login(desks["editor"])
    assert _working_in(client) == "Other Desk"
    demo_story = Article.objects.get(title="A Demo story")

    assert client.get(f"/articles/{demo_story.pk}/").status_code == 200

    assert _working_in(client) == "Demo Fact Desk"
    assert "A Demo story" in client.get("/").content.decode()
