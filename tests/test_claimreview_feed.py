"""The ClaimReview DataFeed at /api/v1/claimreview/ and `manage.py export_claimreview`."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import jsonld, versions
from tests import published_world, schemaorg
from tests.conftest import once_this_second_is_over

FEED = "/api/v1/claimreview/"


@pytest.fixture
def world(organization, editor, reviewer):
    return published_world.build(organization, editor, reviewer)


@pytest.fixture
def other(db):
    return published_world.second_newsroom()


def fetch(client, query="", **headers):
    response = client.get(FEED + query, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def claim_ids(feed: dict) -> set[int]:
    return {
        int(element["url"].rstrip("/").rsplit("/", 1)[1]) for element in feed["dataFeedElement"]
    }


def test_feed_url_is_named_in_the_v1_namespace():
    assert reverse("v1:claimreview-feed") == FEED


def test_feed_holds_exactly_the_current_published_claims(client, world, other):
    response, body = fetch(client)
    assert response.status_code == 200
    feed = json.loads(body)
    assert claim_ids(feed) == {
        world["published"].pk,
        world["corrected"].pk,
        world["working_copy"].pk,
        other["claim"].pk,
    }
    text = body.decode()
    # Readers see the published wording of a claim being edited, never the edit or a draft.
    assert published_world.SENTENCES["working_copy"] in text
    assert published_world.EDITED_WORDING not in text
    assert published_world.DRAFT_WORDING not in text
    for key in ("in_review", "orphan", "retracted"):
        assert published_world.SENTENCES[key] not in text


def test_feed_shows_the_corrected_verdict_with_its_dates(client, world):
    feed = json.loads(fetch(client)[1])
    (corrected,) = [
        element
        for element in feed["dataFeedElement"]
        if element["url"].endswith(f"/c/{world['corrected'].pk}/")
    ]
    assert corrected["reviewRating"]["alternateName"] == "False"
    # Dates are to the second: the correction may share its first publication's second.
    assert corrected["datePublished"] <= corrected["dateModified"]
    others = [element for element in feed["dataFeedElement"] if element is not corrected]
    assert others and all("dateModified" not in element for element in others)


def test_feed_is_a_schema_org_data_feed_of_valid_claim_reviews(
    client, world, other, organization, editor
):
    from annotations import services
    from annotations.models import Article

    english = Article.objects.filter(organization=organization).first()
    services.article_update_details(article=english, actor=editor, language="en")
    response, body = fetch(client)
    assert response["Content-Type"] == "application/ld+json"
    feed = json.loads(body)
    assert feed["@type"] == "DataFeed"
    assert feed["url"] == "http://testserver" + FEED
    assert schemaorg.vocabulary().problems(feed) == []
    for element in feed["dataFeedElement"]:
        review = {"@context": feed["@context"], **element}
        assert schemaorg.google_errors(review) == []
        assert schemaorg.google_warnings(review) == []
        assert element["url"].startswith("http://testserver/c/")
        # The review's own language, the one its conclusion is written in (trial D2).
        appeared = element["itemReviewed"]["appearance"]
        assert element.get("inLanguage") == appeared.get("inLanguage")
    assert "en" in {element.get("inLanguage") for element in feed["dataFeedElement"]}


def test_feed_is_public_cacheable_and_the_same_for_members(client, world, editor):
    once_this_second_is_over()
    anonymous, anonymous_body = fetch(client)
    assert anonymous.status_code == 200
    assert "public" in anonymous["Cache-Control"]
    assert anonymous["Cache-Control"] == "public, max-age=60"  # as every public read
    assert anonymous["ETag"]
    assert anonymous["Last-Modified"]
    client.force_login(editor)
    member, member_body = fetch(client)
    assert member_body == anonymous_body
    assert member["ETag"] == anonymous["ETag"]


def test_feed_answers_json_ld_or_json_as_asked_and_refuses_html_only(client, world):
    default = client.get("/api/v1/claimreview/")
    assert default["Content-Type"] == "application/ld+json"
    plain = client.get("/api/v1/claimreview/", HTTP_ACCEPT="application/json")
    assert plain["Content-Type"] == "application/json"
    assert b"".join(plain.streaming_content) == b"".join(default.streaming_content)
    # Each label is its own representation: its own validator, and caches keep both.
    assert plain["ETag"] != default["ETag"]
    assert "Accept" in default["Vary"]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get("/api/v1/claimreview/", HTTP_ACCEPT=browser).status_code == 200
    refused = client.get("/api/v1/claimreview/", HTTP_ACCEPT="text/html")
    assert refused.status_code == 406
    # q=0 is "never this type": it was read as a wish for it.
    never_json = client.get("/api/v1/claimreview/", HTTP_ACCEPT="application/json;q=0")
    assert never_json.status_code == 406
    not_ld = "application/ld+json;q=0, application/json"
    answer = client.get("/api/v1/claimreview/", HTTP_ACCEPT=not_ld)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    anything_but_ld = client.get("/api/v1/claimreview/", HTTP_ACCEPT="application/ld+json;q=0, */*")
    assert anything_but_ld["Content-Type"] == "application/json"
    assert client.get("/api/v1/claims/", HTTP_ACCEPT="application/json;q=0").status_code == 406
    assert refused["Content-Type"] == "application/problem+json"
    # The client's qualities rank what it takes: the view's own order only breaks a tie
    # (trial G8: JSON-LD came back to a client preferring plain JSON).
    for accept, expected in [
        ("application/ld+json;q=0.5, application/json", "application/json"),
        ("application/json;q=0.9, */*", "application/ld+json"),
        ("*/*;q=0.1, application/json;q=0.2", "application/json"),
        ("application/json, application/ld+json", "application/ld+json"),
        # A quality that is no number counts as 1, not as a refusal of every type.
        ("application/json;q=nan", "application/json"),
    ]:
        answer = client.get("/api/v1/claimreview/", HTTP_ACCEPT=accept)
        assert answer["Content-Type"] == expected, accept
    # ?format= names the representation instead of Accept, as the schema says (trial G9).
    for path in ("/api/v1/claimreview/?format=json", "/api/v1/claims/?format=json"):
        answer = client.get(path, HTTP_ACCEPT="text/html")
        assert answer.status_code == 200, path
        assert answer["Content-Type"].startswith("application/json"), path


def test_organization_filter_keeps_one_newsrooms_claims(client, world, other):
    feed = json.loads(fetch(client, f"?organization={other['organization'].slug}")[1])
    assert claim_ids(feed) == {other["claim"].pk}
    assert feed["url"].endswith(f"?organization={other['organization'].slug}")


def test_a_parameter_the_feed_does_not_take_is_a_400_naming_what_it_takes(
    client, world, other, organization
):
    slug, other_slug = organization.slug, other["organization"].slug
    misspelt, _ = fetch(client, f"?organisation={slug}&page=99999999")
    assert misspelt.status_code == 400
    errors = misspelt.json()["errors"]
    assert sorted(errors) == ["organisation", "page"]
    assert "it takes: format, organization" in errors["organisation"][0]
    both, _ = fetch(client, f"?organization={slug}&organization={other_slug}")
    assert both.status_code == 400
    assert "One organization" in both.json()["errors"]["organization"][0]
    assert fetch(client, f"?organization={slug}")[0].status_code == 200


def test_unknown_organization_is_a_400_as_in_the_public_lists(client, world):
    response, _ = fetch(client, "?organization=no-such-desk")
    assert response.status_code == 400
    assert response.json()["errors"]["organization"] == [
        "No organization that has published has this slug."
    ]
    assert client.get("/api/v1/claims/?organization=no-such-desk").status_code == 400
    # A newsroom that has never published reads as one that does not exist, as in the
    # public API: the feed does not confirm which slugs are taken.
    from tests import factories

    factories.OrganizationFactory(name="Quiet Desk", slug="quiet-desk")
    quiet, _ = fetch(client, "?organization=quiet-desk")
    assert quiet.status_code == 400
    assert quiet.json()["detail"] == response.json()["detail"]


def test_unchanged_feed_answers_304_to_its_etag_or_date(client, world):
    once_this_second_is_over()
    first, _ = fetch(client)
    by_etag, body = fetch(client, if_none_match=first["ETag"])
    assert by_etag.status_code == 304
    assert body == b""
    assert by_etag["ETag"] == first["ETag"]
    by_date, _ = fetch(client, if_modified_since=first["Last-Modified"])
    assert by_date.status_code == 304


def test_a_retraction_changes_the_etag_and_drops_the_claim(client, world, reviewer):
    from annotations import services
    from annotations.models import Claim

    first, _ = fetch(client)
    services.claim_transition(
        claim=world["published"], actor=reviewer, to_status=Claim.Status.RETRACTED, note="Wrong."
    )
    again, body = fetch(client, if_none_match=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert world["published"].pk not in claim_ids(json.loads(body))


def test_renaming_the_organization_changes_the_etag(client, world, organization, org_admin):
    from annotations import services

    first, _ = fetch(client)
    services.organization_update(organization=organization, actor=org_admin, name="Renamed Desk")
    again, body = fetch(client, if_none_match=first["ETag"])
    assert again.status_code == 200
    assert "Renamed Desk" in body.decode()


def test_feed_queries_do_not_grow_with_the_number_of_claims(client, organization, editor, reviewer):
    def queries_for_feed():
        with CaptureQueriesContext(connection) as captured:
            response, body = fetch(client)
        assert response.status_code == 200
        return len(captured), len(json.loads(body)["dataFeedElement"])

    published_world.build(organization, editor, reviewer, title="First")
    small = queries_for_feed()
    for number in range(4):
        published_world.build(organization, editor, reviewer, title=f"More {number}")
    large = queries_for_feed()
    assert large[1] == 5 * small[1]
    assert large[0] == small[0]


def test_export_writes_the_same_document_as_the_feed(client, world, other, settings, tmp_path):
    settings.PUBLIC_BASE_URL = "http://testserver"
    _, body = fetch(client)
    target = tmp_path / "claimreview.jsonld"
    call_command("export_claimreview", output=str(target))
    assert target.read_bytes() == body
    assert json.loads(body)["dataFeedElement"]


def test_export_of_one_organization_equals_its_filtered_feed(
    client, world, other, settings, tmp_path
):
    settings.PUBLIC_BASE_URL = "http://testserver"
    slug = other["organization"].slug
    _, body = fetch(client, f"?organization={slug}")
    target = tmp_path / "one.jsonld"
    call_command("export_claimreview", organization=slug, output=str(target))
    assert target.read_bytes() == body


def test_export_uses_the_public_base_url_for_every_address(world, settings, capsys):
    settings.PUBLIC_BASE_URL = "https://facts.example"
    call_command("export_claimreview")
    feed = json.loads(capsys.readouterr().out)
    assert feed["url"] == "https://facts.example/api/v1/claimreview/"
    assert all(
        element["url"].startswith("https://facts.example/c/") for element in feed["dataFeedElement"]
    )


def test_export_of_an_unknown_organization_fails(world):
    with pytest.raises(CommandError, match="no-such-desk"):
        call_command("export_claimreview", organization="no-such-desk")


def test_the_feed_is_dated_by_its_last_change_not_by_the_http_validators(client, world, settings):
    """dateModified followed Last-Modified's turnover: a minute when nothing changed."""
    import datetime as dt

    from annotations.models import PublishedVersion

    changed = dt.datetime(2026, 3, 9, 12, 0, 0, 500_000, tzinfo=dt.UTC)
    PublishedVersion.objects.update(changed_at=changed)
    settings.FACTCHECK_FEED_LATE_COMMIT_SECONDS = 300
    response, body = fetch(client)
    assert json.loads(body)["dateModified"] == "2026-03-09T12:00:00+00:00"
    # HTTP's date is the end of the window in which a late commit could still land.
    assert response["Last-Modified"] == "Mon, 09 Mar 2026 12:05:00 GMT"


