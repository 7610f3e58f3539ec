"""Every write to the data model: keyword-only service functions, one transaction each."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from annotations import anchoring, ingest, permissions
from annotations.ingest import formats as ingest_formats
from annotations.ingest.pdffile import open_pdf
from annotations.ingest.text import canonical_text
from annotations.models import (
    Article,
    ArticleImport,
    ArticleRevision,
    Claim,
    ClaimEvent,
    Membership,
    Organization,
    Rating,
    RatingScale,
    Source,
)

# The default verdict scale: label, value (None = outside the numeric range), colour, description.
# Colours are dark enough for white text at WCAG AA contrast.
DEFAULT_SCALE = [
    ("True", 5, "#1a7f37", "The claim is accurate and nothing significant is missing."),
    ("Mostly true", 4, "#4d7c0f", "Accurate, but needs clarification or additional information."),
    ("Half true", 3, "#9a6700", "Partially accurate; leaves out important details."),
    ("Mostly false", 2, "#bc4c00", "Contains an element of truth but ignores critical facts."),
    ("False", 1, "#cf222e", "The claim is not accurate."),
    ("Misleading", None, "#8250df", "Accurate in its parts, but gives a false impression."),
    ("Unverifiable", None, "#57606a", "Available evidence can neither prove nor disprove it."),
]


class StaleVersion(Exception):
    """The claim changed since the caller read it."""

    def __init__(self, claim: Claim):
        self.claim = claim
        who = claim.events.order_by("-created_at", "-id").values_list("actor__username", flat=True)
        self.changed_by = next(iter(who), None) or "someone"
        super().__init__(f"This claim was changed by {self.changed_by} since you opened it.")


# Organizations, members and scales


@transaction.atomic
def organization_create(*, name: str, slug: str, url: str = "", admin=None) -> Organization:
    """Create a newsroom with the default verdict scale, and make `admin` its first admin."""
    organization = Organization(name=name, slug=slug, url=url)
    organization.full_clean()
    organization.save()
    rating_scale_create_default(organization=organization)
    if admin is not None:
        membership_set(organization=organization, user=admin, role=Membership.Role.ADMIN)
    return organization


@transaction.atomic
def rating_scale_create_default(*, organization: Organization) -> RatingScale:
    """Give the organization the shipped five-point scale plus Misleading and Unverifiable."""
    scale = RatingScale(organization=organization, name="Default", worst_value=1, best_value=5)
    scale.full_clean()
    scale.save()
    for position, (label, value, colour, description) in enumerate(DEFAULT_SCALE, start=1):
        rating = Rating(
            scale=scale,
            label=label,
            value=value,
            position=position,
            colour=colour,
            description=description,
        )
        rating.full_clean()
        rating.save()
    return scale


@transaction.atomic
def membership_set(*, organization: Organization, user, role: str, actor=None) -> Membership:
    """Add `user` to the organization with `role`, or change their role."""
    if actor is not None and not permissions.can_manage_members(actor, organization):
        raise PermissionDenied("Only an organization admin can manage members.")
    membership, _ = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    admins = Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN)
    if (
        membership.role == Membership.Role.ADMIN
        and role != Membership.Role.ADMIN
        and admins.count() == 1
    ):
        raise ValidationError("The organization needs at least one admin.")
    membership.role = role
    membership.full_clean()
    membership.save()
    return membership


# Articles


@transaction.atomic
def article_create(
    *,
    organization: Organization,
    title: str,
    text: str,
    created_by,
    byline: str = "",
    publisher: str = "",
    canonical_url: str = "",
    published_on: dt.date | None = None,
    language: str = "",
) -> Article:
    """Create an article from its text (made canonical) and record it as revision 1."""
    article = Article(
        organization=organization,
        title=title.strip(),
        text=canonical_text(text),
        created_by=created_by,
        byline=byline.strip(),
        publisher=publisher.strip(),
        canonical_url=canonical_url,
        published_on=published_on,
        language=language,
    )
    if not article.text:
        raise ValidationError({"text": "The article has no text."})
    article.full_clean()
    article.save()
    _revision_create(article=article, actor=created_by, reason="created")
    return article


def _revision_create(*, article: Article, actor, reason: str) -> ArticleRevision:
    last = article.revisions.aggregate(last=Max("number"))["last"] or 0
    revision = ArticleRevision(
        article=article, number=last + 1, text=article.text, created_by=actor, reason=reason
    )
    revision.full_clean()
    revision.save()
    return revision


@dataclass(frozen=True)
class ReanchorReport:
    """What re-anchoring an article's claims on a new revision did."""

    moved: int = 0
    unchanged: int = 0
    orphaned: int = 0
    sent_to_review: int = 0
    deferred: bool = False


