"""The workspace's conversation, sources, history, details, shortcuts and phone layout."""

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Article, Claim, Comment, Job, Notification, Rating
from tests import factories
from tests.browser_support import (
    ARTIFACTS,
    PASSWORD,
    assert_accessible,
    open_page,
    open_workspace,
    record_posts,
    select_with_mouse,
)
from tests.conftest import wait_for
from tests.test_browser_daily import LISTENERS, RECORD, make_claim, open_card, type_into

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def close_pages(browser):
    """Close this test's pages: open ones keep polling the server after the test ends."""
    yield
    for context in browser.contexts:
        context.close()


def _typing_a_comment(browser, live_server, newsroom, claim, text):
    """Ed's page with the claim's card open and `text` typed into its comment box."""
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    box = card.get_by_label("Add a comment (Markdown; @name to mention)")
    box.click()
    page.keyboard.type(text)
    return page, card, box


def test_words_typed_while_a_comment_is_sent_stay_in_the_box_to_send_next(
    browser, live_server, newsroom
):
    """On a slow connection the box was emptied when the answer came, words typed into it
    meanwhile with it: they were never sent, and gone without a word."""
    claim = make_claim(newsroom)
    page, card, box = _typing_a_comment(browser, live_server, newsroom, claim, "First part, sent.")
    held = []

    def hold_posts(route):
        if route.request.method == "POST":
            held.append(route)  # answered below, once more has been typed
        else:
            route.continue_()

    page.route(f"**/api/v1/newsroom/claims/{claim.pk}/comments/", hold_posts)
    card.get_by_role("button", name="Comment", exact=True).click()
    wait_for(lambda: page.evaluate("1") and held, message="the comment was not sent")
    box.press("End")
    page.keyboard.type(" Second part, typed while it was sent.")
    held[0].continue_()
    page.unroute(f"**/api/v1/newsroom/claims/{claim.pk}/comments/", hold_posts)

    card.locator("article.comment .comment-body", has_text="First part, sent.").wait_for()
    expect(box).to_have_value("Second part, typed while it was sent.")
    expect(card.get_by_text("What you typed since is still in the box")).to_be_visible()
    assert [c.body for c in Comment.objects.filter(claim=claim)] == ["First part, sent."]
    page.screenshot(path=str(ARTIFACTS / "daily-comment-typed-while-sent.png"))

    # It survives a reload, as any kept input does, and goes with the next click.
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    card = open_card(page, claim)
    card.get_by_role("button", name="Restore my changes").click()
    box = card.get_by_label("Add a comment (Markdown; @name to mention)")
    expect(box).to_have_value("Second part, typed while it was sent.")
    card.get_by_role("button", name="Comment", exact=True).click()
    expect(box).to_have_value("")
    wait_for(lambda: Comment.objects.filter(claim=claim).count() == 2)
    assert page.errors == []


def test_a_comment_with_a_mention_is_shown_sanitised_edited_and_resolved(
    browser, live_server, newsroom
):
    claim = make_claim(newsroom)
    page, card, box = _typing_a_comment(
        browser, live_server, newsroom, claim, "Please check the **PTI** figure, @r"
    )
    options = card.get_by_role("listbox", name="People to mention")
    options.get_by_role("option", name="@rev").wait_for()
    page.keyboard.press("Enter")
    page.keyboard.type("<script>alert(1)</script>")
    assert box.input_value().startswith("Please check the **PTI** figure, @rev ")
    card.get_by_role("button", name="Comment", exact=True).click()
    comment = card.locator("article.comment").first
    comment.wait_for()
    assert comment.locator(".comment-body strong").inner_text() == "PTI"
    assert comment.locator("script").count() == 0
    assert box.input_value() == ""
    rev = newsroom["reviewer"]
    notification = wait_for(
        lambda: Notification.objects.filter(recipient=rev, kind="mentioned").first()
    )
    assert notification.claim_id == claim.pk
    page.screenshot(path=str(ARTIFACTS / "daily-comment-mention.png"))

    comment.get_by_role("button", name="Edit").click()
    editing = card.get_by_label("Edit your comment")
    type_into(editing, "Please check the PTI figure again.")
    card.get_by_role("button", name="Save comment").click()
    card.locator(".comment-body", has_text="again").wait_for()
    assert "(edited)" in card.locator("article.comment").first.inner_text()

    card.get_by_role("button", name="Resolve thread").click()
    card.locator(".comment-thread.resolved summary", has_text="Resolved by ed").wait_for()
    assert_accessible(page, "workspace with a conversation")
    assert page.errors == []


