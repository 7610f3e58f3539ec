"""The editor's workspace in a real Chromium: select, claim, rate, source, review, publish."""

import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from annotations import queries
from annotations.models import Article, Claim
from tests import factories
from tests.browser_support import (
    ARTIFACTS,
    assert_accessible,
    open_page,
    open_workspace,
    record_posts,
    select_range,
    select_with_mouse,
    upload_from_the_add_page,
)
from tests.conftest import SAMPLE_ARTICLE, wait_for

LISTENERS = "Over 160,000 people listened in at once"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def close_pages(browser):
    """Close this test's pages: open ones keep polling the server after the test ends."""
    yield
    for context in browser.contexts:
        context.close()


def test_from_upload_to_a_published_claim_with_rating_and_source(browser, live_server, newsroom):
    """The whole desk flow: upload the sample, claim, rate, source, review, publish."""
    started = time.monotonic()
    page = open_page(browser, live_server, "ed")
    assert_accessible(page, "article list")
    upload_from_the_add_page(page, SAMPLE_ARTICLE)
    article = Article.objects.get(imports__filename=SAMPLE_ARTICLE.name)
    select_with_mouse(page, LISTENERS)
    page.keyboard.press("c")
    card = page.locator(".claim-card.active")
    card.wait_for()
    claim = wait_for(lambda: Claim.objects.filter(article=article).first())
    assert (claim.start, claim.end) == (
        article.text.index(LISTENERS),
        article.text.index(LISTENERS) + 39,
    )
    assert page.locator(f'mark[data-claim="{claim.pk}"]').inner_text() == LISTENERS

    card.get_by_label("Rating").select_option(
        label="Mostly true (4 of 5): Accurate, but needs clarification or additional information."
    )
    card.get_by_label("Conclusion (Markdown)").fill("PTI screenshots showed **about 164,000**.")
    card.get_by_role("button", name="Save").click()
    page.locator(".claim-card.active .save-status", has_text="Saved.").wait_for()
    card = page.locator(".claim-card.active")
    card.get_by_label("Source URL").fill("https://example.org/spaces-record")
    card.get_by_label("Title").fill("Spaces listener record")
    card.get_by_label("Stance").select_option("supports")
    card.get_by_role("button", name="Add source").click()
    page.locator(".claim-card.active .sources h3", has_text="Sources (1)").wait_for()
    assert_accessible(page, "workspace with an open claim")
    page.locator(".claim-card.active").get_by_role("button", name="Send to review").click()
    page.locator(".claim-card.active .badge.status", has_text="In review").wait_for()
    page.screenshot(path=str(ARTIFACTS / "workspace-editor.png"))
    assert page.errors == []

    reviewer_page = open_page(browser, live_server, "rev")
    open_workspace(reviewer_page, live_server, article)
    reviewer_page.locator(f'mark[data-claim="{claim.pk}"]').click()
    reviewer_card = reviewer_page.locator(".claim-card.active")
    reviewer_card.get_by_role("button", name="Publish").click()
    try:
        reviewer_page.locator(".claim-card.active .badge.status", has_text="Published").wait_for()
    except PlaywrightTimeoutError:
        # Once seen on a loaded CI machine and not reproduced: keep what the card said.
        reviewer_page.screenshot(path=str(ARTIFACTS / "workspace-publish-failed.png"))
        claim.refresh_from_db()
        raise AssertionError(
            f"not published (status {claim.status}); the card says: "
            + reviewer_page.locator(".claim-card.active").inner_text()[:1500]
        ) from None
    reviewer_page.screenshot(path=str(ARTIFACTS / "workspace-published.png"))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    assert claim.reviewer == newsroom["reviewer"]
    assert claim.rating.label == "Mostly true"
    assert claim.sources.get().url == "https://example.org/spaces-record"
    public = queries.published_claims().get(claim=claim)
    assert (public.number, public.rating.label, public.published_by) == (
        1,
        "Mostly true",
        newsroom["reviewer"],
    )
    assert reviewer_page.errors == []
    print(f"upload to published claim: {time.monotonic() - started:.1f} s of browser time")