@transaction.atomic
def article_update_text(
    *, article: Article, text: str, actor, reason: str = "text edited"
) -> ReanchorReport:
    """Replace the article's text with a new revision and re-anchor every claim on it.

    The old text stays in its revision. Large articles are re-anchored by a Celery task;
    their claims are marked as re-anchoring until it runs.
    """
    new_text = canonical_text(text)
    if not new_text:
        raise ValidationError({"text": "The article has no text."})
    article = Article.objects.select_for_update().get(pk=article.pk)
    if new_text == article.text:
        return ReanchorReport(unchanged=article.claims.count())
    article.text = new_text
    article.full_clean()
    article.save(update_fields=["text", "updated_at"])
    revision = _revision_create(article=article, actor=actor, reason=reason)

    claims = article.claims.exclude(anchor_state=Claim.AnchorState.ORPHANED)
    if claims.count() > settings.FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS:
        from annotations import tasks

        claims.update(anchor_state=Claim.AnchorState.REANCHORING)
        transaction.on_commit(lambda: tasks.reanchor_article.delay(article.pk, revision.pk))
        return ReanchorReport(deferred=True)
    return claims_reanchor(article=article, revision=revision)


@transaction.atomic
def claims_reanchor(*, article: Article, revision: ArticleRevision) -> ReanchorReport:
    """Anchor the article's non-orphaned claims on `revision`, orphaning those that are lost."""
    if revision.article_id != article.pk:
        raise ValueError("The revision belongs to another article.")
    text = revision.text
    anchorer = anchoring.Anchorer(text)
    moved = unchanged = orphaned = sent_to_review = 0
    claims = list(
        article.claims.exclude(anchor_state=Claim.AnchorState.ORPHANED).select_for_update()
    )
    for claim in claims:
        result = anchorer.resolve(claim.selectors)
        changes: dict = {}
        if result.found:
            old_span, old_exact = [claim.start, claim.end], claim.exact
            claim.anchor_to(revision, result.start, result.end)
            if old_span == [claim.start, claim.end] and old_exact == claim.exact:
                unchanged += 1
            else:
                moved += 1
                changes["position"] = [old_span, [claim.start, claim.end]]
            if old_exact != claim.exact:
                changes["exact"] = [old_exact, claim.exact]
        else:
            orphaned += 1
            # Keep the last selectors and revision so the claim can still be shown
            # against the text it was checked on.
            claim.anchor_state = Claim.AnchorState.ORPHANED
            claim.orphan_reason = result.reason
            changes["orphaned"] = result.reason
        # A published verdict on words that changed must be looked at again.
        if claim.status == Claim.Status.PUBLISHED and ("exact" in changes or "orphaned" in changes):
            claim.status = Claim.Status.IN_REVIEW
            changes["status"] = [Claim.Status.PUBLISHED, Claim.Status.IN_REVIEW]
            sent_to_review += 1
        if changes or claim.anchor_state != Claim.AnchorState.ANCHORED:
            claim.version = F("version") + 1
        claim.save()
        if changes:
            _event(claim, None, "reanchored", {**changes, "revision": revision.number})
    return ReanchorReport(
        moved=moved, unchanged=unchanged, orphaned=orphaned, sent_to_review=sent_to_review
    )


# Claims

CLAIM_EDITABLE_FIELDS = (
    "claim_reviewed",
    "claimant",
    "claim_date",
    "rating",
    "conclusion",
    "assignee",
    "tags",
)


def _event(claim: Claim, actor, action: str, changes: dict) -> ClaimEvent:
    return ClaimEvent.objects.create(claim=claim, actor=actor, action=action, changes=changes)


