"""URLs of the JSON API, under /api/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from annotations.api import views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("articles/", views.ArticleList.as_view(), name="api-article-list"),
    path("articles/<int:pk>/", views.ArticleDetail.as_view(), name="api-article-detail"),
    path("articles/<int:pk>/text/", views.article_text, name="api-article-text"),
    path("articles/<int:pk>/import/", views.article_reimport, name="api-article-reimport"),
    path("articles/<int:pk>/claims/", views.ArticleClaims.as_view(), name="api-article-claims"),
    path("articles/<int:pk>/ratings/", views.ArticleRatings.as_view(), name="api-article-ratings"),
    path("claims/<int:pk>/", views.ClaimDetail.as_view(), name="api-claim-detail"),
    path(
        "claims/<int:pk>/transition/", views.ClaimTransition.as_view(), name="api-claim-transition"
    ),
    path("claims/<int:pk>/sources/", views.ClaimSources.as_view(), name="api-claim-sources"),
    path(
        "claims/<int:pk>/sources/<int:source_pk>/",
        views.SourceDetail.as_view(),
        name="api-claim-source-detail",
    ),
    path("claims/<int:pk>/reattach/", views.ClaimReattach.as_view(), name="api-claim-reattach"),
]
