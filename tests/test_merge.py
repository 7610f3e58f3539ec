"""Saving a claim merges what others changed since it was opened; only one field conflicts."""

import datetime as dt
import http.client
import json
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from annotations import history, services
from annotations.models import Claim, ClaimEvent, Membership, Rating
from tests import factories

QUOTE = "Over 160,000 people listened in at once"


@pytest.fixture
def claim(article, editor):
    return services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )


def _url(claim) -> str:
    return f"/api/v1/newsroom/claims/{claim.pk}/"


def _patch(client, claim, version, **fields):
    return client.patch(
        _url(claim), fields, content_type="application/json", headers={"If-Match": f'"{version}"'}
    )


def test_every_event_records_the_version_it_brought_the_claim_to(claim, editor, reviewer):
    services.claim_update(claim=claim, actor=editor, expected_version=1, claimant="PTI")
    services.source_add(claim=claim, actor=editor, url="https://example.org/a", expected_version=2)
    services.claim_transition(claim=claim, actor=editor, to_status="in_review", expected_version=3)

    events = list(ClaimEvent.objects.filter(claim=claim).order_by("id"))
    assert [event.version for event in events] == [1, 2, 3, 4]
    assert Claim.objects.get(pk=claim.pk).version == 4


def test_a_change_to_other_fields_since_opening_is_merged_and_reported(
    client, claim, editor, reviewer
):
    services.claim_update(claim=claim, actor=reviewer, expected_version=1, claimant="PTI")
    client.force_login(editor)

    response = _patch(client, claim, 1, tags=["record"])

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["claimant"], body["tags"], body["version"]) == ("PTI", ["record"], 3)
    assert body["merged_fields"] == ["claimant"]
    assert body["merged_by"] == [reviewer.get_username()]
    assert response["ETag"] == '"3"'


def test_a_merge_with_the_editors_own_other_window_names_them(client, claim, editor, reviewer):
    """Who made the merged changes is said: the card tells "your other window" apart from
    another member; fields the save itself changed name nobody."""
    services.claim_update(claim=claim, actor=editor, expected_version=1, claimant="PTI")
    services.claim_update(claim=claim, actor=reviewer, expected_version=2, tags=["a"])
    client.force_login(editor)

    theirs_only = _patch(client, claim, 2, conclusion="Checked.").json()
    both = _patch(client, claim, 1, claim_date="2021-07-03").json()

    assert theirs_only["merged_fields"] == ["tags"]
    assert theirs_only["merged_by"] == [reviewer.get_username()]
    assert sorted(both["merged_fields"]) == ["claimant", "conclusion", "tags"]
    assert both["merged_by"] == sorted([editor.get_username(), reviewer.get_username()])


def test_a_source_added_by_someone_else_does_not_refuse_a_tag_edit(client, claim, editor, reviewer):
    services.source_add(
        claim=claim, actor=reviewer, url="https://example.org/a", expected_version=1
    )
    client.force_login(editor)

    response = _patch(client, claim, 1, tags=["x"])

    assert response.status_code == 200
    assert response.json()["merged_fields"] == ["sources"]
    assert len(response.json()["sources"]) == 1


