"""Evidence providers against local servers shaped like the real APIs, and the database one.

The MediaWiki answers follow the API's documentation for `list=search` and
`prop=extracts|info` with `formatversion=2`; the Google answers follow the Fact Check Tools
`claims:search` reference (`claims[].claimReview[]` with `publisher`, `textualRating`).
"""

import json
from datetime import date

import pytest
from werkzeug import Response

from annotations import fetching, permissions, services
from annotations.evidence import numbers, query, search
from annotations.evidence.providers import ProviderError
from annotations.evidence.providers.factchecks import EarlierFactChecks
from annotations.evidence.providers.google import GoogleFactCheck
from annotations.evidence.providers.mediawiki import MediaWiki
from annotations.models import EvidenceItem, EvidenceRequest, Rating
from tests import factories

CLAIM = "Over 160,000 people listened in at once"
TWITTER_SPACES = (
    "Twitter Spaces is a live audio feature.\n\n"
    "In April 2022 a session by Imran Khan reached more than 160,000 simultaneous "
    "listeners, a record.\n\nThe feature launched in 2020."
)


@pytest.fixture
def loopback(settings):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1", "localhost"]
    settings.FACTCHECK_EVIDENCE_OPTIONS = {
        "mediawiki": {"rate_limit": 0},
        "google": {"rate_limit": 0},
    }
    return settings


def json_response(data, status=200):
    return Response(json.dumps(data), status=status, content_type="application/json")


def mediawiki_api(seen):
    def handle(request):
        args = request.args
        seen.append(dict(args))
        if args.get("list") == "search":
            return json_response(
                {
                    "batchcomplete": True,
                    "query": {
                        "searchinfo": {"totalhits": 1},
                        "search": [{"ns": 0, "title": "Twitter Spaces", "pageid": 42}],
                    },
                }
            )
        return json_response(
            {
                "batchcomplete": True,
                "query": {
                    "pages": [
                        {
                            "pageid": 42,
                            "ns": 0,
                            "title": "Twitter Spaces",
                            "extract": TWITTER_SPACES,
                            "fullurl": "https://en.wikipedia.org/wiki/Twitter_Spaces",
                        }
                    ]
                },
            }
        )

    return handle


def test_mediawiki_searches_then_ranks_the_extract_of_each_hit(loopback, httpserver):
    seen = []
    httpserver.expect_request("/w/api.php").respond_with_handler(mediawiki_api(seen))
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    claim_query = query.build(text=CLAIM, claimant="Imran Khan")
    (found,) = MediaWiki().search(claim_query, claim=None)
    assert found.url == "https://en.wikipedia.org/wiki/Twitter_Spaces"
    assert found.title == "Twitter Spaces"
    assert "160,000 simultaneous" in found.text
    search_call, extract_call = seen
    assert search_call["action"] == "query" and search_call["list"] == "search"
    assert "Khan" in search_call["srsearch"] and search_call["formatversion"] == "2"
    assert extract_call["pageids"] == "42" and "extracts" in extract_call["prop"]
    assert extract_call["explaintext"] == "1"


def test_mediawiki_endpoint_takes_the_configured_language(settings):
    settings.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = "https://{language}.wikipedia.org/w/api.php"
    settings.FACTCHECK_EVIDENCE_MEDIAWIKI_LANGUAGE = "ur"
    assert MediaWiki().endpoint() == "https://ur.wikipedia.org/w/api.php"


def test_mediawiki_error_answer_is_a_permanent_provider_error(loopback, httpserver):
    httpserver.expect_request("/w/api.php").respond_with_json(
        {"error": {"code": "srsearch-text-disabled", "info": "Search is disabled."}}
    )
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    with pytest.raises(ProviderError, match="Search is disabled") as raised:
        MediaWiki().search(query.build(text=CLAIM), claim=None)
    assert raised.value.transient is False


