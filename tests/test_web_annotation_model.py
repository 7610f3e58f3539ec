"""Claims as W3C Web Annotations: the model's shape, and the W3C schemas on all we emit."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from annotations import jsonld, services
from annotations.models import Claim, Snapshot, Source
from tests import published_world
from tests.w3c import validator

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
SAMPLES = Path(__file__).parent / "w3c" / "samples"
LD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


@pytest.fixture
def world(organization, editor, reviewer):
    return published_world.build(organization, editor, reviewer)


def _get(client, url, **headers):
    response = client.get(url, HTTP_ACCEPT=LD, **headers)
    assert response.status_code == 200, response.content
    return response.json()


def _bodies(annotation, purpose):
    return [body for body in annotation["body"] if body.get("purpose") == purpose]


def test_the_validator_agrees_with_the_upstream_calibration():
    correct = [json.loads(p.read_text()) for p in sorted((SAMPLES / "correct").glob("anno*.json"))]
    passing = [doc for doc in correct if not validator.must_failures(doc)]
    assert len(correct) == 41 and len(passing) == 38
    for name in ("collection1.json", "example41.json"):
        doc = json.loads((SAMPLES / "correct" / name).read_text())
        assert validator.must_failures(doc, as_="collection") == []
    incorrect = []
    for path in sorted((SAMPLES / "incorrect").glob("*.json")):
        text = re.sub(r",(\s*[}\]])", r"\1", path.read_text())
        try:
            incorrect.append(json.loads(text))
        except ValueError:
            continue
    assert len(incorrect) == 38
    assert all(validator.must_failures(doc) for doc in incorrect)


def test_a_published_claim_is_an_assessing_annotation_of_its_words(client, world):
    claim = world["published"]
    annotation = _get(client, f"/api/v1/annotations/{claim.pk}")
    version = claim.published_versions.get()
    assert annotation["@context"] == ANNO_CONTEXT
    assert annotation["id"] == f"http://testserver/api/v1/annotations/{claim.pk}"
    assert annotation["type"] == "Annotation" and annotation["motivation"] == "assessing"
    [rating] = _bodies(annotation, "assessing")
    assert rating == {
        "type": "TextualBody",
        "purpose": "assessing",
        "value": "Mostly true",
        "format": "text/plain",
    }
    [conclusion] = _bodies(annotation, "describing")
    assert conclusion["format"] == "text/markdown"
    assert conclusion["value"] == "Checked against the record."
    [source] = _bodies(annotation, "linking")
    assert source == {
        "type": "SpecificResource",
        "purpose": "linking",
        "source": "https://example.org/record",
    }
    target = annotation["target"]
    quote, position = target["selector"]
    assert quote["type"] == "TextQuoteSelector" and quote["exact"] == version.exact
    assert position == {"type": "TextPositionSelector", "start": version.start, "end": version.end}
    article_text = world["article"].text
    assert article_text[position["start"] : position["end"]] == quote["exact"]
    assert annotation["creator"]["type"] == "Organization"
    assert annotation["creator"]["name"] == claim.article.organization.name
    assert annotation["generator"]["type"] == "Software"
    assert annotation["canonical"] == f"http://testserver/c/{claim.pk}/"
    assert annotation["created"] == jsonld.utc_moment(version.published_at)
    assert validator.must_failures(annotation) == []


def test_the_annotation_shows_the_published_version_never_the_working_copy(client, world):
    annotation = _get(client, f"/api/v1/annotations/{world['working_copy'].pk}")
    text = json.dumps(annotation)
    assert published_world.EDITED_WORDING not in text
    corrected = _get(client, f"/api/v1/annotations/{world['corrected'].pk}")
    assert _bodies(corrected, "assessing")[0]["value"] == "False"
    first, second = world["corrected"].published_versions.order_by("number")
    assert corrected["created"] == jsonld.utc_moment(first.published_at)
    assert corrected["modified"] == jsonld.utc_moment(second.published_at)


def test_language_is_the_articles_and_the_target_is_its_original_address(
    client, world, editor, reviewer
):
    """The article's language marks its words; the rating and tags are the newsroom's."""
    article = world["article"]
    article.language = "he"
    article.canonical_url = "https://news.example/listeners"
    article.save()
    claim = world["published"]
    claim.refresh_from_db()
    services.claim_update(claim=claim, actor=editor, expected_version=None, tags=["record"])
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED, note="Tagged"
    )
    annotation = _get(client, f"/api/v1/annotations/{claim.pk}")
    assert annotation["target"]["source"] == "https://news.example/listeners"
    assert annotation["target"]["language"] == "he"
    for purpose in ("identifying", "describing"):
        assert [body["language"] for body in _bodies(annotation, purpose)] == ["he"], purpose
    for purpose in ("assessing", "tagging"):
        bodies = _bodies(annotation, purpose)
        assert bodies and all("language" not in body for body in bodies), purpose
    assert validator.must_failures(annotation) == []


def _archived(source, archive_url):
    """The archiving job's result for the page the source cites, recorded after publication."""
    from annotations.permissions import SYSTEM
    from annotations.services import snapshots

    snapshots.source_archive_url_set(
        source=source, actor=SYSTEM, archive_url=archive_url, for_url=source.url
    )


