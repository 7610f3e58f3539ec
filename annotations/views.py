"""HTML pages: thin views that read through `queries` and render templates."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from annotations import permissions, queries, services
from annotations.api.serializers import ClaimSummarySerializer, RatingSerializer
from annotations.models import Article, Claim, Membership, Rating

# The list's status filter: label and the condition on articles.
ARTICLE_FILTERS = {
    "in_review": ("Claims in review", Q(claims__status=Claim.Status.IN_REVIEW)),
    "draft": ("Draft claims", Q(claims__status=Claim.Status.DRAFT)),
    "published": ("Published claims", Q(claims__status=Claim.Status.PUBLISHED)),
    "orphaned": ("Orphaned claims", Q(claims__anchor_state=Claim.AnchorState.ORPHANED)),
    "importing": ("Importing", Q(status=Article.Status.IMPORTING)),
    "failed": ("Import failed", Q(status=Article.Status.FAILED)),
}


def _count(**condition):
    return Count("claims", filter=Q(**condition), distinct=True)


@login_required
def article_list(request):
    """The organization's articles, newest first, with claim counts by status and rating."""
    articles = queries.articles_for(request.user)
    search = request.GET.get("q", "").strip()
    if search:
        articles = articles.filter(Q(title__icontains=search) | Q(canonical_url__icontains=search))
    status = request.GET.get("status", "")
    if status in ARTICLE_FILTERS:
        matching = queries.articles_for(request.user).filter(ARTICLE_FILTERS[status][1])
        articles = articles.filter(pk__in=matching.values("pk"))
    articles = articles.annotate(
        claims_draft=_count(claims__status=Claim.Status.DRAFT),
        claims_in_review=_count(claims__status=Claim.Status.IN_REVIEW),
        claims_published=_count(claims__status=Claim.Status.PUBLISHED),
        claims_orphaned=_count(claims__anchor_state=Claim.AnchorState.ORPHANED),
    ).order_by("-created_at", "-id")
    page = Paginator(articles, 25).get_page(request.GET.get("page"))
    ratings = queries.rating_counts([article.pk for article in page])
    for article in page:
        article.rating_counts = ratings.get(article.pk, [])
    context = {
        "page": page,
        "search": search,
        "status": status,
        "filters": [(key, label) for key, (label, _) in ARTICLE_FILTERS.items()],
    }
    return render(request, "annotations/article_list.html", context)


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
        "paragraphs": _paragraphs(article.text),
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


@login_required
def article_revision(request, pk: int, number: int):
    """One revision's text as it was, with a claim checked on it highlighted (`?claim=`)."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    revision = get_object_or_404(article.revisions, number=number)
    claim = article.claims.filter(pk=request.GET.get("claim") or None, revision=revision).first()
    paragraphs = []
    for paragraph in _paragraphs(revision.text):
        chunk, offset = paragraph["text"], paragraph["start"]
        a, b = len(chunk), len(chunk)
        if claim is not None and claim.start < offset + len(chunk) and claim.end > offset:
            a = max(claim.start - offset, 0)
            b = min(claim.end - offset, len(chunk))
        paragraphs.append({"before": chunk[:a], "mark": chunk[a:b], "after": chunk[b:]})
    latest = article.revisions.order_by("-number").values_list("number", flat=True).first()
    context = {
        "article": article,
        "revision": revision,
        "claim": claim,
        "paragraphs": paragraphs,
        "latest": latest,
    }
    return render(request, "annotations/article_revision.html", context)


def _meta_line(article: Article) -> list[str]:
    """Byline, publisher, date and revision: the parts that exist, in reading order."""
    revision = article.revisions.order_by("-number").values_list("number", flat=True).first()
    parts = [article.byline, article.publisher, article.published_on]
    parts.append(f"revision {revision}" if revision else "")
    return [str(part) for part in parts if part]


def _paragraphs(text: str) -> list[dict]:
    """Split canonical text into paragraphs, keeping each one's code-point offset."""
    paragraphs, offset = [], 0
    for chunk in text.split("\n\n"):
        paragraphs.append({"start": offset, "text": chunk})
        offset += len(chunk) + 2
    return paragraphs


class InviteForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.EDITOR)


@login_required
def members(request):
    """The organization's members and roles; its admins invite, change roles and remove."""
    organization = _current_organization(request)
    is_admin = permissions.can_manage_members(request.user, organization)
    invite = InviteForm()
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied("Only an organization admin can manage members.")
        invite = InviteForm(request.POST) if request.POST.get("action") == "invite" else invite
        try:
            if _change_members(request, organization, invite):
                return redirect("members")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    context = {
        "organization": organization,
        "memberships": organization.memberships.select_related("user").order_by("user__username"),
        "roles": Membership.Role.choices,
        "is_admin": is_admin,
        "invite": invite,
    }
    return render(request, "annotations/members.html", context)


def _change_members(request, organization, invite: InviteForm) -> bool:
    """Carry out the posted action; False when the invitation form needs correcting."""
    action = request.POST.get("action")
    if action == "invite":
        if not invite.is_valid():
            return False
        services.member_invite(
            organization=organization, actor=request.user, request=request, **invite.cleaned_data
        )
        messages.success(request, f"Invited {invite.cleaned_data['username']}.")
        return True
    member = get_object_or_404(
        get_user_model(), pk=request.POST.get("user"), memberships__organization=organization
    )
    if action == "role":
        role = request.POST.get("role", "")
        services.membership_set(
            organization=organization, user=member, role=role, actor=request.user
        )
    elif action == "remove":
        services.member_remove(organization=organization, actor=request.user, user=member)
    else:
        raise ValidationError("Unknown action.")
    messages.success(request, f"Updated {member.get_username()}.")
    return True


def _current_organization(request):
    organizations = queries.organizations_of(request.user)
    slug = request.GET.get("org")
    organization = (organizations.filter(slug=slug) if slug else organizations).first()
    if organization is None:
        raise Http404("You are not a member of any organization.")
    return organization
