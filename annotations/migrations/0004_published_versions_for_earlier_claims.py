"""Give claims published or retracted before published versions existed their version 1."""

from django.db import migrations

COPIED = (
    "revision_id", "exact", "prefix", "suffix", "start", "end", "claim_reviewed", "claimant",
    "claim_date", "rating_id", "conclusion",
)  # fmt: skip


def freeze_published_claims(apps, schema_editor):
    Claim = apps.get_model("annotations", "Claim")
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")
    earlier = Claim.objects.filter(
        status__in=["published", "retracted"], rating__isnull=False, published_versions=None
    ).select_related("article")
    for claim in earlier.iterator():
        sources = [
            {
                "id": source.pk,
                "url": source.url,
                "title": source.title,
                "publisher": source.publisher,
                "quote": source.quote,
                "stance": source.stance,
            }
            for source in claim.sources.order_by("created_at", "id")
        ]
        PublishedVersion.objects.create(
            claim=claim,
            number=1,
            kind=claim.status,
            is_current=True,
            is_anchored=claim.anchor_state == "anchored",
            tags=list(claim.tags),
            sources=sources,
            correction_note=claim.correction_note if claim.status == "retracted" else "",
            publisher_id=claim.article.organization_id,
            published_by_id=claim.reviewer_id,
            published_at=claim.published_at or claim.updated_at,
            **{name: getattr(claim, name) for name in COPIED},
        )


class Migration(migrations.Migration):
    dependencies = [("annotations", "0003_trust")]

    operations = [migrations.RunPython(freeze_published_claims, migrations.RunPython.noop)]