def _require_editor(actor, organization: Organization) -> None:
    if not permissions.can_edit(actor, organization):
        raise PermissionDenied("Only editors of this organization can change its claims.")


@transaction.atomic
def claim_create(
    *,
    article: Article,
    creator,
    selectors: list[dict],
    claim_reviewed: str = "",
    claimant: str = "",
    claim_date: dt.date | None = None,
) -> Claim:
    """Anchor the selection in the article's current text and record it as a draft claim.

    The selectors must point at the current text exactly; a mismatch raises
    `anchoring.AnchorError` and nothing is stored.
    """
    _require_editor(creator, article.organization)
    if article.status != Article.Status.READY:
        raise ValidationError("The article is not ready for claims yet.")
    start, end = _anchor_selection(article.text, selectors)
    claim = Claim(article=article, claimant=claimant, claim_date=claim_date, creator=creator)
    claim.anchor_to(article.revisions.order_by("-number").first(), start, end)
    claim.claim_reviewed = (claim_reviewed or claim.exact).strip()
    claim.full_clean()
    claim.save()
    _event(claim, creator, "created", {"exact": claim.exact, "start": start, "end": end})
    return claim


def _anchor_selection(text: str, selectors: list[dict]) -> tuple[int, int]:
    """The span a new selection covers; malformed selectors are refused like mismatched ones."""
    try:
        return anchoring.require_exact(text, selectors)
    except anchoring.AnchorError:
        raise
    except ValueError as error:
        raise anchoring.AnchorError(str(error)) from error


def _lock_current(claim: Claim, expected_version: int | None) -> Claim:
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current)
    return current


def _as_history_value(value):
    if isinstance(value, Rating):
        return value.label
    if hasattr(value, "get_username"):
        return value.get_username()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@transaction.atomic
