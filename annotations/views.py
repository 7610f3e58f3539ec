"""HTML pages: thin views that read through `queries` and render templates."""

from urllib.parse import parse_qsl, urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from annotations import (
    current_organization,
    permissions,
    queries,
    services,
    textsearch,
    throttling,
    versions,
)
from annotations.api.newsroom_serializers import (
    ClaimSummarySerializer,
    ClaimUpdateSerializer,
    LatestImportSerializer,
    RatingSerializer,
)
from annotations.article_pages import waiting_text
from annotations.ingest import formats
from annotations.ingest.structure import blocks_of as article_blocks
from annotations.ingest.structure import mark_table_runs
from annotations.models import (
    ARTICLE_TEXT_MAX,
    CLAIM_WORDING_MAX,
    Article,
    Claim,
    Membership,
    PublishedVersion,
)
from annotations.services.articles import details_checkable_changed
from annotations.services.claims import (
    DETAILS_CHECKED,
    TextHistory,
    latest_second_person_event,
    second_person_reason,
)

# The longest text each card field may hold, as the claim API checks it.
TEXT_LIMITS = {
    name: ClaimUpdateSerializer().fields[name].max_length
    for name in ("claim_reviewed", "claimant", "conclusion")
}
LIVE = {
    "claims__published_versions__is_current": True,
    "claims__published_versions__kind": PublishedVersion.Kind.PUBLISHED,
}

# The list's status filter: label and the condition on articles.
ARTICLE_FILTERS = {
    "in_review": ("Claims in review", Q(claims__status=Claim.Status.IN_REVIEW)),
    "draft": ("Draft claims", Q(claims__status=Claim.Status.DRAFT)),
    # Live for readers, including claims whose correction is still a draft.
    "published": ("Published claims", Q(**LIVE)),
    "orphaned": ("Orphaned claims", Q(claims__anchor_state=Claim.AnchorState.ORPHANED)),
    "importing": ("Importing", Q(status=Article.Status.IMPORTING)),
    "failed": ("Import failed", Q(status=Article.Status.FAILED)),
}


def _count(**condition):
    return Count("claims", filter=Q(**condition), distinct=True)


@login_required
def article_list(request):
    """The organization's articles, newest first, with claim counts by status and rating."""
    organization = current_organization.current(request)
    return render(
        request, "annotations/article_list.html", article_list_context(request, organization)
    )


def article_list_context(request, organization=None) -> dict:
    """The article list's page of articles, search and filter (the dashboard shows it too):
    `organization`'s articles when one is given, else those of all the user's organizations."""
    articles = queries.articles_for(request.user)
    if organization is not None:
        articles = articles.filter(organization=organization)
    search = request.GET.get("q", "").strip()
    if search:
        articles = textsearch.containing(articles, search, "title", "canonical_url")
    status = request.GET.get("status", "")
    if status in ARTICLE_FILTERS:
        matching = articles.filter(ARTICLE_FILTERS[status][1])
        articles = articles.filter(pk__in=matching.values("pk"))
    # A page of titles first, then the counts of its 25 articles alone: counted in the same
    # query, every article's claims and versions were joined and counted to keep 25, and
    # each row carried its whole text (review R12).
    articles = articles.defer("text", "structure").order_by("-created_at", "-id")
    page = Paginator(articles, 25).get_page(request.GET.get("page"))
    shown = [article.pk for article in page]
    counts = {
        row["pk"]: row
        for row in Article.objects.filter(pk__in=shown)
        .order_by()
        .values("pk")  # grouped by the article alone, not by its text
        .annotate(
            claims_draft=_count(claims__status=Claim.Status.DRAFT),
            claims_in_review=_count(claims__status=Claim.Status.IN_REVIEW),
            claims_published=_count(**LIVE),
            claims_orphaned=_count(claims__anchor_state=Claim.AnchorState.ORPHANED),
        )
    }
    ratings = queries.rating_counts_by_state(shown)
    for article in page:
        article.rating_counts = ratings.get(article.pk, [])
        for name, value in counts[article.pk].items():
            if name != "pk":
                setattr(article, name, value)
    return {
        "organization": organization,
        "page": page,
        "search": search,
        "status": status,
        "filters": [(key, label) for key, (label, _) in ARTICLE_FILTERS.items()],
    }