def test_malformed_json_is_a_permanent_provider_error(loopback, httpserver):
    httpserver.expect_request("/w/api.php").respond_with_data(
        '{"query": {"search": [', content_type="application/json"
    )
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    with pytest.raises(ProviderError, match="malformed JSON"):
        MediaWiki().search(query.build(text=CLAIM), claim=None)


def test_a_server_error_is_transient(loopback, httpserver):
    httpserver.expect_request("/w/api.php").respond_with_data("busy", status=503)
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    with pytest.raises(fetching.FetchHTTPError) as raised:
        MediaWiki().search(query.build(text=CLAIM), claim=None)
    assert raised.value.transient is True


def test_loopback_is_refused_unless_allowed(settings, httpserver):
    settings.FACTCHECK_FETCH_ALLOW = []
    settings.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    with pytest.raises(fetching.FetchRefused):
        MediaWiki().search(query.build(text=CLAIM), claim=None)


GOOGLE_ANSWER = {
    "claims": [
        {
            "text": "Imran Khan's Twitter Spaces had 160,000 listeners",
            "claimant": "PTI",
            "claimDate": "2022-04-13T00:00:00Z",
            "claimReview": [
                {
                    "publisher": {"name": "Soch Fact Check", "site": "soch.example"},
                    "url": "https://soch.example/spaces",
                    "title": "Did 160,000 people listen?",
                    "reviewDate": "2022-04-16T00:00:00Z",
                    "textualRating": "Mostly true",
                    "languageCode": "en",
                }
            ],
        }
    ],
    "nextPageToken": "abc",
}


def test_google_claims_search_returns_fact_checks_with_publisher_and_rating(loopback, httpserver):
    seen = []

    def handle(request):
        seen.append(dict(request.args))
        return json_response(GOOGLE_ANSWER)

    httpserver.expect_request("/v1alpha1/claims:search").respond_with_handler(handle)
    loopback.FACTCHECK_EVIDENCE_GOOGLE_ENDPOINT = httpserver.url_for("/v1alpha1/claims:search")
    loopback.FACTCHECK_EVIDENCE_GOOGLE_API_KEY = "test-key"
    provider = GoogleFactCheck()
    assert provider.enabled()
    (found,) = provider.search(query.build(text=CLAIM), claim=None)
    assert (found.publisher, found.rating) == ("Soch Fact Check", "Mostly true")
    assert found.url == "https://soch.example/spaces"
    assert str(found.published_on) == "2022-04-16"
    assert "160,000" in found.passage
    assert seen[0]["key"] == "test-key" and seen[0]["languageCode"] == "en"
    assert seen[0]["query"] == CLAIM


def test_answers_of_an_undocumented_shape_give_what_they_can_not_a_crash(loopback, httpserver):
    """Review R20: a publisher given as a string, a number for a URL or an error given as
    a string raised AttributeError, and the job failed with a traceback."""
    odd = {
        "claims": [
            {"text": 7, "claimReview": [
                {"url": "https://odd.example/a", "publisher": "Odd Desk", "title": ["x"],
                 "textualRating": {"label": "False"}},
                {"url": 12345, "publisher": {"name": "Numbers"}},
                "not a review",
            ]},
            {"text": "Fine", "claimReview": {"url": "https://odd.example/b"}},
        ]
    }  # fmt: skip
    httpserver.expect_request("/v1alpha1/claims:search").respond_with_json(odd)
    loopback.FACTCHECK_EVIDENCE_GOOGLE_ENDPOINT = httpserver.url_for("/v1alpha1/claims:search")
    loopback.FACTCHECK_EVIDENCE_GOOGLE_API_KEY = "test-key"

    (found,) = GoogleFactCheck().search(query.build(text=CLAIM), claim=None)

    assert (found.url, found.publisher, found.title, found.rating, found.passage) == (
        "https://odd.example/a",
        "",
        "",
        "",
        "",
    )
    # A wiki's error as a string, and a query that is a list: a reason, not a traceback.
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    httpserver.expect_request("/w/api.php").respond_with_json({"error": "maintenance"})
    with pytest.raises(ProviderError, match="refused the query: no reason given"):
        MediaWiki().search(query.build(text=CLAIM), claim=None)
    httpserver.clear()
    httpserver.expect_request("/w/api.php").respond_with_json({"query": ["not", "an", "object"]})
    with pytest.raises(ProviderError, match="without a list of search results"):
        MediaWiki().search(query.build(text=CLAIM), claim=None)


