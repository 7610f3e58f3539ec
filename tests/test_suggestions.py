"""Claim-spotting suggestions in the product: job, decisions, accept, dismiss, API, retraining."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from annotations import jobs, permissions, services, spotting, spotting_jobs, spotting_newsroom
from annotations.models import (
    Article,
    Claim,
    Job,
    Membership,
    Organization,
    SpotterModel,
    Suggestion,
)
from tests import factories

SAMPLE = (Path(__file__).parent / "data" / "spotting" / "imran-khan-twitter-spaces.txt").read_text(
    encoding="utf-8"
)
LISTENERS = "Over 160,000 people listened in at once"
MEDIAN_AGE = "median age is only 22.8"


@pytest.fixture
def sample_article(organization, editor):
    return factories.article(organization, editor, text=SAMPLE, title="Twitter Spaces")


def run_spot_jobs(article) -> list[str]:
    """Run the article's queued "spot" jobs as the worker would."""
    assert spotting_jobs.spot_article.name == jobs.TASK_NAMES["spot"]
    queued = Job.objects.filter(kind="spot", subject_id=article.pk, state=Job.State.QUEUED)
    return [jobs.run("spot", job.pk) for job in queued]


def suggestion_with(article, phrase) -> Suggestion:
    return next(s for s in article.suggestions.all() if phrase in s.sentence)


def test_creating_an_article_queues_a_spot_job_that_stores_suggestions(sample_article):
    assert not sample_article.suggestions.exists()
    assert run_spot_jobs(sample_article) == ["done"]
    suggestions = list(sample_article.suggestions.all())
    assert suggestions, "the sample has check-worthy sentences"
    top = max(suggestions, key=lambda s: s.score)
    assert LISTENERS in top.sentence or "no-confidence" in top.sentence
    for suggestion in suggestions:
        assert sample_article.text[suggestion.start : suggestion.end] == suggestion.sentence
        assert suggestion.state == Suggestion.State.NEW
        assert suggestion.sentence_key == spotting.sentence_key(suggestion.sentence)
    assert suggestion_with(sample_article, LISTENERS).has_number


def test_a_revision_queues_scoring_again(sample_article, editor):
    run_spot_jobs(sample_article)
    services.article_update_text(
        article=sample_article,
        actor=editor,
        text=sample_article.text + "\n\nCrime rose 40 percent.",
    )
    assert run_spot_jobs(sample_article) == ["done"]
    assert any("Crime rose 40 percent" in s.sentence for s in sample_article.suggestions.all())


def test_dismissals_and_accepts_survive_a_revision_that_keeps_the_sentence(sample_article, editor):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    dismissed = suggestion_with(sample_article, LISTENERS)
    services.suggestion_dismiss(suggestion=dismissed, actor=editor)
    accepted = suggestion_with(sample_article, MEDIAN_AGE)
    claim = services.suggestion_accept(suggestion=accepted, actor=editor)
    # A new first paragraph moves every sentence; one other sentence is reworded.
    text = "A new opening paragraph.\n\n" + sample_article.text.replace(
        "Pakistan Today shared", "Pakistan Today published"
    )
    services.article_update_text(article=sample_article, actor=editor, text=text)
    sample_article.refresh_from_db()
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    again = suggestion_with(sample_article, LISTENERS)
    assert again.pk == dismissed.pk and again.state == Suggestion.State.DISMISSED
    assert again.start == dismissed.start + len("A new opening paragraph.\n\n")
    assert sample_article.text[again.start : again.end] == again.sentence
    kept = suggestion_with(sample_article, MEDIAN_AGE)
    assert kept.state == Suggestion.State.ACCEPTED and kept.claim_id == claim.pk
    # Refreshing again does not duplicate anything.
    count = sample_article.suggestions.count()
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    assert sample_article.suggestions.count() == count


def test_rescoring_keeps_each_undecided_suggestions_id_so_an_open_panel_can_still_act(
    sample_article, editor
):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    before = dict(sample_article.suggestions.values_list("sentence_key", "pk"))
    shown = suggestion_with(sample_article, LISTENERS)
    # The spot job runs again (a second import step, a retrained model) while the panel is open.
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    assert dict(sample_article.suggestions.values_list("sentence_key", "pk")) == before
    services.suggestion_dismiss(suggestion=shown, actor=editor)
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    listed = sample_article.suggestions.filter(sentence__contains=LISTENERS)
    assert list(listed.values_list("pk", "state")) == [(shown.pk, Suggestion.State.DISMISSED)]


REPEATED = "Over 160,000 people listened in at once, breaking the record of 44,000."


@pytest.fixture
def repeated(organization, editor):
    """An article printing the same sentence twice, scored."""
    text = f"{REPEATED}\n\nThe host thanked everyone.\n\n{REPEATED}\n\nIt was a quiet evening."
    article = factories.article(organization, editor, text=text, title="Repeated")
    services.suggestions_refresh(article=article, actor=permissions.SYSTEM)
    return article, REPEATED, text


