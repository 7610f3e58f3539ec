"""Organization settings for admins without /admin/: the rating scale, the review rule, the
name, URL and logo; what a scale change does and does not do to published verdicts."""

import html
import io
import json
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from annotations import contrast, permissions, services
from annotations.models import Membership, Organization, PublishedVersion, Rating
from tests import factories
from tests.factories import image_bytes


def upload(data: bytes, name: str):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def scale_of(organization):
    return organization.rating_scales.get(is_default=True)


def rows_post(organization, change=None, new=None) -> dict:
    """The scale form as the page posts it, with `change(index, row)` applied to each row."""
    ratings = list(scale_of(organization).ratings.order_by("position"))
    rows = [
        {
            "id": rating.pk,
            "position": number,
            "label": rating.label,
            "value": "" if rating.value is None else rating.value,
            "colour": rating.colour,
            "description": rating.description,
            "is_hidden": rating.is_hidden,
            "delete": False,
        }
        for number, rating in enumerate(ratings, start=1)
    ]
    for index, row in enumerate(rows):
        if change:
            change(index, row)
    rows.append(new or {"id": "", "position": len(rows) + 1, "label": "", "colour": "#57606a"})
    data = {
        "ratings-TOTAL_FORMS": len(rows),
        "ratings-INITIAL_FORMS": len(ratings),
        "ratings-MIN_NUM_FORMS": 0,
        "ratings-MAX_NUM_FORMS": 60,
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value is False:
                continue
            data[f"ratings-{index}-{key}"] = "on" if value is True else value
    return data


@pytest.fixture
def admin_client(client, org_admin):
    client.force_login(org_admin)
    return client


SETTINGS_PAGES = ["organization-settings", "organization-scale"]


# Who may see the settings


@pytest.mark.parametrize("name", SETTINGS_PAGES)
def test_settings_pages_are_for_admins_only(client, organization, org_admin, editor, name):
    url = reverse(name, args=[organization.slug])
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(editor)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Taken"}).status_code == 403
    client.force_login(factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN))
    assert client.get(url).status_code == 404
    client.force_login(org_admin)
    assert client.get(url).status_code == 200
    assert Organization.objects.get(pk=organization.pk).name != "Taken"


def test_header_links_an_admin_to_the_settings_and_no_one_else(
    client, organization, org_admin, editor
):
    settings_url = reverse("organization-settings", args=[organization.slug])
    client.force_login(editor)
    assert f'href="{settings_url}"' not in client.get(reverse("members")).content.decode()
    client.force_login(org_admin)
    assert f'href="{settings_url}"' in client.get(reverse("members")).content.decode()
    assert client.get(reverse("my-organization-settings"))["Location"] == settings_url