@login_required
def article_workspace(request, pk: int):
    """An article's text with its claims beside it; the page script edits through the API."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    queries.remember_roles(request.user)
    # Working on an article is working in its organization: the header, the desk, Members
    # and Settings follow (an article just added to another desk, or opened from a
    # notification, is then found on the desk).
    current_organization.remember(request, article.organization)
    claims = list(queries.workspace_claim_summaries(article))
    revision = article.latest_revision_number()
    # A hidden rating is not offered for new verdicts; claims that have it keep showing it.
    ratings = queries.ratings_offered(article)
    members = queries.organization_members(article.organization)
    latest_import = queries.latest_import(article)
    pending_import = getattr(latest_import, "state", "") == "pending"
    workspace = {
        "article": {
            "id": article.pk,
            "status": article.status,
            # The revision whose text the page shows: a claim made in a later one means the
            # page is out of date.
            "revision": revision,
            # An import (or one tried again) still running: the page opens its text when
            # the worker is done.
            "importing": article.status == Article.Status.IMPORTING or pending_import,
            # Why an attempt failed and when the next one runs, shown from the first paint.
            "import_retry": LatestImportSerializer(latest_import).data["retry"]
            if pending_import
            else None,
        },
        "claims": ClaimSummarySerializer(claims, many=True).data,
        "ratings": RatingSerializer(ratings, many=True).data,
        "members": [{"id": m.pk, "username": m.get_username()} for m in members],
        "me": {
            "id": request.user.pk,
            "username": request.user.get_username(),
            "role": permissions.role_in(request.user, article.organization),
        },
        # Named when a move is refused for a role changed since the page opened.
        "organization": article.organization.name,
        "two_person_review": article.organization.requires_two_person_review,
        # The fields whose change the two-person rule counts (whoever changes one last may
        # not publish it): the page asks before a reviewer publishes over such a change.
        "public_fields": list(services.CLAIM_PUBLIC_FIELDS),
        # A selection longer than this cannot be a claim's wording: the page says so first.
        "wording_max": CLAIM_WORDING_MAX,
        # The API's own limits, said before a save sends (a 10 MB paste took seconds to
        # upload only to be refused).
        "text_limits": TEXT_LIMITS,
        # A save or move the server has not answered by then is given up and tried again:
        # on a stalled connection the browser itself would wait for minutes.
        "write_timeout": settings.FACTCHECK_WRITE_TIMEOUT,
    }
    orphan_count = sum(c.anchor_state == Claim.AnchorState.ORPHANED for c in claims)
    details_reopened = queries.article_details_reopened(article)
    can_publish = permissions.can_publish(request.user, article.organization)
    # Put back as readers saw them, the claims are published again unchanged, which the
    # two-person rule does not stop.
    details_put_back = details_reopened.put_back
    details_blocked = (
        _details_blocked(details_reopened.waiting, request.user, TextHistory(article.pk))
        if can_publish and not details_put_back
        else 0
    )
    details_review = _details_second_look(article, details_reopened, request.user, can_publish)
    text_waiting = queries.article_text_waiting(article)
    context = {
        "article": article,
        "meta": _meta_line(article, revision),
        "paragraphs": article_blocks(article.text, []),
        # Each paragraph with its kind (heading, list item, quote...): see ingest.structure.
        # Each run of table rows in a box that scrolls sideways when the table is wider than
        # the text (a phone's page was 801 px wide, cells broken mid-figure).
        "blocks": mark_table_runs(article_blocks(article.text, article.structure)),
        "edit_details_url": reverse("article-edit", args=[article.pk]),
        "edit_text_url": reverse("article-edit-text", args=[article.pk]),
        "workspace": workspace,
        "claim_count": len(claims) - orphan_count,
        "orphan_count": orphan_count,
        "guessed_encoding": formats.encoding_name(queries.text_encoding_guess(article)),
        "failed_reimport": queries.failed_reimport(article),
        # A new import of a ready article: its text stays until the worker is done.
        "pending_reimport": latest_import
        if pending_import and article.status == Article.Status.READY
        else None,
        # A placeholder whose first import failed: it can be tried again if that import
        # is on record (an article made by hand then failed has none).
        "can_import_again": article.status == Article.Status.FAILED
        and queries.latest_import(article) is not None,
        # Published claims a change of the article's details reopened: those waiting for
        # the details alone, and those changed otherwise too.
        "details_reopened": details_reopened,
        "can_publish": can_publish,
        # Of those waiting, how many the two-person rule keeps this reviewer from
        # republishing (they created them, or changed the details): the notice says so
        # rather than offer a button that would refuse them all.
        "details_blocked": details_blocked,
        "details_put_back": details_put_back,
        "details_allowed": len(details_reopened.waiting) - details_blocked,
        **details_review,
        **_text_second_look(article, text_waiting, request.user),
    }
    return render(request, "annotations/article_workspace.html", context)


# Hunks of a waiting text's changes the workspace notice shows; the rest are a link away.
TEXT_HUNKS_IN_NOTICE = 8


def _text_second_look(article, waiting, user) -> dict:
    """What the notice of a new text waiting for a second look shows: `waiting_text`, with
    its first changes only (those beside a published verdict before the others)."""
    context = waiting_text(article, waiting, user)
    hunks = context.pop("hunks")
    first = sorted(hunks, key=lambda hunk: (not hunk.near_verdict, hunk.old_start))
    context["text_changes"] = first[:TEXT_HUNKS_IN_NOTICE]
    context["text_changes_all_shown"] = len(hunks) <= TEXT_HUNKS_IN_NOTICE
    return context


def _details_blocked(claims, user, history: TextHistory) -> int:
    """How many of `claims` the two-person rule keeps `user` from republishing; the
    article's text history read once for them all."""
    return sum(bool(second_person_reason(claim, user, history=history)) for claim in claims)


