"""factory_boy factories that build rows through the service layer where one exists."""

import io

import factory
from django.contrib.auth import get_user_model
from PIL import Image

from annotations import services
from annotations.models import Membership, Organization
from annotations.permissions import SYSTEM

SAMPLE_TEXT = (
    "Over 160,000 people listened in at once, breaking the prior record by a Korean pop "
    "group of only 44,000 simultaneous listeners.\n\n"
    "This majority youthful country where the median age is only 22.8 years has the "
    "demographic prerequisite for change."
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.Factory):
    """An organization with the default scale, made by `services.organization_create`."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Fact Desk {n}")
    slug = factory.Sequence(lambda n: f"fact-desk-{n}")

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.organization_create(actor=SYSTEM, **kwargs)


def member(organization, role=Membership.Role.EDITOR, **user_fields):
    """A new user holding `role` in `organization`."""
    user = UserFactory(**user_fields)
    services.membership_set(organization=organization, user=user, role=role, actor=SYSTEM)
    return user


def article(organization, author, text=SAMPLE_TEXT, title="Listeners and ages"):
    return services.article_create(
        organization=organization, title=title, text=text, created_by=author
    )


def image_bytes(kind: str = "PNG", size=(40, 20)) -> bytes:
    """A small image file of `kind` (PNG, JPEG, WEBP, GIF), as a logo upload would carry."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def table_structure(text: str) -> list[dict]:
    """Structure entries making each paragraph of `text` with a " | " in it a table row."""
    rows = [row for row in text.split("\n\n") if " | " in row]
    return [
        {"kind": "table_row", "start": text.index(r), "end": text.index(r) + len(r), "level": 0}
        for r in rows
    ]


def quote_selectors(text: str, quote: str, occurrence: int = 0) -> list[dict]:
    """Selectors for the `occurrence`-th exact appearance of `quote` in `text`."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    end = start + len(quote)
    return [
        {
            "type": "TextQuoteSelector",
            "exact": quote,
            "prefix": text[max(0, start - 32) : start],
            "suffix": text[end : end + 32],
        },
        {"type": "TextPositionSelector", "start": start, "end": end},
    ]


def published_claim(article, editor, reviewer, quote="Over 160,000 people listened in at once"):
    """A claim on `quote` with a rating, conclusion and source, published by `reviewer`."""
    from annotations.models import Claim, Rating

    claim = services.claim_create(
        article=article, creator=editor, selectors=quote_selectors(article.text, quote)
    )
    services.source_add(claim=claim, actor=editor, url="https://example.org/record")
    rating = Rating.objects.get(scale__organization=article.organization, label="Mostly true")
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating, conclusion="Checked."
    )
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    return services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)


def text_shown_to_readers(article):
    """A second person shows readers the article's newest text, as a reviewer does from the
    notice when a text changed under published verdicts (services.article_text_publish)."""
    newest = article.revisions.order_by("-number").values_list("number", flat=True).first()
    shown = services.article_text_publish(article=article, actor=SYSTEM, revision=newest)
    article.refresh_from_db()  # a later save of `article` must not put back the old text
    return shown
