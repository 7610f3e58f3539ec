"""HTML pages: thin views that read through `queries` and render templates."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from annotations import permissions, queries
from annotations.api.serializers import ClaimSummarySerializer, RatingSerializer
from annotations.models import Article, Claim, Rating


@login_required
def article_list(request):
    """The organization's articles, newest first, with claim counts by status."""
    articles = queries.articles_for(request.user).annotate(
        claim_total=Count("claims"),
        claims_published=Count("claims", filter=Q(claims__status=Claim.Status.PUBLISHED)),
        claims_orphaned=Count("claims", filter=Q(claims__anchor_state=Claim.AnchorState.ORPHANED)),
    )
    search = request.GET.get("q", "").strip()
    if search:
        articles = articles.filter(Q(title__icontains=search) | Q(canonical_url__icontains=search))
    page = Paginator(articles, 25).get_page(request.GET.get("page"))
    return render(request, "annotations/article_list.html", {"page": page, "search": search})


@login_required
def article_workspace(request, pk: int):
    """An article's text with its claims beside it; the page script edits through the API."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    queries.remember_roles(request.user)
    claims = list(queries.workspace_claim_summaries(article))
    ratings = Rating.objects.filter(
        scale__organization=article.organization, scale__is_default=True
    )
    members = get_user_model().objects.filter(memberships__organization=article.organization)
    workspace = {
        "article": {"id": article.pk, "status": article.status},
        "claims": ClaimSummarySerializer(claims, many=True).data,
        "ratings": RatingSerializer(ratings.select_related("scale"), many=True).data,
        "members": [{"id": m.pk, "username": m.get_username()} for m in members],
        "me": {
            "id": request.user.pk,
            "username": request.user.get_username(),
            "role": permissions.role_in(request.user, article.organization),
        },
        "two_person_review": article.organization.requires_two_person_review,
    }
    orphan_count = sum(c.anchor_state == Claim.AnchorState.ORPHANED for c in claims)
    context = {
        "article": article,
        "meta": _meta_line(article),
        "paragraphs": _paragraphs(article),
        "workspace": workspace,
        "claim_count": len(claims) - orphan_count,
        "orphan_count": orphan_count,
    }
    return render(request, "annotations/article_workspace.html", context)


@login_required
def article_new(request):
    """Paste, upload or import by URL; the page script sends each through the API."""
    queries.remember_roles(request.user)
    organization = next(
        (
            o
            for o in queries.organizations_of(request.user)
            if permissions.can_edit(request.user, o)
        ),
        None,
    )
    if organization is None:
        raise PermissionDenied("You need an editing role in an organization to add articles.")
    context = {
        "organization": organization,
        "max_mb": settings.FACTCHECK_UPLOAD_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "annotations/article_new.html", context)


def _meta_line(article: Article) -> list[str]:
    """Byline, publisher, date and revision: the parts that exist, in reading order."""
    revision = article.revisions.order_by("-number").values_list("number", flat=True).first()
    parts = [article.byline, article.publisher, article.published_on]
    parts.append(f"revision {revision}" if revision else "")
    return [str(part) for part in parts if part]


def _paragraphs(article: Article) -> list[dict]:
    """Split the canonical text into paragraphs, keeping each one's code-point offset."""
    paragraphs, offset = [], 0
    for chunk in article.text.split("\n\n"):
        paragraphs.append({"start": offset, "text": chunk})
        offset += len(chunk) + 2
    return paragraphs