def test_admin_renames_the_newsroom_and_turns_off_two_person_review(admin_client, organization):
    url = reverse("organization-settings", args=[organization.slug])
    response = admin_client.post(
        url, {"name": "Deadline Desk", "url": "https://desk.example/", "methodology": ""}
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert (organization.name, organization.url) == ("Deadline Desk", "https://desk.example/")
    assert organization.requires_two_person_review is False


@pytest.mark.parametrize("address", ["ftp://desk.example/", "gopher://desk.example/"])
def test_a_home_page_that_is_not_a_web_address_is_refused(admin_client, organization, address):
    """An ftp:// home page was saved and became ClaimReview's author url (trial G15)."""
    url = reverse("organization-settings", args=[organization.slug])
    response = admin_client.post(url, {"name": "Deadline Desk", "url": address})
    assert response.status_code == 400
    assert "Enter an http or https address." in response.content.decode()
    organization.refresh_from_db()
    assert organization.url != address
    admin = Membership.objects.get(organization=organization, role="admin").user
    with pytest.raises(ValidationError, match="http or https"):
        services.organization_update(organization=organization, actor=admin, url=address)


def test_settings_saved_meanwhile_are_merged_and_the_same_field_is_stopped_and_shown(
    admin_client, organization
):
    url = reverse("organization-settings", args=[organization.slug])

    def loaded():
        page = admin_client.get(url).content.decode()
        return html.unescape(re.search(r'name="loaded" value="([^"]*)"', page).group(1))

    mine = {
        "name": organization.name, "requires_two_person_review": "on",
        "methodology": "### How we rate\n\nMy version.", "loaded": loaded(),
    }  # fmt: skip
    # Meanwhile another admin, in another window, turns off two-person review.
    organization.requires_two_person_review = False
    organization.save(update_fields=["requires_two_person_review"])
    # Mine changed the methodology only: merged, and their switch stays off.
    assert admin_client.post(url, mine).status_code == 302
    organization.refresh_from_db()
    assert organization.requires_two_person_review is False
    assert organization.methodology == "### How we rate\n\nMy version."

    # Both change the methodology: stopped, mine shown, theirs named.
    mine.update(loaded=loaded(), methodology="### How we rate\n\nMy second version.")
    mine.pop("requires_two_person_review")
    organization.methodology = "### How we choose\n\nTheir version."
    organization.save(update_fields=["methodology"])
    # With a logo chosen: the browser cannot be handed the file back, so the page says so.
    refused = admin_client.post(url, {**mine, "logo": upload(image_bytes("WEBP"), "logo.webp")})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Someone else changed this since you opened the page" in text
    assert "Not saved with the rest: choose the file again, then save." in text
    organization.refresh_from_db()
    assert not organization.logo
    assert "Methodology: “### How we choose" in text
    assert "My second version." in text
    organization.refresh_from_db()
    assert "Their version." in organization.methodology
    again = html.unescape(re.search(r'name="loaded" value="([^"]*)"', text).group(1))
    assert admin_client.post(url, {**mine, "loaded": again}).status_code == 302
    organization.refresh_from_db()
    assert organization.methodology == "### How we rate\n\nMy second version."
    assert organization.requires_two_person_review is False


# The logo


def test_admin_uploads_a_logo_that_is_served_only_as_an_image(admin_client, organization):
    url = reverse("organization-settings", args=[organization.slug])
    data = {"name": organization.name, "requires_two_person_review": "on"}
    response = admin_client.post(url, {**data, "logo": upload(image_bytes("WEBP"), "logo.webp")})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.logo.name.endswith(".webp")
    served = admin_client.get(reverse("organization-logo", args=[organization.slug]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert b"".join(served.streaming_content) == image_bytes("WEBP")


def png_claiming(width, height):
    """A small PNG whose header says it is width by height pixels."""
    data = bytearray(image_bytes("PNG"))
    # The IHDR chunk follows the 8-byte signature: length, type, then width and height.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<svg onload=alert(1)>", "logo.png", "not a readable PNG, JPEG or WebP"),
        (image_bytes("GIF"), "logo.gif", "A GIF image is not accepted"),
        (
            image_bytes("PNG", size=(5000, 10)),
            "wide.png",
            "5000 by 10 pixels: at most 4096 pixels a side",
        ),
        # Pillow refuses this header while opening it: too large, not unreadable.
        (png_claiming(20000, 20000), "huge.png", "too large to open: at most 4096 pixels a side"),
    ],
)
def test_a_logo_that_is_not_a_small_png_jpeg_or_webp_is_refused(
    admin_client, organization, data, name, message
):
    url = reverse("organization-settings", args=[organization.slug])
    response = admin_client.post(url, {"name": "Renamed", "logo": upload(data, name)})
    assert response.status_code == 400
    assert message in response.content.decode()
    organization.refresh_from_db()
    # Nothing is saved, not even the other fields sent with it.
    assert (organization.logo.name, organization.name) == ("", organization.name)
    assert organization.name != "Renamed"


def test_a_logo_over_the_size_limit_is_refused_before_it_is_read(
    admin_client, organization, settings
):
    settings.FACTCHECK_LOGO_MAX_BYTES = 10
    url = reverse("organization-settings", args=[organization.slug])
    response = admin_client.post(
        url, {"name": organization.name, "logo": upload(image_bytes(), "logo.png")}
    )
    assert response.status_code == 400
    assert "the limit is 0 KB" in response.content.decode()


def test_an_editor_cannot_set_the_logo_through_the_service(organization, editor):
    with pytest.raises(permissions.PermissionDenied):
        services.organization_logo_set(organization=organization, actor=editor, data=image_bytes())
    organization.refresh_from_db()
    assert not organization.logo


def test_no_logo_is_a_404(client, organization):
    assert client.get(reverse("organization-logo", args=[organization.slug])).status_code == 404


# The rating scale


def test_admin_renames_recolours_reorders_and_adds_ratings(admin_client, organization):
    url = reverse("organization-scale", args=[organization.slug])

    def change(index, row):
        if row["label"] == "Half true":
            row["label"], row["colour"] = "Partly true", "#0969da"
        if row["label"] == "Misleading":
            row["position"] = 1
        elif row["label"] == "True":
            row["position"] = 2

    new = {"id": "", "position": 99, "label": "Satire", "value": "", "colour": "#6e7781",
           "description": "Not meant as fact."}  # fmt: skip
    response = admin_client.post(url, rows_post(organization, change, new))
    assert response.status_code == 302, response.context and response.context["errors"]
    labels = list(
        scale_of(organization).ratings.order_by("position").values_list("label", flat=True)
    )
    assert labels[:2] == ["Misleading", "True"]
    assert "Partly true" in labels and "Half true" not in labels
    assert labels[-1] == "Satire"
    assert Rating.objects.get(scale__organization=organization, label="Satire").value is None


def test_two_ratings_swap_labels_in_one_save_but_two_equal_labels_are_refused(
    admin_client, organization
):
    url = reverse("organization-scale", args=[organization.slug])
    before = dict(scale_of(organization).ratings.values_list("label", "pk"))

    def swap(index, row):
        row["label"] = {"True": "False", "False": "True"}.get(row["label"], row["label"])

    response = admin_client.post(url, rows_post(organization, swap))

    assert response.status_code == 302, response.context and response.context["errors"]
    after = dict(scale_of(organization).ratings.values_list("label", "pk"))
    assert (after["True"], after["False"]) == (before["False"], before["True"])

    def twice(index, row):
        row["label"] = "True" if row["label"] == "Half true" else row["label"]

    response = admin_client.post(url, rows_post(organization, twice))
    assert response.status_code == 400 and "already exists" in response.content.decode()
    assert dict(scale_of(organization).ratings.values_list("label", "pk")) == after

    def case_only(index, row):
        row["label"] = "half TRUE" if row["label"] == "Mostly true" else row["label"]

    response = admin_client.post(url, rows_post(organization, case_only))
    assert response.status_code == 400 and "differ only in case" in response.content.decode()
    assert dict(scale_of(organization).ratings.values_list("label", "pk")) == after


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("\u0422rue", "mixes letters of different alphabets that look alike"),  # Cyrillic Te
        ("F\u0430lse", "mixes letters of different alphabets that look alike"),  # Cyrillic a
        # Malayalam's anusvara, a mark that reads as "o": marks of a script still count.
        ("M\u0d02stly true", "mixes letters of different alphabets that look alike"),
        ("HALF TRUE", "differ only in case"),
    ],
)
def test_a_label_that_reads_as_another_is_refused(admin_client, organization, typed, said):
    """A new rating "True" with a Cyrillic Te was saved beside "True": readers saw "1 True,
    1 True"."""
    url = reverse("organization-scale", args=[organization.slug])
    new = {"id": "", "position": 8, "label": typed, "colour": "#57606a"}
    response = admin_client.post(url, rows_post(organization, new=new))
    assert response.status_code == 400
    assert said in " ".join(response.context["errors"])
    assert not scale_of(organization).ratings.filter(label=typed).exists()