def test_selection_after_emoji_and_urdu_stores_python_code_points(browser, live_server, newsroom):
    text = (
        "Crowds 🎉🇵🇰 cheered 𝒳 online.\n\n"
        "عمران خان نے ٹوئٹر اسپیس پر خطاب کیا۔ 😀 Then Over 160,000 people listened in at once."
    )
    article = factories.article(newsroom["organization"], newsroom["editor"], text=text)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    # The paragraph starts in Urdu, so it runs right to left (dir="auto") and wraps the
    # English sentence across lines in that order: a straight mouse drag would not cover
    # it. The selection is made as a reader's drag over its words ends up: one DOM range.
    select_range(page, LISTENERS)
    assert page.evaluate("window.getSelection().toString()") == LISTENERS
    assert page.locator("#article-body p").nth(1).get_attribute("dir") == "auto"
    page.get_by_role("button", name="Make claim from selection").click()
    page.locator(".claim-card.active").wait_for()
    claim = wait_for(lambda: Claim.objects.filter(article=article).first())
    article.refresh_from_db()
    start = article.text.index(LISTENERS)
    assert (claim.start, claim.end) == (start, start + len(LISTENERS))
    assert claim.exact == LISTENERS
    # The same phrase counted in UTF-16 units would sit further right: the emoji and the
    # mathematical letter are two units each.
    assert len(article.text[:start].encode("utf-16-le")) // 2 > start
    page.screenshot(path=str(ARTIFACTS / "workspace-emoji-urdu.png"))


def test_a_claim_in_urdu_is_written_right_to_left_in_its_card(browser, live_server, newsroom):
    """The quote above the card ran right to left, but the wording, claimant, conclusion
    and comment boxes ran left to right, the Urdu in them starting at the wrong edge."""
    urdu = "عمران خان نے ٹوئٹر اسپیس پر خطاب کیا"
    article = factories.article(
        newsroom["organization"], newsroom["editor"], text=f"{urdu}۔\n\nAn English line."
    )
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    select_range(page, urdu)
    page.get_by_role("button", name="Make claim from selection").click()
    card = page.locator(".claim-card.active")
    wording = card.get_by_label("Claim as worded for publication")
    expect(wording).to_have_value(urdu)
    card.get_by_label("Claimant").fill("عمران خان")
    card.get_by_label("Conclusion (Markdown)").fill("یہ درست ہے۔")
    for box in ("Claim as worded for publication", "Claimant", "Conclusion (Markdown)"):
        assert card.get_by_label(box).evaluate("box => box.matches(':dir(rtl)')"), box
    # An English wording in the same box runs left to right, as before.
    wording.fill("Khan spoke on Twitter Spaces")
    assert wording.evaluate("box => box.matches(':dir(ltr)')")
    # A pasted megabyte does not freeze the page: dir="auto" had Chromium weigh every
    # character of it, for minutes.
    card.get_by_label("Conclusion (Markdown)").evaluate(
        """box => {
            box.value = "\\u{1F600}".repeat(2_000_000);
            box.dispatchEvent(new Event("input", { bubbles: true }));
        }"""
    )
    card.get_by_label("Claimant").fill("Imran Khan", timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "workspace-urdu-card.png"))
    assert page.errors == []


def test_a_paragraph_of_300000_characters_still_opens_and_takes_a_claim(
    browser, live_server, newsroom
):
    """A transcript pasted as one paragraph: the workspace loads it and anchors a claim at
    its end, instead of dying on load with a stack overflow."""
    filler = "Transcript words go on and on. " * 10_000
    text = f"Start of the hearing. {filler}Then {LISTENERS}."
    assert len(text) > 300_000 and "\n" not in text
    article = factories.article(newsroom["organization"], newsroom["editor"], text=text)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    select_range(page, LISTENERS)
    page.get_by_role("button", name="Make claim from selection").click()
    page.locator(".claim-card.active").wait_for()
    claim = wait_for(lambda: Claim.objects.filter(article=article).first())
    start = text.index(LISTENERS)
    assert (claim.start, claim.end) == (start, start + len(LISTENERS))
    assert page.errors == []


