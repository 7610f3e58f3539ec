"""The public API v1 reads: published versions only, filters, sync, caching, CORS, queries."""

import base64
import datetime as dt
import importlib
from urllib.parse import quote, urlencode

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations import services, textsearch
from annotations.api import public_serializers
from annotations.api.filters import SEARCH_DOCUMENT
from annotations.models import Claim, Membership, PublishedVersion, Rating, Source
from annotations.permissions import SYSTEM
from annotations.services import snapshots as snapshot_services
from annotations.versions import tag_key
from tests import factories
from tests.conftest import once_this_second_is_over

pytestmark = pytest.mark.django_db

CANARY = "zebracanary"
LISTENERS = "Over 160,000 people listened in at once"
MEDIAN = "the median age is only 22.8 years"
CLAIMS = "/api/v1/claims/"


def _publish(article, editor, reviewer, quote, *, rating="Mostly true", **fields):
    """A claim on `quote`, with one source, published by `reviewer` through the services."""
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, quote)
    )
    services.source_add(claim=claim, actor=editor, url="https://example.org/record", title="Rec")
    claim.refresh_from_db()
    fields.setdefault("conclusion", "Checked against the **record**.")
    services.claim_update(
        claim=claim,
        actor=editor,
        expected_version=None,
        rating=Rating.objects.get(scale__organization=article.organization, label=rating),
        **fields,
    )
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    return services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)


def _correct(claim, editor, reviewer, note="New figures", **fields):
    """Change a published claim's working copy and republish it with a correction note."""
    claim.refresh_from_db()
    services.claim_update(claim=claim, actor=editor, expected_version=None, **fields)
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    return services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED, note=note
    )


def _article(organization, editor, *, title="Listeners and ages", url=""):
    return services.article_create(
        organization=organization,
        title=title,
        text=factories.SAMPLE_TEXT,
        created_by=editor,
        canonical_url=url,
    )


@pytest.fixture
def world(organization, editor, reviewer):
    """Two newsrooms: published, retracted and suspended claims, and canaries in the rest.

    The canary word is in every draft, review, unpublished edit and orphan's words, and
    in the other newsroom's draft: no public answer may contain it.
    """
    first = _article(organization, editor, url="https://www.example.com/news/spaces?utm_source=x")
    listeners = _publish(
        first, editor, reviewer, LISTENERS, claimant="Imran Khan", tags=["record", "audio"]
    )
    median = _publish(first, editor, reviewer, MEDIAN, rating="False", claimant="A minister")
    # Published, then edited and not republished: the edit is a working copy only.
    median.refresh_from_db()
    services.claim_update(
        claim=median, actor=editor, expected_version=None, conclusion=f"Draft {CANARY} edit"
    )
    second = _article(organization, editor, title="Retracted story")
    retracted = _publish(second, editor, reviewer, LISTENERS)
    services.claim_transition(
        claim=retracted, actor=reviewer, to_status=Claim.Status.RETRACTED, note="Never verified"
    )
    # A draft and a claim in review on the published article.
    for status in (Claim.Status.DRAFT, Claim.Status.IN_REVIEW):
        claim = services.claim_create(
            article=first,
            creator=editor,
            selectors=factories.quote_selectors(first.text, "demographic prerequisite"),
        )
        claim.refresh_from_db()
        services.claim_update(
            claim=claim, actor=editor, expected_version=None, claim_reviewed=f"{CANARY} {status}"
        )
        if status == Claim.Status.IN_REVIEW:
            services.claim_transition(claim=claim, actor=editor, to_status=status)
    # Published with the canary, then its words deleted: suspended, its content hidden.
    third = _article(organization, editor, title="Orphan story")
    orphan = _publish(third, editor, reviewer, MEDIAN, conclusion=f"Orphan {CANARY}")
    services.article_update_text(
        article=third,
        text=factories.SAMPLE_TEXT.replace(MEDIAN, "a young population"),
        actor=editor,
    )
    factories.text_shown_to_readers(third)
    # Another newsroom's draft.
    other = factories.OrganizationFactory(name="Other Desk", slug="other-desk")
    other_editor = factories.member(other, Membership.Role.EDITOR)
    other_article = _article(other, other_editor, title=f"{CANARY} title")
    services.claim_create(
        article=other_article,
        creator=other_editor,
        selectors=factories.quote_selectors(other_article.text, LISTENERS),
    )
    return {
        "organization": organization,
        "editor": editor,
        "reviewer": reviewer,
        "first": first,
        "listeners": listeners,
        "median": median,
        "retracted": retracted,
        "orphan": orphan,
    }


