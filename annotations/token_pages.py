"""API token pages: a person's own tokens, and an organization's tokens for its admins."""

import secrets
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from annotations import current_organization, permissions, queries, services
from annotations.models import ApiToken

# The expiry choices offered, in days; the first is preselected. "never" makes a token that
# works until it is revoked.
EXPIRY_CHOICES = [
    ("90", "In 90 days"),
    ("30", "In 30 days"),
    ("365", "In a year"),
    ("never", "Never"),
]


class TokenForm(forms.Form):
    """What a new token is for, what it may do, and how long it lasts."""

    name = forms.CharField(
        max_length=100,
        help_text="What the token is for, e.g. “CMS sync”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text="Read: list and fetch. Read and write: also create and change, as you could.",
    )
    expires = forms.ChoiceField(label="Expires", choices=EXPIRY_CHOICES, initial="90")

    def token_fields(self) -> dict:
        """The keyword arguments of `services.token_create` this form stands for."""
        days = self.cleaned_data["expires"]
        return {
            "name": self.cleaned_data["name"],
            "scope": self.cleaned_data["scope"],
            "expires_at": None if days == "never" else timezone.now() + timedelta(days=int(days)),
        }


@login_required
def tokens(request):
    """The signed-in person's API tokens: make one (its key shown once), see and revoke them."""
    admin_of = [
        organization
        for organization in queries.organizations_of(request.user)
        if permissions.can_manage_organization_tokens(request.user, organization)
    ]
    return _token_page(
        request,
        tokens=queries.tokens_of(request.user),
        organization=None,
        here=reverse("api-tokens"),
        admin_of=admin_of,
    )


@login_required
def organization_tokens(request, slug: str):
    """An organization's API tokens, for its admins: each acts only within the organization."""
    organization = current_organization.administered(
        request,
        slug,
        "Only an organization admin can see and make its tokens.",
        allowed=permissions.can_manage_organization_tokens,
    )
    return _token_page(
        request,
        tokens=queries.organization_tokens(organization),
        organization=organization,
        here=reverse("organization-tokens", args=[organization.slug]),
    )


# Each create form carries a one-time value, kept in the session until used: a reload of
# the page that showed a new key sends the same form again, and must not make a second token.
FORM_ONCE = "token_form_once"
FORM_ONCE_KEPT = 20


def _form_once(request) -> str:
    """A fresh one-time value for a create form, remembered beside a few earlier ones."""
    once = secrets.token_urlsafe(16)
    request.session[FORM_ONCE] = [*request.session.get(FORM_ONCE, [])[-FORM_ONCE_KEPT + 1 :], once]
    return once


def _use_form_once(request, once: str | None) -> bool:
    """Whether `once` was handed out and not used yet; using it forgets it."""
    waiting = request.session.get(FORM_ONCE, [])
    if not once or once not in waiting:
        return False
    request.session[FORM_ONCE] = [value for value in waiting if value != once]
    return True


def _token_page(request, *, tokens, organization, here: str, admin_of=()):
    form = TokenForm()
    created = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "revoke":
                token = _chosen(tokens, request.POST.get("token"))
                services.token_revoke(actor=request.user, token=token)
                messages.success(request, f"Revoked “{token.name}”: it no longer works.")
                return redirect(here)
            if action != "create":
                raise ValidationError("Unknown action.")
            form = TokenForm(request.POST)
            if not _use_form_once(request, request.POST.get("once")):
                # Nothing is made: the key of the token this form made was shown once.
                messages.error(
                    request,
                    "This form was sent already and its token made (it is in the list): "
                    "a key is shown only once. If you did not copy it, revoke that token "
                    "and create another.",
                )
                return redirect(here)
            if form.is_valid():
                token, key = services.token_create(
                    actor=request.user, organization=organization, **form.token_fields()
                )
                # Shown in this response only, never stored or redirected with: a reload
                # of the page does not show it again.
                created = {"token": token, "key": key}
                form = TokenForm()
            else:
                status = 400
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
    context = {
        "organization": organization,
        "tokens": tokens,
        "form": form,
        "created": created,
        "now": timezone.now(),
        "here": here,
        "admin_of": admin_of,
        "once": _form_once(request),
    }
    return render(request, "annotations/api_tokens.html", context, status=status)


def _chosen(tokens, value) -> ApiToken:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = None
    token = tokens.filter(pk=pk).first() if pk and 0 < pk < 2**63 else None
    if token is None:
        raise ValidationError("That token no longer exists.")
    return token