def test_selection_ending_inside_an_emoji_or_a_flag_stores_the_whole_character(
    browser, live_server, newsroom
):
    text = "Crowds 👍🏽 cheered 🇵🇰 online, and the x\u0301 mark.\n\nSecond paragraph."
    article = factories.article(newsroom["organization"], newsroom["editor"], text=text)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    wanted = ["Crowds 👍🏽", "cheered 🇵🇰", "x\u0301"]
    # Each selection stops inside a cluster: before the skin tone, between the two regional
    # indicators of the flag, and before the combining accent.
    for count, phrase in enumerate(["Crowds 👍", "cheered 🇵", "x"], 1):
        select_range(page, phrase)
        page.get_by_role("button", name="Make claim from selection").click()
        wait_for(lambda: Claim.objects.filter(article=article).count() == count)  # noqa: B023
        page.locator("#selection-status", has_text="Claim created.").wait_for()
    stored = Claim.objects.filter(article=article).order_by("start")
    assert [claim.exact for claim in stored] == wanted
    for claim in stored:
        assert text[claim.start : claim.end] == claim.exact
    assert page.errors == []
    page.screenshot(path=str(ARTIFACTS / "workspace-grapheme-snapping.png"))


def test_second_editor_saving_another_field_merges_and_loses_nothing(
    browser, live_server, newsroom
):
    article = newsroom["article"]
    from annotations import services

    claim = services.claim_create(
        article=article,
        creator=newsroom["editor"],
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    first = open_page(browser, live_server, "ed")
    second = open_page(browser, live_server, "rev")
    for page in (first, second):
        open_workspace(page, live_server, article)
        page.locator(f'mark[data-claim="{claim.pk}"]').click()
        page.locator(".claim-card.active form.claim-form").wait_for()
    first.locator(".claim-card.active").get_by_label("Claimant").fill("Andrew Korybko")
    first.locator(".claim-card.active").get_by_role("button", name="Save").click()
    first.locator(".claim-card.active .save-status", has_text="Saved.").wait_for()

    mine = "My careful conclusion that took twenty minutes."
    second.locator(".claim-card.active").get_by_label("Conclusion (Markdown)").fill(mine)
    second.locator(".claim-card.active").get_by_role("button", name="Save").click()
    # Another field changed since the second editor opened the claim: merged, not refused.
    second.locator(".claim-card.active .save-status", has_text="Merged").wait_for()
    card = second.locator(".claim-card.active")
    assert card.get_by_label("Conclusion (Markdown)").input_value() == mine
    assert card.get_by_label("Claimant").input_value() == "Andrew Korybko"
    second.screenshot(path=str(ARTIFACTS / "workspace-conflict.png"))
    claim.refresh_from_db()
    assert claim.claimant == "Andrew Korybko" and claim.conclusion == mine


def _open_listeners_claim(browser, live_server, newsroom):
    """A draft claim on the listeners sentence, open in the editor's workspace: the claim,
    the page and its card."""
    from annotations import services

    article = newsroom["article"]
    claim = services.claim_create(
        article=article,
        creator=newsroom["editor"],
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    return claim, page, page.locator(".claim-card.active")


def test_refused_save_names_the_field_from_the_problem_details(browser, live_server, newsroom):
    claim, page, card = _open_listeners_claim(browser, live_server, newsroom)
    long_tag = "record" * 10
    card.get_by_label("Tags (comma-separated)").fill(f"spaces, {long_tag}")
    card.get_by_role("button", name="Save").click()
    status = card.locator(".save-status.error")
    status.wait_for()
    # The server's problem details, under the field at fault and naming the tag, not a JSON
    # dump; the line under Save points there.
    assert status.inner_text() == "Not saved: correct Tags as said under it."
    tags = card.get_by_label("Tags (comma-separated)")
    expect(tags).to_be_focused()
    expect(tags).to_have_attribute("aria-invalid", "true")
    expect(tags).to_have_accessible_description(
        f"The tag “{long_tag[:39]}…” is 60 characters long: a tag has at most 50."
    )
    assert tags.input_value() == f"spaces, {long_tag}"
    assert card.locator(".field-error").count() == 1
    assert_accessible(page, "workspace with a field refused")
    card.screenshot(path=str(ARTIFACTS / "workspace-field-error.png"))
    claim.refresh_from_db()
    assert claim.tags == [] and claim.version == 1
    # Correcting the field takes its message away; the save then goes through.
    tags.fill("spaces, record")
    expect(tags).not_to_have_attribute("aria-invalid", "true")
    assert card.locator(".field-error").count() == 0
    card.get_by_role("button", name="Save").click()
    expect(card.locator(f"#c{claim.pk}-form-status")).to_have_text("Saved.")
    claim.refresh_from_db()
    assert claim.tags == ["spaces", "record"]
    assert page.errors == []


def test_saving_after_being_signed_out_says_so_and_keeps_the_typing(browser, live_server, newsroom):
    claim, page, card = _open_listeners_claim(browser, live_server, newsroom)
    card.get_by_label("Claimant").fill("Imran Khan")
    page.context.clear_cookies()  # as signing out in another tab leaves this one
    card.get_by_role("button", name="Save").click()
    status = card.locator(".save-status.error")
    status.wait_for()
    assert status.inner_text().startswith("You are signed out, perhaps in another tab")
    assert "Authentication credentials" not in status.inner_text()
    assert card.get_by_label("Claimant").input_value() == "Imran Khan"
    claim.refresh_from_db()
    assert claim.claimant == "" and claim.version == 1


def test_claim_created_and_saved_with_the_keyboard_only(browser, live_server, newsroom):
    article = newsroom["article"]
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    body = page.locator("#article-body")
    for _ in range(20):
        page.keyboard.press("Tab")
        if body.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the article body cannot be reached with Tab")
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    status = page.locator("#selection-status")
    status.filter(has_text="characters selected").wait_for()
    assert "inside a word" not in status.inner_text()
    # Four more characters with shift+arrow (", in") stop inside the next word: the page
    # says so.
    assert article.text.startswith("The domestic, international")
    for _ in range(4):
        page.keyboard.press("Shift+ArrowRight")
    status.filter(has_text="ends inside a word (“in…”)").wait_for()
    for _ in range(4):
        page.keyboard.press("Shift+ArrowLeft")
    status.filter(has_text="12 characters selected").wait_for()
    assert "inside a word" not in status.inner_text()
    page.keyboard.press("c")
    page.locator(".claim-card.active").wait_for()
    claim = wait_for(lambda: Claim.objects.filter(article=article).first())
    assert claim.start == 0 and claim.exact == article.text[: claim.end]
    assert claim.exact.startswith("The domestic")
    # Focus lands in the new claim's form; Tab through to Save and press Enter.
    assert page.evaluate("document.activeElement.name") == "claim_reviewed"
    page.keyboard.press("Tab")
    page.keyboard.type("Andrew Korybko")

    def tab_to(name):
        for _ in range(6):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name || document.activeElement.type") == name:
                return
        pytest.fail(f"Tab never reached {name}")

    tab_to("rating")
    page.keyboard.press("ArrowDown")
    tab_to("submit")
    page.keyboard.press("Enter")
    page.locator(".claim-card.active .save-status", has_text="Saved.").wait_for()
    claim.refresh_from_db()
    assert claim.claimant == "Andrew Korybko"
    assert claim.rating.label == "True"
    assert article.text == Claim.objects.get().article.text  # the text never changed
    page.screenshot(path=str(ARTIFACTS / "workspace-keyboard.png"))


def test_a_mouse_drag_selects_the_words_dragged_over_and_then_names_a_cut_word(
    browser, live_server, newsroom
):
    """Mid-drag, the status line grew by a cut-word warning at almost every step, wrapped,
    and moved the text under the pointer: the drag selected other words."""
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    page.set_viewport_size({"width": 900, "height": 800})
    select_with_mouse(page, "Over 160,000 people listen")
    status = page.locator("#selection-status")
    status.filter(has_text="ends inside a word (“listen…”)").wait_for()
    # (A drag that starts on selected words would move them: start afresh.)
    page.evaluate("window.getSelection().removeAllRanges()")
    # The status line goes back to its hint on the next selectionchange, shorter: dragging
    # before it has, the words measured for the drag moved under the pointer.
    expect(status).not_to_contain_text("inside a word")
    select_with_mouse(page, "Over 160,000 people listened")
    status.filter(has_text="28 characters selected").wait_for()
    assert "inside a word" not in status.inner_text()


def test_pressing_c_twice_before_the_answer_makes_one_claim(browser, live_server, newsroom):
    """A second "c" while the first claim is on its way, the selection still there, is
    ignored instead of making the same claim twice."""
    article = newsroom["article"]
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    posts = record_posts(page, f"/articles/{article.pk}/claims/")
    select_with_mouse(page, LISTENERS)
    # Both presses in one task, as a key bounce or a fast double tap arrives: neither
    # waits for the server's answer, so only the page's own guard can stop the second.
    page.evaluate(
        """() => {
            for (let i = 0; i < 2; i++) {
                document.activeElement.dispatchEvent(
                    new KeyboardEvent("keydown", { key: "c", bubbles: true, cancelable: true }),
                );
            }
        }"""
    )
    page.locator(".claim-card.active").wait_for()
    page.locator("#selection-status", has_text="Claim created.").wait_for()
    assert len(posts) == 1
    assert Claim.objects.filter(article=article).count() == 1
    # The guard lets go once the answer is in: the next selection makes the next claim.
    page.keyboard.press("Escape")
    select_with_mouse(page, "breaking the prior record")
    page.keyboard.press("c")
    # Waited for in the page, so that the request events before it have been counted.
    expect(page.locator("mark[data-claim]")).to_have_count(2)
    assert len(posts) == 2
    assert Claim.objects.filter(article=article).count() == 2
    assert page.errors == []


def test_a_selection_too_long_for_a_claims_wording_says_so_before_asking_the_server(
    browser, live_server, newsroom
):
    """The server's answer asked for a wording the page has no field for; the page now says
    what to do as the words are selected, and sends nothing."""
    sentence = "The council says the budget grew by 12 percent in the year to March. "
    passage = (sentence * 16).strip()  # 1,103 characters, one paragraph
    article = factories.article(
        newsroom["organization"], newsroom["editor"], text=f"Opening line.\n\n{passage}"
    )
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    posts = record_posts(page, f"/articles/{article.pk}/claims/")
    select_range(page, passage)
    status = page.locator("#selection-status")
    expect(status).to_have_text(
        "1,103 characters selected: a claim's words are at most 1,000 characters. "
        "Select the sentence that makes the claim."
    )
    page.keyboard.press("c")
    expect(status).to_contain_text("Not created: 1,103 characters selected")
    # A sentence of it makes a claim as usual.
    select_range(page, sentence.strip())
    page.keyboard.press("c")
    expect(page.locator("mark[data-claim]")).to_have_count(1)
    assert len(posts) == 1
    assert Claim.objects.get(article=article).exact == sentence.strip()
    assert page.errors == []


def test_narrow_window_puts_the_sidebar_below_the_text(browser, live_server, newsroom):
    page = open_page(browser, live_server, "ed", viewport=(420, 900))
    open_workspace(page, live_server, newsroom["article"])
    text_box = page.locator(".article-text").bounding_box()
    sidebar_box = page.locator(".sidebar").bounding_box()
    assert sidebar_box["y"] >= text_box["y"] + text_box["height"] - 1
    page.screenshot(path=str(ARTIFACTS / "workspace-narrow.png"), full_page=False)


def _published_claim(newsroom):
    """The listeners claim, created by the editor and published by the reviewer."""
    from annotations import services

    return services.claim_transition(
        claim=_claim_in_review(newsroom),
        actor=newsroom["reviewer"],
        to_status=Claim.Status.PUBLISHED,
    )


def _claim_in_review(newsroom):
    """The listeners claim, ready to publish and sent to review by the editor."""
    from annotations import services
    from annotations.models import Rating

    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    services.source_add(
        claim=claim, actor=editor, url="https://example.org/spaces", title="Spaces record",
        stance="supports",
    )  # fmt: skip
    claim.refresh_from_db()
    rating = Rating.objects.get(scale__organization=article.organization, label="Mostly true")
    claim = services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating,
        conclusion="PTI screenshots showed **about 164,000**.",
    )  # fmt: skip
    return services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)


