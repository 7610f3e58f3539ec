"""Comments on claims: internal threads with Markdown, @mentions that notify, resolving."""

from __future__ import annotations

import html
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from annotations import notifications, permissions, rendering
from annotations.models import Claim, Comment
from annotations.rows import locked

# "@rita" or "@anna.k" anywhere but inside a word or an email address.
MENTION = re.compile(r"(?<![\w@.])@([\w][\w.+-]*[\w]|[\w])", re.UNICODE)
COMMENT_MAX = 20_000


def mentioned_members(body: str, organization) -> list:
    """The organization's members named as @username in `body`, in order of first mention."""
    names = []
    # "@rita" quoted in code (`@rita`, a pasted log) is shown as text, and mentions no one.
    for match in MENTION.finditer(rendering.prose_of(body)):
        if match.group(1) not in names:
            names.append(match.group(1))
    if not names:
        return []
    users = {
        user.get_username(): user
        for user in get_user_model().objects.filter(
            username__in=names, memberships__organization=organization
        )
    }
    return [users[name] for name in names if name in users]


def _prepare(comment: Comment, body: str) -> list:
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    if len(body) > COMMENT_MAX:
        raise ValidationError({"body": f"At most {COMMENT_MAX:,} characters."})
    members = mentioned_members(body, comment.claim.article.organization)
    comment.body = body
    comment.body_html = rendering.markdown_to_safe_html(body)
    comment.mentions = [user.get_username() for user in members]
    return members


def _notify_mentions(comment: Comment, actor, members: list) -> None:
    if not members:
        return
    # Notifications and their emails are plain text: the comment as it reads, not its
    # Markdown ("**Twitter**" reads "Twitter").
    excerpt = " ".join(html.unescape(strip_tags(comment.body_html)).split())
    excerpt = excerpt if len(excerpt) <= 200 else excerpt[:199] + "…"
    notifications.notify(
        recipients=members,
        kind="mentioned",
        actor=actor,
        comment=comment,
        claim=comment.claim,
        message=f"{actor.get_username()} mentioned you: {excerpt}",
    )


@transaction.atomic
def comment_create(*, claim: Claim, actor, body: str, parent: Comment | None = None) -> Comment:
    """Comment on a claim, or reply in a thread; the members it @mentions are notified.

    A reply to a reply joins the thread of its first comment: threads are one level deep.
    A reply to a deleted comment, or in a thread whose first comment was deleted, is refused.
    """
    permissions.require_edit(actor, claim.article.organization)
    if permissions.is_system(actor):
        raise ValidationError("Comments are written by people.")
    # Locked: a comment on a draft deleted at that moment is refused as gone, not an error.
    locked(Claim.objects, "claim", pk=claim.pk)
    if parent is not None:
        if parent.claim_id != claim.pk:
            raise ValidationError({"parent": "That comment is on another claim."})
        # Locked so that a deletion cannot slip in between the check and the reply.
        replied_to = locked(Comment.objects, "comment", pk=parent.pk)
        thread = replied_to
        if replied_to.parent_id is not None:
            thread = locked(Comment.objects, "comment", pk=replied_to.parent_id)
        # Refused rather than allowed: deleting is how an author withdraws their words, and
        # a newsroom reads a withdrawn question as a closed conversation. A reply would
        # answer words nobody can read and, on a resolved thread, reopen what was settled.
        # Whoever still has something to say starts a new comment.
        if replied_to.deleted_at is not None or thread.deleted_at is not None:
            raise ValidationError(
                {
                    "parent": "That comment was deleted, so its thread takes no new replies. "
                    "Start a new comment instead."
                }
            )
        parent = thread
    comment = Comment(claim=claim, parent=parent, author=actor)
    members = _prepare(comment, body)
    comment.full_clean()
    comment.save()
    if parent is not None and parent.resolved_at is not None:
        # A new reply reopens a resolved thread: someone still has something to say.
        Comment.objects.filter(pk=parent.pk).update(resolved_at=None, resolved_by=None)
    _notify_mentions(comment, actor, members)
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, actor, body: str) -> Comment:
    """Change your own comment; members newly mentioned are notified."""
    comment = locked(
        Comment.objects.select_related("claim__article"), "comment", of=("self",), pk=comment.pk
    )
    permissions.require_own_comment(actor, comment)
    if comment.deleted_at is not None:
        raise ValidationError("A deleted comment cannot be edited.")
    before = set(comment.mentions)
    if body.strip() == comment.body:
        return comment
    members = _prepare(comment, body)
    comment.edited_at = timezone.now()
    comment.full_clean()
    comment.save()
    _notify_mentions(comment, actor, [m for m in members if m.get_username() not in before])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor) -> Comment:
    """Delete your own comment: its words go, its place in the thread stays ("deleted")."""
    comment = locked(
        Comment.objects.select_related("claim__article"), "comment", of=("self",), pk=comment.pk
    )
    permissions.require_own_comment(actor, comment)
    if comment.deleted_at is None:
        comment.deleted_at = timezone.now()
        comment.body = comment.body_html = ""
        comment.mentions = []
        comment.save()
        comment.notifications.all().delete()
    return comment


@transaction.atomic
def comment_resolve(*, comment: Comment, actor, resolved: bool = True) -> Comment:
    """Mark a thread resolved (or open again); a reply resolves the thread it belongs to."""
    thread = comment.parent if comment.parent_id is not None else comment
    thread = locked(
        Comment.objects.select_related("claim__article"), "comment", of=("self",), pk=thread.pk
    )
    permissions.require_edit(actor, thread.claim.article.organization)
    if resolved and thread.resolved_at is None:
        thread.resolved_at = timezone.now()
        thread.resolved_by = permissions.as_user(actor)
    elif not resolved:
        thread.resolved_at = None
        thread.resolved_by = None
    thread.save(update_fields=["resolved_at", "resolved_by"])
    return thread
