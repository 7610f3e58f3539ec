"""Editing an article in the browser's pages and the API: its details, and its text with a
dry-run preview of what happens to the claims."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from annotations import services
from annotations.models import Article, ArticleRevision, Claim, Membership, PublishedVersion
from tests import factories

TEXT = (
    "The minister said schools got twelve percent more.\n\n"
    "Hospitals got two percent more in real terms.\n\n"
    "Nobody disputes the figure for roads."
)


@pytest.fixture
def desk(organization, editor, reviewer):
    article = factories.article(organization, editor, text=TEXT, title="Budget")
    kept = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(TEXT, "Nobody disputes the figure for roads"),
    )
    lost = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(TEXT, "Hospitals got two percent more"),
    )
    published = factories.published_claim(
        article, editor, reviewer, quote="schools got twelve percent more"
    )
    return {"article": article, "kept": kept, "lost": lost, "published": published}


EDITED = (
    "A new first paragraph moves everything.\n\n"
    "The minister said schools got fifteen percent more.\n\n"
    "Nobody disputes the figure for roads."
)


def test_preview_lists_moved_and_orphaned_claims_with_reasons_and_writes_nothing(desk, editor):
    article = desk["article"]
    before = list(Claim.objects.order_by("pk").values())
    preview = services.article_text_preview(article=article, text=EDITED, actor=editor)
    assert not preview.identical
    assert [m["id"] for m in preview.moved] == [desk["kept"].pk]
    assert preview.moved[0]["changed"] is False
    orphans = {o["id"]: o for o in preview.orphaned}
    assert set(orphans) == {desk["lost"].pk, desk["published"].pk}
    assert all(o["reason"] for o in orphans.values())
    # Saving would send the published verdict back to review; the draft just waits.
    assert orphans[desk["published"].pk]["to_review"] is True
    assert orphans[desk["lost"].pk]["to_review"] is False
    assert list(Claim.objects.order_by("pk").values()) == before
    assert ArticleRevision.objects.filter(article=article).count() == 1
    assert Article.objects.get(pk=article.pk).text == TEXT


def test_preview_agrees_with_what_saving_then_does(desk, editor):
    article = desk["article"]
    preview = services.article_text_preview(article=article, text=EDITED, actor=editor)
    report = services.article_update_text(article=article, text=EDITED, actor=editor)
    factories.text_shown_to_readers(article)
    assert (report.moved, report.orphaned, report.unchanged) == (
        len(preview.moved),
        len(preview.orphaned),
        preview.unchanged,
    )
    assert report.sent_to_review == 1
    assert PublishedVersion.objects.get(claim=desk["published"]).is_anchored is False


def test_a_changed_first_word_is_taken_whole_into_the_claim_not_cut_mid_word(organization, editor):
    text = "Khan spoke.\n\nOver 160,000 people listened in at once, a record.\n\nThe end."
    article = factories.article(organization, editor, text=text, title="Spaces")
    quote = "Over 160,000 people listened in at once"
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(text, quote)
    )
    edited = text.replace("Over", "Under")

    preview = services.article_text_preview(article=article, text=edited, actor=editor)
    services.article_update_text(article=article, text=edited, actor=editor)

    # The closest match began inside the new word: "nder 160,000 people…".
    claim.refresh_from_db()
    assert claim.exact == "Under 160,000 people listened in at once"
    assert preview.moved[0]["new_exact"] == claim.exact
    assert (preview.moved[0]["start"], preview.moved[0]["end"]) == (claim.start, claim.end)


def test_preview_of_the_same_text_says_nothing_changes(desk, editor):
    preview = services.article_text_preview(article=desk["article"], text=TEXT, actor=editor)
    assert preview.identical and preview.unchanged == 3 and not preview.moved


def test_preview_is_refused_to_someone_outside_the_organization(desk):
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.article_text_preview(article=desk["article"], text=EDITED, actor=outsider)


# API


def test_text_preview_api_answers_in_the_contract_shape(client, desk, editor):
    client.force_login(editor)
    url = reverse("v1:api-article-text-preview", args=[desk["article"].pk])
    response = client.post(url, {"text": EDITED}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unchanged"] == 0
    assert [m["id"] for m in body["moved"]] == [desk["kept"].pk]
    assert {o["id"] for o in body["orphaned"]} == {desk["lost"].pk, desk["published"].pk}
    assert set(body["orphaned"][0]) >= {"id", "exact", "reason"}
    assert ArticleRevision.objects.filter(article=desk["article"]).count() == 1


def test_text_preview_api_hides_the_article_from_outsiders(client, desk):
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN)
    client.force_login(outsider)
    url = reverse("v1:api-article-text-preview", args=[desk["article"].pk])
    response = client.post(url, {"text": EDITED}, content_type="application/json")
    assert response.status_code == 404


def test_text_preview_api_refuses_an_empty_text(client, desk, editor):
    client.force_login(editor)
    url = reverse("v1:api-article-text-preview", args=[desk["article"].pk])
    response = client.post(url, {"text": "  \n\n "}, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_details_patch_changes_date_and_language_for_an_editor(client, desk, editor):
    client.force_login(editor)
    url = reverse("v1:api-article-detail", args=[desk["article"].pk])
    response = client.patch(
        url,
        {"published_on": "2025-03-04", "language": "de"},
        content_type="application/json",
        headers={"If-Match": f'"{desk["article"].details_tag}"'},
    )
    assert response.status_code == 200, response.content
    article = Article.objects.get(pk=desk["article"].pk)
    assert (str(article.published_on), article.language) == ("2025-03-04", "de")


# Pages


def test_editor_changes_the_details_on_the_edit_page(client, desk, editor):
    client.force_login(editor)
    url = reverse("article-edit", args=[desk["article"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Budget"' in page.content.decode()
    response = client.post(
        url,
        {
            "title": "Budget, checked",
            "byline": "Jane Roe",
            "publisher": "Daily Example",
            "canonical_url": "https://news.example/budget",
            "published_on": "2025-03-04",
            "language": "en",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("article-workspace", args=[desk["article"].pk])
    article = Article.objects.get(pk=desk["article"].pk)
    assert (article.title, article.byline, article.url_key != "") == (
        "Budget, checked",
        "Jane Roe",
        True,
    )


def test_edit_page_shows_errors_and_keeps_the_article(client, desk, editor):
    client.force_login(editor)
    url = reverse("article-edit", args=[desk["article"].pk])
    response = client.post(url, {"title": "", "canonical_url": "not a url", "published_on": "x"})
    assert response.status_code == 400
    assert Article.objects.get(pk=desk["article"].pk).title == "Budget"


def test_edit_page_names_every_field_at_fault_in_one_answer(client, desk, editor):
    # The model's checks (direction, language tag, future date) used to run only once the
    # form's own had passed: one error, then another on the next try.
    client.force_login(editor)
    url = reverse("article-edit", args=[desk["article"].pk])
    response = client.post(
        url,
        {"title": "\u202eevil", "canonical_url": "not a url", "published_on": "2999-01-01",
         "language": "english please"},
    )  # fmt: skip
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {
        "title", "canonical_url", "published_on", "language"
    }  # fmt: skip
    assert Article.objects.get(pk=desk["article"].pk).title == "Budget"


@pytest.mark.parametrize("name", ["article-edit", "article-edit-text"])
def test_edit_pages_are_not_found_for_outsiders_and_need_a_sign_in(client, desk, name):
    url = reverse(name, args=[desk["article"].pk])
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN))
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "Taken over"}).status_code == 404


def test_text_page_previews_then_saves_a_revision(client, desk, editor):
    client.force_login(editor)
    url = reverse("article-edit-text", args=[desk["article"].pk])
    assert TEXT.split("\n\n")[0] in client.get(url).content.decode()
    preview = client.post(
        url, {"text": EDITED, "reason": "publisher fixed a figure", "preview": "1"}
    )
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Would become orphans" in html
    assert "Hospitals got two percent more" in html
    assert "Published: goes back to review." in html
    assert ArticleRevision.objects.filter(article=desk["article"]).count() == 1
    digest = preview.context["form"]["previewed"].value()
    saved = client.post(
        url,
        {"text": EDITED, "reason": "publisher fixed a figure", "previewed": digest, "save": "1"},
    )
    assert saved.status_code == 302
    revision = ArticleRevision.objects.filter(article=desk["article"]).latest("number")
    assert (revision.number, revision.reason) == (2, "publisher fixed a figure")
    assert Claim.objects.get(pk=desk["lost"].pk).anchor_state == Claim.AnchorState.ORPHANED


def test_text_changed_after_its_preview_is_previewed_again_not_saved(client, desk, editor):
    client.force_login(editor)
    url = reverse("article-edit-text", args=[desk["article"].pk])
    preview = client.post(url, {"text": TEXT + "\n\nOne more.", "preview": "1"})
    digest = preview.context["form"]["previewed"].value()
    response = client.post(url, {"text": EDITED, "previewed": digest, "save": "1"})
    assert response.status_code == 200
    assert response.context["preview"] is not None
    assert ArticleRevision.objects.filter(article=desk["article"]).count() == 1


def test_a_text_saved_by_someone_else_since_the_page_opened_is_not_silently_replaced(
    client, desk, editor, reviewer
):
    client.force_login(editor)
    url = reverse("article-edit-text", args=[desk["article"].pk])
    opened = client.get(url)
    base = opened.context["form"]["base_revision"].value()
    preview = client.post(url, {"text": EDITED, "preview": "1", "base_revision": base})
    digest = preview.context["form"]["previewed"].value()
    theirs = TEXT + "\n\nA paragraph the reviewer added."
    services.article_update_text(article=desk["article"], text=theirs, actor=reviewer)

    saved = client.post(
        url, {"text": EDITED, "previewed": digest, "save": "1", "base_revision": base}
    )

    assert saved.status_code == 409
    page = saved.content.decode()
    assert "rita saved revision 2 of this text since you started editing revision 1." in page
    assert f'href="/articles/{desk["article"].pk}/revisions/2/"' in page
    assert "A new first paragraph moves everything." in page  # the editor's text, kept
    desk["article"].refresh_from_db()
    assert desk["article"].text == theirs
    assert ArticleRevision.objects.filter(article=desk["article"]).count() == 2


def test_the_text_api_refuses_a_text_edited_from_an_older_revision(client, desk, editor):
    client.force_login(editor)
    url = f"/api/v1/newsroom/articles/{desk['article'].pk}/text/"
    first = client.put(url, {"text": TEXT + "\n\nOne.", "base_revision": 1}, "application/json")
    stale = client.put(url, {"text": EDITED, "base_revision": 1}, "application/json")

    assert first.status_code == 200
    assert stale.status_code == 409 and stale.json()["latest_revision"] == 2
    # Their own earlier save (another window of theirs) is said to be theirs.
    assert stale.json()["detail"].startswith("You saved revision 2 of this text")
    assert ArticleRevision.objects.filter(article=desk["article"]).count() == 2


def test_the_text_api_refuses_a_revision_that_does_not_exist_as_a_mistake_not_a_conflict(
    client, desk, editor
):
    client.force_login(editor)
    url = f"/api/v1/newsroom/articles/{desk['article'].pk}/text/"
    answer = client.put(url, {"text": EDITED, "base_revision": 999}, "application/json")
    assert answer.status_code == 400, answer.json()
    assert "no revision 999: the newest is revision 1" in str(answer.json())
    assert ArticleRevision.objects.filter(article=desk["article"]).count() == 1


def test_text_edit_keeps_the_structure_of_unchanged_paragraphs(organization, editor):
    article = services.article_create(
        organization=organization,
        title="T",
        text="Section\n\nBody.\n\nItem one",
        created_by=editor,
        structure=[
            {"kind": "heading", "start": 0, "end": 7, "level": 2},
            {"kind": "list_item", "start": 16, "end": 24, "level": 1},
        ],
    )
    services.article_update_text(
        article=article, text="Section\n\nBody changed.\n\nItem one", actor=editor
    )
    article.refresh_from_db()
    assert [(b["kind"], article.text[b["start"] : b["end"]]) for b in article.structure] == [
        ("heading", "Section"),
        ("list_item", "Item one"),
    ]


def test_a_claim_untouched_by_a_text_edit_follows_the_revision_but_keeps_its_updated_at(
    desk, editor
):
    article = desk["article"]
    roads = services.claim_create(
        article=article, creator=editor,
        selectors=factories.quote_selectors(article.text, "Nobody disputes the figure for roads."),
    )  # fmt: skip
    before = Claim.objects.get(pk=roads.pk)

    services.article_update_text(article=article, text=TEXT + "\n\nA new last line.", actor=editor)

    after = Claim.objects.get(pk=roads.pk)
    assert after.revision.number == 2 and (after.start, after.end) == (before.start, before.end)
    assert (after.updated_at, after.version) == (before.updated_at, before.version)


def test_the_newsroom_article_list_refuses_a_parameter_it_does_not_take(client, desk, editor):
    client.force_login(editor)
    url = reverse("v1:api-article-list")
    misspelt = client.get(url, {"organisation": "someone-else", "status": "ready"})
    assert misspelt.status_code == 400
    assert "Not a parameter of this list" in " ".join(misspelt.json()["errors"]["organisation"])
    listed = client.get(url, {"organization": desk["article"].organization.slug, "page": 1})
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["results"]] == [desk["article"].pk]


def test_details_patch_with_if_match_saves_only_over_the_details_it_read(
    client, desk, editor, reviewer
):
    client.force_login(editor)
    url = reverse("v1:api-article-detail", args=[desk["article"].pk])
    read = client.get(url)
    tag = read.json()["details_tag"]
    assert read["ETag"] == f'"{tag}"'
    # A colleague saves a new title meanwhile.
    services.article_update_details(article=desk["article"], actor=reviewer, title="Budget 2025")
    stale = client.patch(
        url,
        {"byline": "Jane Roe"},
        content_type="application/json",
        headers={"If-Match": f'"{tag}"'},
    )
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    body = stale.json()
    assert body["current"]["title"] == "Budget 2025"
    assert "nothing was saved" in body["detail"]
    assert Article.objects.get(pk=desk["article"].pk).byline == ""
    # Sent again over the details as they are now, it is saved, with a new tag.
    fresh = body["current"]["details_tag"]
    assert stale["ETag"] == f'"{fresh}"' and fresh != tag
    saved = client.patch(
        url,
        {"byline": "Jane Roe"},
        content_type="application/json",
        headers={"If-Match": f'"{fresh}"'},
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["byline"] == "Jane Roe"
    assert saved["ETag"] == f'"{saved.json()["details_tag"]}"' != f'"{fresh}"'
    # A text revision changes no detail: the tag stays.
    assert client.get(url).json()["details_tag"] == saved.json()["details_tag"]


def test_details_patch_without_if_match_is_a_428_and_a_malformed_one_is_a_400(client, desk, editor):
    """A change of the details reopens every published claim on the article: sent without
    the tag read, one overwrote another's change unseen (API trial D3)."""
    client.force_login(editor)
    url = reverse("v1:api-article-detail", args=[desk["article"].pk])
    missing = client.patch(url, {"language": "de"}, content_type="application/json")
    assert missing.status_code == 428 and "details_tag" in missing.json()["detail"]
    desk["article"].refresh_from_db()
    assert desk["article"].language != "de"
    bad = client.patch(
        url, {"language": "fr"}, content_type="application/json", headers={"If-Match": "*"}
    )
    assert bad.status_code == 400
    assert "details_tag" in " ".join(bad.json()["errors"]["If-Match"])
    assert Article.objects.get(pk=desk["article"].pk).language not in ("de", "fr")


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Budget\nchecked", "Budget checked"),
        ("  Budget,\r\n\tchecked  ", "Budget, checked"),
        ("Budget\x07 checked", "Budget checked"),
        ("Budget\u2028checked", "Budget checked"),
        ("Budget  —  checked", "Budget  —  checked"),  # spaces typed are kept
    ],
)
def test_a_title_byline_and_publisher_are_kept_on_one_line(client, desk, editor, typed, kept):
    """A title took a line break and a BEL through the API, which broke the email subjects
    and page titles it goes into (trial G19)."""
    client.force_login(editor)
    made = client.post(
        "/api/v1/newsroom/articles/",
        {"title": typed, "text": "Some words.", "byline": typed, "publisher": typed},
        content_type="application/json",
    )
    assert made.status_code == 201, made.json()
    assert [made.json()[name] for name in ("title", "byline", "publisher")] == [kept] * 3
    article = desk["article"]
    changed = client.patch(
        reverse("v1:api-article-detail", args=[article.pk]),
        {"title": typed},
        content_type="application/json",
        headers={"If-Match": f'"{article.details_tag}"'},
    )
    assert changed.status_code == 200 and changed.json()["title"] == kept


def test_a_title_typed_beside_an_address_to_import_is_kept_on_one_line(client, editor, settings):
    """The typed title of a URL import kept its line break and BEL (review R23)."""
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    client.force_login(editor)
    answer = client.post(
        "/api/v1/newsroom/articles/",
        {"url": "http://127.0.0.1:9/story", "title": "Line one\nLine two\x07"},
        content_type="application/json",
    )
    assert answer.status_code == 202, answer.json()
    assert Article.objects.get(pk=answer.json()["id"]).title == "Line one Line two"
