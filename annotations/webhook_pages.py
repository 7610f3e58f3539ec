"""An organization's webhook and export pages, for its admins."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from annotations import current_organization, form_conflicts, queries, services
from annotations.models import Organization
from annotations.webhooks import events

DELIVERIES_PER_PAGE = 50


class WebhookForm(forms.Form):
    """Where events go, which ones, and a note for the admins."""

    url = forms.URLField(
        label="Endpoint URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Events are POSTed here as signed JSON (Standard Webhooks).",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    description = forms.CharField(
        max_length=200, required=False, help_text="What receives the events, e.g. “CMS sync”."
    )
    events = forms.MultipleChoiceField(
        choices=events.EVENT_TYPES,
        initial=list(events.EVENT_NAMES),
        widget=forms.CheckboxSelectMultiple,
        help_text="The claim events sent to this URL.",
    )


class WebhookEditForm(WebhookForm):
    is_active = forms.BooleanField(
        label="Active", required=False, help_text="Off: nothing is sent until switched on."
    )
    # Two admins editing one webhook: the second save is merged, or stopped and shown.
    loaded = form_conflicts.loaded_field()

    SETTINGS = ("url", "description", "events", "is_active")


def _admin_organization(request, slug: str) -> Organization:
    return current_organization.administered(
        request, slug, "Only an organization admin can manage its webhooks and exports."
    )


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def webhooks(request, slug: str):
    """The organization's webhooks: register one (its secret shown once), see them all."""
    organization = _admin_organization(request, slug)
    form = WebhookForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                endpoint, secret = services.webhook_register(
                    actor=request.user, organization=organization, **form.cleaned_data
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                # Shown in this response only: a reload does not show it again.
                created = {"endpoint": endpoint, "secret": secret}
                form = WebhookForm()
        if created is None:
            status = 400
    context = {
        "organization": organization,
        "endpoints": queries.organization_webhooks(organization),
        "form": form,
        "created": created,
        "event_labels": dict(events.EVENT_TYPES),
    }
    return render(request, "annotations/webhooks.html", context, status=status)


@login_required
def webhook_detail(request, slug: str, pk: int):
    """One webhook: edit it, rotate its secret, delete it; its delivery log, with resend."""
    organization = _admin_organization(request, slug)
    endpoint = get_object_or_404(organization.webhook_endpoints, pk=pk)
    here = reverse("organization-webhook", args=[organization.slug, endpoint.pk])
    names = WebhookEditForm.SETTINGS
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "is_active": endpoint.is_active,
    }
    form = WebhookEditForm(initial={**initial, "loaded": form_conflicts.loaded(initial, names)})
    rotated = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "update":
                data = request.POST.copy()
                form = WebhookEditForm(data)
                if form.is_valid():
                    values, conflicts = form_conflicts.merge(form, initial, names)
                    if not conflicts:
                        services.webhook_update(actor=request.user, endpoint=endpoint, **values)
                        messages.success(request, "Webhook saved.")
                        return redirect(here)
                    form_conflicts.stop(form, data, initial, values, names, conflicts)
                status = 400
            elif action == "rotate":
                endpoint, secret = services.webhook_rotate_secret(
                    actor=request.user, endpoint=endpoint
                )
                rotated = {"secret": secret, "until": endpoint.previous_secret_expires_at}
            elif action == "delete":
                services.webhook_delete(actor=request.user, endpoint=endpoint)
                messages.success(request, f"Deleted the webhook to {endpoint.url}.")
                return redirect("organization-webhooks", organization.slug)
            elif action == "test":
                services.webhook_send_test(actor=request.user, endpoint=endpoint)
                messages.success(
                    request,
                    "Test event sent: its delivery is at the top of the log (reload to see "
                    "the receiver's answer).",
                )
                return redirect(here)
            elif action == "resend":
                delivery = _chosen_delivery(endpoint, request.POST.get("delivery"))
                services.webhook_resend(actor=request.user, delivery=delivery)
                messages.success(request, f"Sending {delivery.event_type} again.")
                return redirect(here)
            else:
                raise ValidationError("Unknown action.")
        except ValidationError as error:
            if action == "update":
                _apply_errors(form, error)
            else:
                messages.error(request, " ".join(error.messages))
            status = 400
    deliveries = Paginator(queries.webhook_deliveries(endpoint), DELIVERIES_PER_PAGE)
    context = {
        "organization": organization,
        "endpoint": endpoint,
        "form": form,
        "rotated": rotated,
        "page": deliveries.get_page(request.GET.get("page")),
        "here": here,
        "event_labels": dict(events.EVENT_TYPES),
    }
    return render(request, "annotations/webhooks_detail.html", context, status=status)


def _chosen_delivery(endpoint, value):
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = 0
    delivery = endpoint.deliveries.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if delivery is None:
        raise ValidationError("That delivery no longer exists.")
    return delivery


@login_required
def export_page(request, slug: str):
    """Download the organization's claims (CSV, JSON Lines) and source snapshots (WARC)."""
    organization = _admin_organization(request, slug)
    downloads = [
        (name, reverse(f"v1:api-export-{name}", kwargs={"slug": organization.slug}))
        for name in ("csv", "jsonl", "warc")
    ]
    context = {"organization": organization, "links": dict(downloads)}
    return render(request, "annotations/webhooks_export.html", context)
