"""The service layer: every write, its permission checks, history and workflow rules."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from annotations import anchoring, lookalikes, services
from annotations.models import Claim, Membership, Rating
from tests import factories

QUOTE = "Over 160,000 people listened in at once"


def _claim(article, editor, quote=QUOTE):
    return services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, quote)
    )


def _publishable(claim, editor):
    services.source_add(
        claim=claim, actor=editor, url="https://example.org/record", stance="supports"
    )
    rating = Rating.objects.get(scale__organization=claim.article.organization, label="Mostly true")
    claim.refresh_from_db()
    claim = services.claim_update(
        claim=claim, actor=editor, expected_version=claim.version, rating=rating,
        conclusion="Roughly **164,000** listeners were reported.",
    )  # fmt: skip
    return services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)


def test_article_text_is_made_canonical_and_kept_as_revision_one(organization, editor):
    article = factories.article(
        organization, editor, text="  First line\r\nstill first\r\n\r\n\r\nSecond  "
    )
    assert article.text == "First line still first\n\nSecond"
    assert list(article.revisions.values_list("number", "text")) == [(1, article.text)]


def test_article_without_text_is_refused(organization, editor):
    with pytest.raises(ValidationError, match="no text"):
        factories.article(organization, editor, text=" \n\n ")


def test_claim_create_stores_the_selection_the_text_holds(article, editor):
    claim = _claim(article, editor)
    assert article.text[claim.start : claim.end] == claim.exact == QUOTE
    assert claim.claim_reviewed == QUOTE
    assert claim.revision.number == 1
    assert claim.events.get().action == "created"


def test_claim_whose_quote_does_not_match_the_text_is_refused(article, editor):
    selectors = factories.quote_selectors(article.text, QUOTE)
    selectors[0]["exact"] = "Over 150,000 people listened in at once"
    with pytest.raises(anchoring.AnchorError):
        services.claim_create(article=article, creator=editor, selectors=selectors)
    assert not Claim.objects.exists()


def test_a_selection_made_on_an_older_copy_of_the_article_lands_on_its_words_in_the_new_text(
    article, editor
):
    stale = type(article).objects.get(pk=article.pk)
    selectors = factories.quote_selectors(stale.text, QUOTE)
    added = "A paragraph added at the top.\n\n"
    services.article_update_text(article=article, text=added + article.text, actor=editor)

    claim = services.claim_create(article=stale, creator=editor, selectors=selectors)

    assert (claim.exact, claim.revision.number) == (QUOTE, 2)
    assert claim.start == selectors[1]["start"] + len(added)


def test_reviewer_of_another_organization_cannot_create_claims(article):
    other = factories.OrganizationFactory()
    outsider = factories.member(other, Membership.Role.ADMIN)
    with pytest.raises(PermissionDenied):
        _claim(article, outsider)


def test_stale_version_is_refused_and_names_who_changed_it(article, editor, reviewer):
    claim = _claim(article, editor)
    opened_version = claim.version
    services.claim_update(
        claim=claim, actor=reviewer, expected_version=opened_version, claimant="A"
    )
    with pytest.raises(services.StaleVersion, match="changed by rita"):
        services.claim_update(
            claim=claim, actor=editor, expected_version=opened_version, claimant="B"
        )
    claim.refresh_from_db()
    assert claim.claimant == "A"


def test_every_change_is_recorded_with_who_and_what(article, editor):
    claim = _claim(article, editor)
    rating = Rating.objects.get(scale__organization=article.organization, label="False")
    services.claim_update(claim=claim, actor=editor, expected_version=claim.version, rating=rating)
    event = claim.events.order_by("-id").first()
    assert event.actor == editor
    assert event.changes == {"rating": [None, "False"]}


def test_publishing_needs_rating_conclusion_and_source(article, editor, reviewer):
    claim = _claim(article, editor)
    claim = services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    with pytest.raises(ValidationError, match="a rating, a conclusion and at least one source"):
        services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)


def test_editor_cannot_publish(article, editor):
    claim = _publishable(_claim(article, editor), editor)
    with pytest.raises(PermissionDenied):
        services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.PUBLISHED)


def test_reviewer_cannot_publish_own_claim_when_two_people_are_required(article, reviewer):
    claim = _publishable(_claim(article, reviewer), reviewer)
    with pytest.raises(PermissionDenied, match="Another member"):
        services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)


def test_reviewer_publishes_and_is_recorded(article, editor, reviewer):
    claim = _publishable(_claim(article, editor), editor)
    claim = services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    assert claim.status == Claim.Status.PUBLISHED
    assert claim.reviewer == reviewer
    assert claim.published_at is not None
    assert claim.events.filter(action="status").count() == 2


def test_retraction_needs_a_public_note(article, editor, reviewer):
    claim = _publishable(_claim(article, editor), editor)
    claim = services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    with pytest.raises(ValidationError, match="correction note"):
        services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.RETRACTED)
    claim = services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.RETRACTED, note="Figure was wrong."
    )
    assert claim.correction_note == "Figure was wrong."


def test_draft_cannot_jump_to_published(article, editor, reviewer):
    claim = _claim(article, editor)
    with pytest.raises(ValidationError) as refused:
        services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    assert refused.value.messages == ["This claim is draft: it cannot become published."]


def test_a_move_to_the_status_a_claim_has_says_it_has_it(article, editor):
    """It read "A in review claim cannot become in review."."""
    claim = _claim(article, editor)
    claim = services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    with pytest.raises(ValidationError) as refused:
        services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    assert refused.value.messages == ["This claim is in review already."]


def test_changing_a_published_verdict_edits_a_draft_and_leaves_the_published_version(
    article, editor, reviewer
):
    claim = _publishable(_claim(article, editor), editor)
    claim = services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    false = Rating.objects.get(scale__organization=article.organization, label="False")
    claim = services.claim_update(
        claim=claim, actor=editor, expected_version=claim.version, rating=false
    )
    assert claim.status == Claim.Status.DRAFT
    version = claim.published_versions.get()
    assert version.is_current and version.rating.label == "Mostly true"


def test_assigning_a_published_claim_is_not_a_public_change(article, editor, reviewer):
    claim = _publishable(_claim(article, editor), editor)
    claim = services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    claim = services.claim_update(
        claim=claim, actor=editor, expected_version=claim.version, assignee=reviewer
    )
    assert claim.status == Claim.Status.PUBLISHED


def test_rating_from_another_organizations_scale_is_refused(article, editor):
    claim = _claim(article, editor)
    other = factories.OrganizationFactory()
    foreign = Rating.objects.filter(scale__organization=other).first()
    with pytest.raises(ValidationError, match="Not a rating of this organization"):
        services.claim_update(claim=claim, actor=editor, expected_version=None, rating=foreign)


def test_only_admins_change_roles(organization, editor, org_admin):
    member = factories.member(organization, "editor")
    with pytest.raises(PermissionDenied):
        services.membership_set(organization=organization, user=member, role="admin", actor=editor)
    membership = services.membership_set(
        organization=organization, user=member, role="reviewer", actor=org_admin
    )
    assert membership.role == "reviewer"


def test_an_admin_adds_nobody_directly_new_members_come_by_invitation(organization, org_admin):
    newcomer = factories.UserFactory()
    with pytest.raises(PermissionDenied, match="accepting an invitation"):
        services.membership_set(
            organization=organization, user=newcomer, role="editor", actor=org_admin
        )
    assert not organization.memberships.filter(user=newcomer).exists()


def test_source_changes_by_outsiders_are_refused(article, editor):
    claim = _claim(article, editor)
    source = services.source_add(claim=claim, actor=editor, url="https://example.org/a")
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.source_update(source=source, actor=outsider, stance="refutes")
    with pytest.raises(PermissionDenied):
        services.source_remove(source=source, actor=outsider)
    with pytest.raises(PermissionDenied):
        services.claim_delete(claim=claim, actor=outsider)
    source.refresh_from_db()
    assert source.stance == "context"


def test_the_same_citation_sent_twice_is_refused_but_another_passage_of_it_is_not(article, editor):
    from annotations.models import Job

    claim = _claim(article, editor)
    services.source_add(claim=claim, actor=editor, url="https://example.org/report", quote="p. 4")
    with pytest.raises(ValidationError) as refused:
        services.source_add(
            claim=claim, actor=editor, url="https://EXAMPLE.org/report#top", quote=" p. 4 "
        )
    assert "already cites this address" in str(refused.value)
    assert claim.sources.count() == 1
    assert Job.objects.filter(kind="snapshot").count() == 1  # fetched and archived once
    # The same report, another passage: a second citation.
    services.source_add(claim=claim, actor=editor, url="https://example.org/report", quote="p. 9")
    assert claim.sources.count() == 2
    # Nor is another citation changed into the first one (review R11).
    other = claim.sources.get(quote="p. 9")
    with pytest.raises(ValidationError, match="already cites this address"):
        services.source_update(source=other, actor=editor, quote="p. 4")
    assert claim.sources.get(pk=other.pk).quote == "p. 9"
    # A source saved with its own address and passage is no copy of itself.
    services.source_update(source=other, actor=editor, url="https://example.org/report#p9")


def test_pointing_a_source_at_another_address_fetches_the_new_page_and_forgets_the_old(
    article, editor
):
    from annotations.models import Job, Source

    claim = _claim(article, editor)
    source = services.source_add(claim=claim, actor=editor, url="https://example.org/old")
    # The worker fetched the old page (what it learnt, as it stores it).
    Source.objects.filter(pk=source.pk).update(
        fetch_state=Source.FetchState.FETCHED,
        final_url="https://example.org/old",
        extracted_text="The old page says 44,000.",
        http_status=200,
    )
    source.refresh_from_db()

    services.source_update(source=source, actor=editor, url="https://example.org/new")

    source.refresh_from_db()
    assert (source.fetch_state, source.final_url, source.extracted_text, source.http_status) == (
        Source.FetchState.PENDING,
        "",
        "",
        None,
    )
    assert Job.objects.filter(kind="snapshot", subject_id=source.pk).count() == 2
    # A change of title alone fetches nothing again.
    services.source_update(source=source, actor=editor, title="The new report")
    assert Job.objects.filter(kind="snapshot", subject_id=source.pk).count() == 2


def test_the_old_pages_snapshot_no_longer_speaks_for_a_source_pointed_elsewhere(article, editor):
    import datetime as dt

    from annotations.evidence.providers.base import source_text
    from annotations.evidence.snapshots import Extraction
    from annotations.models import EvidenceItem, Snapshot, Source
    from annotations.permissions import SYSTEM
    from annotations.services.snapshots import snapshot_extracted
    from annotations.urlnorm import url_key

    claim = _claim(article, editor)
    source = services.source_add(claim=claim, actor=editor, url="https://example.org/old")
    old = Snapshot.objects.create(
        source=source, fetched_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        requested_url=source.url, final_url=source.url, http_status=200, sha256="0" * 64,
        warc="snapshots/old.warc.gz", text="The old page says 44,000.",
        title="Ministry bulletin", publisher="Ministry A",
    )  # fmt: skip
    # As the fetch filled them in, with the passage the evidence search read from the page
    # and the search result the source was added from.
    Source.objects.filter(pk=source.pk).update(title="Ministry bulletin", publisher="Ministry A")
    passage = EvidenceItem.objects.create(
        claim=claim, provider="sources", url=source.url, url_key=url_key(source.url),
        source=source,
        passage="The old page says 44,000.", state=EvidenceItem.State.ADDED,
    )  # fmt: skip
    result = EvidenceItem.objects.create(
        claim=claim, provider="google", url="https://example.org/fact-check",
        url_key=url_key("https://example.org/fact-check"), source=source,
        passage="A fact-check of the old page.", state=EvidenceItem.State.ADDED,
    )  # fmt: skip
    source.refresh_from_db()
    assert source_text(source) == "The old page says 44,000."

    services.source_update(source=source, actor=editor, url="https://example.org/new")
    source.refresh_from_db()

    assert (source.title, source.publisher) == ("", "")
    assert not EvidenceItem.objects.filter(pk=passage.pk).exists()
    result.refresh_from_db()
    assert (result.state, result.source_id) == (EvidenceItem.State.NEW, None)

    # Kept as history, but neither the evidence search nor the link check reads it now.
    assert list(source.snapshots.all()) == [old]
    assert source_text(source) == "" and source.snapshots_of_cited_page().first() is None
    # Its extraction, finishing late, stays with the snapshot and out of the source.
    snapshot_extracted(snapshot=old, actor=SYSTEM, extraction=Extraction(text="Old: 44,000."))
    source = Source.objects.get(pk=source.pk)
    assert source.extracted_text == "" and Snapshot.objects.get(pk=old.pk).text == "Old: 44,000."


def test_publishing_writes_version_one_without_a_note(article, editor, reviewer):
    claim = _publishable(_claim(article, editor), editor)
    claim = services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    version = claim.published_versions.get()
    assert (version.number, version.kind, version.is_current) == (1, "published", True)
    assert version.published_by == reviewer and version.correction_note == ""


def test_a_rating_renamed_to_another_ratings_label_in_other_case_is_refused(
    organization, org_admin
):
    false = Rating.objects.get(scale__organization=organization, label="False")
    false.label = "TRUE"
    with pytest.raises(ValidationError) as refused:
        services.rating_save(rating=false, actor=org_admin)
    assert "only in case" in str(refused.value)
    assert Rating.objects.get(pk=false.pk).label == "False"
    # Its own label in another case is a rename like any other.
    false.label = "FALSE"
    services.rating_save(rating=false, actor=org_admin)
    assert Rating.objects.get(pk=false.pk).label == "FALSE"
    # Two saves racing past that check meet the database's own rule.
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(pk=false.pk).update(label="true")


def test_tags_are_kept_once_each_in_any_case_without_blanks(article, editor):
    claim = _claim(article, editor)

    claim = services.claim_update(
        claim=claim, actor=editor, expected_version=None,
        tags=["economy", " Economy ", "", "jobs  report", "ECONOMY", "jobs report"],
    )  # fmt: skip

    assert Claim.objects.get(pk=claim.pk).tags == ["economy", "jobs report"]


def test_a_selection_on_an_older_revision_follows_its_words_or_is_refused(article, editor):
    text = "Alpha says the budget rose 5 percent.\n\nBeta says the budget rose 7 percent."
    article = factories.article(article.organization, editor, text=text, title="Budget")
    on_beta = factories.quote_selectors(text, "the budget rose", occurrence=1)
    on_alpha = factories.quote_selectors(text, "the budget rose 5")
    services.article_update_text(
        article=article, text=text.split("\n\n")[0] + "\n\nA new last line.", actor=editor
    )  # someone else replaced the Beta paragraph

    with pytest.raises(anchoring.AnchorError, match=r"now revision 2.*no longer there"):
        services.claim_create(article=article, creator=editor, selectors=on_beta, revision=1)
    claim = services.claim_create(article=article, creator=editor, selectors=on_alpha, revision=1)

    assert not Claim.objects.exclude(pk=claim.pk).exists()
    assert (claim.exact, claim.start, claim.revision.number) == ("the budget rose 5", 11, 2)


def test_rating_labels_that_only_look_different_are_refused_as_the_same(organization, org_admin):
    scale = Rating.objects.filter(scale__organization=organization).first().scale
    composed = services.rating_save(
        rating=Rating(scale=scale, label="Café", value=None, position=90, colour="#1a7f37"),
        actor=org_admin,
    )
    for lookalike in ("Cafe\u0301", "Caf\u200bé", " Café\u200e "):
        with pytest.raises(ValidationError, match="already exists"):
            services.rating_save(
                rating=Rating(
                    scale=scale, label=lookalike, value=None, position=91, colour="#1a7f37"
                ),
                actor=org_admin,
            )
    assert Rating.objects.filter(scale=scale, label__startswith="Caf").count() == 1
    assert composed.label == "Café"


def test_a_rating_saved_alone_keeps_to_the_rules_of_the_whole_scale(organization, org_admin):
    """The admin saves a rating at a time, and that path skipped the scale's rules: it
    saved "True" spelt with a Cyrillic Te beside "True", and hid every rating (review R11)."""
    scale = Rating.objects.filter(scale__organization=organization).first().scale
    true = scale.ratings.get(label="True")
    lookalike = Rating(scale=scale, label="\u0422rue", value=None, position=99, colour="#1a7f37")
    with pytest.raises(ValidationError, match="mixes letters of different alphabets"):
        services.rating_save(rating=lookalike, actor=org_admin)
    out_of_order = Rating.objects.get(pk=scale.ratings.order_by("-position").first().pk)
    out_of_order.value = true.value + 1
    with pytest.raises(ValidationError, match="is listed below"):
        services.rating_save(rating=out_of_order, actor=org_admin)
    *hidden, last = scale.ratings.order_by("position")
    for rating in hidden:
        rating.is_hidden = True
        services.rating_save(rating=rating, actor=org_admin)
    last.is_hidden = True
    with pytest.raises(ValidationError, match="At least one rating must be offered"):
        services.rating_save(rating=last, actor=org_admin)
    assert scale.ratings.filter(is_hidden=False).count() == 1
    assert not scale.ratings.filter(label="\u0422rue").exists()


def test_a_source_added_from_a_search_result_forgets_its_title_when_pointed_elsewhere(
    article, editor
):
    from annotations.models import EvidenceItem, Source
    from annotations.urlnorm import url_key

    claim = _claim(article, editor)
    found = "https://truthmeter.example/cpec"
    source = services.source_add(
        claim=claim, actor=editor, url=found, title="CPEC is the flagship", publisher="Truth Meter"
    )
    EvidenceItem.objects.create(
        claim=claim, provider="factchecks", url=found, url_key=url_key(found), source=source,
        title="CPEC is the flagship", publisher="Truth Meter", state=EvidenceItem.State.ADDED,
    )  # fmt: skip

    services.source_update(source=source, actor=editor, url="https://example.org/other")

    source = Source.objects.get(pk=source.pk)
    assert (source.title, source.publisher) == ("", "")
    # A title typed in the same edit stays.
    services.source_update(
        source=source, actor=editor, url="https://example.org/third", title="Typed"
    )
    assert Source.objects.get(pk=source.pk).title == "Typed"


@pytest.mark.parametrize(
    ("name", "by_word", "mixes"),
    [
        ("True / \u0635\u062d\u064a\u062d", True, False),
        ("Vrai-\u0412\u0435\u0440\u043d\u043e", True, False),
        ("Mostly \u0422rue", True, True),
        # A control character inside the word does not cut it in two (review R19).
        ("\u0422\x80rue", True, True),
        # A username is weighed whole: "ed." then "Tom" in Cyrillic reads as "ed.Tom".
        ("ed.\u0422\u043e\u043c", False, True),
        ("ed.\u0422\u043e\u043c", True, False),
    ],
)
def test_labels_are_weighed_word_by_word_and_usernames_whole(name, by_word, mixes):
    assert lookalikes.mixes_scripts(name, by_word=by_word) is mixes


def test_a_selection_across_paragraphs_is_worded_on_one_line(organization, editor):
    """The wording kept the blank line of a selection across a paragraph break, where the
    card's quote joined the parts with a space (trial G16)."""
    article = factories.article(
        organization, editor, text="It grew by 12 000.\n\nNobody disputes it."
    )
    assert "12 000.\n\nNobody" in article.text
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "12 000.\n\nNobody"),
    )
    assert claim.claim_reviewed == "12 000. Nobody"


def test_the_spaces_at_the_ends_of_a_selection_are_no_part_of_the_claim(article, editor):
    """A drag across right-to-left text made a claim that began with a space (trial G16)."""
    quote = " the median age is only 22.8 years "
    assert quote in article.text
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, quote)
    )
    assert claim.exact == "the median age is only 22.8 years"
    assert article.text[claim.start : claim.end] == claim.exact
    assert claim.claim_reviewed == claim.exact
    with pytest.raises(anchoring.AnchorError, match="only spaces"):
        services.claim_create(
            article=article, creator=editor, selectors=factories.quote_selectors(article.text, " ")
        )