def test_a_source_with_an_archived_copy_carries_a_time_state(client, world):
    source = Source.objects.get(claim=world["published"])
    _archived(source, "https://web.archive.org/web/20260301101500/https://example.org/record")
    source.refresh_from_db()
    annotation = _get(client, f"/api/v1/annotations/{world['published'].pk}")
    [linked] = _bodies(annotation, "linking")
    assert linked["state"] == {
        "type": "TimeState",
        "cached": source.archive_url,
        "sourceDate": "2026-03-01T10:15:00Z",
    }
    assert validator.must_failures(annotation) == []


def test_a_snapshot_dates_an_archive_address_without_its_own_date(client, world):
    source = Source.objects.get(claim=world["published"])
    Snapshot.objects.create(
        source=source,
        fetched_at=dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC),
        requested_url=source.url,
        final_url=source.url,
        http_status=200,
        sha256="0" * 64,
        warc="snapshots/x.warc.gz",
    )
    _archived(source, "https://archive.example/abc")
    annotation = _get(client, f"/api/v1/annotations/{world['published'].pk}")
    states = _bodies(annotation, "linking")[0]["state"]
    states = states if isinstance(states, list) else [states]
    assert {"type": "TimeState", "cached": "https://archive.example/abc",
            "sourceDate": "2026-02-01T08:00:00Z"} in states  # fmt: skip
    assert validator.must_failures(annotation) == []


def test_every_annotation_collection_and_page_we_emit_passes_the_w3c_musts(client, world):
    container = "/api/v1/annotations/"
    article_container = f"/api/v1/annotations/articles/{world['article'].pk}/"
    checked = {"annotation": 0, "collection": 0, "page": 0}
    for base in (container, article_container):
        for prefer in ("", "PreferMinimalContainer", "PreferContainedIRIs"):
            headers = {}
            if prefer:
                ns = "ldp" if prefer == "PreferMinimalContainer" else "oa"
                headers["HTTP_PREFER"] = (
                    f'return=representation;include="http://www.w3.org/ns/{ns}#{prefer}"'
                )
            collection = _get(client, base, **headers)
            assert validator.must_failures(collection, as_="collection") == []
            checked["collection"] += 1
            page = collection["first"]
            if isinstance(page, dict):
                assert validator.must_failures(page, as_="page") == []
                page = page["id"]
            while page:
                body = _get(client, page)
                assert validator.must_failures(body, as_="page") == [], page
                checked["page"] += 1
                for item in body["items"]:
                    if isinstance(item, dict):
                        assert validator.must_failures(item) == []
                        checked["annotation"] += 1
                page = body.get("next")
    # Two containers of three claims: descriptions embedded in the first page and on the page
    # itself, and on the page the minimal view links to; the IRIs view lists IRIs.
    assert checked == {"annotation": 12, "collection": 6, "page": 6}


# SHOULDs of the optional tests that do not apply to a fact-check: its bodies and target are
# not separately authored resources (no creator or creation time of their own), the article's
# media type is not known, and it uses no FragmentSelector (whose `conformsTo` is checked).
NOT_APPLICABLE = {
    "3.3.1-bodySingleCreator.json", "3.3.1-bodyCreated.json", "3.2.1-targSingleFormat.json",
    "3.3.1-targSingleCreator.json", "3.3.1-targCreated.json", "4.2.1-conformsTo.json",
    "3.3.2-bodyCreatorAgentIdImplemented.json", "3.3.2-bodyCreatorAgentTypeImplemented.json",
    "3.3.2-bodyCreatorAgentNicknameImplemented.json",
    "3.3.2-bodyCreatorAgentSingleNameImplemented.json",
    "3.3.2-targCreatorAgentIdImplemented.json", "3.3.2-targCreatorAgentTypeImplemented.json",
    "3.3.2-targCreatorAgentNicknameImplemented.json",
    "3.3.2-targCreatorAgentSingleNameImplemented.json",
}  # fmt: skip


def test_the_only_should_assertions_we_fail_are_those_that_do_not_apply(client, world):
    world["article"].language = "en"
    world["article"].save()
    # A claim in the middle of the text, so its quote has context on both sides.
    annotation = _get(client, f"/api/v1/annotations/{world['corrected'].pk}")
    outcomes = [
        o
        for test in (validator.ANNOTATION_OPTIONALS, validator.AGENT_OPTIONALS)
        for o in validator.run(test, annotation)
        if o.kind == "should"
    ]
    failed = {o.file.rsplit("/", 1)[-1] for o in outcomes if not o.passed}
    assert failed == NOT_APPLICABLE
    passed = {o.file.rsplit("/", 1)[-1] for o in outcomes if o.passed}
    assert {
        "3.3.1-annotationSingleCreatorImplemented.json",
        "3.3.1-annotationCreatedImplemented.json",
        "3.3.2-annotationCreatorAgentNicknameImplemented.json",
        "3.2.1-bodySingleLanguage.json",
    } <= passed
    quote = annotation["target"]["selector"][0]
    assert quote["prefix"] and quote["suffix"]
    assert len(outcomes) - len(failed) >= 10


