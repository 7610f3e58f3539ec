"""Password forms that say why a new password is refused under the password itself.

Django's own put the validators' reasons ("too common", "too short") under the
confirmation field, where a person looks last and a screen reader announces them against
the wrong input.
"""

from django import forms
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm


class _ReasonsUnderThePassword:
    def clean(self):
        # A mismatch stays the confirmation's error: that is the field to retype.
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


class NewPasswordForm(_ReasonsUnderThePassword, SetPasswordForm):
    """The emailed reset link's form."""


class ChangedPasswordForm(_ReasonsUnderThePassword, PasswordChangeForm):
    """A signed-in person's change of password."""
