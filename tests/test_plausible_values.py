"""Values that would mislead readers are refused with an error that says what to fix: source
addresses nobody can open, direction overrides, languages that are no language tag, dates
in the future or before the year 1000."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations import services
from annotations.models import Article, Claim, ClaimEvent, Source
from tests import factories

QUOTE = "Over 160,000 people listened in at once"


@pytest.fixture
def claim(article, editor):
    return services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )


def _send(client, method, url, body):
    headers = {}
    if method == "patch" and "/newsroom/articles/" in url:
        # A details PATCH names the details it changes (428 without).
        headers["If-Match"] = f'"{client.get(url).json()["details_tag"]}"'
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", headers=headers
    )


def _errors(response, field) -> str:
    assert response.status_code == 400, response.content[:400]
    return " ".join(response.json()["errors"][field])


# Source addresses


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("ftp://files.example.org/report.pdf", "Enter an http or https address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is link-local"),
        ("http://10.1.2.3/intranet", "10.1.2.3 is private"),
        ("http://localhost:8000/admin", "host 'localhost' is a local name"),
        ("https://user:secret@example.org/", "user name or password"),
        ("https://example.org/\u202egpj.exe", "invisible characters"),
    ],
    ids=["ftp", "link-local", "private", "localhost", "user info", "override"],
)
def test_a_source_readers_could_not_open_is_refused_and_nothing_stored(
    editor_client, claim, url, said
):
    response = _send(
        editor_client,
        "post",
        f"/api/v1/newsroom/claims/{claim.pk}/sources/",
        {"url": url, "title": "Report", "version": claim.version},
    )
    assert said in _errors(response, "url")
    assert not Source.objects.exists()
    assert Claim.objects.get().version == claim.version


def test_a_source_on_the_public_web_is_cited_and_cannot_be_moved_to_a_private_address(
    editor_client, claim
):
    added = _send(
        editor_client,
        "post",
        f"/api/v1/newsroom/claims/{claim.pk}/sources/",
        {"url": "https://stats.example.org/table", "version": claim.version},
    )
    assert added.status_code == 201, added.content[:400]
    source = Source.objects.get()
    version = Claim.objects.get().version
    moved = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/sources/{source.pk}/",
        {"url": "http://[fd00::1]/table", "version": version},
    )
    assert "Cite a page on the public web" in _errors(moved, "url")
    assert Source.objects.get().url == "https://stats.example.org/table"
    # Its title may still be changed: only a new address is checked.
    retitled = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/sources/{source.pk}/",
        {"title": "Table 4", "version": version},
    )
    assert retitled.status_code == 200, retitled.content[:400]


def test_an_address_with_spaces_is_cited_with_them_encoded_as_a_browser_sends_it(
    editor_client, claim
):
    """A pasted "…/annual report.pdf" was refused with "Enter an http or https address"."""
    added = _send(
        editor_client,
        "post",
        f"/api/v1/newsroom/claims/{claim.pk}/sources/",
        {"url": " https://stats.example.org/annual report 2024.pdf ", "version": claim.version},
    )
    assert added.status_code == 201, added.content[:400]
    source = Source.objects.get()
    assert source.url == "https://stats.example.org/annual%20report%202024.pdf"
    moved = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/sources/{source.pk}/",
        {
            "url": "https://stats.example.org/other table.csv",
            "version": Claim.objects.get().version,
        },
    )
    assert moved.status_code == 200, moved.content[:400]
    assert Source.objects.get().url == "https://stats.example.org/other%20table.csv"
    # A host is never spelt with a space: still refused.
    refused = _send(
        editor_client,
        "post",
        f"/api/v1/newsroom/claims/{claim.pk}/sources/",
        {"url": "https://stats example.org/", "version": Claim.objects.get().version},
    )
    assert refused.status_code == 400


def test_a_loopback_source_is_cited_where_the_fetcher_is_allowed_loopback(settings, claim, editor):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    source = services.source_add(claim=claim, actor=editor, url="http://127.0.0.1:9/page")
    assert source.pk is not None


# Direction overrides


@pytest.mark.parametrize("override", ["\u202e", "\u202d"])
def test_a_claimant_with_a_direction_override_is_refused(editor_client, claim, override):
    response = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/",
        {"claimant": f"Imran Khan {override}oiboj", "version": claim.version},
    )
    assert "direction override" in _errors(response, "claimant")
    assert Claim.objects.get().claimant == ""
    assert not ClaimEvent.objects.filter(action="updated").exists()


def test_a_tag_with_a_direction_override_is_named_without_it(editor_client, claim):
    response = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/",
        {"tags": ["economy", "radio \u202eoidar"], "version": claim.version},
    )
    said = _errors(response, "tags")
    assert "direction override" in said and "“radio oidar”" in said
    assert "\u202e" not in said  # the message itself reads the right way round
    assert Claim.objects.get().tags == []


def test_a_claim_wording_with_a_direction_override_is_refused(editor_client, claim):
    response = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/",
        {"claim_reviewed": "Listeners \u202e000,061 revo", "version": claim.version},
    )
    assert "direction override" in _errors(response, "claim_reviewed")
    assert "\u202e" not in Claim.objects.get().claim_reviewed


def test_a_conclusion_with_a_direction_override_is_refused(editor_client, claim):
    """ "evil" written as "\u202elive\u202c" showed as "live" on the reader page, the claim
    page and the embed: readers would read another verdict than the one reviewed."""
    response = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/",
        {"conclusion": "The count is \u202eeslaf\u202c.", "version": claim.version},
    )
    assert "direction override" in _errors(response, "conclusion")
    assert Claim.objects.get().conclusion == ""


def test_names_and_labels_readers_or_members_see_refuse_a_direction_override(
    organization, org_admin
):
    """A rating description "Right \u202ethat" would read as "Right taht"; a token
    "CMS \u202elive\u202c" as "CMS evil". Each is refused, naming the character, and nothing
    changes. (A rating label loses every invisible character as it is saved.)"""
    from django.core.exceptions import ValidationError

    from annotations.models import ApiToken

    scale = organization.rating_scales.get(is_default=True)
    ratings = [
        {"id": r.pk, "label": r.label, "value": r.value, "colour": r.colour,
         "description": r.description, "is_hidden": r.is_hidden, "delete": False}
        for r in scale.ratings.order_by("position")
    ]  # fmt: skip
    labels_before = sorted(scale.ratings.values_list("label", flat=True))
    edited = [dict(ratings[0], description="Right \u202ethat"), *ratings[1:]]
    with pytest.raises(ValidationError, match="direction override"):
        services.scale_update(scale=scale, actor=org_admin, ratings=edited)
    assert sorted(scale.ratings.values_list("label", flat=True)) == labels_before
    assert "\u202e" not in "".join(scale.ratings.values_list("description", flat=True))

    with pytest.raises(ValidationError, match="direction override"):
        services.token_create(actor=org_admin, name="CMS \u202eevil\u202c sync", scope="read")
    assert not ApiToken.objects.exists()

    with pytest.raises(ValidationError, match="direction override"):
        services.organization_update(
            organization=organization, actor=org_admin, name="Desk \u202ekaeD"
        )
    organization.refresh_from_db()
    assert "\u202e" not in organization.name


def test_an_article_title_byline_or_publisher_typed_with_a_direction_override_is_refused(
    editor_client, editor, article
):
    """The reader page showed "\u202eevil title" as "eltit live", in its heading, its
    <title> and the ClaimReview's headline."""
    response = _send(
        editor_client,
        "post",
        "/api/v1/newsroom/articles/",
        {"title": "\u202eevil title", "text": "Joblessness fell 12 percent."},
    )
    assert "direction override" in _errors(response, "title")
    assert Article.objects.count() == 1
    for field in ("title", "byline", "publisher"):
        with pytest.raises(ValidationError, match="direction override") as refused:
            services.article_update_details(
                article=article, actor=editor, **{field: "\u202eJane Roe"}
            )
        assert field in refused.value.message_dict
    article.refresh_from_db()
    assert "\u202e" not in article.title + article.byline + article.publisher


