"""A failed import is tried again or its empty article deleted, from the workspace or the API."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations import services
from annotations.models import Article, ArticleImport, Membership
from tests import factories
from tests.conftest import wait_for
from tests.documents import make_html_page, sample_paragraphs

LISTENERS = "Over 160,000 people listened in at once"


@pytest.fixture
def loopback_allowed(settings):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]


@pytest.fixture
def page_html():
    paragraphs = sample_paragraphs()
    return make_html_page(paragraphs[2:], title=paragraphs[0], byline="Andrew Korybko")


def _failed_url_import(httpserver, organization, editor):
    """An article whose URL import failed: the site answered 500."""
    httpserver.expect_oneshot_request("/story").respond_with_data("down", status=500)
    article = services.article_import_url(
        organization=organization, requested_by=editor,
        url=f"http://127.0.0.1:{httpserver.port}/story", in_process=True,
    )  # fmt: skip
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED
    return article


@pytest.mark.django_db
def test_a_failed_url_import_is_tried_again_on_the_same_article(
    httpserver, loopback_allowed, organization, editor, page_html
):
    article = _failed_url_import(httpserver, organization, editor)
    httpserver.expect_request("/story").respond_with_data(page_html, content_type="text/html")

    again = services.import_again(article=article, actor=editor, in_process=True)

    article.refresh_from_db()
    assert article.status == Article.Status.READY, article.import_error
    assert article.import_error == ""
    assert LISTENERS in article.text
    assert again.state == ArticleImport.State.SUCCEEDED
    assert list(ArticleImport.objects.order_by("pk").values_list("state", flat=True)) == [
        ArticleImport.State.FAILED,
        ArticleImport.State.SUCCEEDED,
    ]
    assert Article.objects.count() == 1
    # Nothing failed now: asking again is refused, and changes nothing.
    with pytest.raises(ValidationError, match="the newest import of this article did not fail"):
        services.import_again(article=article, actor=editor, in_process=True)
    assert ArticleImport.objects.count() == 2


@pytest.mark.django_db
def test_typing_the_same_address_again_retries_the_failed_article(
    httpserver, loopback_allowed, organization, editor, page_html
):
    article = _failed_url_import(httpserver, organization, editor)
    httpserver.expect_request("/story").respond_with_data(page_html, content_type="text/html")
    retried = services.article_import_url(
        organization=organization, requested_by=editor,
        url=f"HTTP://127.0.0.1:{httpserver.port}/story#top", in_process=True,
    )  # fmt: skip
    assert retried.pk == article.pk
    retried.refresh_from_db()
    assert retried.status == Article.Status.READY
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_upload_is_read_again_from_the_file_kept(organization, editor):
    data = make_html_page(sample_paragraphs()[2:], title="Spaces", byline="Andrew Korybko")
    # A document the worker gave up on (its time limit, on a loaded machine).
    article = Article.objects.create(
        organization=organization, title="sample.html", status=Article.Status.IMPORTING
    )
    failed = ArticleImport(
        organization=organization, article=article, requested_by=editor,
        kind=ArticleImport.Kind.UPLOAD, filename="sample.html", declared_type="text/html",
    )  # fmt: skip
    services.imports._store_original(failed, data)
    failed.save()
    services.import_fail(article_import=failed, actor=editor, message="Reading took too long.")

    again = services.import_again(article=article, actor=editor, in_process=True)

    article.refresh_from_db()
    assert (article.status, again.state) == (Article.Status.READY, ArticleImport.State.SUCCEEDED)
    assert LISTENERS in article.text
    with again.original.open("rb") as original:
        assert original.read() == data


@pytest.mark.django_db
def test_an_empty_failed_article_is_deleted_and_nothing_else_can_be(
    httpserver, loopback_allowed, organization, editor, client
):
    article = _failed_url_import(httpserver, organization, editor)
    stored = ArticleImport.objects.get(article=article)
    ready = factories.article(organization, editor)
    client.force_login(editor)

    refused = client.delete(f"/api/v1/newsroom/articles/{ready.pk}/")
    assert refused.status_code == 409
    assert "Only an article whose import failed" in refused.json()["detail"]
    assert Article.objects.filter(pk=ready.pk).exists()

    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN)
    client.force_login(outsider)
    assert client.delete(f"/api/v1/newsroom/articles/{article.pk}/").status_code == 404
    assert Article.objects.filter(pk=article.pk).exists()
    client.force_login(editor)
    assert client.delete(f"/api/v1/newsroom/articles/{article.pk}/").status_code == 204
    assert not Article.objects.filter(pk=article.pk).exists()
    assert not ArticleImport.objects.filter(pk=stored.pk).exists()
    assert client.delete(f"/api/v1/newsroom/articles/{article.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_workspace_offers_try_again_and_delete_on_a_failed_import(
    httpserver, loopback_allowed, organization, editor, client
):
    article = _failed_url_import(httpserver, organization, editor)
    client.force_login(editor)
    page = client.get(reverse("article-workspace", args=[article.pk])).content.decode()
    assert "The import failed:" in page and "500" in page
    assert reverse("article-import-again", args=[article.pk]) in page
    assert reverse("article-discard", args=[article.pk]) in page
    # GET changes nothing; POST deletes and says so on the desk.
    assert client.get(reverse("article-discard", args=[article.pk])).status_code == 405
    response = client.post(reverse("article-discard", args=[article.pk]), follow=True)
    assert "whose import had failed" in response.content.decode()
    assert not Article.objects.filter(pk=article.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_try_again_runs_in_the_worker_through_the_api(
    client, organization, editor, httpserver, loopback_allowed, start_celery_worker, page_html
):
    article = _failed_url_import(httpserver, organization, editor)
    httpserver.expect_request("/story").respond_with_data(page_html, content_type="text/html")
    worker = start_celery_worker({"FACTCHECK_FETCH_ALLOW": "127.0.0.1/32"})
    assert worker.poll() is None
    client.force_login(editor)

    response = client.post(f"/api/v1/newsroom/articles/{article.pk}/import-again/")

    assert response.status_code == 202
    assert response.json()["status"] == "importing"
    done = wait_for(
        lambda: (
            Article.objects.exclude(status=Article.Status.IMPORTING).filter(pk=article.pk).first()
        ),
        timeout=60,
    )
    assert done.status == Article.Status.READY, done.import_error
    assert LISTENERS in done.text
    again = client.post(f"/api/v1/newsroom/articles/{article.pk}/import-again/")
    assert again.status_code == 409
