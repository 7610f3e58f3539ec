"""Every read that depends on who asks: the one access path for views and the API."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from annotations import versions
from annotations.models import (
    Article,
    Claim,
    ClaimEvent,
    Membership,
    Organization,
    PublishedVersion,
    Source,
)


def organizations_of(user) -> QuerySet[Organization]:
    """The organizations the user is a member of."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user)


def articles_for(user) -> QuerySet[Article]:
    """Articles of the user's organizations; nothing for anyone else."""
    return (
        Article.objects.filter(organization__in=organizations_of(user))
        .select_related("organization")
        .order_by("-created_at", "-id")
    )


def claims_for(user) -> QuerySet[Claim]:
    """Claims, in any status, on articles the user's organizations own."""
    return Claim.objects.filter(article__in=articles_for(user)).select_related(
        "article__organization", "rating__scale", "revision", "creator", "reviewer", "assignee"
    )


def published_claims() -> QuerySet[PublishedVersion]:
    """What readers may see: the current published version of each claim, never a working copy.

    This is the contract for every public read (reader pages, ClaimReview, the public API):
    - one row per claim, its current version (`is_current`), of kind "published": a
      retracted claim is not listed here (see `retracted_claims`);
    - only versions still anchored on their words: a version whose words changed or were
      lost in a later article revision is hidden until a reviewer republishes the claim;
    - the fields are the frozen snapshot (wording, claimant, date, rating, conclusion, tags,
      sources, selectors, publisher, when, by whom); edits in progress never show here.
    Newest first.
    """
    return (
        PublishedVersion.objects.filter(
            is_current=True, is_anchored=True, kind=PublishedVersion.Kind.PUBLISHED
        )
        .select_related("claim__article", "rating__scale", "revision", "publisher", "published_by")
        .order_by("-published_at", "-id")
    )


def retracted_claims() -> QuerySet[PublishedVersion]:
    """Public retraction notices: current versions of kind "retracted", with their note."""
    return (
        PublishedVersion.objects.filter(
            is_current=True, is_anchored=True, kind=PublishedVersion.Kind.RETRACTED
        )
        .select_related("claim__article", "rating__scale", "revision", "publisher", "published_by")
        .order_by("-published_at", "-id")
    )


def claim_public_history(claim: Claim) -> list[dict]:
    """Every published and retracted version of a claim, oldest first, for readers.

    Each entry has the version `number`, `kind`, `published_at`, `rating`, the `changes`
    from the version before and the public `correction` line ("3 Dec 2026: rating changed
    from Mostly true to Half true because …").
    """
    rows = PublishedVersion.objects.filter(claim=claim).select_related("rating", "revision")
    return versions.public_history(
        [
            {
                "number": row.number,
                "kind": row.kind,
                "published_at": timezone.localtime(row.published_at),
                "correction_note": row.correction_note,
                "snapshot": versions.version_snapshot(row),
            }
            for row in rows
        ]
    )


def workspace_claims(article: Article) -> QuerySet[Claim]:
    """An article's claims in document order with everything a claim card shows."""
    return (
        article.claims.select_related(
            "rating__scale", "revision", "creator", "reviewer", "assignee"
        )
        .prefetch_related(
            Prefetch("sources", queryset=Source.objects.select_related("added_by")),
            Prefetch("events", queryset=ClaimEvent.objects.select_related("actor")),
            Prefetch(
                "published_versions",
                queryset=PublishedVersion.objects.filter(is_current=True).select_related(
                    "rating__scale", "revision", "published_by"
                ),
                to_attr="current_versions",
            ),
        )
        .order_by("start", "-end", "id")
    )


def workspace_claim_summaries(article: Article) -> QuerySet[Claim]:
    """An article's claims in document order, light: no sources or history, just their count."""
    return (
        article.claims.select_related("rating", "revision")
        .annotate(
            source_count=Count("sources"),
            published_number=Subquery(
                PublishedVersion.objects.filter(claim=OuterRef("pk"), is_current=True).values(
                    "number"
                )
            ),
        )
        .order_by("start", "-end", "id")
    )


def rating_counts(article_ids: list[int]) -> dict[int, list[dict]]:
    """For each article, how many of its claims carry each rating, best rating first."""
    rows = (
        Claim.objects.filter(article_id__in=article_ids, rating__isnull=False)
        .values("article_id", "rating__label", "rating__position")
        .annotate(count=Count("id"))
        .order_by("article_id", "rating__position")
    )
    counts: dict[int, list[dict]] = {}
    for row in rows:
        counts.setdefault(row["article_id"], []).append(
            {"label": row["rating__label"], "count": row["count"]}
        )
    return counts


def remember_roles(user) -> None:
    """Load the user's roles once, so permission predicates in a request need no query each."""
    if user.is_authenticated and not hasattr(user, "_roles_by_org"):
        user._roles_by_org = dict(
            Membership.objects.filter(user=user).values_list("organization_id", "role")
        )