def test_every_article_detail_at_fault_is_named_in_one_answer(editor_client, article):
    """The override check used to run only once the address had passed, so a form showed
    one error, then on the next try another."""
    details = {
        "title": "\u202eevil title",
        "byline": "Jane \u202eeoR",
        "publisher": "   ",
        "canonical_url": "ftp://news.example/story",
        "language": "english please",
        "published_on": "2999-01-01",
    }
    named = {"title", "byline", "canonical_url", "language", "published_on"}
    created = _send(
        editor_client, "post", "/api/v1/newsroom/articles/", {**details, "text": " \u200b\n "}
    )
    assert created.status_code == 400
    assert set(created.json()["errors"]) == {*named, "text"}
    assert "direction override" in _errors(created, "byline")
    assert "future" in _errors(created, "published_on")
    assert Article.objects.count() == 1
    before = (article.title, article.byline, article.canonical_url)
    changed = _send(editor_client, "patch", f"/api/v1/newsroom/articles/{article.pk}/", details)
    assert set(changed.json()["errors"]) == named
    article.refresh_from_db()
    assert (article.title, article.byline, article.canonical_url) == before


def test_a_document_whose_names_carry_direction_overrides_imports_without_them(
    organization, editor
):
    """Nobody typed a page's title or a file's name here, so nobody can be asked to fix
    them: the import keeps the words and drops the overrides."""
    page = (
        "<!DOCTYPE html><html><head><title>\u202eeslaf the budget</title>"
        '<meta name="author" content="Jane \u202eeoR"></head><body><article>'
        "<h1>\u202eeslaf the budget</h1><p>Joblessness fell 12 percent last year, the office"
        " said in its annual report on the labour market.</p></article></body></html>"
    ).encode()
    article = services.article_import_upload(
        organization=organization, requested_by=editor, data=page, filename="a.html"
    )
    assert "\u202e" not in article.title + article.byline
    assert "eslaf the budget" in article.title
    untitled = services.article_import_upload(
        organization=organization, requested_by=editor,
        data=b"Joblessness fell 12 percent.", filename="report\u202etxt.exe",
    )  # fmt: skip
    assert untitled.title == "reporttxt.exe"