def test_google_is_off_without_an_api_key_or_when_switched_off(settings):
    settings.FACTCHECK_EVIDENCE_GOOGLE_API_KEY = ""
    assert not GoogleFactCheck().enabled()
    settings.FACTCHECK_EVIDENCE_GOOGLE_API_KEY = "key"
    settings.FACTCHECK_EVIDENCE_OPTIONS = {"google": {"enabled": False}}
    assert not GoogleFactCheck().enabled()


def test_google_refusing_the_key_says_why_in_its_own_words(loopback, httpserver):
    # The shape of a Google API error: a 4xx whose JSON body carries the reason.
    refusal = {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
        }
    }
    httpserver.expect_request("/v1alpha1/claims:search").respond_with_json(refusal, status=400)
    loopback.FACTCHECK_EVIDENCE_GOOGLE_ENDPOINT = httpserver.url_for("/v1alpha1/claims:search")
    loopback.FACTCHECK_EVIDENCE_GOOGLE_API_KEY = "expired-key"
    with pytest.raises(fetching.FetchHTTPError) as raised:
        GoogleFactCheck().search(query.build(text=CLAIM), claim=None)
    assert str(raised.value) == (
        "the server answered 400 Bad Request: API key not valid. Please pass a valid API key."
    )
    assert raised.value.status == 400 and raised.value.transient is False


def test_google_empty_answer_means_nothing_found(loopback, httpserver):
    httpserver.expect_request("/v1alpha1/claims:search").respond_with_json({})
    loopback.FACTCHECK_EVIDENCE_GOOGLE_ENDPOINT = httpserver.url_for("/v1alpha1/claims:search")
    loopback.FACTCHECK_EVIDENCE_GOOGLE_API_KEY = "k"
    assert GoogleFactCheck().search(query.build(text=CLAIM), claim=None) == []


# Earlier fact-checks in this instance (the database)


@pytest.fixture
def two_newsrooms(db, organization, editor, reviewer):
    other = factories.OrganizationFactory(name="Other Desk")
    other_editor = factories.member(other, username="oscar")
    other_reviewer = factories.member(other, role="reviewer", username="olga")
    return other, other_editor, other_reviewer


def test_earlier_fact_checks_find_published_claims_own_drafts_and_imports_not_others_drafts(
    two_newsrooms, organization, editor, reviewer
):
    other, other_editor, other_reviewer = two_newsrooms
    # Another organization published a check of the same words; it also has a draft.
    other_article = factories.article(other, other_editor)
    factories.published_claim(other_article, other_editor, other_reviewer)
    services.claim_create(
        article=other_article,
        creator=other_editor,
        selectors=factories.quote_selectors(other_article.text, "the median age is only 22.8"),
        claim_reviewed="A secret draft about listeners at once, 160,000 people",
    )
    # Our own draft on another article, and an imported ClaimReview.
    own_article = factories.article(organization, editor, title="Another")
    own = services.claim_create(
        article=own_article,
        creator=editor,
        selectors=factories.quote_selectors(own_article.text, "Over 160,000 people listened"),
    )
    services.imported_fact_checks_save(
        reviews=[
            {
                "url": "https://checker.test/spaces",
                "claim_reviewed": "Over 160,000 people listened to Imran Khan at once",
                "rating": "Mostly true",
                "publisher": "Checker Test",
            }
        ],
        actor=permissions.SYSTEM,
    )
    article = factories.article(organization, editor, title="The new one")
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, CLAIM),
    )
    found = EarlierFactChecks().search(query.for_claim(claim), claim=claim)
    by_publisher = {item.publisher: item for item in found}
    assert by_publisher[other.name].rating == "Mostly true"
    assert by_publisher[other.name].url.endswith(f"/c/{other_article.claims.first().pk}/")
    assert by_publisher["Checker Test"].rating == "Mostly true"
    assert f"#claim-{own.pk}" in by_publisher[f"{organization.name} (draft)"].url
    assert all("secret draft" not in item.passage for item in found)
    assert all(f"#claim-{claim.pk}" not in item.url for item in found)  # not itself
    assert found[0].score >= found[-1].score