def test_editing_a_published_claim_warns_then_shows_the_unpublished_correction(
    browser, live_server, newsroom
):
    claim = _published_claim(newsroom)
    article = newsroom["article"]
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    card = page.locator(".claim-card.active")
    card.locator("form.claim-form").wait_for()
    card.get_by_label("Conclusion (Markdown)").fill("Twitter later said 120,000 listened.")
    card.get_by_role("button", name="Save").click()
    warning = card.get_by_role("alertdialog")
    warning.wait_for()
    assert "This claim is published" in warning.inner_text()
    page.screenshot(path=str(ARTIFACTS / "workspace-published-warning.png"))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED  # nothing saved before confirming
    warning.get_by_role("button", name="Continue: prepare a correction").click()
    page.locator(".claim-card.active .save-status", has_text="Saved.").wait_for()
    card = page.locator(".claim-card.active")
    unpublished = card.get_by_role("region", name="Changes not yet published")
    unpublished.get_by_text("conclusion revised").wait_for()
    published = card.get_by_role("region", name="Published version (version 1)")
    assert "about 164,000" in published.inner_text()
    assert "by rev" in published.inner_text()
    assert card.locator(".badge.status").inner_text() == "Draft"
    assert_accessible(page, "workspace with an unpublished correction")
    card.screenshot(path=str(ARTIFACTS / "workspace-unpublished-correction.png"))
    public = queries.published_claims().get(claim=claim)
    assert public.conclusion == "PTI screenshots showed **about 164,000**."
    card.get_by_role("button", name="Send to review").click()
    page.locator(".claim-card.active .badge.status", has_text="In review").wait_for()
    assert page.errors == []

    reviewer_page = open_page(browser, live_server, "rev")
    open_workspace(reviewer_page, live_server, article)
    reviewer_page.locator(f'mark[data-claim="{claim.pk}"]').click()
    reviewer_card = reviewer_page.locator(".claim-card.active")
    reviewer_card.get_by_role("button", name="Republish with correction").click()
    reviewer_card.locator(".workflow .save-status", has_text="correction note").wait_for()
    reviewer_card.get_by_label("Correction note").fill("Twitter published its own figure")
    reviewer_card.get_by_role("button", name="Republish with correction").click()
    reviewer_page.locator(".claim-card.active .badge.status", has_text="Published").wait_for()
    reviewer_page.locator(
        ".claim-card.active h3", has_text="Published version (version 2)"
    ).wait_for()
    reviewer_page.locator(
        ".claim-card.active .correction",
        has_text="conclusion revised because Twitter published its own figure",
    ).wait_for()
    reviewer_page.locator(".claim-card.active").screenshot(
        path=str(ARTIFACTS / "workspace-republished.png")
    )
    public = queries.published_claims().get(claim=claim)
    assert public.number == 2 and public.correction_note == "Twitter published its own figure"
    assert public.conclusion == "Twitter later said 120,000 listened."
    assert reviewer_page.errors == []