def test_a_label_in_two_languages_is_kept_and_a_lookalike_word_in_it_is_not(
    admin_client, organization
):
    """ "True / صحيح" was refused as letters that look alike (trial G15)."""
    url = reverse("organization-scale", args=[organization.slug])
    for position, label in enumerate(
        ("Falso / صحيح", "Level 49 مستوى", "Vrai-Верно", "正確 / Correct", "Sí 真"), start=8
    ):
        new = {"id": "", "position": position, "label": label, "colour": "#57606a"}
        response = admin_client.post(url, rows_post(organization, new=new))
        assert response.status_code == 302, (label, response.context and response.context["errors"])
    lookalike = {"id": "", "position": 13, "label": "Vrai / F\u0430ux", "colour": "#57606a"}
    response = admin_client.post(url, rows_post(organization, new=lookalike))
    assert response.status_code == 400
    assert "write each word in one alphabet" in " ".join(response.context["errors"])


def test_labels_wholly_in_another_alphabet_are_kept_unless_they_read_as_one_already_there(
    admin_client, organization
):
    url = reverse("organization-scale", args=[organization.slug])
    # With their combining marks: Arabic tanween ("تماماً" was refused as a mix of
    # alphabets), a decomposed accent.
    for position, label in enumerate(
        ("Правда", "Poco", "كاذب تماماً", "Cafe\u0301", "सही नहीं"), start=8
    ):
        new = {"id": "", "position": position, "label": label, "colour": "#57606a"}
        assert admin_client.post(url, rows_post(organization, new=new)).status_code == 302, label
    # "Poco" written in Cyrillic throughout reads as the Latin "Poco" now on the scale.
    cyrillic = "\u0420\u043e\u0441\u043e"
    lookalike = {"id": "", "position": 13, "label": cyrillic, "colour": "#57606a"}
    response = admin_client.post(url, rows_post(organization, new=lookalike))
    assert response.status_code == 400
    assert f"“{cyrillic}” and “Poco” look the same to readers" in " ".join(
        response.context["errors"]
    )
    assert {"Правда", "Poco"} <= set(scale_of(organization).ratings.values_list("label", flat=True))


