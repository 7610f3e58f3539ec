"""Organization pages (fact-checks, corrections, methodology), the public home and settings."""

import base64
import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.models import METHODOLOGY_MAX, Claim, Membership
from tests import factories, published_world

HIDDEN = [
    published_world.EDITED_WORDING,
    published_world.DRAFT_WORDING,
    published_world.SENTENCES["in_review"],
    published_world.SENTENCES["orphan"],
]


@pytest.fixture
def world(organization, editor, reviewer):
    return published_world.build(organization, editor, reviewer)


@pytest.fixture
def launched(organization, editor, reviewer):
    """The organization once it has published a fact-check: readers see its pages."""
    article = factories.article(organization, editor)
    return published_world.publish(article, editor, reviewer, "the median age is only 22.8 years")


def page_of(organization, part=""):
    return f"/o/{organization.slug}/{part}"


def claim_links(html: str) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(r'<h2 class="entry-claim" dir="auto"><a href="/c/(\d+)/">', html)
    ]


# The fact-checks page


def test_organization_page_lists_exactly_the_published_fact_checks(client, world, organization):
    response = client.get(page_of(organization))
    assert response.status_code == 200
    html = response.content.decode()
    assert sorted(claim_links(html)) == sorted(
        world[key].pk for key in ("published", "corrected", "working_copy")
    )
    for text in [*HIDDEN, published_world.SENTENCES["retracted"]]:
        assert text not in html
    # A claim being edited shows its published wording and verdict.
    assert published_world.SENTENCES["working_copy"] in html


def test_each_fact_check_shows_its_rating_label_article_and_dates(client, world, organization):
    html = client.get(page_of(organization)).content.decode()
    corrected = world["corrected"]
    entry = html[html.index(f'href="/c/{corrected.pk}/"') - 400 :]
    entry = entry[: entry.index("</li>")]
    assert '<span class="chip r-' in entry and ">False</span>" in entry
    assert "1 on a scale of 1 to 5" in entry
    assert f'href="/a/{organization.slug}/{world["article"].slug}/#claim-{corrected.pk}"' in entry
    assert "Published <time" in entry and "Updated <time" in entry


def test_organization_page_links_to_corrections_and_methodology(client, world, organization):
    html = client.get(page_of(organization)).content.decode()
    assert f'href="/o/{organization.slug}/corrections/"' in html
    assert f'href="/o/{organization.slug}/methodology/"' in html


def test_search_finds_words_in_the_claim_or_the_article_title(client, world, organization):
    found = claim_links(client.get(page_of(organization), {"q": "median AGE"}).content.decode())
    assert found == [world["corrected"].pk]
    by_title = client.get(page_of(organization), {"q": "listeners and"}).content.decode()
    assert len(claim_links(by_title)) == 3
    nothing = client.get(page_of(organization), {"q": "zebra"}).content.decode()
    assert claim_links(nothing) == []
    assert "No fact-check matches" in nothing


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Khan's", ["curly"]),
        ("Khan’s rally", ["curly"]),
        ("shouldn't be smeared", ["curly"]),
        ('was "the largest ever"', ["curly"]),
        ('Aides\' "count"', ["curly", "straight"]),
        ("O’Brien’s", ["straight"]),
        ("Khans", []),
    ],
)
def test_search_finds_the_words_whichever_quote_style_is_typed_or_printed(
    client, organization, editor, reviewer, query, expected
):
    """The article prints ’ and “ ”; readers type ' and " (phones the curly ones)."""
    text = (
        "Imran Khan’s rally was “the largest ever”, and he shouldn’t be smeared.\n\n"
        "Pat O'Brien's figure was lower."
    )
    article = factories.article(organization, editor, text=text, title="Aides’ “count”")
    claims = {
        "curly": published_world.publish(
            article,
            editor,
            reviewer,
            "Imran Khan’s rally was “the largest ever”",
            wording="Imran Khan’s rally was “the largest ever”; he shouldn’t be smeared",
        ),
        "straight": published_world.publish(
            article, editor, reviewer, "Pat O'Brien's figure was lower"
        ),
    }

    html = client.get(page_of(organization), {"q": query}).content.decode()

    assert sorted(claim_links(html)) == sorted(claims[key].pk for key in expected)