def test_the_conclusion_preview_follows_the_typing_as_readers_would_see_it(
    browser, live_server, newsroom
):
    claim, page, card = _open_listeners_claim(browser, live_server, newsroom)
    preview = card.get_by_label("Conclusion as readers see it")
    # No conclusion yet: no empty preview either.
    expect(card.get_by_role("heading", name="Conclusion preview")).to_be_hidden()
    card.get_by_label("Conclusion (Markdown)").fill(
        "PTI screenshots showed **about 164,000**. <img src=x onerror='window.__xss = 1'>"
    )
    expect(preview.locator("strong")).to_have_text("about 164,000")
    expect(card.locator(f"#c{claim.pk}-conclusion-preview-state")).to_have_text(
        "As typed; not saved yet."
    )
    # Rendered as a published conclusion is: the markup readers would not get is gone.
    assert preview.locator("img[onerror]").count() == 0
    assert page.evaluate("window.__xss") is None
    preview.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "workspace-conclusion-preview.png"))
    # Typing on replaces it; saving makes it the saved conclusion, with no "not saved" left.
    card.get_by_label("Conclusion (Markdown)").fill("Twitter said *120,000*.")
    expect(preview.locator("em")).to_have_text("120,000")
    card.get_by_role("button", name="Save").click()
    card.locator(".save-status", has_text="Saved.").wait_for()
    active = page.locator(".claim-card.active")
    expect(active.get_by_label("Conclusion as readers see it").locator("em")).to_have_text(
        "120,000"
    )
    expect(active.locator(f"#c{claim.pk}-conclusion-preview-state")).to_have_text("")
    claim.refresh_from_db()
    assert claim.conclusion == "Twitter said *120,000*."
    assert page.errors == []