def test_a_double_click_on_comment_posts_it_and_its_mention_once(browser, live_server, newsroom):
    claim = make_claim(newsroom)
    page, card, box = _typing_a_comment(
        browser, live_server, newsroom, claim, "Please look at the PTI figure @rev "
    )
    comments_url = f"/claims/{claim.pk}/comments/"

    def is_comment_post(request):
        return request.method == "POST" and request.url.endswith(comments_url)

    posts = record_posts(page, comments_url)
    # The thread's reload after the first comment is answered by the server at once but
    # reaches the page late, as over a slow line: the page must neither send a comment
    # twice nor drop the next one meanwhile, nor keep the stale thread that reload brings.
    held = []

    def hold_thread_reload(route):
        if route.request.method == "GET" and not held:
            held.append((route, route.fetch()))
        else:
            route.continue_()

    page.route(lambda url: url.split("?")[0].endswith(comments_url), hold_thread_reload)
    # Two clicks in one task, as a double click lands: neither waits for the answer. The
    # focus moves to the button first, as the mouse moves it, committing the typing.
    with page.expect_response(lambda response: is_comment_post(response.request)):
        card.get_by_role("button", name="Comment", exact=True).evaluate(
            "button => { button.focus(); button.click(); button.click(); }"
        )
    expect(box).to_have_value("")  # emptied as soon as the server took it
    assert len(posts) == 1
    assert claim.comments.count() == 1
    rev = newsroom["reviewer"]
    assert Notification.objects.filter(recipient=rev, kind="mentioned").count() == 1

    # The next comment, typed while the thread still reloads, goes through.
    box.fill("And the date of the record.")
    card.get_by_role("button", name="Comment", exact=True).click()
    # Saved ("Saving…" gone), and its own reload of the thread asked for, while the first
    # reload has still not reached the page.
    expect(page.locator(f"#c{claim.pk}-comments-status")).to_have_text("", timeout=10_000)
    assert len(posts) == 2
    [(route, stale)] = held
    assert "date of the record" not in stale.text()
    route.fulfill(response=stale)
    card.locator(".comment-body", has_text="date of the record").wait_for()
    assert len(posts) == 2
    assert claim.comments.count() == 2
    assert page.errors == []


def test_a_name_typed_out_in_full_leaves_no_list_over_the_comment_button(
    browser, live_server, newsroom
):
    page, card, _box = _typing_a_comment(
        browser, live_server, newsroom, make_claim(newsroom), "Over to you, @re"
    )
    options = card.get_by_role("listbox", name="People to mention")
    options.get_by_role("option", name="@rev").wait_for()
    page.keyboard.type("v")

    assert options.is_hidden()
    card.get_by_role("button", name="Comment", exact=True).click()  # the first click counts
    card.locator("article.comment .comment-body", has_text="Over to you").wait_for()
    assert page.errors == []


def test_a_reply_joins_the_thread_and_another_member_sees_it(browser, live_server, newsroom):
    claim = make_claim(newsroom)
    services.comment_create(claim=claim, actor=newsroom["editor"], body="Is 164,000 the peak?")
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    card.locator(".comment-body", has_text="the peak").wait_for()
    card.get_by_role("button", name="Reply").click()
    page.keyboard.type("Yes, per the PTI screenshots.")
    card.get_by_role("button", name="Reply", exact=True).last.click()
    card.locator(".replies .comment-body", has_text="PTI screenshots").wait_for()
    # Someone else's comment offers no edit or delete.
    first = card.locator("article.comment").first
    assert first.get_by_role("button", name="Edit").count() == 0
    assert page.errors == []


