"""URLs of the editor's pages."""

from django.urls import path

from annotations import (
    converters,  # noqa: F401 - registers <row_id:...>
    organization_pages,
    reader,
    throttling,
    token_pages,
    views,
)
from annotations.embed import embed_script

urlpatterns = [
    path("embed.js", embed_script, name="embed-script"),
    # Members see their articles here; everyone else the newsrooms with published fact-checks.
    path("", organization_pages.home, name="article-list"),
    path("articles/new/", views.article_new, name="article-new"),
    path("members/", views.members, name="members"),
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
]