def test_a_rating_in_use_is_never_deleted_and_an_unused_one_is(
    admin_client, organization, article, editor, reviewer
):
    factories.published_claim(article, editor, reviewer)  # rated "Mostly true"
    url = reverse("organization-scale", args=[organization.slug])

    def delete_used(index, row):
        row["delete"] = row["label"] == "Mostly true"

    response = admin_client.post(url, rows_post(organization, delete_used))
    assert response.status_code == 400
    assert "cannot be deleted; hide it from new claims instead" in response.content.decode()
    assert "already exists" not in response.content.decode()  # the one reason, nothing else
    assert Rating.objects.filter(scale__organization=organization, label="Mostly true").exists()

    def delete_unused(index, row):
        row["delete"] = row["label"] == "Unverifiable"

    assert admin_client.post(url, rows_post(organization, delete_unused)).status_code == 302
    assert not Rating.objects.filter(
        scale__organization=organization, label="Unverifiable"
    ).exists()


def test_the_page_shows_which_ratings_are_in_use(
    admin_client, organization, article, editor, reviewer
):
    factories.published_claim(article, editor, reviewer)
    html = admin_client.get(
        reverse("organization-scale", args=[organization.slug])
    ).content.decode()
    assert "In use: 1 claim, 1 published version" in html


