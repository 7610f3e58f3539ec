"""A mention typed in the browser reaches the mentioned member's inbox through a real worker."""

import pytest

from tests.browser_support import ARTIFACTS, open_page, open_workspace
from tests.conftest import wait_for
from tests.test_browser_daily import make_claim, open_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mention_in_a_comment_is_emailed_to_the_member_mentioned(
    browser, live_server, newsroom, start_celery_worker, tmp_path
):
    outbox = tmp_path / "mail"
    # The worker sends the "email" job with the file backend: one file per message.
    start_celery_worker(
        {
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "DJANGO_EMAIL_FILE_PATH": str(outbox),
        }
    )
    reviewer = newsroom["reviewer"]
    reviewer.email = "rev@deadline.example"
    reviewer.save(update_fields=["email"])
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    card.get_by_label("Add a comment (Markdown; @name to mention)").click()
    page.keyboard.type("@rev can you check the 44,000 record?")
    card.get_by_role("button", name="Comment", exact=True).click()
    card.locator("article.comment").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "mention-emailed.png"))

    def delivered():
        messages = [path.read_text(encoding="utf-8") for path in outbox.glob("*.log")]
        return [m for m in messages if "rev@deadline.example" in m]

    messages = wait_for(delivered, timeout=60, message="the mention was not emailed")
    assert len(messages) == 1
    headers = messages[0].split("\n\n", 1)[0]
    assert "To: rev@deadline.example" in headers
    assert "mention" in messages[0].lower()