def test_the_same_field_changed_to_another_value_is_a_409_naming_the_field(
    client, claim, editor, reviewer
):
    services.claim_update(claim=claim, actor=reviewer, expected_version=1, claimant="PTI")
    client.force_login(editor)

    response = _patch(client, claim, 1, claimant="Reuters", tags=["kept?"])

    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "/api/v1/problems/edit-conflict/"
    assert body["current_version"] == 2 and response["ETag"] == '"2"'
    assert body["changed_by"] == "rita" and isinstance(body["changed_by"], str)
    [conflict] = body["conflicts"]
    assert conflict["field"] == "claimant" and conflict["label"] == "Claimant"
    assert (conflict["base"], conflict["yours"], conflict["theirs"]) == ("", "Reuters", "PTI")
    assert conflict["theirs_by"] == "rita"
    # The API's one time format: UTC, six digits of fraction (review R23).
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", conflict["theirs_at"])
    history = client.get(_url(claim)).json()["history"]
    assert history and all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", entry["at"]) for entry in history
    )
    assert "claimant" in body["detail"]
    # Nothing saved, not even the tags that did not conflict.
    claim.refresh_from_db()
    assert (claim.claimant, claim.tags, claim.version) == ("PTI", [], 2)


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"claimant": "Reuters"}, "The claimant of this claim was also changed"),
        ({"tags": ["mine"]}, "The tags of this claim were also changed"),
        ({"claimant": "Reuters", "tags": ["mine"]}, "The claimant and tags of this claim were"),
    ],
)
def test_a_conflicts_message_agrees_with_what_it_names(
    client, claim, editor, reviewer, fields, said
):
    services.claim_update(
        claim=claim, actor=reviewer, expected_version=1, claimant="PTI", tags=["theirs"]
    )
    client.force_login(editor)
    response = _patch(client, claim, 1, **fields)
    assert response.status_code == 409
    assert response.json()["detail"].startswith(said), response.json()["detail"]


def test_resolving_a_conflict_saves_with_the_current_version(client, claim, editor, reviewer):
    services.claim_update(claim=claim, actor=reviewer, expected_version=1, claimant="PTI")
    client.force_login(editor)
    conflict = _patch(client, claim, 1, claimant="Reuters").json()

    response = _patch(client, claim, conflict["current_version"], claimant="Reuters")

    assert response.status_code == 200
    assert response.json()["claimant"] == "Reuters"


def test_the_same_value_reached_by_both_is_no_conflict(client, claim, editor, reviewer):
    services.claim_update(claim=claim, actor=reviewer, expected_version=1, claimant="PTI")
    client.force_login(editor)

    response = _patch(client, claim, 1, claimant="PTI", tags=["a"])

    assert response.status_code == 200
    assert response.json()["tags"] == ["a"] and response.json()["version"] == 3


def test_a_rating_conflict_shows_labels_not_ids(client, claim, editor, reviewer, organization):
    true, false = (
        Rating.objects.get(scale__organization=organization, label=label)
        for label in ("True", "False")
    )
    services.claim_update(claim=claim, actor=reviewer, expected_version=1, rating=true)
    client.force_login(editor)

    body = _patch(client, claim, 1, rating=false.pk).json()

    [conflict] = body["conflicts"]
    assert (conflict["label"], conflict["base"], conflict["yours"], conflict["theirs"]) == (
        "Rating",
        None,
        "False",
        "True",
    )


def test_a_version_from_the_future_is_refused_as_stale(client, claim, editor):
    client.force_login(editor)
    response = _patch(client, claim, 9, claimant="X")
    assert response.status_code == 412


def test_source_edits_conflict_only_on_the_same_source_field(claim, editor, reviewer):
    first = services.source_add(claim=claim, actor=editor, url="https://example.org/a")
    second = services.source_add(claim=claim, actor=editor, url="https://example.org/b")
    opened = Claim.objects.get(pk=claim.pk).version
    services.source_update(source=first, actor=reviewer, expected_version=opened, title="One")

    services.source_update(source=second, actor=editor, expected_version=opened, title="Two")
    services.source_update(source=first, actor=editor, expected_version=opened, quote="Q")
    with pytest.raises(services.StaleVersion):
        services.source_update(source=first, actor=editor, expected_version=opened, title="Uno")

    first.refresh_from_db()
    assert (first.title, first.quote) == ("One", "Q")


def test_source_edit_and_removal_through_the_api_are_in_the_history(client, claim, editor):
    source = services.source_add(claim=claim, actor=editor, url="https://example.org/a")
    client.force_login(editor)
    url = f"{_url(claim)}sources/{source.pk}/"

    edited = client.patch(
        url,
        {"title": "The record", "stance": "supports"},
        content_type="application/json",
        headers={"If-Match": '"2"'},
    )
    removed = client.delete(url, headers={"If-Match": '"3"'})

    assert edited.status_code == 200 and removed.status_code == 200
    assert removed.json()["sources"] == []
    sentences = [entry["sentence"] for entry in removed.json()["history"]]
    assert sentences[0].startswith("Source removed: https://example.org/a by eddie, ")
    assert sentences[1].startswith(
        "Source changed: title set to The record; stance changed from context to supports"
    )