def test_renaming_a_published_rating_keeps_the_published_wording_until_republished(
    client, organization, org_admin, article, editor, reviewer
):
    claim = factories.published_claim(article, editor, reviewer)
    version = PublishedVersion.objects.get(claim=claim, is_current=True)
    rating_id = version.rating_id

    def rename(index, row):
        if row["label"] == "Mostly true":
            row["label"] = "Largely true"

    client.force_login(org_admin)
    url = reverse("organization-scale", args=[organization.slug])
    response = client.post(url, rows_post(organization, rename), follow=True)
    # The admin is told what readers keep seeing, after saving and on the page.
    shown = [str(message) for message in response.context["messages"]]
    kept = "1 published verdict keeps “Mostly true” until it is republished."
    assert shown == ["Rating scale saved.", kept]
    assert response.context["kept"] == [kept]
    version.refresh_from_db()
    # The same verdict (the rating), with what readers saw of it frozen.
    assert version.rating_id == rating_id and version.rating.label == "Largely true"
    assert (version.rating_label, version.rating_value) == ("Mostly true", 4)
    client.logout()
    response = client.get(reverse("v1:claimreview-feed"))
    feed = json.loads(b"".join(response.streaming_content))
    (element,) = feed["dataFeedElement"]
    assert element["reviewRating"]["alternateName"] == "Mostly true"
    assert element["reviewRating"]["ratingValue"] == 4

    services.claim_transition(claim=claim, actor=reviewer, to_status="in_review")
    services.claim_transition(claim=claim, actor=reviewer, to_status="published", note="Renamed")
    client.force_login(org_admin)
    assert client.get(url).context["kept"] == []
    client.logout()
    feed = json.loads(b"".join(client.get(reverse("v1:claimreview-feed")).streaming_content))
    assert feed["dataFeedElement"][0]["reviewRating"]["alternateName"] == "Largely true"


def test_revaluing_and_recolouring_a_published_rating_is_saved_and_the_admin_told(
    admin_client, organization, article, editor, reviewer
):
    factories.published_claim(article, editor, reviewer)
    factories.published_claim(article, editor, reviewer, quote="the median age is only 22.8")
    colour = Rating.objects.get(scale__organization=organization, label="Mostly true").colour

    def revalue(index, row):
        if row["label"] == "Mostly true":
            row["value"], row["colour"] = 3, "#0969da"
        if row["label"] == "Mostly false":
            row["value"] = 1

    response = admin_client.post(
        reverse("organization-scale", args=[organization.slug]),
        rows_post(organization, revalue),
        follow=True,
    )
    assert [str(message) for message in response.context["messages"]] == [
        "Rating scale saved.",
        "2 published verdicts of “Mostly true” keep the earlier value and colour until they "
        "are republished.",
    ]
    values = dict(scale_of(organization).ratings.values_list("label", "value"))
    assert (values["Mostly true"], values["Mostly false"]) == (3, 1)
    assert set(PublishedVersion.objects.values_list("rating_value", "rating_colour")) == {
        (4, colour)
    }


def test_an_unused_rating_renamed_tells_nothing_about_published_verdicts(
    admin_client, organization, article, editor, reviewer
):
    factories.published_claim(article, editor, reviewer)  # "Mostly true"

    def rename(index, row):
        if row["label"] == "Half true":
            row["label"] = "Partly true"

    response = admin_client.post(
        reverse("organization-scale", args=[organization.slug]),
        rows_post(organization, rename),
        follow=True,
    )
    assert [str(message) for message in response.context["messages"]] == ["Rating scale saved."]
    html = response.content.decode()
    assert "scale-kept" not in html
    # The row of a rating on published verdicts carries what the editor's script compares.
    assert 'data-published="1" data-label="Mostly true" data-value="4"' in html


def test_a_hidden_rating_is_not_offered_for_new_claims_but_stays_on_its_claims(
    admin_client, client, organization, article, editor, reviewer
):
    factories.published_claim(article, editor, reviewer)  # "Mostly true"

    def hide(index, row):
        row["is_hidden"] = row["label"] in ("Mostly true", "Half true")

    url = reverse("organization-scale", args=[organization.slug])
    assert admin_client.post(url, rows_post(organization, hide)).status_code == 302
    client.force_login(editor)
    other = factories.article(organization, editor, title="Another")
    offered = client.get(reverse("article-workspace", args=[other.pk])).context["workspace"]
    assert {"Mostly true", "Half true"} & {r["label"] for r in offered["ratings"]} == set()
    here = client.get(reverse("article-workspace", args=[article.pk])).context["workspace"]
    labels = {r["label"] for r in here["ratings"]}
    assert "Mostly true" in labels and "Half true" not in labels
    api = client.get(reverse("v1:api-article-ratings", args=[other.pk])).json()
    assert "Half true" not in {r["label"] for r in api} and len(api) == 5


