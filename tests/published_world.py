"""A newsroom whose claims sit in every state readers must or must not see (tests only)."""

from annotations import services
from annotations.models import Claim, Membership, Rating
from tests import factories

SENTENCES = {
    "published": "Over 160,000 people listened in at once.",
    "corrected": "The median age is only 22.8 years.",
    "working_copy": "The session broke the prior record set by a Korean pop group.",
    "draft": "Turnout in the capital doubled since the last election.",
    "in_review": "The rally was the largest in the country's history.",
    "orphan": "Three ministers resigned the following morning.",
    "retracted": "Inflation fell to four percent in March.",
}
EDITED_WORDING = "Working copy wording that readers must never see"
DRAFT_WORDING = "Draft wording that readers must never see"


def article_text(keys=SENTENCES) -> str:
    """The sentences of `keys`, one paragraph each."""
    return "\n\n".join(SENTENCES[key] for key in keys)


def publish(article, editor, reviewer, quote, *, label="False", wording="", claimant=""):
    """A claim on `quote`, rated `label`, reviewed and published; returns the claim."""
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, quote),
        claim_reviewed=wording,
        claimant=claimant,
    )
    services.source_add(claim=claim, actor=editor, url="https://example.org/record")
    rate(claim, editor, label)
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    return services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)


def rate(claim, editor, label, conclusion="Checked against the record."):
    """Give the claim's working copy a rating and a conclusion."""
    rating = Rating.objects.get(scale__organization=claim.article.organization, label=label)
    return services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating, conclusion=conclusion
    )


def republish(claim, editor, reviewer, *, label, note):
    """Change the verdict of a published claim and publish the correction."""
    claim = rate(claim, editor, label)
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    return services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED, note=note
    )


def build(organization, editor, reviewer, *, title="Listeners and ages") -> dict:
    """One article with a claim in each state of `SENTENCES`; returns the claims by state.

    published: live; corrected: republished with a new verdict and a note; working_copy:
    published, then edited (readers keep the published wording); draft and in_review: never
    published; orphan: published, then its sentence removed from the article; retracted:
    published, then retracted with a note.
    """
    article = factories.article(organization, editor, text=article_text(), title=title)
    claims = {}
    for key in ("published", "corrected", "working_copy", "orphan", "retracted"):
        claims[key] = publish(article, editor, reviewer, SENTENCES[key], label="Mostly true")
    claims["corrected"] = republish(
        claims["corrected"], editor, reviewer, label="False", note="The census says 19.6 years."
    )
    services.claim_update(
        claim=claims["working_copy"],
        actor=editor,
        expected_version=None,
        claim_reviewed=EDITED_WORDING,
    )
    claims["retracted"] = services.claim_transition(
        claim=claims["retracted"],
        actor=reviewer,
        to_status=Claim.Status.RETRACTED,
        note="The statistics office withdrew its figure.",
    )
    claims["draft"] = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, SENTENCES["draft"]),
        claim_reviewed=DRAFT_WORDING,
    )
    claims["in_review"] = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, SENTENCES["in_review"]),
    )
    services.source_add(claim=claims["in_review"], actor=editor, url="https://example.org/r")
    rate(claims["in_review"], editor, "False")
    services.claim_transition(
        claim=claims["in_review"], actor=editor, to_status=Claim.Status.IN_REVIEW
    )
    services.article_update_text(
        article=article,
        actor=editor,
        text=article_text([key for key in SENTENCES if key != "orphan"]),
    )
    factories.text_shown_to_readers(article)
    for claim in claims.values():
        claim.refresh_from_db()
    return {"article": article, **claims}


def second_newsroom(name="Other Desk") -> dict:
    """Another organization with one published claim."""
    organization = factories.OrganizationFactory(name=name)
    editor = factories.member(organization, Membership.Role.EDITOR)
    reviewer = factories.member(organization, Membership.Role.REVIEWER)
    article = factories.article(organization, editor, text=article_text(["published"]))
    claim = publish(article, editor, reviewer, SENTENCES["published"], label="True")
    return {"organization": organization, "article": article, "claim": claim}