def claim_update(*, claim: Claim, actor, expected_version: int | None, **fields) -> Claim:
    """Change a claim's editable fields, refusing if someone changed it since `expected_version`."""
    unknown = set(fields) - set(CLAIM_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    _require_editor(actor, claim.article.organization)
    claim = _lock_current(claim, expected_version)
    rating = fields.get("rating")
    if rating is not None and rating.scale.organization_id != claim.article.organization_id:
        raise ValidationError({"rating": "That rating belongs to another organization's scale."})
    changes = {}
    for name, value in fields.items():
        old = getattr(claim, name)
        if old != value:
            changes[name] = [_as_history_value(old), _as_history_value(value)]
            setattr(claim, name, value)
    if not changes:
        return claim
    if claim.status == Claim.Status.PUBLISHED and "rating" in changes:
        # A changed verdict is never published silently: it goes back to review.
        claim.status = Claim.Status.IN_REVIEW
        changes["status"] = [Claim.Status.PUBLISHED, Claim.Status.IN_REVIEW]
    claim.version += 1
    claim.full_clean()
    claim.save()
    _event(claim, actor, "updated", changes)
    return claim


# Which status may follow which, and who may make the move.
TRANSITIONS = {
    (Claim.Status.DRAFT, Claim.Status.IN_REVIEW): permissions.can_edit,
    (Claim.Status.IN_REVIEW, Claim.Status.DRAFT): permissions.can_edit,
    (Claim.Status.IN_REVIEW, Claim.Status.PUBLISHED): permissions.can_publish,
    (Claim.Status.PUBLISHED, Claim.Status.IN_REVIEW): permissions.can_publish,
    (Claim.Status.PUBLISHED, Claim.Status.RETRACTED): permissions.can_publish,
    (Claim.Status.RETRACTED, Claim.Status.IN_REVIEW): permissions.can_publish,
}


@transaction.atomic
def claim_transition(
    *, claim: Claim, actor, to_status: str, expected_version: int | None = None, note: str = ""
) -> Claim:
    """Move a claim along the workflow: draft → in review → published → retracted."""
    claim = _lock_current(claim, expected_version)
    organization = claim.article.organization
    allowed = TRANSITIONS.get((claim.status, to_status))
    if allowed is None:
        raise ValidationError(
            f"A {claim.get_status_display().lower()} claim cannot become "
            f"{Claim.Status(to_status).label.lower()}."
        )
    if not allowed(actor, organization):
        raise PermissionDenied("Your role does not allow this step.")
    if to_status == Claim.Status.PUBLISHED:
        _check_publishable(claim, actor)
        claim.reviewer = actor
        claim.published_at = timezone.now()
    if to_status == Claim.Status.RETRACTED:
        if not note.strip():
            raise ValidationError({"note": "A retraction needs a public correction note."})
        claim.correction_note = note.strip()
    changes = {"status": [claim.status, to_status]}
    if note:
        changes["note"] = note
    claim.status = to_status
    claim.version += 1
    claim.full_clean()
    claim.save()
    _event(claim, actor, "status", changes)
    return claim


def _check_publishable(claim: Claim, actor) -> None:
    problems = []
    if claim.rating_id is None:
        problems.append("a rating")
    if not claim.conclusion.strip():
        problems.append("a conclusion")
    if not claim.sources.exists():
        problems.append("at least one source")
    if problems:
        raise ValidationError(f"Publishing needs {', '.join(problems)}.")
    if claim.anchor_state != Claim.AnchorState.ANCHORED:
        raise ValidationError("An orphaned claim must be re-attached before it is published.")
    if claim.article.organization.requires_two_person_review and claim.creator_id == actor.pk:
        raise PermissionDenied("Another member must publish a claim you created.")


@transaction.atomic
def claim_reattach(
    *, claim: Claim, actor, selectors: list[dict], expected_version: int | None = None
) -> Claim:
    """Anchor an orphaned (or any) claim to a new selection in the article's current text."""
    _require_editor(actor, claim.article.organization)
    claim = _lock_current(claim, expected_version)
    article = claim.article
    start, end = _anchor_selection(article.text, selectors)
    changes = {"exact": [claim.exact], "position": [[claim.start, claim.end]]}
    claim.anchor_to(article.revisions.order_by("-number").first(), start, end)
    changes["exact"].append(claim.exact)
    changes["position"].append([claim.start, claim.end])
    claim.version += 1
    claim.full_clean()
    claim.save()
    _event(claim, actor, "reattached", changes)
    return claim


# Sources


@transaction.atomic
def source_add(
    *,
    claim: Claim,
    actor,
    url: str,
    title: str = "",
    publisher: str = "",
    quote: str = "",
    stance: str = Source.Stance.CONTEXT,
) -> Source:
    """Cite a source for the claim."""
    _require_editor(actor, claim.article.organization)
    source = Source(
        claim=claim,
        url=url,
        title=title.strip(),
        publisher=publisher.strip(),
        quote=quote.strip(),
        stance=stance,
        added_by=actor,
    )
    source.full_clean()
    source.save()
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)
    _event(claim, actor, "source added", {"url": url, "stance": stance})
    return source


# Imports: uploads and URLs into articles


def _require_article_editor(actor, organization: Organization) -> None:
    if not permissions.can_edit(actor, organization):
        raise PermissionDenied("Your role does not allow adding articles.")


def _store_original(article_import: ArticleImport, data: bytes) -> None:
    article_import.size = len(data)
    article_import.sha256 = hashlib.sha256(data).hexdigest()
    article_import.original.save(article_import.sha256, ContentFile(data), save=False)


@transaction.atomic
def _article_from_extracted(
    *,
    article_import: ArticleImport,
    extracted: ingest.Extracted,
    actor,
    title: str = "",
) -> Article:
    """Fill a new article from extracted text, or give an existing one a new revision."""
    article = article_import.article
    if article is not None and article.status == Article.Status.READY:
        article_update_text(article=article, text=extracted.text, actor=actor, reason="re-imported")
    elif article is not None:
        # A placeholder made when an asynchronous import began.
        article.title = (title or extracted.title or article.title)[:500]
        article.text = ingest.canonical_text(extracted.text)
        article.status = Article.Status.READY
        article.import_error = ""
        _copy_metadata(article, extracted, article_import)
        article.full_clean()
        article.save()
        _revision_create(article=article, actor=actor, reason="imported")
    else:
        article = article_create(
            organization=article_import.organization,
            title=(title or extracted.title or _display_name(article_import))[:500],
            text=extracted.text,
            created_by=actor,
        )
        _copy_metadata(article, extracted, article_import)
        article.full_clean()
        article.save()
    article_import.article = article
    article_import.media_type = extracted.media_type
    article_import.state = ArticleImport.State.SUCCEEDED
    article_import.error = ""
    article_import.finished_at = timezone.now()
    article_import.save()
    return article