def _items(client, query="", url=CLAIMS):
    response = client.get(f"{url}?{query}" if query else url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _ids(client, query=""):
    return [item["id"] for item in _items(client, query)]


def test_anyone_reads_published_claims_in_the_contract_shape(client, world):
    items = {item["id"]: item for item in _items(client)}
    item = items[world["listeners"].pk]
    assert item["state"] == "published" and item["version"] == 1
    assert item["claim_reviewed"] == LISTENERS and item["claimant"] == "Imran Khan"
    assert item["rating"]["label"] == "Mostly true" and item["rating"]["best"] == 5
    assert item["rating"]["worst"] == 1 and item["rating"]["colour"].startswith("#")
    assert item["conclusion_html"] == "<p>Checked against the <strong>record</strong>.</p>\n"
    assert item["tags"] == ["record", "audio"]
    assert item["sources"] == [
        {
            "url": "https://example.org/record",
            "title": "Rec",
            "publisher": "",
            "quote": "",
            "stance": "context",
            "snapshot_url": None,
            "archive_url": None,
        }
    ]
    assert item["selectors"][0] == {
        "type": "TextQuoteSelector",
        "exact": LISTENERS,
        "prefix": "",
        "suffix": factories.SAMPLE_TEXT[len(LISTENERS) :][:32],
    }
    assert item["selectors"][1] == {"type": "TextPositionSelector", "start": 0, "end": 39}
    assert item["url"] == f"http://testserver/c/{world['listeners'].pk}/"
    first = world["first"]
    assert item["article"] == {
        "id": first.pk,
        "title": first.title,
        "url": "https://www.example.com/news/spaces?utm_source=x",
        "reader_url": f"http://testserver/a/{world['organization'].slug}/{first.slug}/",
        "language": "",
        "published_on": None,
    }
    assert item["organization"]["slug"] == world["organization"].slug
    assert item["first_published_at"] == item["published_at"] <= item["updated_at"]
    assert item["correction_note"] == "" and "retraction_note" not in item


def test_a_retraction_keeps_the_corrections_before_it_told(client, world):
    """Retracting a corrected claim replaced its correction note by the retraction's, and
    its previous rating went: consumers lost what the correction said."""
    claim = world["listeners"]
    item = client.get(f"{CLAIMS}{claim.pk}/").json()
    assert item["corrections"] == []
    rating = Rating.objects.get(scale__organization=world["organization"], label="Half true")
    _correct(
        claim, world["editor"], world["reviewer"], note="Twitter published its own figure",
        rating=rating, conclusion="Twitter's own count was lower.",
    )  # fmt: skip
    corrected = client.get(f"{CLAIMS}{claim.pk}/").json()
    [correction] = corrected["corrections"]
    assert correction["kind"] == "corrected"
    assert correction["changes"] == [
        "rating changed from Mostly true to Half true",
        "conclusion revised",
    ]
    assert correction["note"] == "Twitter published its own figure"
    assert correction["published_at"] == corrected["published_at"]
    claim.refresh_from_db()
    services.claim_transition(
        claim=claim, actor=world["reviewer"], to_status=Claim.Status.RETRACTED,
        note="The figure was never confirmed.",
    )  # fmt: skip
    retracted = client.get(f"{CLAIMS}{claim.pk}/").json()
    assert retracted["retraction_note"] == "The figure was never confirmed."
    assert [entry["kind"] for entry in retracted["corrections"]] == ["corrected", "retracted"]
    assert retracted["corrections"][0] == correction
    assert retracted["corrections"][1]["note"] == "The figure was never confirmed."


def test_items_name_exactly_the_fields_the_schema_documents(client, world):
    documented = set(public_serializers.PublicClaimSerializer().fields)
    items = {item["state"]: item for item in _items(client)}
    # previous_rating only on a correction that changed the verdict (the sync test has one).
    assert set(items["published"]) == documented - {"retraction_note", "previous_rating"}
    assert set(items["retracted"]) == documented - {"previous_rating"}
    assert set(items["suspended"]) == {"id", "url", "state", "updated_at"}
    nested = public_serializers.PublicClaimSerializer().fields
    assert set(items["published"]["rating"]) == set(nested["rating"].fields)
    assert set(items["published"]["article"]) == set(nested["article"].fields)
    assert set(items["published"]["organization"]) == set(nested["organization"].fields)
    assert set(items["published"]["sources"][0]) == set(nested["sources"].child.fields)


def test_retracted_claims_stay_listed_with_their_note_and_orphans_as_suspended(client, world):
    items = {item["id"]: item for item in _items(client)}
    retracted = items[world["retracted"].pk]
    assert retracted["state"] == "retracted" and retracted["version"] == 2
    assert retracted["retraction_note"] == "Never verified"
    orphan = items[world["orphan"].pk]
    assert orphan == {
        "id": world["orphan"].pk,
        "url": None,
        "state": "suspended",
        "updated_at": orphan["updated_at"],
    }
    # The working copy's unpublished edit does not change what is listed.
    assert items[world["median"].pk]["conclusion"] == "Checked against the **record**."
    assert len(items) == 4


def test_a_retraction_stays_public_when_the_text_changes_before_or_after_it(client, world):
    editor, reviewer = world["editor"], world["reviewer"]
    retracted, orphan = world["retracted"], world["orphan"]
    # After: the retracted claim's words change in its article.
    services.article_update_text(
        article=retracted.article,
        text=factories.SAMPLE_TEXT.replace(LISTENERS, "Many people listened"),
        actor=editor,
    )
    # Before: the orphan (its words already gone, so hidden) is retracted.
    services.claim_transition(
        claim=Claim.objects.get(pk=orphan.pk), actor=reviewer,
        to_status=Claim.Status.RETRACTED, note="The figure was never sourced.",
    )  # fmt: skip

    items = {item["id"]: item for item in _items(client)}
    for claim, note in ((retracted, "Never verified"), (orphan, "The figure was never sourced.")):
        assert items[claim.pk]["state"] == "retracted", claim
        assert items[claim.pk]["retraction_note"] == note
        assert client.get(f"/c/{claim.pk}/").status_code == 200
    corrections = client.get(f"/o/{world['organization'].slug}/corrections/").content.decode()
    assert "Never verified" in corrections
    assert "because the figure was never sourced." in corrections


def test_drafts_reviews_edits_orphans_and_other_newsrooms_never_appear_anywhere(client, world):
    urls = [
        CLAIMS,
        f"{CLAIMS}?q={CANARY}",
        f"{CLAIMS}?q=orphan",
        "/api/v1/articles/",
        "/api/v1/organizations/",
        f"/api/v1/organizations/{world['organization'].slug}/",
    ]
    urls += [f"{CLAIMS}{claim.pk}/" for claim in Claim.objects.all()]
    urls += [
        f"/api/v1/articles/{article.pk}/" for article in world["first"].__class__.objects.all()
    ]
    answered = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert CANARY not in response.content.decode(), url
        answered += response.status_code == 200
    assert answered >= 10
    assert _items(client, f"q={CANARY}") == []
    drafts = Claim.objects.exclude(status=Claim.Status.PUBLISHED).exclude(
        published_versions__isnull=False
    )
    for claim in drafts:
        missing = client.get(f"{CLAIMS}{claim.pk}/")
        assert missing.status_code == 404
        # Asked again each time: the claim is there for everyone once it is published.
        assert missing["Cache-Control"] == "no-cache"


def test_the_answer_is_the_same_for_a_member_a_stranger_and_anyone(client, world):
    anonymous = client.get(CLAIMS)
    client.force_login(world["editor"])
    member = client.get(CLAIMS)
    assert member.content == anonymous.content
    assert member["ETag"] == anonymous["ETag"]
    # The signed-in answer is still kept out of shared caches (PrivateNoStoreMiddleware).
    assert "private" in member["Cache-Control"] and "no-store" in member["Cache-Control"]
    assert set(anonymous["Cache-Control"].split(", ")) == {"public", "max-age=60"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rating=false", ["median"]),
        # A retracted claim's verdict no longer stands: found by its words, not its rating
        # (API trial D4: a client listing "True" verdicts listed a withdrawn one).
        ("rating=Mostly%20true", ["listeners"]),
        ("claimant=imran%20khan", ["listeners"]),
        ("tag=audio", ["listeners"]),
        ("tag=AUDIO", ["listeners"]),
        ("tag=aud", []),
        ("article_url=http://example.com/news/spaces/%23top", ["listeners", "median"]),
        ("article_url=https://example.com/news/other", []),
        # Without a scheme, as a consumer copies it from a browser's address bar.
        ("article_url=www.example.com/news/spaces", ["listeners", "median"]),
        ("article_url=//example.com/news/spaces", ["listeners", "median"]),
        ("q=listened%20Over", ["listeners", "retracted"]),
        ("q=minister", ["median"]),
        ("q=audio", ["listeners"]),
        ("q=listened%20minister", []),
        ("q=istened", []),
        ("q=%22listened%22", ["listeners", "retracted"]),
    ],
)
def test_each_filter_narrows_the_list(client, world, query, expected):
    assert sorted(_ids(client, query)) == sorted(world[name].pk for name in expected)


CURLY_TEXT = (
    "Imran Khan’s rally was “the largest ever”, his aides said.\n\nPat O'Brien's count was lower."
)


