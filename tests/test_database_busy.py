"""A page whose database is busy for a moment answers 503 with Retry-After, not a server error.

(The API's answer, a problem document, is tested in test_api_errors.)
"""

import pytest
from django.contrib.auth import get_user_model

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