def test_rating_filter_keeps_one_verdict_and_shows_it_selected(client, world, organization):
    html = client.get(page_of(organization), {"rating": "Mostly true"}).content.decode()
    assert sorted(claim_links(html)) == sorted([world["published"].pk, world["working_copy"].pk])
    assert '<option value="Mostly true" selected>' in html
    both = client.get(page_of(organization), {"rating": "Mostly true", "q": "korean"})
    assert claim_links(both.content.decode()) == [world["working_copy"].pk]


def test_rating_filter_offers_and_matches_the_labels_the_fact_checks_were_published_with(
    client, world, organization, org_admin
):
    scale = world["published"].rating.scale
    services.scale_update(
        scale=scale,
        actor=org_admin,
        ratings=[
            {
                "id": rating.pk,
                "label": "Largely accurate" if rating.label == "Mostly true" else rating.label,
                "value": rating.value,
                "colour": rating.colour,
                "description": rating.description,
                "is_hidden": rating.is_hidden,
            }
            for rating in scale.ratings.order_by("position")
        ],
    )

    html = client.get(page_of(organization)).content.decode()
    assert re.findall(r'<option value="([^"]*)"', html) == ["", "Mostly true", "False"]
    kept = client.get(page_of(organization), {"rating": "Mostly true"}).content.decode()
    assert len(claim_links(kept)) == 2
    renamed = client.get(page_of(organization), {"rating": "Largely accurate"})
    assert claim_links(renamed.content.decode()) == []


def test_search_does_not_find_a_working_copys_unpublished_wording(client, world, organization):
    html = client.get(page_of(organization), {"q": "never see"}).content.decode()
    assert claim_links(html) == []


def test_too_long_search_is_ignored_rather_than_an_error(client, world, organization):
    response = client.get(page_of(organization), {"q": "x" * 5000})
    assert response.status_code == 200
    assert len(claim_links(response.content.decode())) == 3


def test_pages_of_fact_checks_keep_the_filters_in_their_links(
    client, organization, editor, reviewer
):
    sentences = [f"Claim number {n} about the budget was checked." for n in range(22)]
    article = factories.article(organization, editor, text="\n\n".join(sentences), title="Budget")
    for sentence in sentences:
        published_world.publish(article, editor, reviewer, sentence, label="False")
    first = client.get(page_of(organization), {"rating": "False", "q": "budget"}).content.decode()
    assert len(claim_links(first)) == 20
    assert f'href="/o/{organization.slug}/?q=budget&amp;rating=False&amp;page=2"' in first
    second = client.get(page_of(organization), {"rating": "False", "q": "budget", "page": 2})
    assert len(claim_links(second.content.decode())) == 2
    assert set(claim_links(first)).isdisjoint(claim_links(second.content.decode()))


def test_a_page_past_the_list_is_not_found_and_each_page_is_its_own_canonical(
    client, organization, editor, reviewer
):
    """?page=9 of 2 answered 200 with page 2, and page 2 named page 1 as its canonical
    address: search engines were told the older fact-checks were a copy of the newest."""
    sentences = [f"Claim number {n} about the budget was checked." for n in range(22)]
    article = factories.article(organization, editor, text="\n\n".join(sentences), title="Budget")
    for sentence in sentences:
        published_world.publish(article, editor, reviewer, sentence, label="False")
    base = f"http://testserver/o/{organization.slug}/"
    first = client.get(page_of(organization)).content.decode()
    assert f'<link rel="canonical" href="{base}">' in first
    second = client.get(page_of(organization), {"page": 2}).content.decode()
    assert f'<link rel="canonical" href="{base}?page=2">' in second
    for wrong in ("9", "0", "-1", "abc", "1.5"):
        assert client.get(page_of(organization), {"page": wrong}).status_code == 404, wrong
    corrections = f"/o/{organization.slug}/corrections/"
    assert client.get(corrections).status_code == 200
    assert client.get(corrections, {"page": "2"}).status_code == 404


def test_unknown_organization_is_not_found(client, db):
    for part in ("", "corrections/", "methodology/"):
        assert client.get(f"/o/no-such-desk/{part}").status_code == 404