@pytest.fixture
def quoted(organization, editor, reviewer):
    """Two published claims: one typeset with curly quotes, one typed with straight ones."""
    article = services.article_create(
        organization=organization, title="Rally", text=CURLY_TEXT, created_by=editor
    )
    curly = _publish(
        article,
        editor,
        reviewer,
        "Imran Khan’s rally was “the largest ever”",
        conclusion="He shouldn’t be smeared.",
    )
    straight = _publish(article, editor, reviewer, "Pat O'Brien's count was lower")
    return {"curly": curly, "straight": straight}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Khan's", ["curly"]),
        ("Khan’s", ["curly"]),
        ("Khan‘s", ["curly"]),
        ("shouldn't be smeared", ["curly"]),
        ('"the largest ever"', ["curly"]),
        ("Khan's largest", ["curly"]),
        ("O’Brien’s", ["straight"]),
        ("O‘Brien", ["straight"]),
        ("Khans", []),
    ],
)
def test_q_finds_words_whichever_quote_style_is_typed_or_stored(client, quoted, query, expected):
    """Typeset text uses ’ and “ ”; readers type ' and " (and phones type the curly ones)."""
    found = _ids(client, urlencode({"q": query}))
    assert sorted(found) == sorted(quoted[name].pk for name in expected)


def test_q_typed_with_accents_as_separate_characters_finds_the_accented_words(
    client, organization, editor, reviewer
):
    """A Mac may send "é" as "e" and an accent; the text stores it as one character."""
    article = services.article_create(
        organization=organization,
        title="Café",
        text="Le café a déjà coûté 5 euros à Hanoï.",
        created_by=editor,
    )
    claim = _publish(article, editor, reviewer, "Le café a déjà coûté 5 euros")

    for query in ("café", "cafe\u0301", "de\u0301ja\u0300 coûté"):
        assert _ids(client, urlencode({"q": query})) == [claim.pk], query
        page = client.get(f"/o/{organization.slug}/", {"q": query}).content.decode()
        assert f'href="/c/{claim.pk}/"' in page, query


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Sao Paulo", True),
        ("SÃO PAULO", True),
        ("sao", True),
        ("prefeitura", True),
        ("orcamento", True),
        ("Strasse", True),
        ("ao", False),
        ("Santos", False),
    ],
)
def test_q_finds_words_typed_without_their_accents(
    client, organization, editor, reviewer, query, found
):
    """Readers type "Sao Paulo" on a keyboard without "ã": it found nothing."""
    article = services.article_create(
        organization=organization,
        title="Obras",
        text="A ponte custou 3 bilhões.",
        created_by=editor,
    )
    claim = _publish(
        article,
        editor,
        reviewer,
        "A ponte custou 3 bilhões",
        claimant="Prefeitura de São Paulo",
        conclusion="O orçamento da Straße diz outra coisa.",
    )

    assert _ids(client, urlencode({"q": query})) == ([claim.pk] if found else [])
    page = client.get(f"/o/{organization.slug}/", {"q": query}).content.decode()
    # The newsroom's page finds words inside words too ("ao" in "São").
    assert (f'href="/c/{claim.pk}/"' in page) is (found or query == "ao"), query


@pytest.mark.parametrize(
    "query",
    ["Da Nang", "da nang", "Lodz", "Kobenhavn", "Diyarbakir", '"Nang Da"', "“Đà Nẵng”"],
)
def test_letters_no_accent_takes_apart_are_found_typed_plain_in_any_word_order(
    client, organization, editor, reviewer, query
):
    """ "Da Nang" did not find "Đà Nẵng" (nor "Lodz" "Łódź"): no decomposition takes "đ" or
    "ł" apart. The newsroom's page also took the words as one phrase, quotes included."""
    article = services.article_create(
        organization=organization,
        title="Cities",
        text="Tourism rose 12 percent.",
        created_by=editor,
    )
    claim = _publish(
        article,
        editor,
        reviewer,
        "Tourism rose 12 percent",
        claimant="Đà Nẵng, Łódź, København and Diyarbak\u0131r",
    )

    assert _ids(client, urlencode({"q": query})) == [claim.pk]
    page = client.get(f"/o/{organization.slug}/", {"q": query}).content.decode()
    assert f'href="/c/{claim.pk}/"' in page


def test_a_claimant_and_conclusion_pasted_with_separate_accents_are_found_either_way(
    client, organization, editor, reviewer
):
    """Pasted from a Mac, "São" may arrive as "S", "a", a tilde and "o": it is stored composed,
    as the text is, so a search typed either way finds it."""
    article = services.article_create(
        organization=organization,
        title="Obras",
        text="A ponte custou 3 bilhões.",
        created_by=editor,
    )
    claim = _publish(
        article,
        editor,
        reviewer,
        "A ponte custou 3 bilhões",
        claimant="Prefeitura de Sa\u0303o Paulo",
        conclusion="O orc\u0327amento diz outra coisa.",
        tags=["Orc\u0327amento"],
    )

    claim.refresh_from_db()
    assert claim.claimant == "Prefeitura de São Paulo"
    assert claim.conclusion == "O orçamento diz outra coisa."
    assert claim.tags == ["Orçamento"]
    for query in ("São Paulo", "Sa\u0303o", "orçamento", "orc\u0327amento"):
        assert _ids(client, urlencode({"q": query})) == [claim.pk], query


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("失业率", True),
        ("业率", True),
        ("业率 5.2", False),
        ("失业率 下降", False),
        ("出口", False),
    ],
)
def test_q_finds_chinese_words_inside_a_run_of_characters(
    client, organization, editor, reviewer, query, found
):
    """Chinese writes no spaces: full-text search took the whole run for one word, and a
    word inside it, as readers type it, found nothing."""
    text = "统计局周二表示\uff0c失业率为百分之五\uff0c低于去年。"
    article = services.article_create(
        organization=organization, title="就业", text=text, created_by=editor, language="zh"
    )
    claim = _publish(article, editor, reviewer, "失业率为百分之五")

    assert _ids(client, urlencode({"q": query})) == ([claim.pk] if found else [])


def test_organization_filter_keeps_each_newsroom_apart(client, world, editor):
    other = factories.OrganizationFactory(name="Second Desk", slug="second-desk")
    other_editor = factories.member(other, Membership.Role.EDITOR)
    other_reviewer = factories.member(other, Membership.Role.REVIEWER)
    theirs = _publish(_article(other, other_editor), other_editor, other_reviewer, LISTENERS)
    assert _ids(client, "organization=second-desk") == [theirs.pk]
    ours = _ids(client, f"organization={world['organization'].slug}")
    assert theirs.pk not in ours and len(ours) == 4
    # A slug no publishing newsroom has is a 400 (it was an empty list, which looks like an
    # answer), and so is a newsroom that has never published: it is not told apart.
    factories.OrganizationFactory(name="Quiet Desk", slug="quiet-desk")
    for path in (CLAIMS, "/api/v1/articles/"):
        for slug in ("nobody", "quiet-desk"):
            refused = client.get(path, {"organization": slug})
            assert refused.status_code == 400, (path, slug)
            assert refused.json()["errors"] == {
                "organization": ["No organization that has published has this slug."]
            }


