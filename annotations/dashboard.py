"""A member's home page and notification pages: what waits for them, and what they were told."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotations import current_organization, notifications, queries, services, views
from annotations.models import Notification, workspace_claim_url

# How many notifications the page lists (and marks read at once).
NOTIFICATIONS_LISTED = 200
_ROW_ID = re.compile(r"[0-9]{1,18}")


def _claim_link(claim) -> str:
    return workspace_claim_url(claim.article_id, claim.pk)


@login_required
def dashboard(request):
    """The member's queues (review, assigned, drafts, changes requested, orphans, recently
    published), each entry opening the claim's card, and the article list below: those of
    the organization they work in."""
    organization = current_organization.current(request)
    queues = queries.dashboard_queues(request.user, organization)
    for queue in queues:
        for claim in queue["claims"]:
            claim.card_link = _claim_link(claim)
    context = {
        **views.article_list_context(request, organization),
        "queues": queues,
        "waiting": sum(queue["count"] for queue in queues if queue["key"] != "published"),
    }
    return render(request, "annotations/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    """The member's notifications, newest first; POST marks some (or all) read."""
    if request.method == "POST":
        # Ids a database can hold (str.isdigit() also takes "²", and 30 digits overflow),
        # as many as the page lists.
        ids = [int(value) for value in request.POST.getlist("id") if _ROW_ID.fullmatch(value)]
        ids = ids[:NOTIFICATIONS_LISTED]
        every = request.POST.get("all") == "1"
        marked = services.notifications_mark_read(actor=request.user, ids=ids, every=every)
        messages.success(request, f"Marked {marked} read." if marked else "Nothing to mark.")
        return redirect("notifications")
    rows = list(queries.notifications_for(request.user)[:NOTIFICATIONS_LISTED])
    for row in rows:
        row.link = notifications.claim_link(row)
    context = {"notifications": rows, "unread": sum(1 for row in rows if row.read_at is None)}
    return render(request, "annotations/notifications.html", context)


class EmailKindsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        choices=Notification.Kind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """Each of the member's organizations: which kinds of notification arrive by email."""
    memberships = list(queries.memberships_of(request.user))
    if request.method == "POST":
        membership = next(
            (m for m in memberships if str(m.pk) == request.POST.get("membership")), None
        )
        if membership is None:
            raise PermissionDenied("Not one of your memberships.")
        form = EmailKindsForm(request.POST, prefix=f"m{membership.pk}")
        if form.is_valid():
            services.notification_email_kinds_set(
                actor=request.user, membership=membership, kinds=form.cleaned_data["kinds"]
            )
            messages.success(request, f"Email choices saved for {membership.organization.name}.")
            return redirect("notification-settings")
    for membership in memberships:
        membership.form = EmailKindsForm(
            prefix=f"m{membership.pk}", initial={"kinds": membership.email_kinds}
        )
    return render(request, "annotations/notification_settings.html", {"memberships": memberships})


def unread_notifications(request) -> dict:
    """Template context: the signed-in member's unread count, counted only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notification_count": lambda: queries.unread_notification_count(user)}