def test_a_source_is_edited_and_removed_in_place(browser, live_server, newsroom):
    claim = make_claim(newsroom)
    services.source_add(
        claim=claim, actor=newsroom["editor"], url="https://example.org/spaces",
        title="Spaces record", stance="supports",
    )  # fmt: skip
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Claimant"), "Andrew Korybko")
    card.get_by_role("button", name="Edit source Spaces record").click()
    type_into(card.get_by_label("Title of this source"), "Twitter Spaces record, PTI")
    type_into(card.get_by_label("Quoted passage from this source"), "164,000 listeners")
    card.get_by_label("Stance of this source").select_option("context")
    card.get_by_role("button", name="Save source").click()
    card.locator(".sources .save-status", has_text="Source saved.").wait_for()
    source = claim.sources.get()
    assert (source.title, source.quote, source.stance) == (
        "Twitter Spaces record, PTI",
        "164,000 listeners",
        "context",
    )
    # A mistyped address is corrected in place: the new page is queued to be fetched.
    card.get_by_role("button", name="Edit source Twitter Spaces record, PTI").click()
    address = card.get_by_label("Address (URL) of this source")
    assert address.input_value() == "https://example.org/spaces"
    type_into(address, "https://example.org/spaces-record")
    page.screenshot(path=str(ARTIFACTS / "daily-source-address.png"))
    card.get_by_role("button", name="Save source").click()
    card.locator(
        f"#c{claim.pk}-s{source.pk}-link[href='https://example.org/spaces-record']"
    ).wait_for()
    source.refresh_from_db()
    assert source.url == "https://example.org/spaces-record"
    assert source.title == "Twitter Spaces record, PTI"  # typed by hand: kept
    assert Job.objects.filter(kind="snapshot", subject_id=source.pk).exists()
    # Where the page stands (fetching, snapshot, archive, link) shows beside the source.
    assert card.locator(".source-state .badge").count() >= 1
    # The claim's own unsaved input is still there.
    assert card.get_by_label("Claimant").input_value() == "Andrew Korybko"
    page.screenshot(path=str(ARTIFACTS / "daily-source-edited.png"))
    card.get_by_role("button", name="Remove source Twitter Spaces record, PTI").click()
    page.get_by_role("dialog", name="Remove this source?").get_by_role(
        "button", name="Remove source"
    ).click()
    card.locator(".sources h3", has_text="Sources (0)").wait_for()
    assert claim.sources.count() == 0
    history = card.locator(".history-section")
    history.locator("summary").click()
    assert "source" in history.inner_text().lower()
    assert page.errors == []


def test_history_reads_as_sentences_with_dates_and_inline_differences(
    browser, live_server, newsroom
):
    claim = make_claim(newsroom)
    claim = services.claim_update(
        claim=claim, actor=newsroom["editor"], expected_version=None,
        conclusion="The record was 160,000.\n\nSecond paragraph.",
    )  # fmt: skip
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Conclusion (Markdown)"), "The record was 164,000.")
    card.get_by_label("Rating").select_option(
        str(Rating.objects.get(scale__organization=newsroom["organization"], label="True").pk)
    )
    card.get_by_role("button", name="Save").click()
    card.locator(".save-status", has_text="Saved.").wait_for()
    history = card.locator(".history-section")
    history.locator("summary").click()
    text = history.inner_text()
    page.screenshot(path=str(ARTIFACTS / "daily-history.png"))
    assert "by rev," in text and "by ed," in text
    assert "\\n" not in text and '"draft"' not in text and "status:" not in text
    assert history.locator("ins", has_text="164,000").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "daily-history.png"))
    assert page.errors == []


def test_question_mark_shows_the_keyboard_shortcuts(browser, live_server, newsroom):
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    page.locator("#article-body").focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    dialog.wait_for()
    assert "Make a claim from the selected words" in dialog.inner_text()
    assert_accessible(page, "keyboard shortcuts dialog")
    page.screenshot(path=str(ARTIFACTS / "daily-shortcuts.png"))
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    # Typed into a field, "?" is just a character.
    claim = make_claim(newsroom)
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    card = open_card(page, claim)
    card.get_by_label("Claimant").click()
    page.keyboard.type("who?")
    assert card.get_by_label("Claimant").input_value() == "who?"
    assert not dialog.is_visible()