def test_published_since_and_updated_since_compare_times(client, world):
    """The suspended claim, published later, is not matched by `published_since`: matched
    by the time its answer hides (`published_at: null`), which times found it told when it
    was published (API trial D4). `updated_since` finds it, for a consumer that syncs."""
    listeners = PublishedVersion.objects.get(claim=world["listeners"], is_current=True)
    since = listeners.published_at.isoformat()
    later = {world["median"].pk, world["retracted"].pk}
    assert set(_ids(client, f"published_since={since.replace('+', '%2B')}")) == {
        world["listeners"].pk,
        *later,
    }
    changed = listeners.changed_at.isoformat().replace("+00:00", "Z")
    assert world["listeners"].pk not in _ids(client, f"updated_since={changed}")
    assert set(_ids(client, "updated_since=2000-01-01")) >= {*later, world["orphan"].pk}


@pytest.mark.parametrize(
    ("ordering", "key", "reverse"),
    [
        ("published_at", "published_at", False),
        ("-published_at", "published_at", True),
        ("updated_at", "updated_at", False),
        ("-updated_at", "updated_at", True),
    ],
)
def test_ordering_by_published_or_updated_time(client, world, ordering, key, reverse):
    items = [
        item for item in _items(client, f"ordering={ordering}") if item["state"] != "suspended"
    ]
    times = [item[key] for item in items]
    assert times == sorted(times, reverse=reverse) and len(times) == 3


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("updated_since=yesterday", "updated_since"),
        ("published_since=2026-13-45", "published_since"),
        ("ordering=title", "ordering"),
        ("page_size=0", "page_size"),
        ("page_size=ten", "page_size"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=%00", "cursor"),
        ("cursor=%24%24%24", "cursor"),
        ("article_url=ftp://example.com/x", "article_url"),
        ("article_url=javascript:alert(1)", "article_url"),
        ("article_url=not%20an%20address", "article_url"),
        ("q=" + "word%20" * 11, "q"),
        ("tag=" + "t" * 51, "tag"),
    ],
)
def test_bad_values_are_400_problems_naming_the_parameter(client, world, query, parameter):
    response = client.get(f"{CLAIMS}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert parameter in response.json()["errors"]


@pytest.mark.parametrize("query", ["foo=1", "organisation=x", "q=demo"])
def test_the_organizations_list_refuses_a_parameter_it_does_not_take(client, world, query):
    """It answered the whole list to any of these, as if they had filtered it."""
    response = client.get(f"/api/v1/organizations/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert query.split("=")[0] in response.json()["errors"]


@pytest.mark.parametrize("url", [CLAIMS, "/api/v1/articles/", "/api/v1/organizations/"])
def test_an_unknown_ordering_is_answered_with_the_ones_there_are(client, world, url):
    response = client.get(url, {"ordering": "title"})
    assert response.status_code == 400
    [message] = response.json()["errors"]["ordering"]
    assert message.startswith("One of: ") and "title" not in message
    for value in message.removeprefix("One of: ").rstrip(".").split(", "):
        assert client.get(url, {"ordering": value}).status_code == 200


@pytest.mark.parametrize("position", ["%C2%B2", "9" * 30])
def test_a_crafted_cursor_on_a_list_in_id_order_is_a_400(client, world, position):
    cursor = base64.b64encode(f"p={position}".encode()).decode()
    response = client.get("/api/v1/articles/", {"cursor": cursor})
    assert response.status_code == 400 and "cursor" in response.json()["errors"]


def test_a_cursor_sent_with_another_ordering_than_its_own_is_a_400(client, world):
    """Sent with `ordering=updated_at`, a cursor of `-published_at` placed the page by the
    wrong key, without a word."""
    from urllib.parse import parse_qs, urlsplit

    page = client.get(CLAIMS, {"page_size": 1, "ordering": "-published_at"}).json()
    cursor = parse_qs(urlsplit(page["next"]).query)["cursor"][0]
    same = client.get(CLAIMS, {"page_size": 1, "ordering": "-published_at", "cursor": cursor})
    assert same.status_code == 200
    other = client.get(CLAIMS, {"page_size": 1, "ordering": "updated_at", "cursor": cursor})
    assert other.status_code == 400
    [message] = other.json()["errors"]["cursor"]
    assert "`-published_at` order, not `updated_at`" in message


@pytest.mark.parametrize("query", ['"', "*", "-", "?!", "\u201c\u201d"])
def test_a_search_of_punctuation_alone_is_a_400_on_every_backend(client, world, query):
    """q=" listed every claim on SQLite and none on PostgreSQL."""
    response = client.get(CLAIMS, {"q": query})
    assert response.status_code == 400
    assert response.json()["errors"]["q"] == ["Give a word or a number to search for."]


@pytest.mark.parametrize("path", [CLAIMS, "/api/v1/articles/", "/api/v1/organizations/"])
def test_public_lists_say_their_answer_depends_on_accept(client, world, path):
    """Cacheable for a minute by shared caches, without `Vary: Accept` beside it."""
    answer = client.get(path)
    assert answer.status_code == 200
    assert "accept" in [value.strip().lower() for value in answer["Vary"].split(",")]
    again = client.get(path, HTTP_IF_NONE_MATCH=answer["ETag"])
    assert again.status_code == 304 and "accept" in again["Vary"].lower()


def test_page_size_is_capped_at_one_hundred(client, world):
    article, editor, reviewer = world["first"], world["editor"], world["reviewer"]
    for _ in range(98):
        factories.published_claim(article, editor, reviewer)
    page = client.get(f"{CLAIMS}?page_size=1000").json()
    assert len(page["results"]) == 100 and page["next"] is not None
    assert len(client.get(page["next"]).json()["results"]) == 2


def _walk(client, query):
    """Every item of a listing, following `next` links; the links are absolute."""
    items, url = [], f"{CLAIMS}?{query}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        items += response.json()["results"]
        url = response.json()["next"]
    return items


def test_cursor_pages_do_not_shift_when_claims_are_published_meanwhile(client, world):
    page = client.get(f"{CLAIMS}?page_size=2").json()
    first_ids = [item["id"] for item in page["results"]]
    newer = _publish(
        _article(world["organization"], world["editor"], title="Newer"),
        world["editor"],
        world["reviewer"],
        LISTENERS,
    )
    rest = client.get(page["next"]).json()
    rest_ids = [item["id"] for item in rest["results"]]
    assert rest["next"] is None
    assert newer.pk not in rest_ids and not set(first_ids) & set(rest_ids)
    assert len(first_ids + rest_ids) == 4
    assert _ids(client)[0] == newer.pk


def test_a_syncing_consumer_sees_each_insert_correction_and_retraction_once(client, world):
    """Pull everything, then pull only what changed since the latest `updated_at` held."""

    def sync(since):
        query = "ordering=updated_at&page_size=2"
        if since:
            query += f"&updated_since={since}"
        items = _walk(client, query)
        newest = max((item["updated_at"] for item in items), default=since)
        return items, newest

    everything, since = sync(None)
    assert len(everything) == 4
    assert sync(since)[0] == []

    organization, editor, reviewer = world["organization"], world["editor"], world["reviewer"]
    inserted = _publish(_article(organization, editor, title="New"), editor, reviewer, MEDIAN)
    _correct(world["listeners"], editor, reviewer, rating=Rating.objects.get(
        scale__organization=organization, label="Half true"
    ))  # fmt: skip
    services.claim_transition(
        claim=world["median"], actor=reviewer, to_status=Claim.Status.RETRACTED, note="Wrong"
    )
    changes, since = sync(since)
    by_id = {item["id"]: item for item in changes}
    assert len(changes) == len(by_id) == 3
    assert by_id[inserted.pk]["state"] == "published"
    assert by_id[world["listeners"].pk]["version"] == 2
    assert by_id[world["listeners"].pk]["rating"]["label"] == "Half true"
    assert by_id[world["listeners"].pk]["correction_note"] == "New figures"
    assert by_id[world["listeners"].pk]["previous_rating"] == "Mostly true"
    assert "previous_rating" not in by_id[inserted.pk]
    assert by_id[world["median"].pk]["state"] == "retracted"
    assert by_id[world["median"].pk]["retraction_note"] == "Wrong"

    # The article's words under a claim change: the claim is suspended, and says so once.
    first = world["first"]
    services.article_update_text(
        article=first, text=first.text.replace("Over 160,000", "Some 160,000"), actor=editor
    )
    factories.text_shown_to_readers(first)
    changes, since = sync(since)
    assert changes == [
        {
            "id": world["listeners"].pk,
            "url": None,
            "state": "suspended",
            "updated_at": since,
        }
    ]
    assert sync(since)[0] == []


def test_an_article_title_edit_reaches_sync_only_when_republished(client, world):
    before = {item["id"]: item for item in _items(client)}
    services.article_update_details(article=world["first"], actor=world["editor"], title="Renamed")
    after = {item["id"]: item for item in _items(client)}
    # Readers keep the title as published: nothing to sync until a reviewer republishes.
    assert after == before
    assert after[world["listeners"].pk]["article"]["title"] != "Renamed"

    # The language is not published with the verdicts: it applies now, and is synced.
    services.article_update_details(article=world["first"], actor=world["editor"], language="en-GB")
    after = {item["id"]: item for item in _items(client)}
    for claim in (world["listeners"], world["median"]):
        assert after[claim.pk]["article"]["language"] == "en-GB"
        assert after[claim.pk]["updated_at"] > before[claim.pk]["updated_at"]
    assert after[world["retracted"].pk]["updated_at"] == before[world["retracted"].pk]["updated_at"]


def test_an_unchanged_list_answers_304_to_its_etag(client, world):
    response = client.get(f"{CLAIMS}?rating=false")
    etag = response["ETag"]
    again = client.get(f"{CLAIMS}?rating=false", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and "public" in again["Cache-Control"]
    # Another filter is another answer.
    assert client.get(CLAIMS, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_list_answers_304_to_if_modified_since(client, world):
    once_this_second_is_over()
    response = client.get(CLAIMS)
    last_modified = response["Last-Modified"]
    assert client.get(CLAIMS, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    earlier = (timezone.now() - dt.timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert client.get(CLAIMS, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200
    # A date later than now is invalid (RFC 9110): ignored, not taken as a current copy.
    later = "Sat, 05 Dec 2099 00:00:00 GMT"
    claim = world["listeners"]
    for url in (CLAIMS, f"{CLAIMS}{claim.pk}/", f"/c/{claim.pk}/", "/api/v1/claimreview/"):
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=later).status_code == 200, url


def test_list_validators_turn_over_each_minute_while_a_late_commit_may_still_land(
    rf, world, settings
):
    """A change stamped before the newest one but committed after it does not move the
    newest time: while that can happen, validators change each MAX_AGE seconds anyway."""
    from annotations import queries
    from annotations.api.caching import MAX_AGE, Validators

    settings.FACTCHECK_FEED_LATE_COMMIT_SECONDS = 300
    request = rf.get(CLAIMS)
    newest = queries.public_feed_changed_at()
    soon, a_minute_later = newest + dt.timedelta(seconds=5), newest + dt.timedelta(seconds=65)
    assert Validators.of_feed(request, now=soon) != Validators.of_feed(request, now=a_minute_later)
    assert Validators.of_feed(request, now=a_minute_later).last_modified > newest
    # Past the window the feed is quiet: one validator, the newest change's time.
    later, much_later = newest + dt.timedelta(seconds=400), newest + dt.timedelta(days=1)
    assert Validators.of_feed(request, now=later) == Validators.of_feed(request, now=much_later)
    # Last-Modified never goes back in time: it stays at the window's end.
    ended = newest + dt.timedelta(seconds=300)
    assert Validators.of_feed(request, now=later).last_modified == ended
    last_in_window = Validators.of_feed(request, now=newest + dt.timedelta(seconds=299))
    assert last_in_window.last_modified <= ended
    assert MAX_AGE <= 60


def test_a_correction_or_a_claim_leaving_the_filter_changes_the_etag(client, world):
    etag = client.get(f"{CLAIMS}?rating=mostly%20true")["ETag"]
    _correct(
        world["listeners"],
        world["editor"],
        world["reviewer"],
        rating=Rating.objects.get(scale__organization=world["organization"], label="False"),
    )
    response = client.get(f"{CLAIMS}?rating=mostly%20true", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == []


def test_a_single_claim_answers_304_until_it_changes(client, world):
    url = f"{CLAIMS}{world['listeners'].pk}/"
    once_this_second_is_over()
    response = client.get(url)
    assert response.json()["id"] == world["listeners"].pk
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304
    _correct(world["listeners"], world["editor"], world["reviewer"], claimant="Someone")
    changed = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert changed.status_code == 200 and changed.json()["version"] == 2


def test_an_article_whose_claim_left_it_is_modified_since_it_was_read(client, world):
    """Its Last-Modified was that of the claims still shown: a cache asking with
    If-Modified-Since kept the verdict readers no longer see."""
    article = world["first"]
    PublishedVersion.objects.filter(claim__article=article).update(
        changed_at=timezone.now() - dt.timedelta(days=1)
    )
    url = f"/api/v1/articles/{article.pk}/"
    read = client.get(url)
    assert {item["id"] for item in read.json()["claims"]} == {
        world["listeners"].pk, world["median"].pk
    }  # fmt: skip
    # The median's words are edited away: its verdict is suspended, off the article.
    services.article_update_text(
        article=article, actor=world["editor"], text=article.text.replace(MEDIAN, "an age")
    )
    factories.text_shown_to_readers(article)
    once_this_second_is_over()
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=read["Last-Modified"])
    assert again.status_code == 200
    assert [item["id"] for item in again.json()["claims"]] == [world["listeners"].pk]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=again["Last-Modified"]).status_code == 304
    # A client syncing on `updated_at`, in the article or in the list, sees the change too.
    assert again.json()["updated_at"] > read.json()["updated_at"]
    listed = {item["id"]: item for item in client.get("/api/v1/articles/").json()["results"]}
    assert listed[article.pk]["updated_at"] == again.json()["updated_at"]


def test_cors_preflight_allows_any_origin_without_credentials(client, world):
    response = client.options(
        CLAIMS,
        HTTP_ORIGIN="https://news.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "if-none-match" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    assert "POST" not in response["Access-Control-Allow-Methods"]
    simple = client.get(CLAIMS, HTTP_ORIGIN="https://news.example")
    assert simple["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in simple
    assert "etag" in simple["Access-Control-Expose-Headers"].lower()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/newsroom/articles/", "/api/v1/schema/", "/api/v1/docs/",
        # Members' reads beside the public claims and articles.
        "/api/v1/claims/1/evidence/", "/api/v1/articles/1/suggestions/",
    ],
)  # fmt: skip
def test_newsroom_schema_and_docs_send_no_cors_headers(client, world, path):
    preflight = client.options(
        path, HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    plain = client.get(path, HTTP_ORIGIN="https://evil.example")
    for response in (preflight, plain):
        assert not [name for name in response.headers if name.lower().startswith("access-control")]


def test_list_queries_do_not_grow_with_the_page_size(client, world):
    organization, editor, reviewer = world["organization"], world["editor"], world["reviewer"]
    for number in range(6):
        article = _article(organization, editor, title=f"More {number}")
        _publish(article, editor, reviewer, LISTENERS)
        latest = _publish(article, editor, reviewer, MEDIAN)
    # Every page holds a correction, whose first publication time is looked up.
    _correct(latest, editor, reviewer, claimant="Corrected")
    counts = []
    for size in (2, 8):
        for url in (f"{CLAIMS}?page_size={size}", f"/api/v1/articles/?page_size={size}"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200 and len(response.json()["results"]) == size
            counts.append(len(queries))
    assert counts[0] == counts[2] <= 6 and counts[1] == counts[3] <= 6


def test_articles_list_those_with_published_claims_with_those_claims(client, world):
    articles = _items(client, url="/api/v1/articles/")
    by_title = {article["title"]: article for article in articles}
    assert set(by_title) == {"Listeners and ages", "Retracted story"}
    first = by_title["Listeners and ages"]
    assert [claim["id"] for claim in first["claims"]] == [
        world["listeners"].pk,
        world["median"].pk,
    ]
    assert first["organization"]["reader_url"].endswith(f"/o/{world['organization'].slug}/")
    assert first["updated_at"] == max(claim["updated_at"] for claim in first["claims"])
    matched = _items(client, "article_url=https://example.com/news/spaces", url="/api/v1/articles/")
    assert [article["id"] for article in matched] == [world["first"].pk]
    detail = client.get(f"/api/v1/articles/{world['first'].pk}/")
    assert detail.json() == first
    assert client.get(f"/api/v1/articles/{world['orphan'].article_id}/").status_code == 404


def test_organizations_show_their_scales_and_pages(client, world):
    organizations = _items(client, url="/api/v1/organizations/")
    assert [o["slug"] for o in organizations] == [world["organization"].slug]
    slug = world["organization"].slug
    detail = client.get(f"/api/v1/organizations/{slug}/").json()
    assert detail == organizations[0]
    assert detail["reader_url"] == f"http://testserver/o/{slug}/"
    assert detail["methodology_url"] == f"http://testserver/o/{slug}/methodology/"
    scale = detail["rating_scales"][0]
    assert scale["is_default"] and (scale["best"], scale["worst"]) == (5, 1)
    labels = [rating["label"] for rating in scale["ratings"]]
    assert labels[0] == "True" and "False" in labels and "Unverifiable" in labels
    assert [r["position"] for r in scale["ratings"]] == sorted(
        r["position"] for r in scale["ratings"]
    )
    assert {rating["is_hidden"] for rating in scale["ratings"]} == {False}
    assert client.get("/api/v1/organizations/other-desk/").status_code == 404
    etag = client.get(f"/api/v1/organizations/{slug}/")["ETag"]
    assert client.get(f"/api/v1/organizations/{slug}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    rating = Rating.objects.get(scale__organization=world["organization"], label="False")
    rating.colour = "#000000"
    services.rating_save(rating=rating, actor=SYSTEM)
    assert client.get(f"/api/v1/organizations/{slug}/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_search_index_of_the_migration_indexes_what_q_searches():
    """Else PostgreSQL would not use the index and read every version."""
    migration = importlib.import_module("annotations.migrations.0042_published_search_text")
    assert SEARCH_DOCUMENT.replace("annotations_publishedversion.", "") == migration.SEARCH_DOCUMENT
    # The migration folds the rows there were as versions fold themselves now.
    for text in ("São Paulo’s “record”", "ﬁnancial Straße", "Ελλάδα", "مُحَمَّد", "कि वह", "失业率"):
        assert migration._fold(text) == textsearch.fold_for_search(text), text


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_full_text_search_finds_typed_quotes_in_curly_text_under_the_c_locale_too():
    """Under LC_CTYPE C, PostgreSQL's parser reads ’ and “ as letters: "khan’s" is one word.

    The test cluster runs under C.UTF-8, where they are punctuation, so a database of its
    own with the C ctype holds the searched columns; the expression is SEARCH_DOCUMENT's.
    """
    settings = connection.settings_dict
    params = {"host": settings["HOST"], "port": settings["PORT"], "user": settings["USER"]}
    params["password"] = settings["PASSWORD"] or None
    name = f"{settings['NAME']}_c_ctype"
    with psycopg.connect(dbname=settings["NAME"], autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LC_CTYPE 'C' LC_COLLATE 'C'")
        try:
            with psycopg.connect(dbname=name, **params) as database:
                database.execute("CREATE TABLE annotations_publishedversion (search_text text)")
                database.execute(
                    "INSERT INTO annotations_publishedversion VALUES (%s)",
                    [textsearch.fold_for_search("Imran Khan’s rally was “the largest ever”")],
                )
                found = [
                    database.execute(
                        "SELECT count(*) FROM annotations_publishedversion "  # noqa: S608 - constant SQL
                        f"WHERE {SEARCH_DOCUMENT} @@ plainto_tsquery('simple', %s)",
                        [textsearch.fold_for_search(query)],
                    ).fetchone()[0]
                    for query in ("Khan's", "Khan’s", '"the largest ever"', "ever")
                ]
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    assert found == [1, 1, 1, 1]


def _plan_over_many_copies(world, sql: str, params: list, tags=lambda n: None) -> str:
    """PostgreSQL's plan for `sql` over 3,000 copies of a published version: enough rows
    for an index to pay (a handful is read fastest whole). `tags(n)` tags the n-th copy."""
    version = PublishedVersion.objects.get(claim=world["median"], is_current=True)
    claim = Claim.objects.get(pk=world["median"].pk)
    copies = []
    for _copy in range(3000):
        claim.pk = None
        copies.append(Claim(**{f.attname: getattr(claim, f.attname) for f in Claim._meta.fields}))
    copies = Claim.objects.bulk_create(copies)
    fields = {f.attname: getattr(version, f.attname) for f in PublishedVersion._meta.fields}
    PublishedVersion.objects.bulk_create(
        PublishedVersion(
            **{
                **fields,
                "id": None,
                "claim_id": copy.pk,
                "tags": tags(n) or version.tags,
                # bulk_create skips save(), which folds the tags.
                "tag_keys": [tag_key(tag) for tag in tags(n) or version.tags],
            }
        )
        for n, copy in enumerate(copies)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotations_publishedversion")
        cursor.execute(
            f"EXPLAIN SELECT id FROM annotations_publishedversion WHERE is_current AND {sql}",  # noqa: S608 - constant SQL; values are parameters
            params,
        )
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_full_text_search_uses_the_gin_index(world):
    query = f"{SEARCH_DOCUMENT} @@ plainto_tsquery('simple', %s)"
    assert "published_search" in _plan_over_many_copies(world, query, ["listened"])


@pytest.mark.parametrize("tag", ["économie", "ÉCONOMIE", "STRASSE", "strasse", "σοφία", "ΣΟΦΊΑ"])
def test_the_tag_filter_matches_in_any_case_in_any_script(
    client, organization, editor, reviewer, tag
):
    """Newsrooms tag in their own language: "Économie" is found as "économie", as
    "Economy" is as "economy", whatever the database's collation."""
    article = _article(organization, editor, url="https://example.com/economy")
    claim = _publish(article, editor, reviewer, LISTENERS, tags=["Économie", "Straße", "Σοφία"])
    _publish(article, editor, reviewer, MEDIAN, tags=["Economie", "Strase"])
    assert _ids(client, f"tag={quote(tag)}") == [claim.pk]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_tag_filter_uses_its_index_in_any_case(world):
    plan = _plan_over_many_copies(
        world,
        "annotations_publishedversion.tag_keys @> %s::jsonb",
        ['["tag 7"]'],
        tags=lambda n: [f"Tag {n}"],
    )
    assert "published_tag_keys" in plan


@pytest.mark.parametrize(
    "path",
    ["/api/v1/claims/{}/", "/api/v1/articles/{}/", "/c/{}/"],
    ids=["claim", "article", "page"],
)
def test_an_id_too_large_for_the_database_is_not_found_not_a_crash(client, path):
    for huge in ("9223372036854775808", "99999999999999999999999"):
        response = client.get(path.format(huge))
        assert response.status_code == 404, (path, huge)


def test_an_id_with_leading_zeros_is_no_second_address_of_a_row(client, world):
    """Trial D1: /api/v1/annotations/00001 answered as /annotations/1, one annotation at many
    addresses (and /c/007/ as /c/7/)."""
    pk = world["listeners"].pk
    for path in (f"/c/{pk}/", f"/api/v1/annotations/{pk}", f"/api/v1/claims/{pk}/"):
        assert client.get(path).status_code == 200, path
        assert client.get(path.replace(f"/{pk}", f"/00{pk}")).status_code == 404, path


def _advertised(value):
    """Every reader or API URL on this host in a JSON answer, however deep."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _advertised(item)
    elif isinstance(value, list):
        for item in value:
            yield from _advertised(item)
    elif isinstance(value, str) and value.startswith("http://testserver/"):
        yield value


def test_every_url_the_public_api_advertises_answers(client, world):
    """Lists and details, published, retracted-only and suspended: no link leads to a 404."""
    answers = [client.get(url).json() for url in (CLAIMS, "/api/v1/articles/")]
    for claim in ("listeners", "retracted", "orphan"):
        answers.append(client.get(f"{CLAIMS}{world[claim].pk}/").json())
    for article in client.get("/api/v1/articles/").json()["results"]:
        answers.append(client.get(f"/api/v1/articles/{article['id']}/").json())
    urls = {url.split("?")[0] for answer in answers for url in _advertised(answer)}
    retracted_article = f"http://testserver/a/{world['organization'].slug}/retracted-story/"
    assert retracted_article in urls and f"http://testserver/c/{world['retracted'].pk}/" in urls
    assert f"http://testserver/c/{world['orphan'].pk}/" not in urls
    broken = {url: client.get(url).status_code for url in urls}
    assert {url: code for url, code in broken.items() if code != 200} == {}


def test_an_article_whose_only_claim_was_retracted_shows_the_retraction(client, world):
    """Listed by the API, its reader page exists and shows the claim as retracted."""
    listed = {a["title"]: a for a in client.get("/api/v1/articles/").json()["results"]}
    response = client.get(listed["Retracted story"]["reader_url"])
    assert response.status_code == 200
    text = response.content.decode()
    assert "Retracted fact-checks" in text and "Never verified" in text
    assert f'href="/c/{world["retracted"].pk}/"' in text
    # Nothing else to list: no empty summary or list of checked claims.
    assert 'class="claim-list"' not in text and "0 claims checked" not in text
    # Its top says so, and leads to the notice, rather than showing a bare article.
    assert "No fact-check of this article stands" in text
    assert (
        '<a href="#retracted-title">1 fact-check of this article was retracted</a>: '
        "its verdict is no longer shown on the text."
    ) in text


def test_a_suspended_claim_has_no_url_since_its_page_is_gone(client, world):
    item = client.get(f"{CLAIMS}{world['orphan'].pk}/").json()
    assert item["state"] == "suspended" and item["url"] is None
    assert client.get(f"/c/{world['orphan'].pk}/").status_code == 404


def test_an_archived_copy_of_a_cited_page_is_shown_everywhere_only_for_the_address_published(
    client, world
):
    claim = world["listeners"]
    source = Source.objects.get(claim=claim)
    capture = "https://web.archive.org/web/20260301101500/https://example.org/record"
    # The archiving job's result, recorded after publication.
    snapshot_services.source_archive_url_set(
        source=source, actor=SYSTEM, archive_url=capture, for_url=source.url
    )

    def shown():
        [item] = [i for i in _items(client) if i["id"] == claim.pk]
        page = client.get(f"/c/{claim.pk}/").content.decode()
        article_page = client.get(item["article"]["reader_url"]).content.decode()
        annotation = client.get(f"/api/v1/annotations/{claim.pk}").json()
        cached = [
            state["cached"]
            for body in annotation["body"]
            if isinstance(body, dict)
            for state in [body.get("state") or {}]
            if state.get("cached")
        ]
        return item["sources"][0]["archive_url"], capture in page, capture in article_page, cached

    assert shown() == (capture, True, True, [capture])
    # A capture finishing after publication reaches caches and sync at once.
    etag = client.get(f"{CLAIMS}{claim.pk}/")["ETag"]
    since = client.get(f"{CLAIMS}{claim.pk}/").json()["updated_at"]
    later = capture.replace("20260301101500", "20260302101500")
    snapshot_services.source_archive_url_set(
        source=source, actor=SYSTEM, archive_url=later, for_url=source.url
    )
    fresh = client.get(f"{CLAIMS}{claim.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh.json()["sources"][0]["archive_url"] == later
    synced = client.get(CLAIMS, {"updated_since": since}).json()["results"]
    assert claim.pk in [item["id"] for item in synced]
    capture = later
    # An editor points the working copy at another page, which gets archived in turn: readers
    # keep the published address and its copy, and no copy of the new page until it is
    # republished.
    etag = client.get(f"{CLAIMS}{claim.pk}/")["ETag"]
    services.source_update(
        source=source, actor=world["editor"], url="https://example.org/other-record"
    )
    snapshot_services.source_archive_url_set(
        source=source,
        actor=SYSTEM,
        archive_url=capture.replace("record", "other-record"),
        for_url="https://example.org/other-record",
    )
    assert shown() == (capture, True, True, [capture])
    assert client.get(f"{CLAIMS}{claim.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A capture of the published address finishing now still reaches readers.
    capture = capture.replace("20260302101500", "20260303101500")
    snapshot_services.source_archive_url_set(
        source=source, actor=SYSTEM, archive_url=capture, for_url="https://example.org/record"
    )
    assert shown() == (capture, True, True, [capture])
    # Removing the source from the working copy changes nothing readers see either.
    etag = client.get(f"{CLAIMS}{claim.pk}/")["ETag"]
    services.source_remove(source=Source.objects.get(pk=source.pk), actor=world["editor"])
    assert shown() == (capture, True, True, [capture])
    assert client.get(f"{CLAIMS}{claim.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize(
    ("path", "typo"),
    [
        ("/api/v1/claims/", "organisation"),
        ("/api/v1/claims/", "rating_label"),
        ("/api/v1/articles/", "q"),
        ("/api/v1/articles/", "tag"),
    ],
)
def test_a_query_parameter_the_list_does_not_take_is_a_400_naming_it(client, world, path, typo):
    """A misspelt filter would otherwise answer with the whole list, unfiltered."""
    response = client.get(
        f"{path}?{typo}=x&organization={world['listeners'].article.organization.slug}"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    said = " ".join(response.json()["errors"][typo])
    assert "Not a parameter of this list" in said and "organization" in said
    assert "organization" not in response.json()["errors"]


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/claims/?rating=False&rating=True",
        "/api/v1/claims/?organization=a&organization=b",
        "/api/v1/articles/?page_size=1&page_size=2",
        "/api/v1/annotations/?iris=1&iris=0",
    ],
)
def test_a_filter_given_twice_is_a_400_naming_it(client, world, query):
    """The last value won in silence (trial G6): `rating=False&rating=True` listed the True
    claims only, and the order of the query decided the answer."""
    response = client.get(query)
    assert response.status_code == 400
    name = query.split("?")[1].split("=")[0]
    assert response.json()["errors"] == {name: ["Give it once."]}


def test_the_lists_still_take_their_filters_pages_and_orderings(client, world):
    for query in (
        f"organization={world['organization'].slug}&rating=False&tag=audio&ordering=updated_at"
        "&page_size=2",
        "q=listened&claimant=x&article_url=https://example.com/&published_since=2020-01-01T00:00:00Z",
    ):
        assert client.get(f"/api/v1/claims/?{query}").status_code == 200, query
    assert (
        client.get(
            "/api/v1/articles/",
            {"organization": world["organization"].slug, "page_size": 1, "ordering": "-id"},
        ).status_code
        == 200
    )
    assert client.get("/api/v1/claims/?format=json").status_code == 200


@pytest.mark.parametrize("path", [CLAIMS, "/api/v1/articles/", f"{CLAIMS}1/"])
@pytest.mark.parametrize("value", ["xml", "api"])
def test_a_format_the_api_does_not_have_is_a_400_naming_the_ones_it_has(client, world, path, value):
    """It used to be a 404 "Not found.", read by clients as an address that is gone."""
    response = client.get(path, {"format": value})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {"format": ["One of: json."]}


def test_a_rating_taken_off_the_scale_is_listed_as_hidden(client, world, org_admin):
    """Its published verdicts keep it, so it stays listed; a legend can leave it out."""
    rating = Rating.objects.get(scale__organization=world["organization"], label="Unverifiable")
    rating.is_hidden = True
    services.rating_save(rating=rating, actor=org_admin)
    slug = world["organization"].slug

    ratings = client.get(f"/api/v1/organizations/{slug}/").json()["rating_scales"][0]["ratings"]

    hidden = {entry["label"] for entry in ratings if entry["is_hidden"]}
    assert hidden == {"Unverifiable"}


def test_a_copy_served_in_the_second_of_its_change_carries_no_date_to_be_fooled_by(client, world):
    """Trial D2: a claim read, then retracted in the same second, was answered 304 to the
    Last-Modified of the copy read: HTTP dates count whole seconds."""
    from annotations import freshness

    claim = world["listeners"]
    url = f"{CLAIMS}{claim.pk}/"
    # Changed in the second being served (stamped a little ahead: the test cannot choose
    # the second it runs in).
    this_second = timezone.now() + dt.timedelta(seconds=2)
    PublishedVersion.objects.filter(claim=claim, is_current=True).update(changed_at=this_second)
    for path in (url, f"/c/{claim.pk}/", "/api/v1/claimreview/"):
        copy = client.get(path)
        assert copy.status_code == 200 and "Last-Modified" not in copy, path
        # With no date to compare, If-Unmodified-Since is ignored, not a 412 (review R21).
        past = "Mon, 07 Dec 2020 00:00:00 GMT"
        assert client.get(path, HTTP_IF_UNMODIFIED_SINCE=past).status_code == 200, path
    # Once its second is over the date is sent, and a copy of that date is current.
    now = this_second.replace(microsecond=0)
    assert freshness.http_seconds(this_second, now=now) is None
    later = now + dt.timedelta(seconds=1)
    assert freshness.http_seconds(this_second, now=later) == int(now.timestamp())


def test_a_walk_oldest_change_first_meets_a_claim_corrected_during_it(client, world):
    """Trial D2: newest first, a claim corrected between two pages moved ahead of the
    cursor and was never met; the README's walks page oldest change first, where it is."""
    walk = client.get(CLAIMS, {"ordering": "updated_at", "page_size": 1}).json()
    first_page = [item["id"] for item in walk["results"]]
    everyone = {item["id"] for item in client.get(CLAIMS, {"page_size": 100}).json()["results"]}
    assert len(everyone) >= 3
    later = next(
        claim.pk for claim in (world["listeners"], world["median"]) if claim.pk != first_page[0]
    )
    _correct(Claim.objects.get(pk=later), world["editor"], world["reviewer"], claimant="Someone")

    seen, url = list(first_page), walk["next"]
    while url:
        page = client.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]

    assert set(seen) == everyone
    assert seen[-1] == later  # met again at the end, as its change is the newest


def test_timestamps_have_one_width_so_their_text_sorts_as_their_time():
    """Consumers keep the latest `updated_at` by comparing strings (the README's advice for
    webhooks): '10:00:00Z' sorted after '10:00:00.5Z', later though the second one is."""
    whole = dt.datetime(2026, 12, 1, 10, 0, 0, tzinfo=dt.UTC)
    later = whole + dt.timedelta(microseconds=500_000)
    paris = dt.timezone(dt.timedelta(hours=1))
    assert public_serializers.timestamp(whole) == "2026-12-01T10:00:00.000000Z"
    assert public_serializers.timestamp(later.astimezone(paris)) == "2026-12-01T10:00:00.500000Z"
    assert public_serializers.timestamp(whole) < public_serializers.timestamp(later)


def test_the_newsroom_serializers_write_times_with_the_same_width():
    from rest_framework import serializers

    whole = dt.datetime(2026, 12, 1, 10, 0, 0, tzinfo=dt.UTC)
    field = serializers.DateTimeField()
    assert field.to_representation(whole) == "2026-12-01T10:00:00.000000Z"
    assert field.to_representation(whole) == public_serializers.timestamp(whole)