def test_a_hidden_rating_is_refused_for_a_claim_without_it_and_kept_for_one_that_has_it(
    organization, article, editor
):
    hidden = scale_of(organization).ratings.get(label="Half true")
    other = scale_of(organization).ratings.get(label="False")
    text = article.text
    has_it = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(text, "Over 160,000")
    )
    has_it = services.claim_update(claim=has_it, actor=editor, expected_version=None, rating=hidden)
    Rating.objects.filter(pk=hidden.pk).update(is_hidden=True)
    hidden.refresh_from_db()
    fresh = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(text, "median age")
    )

    with pytest.raises(ValidationError) as raised:
        services.claim_update(claim=fresh, actor=editor, expected_version=None, rating=hidden)
    assert "no longer offered" in str(raised.value)
    fresh.refresh_from_db()
    assert fresh.rating_id is None
    # The claim that already carries it keeps it through an edit, and may leave it.
    kept = services.claim_update(
        claim=has_it, actor=editor, expected_version=None, rating=hidden, conclusion="Still."
    )
    assert kept.rating_id == hidden.pk
    moved = services.claim_update(claim=kept, actor=editor, expected_version=None, rating=other)
    assert moved.rating_id == other.pk


def test_every_rating_hidden_is_refused(admin_client, organization):
    def hide_all(index, row):
        row["is_hidden"] = True

    url = reverse("organization-scale", args=[organization.slug])
    response = admin_client.post(url, rows_post(organization, hide_all))
    assert response.status_code == 400
    assert "At least one rating must be offered" in response.content.decode()


