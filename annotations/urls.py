"""URLs of the editor's pages."""

from django.urls import path

from annotations import throttling, views

urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("articles/new/", views.article_new, name="article-new"),
    path("members/", views.members, name="members"),
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
]