def test_streamed_document_equals_the_data_feed_of_its_elements(client, world):
    feed = json.loads(fetch(client)[1])
    rebuilt = jsonld.data_feed(feed["dataFeedElement"], url=feed["url"], modified=None)
    rebuilt["dateModified"] = feed["dateModified"]
    assert feed == {key: rebuilt[key] for key in feed}


def _many_published(article, editor, count):
    """`count` published claims written in bulk: the service path is too slow for thousands."""
    from django.utils import timezone

    from annotations.models import Claim, PublishedVersion, Rating

    rating = Rating.objects.get(scale__organization=article.organization, label="False")
    revision = article.revisions.get()
    span = {"revision": revision, "exact": "Over", "start": 0, "end": 4}
    claims = Claim.objects.bulk_create(
        Claim(
            article=article,
            claim_reviewed=f"Bulk claim {number} about the listeners",
            creator=editor,
            status=Claim.Status.PUBLISHED,
            **span,
        )
        for number in range(count)
    )
    PublishedVersion.objects.bulk_create(
        PublishedVersion(
            claim=claim,
            number=1,
            claim_reviewed=claim.claim_reviewed,
            claimant="A minister",
            conclusion="A long conclusion. " * 100,
            rating=rating,
            **versions.rating_fields(rating),
            publisher=article.organization,
            published_by=editor,
            published_at=timezone.now(),
            **span,
        )
        for claim in claims
    )


def test_streaming_a_large_feed_keeps_memory_flat(client, article, editor):
    import tracemalloc

    def peak_while_streaming():
        tracemalloc.start()
        try:
            response = client.get(FEED)
            elements = sum(1 for chunk in response.streaming_content) - 2
            return elements, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    _many_published(article, editor, 100)
    peak_while_streaming()  # the first request warms caches that are not the feed's
    small = peak_while_streaming()
    _many_published(article, editor, 1900)
    large = peak_while_streaming()
    assert (small[0], large[0]) == (100, 2000)
    # Twenty times the claims, not twenty times the memory: rows are read in chunks of 500
    # and written as they come (reading them all at once peaks near 7 MB here).
    assert large[1] < small[1] + 2_500_000, (small, large)
