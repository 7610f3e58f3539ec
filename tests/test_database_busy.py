"""A page whose database is busy for a moment answers 503 with Retry-After, not a server error.

(The API's answer, a problem document, is tested in test_api_errors.)
"""

from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from annotations import services
from factcheck import localservers
from tests import factories
from tests.locks import row_held_by_another_writer

SIGN_IN = {"username": "eddie", "password": "correct-horse-battery"}


@pytest.mark.django_db(transaction=True)
def test_signing_in_while_another_writer_holds_the_lock_says_to_try_again(client, editor):
    with row_held_by_another_writer("auth_user", editor.pk):
        response = client.post("/accounts/login/", SIGN_IN)

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "send it again in a few seconds" in response.content.decode()
    assert "Content-Security-Policy" in response
    assert get_user_model().objects.get(pk=editor.pk).last_login is None
    # Once the lock is gone, the same sign-in works.
    assert client.post("/accounts/login/", SIGN_IN).status_code == 302


@contextmanager
def database_down():
    """Inside the block, the database answers no connection: the test's connection is
    closed and pointed at a port nothing listens on, as when PostgreSQL is stopped."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(localservers.free_port())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


@pytest.mark.skipif(connection.vendor != "postgresql", reason="moves a PostgreSQL connection")
@pytest.mark.django_db(transaction=True)
def test_a_signed_in_member_is_told_busy_not_a_server_error_while_the_database_is_down(
    client, editor, article
):
    """Every signed-in request was a 500 ("What you sent may not have been saved") while
    anonymous ones got the 503: the session was read after the view had answered, and the
    busy page read the member's notifications (trial G14)."""
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, article.text.split(".")[0]),
    )
    client.force_login(editor)
    workspace = article.get_absolute_url()
    with database_down():
        for path in ("/", workspace, "/notifications/"):
            page = client.get(path)
            assert page.status_code == 503, path
            assert "Busy for a moment" in page.content.decode()
            assert page["Retry-After"] == "2"
            assert page["Cache-Control"] == "private, no-store"
        listed = client.get("/api/v1/newsroom/articles/")
        saved = client.patch(
            f"/api/v1/newsroom/claims/{claim.pk}/",
            {"claimant": "Someone", "version": claim.version},
            content_type="application/json",
        )
        for answer in (listed, saved):
            assert answer.status_code == 503
            assert answer["Content-Type"].startswith("application/problem+json")
            assert answer["Cache-Control"] == "private, no-store"
    # Once the database is back, the same member goes on where they were.
    assert client.get(workspace).status_code == 200