# Concurrency: many editors saving at once, on a live server, each with its own thread.

FIELDS = ("claimant", "claim_reviewed", "conclusion", "tags", "claim_date", "rating", "assignee")


def _value(field: str, index: int, ratings: list[int], members: list[int]):
    return {
        "claimant": f"claimant {index}",
        "claim_reviewed": f"Wording {index}",
        "conclusion": f"Conclusion {index}",
        "tags": [f"tag-{index}"],
        "claim_date": (dt.date(2026, 1, 1) + dt.timedelta(days=index)).isoformat(),
        "rating": ratings[index % len(ratings)],
        "assignee": members[index % len(members)],
    }[field]


def _hammer(live_server, session_id, claim_id, bodies: list[dict]) -> list[tuple[int, dict]]:
    """PATCH the claim with each body at once, all opened at version 1: (status, body) each."""
    csrf = "a" * 32
    barrier = threading.Barrier(len(bodies))

    def patch(body: dict) -> tuple[int, dict]:
        connection = http.client.HTTPConnection(
            live_server.thread.host, live_server.thread.port, timeout=120
        )
        headers = {
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session_id}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "If-Match": '"1"',
        }
        connection.connect()
        barrier.wait(timeout=60)
        path = f"/api/v1/newsroom/claims/{claim_id}/"
        connection.request("PATCH", path, json.dumps(body), headers)
        response = connection.getresponse()
        answer = (response.status, json.loads(response.read() or b"null"))
        connection.close()
        return answer

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(patch, bodies))


def _display(field, value, claim):
    if field == "rating":
        return claim.rating_id == value
    if field == "assignee":
        return claim.assignee_id == value
    if field == "claim_date":
        return claim.claim_date.isoformat() == value
    return getattr(claim, field) == value


@pytest.mark.django_db(transaction=True)
def test_hundred_concurrent_saves_to_seven_fields_keep_one_per_field_and_merge_them_all(
    client, live_server, editor, article, organization
):
    """Each field's first save wins and the winners of other fields merge into it; every
    other save of a field to another value is a 409 naming that field; nothing is lost."""
    client.force_login(editor)
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    ratings = list(
        Rating.objects.filter(scale__organization=organization).values_list("pk", flat=True)
    )
    members = [factories.member(organization, Membership.Role.EDITOR).pk for _ in range(15)]
    bodies = [
        {FIELDS[index % len(FIELDS)]: _value(FIELDS[index % len(FIELDS)], index, ratings, members)}
        for index in range(100)
    ]

    answers = _hammer(live_server, client.cookies["sessionid"].value, claim.pk, bodies)

    assert set(status for status, _ in answers) == {200, 409}, [
        body for status, body in answers if status not in (200, 409)
    ][:3]
    claim.refresh_from_db()
    saved = set()
    for body, (status, answer) in zip(bodies, answers, strict=True):
        [(field, value)] = body.items()
        if status == 200:
            # Only a save of the value that won (a rating picked twice) is no conflict.
            assert _display(field, value, claim), field
            saved.add(field)
        else:
            assert not _display(field, value, claim), field
            assert [conflict["field"] for conflict in answer["conflicts"]] == [field]
            assert answer["type"] == "/api/v1/problems/edit-conflict/"
    assert saved == set(FIELDS)
    # One change per field, each recorded once: no lost or doubled update.
    assert claim.version == 1 + len(FIELDS)
    assert claim.events.filter(action="updated").count() == len(FIELDS)
    assert sum(status == 409 for status, _ in answers) >= 100 - len(FIELDS) - 100 // len(ratings)