def test_collections_and_pages_fail_no_should_that_applies(client, world):
    collection = _get(client, "/api/v1/annotations/")
    failed = {
        o.file.rsplit("/", 1)[-1] for o in validator.should_failures(collection, as_="collection")
    }
    page = _get(client, collection["first"]["id"])
    failed |= {o.file.rsplit("/", 1)[-1] for o in validator.should_failures(page, as_="page")}
    assert failed == set()


def test_drafts_retractions_and_orphans_are_not_public_annotations(client, world):
    for key, status in (("draft", 404), ("in_review", 404), ("orphan", 404), ("retracted", 410)):
        response = client.get(f"/api/v1/annotations/{world[key].pk}")
        assert response.status_code == status, key
        assert response["Content-Type"] == "application/problem+json"
        problem_type = "gone" if status == 410 else "not-found"
        assert response.json()["type"] == f"/api/v1/problems/{problem_type}/", key
    # A retracted claim may be checked again and republished: its 410 names the page with
    # the note, and is not to be kept by a cache (API trial D4).
    gone = client.get(f"/api/v1/annotations/{world['retracted'].pk}")
    assert f"http://testserver/c/{world['retracted'].pk}/" in gone.json()["detail"]
    assert "no-cache" in gone["Cache-Control"]
    collection = _get(client, "/api/v1/annotations/")
    assert collection["total"] == 3
    listed = {item["id"].rsplit("/", 1)[-1] for item in collection["first"]["items"]}
    expected = {world[k].pk for k in ("published", "corrected", "working_copy")}
    assert listed == {str(pk) for pk in expected}
    assert Claim.objects.count() == 7


def _snapshot(source, when):
    return Snapshot.objects.create(
        source=source, fetched_at=when, requested_url=source.url, final_url=source.url,
        http_status=200, sha256="0" * 64, warc=f"snapshots/{source.pk}.warc.gz",
    )  # fmt: skip


def test_members_see_a_drafts_own_snapshot_and_readers_never_see_one(client, world, editor):
    from annotations import services

    when = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)
    draft = world["draft"]
    cited = services.source_add(claim=draft, actor=editor, url="https://example.org/draft-src")
    snapshot = _snapshot(cited, when)
    _snapshot(Source.objects.get(claim=world["published"]), when)
    client.force_login(editor)
    annotation = _get(client, f"/api/v1/annotations/{draft.pk}")
    [linked] = _bodies(annotation, "linking")
    assert linked["state"] == {
        "type": "TimeState",
        "cached": f"http://testserver/snapshots/{snapshot.pk}.warc.gz",
        "sourceDate": "2026-02-01T08:00:00Z",
    }
    assert validator.must_failures(annotation) == []
    client.logout()
    public = _get(client, f"/api/v1/annotations/{world['published'].pk}")
    assert "state" not in _bodies(public, "linking")[0]
    assert ".warc" not in json.dumps(_get(client, "/api/v1/annotations/"))


def test_a_draft_targets_an_address_its_members_can_open_until_readers_have_a_page(
    client, organization, editor, reviewer
):
    from tests import factories

    article = factories.article(organization, editor)
    assert not article.canonical_url
    draft = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "the median age is only 22.8 years"),
    )
    client.force_login(editor)

    before = _get(client, f"/api/v1/annotations/{draft.pk}")["target"]["source"]
    assert before == f"http://testserver/api/v1/newsroom/articles/{article.pk}/"
    assert client.get(before, HTTP_ACCEPT="application/json").status_code == 200

    factories.published_claim(article, editor, reviewer)
    after = _get(client, f"/api/v1/annotations/{draft.pk}")["target"]["source"]
    assert after.endswith(f"/{organization.slug}/{article.slug}/")
    assert client.get(after).status_code == 200


def test_the_container_a_reader_page_advertises_answers_when_no_verdict_is_shown(
    client, organization, editor, reviewer
):
    """An article whose one fact-check was retracted still has its reader page, whose Link
    header named an annotation container that answered 404."""
    from tests import factories

    article = factories.article(organization, editor)
    claim = published_world.publish(article, editor, reviewer, "median age is only 22.8 years")
    services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.RETRACTED, note="Withdrawn."
    )
    article.refresh_from_db()
    page = client.get(f"/a/{organization.slug}/{article.slug}/")
    assert page.status_code == 200
    container = re.search(r"<([^>]+)>", page["Link"]).group(1)
    collection = _get(client, container)
    assert collection["total"] == 0