def test_another_newsrooms_unpublished_rewording_neither_finds_nor_scores_its_check(
    two_newsrooms, organization, editor
):
    other, other_editor, other_reviewer = two_newsrooms
    other_article = factories.article(other, other_editor)
    published = factories.published_claim(other_article, other_editor, other_reviewer)
    # Their working copy now says something else, not yet reviewed.
    services.claim_update(
        claim=published,
        actor=other_editor,
        expected_version=None,
        claim_reviewed="Zebra unicorn banana smuggling doubled",
    )
    article = factories.article(organization, editor, title="Ours")
    asking_their_draft = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "the median age is only 22.8"),
        claim_reviewed="Zebra unicorn banana smuggling doubled last year",
    )
    asking_their_check = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, CLAIM),
    )

    unpublished = EarlierFactChecks().search(
        query.for_claim(asking_their_draft), claim=asking_their_draft
    )
    public = EarlierFactChecks().search(
        query.for_claim(asking_their_check), claim=asking_their_check
    )

    assert all(f"/c/{published.pk}/" not in item.url for item in unpublished)
    (theirs,) = [item for item in public if item.url.endswith(f"/c/{published.pk}/")]
    assert theirs.title == CLAIM and "Zebra" not in theirs.passage
    # Scored against what readers see: the same words as ours.
    assert theirs.score > 0.9


def test_earlier_fact_checks_never_offer_a_retracted_claim_as_a_draft(
    organization, editor, reviewer
):
    from annotations.models import Claim

    # One claim retracted and left so; another retracted, then sent back to review.
    retracted = factories.published_claim(
        factories.article(organization, editor, title="Retracted"), editor, reviewer
    )
    services.claim_transition(
        claim=retracted, actor=reviewer, to_status=Claim.Status.RETRACTED, note="Wrong."
    )
    reopened = factories.published_claim(
        factories.article(organization, editor, title="Reopened"), editor, reviewer
    )
    services.claim_transition(
        claim=reopened, actor=reviewer, to_status=Claim.Status.RETRACTED, note="Wrong."
    )
    reopened.refresh_from_db()
    services.claim_transition(claim=reopened, actor=reviewer, to_status=Claim.Status.IN_REVIEW)
    # A plain draft of the same words is still offered, so the search does reach them.
    draft_article = factories.article(organization, editor, title="Draft")
    draft = services.claim_create(
        article=draft_article,
        creator=editor,
        selectors=factories.quote_selectors(draft_article.text, CLAIM),
    )
    article = factories.article(organization, editor, title="The new one")
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, CLAIM)
    )
    found = EarlierFactChecks().search(query.for_claim(claim), claim=claim)
    urls = [item.url for item in found]
    assert any(url.endswith(f"#claim-{draft.pk}") for url in urls)
    for gone in (retracted, reopened):
        assert all(f"#claim-{gone.pk}" not in url for url in urls)
        assert all(not url.endswith(f"/c/{gone.pk}/") for url in urls)


