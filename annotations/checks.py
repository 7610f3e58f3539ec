"""Deploy checks of our own: production settings that would lose members' emails or expose them."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

UNDELIVERED_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104  (names compared, not bound)


@checks.register(checks.Tags.security, deploy=True)
def emails_reach_people(app_configs, **kwargs):
    """Invitations, password resets and notifications must leave the server, with real links."""
    problems = []
    if settings.EMAIL_BACKEND in UNDELIVERED_BACKENDS:
        problems.append(
            checks.Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: invitations, password resets "
                "and notifications would never reach anyone.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@mail.example:587.",
                id="factcheck.W001",
            )
        )
    public = urlsplit(settings.PUBLIC_BASE_URL)
    # Empty, without a scheme ("factcheck.example") or on the server itself: no reader or
    # mail client could follow a link made from it.
    if public.scheme not in ("http", "https") or (public.hostname or "") in {"", *LOCAL_HOSTS}:
        problems.append(
            checks.Warning(
                f"FACTCHECK_PUBLIC_URL is {settings.PUBLIC_BASE_URL}: links in emails and "
                "exports would point at the server itself.",
                hint="Set FACTCHECK_PUBLIC_URL to the address readers use, e.g. "
                "https://factcheck.example.",
                id="factcheck.W002",
            )
        )
    return problems


@checks.register(checks.Tags.security, deploy=True)
def hosts_are_named(app_configs, **kwargs):
    """A wildcard in ALLOWED_HOSTS lets any Host header through to the pages."""
    if not any(host == "*" for host in settings.ALLOWED_HOSTS):
        return []
    # Emails' links no longer follow the Host, but pages still name it (canonical links,
    # API addresses, caches keyed on it): a forged one poisons what a shared cache keeps.
    return [
        checks.Warning(
            "DJANGO_ALLOWED_HOSTS holds '*': the site answers requests for any host name, and "
            "the absolute addresses in its pages and API follow whatever Host was sent.",
            hint="Set DJANGO_ALLOWED_HOSTS to the names readers use, e.g. factcheck.example.",
            id="factcheck.W003",
        )
    ]