def test_a_preview_answered_after_the_save_does_not_mark_the_saved_conclusion_unsaved(
    browser, live_server, newsroom
):
    claim, page, card = _open_listeners_claim(browser, live_server, newsroom)
    held = []
    page.route("**/conclusion-preview/", lambda route: held.append(route))
    card.get_by_label("Conclusion (Markdown)").fill("Twitter said *120,000*.")
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(20)  # lets Playwright hand the held request over
    assert held, "the preview was never asked for"
    # Saved from the keyboard (the field keeps focus, so no change event follows) while
    # the preview of the same words is still on its way.
    card.get_by_label("Conclusion (Markdown)").press("Control+Enter")
    page.locator(".claim-card.active .save-status", has_text="Saved.").wait_for()
    with page.expect_response("**/conclusion-preview/"):
        held[0].continue_()
    state = f"c{claim.pk}-conclusion-preview-state"
    with pytest.raises(PlaywrightTimeoutError):
        page.wait_for_function(
            "(id) => document.getElementById(id)?.textContent === 'As typed; not saved yet.'",
            arg=state,
            timeout=1500,
        )
    expect(page.locator(f"#{state}")).to_have_text("")
    assert page.errors == []


def test_a_card_saved_with_control_enter_closes_without_asking_about_unsaved_changes(
    browser, live_server, newsroom
):
    """Saved from the keyboard, the field's change event came after the save, from the field
    the save had redrawn: it was taken as a new edit of the claim as it was before the save,
    so Escape asked about "unsaved changes" and the browser kept the saved text as a draft."""
    claim, page, card = _open_listeners_claim(browser, live_server, newsroom)
    card.get_by_label("Claimant").fill("A quick claimant")
    card.get_by_label("Claimant").press("Control+Enter")
    page.locator(".claim-card.active .save-status", has_text="Saved.").wait_for()
    expect(page.locator(".claim-card.active .badge.unsaved")).to_be_hidden()
    page.keyboard.press("Escape")
    expect(page.locator(".claim-card.active")).to_have_count(0)
    expect(page.locator("dialog[open]")).to_have_count(0)
    stored = page.evaluate(
        "() => Object.keys(localStorage).filter((key) => key.startsWith('factcheck.draft.'))"
    )
    assert stored == []
    claim.refresh_from_db()
    assert claim.claimant == "A quick claimant"
    assert page.errors == []