def test_earlier_fact_checks_say_which_own_claims_are_drafts_in_review_or_no_longer_shown(
    organization, editor, reviewer
):
    from annotations.models import Claim

    def own_claim(title):
        article = factories.article(organization, editor, title=title)
        return article, services.claim_create(
            article=article,
            creator=editor,
            selectors=factories.quote_selectors(article.text, CLAIM),
        )

    _, draft = own_claim("Draft")
    _, in_review = own_claim("In review")
    services.claim_transition(claim=in_review, actor=editor, to_status=Claim.Status.IN_REVIEW)
    # Published, then its sentence edited out of the article: readers no longer see it.
    hidden_article = factories.article(organization, editor, title="Hidden")
    hidden = factories.published_claim(hidden_article, editor, reviewer, quote=CLAIM)
    services.article_update_text(
        article=hidden_article, actor=editor, text=hidden_article.text.replace(CLAIM, "")
    )
    factories.text_shown_to_readers(hidden_article)
    _, claim = own_claim("The new one")

    found = EarlierFactChecks().search(query.for_claim(claim), claim=claim)
    publisher_of = {item.url.rsplit("#claim-", 1)[-1]: item.publisher for item in found}
    assert publisher_of[str(draft.pk)] == f"{organization.name} (draft)"
    assert publisher_of[str(in_review.pk)] == f"{organization.name} (in review)"
    assert publisher_of[str(hidden.pk)] == f"{organization.name} (not shown to readers)"


def test_a_near_identical_earlier_check_outranks_one_of_a_few_of_the_claims_words(
    organization, editor
):
    """Review R20: on SQLite, "Imran Khan's Twitter" scored 100% alike, as its words are all
    the claim's, and came before the same claim reworded; PostgreSQL ranked them right."""
    services.imported_fact_checks_save(
        reviews=[
            {"url": "https://close.example/check", "publisher": "Close",
             "claim_reviewed": "More than 160,000 people listened to Imran Khan's Twitter "
             "Spaces session at once"},
            {"url": "https://short.example/check", "publisher": "Short",
             "claim_reviewed": "Imran Khan's Twitter"},
        ],
        actor=permissions.SYSTEM,
    )  # fmt: skip
    article = factories.article(organization, editor, title="New")
    claim = services.claim_create(
        article=article, creator=editor,
        claim_reviewed="Over 160,000 people listened to Imran Khan's Twitter Spaces session "
        "at once",
        selectors=factories.quote_selectors(article.text, "Over 160,000 people listened"),
    )  # fmt: skip

    found = EarlierFactChecks().search(query.for_claim(claim), claim=claim)

    assert [item.publisher for item in found] == ["Close", "Short"]
    assert found[0].score > 0.9 > 0.5 > found[1].score


def test_a_claims_numbers_are_framed_by_the_article_words_before_it(organization, editor):
    article = factories.article(organization, editor)
    exact = "of only 44,000 simultaneous listeners"
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, exact)
    )
    (quantity,) = query.for_claim(claim).quantities
    assert (quantity["text"], quantity["earlier"]) == ("44,000", "record")


def test_a_reworded_claim_is_found_by_its_new_words(organization, editor):
    article = factories.article(organization, editor)
    earlier = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "the median age is only 22.8 years"),
    )
    services.claim_update(
        claim=earlier,
        actor=editor,
        expected_version=None,
        claim_reviewed="Zanzibar cricket attendance doubled",
    )
    other = factories.article(organization, editor, title="Second")
    claim = services.claim_create(
        article=other,
        creator=editor,
        selectors=factories.quote_selectors(other.text, "Over 160,000"),
        claim_reviewed="Cricket attendance in Zanzibar doubled",
    )
    found = EarlierFactChecks().search(query.for_claim(claim), claim=claim)
    assert [item.title for item in found] == ["Zanzibar cricket attendance doubled"]


# One request run, start to end, in this process


