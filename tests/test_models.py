"""Database constraints on the data model hold even when the service layer is bypassed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations import services
from annotations.models import Claim, Rating, RatingScale
from tests import factories


def _raw_claim(article, editor, **overrides):
    fields = {
        "article": article,
        "revision": article.revisions.get(),
        "exact": "x",
        "start": 0,
        "end": 1,
        "claim_reviewed": "x",
        "creator": editor,
    }
    return Claim(**{**fields, **overrides})


@pytest.mark.parametrize(("start", "end"), [(5, 5), (9, 3)])
def test_claim_span_must_run_forwards(article, editor, start, end):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_claim(article, editor, start=start, end=end).save()


def test_claim_start_cannot_be_negative(article, editor):
    # PositiveIntegerField adds its own check on PostgreSQL; ours names the rule everywhere.
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_claim(article, editor, start=-1, end=3).save()


def test_organization_has_one_default_scale(organization):
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingScale.objects.create(organization=organization, name="Second", is_default=True)


def test_scale_best_must_exceed_worst(organization):
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingScale.objects.create(
            organization=organization, name="Flat", worst_value=3, best_value=3, is_default=False
        )


def test_rating_colour_must_be_hex(organization):
    scale = organization.rating_scales.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(scale=scale, label="Odd", position=99, colour="red")


def test_revision_numbers_are_unique_per_article(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        article.revisions.create(number=1, text="again")


def test_default_scale_has_five_steps_and_two_labels_outside_the_range(organization):
    scale = organization.rating_scales.get()
    ratings = list(scale.ratings.values_list("label", "value"))
    assert ratings == [
        ("True", 5),
        ("Mostly true", 4),
        ("Half true", 3),
        ("Mostly false", 2),
        ("False", 1),
        ("Misleading", None),
        ("Unverifiable", None),
    ]
    assert (scale.worst_value, scale.best_value) == (1, 5)


def test_rating_value_outside_the_scale_fails_validation(organization):
    scale = organization.rating_scales.get()
    rating = Rating(scale=scale, label="Pants on fire", value=9, position=8, colour="#000000")
    with pytest.raises(ValidationError, match="between 1 and 5"):
        rating.full_clean()


def test_claim_selectors_are_w3c_shaped(article, editor):
    selectors = factories.quote_selectors(article.text, "Over 160,000 people listened in at once")
    claim = services.claim_create(article=article, creator=editor, selectors=selectors)
    assert claim.selectors[0]["type"] == "TextQuoteSelector"
    assert claim.selectors[0]["exact"] == "Over 160,000 people listened in at once"
    assert claim.selectors[1] == {"type": "TextPositionSelector", "start": 0, "end": 39}
