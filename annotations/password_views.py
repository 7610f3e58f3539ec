"""Changing a password, signed in or by the emailed reset link: what the person is told."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.utils import timezone
from django.utils.decorators import method_decorator

from annotations import queries
from annotations.password_forms import ChangedPasswordForm, NewPasswordForm
from annotations.services import accounts


class PasswordChange(auth_views.PasswordChangeView):
    """Change one's password; the API tokens one made are revoked with the old password.

    Django already signs the account out of its other sessions; a token made by whoever
    held the account would have outlived the change as well.
    """

    form_class = ChangedPasswordForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["token_count"] = _live_tokens(self.request.user)
        return context

    @method_decorator(transaction.atomic)
    def form_valid(self, form):
        tokens = _live_tokens(form.user)
        response = super().form_valid(form)  # the tokens end with it (password_tokens)
        _say_revoked(self.request, tokens)
        return response


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's page for the emailed reset link; a new password also ends the sign-in
    lockout and revokes the API tokens the account made.

    Otherwise its "you may go ahead and log in now" was untrue for up to the cool-off time,
    and a token made by whoever took the account over outlived the reset.
    """

    form_class = NewPasswordForm

    @method_decorator(transaction.atomic)
    def form_valid(self, form):
        tokens = _live_tokens(form.user)
        response = super().form_valid(form)  # the tokens end with it (password_tokens)
        # Whoever set it holds the account's mailbox.
        accounts.signin_lockout_lift(user=form.user, actor=form.user)
        _say_revoked(self.request, tokens)
        return response


def _live_tokens(user) -> int:
    """How many of the user's tokens still work: those a new password will revoke."""
    return queries.tokens_made_by(user).exclude(expiry__lte=timezone.now()).count()


def _say_revoked(request, count: int) -> None:
    """Tell someone whose new password revoked `count` API tokens (nothing for none)."""
    if not count:
        return
    tokens = "API token you made was" if count == 1 else f"{count} API tokens you made were"
    messages.info(
        request,
        f"The {tokens} revoked with the old password: programs that used them need a new "
        "token from your settings.",
    )
