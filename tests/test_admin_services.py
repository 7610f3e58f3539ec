"""The admin writes through the services: a staff account gets no more than its role allows."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from annotations import services
from annotations.models import Article, Membership, Organization, Rating
from tests import factories
from tests.browser_support import PASSWORD


def _staff(organization, role, username):
    """A staff account with every model permission of the app, holding `role` in one desk."""
    user = factories.member(organization, role, username=username, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="annotations"))
    return user


def _form_data(client, url) -> dict:
    """The admin change form at `url` as a browser would post it back unchanged."""
    response = client.get(url)
    assert response.status_code == 200
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = (
            field.widget.format_value(value) if hasattr(field.widget, "format_value") else value
        )
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management[name].value()
        for row in formset.forms:
            for name in row.fields:
                value = row[name].value()
                if value is None or value is False:
                    continue
                data[f"{row.prefix}-{name}"] = "on" if value is True else value
    return {key: ("" if value is None else value) for key, value in data.items()}


@pytest.fixture
def desk(db):
    organization = factories.OrganizationFactory(name="Desk", slug="desk")
    return {
        "organization": organization,
        "editor": _staff(organization, Membership.Role.EDITOR, "staff-editor"),
        "admin": _staff(organization, Membership.Role.ADMIN, "staff-admin"),
        "article": factories.article(organization, factories.member(organization)),
    }


def test_an_editor_cannot_switch_off_two_person_review_from_the_admin(client, desk):
    client.force_login(desk["editor"])
    url = f"/admin/annotations/organization/{desk['organization'].pk}/change/"
    data = _form_data(client, url)
    data.pop("requires_two_person_review", None)
    response = client.post(url, data, follow=True)
    assert "Only an organization admin can change its settings." in response.content.decode()
    assert Organization.objects.get(pk=desk["organization"].pk).requires_two_person_review


def test_an_organization_admin_changes_its_settings_through_the_service(client, desk):
    client.force_login(desk["admin"])
    url = f"/admin/annotations/organization/{desk['organization'].pk}/change/"
    data = _form_data(client, url)
    data["name"] = "Renamed desk"
    response = client.post(url, data, follow=True)
    assert "Not saved" not in response.content.decode()
    assert Organization.objects.get(pk=desk["organization"].pk).name == "Renamed desk"


def test_an_organization_admin_cannot_add_a_member_without_an_invitation(client, desk):
    client.force_login(desk["admin"])
    outsider = factories.UserFactory(username="someone-else")
    response = client.post(
        "/admin/annotations/membership/add/",
        {"organization": desk["organization"].pk, "user": outsider.pk, "role": "admin"},
        follow=True,
    )
    # Someone of no desk of the admin's is not even offered; the service refuses them too.
    assert "Select a valid choice" in response.content.decode()
    assert not Membership.objects.filter(user=outsider).exists()


def test_an_editor_cannot_rename_a_rating_from_the_admin(client, desk):
    client.force_login(desk["editor"])
    scale = desk["organization"].rating_scales.get()
    url = f"/admin/annotations/ratingscale/{scale.pk}/change/"
    data = _form_data(client, url)
    first = next(key for key in data if key.endswith("-label"))
    original = data[first]
    data[first] = "Pants on fire"
    response = client.post(url, data, follow=True)
    assert "Only an organization admin" in response.content.decode()
    assert Rating.objects.filter(scale=scale, label=original).exists()
    assert not Rating.objects.filter(label="Pants on fire").exists()


def test_an_admin_of_another_desk_cannot_retitle_an_article(client, desk):
    other = factories.OrganizationFactory(name="Other", slug="other")
    client.force_login(_staff(other, Membership.Role.ADMIN, "other-admin"))
    article = desk["article"]
    url = f"/admin/annotations/article/{article.pk}/change/"
    # Another desk's article is not found in the admin; were it shown, the service would
    # refuse the change.
    response = client.post(url, {"title": "Hijacked"}, follow=True)
    assert "doesn’t exist" in response.content.decode()
    assert Article.objects.get(pk=article.pk).title == article.title
    with pytest.raises(PermissionDenied, match="Your role does not allow editing articles"):
        services.article_update_details(
            article=article, actor=other.memberships.get().user, title="Hijacked"
        )


def test_an_editor_retitles_an_article_without_a_new_revision(client, desk):
    client.force_login(desk["editor"])
    article = desk["article"]
    url = f"/admin/annotations/article/{article.pk}/change/"
    data = _form_data(client, url)
    data["title"] = "A better title"
    client.post(url, data, follow=True)
    article.refresh_from_db()
    assert article.title == "A better title"
    assert article.revisions.count() == 1


def test_claim_history_cannot_be_written_by_hand(client, desk):
    client.force_login(desk["admin"])
    assert client.get("/admin/annotations/claimevent/add/").status_code == 403


def test_a_rating_in_use_is_not_deleted_and_the_admin_says_why(client, desk):
    client.force_login(desk["admin"])
    rating = Rating.objects.get(scale__organization=desk["organization"], label="False")
    claim = services.claim_create(
        article=desk["article"],
        creator=desk["admin"],
        selectors=factories.quote_selectors(desk["article"].text, "Over 160,000 people"),
    )
    services.claim_update(claim=claim, actor=desk["admin"], expected_version=None, rating=rating)
    url = f"/admin/annotations/ratingscale/{rating.scale_id}/change/"
    data = _form_data(client, url)
    row = next(key[: -len("-label")] for key, value in data.items() if value == "False")
    data[f"{row}-DELETE"] = "on"
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    # The admin's own form refuses before the service is asked; the service refuses too.
    assert "protected related objects" in response.content.decode()
    assert Rating.objects.filter(pk=rating.pk).exists()
    with pytest.raises(ValidationError, match="is the verdict of claims"):
        services.rating_delete(rating=rating, actor=desk["admin"])
    assert Rating.objects.filter(pk=rating.pk).exists()


def test_articles_and_imports_are_not_deleted_from_the_admin(client, desk):
    """Deleting there skipped the service: an article went with the revisions its claims
    are anchored in, an import left its stored file behind."""
    from annotations.models import ArticleImport

    superuser = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    article = desk["article"]
    importing = services.article_import_url(
        organization=desk["organization"], requested_by=desk["admin"], url="https://news.example/a"
    )
    imported = ArticleImport.objects.get(article=importing)
    for url in (
        f"/admin/annotations/article/{article.pk}/delete/",
        f"/admin/annotations/articleimport/{imported.pk}/delete/",
    ):
        assert client.post(url, {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/annotations/article/",
        {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert Article.objects.filter(pk=article.pk).exists()
    assert ArticleImport.objects.filter(pk=imported.pk).exists()


def test_an_organization_added_in_the_admin_keeps_its_methodology_and_offers_no_logo(client, desk):
    """The methodology typed on the add form was dropped without a word, and so was a
    logo chosen there (the settings page checks and stores logos)."""
    superuser = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    url = "/admin/annotations/organization/add/"
    data = _form_data(client, url)
    assert "logo" not in client.get(url).context["adminform"].form.fields
    data.update(name="Nueva redacción", slug="nueva", methodology="How we **check**.")
    data.pop("requires_two_person_review", None)

    response = client.post(url, data, follow=True)

    assert "Not saved" not in response.content.decode()
    added = Organization.objects.get(slug="nueva")
    assert added.methodology == "How we **check**."
    assert added.requires_two_person_review is False


@pytest.fixture
def two_desks(db):
    """Desk A with a draft claim, a source and an invitation; a staff admin of desk B."""
    desk_a = factories.OrganizationFactory(name="Desk A", slug="desk-a")
    desk_b = factories.OrganizationFactory(name="Desk B", slug="desk-b")
    editor_a = factories.member(desk_a, Membership.Role.EDITOR, username="editor-a")
    admin_a = factories.member(desk_a, Membership.Role.ADMIN, username="admin-a")
    article = factories.article(desk_a, editor_a, title="Desk A's unpublished article")
    claim = services.claim_create(
        article=article,
        creator=editor_a,
        selectors=factories.quote_selectors(article.text, "Over 160,000 people listened in"),
    )
    services.claim_update(
        claim=claim, actor=editor_a, expected_version=None, conclusion="Desk A's draft verdict"
    )
    source = services.source_add(claim=claim, actor=editor_a, url="https://desk-a.example/lead")
    services.invitation_create(
        organization=desk_a,
        actor=admin_a,
        invitee="whistleblower@desk-a.example",
        role=Membership.Role.EDITOR,
    )
    return {
        "claim": claim,
        "article": article,
        "source": source,
        "other_admin": _staff(desk_b, Membership.Role.ADMIN, "staff-of-b"),
        "own_article": factories.article(desk_b, factories.member(desk_b), title="B's own"),
    }


SECRETS_OF_A = ["Desk A", "whistleblower@desk-a.example", "desk-a.example/lead", "editor-a"]


@pytest.mark.parametrize(
    "page",
    [
        "claim/",
        "article/",
        "articlerevision/",
        "articleimport/",
        "invitation/",
        "membership/",
        "organization/",
        "ratingscale/",
        "source/",
        "claimevent/",
        "source/add/",
        "articleimport/add/",
        "claim/?article__organization__id__exact=1",
    ],
)
def test_a_staff_admin_of_one_desk_sees_nothing_of_another_desk_in_the_admin(
    client, two_desks, page
):
    """Model permissions are instance-wide: a desk's staff read every other desk's drafts,
    articles and invitees' addresses in the admin's lists, forms and filters."""
    client.force_login(two_desks["other_admin"])
    response = client.get(f"/admin/annotations/{page}")
    assert response.status_code == 200
    shown = response.content.decode()
    assert [secret for secret in SECRETS_OF_A if secret in shown] == []
    if page == "article/":
        assert "B&#x27;s own" in shown or "B's own" in shown  # its own desk's rows are listed


@pytest.mark.parametrize("row", ["claim", "article", "source"])
def test_a_staff_admin_of_one_desk_cannot_open_another_desks_row(client, two_desks, row):
    client.force_login(two_desks["other_admin"])
    response = client.get(f"/admin/annotations/{row}/{two_desks[row].pk}/change/", follow=True)
    shown = response.content.decode()
    assert "doesn’t exist" in shown
    assert "Desk A&#x27;s draft verdict" not in shown and "Desk A's draft verdict" not in shown


def test_jobs_are_the_site_operators_to_read(client, two_desks, django_user_model):
    client.force_login(two_desks["other_admin"])
    assert client.get("/admin/annotations/job/").status_code == 403
    assert "/admin/annotations/job/" not in client.get("/admin/").content.decode()
    operator = django_user_model.objects.create_superuser("operator", "op@example.org", "pw")
    client.force_login(operator)
    assert client.get("/admin/annotations/job/").status_code == 200
    claims = client.get("/admin/annotations/claim/").content.decode()
    assert "Over 160,000 people listened in" in claims  # the operator sees every desk


def _request_of(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_other_apps_pages_are_the_site_operators_only(client, two_desks, django_user_model):
    """Groups and django-axes' sign-in records hold no newsroom's rows: a desk's staff given
    their permissions read every desk's failed sign-ins, lifted any lockout, and granted
    their own group any permission (review R22)."""
    from axes.models import AccessAttempt
    from django.contrib import admin
    from django.contrib.auth.models import Group

    attempt = AccessAttempt.objects.create(
        username="editor-a", ip_address="192.0.2.9", failures_since_start=5
    )
    staff = two_desks["other_admin"]
    group = Group.objects.create(name="desk-b-staff")
    staff.groups.add(group)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=("axes", "auth")).exclude(
            content_type__model="user"
        )
    )
    client.force_login(staff)
    for page in ("axes/accessattempt/", "axes/accesslog/", "axes/accessfailurelog/", "auth/group/"):
        assert client.get(f"/admin/{page}").status_code == 403, page
    assert client.get(f"/admin/auth/group/{group.pk}/change/").status_code == 403
    granted = Permission.objects.get(codename="delete_accessattempt")
    client.post(
        f"/admin/auth/group/{group.pk}/change/", {"name": group.name, "permissions": [granted.pk]}
    )
    assert not group.permissions.exists()
    client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    index = client.get("/admin/").content.decode()
    assert "/admin/axes/" not in index and "/admin/auth/group/" not in index

    # Every other app's page is held to this, whatever registers it later.
    others = [
        model
        for model in admin.site._registry
        if model._meta.app_label != "annotations" and model is not django_user_model
    ]
    assert {model._meta.label for model in others} >= {"auth.Group", "axes.AccessAttempt"}
    for model in others:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_module_permission(_request_of(staff)), model._meta.label
    operator = django_user_model.objects.create_superuser("operator", "op@example.org", "pw")
    client.force_login(operator)
    for model in others:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
    assert "editor-a" in client.get("/admin/axes/accessattempt/").content.decode()


@pytest.mark.parametrize("page", ["claim", "publishedversion", "claimevent", "source"])
def test_an_admin_list_costs_the_same_queries_for_one_claim_or_five(client, desk, page):
    """A nullable key (a claim's rating, a version's publisher, an event's actor) cost one
    query per row on the admin's lists: a hundred a page (review R12)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reviewer = factories.member(desk["organization"], Membership.Role.REVIEWER)
    quotes = ["Over 160,000 people listened in at once", "the median age is only 22.8 years"]
    quotes += ["a Korean pop group", "44,000", "demographic prerequisite for change"]
    client.force_login(desk["admin"])

    def queries_for_the_list():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/admin/annotations/{page}/").status_code == 200
        return len(captured)

    factories.published_claim(desk["article"], desk["editor"], reviewer, quote=quotes[0])
    few = queries_for_the_list()
    for quote in quotes[1:]:
        factories.published_claim(desk["article"], desk["editor"], reviewer, quote=quote)
    assert queries_for_the_list() == few


def test_a_staff_admin_of_one_desk_finds_only_its_own_members_accounts(client, two_desks):
    """The member field's search runs on the accounts page, which listed every account on
    the instance to a desk's staff allowed to view accounts (review R13)."""
    staff = two_desks["other_admin"]
    staff.user_permissions.add(*Permission.objects.filter(codename="view_user"))
    client.force_login(staff)
    listed = client.get("/admin/auth/user/").content.decode()
    assert "staff-of-b" in listed
    assert "editor-a" not in listed and "admin-a" not in listed
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "annotations", "model_name": "membership", "field_name": "user", "term": "a"},
    ).json()["results"]
    assert "editor-a" not in [result["text"] for result in found]


