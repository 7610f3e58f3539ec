"""In-app and email notifications for members: who is told what, and the email job."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from annotations import jobs, permissions
from annotations.models import Comment, Membership, Notification, workspace_claim_url

logger = logging.getLogger(__name__)

# How long one email may take to hand to the mail server.
EMAIL_SOFT_TIME_LIMIT = 30
EMAIL_TIME_LIMIT = 45


def publishers_of(organization) -> list:
    """The members who may publish in `organization`: who a review request goes to."""
    memberships = Membership.objects.filter(
        organization=organization, role__in=permissions.PUBLISHING_ROLES
    ).select_related("user")
    return [membership.user for membership in memberships]


def notify(
    *,
    recipients: Iterable,
    kind: str,
    actor,
    claim=None,
    comment: Comment | None = None,
    article=None,
    organization=None,
    message: str,
) -> list[Notification]:
    """Tell each recipient who is a member of the claim's organization, except the actor.

    News about a whole `article` names it instead of a claim; a notification about a claim
    that no longer exists names its `organization`.
    Writes one Notification per person (None entries and duplicates are skipped) and, for
    those whose membership asks for this kind by email, queues an "email" job; it runs
    once the caller's transaction commits.
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown kind of notification: {kind!r}")
    if claim is None and comment is not None:
        claim = comment.claim
    if claim is not None:
        organization = claim.article.organization
    elif article is not None:
        organization = article.organization
    actor_user = permissions.as_user(actor)
    wanted = {user.pk: user for user in recipients if user is not None}
    wanted.pop(getattr(actor_user, "pk", None), None)
    memberships = Membership.objects.filter(organization=organization, user_id__in=list(wanted))
    created = []
    for membership in memberships:
        notification = Notification(
            recipient=wanted[membership.user_id],
            organization=organization,
            kind=kind,
            actor=actor_user,
            claim=claim,
            comment=comment,
            article=article,
            message=message[:500],
        )
        notification.full_clean()
        notification.save()
        created.append(notification)
        if kind in (membership.email_kinds or []) and notification.recipient.email:
            jobs.enqueue(kind="email", subject_id=notification.pk)
    return created


def claim_orphaned(claim, actor) -> list[Notification]:
    """A published claim lost its passage: its creator, assignee and publisher are told."""
    return notify(
        recipients=[claim.creator, claim.assignee, claim.reviewer],
        kind="orphaned",
        actor=actor,
        claim=claim,
        message=(
            "A published claim lost its passage in the new text and needs re-attaching: "
            + " ".join(claim.claim_reviewed.split())[:300]
        ),
    )


def claim_link(notification: Notification) -> str:
    """Where a notification leads: the claim's card in its article's workspace, or for news
    of an article's new text, the list of what it changes."""
    if notification.claim_id is None:
        if notification.article_id is not None:
            return reverse("article-text-changes", args=[notification.article_id])
        return "/notifications/"
    return workspace_claim_url(notification.claim.article_id, notification.claim_id)


def _send(notification: Notification) -> None:
    link = settings.PUBLIC_BASE_URL + claim_link(notification)
    context = {
        "notification": notification,
        "link": link,
        "kind": notification.get_kind_display(),
        "organization": notification.organization,
        "settings_link": settings.PUBLIC_BASE_URL + "/settings/notifications/",
    }
    subject = render_to_string("notifications/email_subject.txt", context)
    body = render_to_string("notifications/email.txt", context)
    send_mail(
        " ".join(subject.split()),
        body,
        None,
        [notification.recipient.email],
    )


@jobs.job_task("email", soft_time_limit=EMAIL_SOFT_TIME_LIMIT, time_limit=EMAIL_TIME_LIMIT)
def send_notification_email(job) -> None:
    """Email one notification to its recipient; a job that runs again after it was sent sends
    nothing.

    At least once, not exactly once: the mail server may take the message and the worker die
    before `emailed_at` is written, and the job's next attempt sends it again. A duplicate
    notice is the lesser harm; marking it sent first would lose it in that case.
    """
    notification = (
        Notification.objects.select_related("recipient", "organization", "claim", "actor")
        .filter(pk=job.subject_id)
        .first()
    )
    if notification is None or notification.emailed_at is not None:
        return
    membership = Membership.objects.filter(
        organization_id=notification.organization_id, user_id=notification.recipient_id
    ).first()
    if membership is None or notification.kind not in (membership.email_kinds or []):
        # They left, or changed their mind since: nothing to send.
        return
    _send(notification)
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