def test_a_save_after_a_reviewer_published_meanwhile_asks_before_reopening_the_publication(
    browser, live_server, newsroom
):
    from annotations import services

    # The card is opened on the claim in review; the reviewer publishes while the editor types.
    claim = _claim_in_review(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    card = page.locator(".claim-card.active")
    card.locator("form.claim-form").wait_for()
    card.get_by_label("Claimant").fill("Andrew Korybko")
    services.claim_transition(
        claim=Claim.objects.get(pk=claim.pk),
        actor=newsroom["reviewer"],
        to_status=Claim.Status.PUBLISHED,
    )
    card.get_by_role("button", name="Save").click()
    # Nothing is saved until the editor says so: the change would reopen the publication.
    status = page.locator(".claim-card.active .save-status", has_text="Not saved yet.")
    expect(status).to_contain_text("rev published this claim after you opened it")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED and claim.claimant == ""
    assert card.get_by_label("Claimant").input_value() == "Andrew Korybko"
    # The card says what the claim is now: published, no longer in review.
    expect(card.locator(".badge.status")).to_have_text("Published")
    page.locator(".claim-card.active").screenshot(
        path=str(ARTIFACTS / "workspace-published-meanwhile.png")
    )

    status.get_by_role("button", name="Save as a correction").click()
    page.locator(
        ".claim-card.active .save-status", has_text="Saved as a draft of a correction"
    ).wait_for()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT and claim.claimant == "Andrew Korybko"
    assert claim.published_versions.count() == 1
    assert page.errors == []
