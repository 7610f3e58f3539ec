"""The admin works under the Content Security Policy: no blocked scripts or styles."""

import pytest
from django.core.management import call_command

from annotations.models import Article
from tests.browser_support import ARTIFACTS, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_pages_run_without_csp_violations(browser, live_server):
    call_command("load_demo", verbosity=0)
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.get(username="demo-admin")
    admin_user.set_password(PASSWORD)
    admin_user.save()
    article = Article.objects.get()
    context = browser.new_context()
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "demo-admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    for path in (
        f"/admin/annotations/article/{article.pk}/change/",
        "/admin/annotations/claim/?anchor_state__exact=orphaned",
        "/admin/annotations/articleimport/add/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
    page.screenshot(path=str(ARTIFACTS / "admin-import.png"))
    assert violations == []
    context.close()
