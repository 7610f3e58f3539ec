"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from annotations import health, throttling

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include("annotations.api.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    # Throttled: each request sends an email, to the asker's choice of address.
    path(
        "accounts/password_reset/",
        throttling.throttle_posts(
            auth_views.PasswordResetView.as_view(),
            ("password-reset-ip", throttling.ip_key),
            ("password-reset-email", throttling.email_key),
        ),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("annotations.urls")),
]
