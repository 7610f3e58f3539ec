"""Signing in and out, changing a password and resetting it by email."""

import re


def test_login_page_then_sign_in_and_out(client, editor):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "eddie", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change(client, editor):
    client.force_login(editor)
    assert client.get("/accounts/password_change/").status_code == 200
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "an-Other-passphrase-7",
            "new_password2": "an-Other-passphrase-7",
        },
    )
    assert response.status_code == 302
    editor.refresh_from_db()
    assert editor.check_password("an-Other-passphrase-7")


def test_password_reset_by_email(client, editor, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": editor.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mailoutbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "reset-Passphrase-99", "new_password2": "reset-Passphrase-99"},
    )
    editor.refresh_from_db()
    assert editor.check_password("reset-Passphrase-99")