def test_values_outside_the_scale_and_duplicate_labels_are_refused_by_name(
    admin_client, organization
):
    def bad(index, row):
        if row["label"] == "True":
            row["value"] = 9
        if row["label"] == "False":
            row["label"] = "Misleading"

    response = admin_client.post(
        reverse("organization-scale", args=[organization.slug]), rows_post(organization, bad)
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "“True”: value – Must lie between 1 and 5, or be empty." in html
    assert "Misleading" in html and "already exists" in html


def test_a_rows_refusal_is_said_at_the_top_with_nothing_saved(admin_client, organization):
    """Trial G20: an order of 0 was refused beside its row only, below the fold, and the
    page, its rename notes still there, read as saved."""

    def bad(index, row):
        if row["label"] == "Mostly true":
            row["label"] = "Largely accurate"
        if row["label"] == "Misleading":
            row["position"] = 0

    url = reverse("organization-scale", args=[organization.slug])
    response = admin_client.post(url, rows_post(organization, bad))
    assert response.status_code == 400
    html = response.content.decode()
    alert = html[html.index('role="alert"') : html.index("</div>", html.index('role="alert"'))]
    assert "Nothing was saved" in alert
    assert "(Misleading)</a>:" in alert and "greater than or equal to 1" in alert
    assert "Largely accurate" not in alert
    assert "Mostly true" in [r.label for r in scale_of(organization).ratings.all()]


def test_an_order_against_the_values_is_refused_by_name(admin_client, organization):
    """ "Half true" (3) moved above "True" (5) saved, and the legend, sorted by value, then
    disagreed with the scale's own order; a rating without a value may stand anywhere."""

    def swap(index, row):
        places = {"True": 3, "Half true": 1, "Misleading": 2}
        row["position"] = places.get(row["label"], row["position"])

    url = reverse("organization-scale", args=[organization.slug])
    response = admin_client.post(url, rows_post(organization, swap))
    assert response.status_code == 400
    errors = response.context["errors"]
    assert [e.partition(":")[0] for e in errors] == [
        "“Mostly true” (4) is listed below “Half true” (3)",
        "“True” (5) is listed below “Half true” (3)",
    ]
    assert errors[0] in response.content.decode()
    assert [r.label for r in scale_of(organization).ratings.order_by("position")][:3] == [
        "True", "Mostly true", "Half true",
    ]  # fmt: skip

    def unvalued_in_the_middle(index, row):
        row["position"] = {"Misleading": 3}.get(row["label"], row["position"] * 2)

    assert (
        admin_client.post(url, rows_post(organization, unvalued_in_the_middle)).status_code == 302
    )
    labels = [r.label for r in scale_of(organization).ratings.order_by("position")]
    assert labels[:3] == ["True", "Misleading", "Mostly true"]


def test_scale_service_refuses_an_editor(organization, editor):
    scale = scale_of(organization)
    rows = [
        {"id": r.pk, "label": r.label, "value": r.value, "colour": r.colour}
        for r in scale.ratings.all()
    ]
    changed = [{**row, "label": f"{row['label']} (renamed)"} for row in rows]
    with pytest.raises(permissions.PermissionDenied):
        services.scale_update(scale=scale, actor=editor, ratings=changed)
    assert [r.label for r in scale.ratings.all()] == [row["label"] for row in rows]


def test_scale_service_refuses_a_stale_list_of_ratings(organization, org_admin):
    scale = scale_of(organization)
    rows = [{"id": r.pk, "label": r.label, "colour": r.colour} for r in scale.ratings.all()][1:]
    with pytest.raises(ValidationError, match="changed by someone else"):
        services.scale_update(scale=scale, actor=org_admin, ratings=rows)


# Contrast


def test_contrast_is_measured_where_the_pages_draw_the_colour():
    assert contrast.ratio("#ffffff", "#000000") == pytest.approx(21)
    assert contrast.mix("#000000", 0.32) == "#adadad"
    yellow = {c["place"]: c for c in contrast.checks("#ffeb3b")}
    assert not yellow["the label on the workspace badge (white text)"]["ok"]
    assert yellow["the label on the reader's chip"]["ok"]
    assert all(c["ok"] for c in contrast.checks("#1a7f37"))


def test_scale_page_warns_about_a_low_contrast_colour_after_saving(admin_client, organization):
    def yellow(index, row):
        if row["label"] == "Half true":
            row["colour"] = "#ffeb3b"

    url = reverse("organization-scale", args=[organization.slug])
    assert admin_client.post(url, rows_post(organization, yellow)).status_code == 302
    html = admin_client.get(url).content.decode()
    assert html.count("Low contrast:") == 1
    assert "the label on the workspace badge (white text) is 1.22:1" in html


def test_the_logo_shows_on_the_public_organization_pages(admin_client, client, organization):
    services.organization_logo_set(
        organization=organization,
        actor=Membership.objects.get(organization=organization, role="admin").user,
        data=image_bytes(),
    )
    page = client.get(reverse("reader-methodology", args=[organization.slug]))
    organization.refresh_from_db()
    address = organization.logo_url()
    assert address.startswith(reverse("organization-logo", args=[organization.slug]) + "?v=")
    assert f'src="{address}"' in page.content.decode()


def test_a_new_logo_reaches_readers_at_once_under_a_new_address(admin_client, client, organization):
    """The pages named one address kept an hour by every browser: a new logo waited (G15)."""
    client = Client()  # a reader, signed out
    # A newsroom's public pages, its logo among them, exist from its first publication.
    editor = factories.member(organization, Membership.Role.EDITOR, username="logo-ed")
    reviewer = factories.member(organization, Membership.Role.REVIEWER, username="logo-rev")
    factories.published_claim(factories.article(organization, editor), editor, reviewer)
    admin = Membership.objects.get(organization=organization, role="admin").user
    services.organization_logo_set(organization=organization, actor=admin, data=image_bytes())
    organization.refresh_from_db()
    first = organization.logo_url()
    served = client.get(first)
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(served.streaming_content) == image_bytes()
    methodology = reverse("reader-methodology", args=[organization.slug])
    page = client.get(methodology)

    services.organization_logo_set(
        organization=organization, actor=admin, data=image_bytes("PNG", size=(40, 20))
    )
    organization.refresh_from_db()
    second = organization.logo_url()
    assert second != first
    # The page a reader's browser asks again about is no longer "not modified".
    again = client.get(methodology, headers={"If-None-Match": page["ETag"]})
    assert again.status_code == 200 and f'src="{second}"' in again.content.decode()
    # The plain address, and an old digest, follow the newest logo and are asked again soon.
    for address in (reverse("organization-logo", args=[organization.slug]), first):
        served = client.get(address)
        assert served["Cache-Control"] == "public, max-age=300"
        assert b"".join(served.streaming_content) == image_bytes("PNG", size=(40, 20))


def test_a_scale_of_sixty_ratings_saves_from_the_page(admin_client, organization):
    """With 32 ratings every save was refused (TooManyFieldsSent), and the input lost."""
    scale = scale_of(organization)
    start = scale.ratings.count()
    Rating.objects.bulk_create(
        Rating(scale=scale, label=f"Extra {n}", position=100 + n, colour="#57606a")
        for n in range(59 - start)
    )

    def describe_all(index, row):
        row["description"] = f"Described {index}"
        row["is_hidden"] = index % 2 == 1
        row["delete"] = False

    new = {"id": "", "position": 60, "label": "The sixtieth", "colour": "#1a7f37"}
    data = rows_post(organization, describe_all, new=new)
    # Every field a browser sends for the rows that fill the scale.
    data.update({f"ratings-{i}-delete": "on" for i in range(start, 59, 7)})
    url = reverse("organization-scale", args=[organization.slug])
    assert len(data) > 300
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert scale.ratings.count() == 60 - len(range(start, 59, 7))
    assert scale.ratings.filter(label="The sixtieth", description="").exists()


def as_the_page_posts(page, change=None) -> dict:
    """What the scale page `page` (a GET response) posts, with `change(row)` applied per row."""
    rows = page.context["rows"]
    data = {
        f"ratings-{key}": rows.management_form[key].value()
        for key in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    for index, form in enumerate(rows.forms):
        row = {"position": index + 1, **{name: form[name].value() for name in form.fields}}
        if change:
            change(row)
        for key, value in row.items():
            if value is not False and value is not None:
                data[f"ratings-{index}-{key}"] = "on" if value is True else value
    return data


def test_two_admins_saving_the_scale_keep_each_others_changes(admin_client, organization):
    """A tab opened earlier saved a description and put back the label another admin had
    renamed, both saves answering "Rating scale saved."."""
    url = reverse("organization-scale", args=[organization.slug])
    stale = admin_client.get(url)

    def rename(index, row):
        if row["label"] == "Misleading":
            row["label"] = "Misleading (A)"

    assert admin_client.post(url, rows_post(organization, rename)).status_code == 302

    def describe(row):
        if row["label"] == "True":
            row["description"] = "Accurate, nothing missing."

    assert admin_client.post(url, as_the_page_posts(stale, describe)).status_code == 302
    ratings = {r.label: r for r in scale_of(organization).ratings.all()}
    assert "Misleading (A)" in ratings and "Misleading" not in ratings
    assert ratings["True"].description == "Accurate, nothing missing."

    # Both rename one rating: stopped, the other's name said, this admin's kept in the row.
    stale = admin_client.get(url)

    def theirs(index, row):
        if row["label"] == "False":
            row["label"] = "Wrong"

    assert admin_client.post(url, rows_post(organization, theirs)).status_code == 302

    def mine(row):
        if row["label"] == "False":
            row["label"] = "Incorrect"

    stopped = admin_client.post(url, as_the_page_posts(stale, mine))
    assert stopped.status_code == 400
    [said] = stopped.context["errors"]
    assert said.startswith("“Wrong”: Someone else changed this since you opened the page.")
    assert "Label: “Wrong”." in said
    assert "Wrong" in {r.label for r in scale_of(organization).ratings.all()}
    assert 'value="Incorrect"' in stopped.content.decode()
    # Saved again as shown, this admin's name wins and nothing else moves.
    assert admin_client.post(url, as_the_page_posts(stopped)).status_code == 302
    labels = set(scale_of(organization).ratings.values_list("label", flat=True))
    assert {"Incorrect", "Misleading (A)"} <= labels and "Wrong" not in labels