def test_a_desks_staff_with_change_user_can_neither_reset_a_co_member_nor_make_itself_root(
    client, desk
):
    """Review R15: the accounts page kept Django's forms for a desk's staff given "change
    user": a co-member's password and address, and the superuser box on their own account."""
    staff, editor = desk["admin"], desk["editor"]
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user", "add_user"])
    )
    client.force_login(staff)
    new_password = {"password1": "staff-Set-passphrase-7", "password2": "staff-Set-passphrase-7"}

    reset = client.post(f"/admin/auth/user/{editor.pk}/password/", new_password)
    form = client.get(f"/admin/auth/user/{staff.pk}/change/")
    promoted = client.post(
        f"/admin/auth/user/{staff.pk}/change/",
        {"username": staff.username, "is_superuser": "on", "is_staff": "on", "is_active": "on"},
    )

    assert reset.status_code == 403
    assert form.status_code == 200 and 'name="is_superuser"' not in form.content.decode()
    assert promoted.status_code == 403
    editor.refresh_from_db()
    staff.refresh_from_db()
    assert editor.check_password(PASSWORD) and not staff.is_superuser
    assert client.get("/admin/auth/user/add/").status_code == 403
    # The accounts stay listed to read.
    assert editor.username in client.get("/admin/auth/user/").content.decode()


