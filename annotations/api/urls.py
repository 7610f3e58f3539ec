"""URLs of the JSON API v1, mounted at /api/v1/ under the namespace "v1".

A plain list: each resource family adds its own `path(...)` lines.
"""

from django.urls import path

from annotations import converters  # noqa: F401 - registers <row_id:...>
from annotations.api import docs, errors, newsroom_articles, newsroom_claims, public
from annotations.api.claimreview import ClaimReviewFeed

urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path("problems/<slug:slug>/", errors.problem_type, name="problem-type"),
    # Public: the schema.org ClaimReview feed.
    path("claimreview/", ClaimReviewFeed.as_view(), name="claimreview-feed"),
    # Public reads: published versions only, anyone, cacheable, CORS.
    path("claims/", public.ClaimList.as_view(), name="public-claim-list"),
    path("claims/<row_id:pk>/", public.ClaimDetail.as_view(), name="public-claim-detail"),
    path("articles/", public.ArticleList.as_view(), name="public-article-list"),
    path("articles/<row_id:pk>/", public.ArticleDetail.as_view(), name="public-article-detail"),
    path("organizations/", public.OrganizationList.as_view(), name="public-organization-list"),
    path(
        "organizations/<slug:slug>/",
        public.OrganizationDetail.as_view(),
        name="public-organization-detail",
    ),
    # Newsroom: members only, writes through services.
    path(
        "newsroom/articles/",
        newsroom_articles.ArticleList.as_view(),
        name="api-article-list",
    ),
    path(
        "newsroom/articles/<int:pk>/",
        newsroom_articles.ArticleDetail.as_view(),
        name="api-article-detail",
    ),
    path(
        "newsroom/articles/<int:pk>/text/",
        newsroom_articles.article_text,
        name="api-article-text",
    ),
    path(
        "newsroom/articles/<int:pk>/import/",
        newsroom_articles.article_reimport,
        name="api-article-reimport",
    ),
    path(
        "newsroom/articles/<int:pk>/claims/",
        newsroom_claims.ArticleClaims.as_view(),
        name="api-article-claims",
    ),
    path(
        "newsroom/articles/<int:pk>/ratings/",
        newsroom_articles.ArticleRatings.as_view(),
        name="api-article-ratings",
    ),
    path(
        "newsroom/claims/<int:pk>/",
        newsroom_claims.ClaimDetail.as_view(),
        name="api-claim-detail",
    ),
    path(
        "newsroom/claims/<int:pk>/transition/",
        newsroom_claims.ClaimTransition.as_view(),
        name="api-claim-transition",
    ),
    path(
        "newsroom/claims/<int:pk>/sources/",
        newsroom_claims.ClaimSources.as_view(),
        name="api-claim-sources",
    ),
    path(
        "newsroom/claims/<int:pk>/sources/<int:source_pk>/",
        newsroom_claims.SourceDetail.as_view(),
        name="api-claim-source-detail",
    ),
    path(
        "newsroom/claims/<int:pk>/reattach/",
        newsroom_claims.ClaimReattach.as_view(),
        name="api-claim-reattach",
    ),
]