def test_organization_page_queries_do_not_grow_with_the_fact_checks(
    client, organization, editor, reviewer
):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_of(organization)).status_code == 200
        return len(captured)

    published_world.build(organization, editor, reviewer, title="One")
    few = count()
    for number in range(3):
        published_world.build(organization, editor, reviewer, title=f"More {number}")
    assert count() == few


# Caching and security headers


@pytest.mark.parametrize("part", ["", "corrections/", "methodology/"])
def test_public_pages_are_cacheable_and_answer_304(client, world, organization, part):
    response = client.get(page_of(organization, part))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert response["ETag"]
    again = client.get(page_of(organization, part), headers={"if-none-match": response["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == response["ETag"]


def test_a_new_correction_changes_the_etag_of_list_and_corrections(
    client, world, organization, editor, reviewer
):
    before = {
        part: client.get(page_of(organization, part))["ETag"] for part in ("", "corrections/")
    }
    published_world.republish(
        world["published"], editor, reviewer, label="Half true", note="New figures."
    )
    for part, etag in before.items():
        response = client.get(page_of(organization, part), headers={"if-none-match": etag})
        assert response.status_code == 200, part
    corrections = client.get(page_of(organization, "corrections/")).content.decode()
    assert "Rating changed from Mostly true to Half true because New figures." in corrections


def test_signed_in_readers_see_the_same_page_but_it_is_not_stored(
    client, world, organization, editor
):
    anonymous = client.get(page_of(organization)).content
    client.force_login(editor)
    signed_in = client.get(page_of(organization))
    assert signed_in.content == anonymous
    assert "private" in signed_in["Cache-Control"] and "no-store" in signed_in["Cache-Control"]


@pytest.mark.parametrize("part", ["", "corrections/", "methodology/"])
def test_public_pages_have_no_inline_script_and_their_style_is_allowed_by_hash(
    client, world, organization, part
):
    response = client.get(page_of(organization, part))
    html = response.content.decode()
    assert "<script" not in html
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    for style in re.findall(r"<style>(.*?)</style>", html, re.S):
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


@pytest.mark.parametrize(
    ("part", "title"),
    [
        ("", "Fact-checks by Fact Desk"),
        ("corrections/", "Corrections by Fact Desk"),
        ("methodology/", "How Fact Desk"),
    ],
)
def test_public_pages_carry_open_graph_metadata(client, world, organization, part, title):
    html = client.get(page_of(organization, part)).content.decode()
    assert f'<meta property="og:title" content="{title}' in html
    assert (
        f'<meta property="og:url" content="http://testserver{page_of(organization, part)}">' in html
    )
    assert '<meta property="og:description" content="' in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_the_description_counts_one_claim_in_the_singular(client, db):
    newsroom = published_world.second_newsroom()
    html = client.get(page_of(newsroom["organization"])).content.decode()
    assert ": 1 claim checked, with the verdict" in html
    assert "1 claims" not in html


# Corrections


def test_corrections_list_changed_verdicts_and_retractions_newest_first(
    client, world, organization
):
    html = client.get(page_of(organization, "corrections/")).content.decode()
    assert claim_links(html) == [world["retracted"].pk, world["corrected"].pk]
    assert "Rating changed from Mostly true to False because the census says 19.6 years." in html
    assert "Retracted because the statistics office withdrew its figure." in html
    assert "<strong>Retraction</strong>" in html and "<strong>Correction</strong>" in html
    # First publications are not corrections, and nothing hidden appears.
    assert world["published"].claim_reviewed not in html
    for text in HIDDEN:
        assert text not in html


def test_corrections_of_a_claim_hidden_since_its_words_changed_are_hidden_too(
    client, world, organization, editor
):
    article = world["article"]
    article.refresh_from_db()
    without = article.text.replace(published_world.SENTENCES["corrected"], "")
    services.article_update_text(article=article, actor=editor, text=without)
    factories.text_shown_to_readers(article)
    html = client.get(page_of(organization, "corrections/")).content.decode()
    assert claim_links(html) == [world["retracted"].pk]
    assert "census" not in html


def test_corrections_page_of_a_newsroom_without_corrections_says_so(
    client, organization, editor, reviewer
):
    article = factories.article(organization, editor, text=published_world.article_text())
    published_world.publish(article, editor, reviewer, published_world.SENTENCES["published"])
    html = client.get(page_of(organization, "corrections/")).content.decode()
    assert "has not corrected or retracted a published fact-check" in html


# Methodology


def test_methodology_is_rendered_from_markdown_and_sanitised(
    client, organization, org_admin, launched
):
    services.organization_update(
        organization=organization,
        actor=org_admin,
        methodology="### Choosing claims\n\nWe check **viral** claims.\n\n"
        "<script>alert(1)</script>\n\n[bad](javascript:alert(1))",
    )
    html = client.get(page_of(organization, "methodology/")).content.decode()
    assert "<h3>Choosing claims</h3>" in html
    assert "<strong>viral</strong>" in html
    assert "<script" not in html
    assert 'href="javascript:' not in html


def test_methodology_page_shows_the_rating_scale(client, organization, launched):
    html = client.get(page_of(organization, "methodology/")).content.decode()
    assert "has not published its methodology here yet" in html
    for label, *_ in services.DEFAULT_SCALE:
        assert f">{label}</span>" in html


def test_changing_the_methodology_changes_its_etag(client, organization, org_admin, launched):
    first = client.get(page_of(organization, "methodology/"))
    services.organization_update(organization=organization, actor=org_admin, methodology="New.")
    again = client.get(
        page_of(organization, "methodology/"), headers={"if-none-match": first["ETag"]}
    )
    assert again.status_code == 200
    assert "<p>New.</p>" in again.content.decode()


# Settings: admins write the methodology


def settings_url(organization):
    return f"/settings/organizations/{organization.slug}/"


def settings_form(organization, **changes):
    data = {
        "name": organization.name,
        "url": organization.url,
        "requires_two_person_review": "on",
        "methodology": organization.methodology,
    }
    data.update(changes)
    return data


def test_admin_saves_the_methodology_and_readers_see_it(client, organization, org_admin, launched):
    client.force_login(org_admin)
    page = client.get(settings_url(organization))
    assert page.status_code == 200
    assert f'maxlength="{METHODOLOGY_MAX}"' in page.content.decode()
    response = client.post(
        settings_url(organization),
        settings_form(organization, methodology="We rate claims on a **seven-point** scale."),
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.methodology == "We rate claims on a **seven-point** scale."
    client.logout()
    html = client.get(page_of(organization, "methodology/")).content.decode()
    assert "<strong>seven-point</strong>" in html


def test_methodology_over_the_limit_is_refused_and_kept_unchanged(client, organization, org_admin):
    client.force_login(org_admin)
    response = client.post(
        settings_url(organization),
        settings_form(organization, methodology="x" * (METHODOLOGY_MAX + 1)),
    )
    assert response.status_code == 400
    assert f"{METHODOLOGY_MAX:,}" in response.content.decode()
    organization.refresh_from_db()
    assert organization.methodology == ""


def test_service_refuses_a_methodology_over_the_limit(organization, org_admin):
    with pytest.raises(ValidationError) as raised:
        services.organization_update(
            organization=organization, actor=org_admin, methodology="x" * (METHODOLOGY_MAX + 1)
        )
    assert "methodology" in raised.value.message_dict


def test_service_refuses_a_methodology_from_an_editor(organization, editor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.organization_update(organization=organization, actor=editor, methodology="Mine.")
    organization.refresh_from_db()
    assert organization.methodology == ""


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("outsider", 404), ("editor", 403), ("reviewer", 403), ("admin", 200)],
)
def test_only_the_organizations_admins_open_its_settings(client, organization, who, expected):
    roles = {
        "editor": Membership.Role.EDITOR,
        "reviewer": Membership.Role.REVIEWER,
        "admin": Membership.Role.ADMIN,
    }
    if who == "outsider":
        client.force_login(factories.member(factories.OrganizationFactory(), roles["admin"]))
    elif who != "anonymous":
        client.force_login(factories.member(organization, roles[who]))
    assert client.get(settings_url(organization)).status_code == expected
    posted = client.post(settings_url(organization), settings_form(organization, methodology="X"))
    # Signed out, the form is answered with a page that says so.
    assert posted.status_code == (
        302 if who == "admin" else 403 if who == "anonymous" else expected
    )
    organization.refresh_from_db()
    assert organization.methodology == ("X" if who == "admin" else "")


# The front page


def test_anonymous_front_page_lists_newsrooms_with_published_fact_checks(
    client, world, organization
):
    quiet = factories.OrganizationFactory(name="Quiet Desk")
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/o/{organization.slug}/"' in html
    assert "3 fact-checks" in html
    assert quiet.name not in html
    assert 'href="/accounts/login/"' in html
    assert "Cookie" in response["Vary"]
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60"


def test_signed_in_front_page_is_still_the_article_list(client, world, editor):
    client.force_login(editor)
    html = client.get("/").content.decode()
    assert "Add an article" in html
    assert world["article"].title in html


def test_retracting_the_only_fact_check_takes_the_newsroom_off_the_front_page(
    client, organization, editor, reviewer
):
    article = factories.article(organization, editor, text=published_world.article_text())
    claim = published_world.publish(
        article, editor, reviewer, published_world.SENTENCES["published"]
    )
    assert f'href="/o/{organization.slug}/"' in client.get("/").content.decode()
    services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.RETRACTED, note="Withdrawn."
    )
    assert f'href="/o/{organization.slug}/"' not in client.get("/").content.decode()


def test_corrections_show_each_verdict_in_its_rating_colour(client, world, organization):
    from annotations.models import PublishedVersion

    html = client.get(page_of(organization, "corrections/")).content.decode()
    corrected = PublishedVersion.objects.get(claim=world["corrected"], is_current=True)
    assert f'class="chip r-{corrected.verdict.key}"' in html
    assert f".r-{corrected.verdict.key}{{--c:{corrected.rating_colour}" in html


def test_methodology_says_under_which_earlier_name_a_renamed_rating_is_still_shown(
    client, organization, editor, reviewer, org_admin
):
    """Renamed "Mostly true" to "Largely accurate": verdicts published before still show
    "Mostly true", which the methodology's list of ratings no longer explained."""
    from annotations.models import Rating

    article = factories.article(organization, editor)
    factories.published_claim(article, editor, reviewer)
    url = page_of(organization, "methodology/")
    before = client.get(url)
    rating = Rating.objects.get(scale__organization=organization, label="Mostly true")
    rating.label = "Largely accurate"
    services.rating_save(rating=rating, actor=org_admin)
    html = client.get(url, headers={"if-none-match": before["ETag"]}).content.decode()
    assert ">Largely accurate</span>" in html
    assert (
        "Fact-checks published before it was renamed show it as “<bdi>Mostly true</bdi>”." in html
    )
    # No such line for a rating shown under its own name.
    assert html.count("published before it was renamed") == 1


def test_a_newsroom_that_never_published_is_shown_to_its_members_only(
    client, organization, editor, reviewer, org_admin
):
    """As in the public API: readers cannot tell its slug from one nobody has."""
    services.organization_update(
        organization=organization, actor=org_admin, methodology="Draft **methods**."
    )
    services.organization_logo_set(
        organization=organization, actor=org_admin, data=factories.image_bytes()
    )
    pages = [page_of(organization, part) for part in ("", "corrections/", "methodology/", "logo/")]
    nobody = [page_of(factories.OrganizationFactory.build(), part) for part in ("", "methodology/")]

    for url in pages:
        missing = client.get(url)
        assert missing.status_code == 404, url
        # Not kept by a shared cache, which would go on hiding the newsroom once it publishes.
        assert missing["Cache-Control"] == "no-cache", url
    hidden = client.get(pages[2])
    assert "Draft" not in hidden.content.decode()
    assert [client.get(url).status_code for url in nobody] == [404, 404]

    client.force_login(editor)
    for url in pages:
        seen = client.get(url)
        if seen.streaming:
            assert b"".join(seen.streaming_content)  # the logo, read to its end and closed
        assert seen.status_code == 200, url
        assert "private" in seen["Cache-Control"] and "public" not in seen["Cache-Control"]
    client.logout()

    article = factories.article(organization, editor)
    published_world.publish(article, editor, reviewer, "the median age is only 22.8 years")
    for url in pages:
        shown = client.get(url)
        if shown.streaming:
            assert b"".join(shown.streaming_content)
        assert shown.status_code == 200, url
    assert "<strong>methods</strong>" in client.get(pages[2]).content.decode()
