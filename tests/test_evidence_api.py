"""The evidence API: a claim's requests and items, search again, add as source, dismiss."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from annotations import permissions, services
from annotations.evidence import search
from annotations.models import Claim, EvidenceItem, EvidenceRequest, Job, Source
from tests import factories

CLAIM = "Over 160,000 people listened in at once"


@pytest.fixture
def claim(article, editor, settings):
    settings.FACTCHECK_EVIDENCE_GOOGLE_API_KEY = ""
    return services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, CLAIM)
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def evidence_url(claim) -> str:
    return f"/api/v1/claims/{claim.pk}/evidence/"


def item_for(claim, **fields) -> EvidenceItem:
    defaults = {
        "provider": "mediawiki",
        "url": "https://en.wikipedia.org/wiki/Twitter_Spaces",
        "title": "Twitter Spaces",
        "passage": "More than 160,000 listeners.",
        "numbers": [
            {"text": "160,000", "value": 160000.0, "unit": "", "start": 10, "end": 17,
             "agreement": "agrees"}
        ],
        "score": 1.2,
    }  # fmt: skip
    defaults.update(fields)
    from annotations import urlnorm

    return EvidenceItem.objects.create(
        claim=claim, url_key=urlnorm.url_key(defaults["url"]), **defaults
    )


def test_creating_a_claim_queues_one_request_per_enabled_provider(claim):
    response = signed_in(claim.creator).get(evidence_url(claim))
    assert response.status_code == 200
    body = response.json()
    assert {r["provider"]: r["state"] for r in body["requests"]} == {
        "factchecks": "queued",
        "mediawiki": "queued",
    }
    assert body["pending"] is True and body["items"] == []
    assert {r["label"] for r in body["requests"]} == {"Earlier fact-checks", "Wikipedia"}


def test_a_search_no_worker_has_started_is_reported_as_waiting_for_one(claim, editor):
    """With the broker down the panel said "Searching" for as long as the outage lasted."""
    client = signed_in(editor)
    sent = Job.objects.filter(kind="evidence", state=Job.State.QUEUED)
    assert sent.count() == 2  # one per provider

    def waiting():
        body = client.get(evidence_url(claim)).json()
        assert body["pending"] is True
        return body["waiting_for_worker"]

    assert waiting() is False  # just sent
    long_ago = timezone.now() - timedelta(minutes=1)
    sent.update(created_at=long_ago, sent_at=long_ago)
    assert waiting() is True
    # A cited page sent for fetching just now: a worker may yet take everything.
    services.source_add(claim=claim, actor=editor, url="https://example.org/record")
    assert waiting() is False
    Job.objects.filter(kind="snapshot").update(created_at=long_ago, sent_at=long_ago)
    assert waiting() is True
    # One search started: a worker is there.
    Job.objects.filter(pk=sent.first().pk).update(state=Job.State.RUNNING)
    assert waiting() is False


def test_rewording_a_claim_asks_again_but_other_edits_do_not(claim, editor):
    services.claim_update(claim=claim, actor=editor, expected_version=None, claimant="PTI")
    assert claim.evidence_requests.count() == 2
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, claim_reviewed="160,000 listened at once"
    )
    assert claim.evidence_requests.count() == 4


def test_outsiders_get_404_and_anonymous_401(claim):
    outsider = factories.member(factories.OrganizationFactory(), username="nosy")
    assert signed_in(outsider).get(evidence_url(claim)).status_code == 404
    assert Client().get(evidence_url(claim)).status_code == 401


def test_items_show_numbers_rating_and_earlier_fact_checks_first(claim):
    item_for(claim, score=3.0)
    item_for(
        claim,
        provider="factchecks",
        url="https://checker.test/spaces",
        title="Earlier check",
        rating="Mostly true",
        score=0.5,
    )
    items = signed_in(claim.creator).get(evidence_url(claim)).json()["items"]
    assert [item["provider"] for item in items] == ["factchecks", "mediawiki"]
    assert items[0]["rating"] == "Mostly true" and items[0]["is_fact_check"] is True
    number = items[1]["numbers"][0]
    assert {key: number[key] for key in ("text", "value", "agreement")} == {
        "text": "160,000",
        "value": 160000.0,
        "agreement": "agrees",
    }
    assert items[1]["agreement"] == "agrees"


def test_search_again_answers_202_and_queues_new_requests(claim):
    EvidenceRequest.objects.filter(claim=claim).update(state="done")
    response = signed_in(claim.creator).post(evidence_url(claim))
    assert response.status_code == 202
    assert response.json()["pending"] is True
    assert claim.evidence_requests.filter(state="queued").count() == 2


def test_after_many_searches_each_provider_shows_its_newest_request_only(claim):
    client = signed_in(claim.creator)
    for _ in range(3):
        EvidenceRequest.objects.filter(claim=claim).update(state="done")
        assert client.post(evidence_url(claim)).status_code == 202
    newest = {
        provider: claim.evidence_requests.filter(provider=provider).latest("created_at", "id").pk
        for provider in claim.evidence_requests.values_list("provider", flat=True)
    }
    assert claim.evidence_requests.count() == 4 * len(newest)

    listed = client.get(evidence_url(claim)).json()["requests"]

    assert {request["provider"]: request["id"] for request in listed} == newest
    assert len(listed) == len(newest) and {request["state"] for request in listed} == {"queued"}


def test_search_again_does_not_stack_up_identical_queued_requests(claim):
    signed_in(claim.creator).post(evidence_url(claim))
    signed_in(claim.creator).post(evidence_url(claim))
    assert claim.evidence_requests.count() == 2


def test_a_reader_token_may_look_but_not_search_again(claim):
    outsider_free = Client(headers={"Authorization": "Token nope"})
    assert outsider_free.post(evidence_url(claim)).status_code == 401


def test_add_as_source_cites_the_item_with_its_stance(claim):
    item = item_for(claim)
    url = f"{evidence_url(claim)}items/{item.pk}/"
    # Citing writes to the claim: like every such write, it names the claim's version.
    unnamed = signed_in(claim.creator).post(
        url, {"action": "add", "stance": "refutes"}, content_type="application/json"
    )
    assert unnamed.status_code == 428
    assert not Source.objects.filter(claim=claim).exists()
    response = signed_in(claim.creator).post(
        url,
        {"action": "add", "stance": "refutes", "version": claim.version},
        content_type="application/json",
    )
    assert response.status_code == 200
    source = Source.objects.get(claim=claim)
    assert (source.url, source.stance, source.title) == (item.url, "refutes", "Twitter Spaces")
    assert source.quote == "More than 160,000 listeners."
    (shown,) = response.json()["items"]
    assert (shown["state"], shown["source"]) == ("added", source.pk)
    # Adding again does not cite it twice.
    again = signed_in(claim.creator).post(
        url, {"action": "add", "version": claim.version}, content_type="application/json"
    )
    assert again.status_code == 200
    assert Source.objects.filter(claim=claim).count() == 1


def test_removing_the_source_an_item_was_cited_as_offers_the_item_again(claim, editor):
    item = item_for(claim)
    url = f"{evidence_url(claim)}items/{item.pk}/"
    client = signed_in(claim.creator)
    client.post(url, {"action": "add", "version": claim.version}, "application/json")
    source = Source.objects.get(claim=claim)
    claim.refresh_from_db()
    services.source_remove(source=source, actor=editor, expected_version=claim.version)

    (shown,) = client.get(evidence_url(claim)).json()["items"]
    assert (shown["id"], shown["state"], shown["source"]) == (item.pk, "new", None)
    claim.refresh_from_db()
    again = client.post(url, {"action": "add", "version": claim.version}, "application/json")
    assert again.status_code == 200 and Source.objects.filter(claim=claim).count() == 1


def test_dismiss_hides_the_item(claim):
    item = item_for(claim)
    response = signed_in(claim.creator).post(
        f"{evidence_url(claim)}items/{item.pk}/",
        {"action": "dismiss"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["items"] == []
    item.refresh_from_db()
    assert item.state == "dismissed"


def test_an_unknown_action_is_a_problem_document(claim):
    item = item_for(claim)
    response = signed_in(claim.creator).post(
        f"{evidence_url(claim)}items/{item.pk}/",
        {"action": "shred"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_an_item_of_another_claim_is_not_found(claim, article, editor):
    other = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "the median age is only 22.8 years"),
    )
    item = item_for(other)
    response = signed_in(editor).post(
        f"{evidence_url(claim)}items/{item.pk}/",
        {"action": "dismiss"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_citing_a_source_at_an_items_url_marks_the_item_added(claim, editor):
    item = item_for(claim)
    services.source_add(
        claim=claim, actor=editor, url="http://www.en.wikipedia.org/wiki/Twitter_Spaces/"
    )
    item.refresh_from_db()
    assert item.state == "added" and item.source is not None


def test_a_fetched_source_is_ranked_into_an_item_with_its_best_passage(claim, editor):
    source = services.source_add(claim=claim, actor=editor, url="https://ledger.example/spaces")
    Source.objects.filter(pk=source.pk).update(
        extracted_text=(
            "Khan spoke for two hours.\n\nMore than 160,000 listeners tuned in at once.\n\n"
            "About 120,000 listeners were counted by others."
        )
    )
    search.source_fetched(source.pk)
    search.source_fetched(source.pk)  # idempotent
    (item,) = EvidenceItem.objects.filter(claim=claim)
    assert item.provider == "sources" and item.state == "added" and item.source_id == source.pk
    # The best passage, and the one disagreeing with it after it: one passage a source hid
    # the rival count.
    assert item.passage == (
        "More than 160,000 listeners tuned in at once. \u2026 "
        "About 120,000 listeners were counted by others."
    )
    assert [(n["text"], n["agreement"]) for n in item.numbers] == [
        ("160,000", "agrees"),
        ("120,000", "disagrees"),
    ]
    for number in item.numbers:
        assert item.passage[number["start"] : number["end"]] == number["text"]
    assert claim.evidence_requests.get(provider="sources").state == "done"


def test_a_source_agreeing_with_one_number_and_denying_another_shows_both(
    article, editor, settings
):
    """A claim of two numbers saw only the passage agreeing with one ("950 buses") and never
    the one denying the other ("12 percent, not 40 percent")."""
    settings.FACTCHECK_EVIDENCE_GOOGLE_API_KEY = ""
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, CLAIM)
    )
    claim = services.claim_update(
        claim=claim, actor=editor, expected_version=None,
        claim_reviewed="The city runs 950 buses, and 40 percent of residents ride them weekly.",
    )  # fmt: skip
    source = services.source_add(claim=claim, actor=editor, url="https://transit.example/report")
    Source.objects.filter(pk=source.pk).update(
        extracted_text=(
            "The city now operates 950 buses, down from 1,200 buses in 2019.\n\n"
            "Ferries carried more people than ever this summer.\n\n"
            "Only 12 percent, not 40 percent, of residents ride the bus weekly, the survey found."
        )
    )
    search.source_fetched(source.pk)
    (item,) = EvidenceItem.objects.filter(claim=claim, provider="sources")
    marks = [(n["text"], n["agreement"]) for n in item.numbers]
    assert ("950", "agrees") in marks and ("40 percent", "disagrees") in marks
    assert "Ferries" not in item.passage


def test_the_panel_is_pending_until_a_fetched_source_has_been_read_and_ranked(
    claim, editor, settings, tmp_path
):
    import hashlib

    from django.utils import timezone

    from annotations.evidence.snapshots import Capture
    from annotations.models import Job
    from annotations.services import snapshots

    settings.MEDIA_ROOT = str(tmp_path)
    source = services.source_add(claim=claim, actor=editor, url="https://ledger.example/spaces")
    EvidenceRequest.objects.filter(claim=claim).update(state="done")
    client = signed_in(editor)
    assert client.get(evidence_url(claim)).json()["pending"] is True  # being fetched
    body = b"<p>More than 160,000 listeners tuned in at once.</p>"
    snapshot = snapshots.snapshot_record(
        source=source,
        actor=permissions.SYSTEM,
        capture=Capture(
            requested_url=source.url, final_url=source.url, status=200,
            content_type="text/html", charset="utf-8", headers={},
            sha256=hashlib.sha256(body).hexdigest(), size=len(body),
            fetched_at=timezone.now(), warc=b"",
        ),
    )  # fmt: skip
    data = client.get(evidence_url(claim)).json()
    # Fetched, but its text is still to be read and ranked into "Cited sources".
    assert data["sources_fetching"] == 0
    assert data["pending"] is True
    Job.objects.filter(kind="snapshot_extract", subject_id=snapshot.pk).update(state="done")
    assert client.get(evidence_url(claim)).json()["pending"] is False


def test_source_fetched_ignores_a_source_that_is_gone(db):
    assert search.source_fetched(987654) is None
    assert not EvidenceRequest.objects.exists() and not EvidenceItem.objects.exists()
    assert not Job.objects.exists()


def test_importing_fact_checks_is_for_the_system_and_site_admins(claim, editor):
    with pytest.raises(permissions.PermissionDenied):
        services.imported_fact_checks_save(reviews=[], actor=editor)


def test_an_older_search_answered_last_does_not_replace_the_newer_ones_items(claim, editor):
    """Reworded twice, the claim's older question was answered after the newer one: its
    items replaced those that fit the claim as it reads now."""
    services.imported_fact_checks_save(
        reviews=[
            {"url": "https://checks.example/bridge",
             "claim_reviewed": "The bridge cost two billion dollars"},
            {"url": "https://checks.example/vaccine",
             "claim_reviewed": "Vaccines cause autism in children"},
        ],
        actor=permissions.SYSTEM,
    )  # fmt: skip

    def reword(wording):
        services.claim_update(
            claim=claim, actor=editor, expected_version=None, claim_reviewed=wording
        )
        return claim.evidence_requests.filter(provider="factchecks").order_by("-pk").first()

    older = reword("The bridge cost two billion dollars")
    newer = reword("Vaccines cause autism in children")
    search.run_request(newer.pk)
    search.run_request(older.pk)  # the slower, older question answers last
    found = EvidenceItem.objects.filter(claim=claim, provider="factchecks")
    assert list(found.values_list("url", flat=True)) == ["https://checks.example/vaccine"]
    older.refresh_from_db()
    assert older.state == EvidenceRequest.State.DONE


def test_an_earlier_check_retracted_after_the_search_leaves_the_panel(
    claim, organization, settings
):
    """Review R20: a verdict retracted after it was found stayed in the panel as evidence,
    with the rating readers no longer see."""
    settings.FACTCHECK_EVIDENCE_PROVIDERS = [
        "annotations.evidence.providers.factchecks.EarlierFactChecks"
    ]
    other = factories.OrganizationFactory(name="Other Desk")
    their_editor = factories.member(other, username="oscar")
    their_reviewer = factories.member(other, role="reviewer", username="olga")
    theirs = factories.published_claim(
        factories.article(other, their_editor), their_editor, their_reviewer
    )
    search.run_request(EvidenceRequest.objects.get(claim=claim, provider="factchecks").pk)
    permalink = f"/c/{theirs.pk}/"
    before = signed_in(claim.creator).get(evidence_url(claim)).json()["items"]
    assert [(i["rating"], i["is_fact_check"]) for i in before if i["url"].endswith(permalink)] == [
        ("Mostly true", True)
    ]

    theirs.refresh_from_db()
    services.claim_transition(
        claim=theirs, actor=their_reviewer, to_status=Claim.Status.RETRACTED, note="Wrong."
    )

    after = signed_in(claim.creator).get(evidence_url(claim)).json()["items"]
    assert not [item for item in after if item["url"].endswith(permalink)]
    # Added as a source before, it stays, with no rating it no longer has.
    EvidenceItem.objects.filter(earlier_claim=theirs).update(state=EvidenceItem.State.ADDED)
    added = signed_in(claim.creator).get(evidence_url(claim)).json()["items"]
    assert [i["rating"] for i in added if i["url"].endswith(permalink)] == [""]


def test_an_unpublished_check_of_the_newsroom_is_not_cited_as_a_source(claim, article, editor):
    """Review R20: "Add as source" on the newsroom's own draft cited its workspace address,
    which readers cannot open and the worker would fetch from this app."""
    draft = services.claim_create(
        article=factories.article(article.organization, editor, title="Earlier"),
        creator=editor,
        selectors=factories.quote_selectors(article.text, "the median age is only 22.8 years"),
    )
    item = item_for(
        claim, provider="factchecks", url=f"https://factcheck.example/articles/1/#claim-{draft.pk}",
        earlier_claim=draft, numbers=[],
    )  # fmt: skip

    refused = signed_in(claim.creator).post(
        f"{evidence_url(claim)}items/{item.pk}/",
        {"action": "add", "version": claim.version},
        content_type="application/json",
    )

    assert refused.status_code == 400
    assert "Cite the sources it cites instead." in str(refused.json())
    assert not Source.objects.filter(claim=claim).exists()


@pytest.mark.django_db(transaction=True)
def test_an_earlier_claim_deleted_before_the_items_are_stored_is_named_by_none(
    claim, article, editor
):
    """Review R21: a draft thrown away between the provider's answer and the storing of its
    items failed the whole request's commit on PostgreSQL (the item's foreign key)."""
    draft = services.claim_create(
        article=factories.article(article.organization, editor, title="Earlier"),
        creator=editor,
        selectors=factories.quote_selectors(article.text, "the median age is only 22.8 years"),
    )
    gone = draft.pk
    services.claim_delete(claim=draft, actor=editor)
    request = EvidenceRequest.objects.get(claim=claim, provider="factchecks")
    found = {
        "provider": "factchecks", "url": f"https://factcheck.example/c/{gone}/",
        "url_key": f"factcheck.example/c/{gone}", "title": "Earlier", "passage": "Earlier",
        "score": 0.5, "earlier_claim_id": gone,
    }  # fmt: skip

    with transaction.atomic():
        [stored] = search._store(claim.pk, request, [found])

    assert EvidenceItem.objects.get(pk=stored).earlier_claim_id is None