def test_dismissing_a_repeated_sentence_dismisses_every_copy_and_it_is_not_suggested_again(
    repeated, editor
):
    article, quote, text = repeated
    copies = article.suggestions.filter(sentence=quote).order_by("start")
    assert copies.count() == 2
    services.suggestion_dismiss(suggestion=copies[0], actor=editor)
    assert set(copies.values_list("state", flat=True)) == {Suggestion.State.DISMISSED}
    # A third copy added later is the same decision: not suggested again.
    services.article_update_text(article=article, actor=editor, text=f"{text}\n\n{quote}")
    article.refresh_from_db()
    services.suggestions_refresh(article=article, actor=permissions.SYSTEM)
    assert not article.suggestions.filter(sentence=quote, state=Suggestion.State.NEW).exists()


def test_an_accepted_copy_of_a_repeated_sentence_stays_with_its_claim_after_a_revision(
    repeated, editor
):
    article, quote, text = repeated
    first, second = article.suggestions.filter(sentence=quote).order_by("start")
    claim = services.suggestion_accept(suggestion=second, actor=editor)

    services.article_update_text(article=article, actor=editor, text=f"A new lead.\n\n{text}")
    article.refresh_from_db()
    services.suggestions_refresh(article=article, actor=permissions.SYSTEM)

    claim.refresh_from_db()
    second.refresh_from_db()
    assert (second.state, second.claim_id) == (Suggestion.State.ACCEPTED, claim.pk)
    assert second.start <= claim.start < second.end  # still on the copy its claim is on
    first.refresh_from_db()
    assert first.state == Suggestion.State.NEW and first.start < second.start
    # So the claimed copy is not offered again, and no second claim can be made on it.
    offered = article.suggestions.filter(state=Suggestion.State.NEW)
    assert all(not (s.start <= claim.start < s.end) for s in offered)
    assert services.suggestion_accept(suggestion=second, actor=editor).pk == claim.pk


def test_accepting_a_part_selected_before_the_text_changed_claims_the_selected_words(
    sample_article, editor
):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    # The editor selects the words on a page loaded now...
    start = sample_article.text.index(LISTENERS)
    old = (start, start + len(LISTENERS))
    # ...while someone else adds a paragraph at the top, and the text is scored again.
    services.article_update_text(
        article=sample_article, actor=editor, text="Breaking.\n\n" + sample_article.text
    )
    sample_article.refresh_from_db()
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion.refresh_from_db()
    assert sample_article.text[old[0] : old[1]] != LISTENERS

    claim = services.suggestion_accept(
        suggestion=suggestion, actor=editor, start=old[0], end=old[1], exact=LISTENERS
    )
    assert claim.exact == LISTENERS
    assert sample_article.text[claim.start : claim.end] == LISTENERS


def test_accepting_words_that_are_no_longer_in_the_sentence_is_a_409_and_makes_nothing(
    sample_article, editor
):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    start = sample_article.text.index(LISTENERS)
    client = Client()
    client.force_login(editor)
    url = f"/api/v1/articles/{sample_article.pk}/suggestions/{suggestion.pk}/"
    gone = {"action": "accept", "start": start, "end": start + 4, "exact": "Nine hundred"}

    response = client.post(url, gone, "application/json")

    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert "Select them again" in response.json()["detail"]
    assert not Claim.objects.filter(article=sample_article).exists()
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.NEW
    # The words alone, without offsets, are enough when they are in the sentence once.
    words = {"action": "accept", "exact": LISTENERS}
    response = client.post(url, words, "application/json")
    assert response.status_code == 200
    assert Claim.objects.get(pk=response.json()["claim"]).exact == LISTENERS


def test_accepting_a_sentence_edited_out_of_the_text_is_a_409_and_makes_nothing(
    sample_article, editor
):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    # Edited away; the list the editor sees was scored before, and is not yet again.
    services.article_update_text(
        article=sample_article, actor=editor, text=sample_article.text.replace("160,000", "9")
    )
    client = Client()
    client.force_login(editor)
    url = f"/api/v1/articles/{sample_article.pk}/suggestions/{suggestion.pk}/"

    response = client.post(url, {"action": "accept"}, "application/json")

    # A 409 is what the panel reloads its list on; a 400 left the stale list in place.
    assert response.status_code == 409
    assert "no longer in the article's text" in response.json()["detail"]
    assert not Claim.objects.filter(article=sample_article).exists()


def test_deleting_a_claim_made_from_a_suggestion_puts_the_suggestion_back_undecided(
    sample_article, editor
):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    claim = services.suggestion_accept(suggestion=suggestion, actor=editor)

    services.claim_delete(claim=claim, actor=editor)

    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.claim_id, suggestion.decided_by) == ("new", None, None)
    # Not a label any more, so retraining does not learn it as worth checking...
    assert spotting_newsroom.newsroom_documents(sample_article.organization) == []
    # ...and it can be dismissed, or accepted again into a new claim.
    again = services.suggestion_accept(suggestion=suggestion, actor=editor)
    assert again.pk != claim.pk and again.exact == suggestion.sentence
    services.claim_delete(claim=again, actor=editor)
    services.suggestion_dismiss(suggestion=suggestion, actor=editor)
    assert Suggestion.objects.get(pk=suggestion.pk).state == Suggestion.State.DISMISSED