def test_claims_column_stays_in_view_and_the_open_card_never_scrolls_the_article(
    browser, live_server, newsroom
):
    claims = [make_claim(newsroom, phrase) for phrase in (LISTENERS, RECORD)]
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    page.mouse.move(300, 500)
    page.mouse.wheel(0, 1500)
    page.wait_for_function("() => window.scrollY > 1000")
    heading = page.get_by_role("heading", name="Claims")
    box = heading.bounding_box()
    assert 0 <= box["y"] < 800, box
    scrolled = page.evaluate("window.scrollY")
    page.get_by_role("button", name=f"Open claim: {claims[1].claim_reviewed}").click()
    card = page.locator(f"#claim-{claims[1].pk}.active")
    card.locator("form.claim-form").wait_for()
    assert page.evaluate("window.scrollY") == scrolled
    card_box = card.bounding_box()
    assert card_box["y"] < 800 and card_box["y"] + 40 > 0
    page.screenshot(path=str(ARTIFACTS / "daily-sticky-column.png"))


def test_on_a_phone_a_tapped_highlight_opens_a_bottom_sheet_without_a_jump(
    browser, live_server, newsroom
):
    claim = make_claim(newsroom)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ed")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_url(f"{live_server.url}/")
    open_workspace(page, live_server, newsroom["article"])
    mark = page.locator(f'mark[data-claim="{claim.pk}"]').first
    mark.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    mark.tap()
    card = page.locator(f"#claim-{claim.pk}.active")
    card.locator("form.claim-form").wait_for()
    # No jump down the page: at most a nudge that keeps the highlight above the sheet.
    assert abs(page.evaluate("window.scrollY") - before) < 844 * 0.6
    box = card.bounding_box()
    assert box["y"] > 844 * 0.3 and abs(box["y"] + box["height"] - 844) < 2, box
    assert box["width"] >= 389
    assert (
        page.evaluate(
            "(id) => getComputedStyle(document.getElementById(`claim-${id}`)).position", claim.pk
        )
        == "fixed"
    )
    highlight = mark.bounding_box()
    assert highlight["y"] >= 0 and highlight["y"] + highlight["height"] <= box["y"], highlight
    # Close is on a line of its own above the card's content, covering none of it.
    close = card.get_by_role("button", name="Close claim").bounding_box()
    for part in (card.locator("blockquote").first, card.locator(".card-body > *").first):
        other = part.bounding_box()
        assert close["y"] + close["height"] <= other["y"] + 1, (close, other)
    page.screenshot(path=str(ARTIFACTS / "daily-phone-sheet.png"))
    assert_accessible(page, "phone bottom sheet")
    card.get_by_role("button", name="Close claim").tap()
    card.wait_for(state="detached")
    assert errors == []
    context.close()


def test_article_details_are_edited_from_the_workspace(browser, live_server, newsroom):
    article = newsroom["article"]
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    page.get_by_role("button", name="Edit details").click()
    dialog = page.get_by_role("dialog", name="Article details")
    dialog.wait_for()
    wait_for(lambda: dialog.get_by_label("Title").input_value() != "")
    # An embedding left open at the byline's end (U+202B) must not reorder the line after it.
    type_into(dialog.get_by_label("Byline"), "Andrew Korybko\u202b")
    type_into(dialog.get_by_label("Publisher"), "OneWorld")
    dialog.get_by_label("Publication date").fill("2022-04-22")
    type_into(dialog.get_by_label("Original URL"), "https://oneworld.press/?module=articles")
    assert_accessible(page, "article details dialog")
    dialog.get_by_role("button", name="Save details").click()
    dialog.wait_for(state="hidden")
    assert "Andrew Korybko" in page.locator("#article-meta").inner_text()
    # Each part isolated, as the server writes them (trial G10).
    assert page.locator("#article-meta > bdi").all_inner_texts()[1:3] == ["OneWorld", "2022-04-22"]
    page.reload()
    assert page.locator("#article-meta > bdi").count() == 4
    article.refresh_from_db()
    assert (article.byline, article.publisher, str(article.published_on)) == (
        "Andrew Korybko\u202b",
        "OneWorld",
        "2022-04-22",
    )
    assert (
        page.get_by_role("link", name="Edit text")
        .get_attribute("href")
        .endswith(f"/articles/{article.pk}/edit-text/")
    )