def test_a_public_note_with_a_direction_override_is_refused(client, article, editor, reviewer):
    claim = factories.published_claim(article, editor, reviewer, quote=QUOTE)
    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/newsroom/claims/{claim.pk}/transition/",
        {"to": "retracted", "note": "The survey was \u202enwardhtiw", "version": claim.version},
        content_type="application/json",
    )
    assert "direction override" in _errors(response, "note")
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PUBLISHED


def test_a_tag_too_long_is_named_with_the_limit(editor_client, claim):
    response = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/",
        {"tags": ["economy", "x" * 51], "version": claim.version},
    )
    said = _errors(response, "tags")
    assert "51 characters long" in said and "at most 50" in said
    assert "tags[1]" not in response.content.decode()


def test_right_to_left_names_and_tags_with_their_marks_are_kept(editor_client, claim):
    """Urdu text, and the marks and isolates mixed text needs, are no override."""
    # "Imran Khan" and "economy" in Urdu, spelled by code point.
    imran_khan = "\u0639\u0645\u0631\u0627\u0646 \u062e\u0627\u0646"
    economy = "\u0645\u0639\u06cc\u0634\u062a"
    name, tag = f"{imran_khan}\u200f (PTI)", f"\u2067{economy}\u2069 2024"
    response = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/",
        {"claimant": name, "tags": [tag], "version": claim.version},
    )
    assert response.status_code == 200, response.content[:400]
    stored = Claim.objects.get()
    assert (stored.claimant, stored.tags) == (name, [tag])


# Languages


@pytest.mark.parametrize("language", ["<script>", "english please", "e", "en_", "en--US"])
def test_a_language_that_is_no_language_tag_is_refused(editor_client, article, language):
    response = _send(
        editor_client,
        "patch",
        reverse("v1:api-article-detail", args=[article.pk]),
        {"language": language},
    )
    assert "language code such as en" in _errors(response, "language")
    assert Article.objects.get(pk=article.pk).language == article.language


@pytest.mark.parametrize("language", ["de", "pt-BR", "zh-Hant-TW", "ur", "fil"])
def test_language_tags_are_kept(editor_client, article, language):
    response = _send(
        editor_client,
        "patch",
        reverse("v1:api-article-detail", args=[article.pk]),
        {"language": language},
    )
    assert response.status_code == 200, response.content[:400]
    assert Article.objects.get(pk=article.pk).language == language


