"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from annotations import health, password_views, throttling, views
from annotations.account_emails import QueuedPasswordResetForm
from annotations.api import errors, legacy

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Browsers and feed readers ask for /favicon.ico whatever the page links; resolved lazily
    # because the hashed static name is only known once the manifest is loaded.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True),
        name="favicon",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("annotations.api.urls", "v1"))),
    re_path(legacy.LEGACY_PATTERN, legacy.successor, name="api-legacy"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    # Throttled: each request sends an email, to the asker's choice of address.
    path(
        "accounts/password_reset/",
        throttling.throttle_posts(
            auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
            ("password-reset-ip", throttling.ip_key),
            ("password-reset-email", throttling.email_key),
        ),
        name="password_reset",
    ),
    # Setting a new password also lifts the account's sign-in lockout (see the view).
    path(
        "accounts/reset/<uidb64>/<token>/",
        password_views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password_change/",
        password_views.PasswordChange.as_view(),
        name="password_change",
    ),
    path("accounts/logout/", views.SignOut.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("annotations.urls")),
]

# Under /api/ every error is problem details (RFC 9457); elsewhere Django's own pages.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
