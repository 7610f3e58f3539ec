"""The site's own error pages: what a person sees when a page is missing, refused, too large
or broken, with a way back, instead of the server's bare one-line defaults."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from annotations.api.errors import server_error
from annotations.models import Article
from tests import factories


def test_a_missing_article_says_what_may_have_happened_and_links_home(client, editor):
    client.force_login(editor)
    response = client.get(reverse("article-workspace", args=[987654]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert "may have been deleted" in page
    assert f'href="{reverse("article-list")}"' in page
    assert "Sign out" in page  # the site's own header, for the person signed in
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_missing_public_page_offers_a_signed_out_reader_the_sign_in(client, db):
    response = client.get("/o/no-such-newsroom/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert f"{reverse('login')}?next=/o/no-such-newsroom/" in page


def test_a_refused_page_names_the_reason(client, organization, editor):
    client.force_login(editor)
    response = client.get(reverse("organization-settings", args=[organization.slug]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Not allowed</h1>" in page
    assert "Only an organization admin can change its settings." in page


def test_a_form_sent_without_its_csrf_token_explains_that_nothing_was_saved(organization, editor):
    article = factories.article(organization, editor, title="Before")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    edit_page = f"http://testserver{reverse('article-edit', args=[article.pk])}"
    response = browser.post(
        reverse("article-edit", args=[article.pk]),
        {"title": "After"},
        headers={"Referer": edit_page},
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your form was not sent" in page
    assert "nothing was saved" in page
    assert f'<a href="{edit_page}">Back to the page you were on</a>' in page
    # Another site's address is no way back.
    elsewhere = browser.post(
        reverse("article-edit", args=[article.pk]),
        {"title": "After"},
        headers={"Referer": "https://evil.example/phish"},
    )
    assert "evil.example" not in elsewhere.content.decode()
    assert f'href="{reverse("article-list")}"' in elsewhere.content.decode()
    article.refresh_from_db()
    assert article.title == "Before"


def test_a_body_over_the_limit_is_a_413_page_naming_the_limit(client, article, editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    client.force_login(editor)
    text_before = article.text
    response = client.post(
        reverse("article-edit-text", args=[article.pk]), {"text": "x" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "Too large to send" in page
    assert "1 MB at most" in page
    article.refresh_from_db()
    assert article.text == text_before


@pytest.mark.django_db
def test_a_server_error_page_stands_alone_and_says_what_to_do():
    # Django renders it without context or middleware: it must not need either.
    response = server_error(RequestFactory().get("/articles/1/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "may not have been saved" in page
    assert "Traceback" not in page


def test_opening_a_buttons_form_address_says_so_instead_of_a_blank_page(client, article, editor):
    client.force_login(editor)
    response = client.get(reverse("article-discard", args=[article.pk]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = response.content.decode()
    assert "<h1>Not a page to open</h1>" in page
    assert "Nothing was changed." in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert Article.objects.filter(pk=article.pk).exists()


def test_the_api_still_answers_a_wrong_method_as_problem_details(client, editor):
    client.force_login(editor)
    response = client.delete("/api/v1/claims/")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_form_sent_after_signing_out_says_nothing_was_saved(client, organization, editor):
    article = factories.article(organization, editor, title="Before")
    response = client.post(reverse("article-edit", args=[article.pk]), {"title": "After"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>You were signed out</h1>" in page
    assert "nothing was saved" in page
    edit_url = reverse("article-edit", args=[article.pk])
    assert f"{reverse('login')}?next={edit_url}" in page
    article.refresh_from_db()
    assert article.title == "Before"


def test_signing_out_still_goes_to_the_sign_in_page(client, editor):
    client.force_login(editor)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_a_signed_out_get_still_redirects_to_sign_in(client, article):
    response = client.get(reverse("article-edit", args=[article.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