def test_rating_dropdown_describes_each_rating_and_hides_retired_ones(
    browser, live_server, newsroom
):
    organization = newsroom["organization"]
    retired = Rating.objects.get(scale__organization=organization, label="Unverifiable")
    first = make_claim(newsroom)
    second = make_claim(newsroom, RECORD)
    first = services.claim_update(
        claim=first, actor=newsroom["editor"], expected_version=None, rating=retired
    )
    Rating.objects.filter(pk=retired.pk).update(is_hidden=True)
    other = factories.article(organization, newsroom["editor"], title="Another")
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, first)
    options = card.get_by_label("Rating").locator("option").all_inner_texts()
    assert any(text.startswith("Unverifiable") for text in options)  # the claim keeps it
    assert "Mostly true (4 of 5): Accurate, but needs clarification" in "\n".join(options)
    assert card.locator(f"#c{first.pk}-rating-hint").inner_text().startswith("Available")
    # Another claim of the same article is not offered it: it is hidden from new choices.
    card = open_card(page, second)
    options = card.get_by_label("Rating").locator("option").all_inner_texts()
    assert not any(text.startswith("Unverifiable") for text in options)
    page.goto(f"{live_server.url}/articles/{other.pk}/")
    page.wait_for_selector("html[data-workspace-ready=true]")
    claim = services.claim_create(
        article=Article.objects.get(pk=other.pk),
        creator=newsroom["editor"],
        selectors=factories.quote_selectors(other.text, LISTENERS),
    )
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    card = open_card(page, claim)
    options = card.get_by_label("Rating").locator("option").all_inner_texts()
    assert not any(text.startswith("Unverifiable") for text in options)
    assert second.pk and Claim.objects.count() == 3


def test_headings_lists_and_quotes_are_shown_as_such_and_claims_still_land(
    browser, live_server, newsroom
):
    heading = "What happened on Wednesday"
    item = "Over 160,000 people listened in at once."
    quote = "It is a milestone in digital diplomacy."
    text = f"{heading}\n\n{item}\n\nA second item of the list.\n\n{quote}\n\nA plain paragraph."
    article = factories.article(newsroom["organization"], newsroom["editor"], text=text)
    starts = [text.index(part) for part in (heading, item, quote)]
    Article.objects.filter(pk=article.pk).update(
        structure=[
            {"kind": "heading", "start": starts[0], "end": starts[0] + len(heading), "level": 2},
            {"kind": "list_item", "start": starts[1], "end": starts[1] + len(item), "level": 0},
            {
                "kind": "list_item",
                "start": text.index("A second"),
                "end": text.index("A second") + len("A second item of the list."),
                "level": 0,
            },
            {"kind": "quote", "start": starts[2], "end": starts[2] + len(quote), "level": 0},
        ]
    )
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    body = page.locator("#article-body")
    assert body.locator('h2[data-kind="heading"]').inner_text() == heading
    assert body.locator("ul li[data-start]").count() == 2
    assert body.locator("blockquote[data-start]").inner_text() == quote
    select_with_mouse(page, "digital diplomacy")
    page.keyboard.press("c")
    page.locator(".claim-card.active").wait_for()
    claim = wait_for(lambda: Claim.objects.filter(article=article).first())
    assert claim.exact == "digital diplomacy"
    assert text[claim.start : claim.end] == "digital diplomacy"
    select_with_mouse(page, "160,000 people")
    page.keyboard.press("c")
    wait_for(lambda: Claim.objects.filter(article=article).count() == 2)
    second = Claim.objects.filter(article=article).order_by("start").first()
    assert text[second.start : second.end] == "160,000 people"
    page.screenshot(path=str(ARTIFACTS / "daily-structure.png"))
    assert page.errors == []


def test_a_link_to_a_claim_opens_its_card_on_arrival(browser, live_server, newsroom):
    claim = make_claim(newsroom, RECORD)
    page = open_page(browser, live_server, "rev")
    page.goto(f"{live_server.url}/articles/{newsroom['article'].pk}/#claim-{claim.pk}")
    page.wait_for_selector("html[data-workspace-ready=true]")
    page.locator(f"#claim-{claim.pk}.active form.claim-form").wait_for()
    assert page.errors == []