def _details_second_look(article, reopened, user, can_publish: bool) -> dict:
    """What the notice of a change of the article's details shows for the two-person rule:
    the change itself (readers' details and the new ones, side by side, for whoever checks
    them), how many of the waiting claims this member may check (`article_details_check`;
    an editor, for a desk whose one reviewer made the change), and who checked them."""
    if reopened.put_back or not (reopened.waiting or reopened.changed):
        return {}
    differences = versions.details_differences(article, queries.article_as_published(article))
    if not article.organization.requires_two_person_review:
        return {"details_differences": differences}
    candidates = [*reopened.waiting, *details_checkable_changed(reopened, user)]
    latest = [latest_second_person_event(claim) for claim in candidates]
    checkers = sorted(
        {
            event.actor.get_username()
            for event in latest
            if event and event.action == DETAILS_CHECKED
        }
    )
    checkable = 0
    if not can_publish and permissions.can_edit(user, article.organization):
        checkable = sum(
            1
            for event in latest
            if event and event.action != DETAILS_CHECKED and event.actor_id != user.pk
        )
    return {
        "details_differences": differences,
        "details_checkable": checkable,
        "details_checked_by": checkers,
    }


@login_required
def article_new(request):
    """Paste, upload or import by URL; the page script sends each through the API.

    The article goes to the organization the member works in, or another where they may add
    articles, chosen on the page (the API checks the choice again).
    """
    queries.remember_roles(request.user)
    organizations = queries.organizations_adding_articles(request.user)
    if not organizations:
        raise PermissionDenied("You need an editing role in an organization to add articles.")
    working_in = current_organization.current(request)
    context = {
        "organization": working_in if working_in in organizations else organizations[0],
        "organizations": organizations,
        "max_mb": settings.FACTCHECK_UPLOAD_MAX_BYTES // (1024 * 1024),
        # Both limits apply: a 6 MB plain-text file is small enough but holds too many letters.
        "max_chars": f"{min(settings.FACTCHECK_MAX_TEXT_CHARS, ARTICLE_TEXT_MAX):,}",
        # What a paste is held to: the API's own limit (FACTCHECK_MAX_TEXT_CHARS is for
        # imports), said apart when an operator set the imports' lower.
        "paste_max_chars": ARTICLE_TEXT_MAX,
        "paste_max_chars_said": f"{ARTICLE_TEXT_MAX:,}",
        "limits_differ": settings.FACTCHECK_MAX_TEXT_CHARS < ARTICLE_TEXT_MAX,
    }
    return render(request, "annotations/article_new.html", context)


