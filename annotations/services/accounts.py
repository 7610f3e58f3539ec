"""Accounts: what follows from someone proving they hold an account's mailbox."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied


def signin_lockout_lift(*, user, actor) -> int:
    """Drop the failed sign-ins recorded against `user`'s account, from every address.

    For a password just reset through the emailed link, by its holder (`actor` is `user`):
    the failures were someone not knowing the old password. The per-address count of
    other accounts' failures stays.
    """
    if actor != user:
        raise PermissionDenied("Only the account's holder lifts its sign-in lockout.")
    deleted, _ = AccessAttempt.objects.filter(username=user.get_username()).delete()
    return deleted