def test_a_sentence_that_only_moved_is_listed_and_accepted_before_the_new_text_is_scored(
    sample_article, editor
):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    services.article_update_text(
        article=sample_article, actor=editor, text="Breaking news.\n\n" + sample_article.text
    )  # scored again only once a worker runs the queued job
    client = Client()
    client.force_login(editor)
    listed = client.get(f"/api/v1/articles/{sample_article.pk}/suggestions/").json()
    [row] = [r for r in listed["suggestions"] if r["id"] == suggestion.pk]
    sample_article.refresh_from_db()
    assert listed["revision"] == 2 and listed["pending"] is True
    assert sample_article.text[row["start"] : row["end"]] == suggestion.sentence
    assert row["start"] == suggestion.start + len("Breaking news.\n\n")

    url = f"/api/v1/articles/{sample_article.pk}/suggestions/{suggestion.pk}/"
    answer = client.post(url, {"action": "accept"}, "application/json")

    assert answer.status_code == 200, answer.json()
    claim = Claim.objects.get(pk=answer.json()["claim"])
    assert (claim.start, claim.end, claim.exact) == (row["start"], row["end"], suggestion.sentence)


def test_other_words_of_a_suggestion_someone_accepted_are_a_409_naming_their_claim(
    sample_article, editor
):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    first = services.suggestion_accept(suggestion=suggestion, actor=editor)  # window A
    client = Client()
    client.force_login(editor)
    url = f"/api/v1/articles/{sample_article.pk}/suggestions/{suggestion.pk}/"
    start = sample_article.text.index(LISTENERS)
    part = {"action": "accept", "start": start, "end": start + 12, "exact": LISTENERS[:12]}

    narrowed = client.post(url, part, "application/json")  # window B, a part of it
    garbled = client.post(url, {**part, "exact": "zz"}, "application/json")
    same = client.post(url, {"action": "accept"}, "application/json")  # B, the whole

    assert narrowed.status_code == garbled.status_code == 409
    assert "already accepted this suggestion as the claim" in narrowed.json()["detail"]
    assert same.status_code == 200 and same.json()["claim"] == first.pk
    assert Claim.objects.filter(article=sample_article).count() == 1
    # The other way round: A's claim is on a part, B asks for the whole sentence.
    other = suggestion_with(sample_article, MEDIAN_AGE)
    services.suggestion_accept(
        suggestion=other, actor=editor, exact="22.8"
    )  # fmt: skip
    whole = client.post(
        f"/api/v1/articles/{sample_article.pk}/suggestions/{other.pk}/",
        {"action": "accept"},
        "application/json",
    )
    assert whole.status_code == 409 and "“22.8”" in whole.json()["detail"]

    # A long claim is named by its first words and an ellipsis, not cut off mid-word.
    long_one = max(
        sample_article.suggestions.filter(state=Suggestion.State.NEW), key=lambda s: len(s.sentence)
    )
    assert len(long_one.sentence) > 130
    services.suggestion_accept(suggestion=long_one, actor=editor)
    first = long_one.sentence.split(" ")[0]
    start = sample_article.text.index(long_one.sentence)
    part = client.post(
        f"/api/v1/articles/{sample_article.pk}/suggestions/{long_one.pk}/",
        {"action": "accept", "start": start, "end": start + len(first), "exact": first},
        "application/json",
    )
    assert part.status_code == 409
    named = part.json()["detail"].split("“", 1)[1].split("”", 1)[0]
    assert named.endswith("…") and long_one.sentence.startswith(named[:-1].rstrip())
    assert len(named) <= 120


def test_dismissing_a_suggestion_another_window_accepted_is_a_409_naming_the_claim(
    sample_article, editor, reviewer
):
    """The 409 tells the panel to load the list again; the words say who took it and how."""
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    claim = services.suggestion_accept(suggestion=suggestion, actor=editor)  # window A
    client = Client()
    client.force_login(reviewer)  # window B, opened before A accepted
    url = f"/api/v1/articles/{sample_article.pk}/suggestions/{suggestion.pk}/"
    response = client.post(url, {"action": "dismiss"}, "application/json")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith(f"{editor.get_username()} accepted this suggestion as the claim “")
    assert "delete that claim" in detail
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.claim_id) == (Suggestion.State.ACCEPTED, claim.pk)


def test_a_heading_is_never_suggested_even_when_its_words_score_high(organization, editor):
    """An imported page's heading ("What he said") was offered as a claim to check."""
    claimy = "Over 160,000 people listened in at once, breaking the record of 44,000."
    text = f"{claimy}\n\nThe record was broken on Wednesday by 116,000 listeners."
    article = services.article_create(
        organization=organization, title="Records", text=text, created_by=editor,
        structure=[{"kind": "heading", "start": 0, "end": len(claimy), "level": 2}],
    )  # fmt: skip
    services.suggestions_refresh(article=article, actor=permissions.SYSTEM)
    sentences = [s.sentence for s in article.suggestions.all()]
    assert sentences and claimy not in sentences
    # As a paragraph, the same words are suggested.
    services.article_update_text(
        article=article, actor=editor, text=text + "\n\nMore later.", structure=[]
    )
    services.suggestions_refresh(article=article, actor=permissions.SYSTEM)
    assert claimy in [s.sentence for s in article.suggestions.all()]


