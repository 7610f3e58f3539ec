"""URLs of the editor's pages."""

from django.urls import path

from annotations import views

urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("articles/<int:pk>/", views.article_workspace, name="article-workspace"),
]
