"""A page whose database is busy for a moment answers 503 with Retry-After, not a server error.

(The API's answer, a problem document, is tested in test_api_errors.)
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

SIGN_IN = {"username": "eddie", "password": "correct-horse-battery"}


@pytest.mark.django_db(transaction=True)
def test_signing_in_while_another_writer_holds_the_lock_says_to_try_again(client, editor):
    other = connections.create_connection("default")
    sqlite = connection.vendor == "sqlite"
    # Another writer holds the account's row; this connection gives up waiting after 200 ms.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 200" if sqlite else "SET lock_timeout = '200ms'")
    other.set_autocommit(False)
    with other.cursor() as cursor:
        if sqlite:
            cursor.execute("UPDATE auth_user SET email = email WHERE id = %s", [editor.pk])
        else:
            cursor.execute("SELECT id FROM auth_user WHERE id = %s FOR UPDATE", [editor.pk])
    try:
        response = client.post("/accounts/login/", SIGN_IN)
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 20000" if sqlite else "RESET lock_timeout")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "send it again in a few seconds" in response.content.decode()
    assert "Content-Security-Policy" in response
    assert get_user_model().objects.get(pk=editor.pk).last_login is None
    # Once the lock is gone, the same sign-in works.
    assert client.post("/accounts/login/", SIGN_IN).status_code == 302
