"""A new password, however it is set, revokes the API tokens its account made and withdraws
the invitations it sent that are still open."""

from annotations import services


class TokensEndWithThePassword:
    """Listed among AUTH_PASSWORD_VALIDATORS for Django's `password_changed` hook, which runs
    wherever a password is set and saved: the site's change and reset pages, the admin's
    pages, `manage.py changepassword`. It refuses no password.

    A token, unlike a session, outlived a new password: one made by whoever held the account
    for a while (a stolen session or password) kept working after the owner changed it. So
    did an invitation they sent to an address of their own (review R22).
    """

    def validate(self, password, user=None) -> None:
        return None

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.pk is not None:
            services.tokens_revoke_all(user=user, actor=user)
            services.invitations_withdraw_sent(user=user, actor=user)

    def get_help_text(self) -> str:
        return (
            "A new password also revokes the API tokens made with the old one, and withdraws "
            "the invitations sent with it that nobody has accepted yet."
        )
