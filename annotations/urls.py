"""URLs of the editor's pages."""

from django.urls import path

from annotations import (
    article_pages,
    converters,  # noqa: F401 - registers <row_id:...>
    dashboard,
    organization_pages,
    reader,
    throttling,
    token_pages,
    views,
)
from annotations.embed import embed_script
from annotations.evidence import snapshot_views
from annotations.spotter_pages import spotter_page, spotter_status
from annotations.webhook_pages import export_page, webhook_detail, webhooks

urlpatterns = [
    path("embed.js", embed_script, name="embed-script"),
    # Members see their articles here; everyone else the newsrooms with published fact-checks.
    path("", organization_pages.home, name="article-list"),
    path("articles/new/", views.article_new, name="article-new"),
    path("notifications/", dashboard.notification_list, name="notifications"),
    path("settings/notifications/", dashboard.notification_settings, name="notification-settings"),
    path("members/", views.members, name="members"),
    path("organizations/switch/", views.organization_switch, name="switch-organization"),
    path("settings/tokens/", token_pages.tokens, name="api-tokens"),
    path(
        "settings/organizations/<slug:slug>/tokens/",
        token_pages.organization_tokens,
        name="organization-tokens",
    ),
    path(
        "invitations/<str:token>/",
        throttling.throttle_posts(views.invitation, ("invitation-answer-ip", throttling.ip_key)),
        name="invitation",
    ),
    path(
        "articles/<int:pk>/revisions/<int:number>/",
        views.article_revision,
        name="article-revision",
    ),
    path("articles/<int:pk>/", views.article_workspace, name="article-workspace"),
    path("articles/<int:pk>/edit/", article_pages.article_edit, name="article-edit"),
    path("articles/<int:pk>/edit-text/", article_pages.article_edit_text, name="article-edit-text"),
    path(
        "articles/<int:pk>/import-again/",
        article_pages.article_import_again,
        name="article-import-again",
    ),
    path("articles/<int:pk>/delete/", article_pages.article_discard, name="article-discard"),
    path(
        "articles/<int:pk>/republish-details/",
        article_pages.article_details_republish,
        name="article-details-republish",
    ),
    path(
        "articles/<int:pk>/check-details/",
        article_pages.article_details_check,
        name="article-details-check",
    ),
    path(
        "articles/<int:pk>/text-changes/",
        article_pages.article_text_changes,
        name="article-text-changes",
    ),
    path(
        "articles/<int:pk>/show-text/",
        article_pages.article_text_publish,
        name="article-text-publish",
    ),
    path("snapshots/<int:pk>.warc.gz", snapshot_views.snapshot_warc, name="snapshot-warc"),
    path("a/<slug:org_slug>/<str:slug>/", reader.article, name="reader-article"),
    path("c/<row_id:pk>/", reader.claim, name="reader-claim"),
    path("o/<slug:org>/", organization_pages.organization, name="reader-organization"),
    path("o/<slug:org>/corrections/", organization_pages.corrections, name="reader-corrections"),
    path("o/<slug:org>/methodology/", organization_pages.methodology, name="reader-methodology"),
    path(
        "settings/organizations/<slug:slug>/",
        organization_pages.settings_page,
        name="organization-settings",
    ),
    path("settings/organizations/<slug:slug>/webhooks/", webhooks, name="organization-webhooks"),
    path(
        "settings/organizations/<slug:slug>/webhooks/<int:pk>/",
        webhook_detail,
        name="organization-webhook",
    ),
    path("settings/organizations/<slug:slug>/export/", export_page, name="organization-export"),
    path("settings/organizations/<slug:slug>/spotter/", spotter_page, name="organization-spotter"),
    path(
        "settings/organizations/<slug:slug>/spotter/status/",
        spotter_status,
        name="organization-spotter-status",
    ),
    path(
        "settings/organizations/<slug:slug>/ratings/",
        organization_pages.scale_page,
        name="organization-scale",
    ),
    path("settings/organization/", organization_pages.my_settings, name="my-organization-settings"),
    path("o/<slug:org>/logo/", organization_pages.logo, name="organization-logo"),
]