@pytest.mark.django_db(transaction=True)
def test_hundred_concurrent_saves_to_one_field_keep_exactly_the_first_and_name_the_field(
    client, live_server, editor, article
):
    client.force_login(editor)
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    bodies = [{"conclusion": f"Conclusion number {index}"} for index in range(100)]

    answers = _hammer(live_server, client.cookies["sessionid"].value, claim.pk, bodies)

    assert Counter(status for status, _ in answers) == {200: 1, 409: 99}
    [winner] = [answer for status, answer in answers if status == 200]
    claim.refresh_from_db()
    assert (claim.version, claim.conclusion) == (2, winner["conclusion"])
    for status, answer in answers:
        if status == 409:
            [conflict] = answer["conflicts"]
            assert conflict["field"] == "conclusion"
            assert conflict["theirs"] == winner["conclusion"]
            assert conflict["yours"] != winner["conclusion"]
            assert answer["current_version"] == 2


def test_a_long_conclusions_conflict_still_shows_the_text_both_started_from(
    client, claim, editor, reviewer
):
    base = "The census of 2023 puts the median age at 22.8 years. " * 12
    services.claim_update(claim=claim, actor=editor, expected_version=1, conclusion=base)
    # Someone else edits it twice, the second time inside a long text kept only as a summary.
    services.claim_update(
        claim=claim, actor=reviewer, expected_version=2, conclusion=base + "Checked twice."
    )
    services.claim_update(
        claim=claim,
        actor=reviewer,
        expected_version=3,
        conclusion=base.replace("2023", "2022", 1) + "Checked twice.",
    )
    client.force_login(editor)

    body = _patch(client, claim, 2, conclusion=base + "My own ending.").json()

    [conflict] = body["conflicts"]
    assert len(base) > history.LONG_TEXT
    assert conflict["base"] == base
    assert conflict["theirs"] == base.replace("2023", "2022", 1) + "Checked twice."


def test_a_conflict_base_is_null_when_history_cut_the_change_short(client, claim, editor, reviewer):
    services.claim_update(claim=claim, actor=editor, expected_version=1, conclusion="a" * 400)
    services.claim_update(claim=claim, actor=reviewer, expected_version=2, conclusion="b" * 400)
    client.force_login(editor)

    body = _patch(client, claim, 2, conclusion="c" * 400).json()

    assert body["conflicts"][0]["base"] is None


def test_a_change_to_a_claim_published_since_it_was_opened_asks_before_reopening_it(
    client, article, editor, reviewer
):
    """The editor typed on a claim in review; the reviewer published it meanwhile. Saving
    used to reopen that publication as a correction without asking."""
    claim = factories.published_claim(article, editor, reviewer)
    services.claim_update(
        claim=Claim.objects.get(pk=claim.pk), actor=editor, expected_version=None,
        conclusion="Rechecked.",
    )  # fmt: skip
    claim = Claim.objects.get(pk=claim.pk)
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    opened = Claim.objects.get(pk=claim.pk).version
    services.claim_transition(
        claim=Claim.objects.get(pk=claim.pk), actor=reviewer, to_status="published", note="x"
    )
    client.force_login(editor)

    asked = _patch(client, claim, opened, claimant="PTI")

    assert asked.status_code == 409
    body = asked.json()
    assert body["type"] == "/api/v1/problems/published-meanwhile/"
    assert body["changed_by"] == "rita" and "rita published this claim" in body["detail"]
    assert body["conflicts"] == []
    assert body["current"]["status"] == "published" and asked["ETag"] == f'"{opened + 1}"'
    assert Claim.objects.get(pk=claim.pk).claimant == ""
    assert client.get("/api/v1/problems/published-meanwhile/").status_code == 200
    # A change readers do not see (the assignee) is merged as before, without asking.
    kept = _patch(client, claim, opened, assignee=editor.pk)
    assert kept.status_code == 200
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PUBLISHED
    # Sent again on the version now, it is saved as a correction.
    saved = _patch(client, claim, body["current_version"] + 1, claimant="PTI")
    assert saved.status_code == 200
    claim.refresh_from_db()
    assert (claim.claimant, claim.status) == ("PTI", Claim.Status.DRAFT)