def test_the_admin_saves_a_scales_ratings_as_one_edit(client, desk):
    """Saved a row at a time, each checked against the others as stored, lowering several
    values at once was refused row by row and half of it saved (review R13): here "Mostly
    false" went to 1 while "Mostly true" and "Half true" stayed, a scale nobody asked for."""
    client.force_login(desk["admin"])
    scale = desk["organization"].rating_scales.get()
    url = f"/admin/annotations/ratingscale/{scale.pk}/change/"
    data = _form_data(client, url)
    rows = {value: key[: -len("-label")] for key, value in data.items() if key.endswith("-label")}
    wanted = {"Mostly true": 2, "Half true": 1, "Mostly false": 1}
    for label, value in wanted.items():
        data[f"{rows[label]}-value"] = str(value)

    response = client.post(url, data, follow=True)

    assert "Not saved" not in response.content.decode()
    values = dict(scale.ratings.values_list("label", "value"))
    assert {label: values[label] for label in wanted} == wanted
    # A change against the order is refused whole, with the reason, and nothing of it kept.
    data = _form_data(client, url)
    data[f"{rows['True']}-value"] = "1"
    data[f"{rows['False']}-label"] = "Wrong"
    response = client.post(url, data, follow=True)
    assert "Not saved" in response.content.decode()
    assert dict(scale.ratings.values_list("label", "value"))["True"] == 5
    assert not scale.ratings.filter(label="Wrong").exists()
    # A row added there joins the scale at its place.
    data = _form_data(client, url)
    prefix = rows["True"].rsplit("-", 1)[0]
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(total + 1),
            f"{prefix}-{total}-scale": str(scale.pk),
            f"{prefix}-{total}-label": "Satire",
            f"{prefix}-{total}-position": "99",
            f"{prefix}-{total}-colour": "#57606a",
        }
    )
    response = client.post(url, data, follow=True)
    assert "Not saved" not in response.content.decode()
    assert list(scale.ratings.order_by("position").values_list("label", flat=True))[-1] == "Satire"
