"""Changing a password, signed in or by the emailed reset link: what the person is told."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.utils import timezone
from django.utils.decorators import method_decorator

from annotations import queries, throttling
from annotations.password_forms import ChangedPasswordForm, NewPasswordForm
from annotations.services import accounts

# The rate group (FACTCHECK_RATE_LIMITS) counting tries of the form, per account.
GUESSES_GROUP = "password-change-user"


class PasswordChange(auth_views.PasswordChangeView):
    """Change one's password; the API tokens one made are revoked with the old password.

    Django already signs the account out of its other sessions; a token made by whoever
    held the account would have outlived the change as well.
    """

    form_class = ChangedPasswordForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["token_count"] = _live_tokens(self.request.user)
        context["invitation_count"] = _open_invitations(self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        # Only sign-ins count towards django-axes' lockout: whoever holds a stolen session
        # could guess the current password here without limit (review R22), and a right
        # guess gives them the account and the password itself. Every try is counted, per
        # account, before its password is checked, in one step: counted after a wrong
        # guess only, tries sent at once all passed the check (review R23).
        if throttling.over_limit(request, GUESSES_GROUP, throttling.user_key):
            return throttling.too_many_requests(request)
        return super().post(request, *args, **kwargs)

    @method_decorator(transaction.atomic)
    def form_valid(self, form):
        tokens, invitations = _live_tokens(form.user), _open_invitations(form.user)
        response = super().form_valid(form)  # both end with it (password_tokens)
        _say_revoked(self.request, tokens, invitations)
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
        tokens, invitations = _live_tokens(form.user), _open_invitations(form.user)
        response = super().form_valid(form)  # both end with it (password_tokens)
        # Whoever set it holds the account's mailbox.
        accounts.signin_lockout_lift(user=form.user, actor=form.user)
        _say_revoked(self.request, tokens, invitations)
        return response


def _live_tokens(user) -> int:
    """How many of the user's tokens still work: those a new password will revoke."""
    return queries.tokens_made_by(user).exclude(expiry__lte=timezone.now()).count()


def _open_invitations(user) -> int:
    """How many invitations the user sent are still open: those a new password withdraws."""
    return queries.open_invitations_sent_by(user).count()


def _say_revoked(request, tokens: int, invitations: int = 0) -> None:
    """Tell someone what their new password ended: `tokens` API tokens revoked and
    `invitations` invitations withdrawn (nothing for none)."""
    if tokens:
        made = "API token you made was" if tokens == 1 else f"{tokens} API tokens you made were"
        messages.info(
            request,
            f"The {made} revoked with the old password: programs that used them need a new "
            "token from your settings.",
        )
    if invitations:
        sent = (
            "invitation you sent that nobody had accepted was"
            if invitations == 1
            else f"{invitations} invitations you sent that nobody had accepted were"
        )
        messages.info(
            request,
            f"The {sent} withdrawn with the old password: send again, from the members "
            "page, those you meant.",
        )
