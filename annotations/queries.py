"""Every read that depends on who asks: the one access path for views and the API."""

from django.db.models import Count, Prefetch, QuerySet

from annotations.models import Article, Claim, ClaimEvent, Membership, Organization, Source


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


def published_claims() -> QuerySet[Claim]:
    """What readers may see: published claims that are anchored on the current text."""
    return Claim.objects.filter(
        status=Claim.Status.PUBLISHED, anchor_state=Claim.AnchorState.ANCHORED
    ).select_related("article__organization", "rating__scale")


def workspace_claims(article: Article) -> QuerySet[Claim]:
    """An article's claims in document order with everything a claim card shows."""
    return (
        article.claims.select_related(
            "rating__scale", "revision", "creator", "reviewer", "assignee"
        )
        .prefetch_related(
            Prefetch("sources", queryset=Source.objects.select_related("added_by")),
            Prefetch("events", queryset=ClaimEvent.objects.select_related("actor")),
        )
        .order_by("start", "-end", "id")
    )


def workspace_claim_summaries(article: Article) -> QuerySet[Claim]:
    """An article's claims in document order, light: no sources or history, just their count."""
    return (
        article.claims.select_related("rating", "revision")
        .annotate(source_count=Count("sources"))
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