def _copy_metadata(article: Article, extracted: ingest.Extracted, article_import: ArticleImport):
    article.byline = article.byline or extracted.byline[:300]
    article.publisher = article.publisher or extracted.publisher[:200]
    article.canonical_url = (
        article.canonical_url or extracted.canonical_url or article_import.final_url
        or article_import.source_url
    )[:2000]  # fmt: skip
    article.published_on = article.published_on or extracted.published
    article.language = article.language or extracted.language[:20]


def _display_name(article_import: ArticleImport) -> str:
    return article_import.filename or article_import.source_url or "Imported article"


@transaction.atomic
def import_fail(*, article_import: ArticleImport, message: str) -> ArticleImport:
    """Record why an import failed, on the import and on its placeholder article."""
    article_import.state = ArticleImport.State.FAILED
    article_import.error = message[:500]
    article_import.finished_at = timezone.now()
    article_import.save()
    article = article_import.article
    if article is not None and article.status == Article.Status.IMPORTING:
        article.status = Article.Status.FAILED
        article.import_error = message[:2000]
        article.save(update_fields=["status", "import_error", "updated_at"])
    return article_import


def import_run(*, article_import: ArticleImport) -> ArticleImport:
    """Fetch (for a URL) and extract a pending import; failures are recorded, not raised."""
    from annotations.evidence import fetcher

    data = b""
    try:
        if article_import.kind == ArticleImport.Kind.URL and not article_import.sha256:
            fetched = fetcher.fetch(
                article_import.source_url, policy=fetcher.policy_from_settings()
            )
            with transaction.atomic():
                article_import.final_url = fetched.final_url[:2000]
                article_import.declared_type = fetched.declared_type[:200]
                _store_original(article_import, fetched.body)
                article_import.save()
            data = fetched.body
        else:
            with article_import.original.open("rb") as original:
                data = original.read()
        extracted = ingest.extract(
            data,
            filename=article_import.filename,
            declared_type=article_import.declared_type,
            limits=ingest.limits_from_settings(),
            source_url=article_import.final_url or article_import.source_url,
        )
    except (fetcher.FetchError, ingest.IngestError) as error:
        return import_fail(article_import=article_import, message=str(error))
    _article_from_extracted(
        article_import=article_import, extracted=extracted, actor=article_import.requested_by
    )
    return article_import


@transaction.atomic
def _import_begin(
    *,
    organization: Organization,
    requested_by,
    kind: str,
    article: Article | None,
    title: str = "",
    filename: str = "",
    source_url: str = "",
    declared_type: str = "",
    data: bytes = b"",
) -> ArticleImport:
    if article is None:
        placeholder = title or filename or source_url
        article = Article(
            organization=organization,
            title=placeholder[:500],
            canonical_url=source_url,
            status=Article.Status.IMPORTING,
            created_by=requested_by,
        )
        article.full_clean()
        article.save()
    article_import = ArticleImport(
        organization=organization,
        article=article,
        requested_by=requested_by,
        kind=kind,
        filename=filename[:255],
        source_url=source_url,
        declared_type=declared_type[:200],
    )
    if data:
        _store_original(article_import, data)
    article_import.full_clean()
    article_import.save()
    return article_import


def _queue_or_run(article_import: ArticleImport, in_process: bool) -> None:
    if in_process:
        import_run(article_import=article_import)
        return
    from annotations import tasks

    transaction.on_commit(lambda: tasks.run_import.delay(article_import.pk))


