"""URLs of the JSON API v1, mounted at /api/v1/ under the namespace "v1".

A plain list: each resource family adds its own `path(...)` lines.
"""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from annotations import converters  # noqa: F401 - registers <row_id:...>
from annotations.api import (
    docs,
    errors,
    evidence,
    newsroom_articles,
    newsroom_claims,
    newsroom_comments,
    newsroom_notifications,
    public,
    root,
    suggestions,
    wap,
)
from annotations.api import export as export_api
from annotations.api.claimreview import ClaimReviewFeed

urlpatterns = [
    path("", root.ApiRoot.as_view(), name="root"),
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path("problems/<slug:slug>/", errors.problem_type, name="problem-type"),
    # Public: the schema.org ClaimReview feed.
    path("claimreview/", ClaimReviewFeed.as_view(), name="claimreview-feed"),
    # Public reads: published versions only, anyone, cacheable, CORS.
    path("claims/", public.ClaimList.as_view(), name="public-claim-list"),
    path("claims/<row_id:pk>/", public.ClaimDetail.as_view(), name="public-claim-detail"),
    # Evidence for a claim: members of its organization only (issue 10).
    path("claims/<int:pk>/evidence/", evidence.ClaimEvidence.as_view(), name="api-claim-evidence"),
    path(
        "claims/<int:pk>/evidence/items/<int:item_pk>/",
        evidence.ClaimEvidenceItem.as_view(),
        name="api-claim-evidence-item",
    ),
    # Claim-spotting suggestions: members of the article's organization only (issue 14).
    path(
        "articles/<int:pk>/suggestions/",
        suggestions.ArticleSuggestions.as_view(),
        name="api-article-suggestions",
    ),
    path(
        "articles/<int:pk>/suggestions/<int:suggestion_pk>/",
        suggestions.ArticleSuggestion.as_view(),
        name="api-article-suggestion",
    ),
    path("articles/", public.ArticleList.as_view(), name="public-article-list"),
    path("articles/<row_id:pk>/", public.ArticleDetail.as_view(), name="public-article-detail"),
    path("organizations/", public.OrganizationList.as_view(), name="public-organization-list"),
    path(
        "organizations/<slug:slug>/",
        public.OrganizationDetail.as_view(),
        name="public-organization-detail",
    ),
    # W3C Web Annotation Protocol: containers of published claims; members add drafts.
    path("annotations/", wap.AllAnnotations.as_view(), name="wap-annotations"),
    path(
        "annotations/articles/<row_id:pk>/",
        wap.ArticleAnnotations.as_view(),
        name="wap-article-annotations",
    ),
    path("annotations/<row_id:pk>", wap.AnnotationDetail.as_view(), name="wap-annotation"),
    path(
        "annotations/<row_id:pk>/",
        # Exempt: the redirect changes nothing, and the view it leads to checks CSRF itself
        # (a token client's PUT met a CSRF refusal instead of the 308).
        csrf_exempt(wap.AnnotationWithSlash.as_view()),
        name="wap-annotation-with-slash",
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
        "newsroom/articles/<int:pk>/text-preview/",
        newsroom_articles.article_text_preview,
        name="api-article-text-preview",
    ),
    path(
        "newsroom/articles/<int:pk>/conclusion-preview/",
        newsroom_articles.article_conclusion_preview,
        name="api-article-conclusion-preview",
    ),
    path(
        "newsroom/articles/<int:pk>/import/",
        newsroom_articles.article_reimport,
        name="api-article-reimport",
    ),
    path(
        "newsroom/articles/<int:pk>/import-again/",
        newsroom_articles.article_import_again,
        name="api-article-import-again",
    ),
    path(
        "newsroom/articles/<int:pk>/republish-details/",
        newsroom_articles.article_details_republish,
        name="api-article-details-republish",
    ),
    path(
        "newsroom/articles/<int:pk>/check-details/",
        newsroom_articles.article_details_check,
        name="api-article-details-check",
    ),
    path(
        "newsroom/articles/<int:pk>/show-text/",
        newsroom_articles.article_text_publish,
        name="api-article-text-publish",
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
        "newsroom/claims/<int:pk>/sources/<int:source_pk>/fetch/",
        newsroom_claims.SourceFetch.as_view(),
        name="api-claim-source-fetch",
    ),
    path(
        "newsroom/claims/<int:pk>/reattach/",
        newsroom_claims.ClaimReattach.as_view(),
        name="api-claim-reattach",
    ),
    # The newsroom's conversation and notifications (issue 9).
    path(
        "newsroom/claims/<int:pk>/comments/",
        newsroom_comments.ClaimComments.as_view(),
        name="api-claim-comments",
    ),
    path(
        "newsroom/claims/<int:pk>/comments/<int:comment_pk>/",
        newsroom_comments.CommentDetail.as_view(),
        name="api-claim-comment-detail",
    ),
    path(
        "newsroom/claims/<int:pk>/comments/<int:comment_pk>/resolve/",
        newsroom_comments.CommentResolve.as_view(),
        name="api-claim-comment-resolve",
    ),
    path(
        "newsroom/notifications/",
        newsroom_notifications.NotificationList.as_view(),
        name="api-notifications",
    ),
    path(
        "newsroom/notifications/read/",
        newsroom_notifications.NotificationsRead.as_view(),
        name="api-notifications-read",
    ),
    # Bulk export of an organization (issue 13): members, session or any token.
    path(
        "newsroom/organizations/<slug:slug>/export.jsonl",
        export_api.ClaimsJsonl.as_view(),
        name="api-export-jsonl",
    ),
    path(
        "newsroom/organizations/<slug:slug>/export.csv",
        export_api.ClaimsCsv.as_view(),
        name="api-export-csv",
    ),
    path(
        "newsroom/organizations/<slug:slug>/export.warc.gz",
        export_api.SnapshotsWarc.as_view(),
        name="api-export-warc",
    ),
]