def test_the_details_page_says_what_is_wrong_with_the_language_under_its_field(
    editor_client, article
):
    response = editor_client.post(
        reverse("article-edit", args=[article.pk]),
        {"title": article.title, "language": "<script>"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a language code such as en, ur or pt-BR." in page
    assert "<script>" not in page.split("<main", 1)[1]
    assert Article.objects.get(pk=article.pk).language == article.language


# Dates


def _tomorrow() -> dt.date:
    return dt.date.today() + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("when", "said"),
    [
        (lambda: _tomorrow() + dt.timedelta(days=1), "in the future"),
        (lambda: dt.date(9999, 12, 31), "in the future"),
        (lambda: dt.date(202, 3, 4), "after the year 1000"),
        (lambda: dt.date(1, 1, 1), "after the year 1000"),
    ],
    ids=["day after tomorrow", "9999", "year 202", "year 1"],
)
def test_a_claim_date_in_the_future_or_before_the_year_1000_is_refused(
    editor_client, claim, article, when, said
):
    date = when().isoformat()
    response = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/",
        {"claim_date": date, "version": claim.version},
    )
    assert said in _errors(response, "claim_date")
    assert Claim.objects.get().claim_date is None
    details = _send(
        editor_client,
        "patch",
        reverse("v1:api-article-detail", args=[article.pk]),
        {"published_on": date},
    )
    assert said in _errors(details, "published_on")
    assert Article.objects.get(pk=article.pk).published_on == article.published_on


@pytest.mark.parametrize(
    "when", [_tomorrow, dt.date.today, lambda: dt.date(1000, 1, 1), lambda: dt.date(1969, 7, 20)]
)
def test_dates_from_the_year_1000_to_tomorrow_are_kept(editor_client, claim, when):
    """Tomorrow, because it is already tomorrow somewhere when a claim is made today."""
    response = _send(
        editor_client,
        "patch",
        f"/api/v1/newsroom/claims/{claim.pk}/",
        {"claim_date": when().isoformat(), "version": claim.version},
    )
    assert response.status_code == 200, response.content[:400]
    assert Claim.objects.get().claim_date == when()


def test_an_imported_page_dated_in_the_future_is_imported_without_its_date(
    httpserver, settings, editor, organization
):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    page = (
        "<html lang='en'><head><title>Listeners</title>"
        "<meta property='article:published_time' content='2999-01-01T00:00:00Z'></head>"
        "<body><article><h1>Listeners</h1><p>Over 160,000 people listened in at once, "
        "breaking the prior record of only 44,000.</p></article></body></html>"
    )
    httpserver.expect_request("/story").respond_with_data(
        page, content_type="text/html; charset=utf-8"
    )
    url = httpserver.url_for("/story").replace("localhost", "127.0.0.1")
    article = services.article_import_url(
        organization=organization, requested_by=editor, url=url, in_process=True
    )
    article.refresh_from_db()
    assert article.status == Article.Status.READY, article.import_error
    assert article.published_on is None
    assert (article.title, article.language) == ("Listeners", "en")


def test_a_conclusion_preview_renders_for_the_article_s_editors_only(
    client, editor_client, article
):
    url = f"/api/v1/newsroom/articles/{article.pk}/conclusion-preview/"
    shown = _send(editor_client, "post", url, {"conclusion": "**22.8** <script>x()</script>"})
    assert shown.status_code == 200
    assert shown.json()["conclusion_html"].startswith("<p><strong>22.8</strong>")
    assert "<script" not in shown.json()["conclusion_html"]
    # Trimmed as saving trims it: an indented first line is a paragraph, not code.
    indented = _send(editor_client, "post", url, {"conclusion": "    Checked twice.\n"})
    assert indented.json()["conclusion_html"].strip() == "<p>Checked twice.</p>"
    # Refused as saving refuses it: a direction override would show "evil" as "live".
    override = _send(editor_client, "post", url, {"conclusion": "It is \u202elive."})
    assert override.status_code == 400 and _errors(override, "conclusion")
    too_long = _send(editor_client, "post", url, {"conclusion": "x" * 20_001})
    assert "20000" in _errors(too_long, "conclusion").replace(",", "")
    client.force_login(factories.member(factories.OrganizationFactory()))
    assert _send(client, "post", url, {"conclusion": "hi"}).status_code == 404
    client.logout()
    assert _send(client, "post", url, {"conclusion": "hi"}).status_code in (401, 403)
