"""Importing ClaimReview JSON-LD: files and URLs, every wrapping, idempotent, admin action."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotations.evidence import claimreview
from annotations.models import ImportedFactCheck

FEEDS = Path(__file__).parent / "data" / "claimreview"


@pytest.mark.parametrize(
    ("name", "urls"),
    [
        (
            "datafeed.json",
            {"https://checker.test/a/spaces-160000", "https://checker.test/a/median-age"},
        ),
        ("single.json", {"https://other.test/single"}),
        ("list.json", {"https://other.test/list-1", "https://other.test/list-2"}),
        ("page.html", {"https://page.test/fc/vaccine"}),
    ],
)
def test_every_wrapping_of_claimreview_is_read(name, urls):
    reviews = claimreview.load(str(FEEDS / name))
    assert {review["url"] for review in reviews} == urls


def test_a_review_keeps_rating_publisher_claimant_and_date():
    (review, _) = claimreview.load(str(FEEDS / "datafeed.json"))
    assert review["claim_reviewed"].startswith("Imran Khan's Twitter Spaces drew over 160,000")
    assert (review["rating"], review["rating_value"]) == ("Mostly true", 4.0)
    assert (review["publisher"], review["claimant"]) == ("Checker Test", "PTI")
    assert str(review["date_published"]) == "2022-04-15"


def test_a_document_without_reviews_is_refused_with_a_reason(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text('{"@type": "DataFeed", "dataFeedElement": []}')
    with pytest.raises(claimreview.ClaimReviewError, match="No ClaimReview"):
        claimreview.load(str(empty))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(claimreview.ClaimReviewError, match="could not be read"):
        claimreview.load(str(broken))


def test_the_command_imports_a_file_and_importing_again_updates_in_place(db, capsys):
    call_command("import_claimreview", str(FEEDS / "datafeed.json"))
    call_command("import_claimreview", str(FEEDS / "datafeed.json"))
    assert ImportedFactCheck.objects.count() == 2
    row = ImportedFactCheck.objects.get(url="https://checker.test/a/median-age")
    assert (row.publisher, row.rating, row.url_key) == (
        "Checker Test",
        "True",
        "checker.test/a/median-age",
    )
    assert row.imported_from.endswith("datafeed.json")
    assert "Imported 2 fact-checks" in capsys.readouterr().out


def test_the_command_fetches_a_url_through_the_safe_fetcher(db, settings, httpserver):
    httpserver.expect_request("/feed.html").respond_with_data(
        (FEEDS / "page.html").read_text(), content_type="text/html"
    )
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1", "localhost"]
    call_command("import_claimreview", httpserver.url_for("/feed.html"))
    assert ImportedFactCheck.objects.get().publisher == "Page Test"


def test_the_command_refuses_a_private_address(db, settings, httpserver):
    settings.FACTCHECK_FETCH_ALLOW = []
    with pytest.raises(CommandError, match="refused"):
        call_command("import_claimreview", httpserver.url_for("/feed.json"))
    assert not ImportedFactCheck.objects.exists()


def test_the_admin_action_imports_again_from_where_rows_came_from(
    db, client, settings, httpserver, django_user_model
):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1", "localhost"]
    url = httpserver.url_for("/feed.json")
    httpserver.expect_request("/feed.json").respond_with_data(
        (FEEDS / "single.json").read_text(), content_type="application/json"
    )
    call_command("import_claimreview", url)
    row = ImportedFactCheck.objects.get()
    ImportedFactCheck.objects.filter(pk=row.pk).update(rating="stale")
    admin = django_user_model.objects.create_superuser("root", "root@example.test", "pw-12345678")
    client.force_login(admin)
    response = client.post(
        "/admin/annotations/importedfactcheck/",
        {"action": "import_again", "_selected_action": [row.pk]},
        follow=True,
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.rating == "True"
    assert "1 fact-checks imported" in response.content.decode()