@login_required
def article_revision(request, pk: int, number: int):
    """One revision's text as it was, with a claim checked on it highlighted (`?claim=`)."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    revision = get_object_or_404(article.revisions, number=number)
    claim_id = request.GET.get("claim", "")
    # A malformed ?claim= shows the revision without a highlight instead of failing.
    claim = (
        article.claims.filter(pk=int(claim_id), revision=revision).first()
        if claim_id.isascii() and claim_id.isdigit() and len(claim_id) < 19
        else None
    )
    paragraphs = []
    for paragraph in article_blocks(revision.text, []):
        chunk, offset = paragraph["text"], paragraph["start"]
        a, b = len(chunk), len(chunk)
        if claim is not None and claim.start < offset + len(chunk) and claim.end > offset:
            a = max(claim.start - offset, 0)
            b = min(claim.end - offset, len(chunk))
        paragraphs.append({"before": chunk[:a], "mark": chunk[a:b], "after": chunk[b:]})
    latest = article.latest_revision_number()
    context = {
        "article": article,
        "revision": revision,
        "claim": claim,
        "paragraphs": paragraphs,
        "latest": latest,
    }
    return render(request, "annotations/article_revision.html", context)


def _meta_line(article: Article, revision: int | None) -> list[str]:
    """Byline, publisher, date and revision: the parts that exist, in reading order."""
    # An article without a date says so rather than leaving the reader to guess.
    parts = [article.byline, article.publisher, article.published_on or "no date found"]
    parts.append(f"revision {revision}" if revision else "")
    return [str(part) for part in parts if part]


class InviteForm(forms.Form):
    invitee = forms.CharField(
        label="Username or email address",
        max_length=254,
        help_text="An existing account is invited at the address on its account.",
    )
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.EDITOR)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser cut a longer pasted address to `maxlength` without a word, and the
        # invitation went to the cut address: the server says it is too long instead.
        self.fields["invitee"].widget.attrs.pop("maxlength", None)


@login_required
def members(request):
    """The organization's members and roles; its admins invite, change roles and remove."""
    organization = current_organization.current(request)
    if organization is None:
        raise Http404("You are not a member of any organization.")
    is_admin = permissions.can_manage_members(request.user, organization)
    invite = InviteForm()
    status, retry_after = 200, None
    if request.method == "POST":
        action = request.POST.get("action")
        # Any member may leave; everything else here is an admin's.
        leaving = action == "remove" and request.POST.get("user") == str(request.user.pk)
        if not is_admin and not leaving:
            raise PermissionDenied("Only an organization admin can manage members.")
        if action == "invite":
            invite = InviteForm(request.POST)
        throttled = action in ("invite", "resend") and throttling.over_limit(
            request, "invitation-send", throttling.user_key
        )
        try:
            if throttled:
                # The page again, with what was typed, rather than a bare "too many".
                said, retry_after = throttling.limit_reached("invitation-send", "invitations")
                raise ValidationError({"__all__": [said]} if action == "invite" else said)
            if _change_members(request, organization, invite):
                # One who has just left the organization can no longer see its members.
                if not permissions.is_member(request.user, organization):
                    return redirect("article-list")
                return redirect(request.get_full_path())
        except ValidationError as error:
            if action == "invite" and hasattr(error, "error_dict"):
                invite.add_error(None, error)
            else:
                messages.error(request, " ".join(error.messages))
        status = 429 if retry_after else 400
    context = {
        "organization": organization,
        # The forms post to the organization they show, whatever is chosen meanwhile in
        # another tab.
        "members_url": f"{reverse('members')}?{urlencode({'org': organization.slug})}",
        "memberships": queries.members_shown(request.user, organization),
        "invitations": queries.invitations_shown(request.user, organization),
        "now": timezone.now(),
        "roles": Membership.Role.choices,
        "is_admin": is_admin,
        # Giving up one's admin role is asked first only where another admin remains: the
        # last admin's is refused anyway, and asking first would suggest otherwise.
        "other_admins": queries.members_shown(request.user, organization)
        .filter(role=Membership.Role.ADMIN)
        .exclude(user=request.user)
        .exists(),
        "invite": invite,
    }
    response = render(request, "annotations/members.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _change_members(request, organization, invite: InviteForm) -> bool:
    """Carry out the posted action; False when the invitation form needs correcting."""
    action = request.POST.get("action")
    if action == "invite":
        if not invite.is_valid():
            return False
        invitation = services.invitation_create(
            organization=organization, actor=request.user, **invite.cleaned_data
        )
        sent = "sent again" if invitation.send_count > 1 else "sent"
        # The role is said every time: inviting someone already invited re-sends the pending
        # invitation with the role chosen now, which may not be the one first chosen.
        role = invitation.get_role_display().lower()
        whom = invitation.invitee_shown
        messages.success(
            request,
            f"Invitation {sent} to {whom} as {role}, at the address on their account."
            if whom != invitation.email
            else f"Invitation {sent} to {whom} as {role}.",
        )
        return True
    if action in ("resend", "revoke"):
        invitation = _chosen(
            queries.open_invitations(organization),
            request.POST.get("invitation"),
            "That invitation is no longer waiting for an answer.",
        )
        if action == "resend":
            services.invitation_resend(invitation=invitation, actor=request.user)
            messages.success(request, "Invitation sent again with a new link.")
        else:
            services.invitation_revoke(invitation=invitation, actor=request.user)
            messages.success(request, "Invitation withdrawn; its link no longer works.")
        return True
    if action not in ("role", "remove"):
        raise ValidationError("Unknown action.")
    member = _chosen(
        queries.organization_members(organization),
        request.POST.get("user"),
        "Choose a member of this organization from the list.",
    )
    # An admin's organization tokens, and the invitations they sent that wait for an answer,
    # end with the role (services.organizations).
    yourself = member == request.user
    they = "you" if yourself else "they"
    tokens = queries.organization_tokens(organization).filter(user=member).count()
    invited = queries.pending_invitations_sent(organization, member).count()
    revoked = ""
    if tokens:
        made = "token" if tokens == 1 else "tokens"
        revoked += (
            f" The {_number_of(tokens)}organization {made} {they} made {_was(tokens)} revoked."
        )
    if invited:
        sent = "invitation" if invited == 1 else "invitations"
        revoked += (
            f" The {_number_of(invited)}{sent} {they} sent that no one has answered yet "
            f"{_was(invited)} withdrawn."
        )
    if action == "role":
        role = request.POST.get("role", "")
        before = permissions.role_in(member, organization)
        services.membership_set(
            organization=organization, user=member, role=role, actor=request.user
        )
        if role == before:
            shown = dict(Membership.Role.choices)[role].lower()
            messages.info(request, f"{member.get_username()} is {shown} already: nothing changed.")
            return True
        updated = f"Updated {member.get_username()}."
        if before == Membership.Role.ADMIN and role != Membership.Role.ADMIN:
            updated += revoked
        messages.success(request, updated)
        return True
    unassigned = services.member_remove(organization=organization, actor=request.user, user=member)
    removed = (
        f"You left {organization.name}."
        if yourself
        else f"Removed {member.get_username()} from {organization.name}."
    )
    if unassigned:
        them = "you" if yourself else "them"
        claims = "claim" if unassigned == 1 else "claims"
        removed += (
            f" The {_number_of(unassigned)}{claims} assigned to {them} "
            f"{'is' if unassigned == 1 else 'are'} now assigned to nobody."
        )
    messages.success(request, removed + revoked)
    return True


def _number_of(number: int) -> str:
    """Nothing for one ("The organization token..."), else the number ("The 2 organization...")."""
    return "" if number == 1 else f"{number} "


def _was(number: int) -> str:
    return "was" if number == 1 else "were"


def _chosen(queryset, value, message: str):
    """The row of `queryset` whose id was posted as `value`; ValidationError(message) if none."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = None
    row = queryset.filter(pk=pk).first() if pk and 0 < pk < 2**63 else None
    if row is None:
        raise ValidationError(message)
    return row


class SignupForm(forms.Form):
    """A newcomer's account; the email address is the invitation's, so it is not a field."""

    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @/./+/-/_ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


@never_cache
def invitation(request, token: str):
    """An invitation link: who invites whom to what, and the one way to answer it.

    Signed in as the invited account: an Accept button. Signed out, for an existing account:
    a link to sign in as it. Signed out, for a newcomer: a form to create the account. Any
    other account: a refusal. A bad, used, expired or withdrawn link: a page saying which.
    """
    try:
        invitation = services.invitation_open(token=token)
    except services.InvitationUnavailable as unavailable:
        return render(
            request,
            "annotations/invitation_unavailable.html",
            {"message": str(unavailable), "reason": unavailable.reason},
            status=404 if unavailable.reason == "unknown" else 410,
        )
    user = request.user
    role = permissions.role_in(user, invitation.organization)
    if permissions.can_accept_invitation(user, invitation):
        # A member already (added some other way): accepting would change nothing, and saying
        # "You are now a member" would suggest the invited role was taken.
        step = "member" if role else "accept"
    elif user.is_authenticated:
        step = "wrong-account"
    elif invitation.invited_user is not None or _has_account(invitation.email):
        step = "sign-in"
    else:
        step = "sign-up"
    form = SignupForm() if step == "sign-up" else None
    status = 200
    if request.method == "POST":
        try:
            if step == "accept":
                services.invitation_accept(token=token, actor=user)
                messages.success(request, f"You are now a member of {invitation.organization}.")
                return redirect(f"{reverse('members')}?org={invitation.organization.slug}")
            if step == "sign-up":
                form = SignupForm(request.POST)
                if form.is_valid():
                    user = services.invitation_signup(
                        token=token,
                        username=form.cleaned_data["username"],
                        password=form.cleaned_data["password"],
                    )
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    messages.success(
                        request, f"Welcome! You are now a member of {invitation.organization}."
                    )
                    return redirect("article-list")
                status = 400
            elif step == "member":
                raise PermissionDenied(
                    f"You are already a member of {invitation.organization}: nothing has changed."
                )
            elif step == "sign-in":
                raise PermissionDenied("Sign in to accept this invitation.")
            else:
                raise PermissionDenied("This invitation is for another account.")
        except ValidationError as error:
            if form is not None:
                form.add_error(None, error)
            else:
                messages.error(request, " ".join(error.messages))
            status = 400
        except PermissionDenied as refusal:
            messages.error(request, str(refusal))
            status = 403
        except services.InvitationUnavailable as unavailable:
            return render(
                request,
                "annotations/invitation_unavailable.html",
                {"message": str(unavailable), "reason": unavailable.reason},
                status=410,
            )
    context = {
        "invitation": invitation,
        "step": step,
        "role": dict(Membership.Role.choices).get(role, ""),
        "form": form,
        "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
    }
    return render(request, "annotations/invitation.html", context, status=status)


class SignOut(auth_views.LogoutView):
    """Sign out, and have the browser forget what this site stored in it: a card's unsaved
    input is kept in localStorage, and must not be offered to whoever signs in next on the
    same browser (the workspace also keys it by user, for a session that simply expired)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"storage"'
        return response


def _has_account(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exists()


# Pages that follow the organization the member works in, or are the same whichever it is:
# switching stays on them. Every other page belongs to one organization (an article, its
# settings), so switching leaves it for the desk.
STAY_AFTER_SWITCH = {
    "article-list",
    "article-new",
    "members",
    "my-organization-settings",
    "notifications",
    "notification-settings",
    "api-tokens",
}
# Query parameters of the page left behind that belonged to the organization left: its name,
# and the page number of its list.
LEFT_BEHIND_ON_SWITCH = {"org", "page"}


@login_required
@require_POST
def organization_switch(request):
    """Work in another of the member's organizations (the header's switcher)."""
    organization = get_object_or_404(
        queries.organizations_of(request.user), slug=request.POST.get("organization", "")
    )
    current_organization.remember(request, organization)
    messages.success(request, f"You are working in {organization.name}.")
    return redirect(_page_after_switch(request, request.POST.get("next", "")))


def _page_after_switch(request, next_url: str) -> str:
    """`next_url` without the organization it named, if it follows the choice; else the desk."""
    desk = reverse("article-list")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return desk
    parts = urlsplit(next_url)
    try:
        page = resolve(parts.path)
    except Resolver404:
        return desk
    if page.url_name not in STAY_AFTER_SWITCH:
        return desk
    query = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in query if key not in LEFT_BEHIND_ON_SWITCH]
    return f"{parts.path}?{urlencode(kept)}" if kept else parts.path