def test_a_dismissal_is_taken_back_but_an_acceptance_is_not(sample_article, editor, reviewer):
    """One stray `d` removed a suggestion for good: nothing could bring it back."""
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    client = Client()
    client.force_login(editor)
    url = f"/api/v1/articles/{sample_article.pk}/suggestions/{suggestion.pk}/"
    assert client.post(url, {"action": "dismiss"}, "application/json").status_code == 200
    restored = client.post(url, {"action": "restore"}, "application/json")
    assert restored.status_code == 200 and restored.json()["suggestion"]["state"] == "new"
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.decided_by, suggestion.decided_at) == ("new", None, None)
    # Restoring what is not dismissed changes nothing; an accepted one stays with its claim.
    assert client.post(url, {"action": "restore"}, "application/json").status_code == 200
    claim = services.suggestion_accept(suggestion=suggestion, actor=reviewer)
    refused = client.post(url, {"action": "restore"}, "application/json")
    assert refused.status_code == 409 and "delete that claim" in refused.json()["detail"]
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.claim_id) == ("accepted", claim.pk)


def test_a_suggestion_removed_by_scoring_while_its_accept_waited_is_gone_not_an_error(
    sample_article, editor
):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    stale = suggestion_with(sample_article, LISTENERS)  # as the request read it
    services.article_update_text(
        article=sample_article, actor=editor, text=sample_article.text.replace("160,000", "9")
    )
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    assert not Suggestion.objects.filter(pk=stale.pk).exists()
    with pytest.raises(Suggestion.DoesNotExist):
        services.suggestion_accept(suggestion=stale, actor=editor)
    with pytest.raises(Suggestion.DoesNotExist):
        services.suggestion_dismiss(suggestion=stale, actor=editor)


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_404_when_scoring_removes_the_suggestion_its_accept_waits_on(
    organization, editor
):
    """The request has found the suggestion and waits for the article's lock, which the
    scoring holds while it removes that suggestion (PostgreSQL; SQLite runs writers one
    after the other, so there the request only starts after the scoring)."""
    import threading

    from django.db import connection, connections, transaction

    from tests.conftest import wait_for

    article = factories.article(organization, editor, text=SAMPLE, title="Twitter Spaces")
    services.suggestions_refresh(article=article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(article, LISTENERS)
    scoring_holds_lock, request_done = threading.Event(), threading.Event()
    answers = []

    def request():
        try:
            client = Client()
            client.force_login(editor)
            url = f"/api/v1/articles/{article.pk}/suggestions/{suggestion.pk}/"
            answers.append(client.post(url, {"action": "accept"}, "application/json"))
        finally:
            connections.close_all()
            request_done.set()

    with transaction.atomic():
        Article.objects.select_for_update().get(pk=article.pk)
        Suggestion.objects.filter(pk=suggestion.pk).delete()
        scoring_holds_lock.set()
        worker = threading.Thread(target=request)
        worker.start()
        if connection.vendor == "postgresql":
            wait_for(lambda: _lock_waits(connection) > 0, message="the request waits for the lock")
    request_done.wait(30)
    worker.join(5)
    [answer] = answers
    assert answer.status_code == 404
    if connection.vendor == "postgresql":
        assert "scored meanwhile" in answer.json()["detail"]


def _lock_waits(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


def test_accept_makes_a_draft_claim_on_the_sentence(sample_article, editor):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    claim = services.suggestion_accept(suggestion=suggestion, actor=editor)
    assert claim.status == Claim.Status.DRAFT and claim.creator == editor
    assert (claim.start, claim.end) == (suggestion.start, suggestion.end)
    assert claim.exact == suggestion.sentence
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.ACCEPTED and suggestion.decided_by == editor
    # Accepting twice returns the same claim rather than a second one.
    assert services.suggestion_accept(suggestion=suggestion, actor=editor).pk == claim.pk


def test_accept_with_a_narrowed_part_claims_only_that_part(sample_article, editor):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    start = sample_article.text.index(LISTENERS)
    claim = services.suggestion_accept(
        suggestion=suggestion, actor=editor, start=start, end=start + len(LISTENERS)
    )
    assert claim.exact == LISTENERS
    assert (claim.start, claim.end) == (start, start + len(LISTENERS))


def test_accept_refuses_a_part_outside_the_sentence(sample_article, editor):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    with pytest.raises(ValidationError) as before:
        services.suggestion_accept(suggestion=suggestion, actor=editor, start=0, end=suggestion.end)
    # Each error names the offset at fault: a start before the sentence, an end after it.
    assert list(before.value.message_dict) == ["start"]
    with pytest.raises(ValidationError) as after:
        services.suggestion_accept(
            suggestion=suggestion, actor=editor, start=suggestion.start, end=suggestion.end + 9
        )
    assert list(after.value.message_dict) == ["end"]
    assert not Claim.objects.filter(article=sample_article).exists()


def test_only_editors_of_the_organization_may_decide(sample_article):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    suggestion = suggestion_with(sample_article, LISTENERS)
    outsider = factories.member(factories.OrganizationFactory())
    with pytest.raises(PermissionDenied):
        services.suggestion_dismiss(suggestion=suggestion, actor=outsider)


def test_api_lists_suggestions_for_members_only(sample_article, editor, reviewer):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    client = Client()
    client.force_login(reviewer)
    response = client.get(f"/api/v1/articles/{sample_article.pk}/suggestions/")
    assert response.status_code == 200
    body = response.json()
    assert body["article"] == sample_article.pk and 0 < body["threshold"] < 1
    starts = [s["start"] for s in body["suggestions"]]
    assert starts == sorted(starts)
    listeners = next(s for s in body["suggestions"] if LISTENERS in s["sentence"])
    assert listeners["has_number"] is True and listeners["probability"] >= body["threshold"]
    outsider = factories.member(factories.OrganizationFactory())
    client.force_login(outsider)
    assert client.get(f"/api/v1/articles/{sample_article.pk}/suggestions/").status_code == 404


def test_a_sentence_with_a_claim_made_by_hand_says_which_claim_covers_it(sample_article, editor):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    by_hand = services.claim_create(
        article=sample_article,
        creator=editor,
        selectors=factories.quote_selectors(sample_article.text, MEDIAN_AGE),
    )
    accepted = services.suggestion_accept(
        suggestion=suggestion_with(sample_article, LISTENERS), actor=editor
    )
    client = Client()
    client.force_login(editor)
    listed = client.get(f"/api/v1/articles/{sample_article.pk}/suggestions/").json()
    covered = {s["id"]: s["covered_by"] for s in listed["suggestions"]}
    assert covered[suggestion_with(sample_article, MEDIAN_AGE).pk] == by_hand.pk
    # Its own accepted claim does not count as another one on it.
    assert covered[suggestion_with(sample_article, LISTENERS).pk] is None
    assert accepted.status == Claim.Status.DRAFT
    assert sum(1 for pk in covered.values() if pk is not None) == 1


def test_api_accept_and_dismiss(sample_article, editor):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    client = Client()
    client.force_login(editor)
    base = f"/api/v1/articles/{sample_article.pk}/suggestions/"
    listeners = suggestion_with(sample_article, LISTENERS)
    response = client.post(f"{base}{listeners.pk}/", {"action": "accept"}, "application/json")
    assert response.status_code == 200
    claim = Claim.objects.get(pk=response.json()["claim"])
    assert claim.exact == listeners.sentence
    assert response.json()["suggestion"]["state"] == "accepted"
    age = suggestion_with(sample_article, MEDIAN_AGE)
    response = client.post(f"{base}{age.pk}/", {"action": "dismiss"}, "application/json")
    assert response.status_code == 200 and response.json()["suggestion"]["state"] == "dismissed"
    response = client.post(f"{base}{age.pk}/", {"action": "accept", "start": 1}, "application/json")
    assert response.status_code == 400


def test_a_stale_suggestion_is_not_listed_after_its_sentence_changed(sample_article, editor):
    services.suggestions_refresh(article=sample_article, actor=permissions.SYSTEM)
    services.suggestion_dismiss(suggestion=suggestion_with(sample_article, LISTENERS), actor=editor)
    services.article_update_text(
        article=sample_article,
        actor=editor,
        text=sample_article.text.replace("160,000", "170,000"),
    )
    client = Client()
    client.force_login(editor)
    body = client.get(f"/api/v1/articles/{sample_article.pk}/suggestions/").json()
    assert not any("160,000" in s["sentence"] for s in body["suggestions"])


# Retraining with the newsroom's labels


def _label_articles(settings, organization, editor, count=6):
    """Articles where the newsroom always claims a tax sentence and dismisses a crowd one."""
    settings.FACTCHECK_SPOTTING_MIN_STORED = 0.0  # store every sentence, to label them all
    for i in range(count):
        text = (
            f"Story {i} opens here.\n\n"
            f"The city council raised the parking tax by {i + 2} percent last spring.\n\n"
            f"Over {i + 3}0,000 fans attended the concert in the park on Sunday.\n\n"
            "Readers can share this story with friends."
        )
        article = factories.article(organization, editor, text=text, title=f"Story {i}")
        services.suggestions_refresh(article=article, actor=permissions.SYSTEM)
        for suggestion in article.suggestions.all():
            if "fans attended" in suggestion.sentence:
                services.suggestion_dismiss(suggestion=suggestion, actor=editor)
            elif "parking tax" in suggestion.sentence:
                services.suggestion_accept(suggestion=suggestion, actor=editor)


def test_newsroom_labels_change_the_ranking_of_labelled_sentences(organization, editor, settings):
    settings.FACTCHECK_SPOTTER_PUBLIC_LIMIT = 4
    _label_articles(settings, organization, editor)
    documents = spotting_newsroom.newsroom_documents(organization)
    assert len(documents) == 6
    assert sum(d.labels.count(1) for d in documents) == 6
    report = spotting_newsroom.retrain(organization, log=lambda message: None)
    assert report["labels"] == 12 and report["positives"] == 6
    assert report["after"]["held_out_map"] >= report["before"]["held_out_map"]
    row = SpotterModel.objects.get(organization=organization)
    assert row.report["after"] == report["after"]
    # The retrained model ranks the dismissed kind of sentence below the claimed kind.
    model = spotting_newsroom.trained_model(organization, log=lambda message: None)
    tax, crowd = model.score(
        [
            "The city council raised the parking tax by 9 percent last spring.",
            "Over 90,000 fans attended the concert in the park on Sunday.",
        ]
    )
    assert tax > crowd


def test_one_organizations_labels_never_train_anothers_model(organization, editor, settings):
    settings.FACTCHECK_SPOTTER_PUBLIC_LIMIT = 2
    _label_articles(settings, organization, editor, count=2)
    other = factories.OrganizationFactory()
    assert spotting_newsroom.newsroom_documents(other) == []
    report = spotting_newsroom.retrain(other, log=lambda message: None)
    assert report["labels"] == 0
    assert SpotterModel.objects.get(organization=other).state == SpotterModel.State.REJECTED
    settings.FACTCHECK_SPOTTER_SHARE_LABELS = True
    assert len(spotting_newsroom.newsroom_documents(other)) == 2


def test_a_kept_model_scores_only_its_own_organizations_articles(organization, editor, settings):
    settings.FACTCHECK_SPOTTER_PUBLIC_LIMIT = 2
    _label_articles(settings, organization, editor, count=3)
    row = SpotterModel.objects.create(organization=organization)
    model = spotting_newsroom.trained_model(organization, log=lambda message: None)
    spotting_newsroom.finish(row, SpotterModel.State.KEPT, {"message": "kept"}, model)
    article = factories.article(organization, editor, text=SAMPLE)
    services.suggestions_refresh(article=article, actor=permissions.SYSTEM)
    assert article.suggestions.first().model_version.startswith(f"org-{row.pk}:")
    other = factories.OrganizationFactory()
    other_editor = factories.member(other, Membership.Role.EDITOR)
    elsewhere = factories.article(other, other_editor, text=SAMPLE)
    services.suggestions_refresh(article=elsewhere, actor=permissions.SYSTEM)
    assert not elsewhere.suggestions.first().model_version.startswith("org-")


def test_only_an_admin_may_request_retraining(organization, editor, org_admin):
    with pytest.raises(PermissionDenied):
        services.spotter_train_request(organization=organization, actor=editor)
    row = services.spotter_train_request(organization=organization, actor=org_admin)
    assert row.state == SpotterModel.State.TRAINING
    assert Job.objects.filter(kind="spotter_train", subject_id=row.pk).exists()
    # A second request while one is running is refused and queues nothing.
    with pytest.raises(ValidationError) as refused:
        services.spotter_train_request(organization=organization, actor=org_admin)
    assert refused.value.code == "already_training"
    assert SpotterModel.objects.filter(organization=organization).count() == 1
    assert Job.objects.filter(kind="spotter_train").count() == 1


def test_a_training_that_died_without_a_word_does_not_block_the_next_one(
    organization, org_admin, settings
):
    # The command's process was killed mid-training: its row says "training" for ever.
    dead = services.spotter_train_request(organization=organization, actor=org_admin, queue=False)
    long_ago = timezone.now() - timedelta(seconds=settings.FACTCHECK_SPOTTER_TRAIN_TIME_LIMIT + 601)
    SpotterModel.objects.filter(pk=dead.pk).update(created_at=long_ago)

    row = services.spotter_train_request(organization=organization, actor=org_admin)

    dead.refresh_from_db()
    assert row.state == SpotterModel.State.TRAINING and row.pk != dead.pk
    assert dead.state == SpotterModel.State.FAILED and dead.finished_at is not None
    assert "stopped without finishing" in dead.report["message"]
    # One queued as a job, however long it waits for a worker, is not taken for dead.
    SpotterModel.objects.filter(pk=row.pk).update(created_at=long_ago)
    with pytest.raises(ValidationError):
        services.spotter_train_request(organization=organization, actor=org_admin)


def test_a_command_training_whose_process_died_frees_the_next_at_once_and_records_nothing(
    organization, org_admin
):
    import subprocess
    import sys

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait(30)
    dead = services.spotter_train_request(organization=organization, actor=org_admin, queue=False)
    assert dead.report["worker"] == jobs.this_worker()
    SpotterModel.objects.filter(pk=dead.pk).update(report={"worker": jobs.worker_of(ended.pid)})

    row = services.spotter_train_request(organization=organization, actor=org_admin)

    assert row.state == SpotterModel.State.TRAINING
    assert SpotterModel.objects.get(pk=dead.pk).state == SpotterModel.State.FAILED
    # Had it been alive after all, its late outcome does not overwrite that record.
    late = services.spotter_train_finish(
        row=dead, actor=permissions.SYSTEM, state=SpotterModel.State.KEPT,
        report={"message": "Kept"}, model_file=b"not a model",
    )  # fmt: skip
    assert late.state == SpotterModel.State.FAILED and not late.is_active
    assert not late.model_file


def test_the_spotter_settings_page_starts_a_retraining_and_shows_reports(
    organization, editor, org_admin
):
    client = Client()
    url = f"/settings/organizations/{organization.slug}/spotter/"
    client.force_login(editor)
    assert client.get(url).status_code == 403
    client.force_login(org_admin)
    page = client.get(url)
    assert page.status_code == 200 and b"Retrain with our labels" in page.content
    response = client.post(url)
    assert response.status_code == 302
    row = SpotterModel.objects.get(organization=organization)
    assert Job.objects.filter(kind="spotter_train", subject_id=row.pk).exists()
    row.state, row.report = (
        SpotterModel.State.REJECTED,
        {
            "message": "Not kept: the new model ranked worse on the public test set",
            "before": {"held_out_map": 0.5, "test_map": 0.151},
            "after": {"held_out_map": 0.75, "test_map": 0.149},
            "labels": 12,
            "labelled_articles": 6,
        },
    )
    row.save()
    page = client.get(url).content.decode()
    assert "0.5 → 0.75" in page and "0.151 → 0.149" in page and "Not kept" in page


def _spotter_url(organization, status=False) -> str:
    return f"/settings/organizations/{organization.slug}/spotter/" + ("status/" if status else "")


def test_a_second_retrain_click_while_one_trains_queues_nothing_and_says_why(
    organization, org_admin
):
    client = Client()
    client.force_login(org_admin)
    client.post(_spotter_url(organization), follow=True)
    page = client.post(_spotter_url(organization), follow=True).content.decode()
    assert "A retraining is already running" in page
    assert "Retraining started" not in page
    assert SpotterModel.objects.filter(organization=organization).count() == 1
    assert Job.objects.filter(kind="spotter_train").count() == 1
    # While it trains, the button is disabled and the page says it waits for a worker.
    assert 'id="retrain" aria-describedby="retrain-status" disabled' in page
    assert "Waiting for a worker" in page


def test_the_command_does_not_retrain_while_a_retraining_from_the_page_runs(
    organization, org_admin
):
    services.spotter_train_request(organization=organization, actor=org_admin)

    with pytest.raises(CommandError, match="A retraining is already running"):
        call_command("train_spotter", "--with-newsroom-labels", "--organization", organization.slug)
    assert SpotterModel.objects.filter(organization=organization).count() == 1


def test_the_status_endpoint_follows_a_run_from_queued_to_its_report_for_admins_only(
    organization, editor, org_admin, settings
):
    settings.FACTCHECK_SPOTTER_PUBLIC_LIMIT = 2
    _label_articles(settings, organization, editor, count=3)
    client = Client()
    client.force_login(editor)
    assert client.get(_spotter_url(organization, status=True)).status_code == 403
    client.force_login(org_admin)
    assert client.get(_spotter_url(organization, status=True)).json() == {
        "training": False,
        "run": None,
    }
    row = services.spotter_train_request(organization=organization, actor=org_admin)
    body = client.get(_spotter_url(organization, status=True)).json()
    assert body["training"] and body["run"]["id"] == row.pk
    assert body["run"]["status"].startswith("Waiting for a worker")
    job = Job.objects.get(kind="spotter_train", subject_id=row.pk)
    assert jobs.run("spotter_train", job.pk) == Job.State.DONE  # as the worker would
    body = client.get(_spotter_url(organization, status=True)).json()
    row.refresh_from_db()
    assert body["training"] is False
    assert body["run"]["outcome"] in ("Kept, in use", "Not kept")
    assert body["run"]["message"] == row.report["message"]
    test_figure = body["run"]["figures"][1]
    assert (test_figure["before"], test_figure["after"]) == (
        row.report["before"]["test_map"],
        row.report["after"]["test_map"],
    )
    assert test_figure["change"] in ("better", "worse", "unchanged")
    assert any("3 articles" in line for line in body["run"]["details"])


def test_a_training_whose_worker_died_shows_why_it_failed_and_allows_another(
    organization, org_admin
):
    client = Client()
    client.force_login(org_admin)
    client.post(_spotter_url(organization))
    row = SpotterModel.objects.get(organization=organization)
    # Claimed by a worker that then vanished: past its hard time limit and the grace.
    Job.objects.filter(kind="spotter_train", subject_id=row.pk).update(
        state=Job.State.RUNNING, attempts=1, started_at=timezone.now() - timedelta(days=1)
    )
    assert jobs.sweep().failed == 1
    row.refresh_from_db()
    assert row.state == SpotterModel.State.FAILED and row.finished_at is not None
    page = client.get(_spotter_url(organization)).content.decode()
    assert "Latest, " in page and ": Failed</h3>" in page
    assert "did not finish (its worker stopped, or it ran past its time limit)" in page
    assert "gave up after 1 attempt:" in page  # not "1 attempts"
    assert "The model in use did not change." in page
    assert 'id="retrain" aria-describedby="retrain-status">' in page  # enabled again
    client.post(_spotter_url(organization))
    assert SpotterModel.objects.filter(state=SpotterModel.State.TRAINING).count() == 1


def test_held_out_articles_with_only_claims_are_reported_as_not_measured(
    organization, editor, settings
):
    settings.FACTCHECK_SPOTTER_PUBLIC_LIMIT = 2
    for i in range(3):
        text = f"Story {i} opens here.\n\nThe parking tax rose by {i + 2} percent last spring."
        article = factories.article(organization, editor, text=text, title=f"Story {i}")
        services.claim_create(
            article=article,
            creator=editor,
            selectors=[{"type": "TextQuoteSelector", "exact": "The parking tax rose"}],
        )
    report = spotting_newsroom.retrain(organization, log=lambda message: None)
    # Only positives rank perfectly whatever the model: no figure rather than a false 1.0.
    assert report["before"]["held_out_map"] is None and report["after"]["held_out_map"] is None
    assert "Not measured" in report["held_out_note"]


@pytest.mark.django_db
def test_the_demo_gives_its_admin_claims_and_dismissals_to_retrain_with():
    call_command("load_demo", verbosity=0)
    organization = Organization.objects.get(slug="demo-fact-desk")
    documents = spotting_newsroom.newsroom_documents(organization)
    labelled = [label for d in documents for label, w in zip(d.labels, d.weights, strict=True) if w]
    assert labelled.count(1) >= 4 and labelled.count(0) >= 2
    call_command("load_demo", verbosity=0)
    assert Suggestion.objects.filter(state=Suggestion.State.DISMISSED).count() == labelled.count(0)


def test_a_german_articles_labels_meet_its_sentences_as_they_were_scored(
    organization, editor, settings
):
    settings.FACTCHECK_SPOTTING_MIN_STORED = 0.0
    text = "Die Stadt gab im Jahr 2024 rund 3 Mio. Euro für Schulen aus. Das war mehr als je zuvor."
    article = services.article_create(
        organization=organization, title="Schulen", text=text, created_by=editor, language="de"
    )
    services.suggestions_refresh(article=article, actor=permissions.SYSTEM)
    # In German "Mio." does not end the sentence (in English it would).
    spending = suggestion_with(article, "3 Mio. Euro")
    assert spending.sentence.endswith("für Schulen aus.")
    services.suggestion_dismiss(suggestion=spending, actor=editor)

    [document] = spotting_newsroom.newsroom_documents(organization)

    labelled = [s for s, w in zip(document.sentences, document.weights, strict=True) if w]
    assert labelled == [spending.sentence]


def test_a_repeated_sentences_other_row_is_not_moved_onto_the_copy_already_claimed(
    organization, editor, settings
):
    settings.FACTCHECK_SPOTTING_MIN_STORED = 0.0
    said = "Over 160,000 people listened in at once."
    text = f"{said}\n\nThe host thanked them.\n\n{said}"
    article = services.article_create(
        organization=organization, title="Twice", text=text, created_by=editor
    )
    services.suggestions_refresh(article=article, actor=permissions.SYSTEM)
    first, second = article.suggestions.filter(sentence=said).order_by("start")
    claim = services.suggestion_accept(suggestion=first, actor=editor)
    # The second copy is cut; the text is not scored again yet.
    services.article_update_text(article=article, actor=editor, text=text.rsplit("\n\n", 1)[0])
    client = Client()
    client.force_login(editor)

    listed = client.get(f"/api/v1/articles/{article.pk}/suggestions/").json()["suggestions"]
    answer = client.post(
        f"/api/v1/articles/{article.pk}/suggestions/{second.pk}/",
        {"action": "accept"},
        "application/json",
    )

    assert [row["id"] for row in listed if row["sentence"] == said] == [first.pk]
    assert answer.status_code == 409
    assert list(Claim.objects.filter(article=article)) == [claim]


def test_an_article_still_importing_has_suggestions_pending_not_none(editor, organization):
    """The panel said "No sentence looks check-worthy enough to suggest" while the text was
    still being imported, before anything had been judged."""
    importing = services.article_import_url(
        organization=organization, requested_by=editor, url="https://news.example/slow"
    )
    client = Client()
    client.force_login(editor)
    body = client.get(f"/api/v1/articles/{importing.pk}/suggestions/").json()
    assert (body["importing"], body["pending"], body["suggestions"]) == (True, True, [])


def test_a_scoring_job_no_worker_has_started_is_reported_as_waiting_for_one(sample_article, editor):
    """With the workers down the panel said "Finding check-worthy sentences…" for two
    minutes; a job sent and not started soon says no worker has taken it."""
    client = Client()
    client.force_login(editor)
    url = f"/api/v1/articles/{sample_article.pk}/suggestions/"
    job = Job.objects.get(kind="spot", subject_id=sample_article.pk)

    def waiting():
        body = client.get(url).json()
        assert body["pending"] is True
        return body["waiting_for_worker"]

    assert waiting() is False  # just sent: a worker has had no time yet
    long_ago = timezone.now() - timedelta(seconds=60)
    Job.objects.filter(pk=job.pk).update(created_at=long_ago, sent_at=long_ago)
    assert waiting() is True
    # Started by a worker, or waiting out a retry delay: not "no worker".
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
    assert waiting() is False
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, run_after=timezone.now())
    assert waiting() is False
    Job.objects.filter(pk=job.pk).update(run_after=None)
    assert run_spot_jobs(sample_article) == ["done"]
    body = client.get(url).json()
    assert (body["pending"], body["waiting_for_worker"]) == (False, False)