def test_running_a_request_twice_stores_each_url_once(loopback, httpserver, organization, editor):
    httpserver.expect_request("/w/api.php").respond_with_handler(mediawiki_api([]))
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    loopback.FACTCHECK_EVIDENCE_PROVIDERS = ["annotations.evidence.providers.mediawiki.MediaWiki"]
    article = factories.article(organization, editor)
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, CLAIM)
    )
    (request,) = EvidenceRequest.objects.filter(claim=claim)
    assert request.provider == "mediawiki" and request.state == "queued"
    search.run_request(request.pk)
    search.run_request(request.pk)
    (item,) = EvidenceItem.objects.filter(claim=claim)
    request.refresh_from_db()
    assert (request.state, request.attempts, request.error) == ("done", 2, "")
    assert item.provider == "mediawiki" and item.url_key == "en.wikipedia.org/wiki/Twitter_Spaces"
    assert "160,000" in item.passage
    (number,) = [n for n in item.numbers if n["text"] == "160,000"]
    assert number["agreement"] == "agrees"
    assert item.passage[number["start"] : number["end"]] == "160,000"


def test_nul_characters_in_a_providers_answer_are_not_stored(
    loopback, httpserver, organization, editor
):
    def answer(request):
        if request.args.get("list") == "search":
            return json_response({"query": {"search": [{"title": "T", "pageid": 7}]}})
        page = {
            "pageid": 7,
            "title": "Twitter\x00 Spaces",
            "extract": TWITTER_SPACES.replace("simultaneous", "simul\x00taneous"),
            "fullurl": "https://en.wikipedia.org/wiki/Twitter_Spaces",
        }
        return json_response({"query": {"pages": [page]}})

    httpserver.expect_request("/w/api.php").respond_with_handler(answer)
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    loopback.FACTCHECK_EVIDENCE_PROVIDERS = ["annotations.evidence.providers.mediawiki.MediaWiki"]
    article = factories.article(organization, editor)
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, CLAIM)
    )

    request = search.run_request(claim.evidence_requests.get().pk)

    item = claim.evidence_items.get()
    assert request.state == "done"
    assert item.title == "Twitter Spaces" and "\x00" not in item.passage
    assert "160,000 simul taneous" in item.passage


def test_a_dismissed_item_stays_dismissed_when_found_again(
    loopback, httpserver, organization, editor
):
    httpserver.expect_request("/w/api.php").respond_with_handler(mediawiki_api([]))
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    loopback.FACTCHECK_EVIDENCE_PROVIDERS = ["annotations.evidence.providers.mediawiki.MediaWiki"]
    article = factories.article(organization, editor)
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, CLAIM)
    )
    search.run_request(claim.evidence_requests.get().pk)
    item = claim.evidence_items.get()
    services.evidence_item_dismiss(item=item, actor=editor)
    (again,) = services.evidence_request(claim=claim, actor=editor)
    search.run_request(again.pk)
    assert claim.evidence_items.get().state == EvidenceItem.State.DISMISSED


def test_rating_labels_come_from_the_publishing_scale(organization):
    assert Rating.objects.filter(scale__organization=organization, label="Mostly true").exists()


# The "evidence" job: the request row shows each outcome, in words


def _claim_with_one_provider(settings, organization, editor, provider_path):
    settings.FACTCHECK_EVIDENCE_PROVIDERS = [provider_path]
    article = factories.article(organization, editor)
    return services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, CLAIM)
    )


def _run_job(request):
    from annotations import jobs
    from annotations.evidence import tasks  # noqa: F401 - registers the job handler
    from annotations.models import Job

    job = Job.objects.get(kind="evidence", subject_id=request.pk)
    jobs.run("evidence", job.pk)
    request.refresh_from_db()
    job.refresh_from_db()
    return job


