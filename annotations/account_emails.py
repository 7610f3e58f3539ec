"""The password reset email, written and sent by a worker rather than during the request."""

from __future__ import annotations

import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from annotations import jobs
from annotations.notifications import EMAIL_SOFT_TIME_LIMIT, EMAIL_TIME_LIMIT

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
BODY_TEMPLATE = "registration/password_reset_email.html"


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, its email queued as a job instead of sent while the asker waits.

    Sent in the request, the answer took a mail server's round trip longer for an address
    with an account than for one without, which told anyone asking whose address is
    registered. Queued, both answers take the same time, and a mail server that is down
    delays the email (the job tries again) instead of losing it with a log line.
    """

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # The link's token is made by the worker, when it writes the email: none is stored.
        # Nor is the request's Host: the link goes on the site's configured address.
        jobs.enqueue(
            kind="password_reset",
            subject_id=context["user"].pk,
            arguments={"email": context["email"]},
        )


def reset_email_context(user) -> dict:
    """What Django's reset email template reads, with a fresh one-use token for `user`.

    The link is on FACTCHECK_PUBLIC_URL, not on the Host the request for it named: Django
    builds it from the request, and where ALLOWED_HOSTS lets any Host through (a proxy
    that sets it, say), anyone could have asked for a victim's reset with their own site
    as the Host, and had the victim's token sent there by a click.
    """
    public = urlsplit(settings.PUBLIC_BASE_URL)
    return {
        "email": user.email,
        "domain": public.netloc + public.path,
        "site_name": public.hostname,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": public.scheme,
    }


def send_email(subject: str, body: str, to: str) -> None:
    """Hand one email to the mail server; a server that cannot be reached is a transient
    failure, for the job to try again later."""
    try:
        send_mail(" ".join(subject.split()), body, None, [to])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        raise jobs.PermanentError(f"the mail server refused the message: {error}") from error
    except OSError as error:  # smtplib's errors are OSErrors too: a server down or busy
        raise jobs.TransientError(f"the mail server could not be reached: {error}") from error


@jobs.job_task("password_reset", soft_time_limit=EMAIL_SOFT_TIME_LIMIT, time_limit=EMAIL_TIME_LIMIT)
def send_password_reset(job) -> None:
    """Email the account a link to choose a new password, if it still should have one.

    Nothing is sent when the account was deactivated, lost its usable password, or moved
    to another address since it was asked for: the link goes only where it was asked to.
    """
    user = get_user_model().objects.filter(pk=job.subject_id, is_active=True).first()
    asked_for = job.arguments.get("email", "")
    if user is None or not user.has_usable_password():
        return
    if not user.email or user.email.casefold() != asked_for.casefold():
        return
    context = reset_email_context(user)
    send_email(
        render_to_string(SUBJECT_TEMPLATE, context),
        render_to_string(BODY_TEMPLATE, context),
        asked_for,
    )
