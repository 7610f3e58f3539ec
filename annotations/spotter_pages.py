"""The organization's claim-spotter page: its labels, retraining on request, and the reports."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from annotations import permissions, queries, services, spotting
from annotations.models import Claim, Suggestion
from annotations.services.suggestions import active_spotter


@login_required
@require_http_methods(["GET", "POST"])
def spotter_page(request, slug: str):
    """Admins see what the spotter learned from, start a retraining and read its report."""
    organization = get_object_or_404(queries.organizations_of(request.user), slug=slug)
    if not permissions.can_manage_members(request.user, organization):
        raise PermissionDenied("Only an organization admin can retrain the claim spotter.")
    if request.method == "POST":
        services.spotter_train_request(organization=organization, actor=request.user)
        messages.success(
            request, "Retraining started. It runs in the background; reload to see the report."
        )
        return redirect(request.path)
    decided = Suggestion.objects.filter(article__organization=organization)
    active = active_spotter(organization)
    context = {
        "organization": organization,
        "section": "spotter",
        "accepted": decided.filter(state=Suggestion.State.ACCEPTED).count(),
        "dismissed": decided.filter(state=Suggestion.State.DISMISSED).count(),
        "claims": Claim.objects.filter(article__organization=organization).count(),
        "active": active,
        "shipped": spotting.get_model().meta,
        "runs": organization.spotter_models.select_related("requested_by")[:10],
        "share_labels": settings.FACTCHECK_SPOTTER_SHARE_LABELS,
    }
    return render(request, "annotations/spotter.html", context)