def test_a_refused_address_marks_the_request_refused_with_the_reason(
    settings, httpserver, organization, editor
):
    settings.FACTCHECK_FETCH_ALLOW = []
    settings.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    claim = _claim_with_one_provider(
        settings, organization, editor, "annotations.evidence.providers.mediawiki.MediaWiki"
    )
    request = claim.evidence_requests.get()
    job = _run_job(request)
    assert (job.state, request.state) == ("failed", "refused")
    assert "local name" in request.error or "loopback" in request.error


def test_malformed_json_fails_the_request_at_once_with_the_reason(
    loopback, httpserver, organization, editor
):
    httpserver.expect_request("/w/api.php").respond_with_data(
        "<html>not json</html>", content_type="application/json"
    )
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    claim = _claim_with_one_provider(
        loopback, organization, editor, "annotations.evidence.providers.mediawiki.MediaWiki"
    )
    request = claim.evidence_requests.get()
    job = _run_job(request)
    assert (job.state, job.attempts, request.state) == ("failed", 1, "failed")
    assert "malformed JSON" in request.error and request.finished_at is not None


def test_a_server_error_puts_the_request_back_in_the_queue_with_the_reason(
    loopback, httpserver, organization, editor
):
    httpserver.expect_request("/w/api.php").respond_with_data("down", status=500)
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    claim = _claim_with_one_provider(
        loopback, organization, editor, "annotations.evidence.providers.mediawiki.MediaWiki"
    )
    request = claim.evidence_requests.get()
    job = _run_job(request)
    assert (job.state, request.state) == ("queued", "queued")
    assert "trying again" in request.error and "500" in request.error


@pytest.mark.parametrize(("passage_year", "expected"), [(2022, "disagrees"), (2021, "unrelated")])
def test_a_claims_current_values_are_dated_by_its_articles_publication_year(
    organization, editor, passage_year, expected
):
    article = services.article_create(
        organization=organization,
        title="Record",
        text=factories.SAMPLE_TEXT,
        created_by=editor,
        published_on=date(2022, 4, 21),
    )
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, factories.SAMPLE_TEXT.split(".")[0]),
    )
    claimed = query.for_claim(claim).claimed
    # Today's count is of 2022; the prior record keeps no year of its own.
    assert [(q.value, q.year) for q in claimed] == [(160_000, 2022), (44_000, 0)]
    marked = numbers.mark(claimed, f"In {passage_year}, about 60,000 people listened in")
    assert [item["agreement"] for item in marked if not item["is_year"]] == [expected]


@pytest.mark.django_db(transaction=True)
def test_a_claim_deleted_while_its_provider_answers_ends_the_job_quietly(
    loopback, httpserver, organization, editor
):
    """The editor threw the draft away while the search ran: storing its items failed on the
    claim's foreign key, and the job failed with a traceback (trial G9). Nothing is stored,
    and the job is done."""
    from django.db import connections

    from annotations import jobs
    from annotations.evidence import tasks  # noqa: F401 - registers the "evidence" job
    from annotations.models import Claim, Job

    deleted = []

    def answer(request):
        if not deleted:
            claim = Claim.objects.get(pk=claim_id)
            services.claim_delete(claim=claim, actor=editor)
            deleted.append(claim_id)
            connections.close_all()  # this server thread's connection
        return found(request)

    found = mediawiki_api([])

    httpserver.expect_request("/w/api.php").respond_with_handler(answer)
    loopback.FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT = httpserver.url_for("/w/api.php")
    loopback.FACTCHECK_EVIDENCE_PROVIDERS = ["annotations.evidence.providers.mediawiki.MediaWiki"]
    article = factories.article(organization, editor)
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, CLAIM)
    )
    claim_id = claim.pk
    request = claim.evidence_requests.get()
    job = Job.objects.about("evidence", request.pk).get()

    assert jobs.run("evidence", job.pk) == Job.State.DONE

    assert deleted == [claim_id]
    assert not Claim.objects.filter(pk=claim_id).exists()
    assert not EvidenceItem.objects.filter(claim_id=claim_id).exists()