def article_import_upload(
    *,
    organization: Organization,
    requested_by,
    data: bytes,
    filename: str,
    declared_type: str = "",
    title: str = "",
    article: Article | None = None,
    in_process: bool = False,
) -> Article:
    """Import an uploaded document as a new article, or as a new revision of `article`.

    The file is checked and (except for PDFs) extracted here: a refused file raises
    `IngestError` and stores nothing. PDFs are parsed by the worker under a time limit;
    the article shows as importing until then. `in_process` parses them here instead.
    """
    _require_article_editor(requested_by, organization)
    if article is not None and article.organization_id != organization.pk:
        raise PermissionDenied("That article belongs to another organization.")
    limits = ingest.limits_from_settings()
    ingest.check_size(len(data), limits)
    media_type = ingest_formats.detect(data, filename=filename, declared_type=declared_type)
    if media_type == ingest_formats.PDF:
        # Refuse what can be told at once (encrypted, damaged, too many pages); the text
        # layer is read by the worker.
        open_pdf(data, limits)
        with transaction.atomic():
            article_import = _import_begin(
                organization=organization, requested_by=requested_by,
                kind=ArticleImport.Kind.UPLOAD, article=article, title=title,
                filename=filename, declared_type=declared_type, data=data,
            )  # fmt: skip
            _queue_or_run(article_import, in_process)
        article_import.refresh_from_db()
        return article_import.article
    extracted = ingest.extract(data, filename=filename, declared_type=declared_type, limits=limits)
    with transaction.atomic():
        article_import = ArticleImport(
            organization=organization, article=article, requested_by=requested_by,
            kind=ArticleImport.Kind.UPLOAD, filename=filename[:255],
            declared_type=declared_type[:200],
        )  # fmt: skip
        _store_original(article_import, data)
        article_import.save()
        return _article_from_extracted(
            article_import=article_import, extracted=extracted, actor=requested_by, title=title
        )


def article_import_url(
    *,
    organization: Organization,
    requested_by,
    url: str,
    title: str = "",
    in_process: bool = False,
) -> Article:
    """Start importing a web page; an article with that URL already gets a new revision.

    The URL is checked here (scheme, literal addresses); the fetch runs in the worker, which
    checks every resolved address. The article shows as importing until the task ends.
    """
    from annotations.evidence import fetcher

    _require_article_editor(requested_by, organization)
    try:
        url = fetcher.check_url(url, fetcher.policy_from_settings())
    except fetcher.FetchError as error:
        raise ValidationError({"url": str(error)}) from error
    existing = Article.objects.filter(
        organization=organization, canonical_url=url, status=Article.Status.READY
    ).first()
    with transaction.atomic():
        article_import = _import_begin(
            organization=organization, requested_by=requested_by, kind=ArticleImport.Kind.URL,
            article=existing, title=title, source_url=url,
        )  # fmt: skip
        _queue_or_run(article_import, in_process)
    article_import.refresh_from_db()
    return article_import.article


# Members


@transaction.atomic
def member_invite(
    *, organization: Organization, actor, username: str, email: str, role: str, request=None
) -> Membership:
    """Add a new member with `role`; they choose their password from the emailed reset link."""
    if not permissions.can_manage_members(actor, organization):
        raise PermissionDenied("Only an organization admin can invite members.")
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(username=username, email=email)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError({"username": f"{username} is already a member."})
    membership = membership_set(organization=organization, user=user, role=role, actor=actor)

    def send_invitation():
        from django.contrib.auth.tokens import default_token_generator
        from django.core.mail import send_mail
        from django.template.loader import render_to_string
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        context = {
            "organization": organization.name,
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "protocol": "https" if request is not None and request.is_secure() else "http",
            "domain": request.get_host() if request is not None else "localhost",
        }
        subject = render_to_string("registration/invitation_subject.txt", context).strip()
        body = render_to_string("registration/invitation_email.txt", context)
        send_mail(subject, body, None, [email])

    transaction.on_commit(send_invitation)
    return membership


@transaction.atomic
def member_remove(*, organization: Organization, actor, user) -> None:
    """Take `user` out of the organization; the last admin cannot be removed."""
    if not permissions.can_manage_members(actor, organization):
        raise PermissionDenied("Only an organization admin can remove members.")
    admins = Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN)
    if admins.filter(user=user).exists() and admins.count() == 1:
        raise ValidationError("The organization needs at least one admin.")
    Membership.objects.filter(organization=organization, user=user).delete()
