"""The workspace for a working day: nothing typed is lost, merges, conflicts, the workflow."""

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.models import Claim, EvidenceRequest, Job, Membership, Rating, Source
from annotations.permissions import SYSTEM
from tests import factories
from tests.browser_support import (
    ARTIFACTS,
    PASSWORD,
    assert_accessible,
    open_page,
    open_workspace,
    select_with_mouse,
    sign_in_again_in_another_tab,
)
from tests.conftest import wait_for

LISTENERS = "Over 160,000 people listened in at once"
RECORD = "shattered the world record on Wednesday"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def close_pages(browser):
    """Close this test's pages: open ones keep polling the server after the test ends."""
    yield
    for context in browser.contexts:
        context.close()


def make_claim(newsroom, phrase=LISTENERS, creator=None):
    article = newsroom["article"]
    return services.claim_create(
        article=article,
        creator=creator or newsroom["editor"],
        selectors=factories.quote_selectors(article.text, phrase),
    )


def settle_evidence(claim):
    """The claim's evidence searches done with nothing found, and its sources' fetches
    failed: no worker runs here, and the panel, which says so once they have waited 15 s,
    would change the card's height then."""
    searches = EvidenceRequest.objects.filter(claim=claim)
    Job.objects.filter(kind="evidence", subject_id__in=searches.values("pk")).update(
        state=Job.State.DONE
    )
    searches.update(state="done")
    Job.objects.filter(kind="snapshot", subject_id__in=claim.sources.values("pk")).update(
        state=Job.State.DONE
    )
    claim.sources.update(fetch_state=Source.FetchState.FAILED)


def rating(newsroom, label):
    return Rating.objects.get(scale__organization=newsroom["organization"], label=label)


def open_card(page, claim):
    page.locator(f'mark[data-claim="{claim.pk}"]').first.click()
    card = page.locator(f"#claim-{claim.pk}.active")
    card.locator("form.claim-form").wait_for()
    return card


def type_into(locator, text):
    """Click into a field and type like a person: real mouse, real keys."""
    locator.click()
    locator.press("Control+a")
    locator.page.keyboard.type(text)


def click_text(page, phrase):
    """Click with the mouse on plain (unhighlighted) words of the article."""
    box = page.evaluate(
        """(phrase) => {
            const walker = document.createTreeWalker(
                document.getElementById("article-body"), NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (node.parentElement.closest("mark")) continue;
                const at = node.data.indexOf(phrase);
                if (at === -1) continue;
                const range = document.createRange();
                range.setStart(node, at); range.setEnd(node, at + 1);
                const rect = range.getBoundingClientRect();
                return {x: rect.left + 1, y: rect.top + rect.height / 2};
            }
            return null;
        }""",
        phrase,
    )
    assert box, phrase
    page.mouse.click(box["x"], box["y"])


def stored_drafts(page):
    return page.evaluate(
        "Object.keys(localStorage).filter((key) => key.startsWith('factcheck.draft.'))"
    )


def test_two_tabs_on_one_claim_keep_their_own_unsaved_input(browser, live_server, newsroom):
    claim = make_claim(newsroom)
    first = open_page(browser, live_server, "ed")
    second = first.context.new_page()  # the same browser: one localStorage for both tabs
    second.errors = []
    second.on("pageerror", lambda error: second.errors.append(str(error)))
    for page in (first, second):
        open_workspace(page, live_server, newsroom["article"])
    first_card, second_card = open_card(first, claim), open_card(second, claim)
    type_into(second_card.get_by_label("Claimant"), "The minister of information")
    type_into(first_card.get_by_label("Conclusion (Markdown)"), "The record was 44,000.")
    # Both tabs have stored their input (each under its own name) before anything is saved.
    first.wait_for_function(
        "() => Object.keys(localStorage).filter((k) => k.startsWith('factcheck.draft.')).length"
        " === 2"
    )

    first_card.get_by_role("button", name="Save").click()
    first_card.locator(".save-status", has_text="Saved.").wait_for()
    # The second tab is still open, typing: its input is not offered in the first one.
    first.reload()
    first.wait_for_selector("html[data-workspace-ready=true]")
    open_card(first, claim)
    assert first.get_by_role("button", name="Restore my changes").count() == 0
    with second.expect_event("close"):
        second.close(run_before_unload=True)  # the second tab closes with its input unsaved
    # Only the first tab is still saying it is alive once the second has gone.
    first.wait_for_function(
        "() => Object.keys(localStorage).filter((k) => k.startsWith('factcheck.alive.')).length"
        " === 1"
    )

    # Its input outlived the first tab's save, and is offered back in a new tab.
    third = first.context.new_page()
    open_workspace(third, live_server, newsroom["article"])
    card = open_card(third, claim)
    card.get_by_role("button", name="Restore my changes").click()
    assert card.get_by_label("Claimant").input_value() == "The minister of information"
    assert card.get_by_label("Conclusion (Markdown)").input_value() == "The record was 44,000."
    assert first.errors == []


def test_a_tab_going_away_does_not_say_it_is_alive_again_before_it_ends(
    browser, live_server, newsroom
):
    """A timer firing between "pagehide" and the tab's end wrote the tab alive again: its
    unsaved input was not offered in a new tab for 15 s (a flaky two-tab test showed it)."""
    page = open_page(browser, live_server, "ed")
    page.clock.install()
    open_workspace(page, live_server, newsroom["article"])
    alive = "() => Object.keys(localStorage).filter((k) => k.startsWith('factcheck.alive.'))"
    assert len(page.evaluate(alive)) == 1
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    assert page.evaluate(alive) == []
    page.clock.run_for(6000)  # past the next "alive" tick
    assert page.evaluate(alive) == []
    # Brought back from the back-forward cache, it is alive again.
    page.evaluate(
        "() => window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))"
    )
    assert len(page.evaluate(alive)) == 1


def test_add_source_keeps_the_claimant_date_rating_and_conclusion_typed_before_it(
    browser, live_server, newsroom
):
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Claimant"), "Andrew Korybko")
    card.get_by_label("Claim date").fill("2022-04-27")
    card.get_by_label("Rating").select_option(str(rating(newsroom, "Mostly true").pk))
    type_into(card.get_by_label("Conclusion (Markdown)"), "PTI screenshots showed 164,000.")
    assert card.locator(".badge.unsaved").is_visible()
    type_into(card.get_by_label("Source URL"), "https://example.org/spaces-record")
    type_into(card.get_by_label("Title", exact=True), "Spaces listener record")
    card.get_by_role("button", name="Add source").click()
    page.locator(f"#claim-{claim.pk} .sources h3", has_text="Sources (1)").wait_for()
    card = page.locator(f"#claim-{claim.pk}.active")
    # The source is saved, the four fields still hold what was typed, and say so.
    assert card.get_by_label("Claimant").input_value() == "Andrew Korybko"
    assert card.get_by_label("Claim date").input_value() == "2022-04-27"
    assert card.get_by_label("Rating").input_value() == str(rating(newsroom, "Mostly true").pk)
    assert card.get_by_label("Conclusion (Markdown)").input_value() == (
        "PTI screenshots showed 164,000."
    )
    assert card.get_by_label("Source URL").input_value() == ""
    assert card.locator(".badge.unsaved").is_visible()
    page.screenshot(path=str(ARTIFACTS / "daily-add-source-keeps-fields.png"))
    claim.refresh_from_db()
    assert claim.sources.count() == 1 and claim.claimant == ""
    card.get_by_role("button", name="Save").click()
    card.locator(".save-status", has_text="Saved.").wait_for()
    claim.refresh_from_db()
    assert (claim.claimant, str(claim.claim_date), claim.rating.label) == (
        "Andrew Korybko",
        "2022-04-27",
        "Mostly true",
    )
    assert claim.conclusion == "PTI screenshots showed 164,000."
    assert not card.locator(".badge.unsaved").is_visible()
    assert stored_drafts(page) == []
    assert page.errors == []


def test_send_to_review_saves_the_conclusion_just_typed_first(browser, live_server, newsroom):
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Conclusion (Markdown)"), "The record was **164,000**.")
    card.get_by_role("button", name="Send to review").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="In review").wait_for()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    assert claim.conclusion == "The record was **164,000**."
    assert page.errors == []


def test_escape_after_clicking_into_the_text_asks_before_dropping_the_claimant(
    browser, live_server, newsroom
):
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Claimant"), "Andrew Korybko")
    click_text(page, "Pakistan Today shared")
    page.keyboard.press("Escape")
    dialog = page.get_by_role("dialog", name="Unsaved changes")
    dialog.wait_for()
    assert "Claimant" in dialog.inner_text()
    page.screenshot(path=str(ARTIFACTS / "daily-escape-asks.png"))
    # Escape again answers "keep editing": the card and the claimant stay.
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    card = page.locator(f"#claim-{claim.pk}.active")
    assert card.get_by_label("Claimant").input_value() == "Andrew Korybko"
    # Asked again, the keyboard reaches "Discard changes".
    click_text(page, "Pakistan Today shared")
    page.keyboard.press("Escape")
    dialog.wait_for()
    dialog.get_by_role("button", name="Discard changes").focus()
    page.keyboard.press("Enter")
    page.locator(".claim-card.active").wait_for(state="detached")
    assert stored_drafts(page) == []
    open_card(page, claim)
    assert page.locator(f"#claim-{claim.pk}").get_by_label("Claimant").input_value() == ""
    assert page.errors == []


def test_opening_another_claim_asks_and_saves_the_first_when_told(browser, live_server, newsroom):
    first = make_claim(newsroom)
    second = make_claim(newsroom, RECORD)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, first)
    type_into(card.get_by_label("Claimant"), "Andrew Korybko")
    page.locator(f'mark[data-claim="{second.pk}"]').first.click()
    dialog = page.get_by_role("dialog", name="Unsaved changes")
    dialog.wait_for()
    # "Save changes" has the focus: Enter saves and goes on to the other claim.
    assert page.evaluate("document.activeElement.textContent") == "Save changes"
    page.keyboard.press("Enter")
    page.locator(f"#claim-{second.pk}.active form.claim-form").wait_for()
    first.refresh_from_db()
    assert first.claimant == "Andrew Korybko"
    assert page.errors == []


def test_cancelling_the_question_keeps_the_first_claim_open_with_its_input(
    browser, live_server, newsroom
):
    first = make_claim(newsroom)
    second = make_claim(newsroom, RECORD)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, first)
    type_into(card.get_by_label("Conclusion (Markdown)"), "Half of this is typed")
    page.locator(f'mark[data-claim="{second.pk}"]').first.click()
    asking = page.get_by_role("dialog", name="Unsaved changes")
    asking.get_by_role("button", name="Keep editing").click()
    expect(asking).to_be_hidden()  # the choice is made: the other card would be open by now
    card = page.locator(f"#claim-{first.pk}.active")
    assert card.get_by_label("Conclusion (Markdown)").input_value() == "Half of this is typed"
    assert page.locator(f"#claim-{second.pk}.active").count() == 0
    # The card's own Close button asks too.
    card.get_by_role("button", name="Close claim").click()
    page.get_by_role("dialog", name="Unsaved changes").get_by_role(
        "button", name="Keep editing"
    ).click()
    assert card.get_by_label("Conclusion (Markdown)").input_value() == "Half of this is typed"
    # So does "j", the keyboard's way to the next claim, from outside the fields.
    page.locator("#article-body").focus()
    page.keyboard.press("j")
    page.get_by_role("dialog", name="Unsaved changes").wait_for()
    page.keyboard.press("Escape")
    assert card.get_by_label("Conclusion (Markdown)").input_value() == "Half of this is typed"
    first.refresh_from_db()
    assert first.conclusion == ""


def test_a_reload_while_a_save_is_on_its_way_asks_only_about_input_typed_since(
    browser, live_server, newsroom
):
    """ "Leave site?" came up for input whose save had already reached the server."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    held = []

    def hold_saves(route):
        # The save reaches the server and is answered; the page never hears back.
        if route.request.method != "PATCH":
            return route.continue_()
        held.append(route.fetch().status)

    page.route(f"**/api/v1/newsroom/claims/{claim.pk}/", hold_saves)
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Conclusion (Markdown)"), "Saved before the reload.")
    card.get_by_role("button", name="Save", exact=True).click()
    wait_for(lambda: page.evaluate("1") and held, message="the save did not reach the server")
    assert held == [200]

    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")

    assert asked == []
    assert Claim.objects.get(pk=claim.pk).conclusion == "Saved before the reload."
    card = open_card(page, claim)
    assert card.get_by_label("Conclusion (Markdown)").input_value() == "Saved before the reload."
    assert page.locator("#notice").get_by_text("Unsaved changes").count() == 0

    # Typed after Save was pressed: that input is not on its way, and the page asks.
    type_into(card.get_by_label("Conclusion (Markdown)"), "Sent.")
    card.get_by_role("button", name="Save", exact=True).click()
    wait_for(lambda: page.evaluate("1") and len(held) == 2, message="no second save")
    card.get_by_label("Conclusion (Markdown)").press("End")
    page.keyboard.type(" And typed since.")
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert asked == ["beforeunload"]

    # A save too large to outlive the page (over 60 KB is refused `keepalive`) still asks.
    card = open_card(page, claim)
    card.get_by_label("Conclusion (Markdown)").fill("x" * 20_000)
    card.get_by_role("button", name="Save", exact=True).click()
    wait_for(lambda: page.evaluate("1") and len(held) == 3, message="no third save")
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert asked == ["beforeunload", "beforeunload"]


def _holding_the_first_save(page, claim):
    """Hold the first PATCH of `claim` (a slow connection) until the test lets it go:
    returns the list its route lands in; later PATCHes go straight through."""
    held = []

    def hold(route):
        if route.request.method == "PATCH" and not held:
            held.append(route)
        else:
            route.continue_()

    page.route(f"**/api/v1/newsroom/claims/{claim.pk}/", hold)
    return held


def test_save_and_send_to_review_while_a_save_is_on_its_way_wait_for_it(
    browser, live_server, newsroom
):
    """On a slow connection a second Save did nothing and then read "Saved." over newer
    input, and Send to review did nothing at all."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    held = _holding_the_first_save(page, claim)
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Claimant"), "Imran Khan")
    card.get_by_role("button", name="Save", exact=True).click()
    wait_for(lambda: page.evaluate("1") and held, message="the save was not sent")
    type_into(card.get_by_label("Conclusion (Markdown)"), "Typed while the first save was sent.")
    patches = []
    page.on("request", lambda request: request.method == "PATCH" and patches.append(request))
    # Two more clicks on Save: the second waits its turn, and finds nothing left to send.
    card.get_by_role("button", name="Save", exact=True).click()
    card.get_by_role("button", name="Save", exact=True).click()
    card.get_by_role("button", name="Send to review").click()
    expect(card.get_by_text("Waiting for the save on its way…")).to_be_visible()

    held[0].continue_()

    page.locator(f"#claim-{claim.pk} .badge.status", has_text="In review").wait_for()
    saved = Claim.objects.get(pk=claim.pk)
    assert saved.claimant == "Imran Khan"
    assert saved.conclusion == "Typed while the first save was sent."
    assert saved.status == Claim.Status.IN_REVIEW
    expect(page.locator(f"#claim-{claim.pk} .badge.unsaved")).to_be_hidden()
    assert len(patches) == 1, [p.post_data for p in patches]
    assert page.errors == []


def test_opening_another_card_or_discarding_while_a_save_is_on_its_way(
    browser, live_server, newsroom
):
    """ "Save changes" before opening another card opened nothing while a save was on its
    way, and "Discard changes" said "Changes discarded." and then "Saved." the same text."""
    claim = make_claim(newsroom)
    other = make_claim(newsroom, RECORD)
    page = open_page(browser, live_server, "ed")
    held = _holding_the_first_save(page, claim)
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Claimant"), "Sent first")
    card.get_by_role("button", name="Save", exact=True).click()
    wait_for(lambda: page.evaluate("1") and held, message="the save was not sent")

    card.get_by_role("button", name="Discard changes").click()
    asking = page.get_by_role("dialog", name="Discard your changes?")
    expect(asking).to_contain_text("already on its way and will be kept")
    asking.get_by_role("button", name="Discard changes").click()
    expect(card.get_by_text("that save is still on its way")).to_be_visible()
    type_into(card.get_by_label("Conclusion (Markdown)"), "Typed after the discard.")

    page.locator(f'mark[data-claim="{other.pk}"]').first.click()
    leaving = page.get_by_role("dialog", name="Unsaved changes")
    leaving.get_by_role("button", name="Save changes").click()
    # The save on its way fails (the connection dropped): what it sent is sent again, as
    # the discard said it would be kept; it was gone, and "Nothing to save" said so.
    held[0].abort("connectionrefused")

    page.locator(f"#claim-{other.pk}.active form.claim-form").wait_for()
    saved = Claim.objects.get(pk=claim.pk)
    assert (saved.claimant, saved.conclusion) == ("Sent first", "Typed after the discard.")
    assert page.errors == []


def test_a_failed_save_sent_again_sends_only_what_was_saved_even_after_a_discard(
    browser, live_server, newsroom
):
    """Between its tries, a failed save let a Discard drop what it had sent (the dialog had
    promised it would be kept), and the next try sent whatever the card held then, a tag
    typed after the Discard and never saved among it."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    held = _holding_the_first_save(page, claim)
    sent = []
    page.on(
        "request", lambda request: request.method == "PATCH" and sent.append(request.post_data_json)
    )
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Claimant"), "Saved with Save")
    card.get_by_role("button", name="Save", exact=True).click()
    wait_for(lambda: page.evaluate("1") and held, message="the save was not sent")
    held[0].abort("connectionrefused")
    expect(card.get_by_text("retrying in 1 s")).to_be_visible()

    card.get_by_role("button", name="Discard changes").click()
    asking = page.get_by_role("dialog", name="Discard your changes?")
    expect(asking).to_contain_text("already on its way and will be kept")
    asking.get_by_role("button", name="Discard changes").click()
    type_into(card.get_by_label("Tags (comma-separated)"), "never-saved")

    wait_for(
        lambda: page.evaluate("1") and Claim.objects.get(pk=claim.pk).claimant == "Saved with Save"
    )
    assert Claim.objects.get(pk=claim.pk).tags == []
    assert all("tags" not in body for body in sent), sent
    assert card.get_by_label("Tags (comma-separated)").input_value() == "never-saved"
    assert page.errors == []


def test_a_save_made_while_the_server_is_down_for_a_while_goes_when_it_is_back(
    browser, live_server, newsroom
):
    """Tried for 7 s, a save gave up before a database restart ended, and waited for a
    click on Try again long after the server was back (trial G14)."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    refused = []

    def down_for_a_while(route):
        if route.request.method == "PATCH" and len(refused) < 4:
            refused.append(route.request)
            return route.fulfill(
                status=503,
                content_type="application/problem+json",
                headers={"Retry-After": "2"},
                body='{"status": 503, "title": "Busy for a moment", "detail": "Try again."}',
            )
        return route.continue_()

    page.route(f"**/api/v1/newsroom/claims/{claim.pk}/", down_for_a_while)
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Claimant"), "Saved after the outage")
    card.get_by_role("button", name="Save", exact=True).click()
    expect(card.get_by_text("Your edits are kept; retrying in 1 s")).to_be_visible()
    # Four refusals, 1, 2, 4 and 8 s apart: the fifth try goes through by itself.
    wait_for(
        lambda: (
            page.evaluate("1")
            and Claim.objects.get(pk=claim.pk).claimant == "Saved after the outage"
        ),
        timeout=30,
        message="the save was not sent again once the server was back",
    )
    expect(card.get_by_text("Saved.")).to_be_visible()
    assert len(refused) == 4
    assert page.errors == []


def test_a_save_that_failed_offline_says_so_and_goes_when_the_connection_is_back(
    browser, live_server, newsroom
):
    """Offline, the card said "network unreachable" and then waited for a click on Try
    again long after the connection was back; a server that was down read the same."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    page.context.set_offline(True)
    type_into(card.get_by_label("Claimant"), "Typed on a train")
    card.get_by_role("button", name="Save", exact=True).click()
    # After its three retries (1, 2 and 4 s apart).
    expect(card.get_by_text("and saved when the connection is back")).to_be_visible(timeout=15_000)
    expect(card.get_by_text("Could not save (you are offline)")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "daily-save-offline.png"))

    page.context.set_offline(False)

    wait_for(
        lambda: page.evaluate("1") and Claim.objects.get(pk=claim.pk).claimant == "Typed on a train"
    )
    expect(card.get_by_text("Saved.", exact=True)).to_be_visible()

    # Online, with the server not answering: not the connection's fault.
    page.route(
        f"**/api/v1/newsroom/claims/{claim.pk}/", lambda route: route.abort("connectionrefused")
    )
    type_into(card.get_by_label("Claimant"), "Typed while the server was down")
    card.get_by_role("button", name="Save", exact=True).click()
    expect(card.get_by_text("the server could not be reached").first).to_be_visible()
    assert page.errors == []


def _answer_lost(page, url, method):
    """The first `method` request to `url` reaches the server, but its answer never comes
    back (a stalled connection); returns the list its route lands in."""
    lost = []

    def lose_the_answer(route):
        if route.request.method == method and not lost:
            route.fetch()  # the server does the work...
            lost.append(route)  # ...and the browser never hears of it
        else:
            route.continue_()

    page.route(url, lose_the_answer)
    return lost


def test_a_save_left_unanswered_is_given_up_and_sent_again_once(
    browser, live_server, newsroom, settings
):
    """On a stalled connection a save, and a move waiting on it, waited for as long as the
    browser kept the request open: minutes of "Saving…"."""
    settings.FACTCHECK_WRITE_TIMEOUT = 1.5
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    lost = _answer_lost(page, f"**/api/v1/newsroom/claims/{claim.pk}/", "PATCH")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Claimant"), "Imran Khan")
    card.get_by_role("button", name="Save", exact=True).click()
    expect(card.get_by_text("the server did not answer within 1.5 s")).to_be_visible(timeout=10_000)
    assert len(lost) == 1

    # Sent again under the version it started from: the first try, which did land, is
    # merged with itself rather than counted as someone else's change or applied twice.
    expect(card.get_by_text("Saved.", exact=True)).to_be_visible(timeout=10_000)
    saved = Claim.objects.get(pk=claim.pk)
    assert saved.claimant == "Imran Khan"
    assert saved.events.filter(action="updated").count() == 1
    expect(page.locator(f"#claim-{claim.pk} .badge.unsaved")).to_be_hidden()
    assert page.errors == []


def test_a_move_whose_answer_was_lost_is_done_when_asked_again(
    browser, live_server, newsroom, settings
):
    """Asked again after a move that did land but went unanswered, the card said the claim
    was changed "by ed" since it was opened: the editor's own move, read as someone else's."""
    settings.FACTCHECK_WRITE_TIMEOUT = 1.5
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    lost = _answer_lost(page, f"**/api/v1/newsroom/claims/{claim.pk}/transition/", "POST")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    card.get_by_role("button", name="Send to review").click()
    expect(card.get_by_text("the server did not answer within 1.5 s")).to_be_visible(timeout=10_000)
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.IN_REVIEW

    card.get_by_role("button", name="Send to review").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="In review").wait_for()
    expect(card.get_by_text("since you opened it")).to_have_count(0)
    expect(card.get_by_text("did not answer")).to_have_count(0)
    assert len(lost) == 1
    assert page.errors == []


def test_a_move_whose_connection_was_cut_after_it_landed_is_done_when_asked_again(
    browser, live_server, newsroom
):
    """The connection cut once the move was made (a web process dying after its commit):
    asked again, the card said the claim was changed "by ed", the editor's own move (G14)."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    cut = []

    def cut_after_landing(route):
        if route.request.method == "POST" and not cut:
            route.fetch()  # the server makes the move...
            cut.append(route)
            route.abort("connectionreset")  # ...and the browser is told the connection broke
        else:
            route.continue_()

    page.route(f"**/api/v1/newsroom/claims/{claim.pk}/transition/", cut_after_landing)
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    card.get_by_role("button", name="Send to review").click()
    expect(card.get_by_text("the server could not be reached")).to_be_visible()
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.IN_REVIEW

    card.get_by_role("button", name="Send to review").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="In review").wait_for()
    expect(card.get_by_text("since you opened it")).to_have_count(0)
    expect(card.get_by_text("could not be reached")).to_have_count(0)
    assert len(cut) == 1


def test_the_same_move_made_by_someone_else_meanwhile_is_told_as_theirs(
    browser, live_server, newsroom
):
    """A move refused because the claim was already there was taken as this person's own
    (review R9): a reviewer's "Request changes" after its creator had taken the claim back
    to draft read "Claim is now draft", and the reviewer's note went nowhere."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    services.claim_transition(
        claim=claim, actor=newsroom["reviewer"], to_status=Claim.Status.IN_REVIEW
    )
    card.get_by_role("button", name="Send to review").click()
    expect(card.get_by_text("rev sent this claim to review meanwhile.")).to_be_visible()
    assert page.errors == []


def test_a_new_claim_announced_by_another_panel_is_loaded_and_opened(
    browser, live_server, newsroom
):
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    claim = make_claim(newsroom, RECORD)
    page.evaluate(
        """(id) => document.dispatchEvent(
            new CustomEvent("workspace:reload-claims", {detail: {openClaimId: id}}))""",
        claim.pk,
    )
    page.locator(f"#claim-{claim.pk}.active form.claim-form").wait_for()
    assert page.locator(f'mark[data-claim="{claim.pk}"]').count() >= 1
    assert page.locator("#claim-count").inner_text() == "(1)"
    assert page.errors == []


def test_unsaved_input_survives_a_reload_and_is_offered_for_restore(browser, live_server, newsroom):
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Conclusion (Markdown)"), "Twenty minutes of careful writing.")
    assert len(stored_drafts(page)) == 1
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert asked == ["beforeunload"]
    notice = page.locator("#notice")
    notice.get_by_text("Unsaved changes from an earlier visit").wait_for()
    notice.get_by_role("button").click()
    card = page.locator(f"#claim-{claim.pk}.active")
    restore = card.get_by_role("region", name="Unsaved changes kept in this browser")
    restore.wait_for()
    assert "Conclusion" in restore.inner_text()
    page.screenshot(path=str(ARTIFACTS / "daily-restore-offer.png"))
    restore.get_by_role("button", name="Restore my changes").click()
    assert card.get_by_label("Conclusion (Markdown)").input_value() == (
        "Twenty minutes of careful writing."
    )
    card.get_by_role("button", name="Save").click()
    card.locator(".save-status", has_text="Saved.").wait_for()
    claim.refresh_from_db()
    assert claim.conclusion == "Twenty minutes of careful writing."
    assert stored_drafts(page) == []
    assert page.errors == []


def test_input_saved_just_before_a_reload_is_not_offered_back_as_unsaved(
    browser, live_server, newsroom
):
    """Save, then a reload before its answer came: the claim held the text, yet the page
    offered it back as "Unsaved changes from an earlier visit" to restore or discard."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Conclusion (Markdown)"), "Saved as the page went.")
    assert len(stored_drafts(page)) == 1
    # The save lands on the server; the page is gone before it hears so.
    services.claim_update(
        claim=claim, actor=newsroom["editor"], expected_version=None,
        conclusion="Saved as the page went.",
    )  # fmt: skip
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    # The page reads the claim, finds the input in it, and forgets its copy.
    wait_for(lambda: stored_drafts(page) == [], message="the saved input was kept as unsaved")
    expect(page.locator("#notice")).not_to_contain_text("Unsaved changes from an earlier visit")
    card = open_card(page, claim)
    expect(card.get_by_label("Conclusion (Markdown)")).to_have_value("Saved as the page went.")
    expect(card.get_by_role("region", name="Unsaved changes kept in this browser")).to_have_count(0)

    # A comment still unposted beside a saved field: only the comment is offered back.
    type_into(card.get_by_label("Claim as worded for publication"), "A wording saved in time")
    type_into(card.get_by_label("Add a comment (Markdown; @name to mention)"), "Not posted")
    claim.refresh_from_db()
    services.claim_update(
        claim=claim, actor=newsroom["editor"], expected_version=claim.version,
        claim_reviewed="A wording saved in time",
    )  # fmt: skip
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    page.locator("#notice").get_by_text("Unsaved changes from an earlier visit").wait_for()
    card = open_card(page, claim)
    offer = card.get_by_role("region", name="Unsaved changes kept in this browser")
    offer.wait_for()
    assert "Claim as worded" not in offer.inner_text()
    assert "1 other box" in offer.inner_text()
    assert page.errors == []


def test_a_card_says_when_the_browser_has_no_room_to_keep_its_unsaved_input(
    browser, live_server, newsroom
):
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    warning = card.locator(f"#c{claim.pk}-kept-status")
    assert warning.inner_text() == ""
    # Other sites' data, or the other articles' drafts, have taken the origin's whole quota.
    page.evaluate(
        """() => {
            let size = 1 << 20, n = 0;
            while (size >= 16) {
                try { localStorage.setItem(`filler.${n++}`, "x".repeat(size)); }
                catch { size >>= 1; }
            }
        }"""
    )
    type_into(card.get_by_label("Conclusion (Markdown)"), "Typed with a full disk.")
    assert stored_drafts(page) == []
    assert "if this tab closes or crashes, it is lost" in warning.inner_text()
    assert "error" in warning.get_attribute("class")
    page.screenshot(path=str(ARTIFACTS / "daily-storage-full.png"))
    # The save's own messages do not hide it while the input is still only in the page.
    card.get_by_label("Claimant").click()
    page.keyboard.type("A")
    assert "if this tab closes or crashes, it is lost" in warning.inner_text()
    # Room again: the next keystroke is stored and the warning goes.
    page.evaluate(
        "Object.keys(localStorage).filter((k) => k.startsWith('filler.'))"
        ".forEach((k) => localStorage.removeItem(k))"
    )
    page.keyboard.type("B")
    assert len(stored_drafts(page)) == 1
    assert warning.inner_text() == ""
    card.get_by_role("button", name="Save").click()
    card.locator(".save-status", has_text="Saved.").wait_for()
    claim.refresh_from_db()
    assert (claim.conclusion, claim.claimant) == ("Typed with a full disk.", "AB")
    assert page.errors == []


def test_reload_event_and_others_changes_keep_what_is_being_typed(browser, live_server, newsroom):
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    page.add_init_script(
        """document.addEventListener("workspace:rendered", (event) => {
            window.renders = (window.renders || []).concat(event.detail.openClaimId);
        });"""
    )
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    assert page.evaluate("window.renders.at(-1)") == claim.pk
    assert card.locator(
        f'section.card-slot[data-slot=evidence][data-claim-id="{claim.pk}"]'
    ).count()
    type_into(card.get_by_label("Claimant"), "Andrew Korybko")
    services.claim_update(
        claim=claim, actor=newsroom["reviewer"], expected_version=None, tags=["spaces"]
    )
    page.evaluate(
        """(id) => document.dispatchEvent(
            new CustomEvent("workspace:reload-claim", {detail: {claimId: id}}))""",
        claim.pk,
    )
    card = page.locator(f"#claim-{claim.pk}.active")
    page.wait_for_function(
        """(id) => document.getElementById(`c${id}-tags`)?.value === "spaces" """, arg=claim.pk
    )
    assert card.get_by_label("Claimant").input_value() == "Andrew Korybko"
    # The caret stayed in the claimant box: typing goes on where it was.
    page.keyboard.type(" (columnist)")
    assert card.get_by_label("Claimant").input_value() == "Andrew Korybko (columnist)"
    card.get_by_role("button", name="Save").click()
    card.locator(".save-status", has_text="Saved.").wait_for()
    claim.refresh_from_db()
    assert (claim.claimant, claim.tags) == ("Andrew Korybko (columnist)", ["spaces"])
    assert page.errors == []


@pytest.mark.parametrize(
    ("other", "said", "badge"),
    [
        ("rev", "changes by rev", "from rev"),
        ("ed", "your changes from another window", "from your other window"),
    ],
    ids=["a-colleague", "own-other-window"],
)
def test_two_people_saving_different_fields_merge_and_the_card_says_so(
    browser, live_server, newsroom, other, said, badge
):
    """The card says whose changes were merged: the editor's own other window is not
    "someone else's change" (trial G10)."""
    claim = make_claim(newsroom)
    editor = open_page(browser, live_server, "ed")
    reviewer = open_page(browser, live_server, other)
    for page in (editor, reviewer):
        open_workspace(page, live_server, newsroom["article"])
        open_card(page, claim)
    editor_card = editor.locator(f"#claim-{claim.pk}.active")
    reviewer_card = reviewer.locator(f"#claim-{claim.pk}.active")
    type_into(reviewer_card.get_by_label("Tags (comma-separated)"), "spaces, records")
    reviewer_card.get_by_role("button", name="Save").click()
    reviewer_card.locator(".save-status", has_text="Saved.").wait_for()

    editor_card.get_by_label("Rating").select_option(str(rating(newsroom, "True").pk))
    editor_card.get_by_role("button", name="Save").click()
    editor_card.locator(".save-status", has_text="Merged").wait_for()
    expect(editor_card.locator(f"#c{claim.pk}-form-status")).to_have_text(
        f"Saved. Merged with {said} to tags."
    )
    merged_row = editor_card.locator(".field.merged")
    assert merged_row.count() == 1
    expect(merged_row.locator(".merged-badge")).to_have_text(f"merged {badge}")
    assert merged_row.get_by_label("Tags", exact=False).input_value() == "spaces, records"
    editor.screenshot(path=str(ARTIFACTS / f"daily-merged-save-{other}.png"))
    claim.refresh_from_db()
    assert claim.tags == ["spaces", "records"] and claim.rating.label == "True"
    assert editor.errors == [] and reviewer.errors == []


def test_saving_a_claim_deleted_in_another_window_says_so_and_keeps_the_typing(
    browser, live_server, newsroom
):
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Claimant"), "The minister of information")
    services.claim_delete(claim=claim, actor=newsroom["editor"])  # the other window

    card.get_by_role("button", name="Save").click()

    status = card.locator(".save-status", has_text="no longer exists")
    status.wait_for()
    assert "someone deleted it" in status.inner_text()
    assert card.get_by_label("Claimant").input_value() == "The minister of information"
    assert page.errors == []


def test_a_claim_made_on_a_page_older_than_the_text_opens_on_the_new_text(
    browser, live_server, newsroom
):
    article = newsroom["article"]
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    added = "A correction was added above the article.\n\n"
    reviewer = newsroom["reviewer"]
    services.article_update_text(article=article, text=added + article.text, actor=reviewer)

    select_with_mouse(page, RECORD)
    page.keyboard.press("c")

    page.wait_for_url("**#claim-*")
    claim = Claim.objects.get(exact=RECORD)
    page.locator(f"#claim-{claim.pk}.active").wait_for()
    page.wait_for_selector("html[data-workspace-ready=true]")
    assert page.locator("#article-body").inner_text().startswith("A correction was added")
    # The highlight sits on the selected words in the new text, not where they were.
    marks = page.locator(f"mark[data-claim='{claim.pk}']")
    assert "".join(marks.all_inner_texts()) == RECORD
    assert claim.revision.number == 2
    page.screenshot(path=str(ARTIFACTS / "daily-stale-page-claim.png"), full_page=True)
    assert page.errors == []


def test_keyboard_save_keeps_focus_and_a_claim_link_in_the_page_opens_its_card(
    browser, live_server, newsroom
):
    first = make_claim(newsroom)
    second = make_claim(newsroom, phrase=RECORD)
    published = factories.published_claim(
        newsroom["article"], newsroom["editor"], newsroom["reviewer"], quote="the median age"
    )
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, first)
    type_into(card.get_by_label("Claimant"), "The host")
    card.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    card.locator(".save-status", has_text="Saved.").wait_for()
    assert page.evaluate("document.activeElement.id") == f"c{first.pk}-save"

    # A link to another claim on the same page (back, forward, the address bar) opens it.
    page.evaluate(f"window.location.hash = '#claim-{second.pk}'")
    page.locator(f"#claim-{second.pk}.active").wait_for()
    page.evaluate(f"window.location.hash = '#claim-{published.pk}'")
    opened = page.locator(f"#claim-{published.pk}.active")
    opened.locator("form.claim-form").wait_for()
    assert "null" not in opened.inner_text()  # a published card has no checklist, not "null"
    assert page.errors == []


def test_a_real_conflict_is_resolved_field_by_field(browser, live_server, newsroom):
    claim = make_claim(newsroom)
    editor = open_page(browser, live_server, "ed")
    reviewer = open_page(browser, live_server, "rev")
    for page in (editor, reviewer):
        open_workspace(page, live_server, newsroom["article"])
        open_card(page, claim)
    editor_card = editor.locator(f"#claim-{claim.pk}.active")
    reviewer_card = reviewer.locator(f"#claim-{claim.pk}.active")
    long_theirs = "Twitter said 162,000 listened;" + " the reviewer wrote a long explanation" * 8
    type_into(editor_card.get_by_label("Claimant"), "Andrew Korybko")
    type_into(editor_card.get_by_label("Conclusion (Markdown)"), long_theirs)
    # A field in no conflict: the reviewer never touched the tags.
    type_into(editor_card.get_by_label("Tags (comma-separated)"), "Social media")
    editor_card.get_by_role("button", name="Save").click()
    editor_card.locator(".save-status", has_text="Saved.").wait_for()

    mine = "PTI screenshots showed 164,000 listeners;" + " my own long explanation" * 8
    type_into(reviewer_card.get_by_label("Claimant"), "A. Korybko")
    type_into(reviewer_card.get_by_label("Conclusion (Markdown)"), mine)
    reviewer_card.get_by_role("button", name="Save").click()
    section = reviewer_card.get_by_role("region", name="Someone else changed the same fields")
    section.wait_for()
    # Their tags, in no conflict, show on the card already: marked as theirs from the start.
    expect(reviewer_card.locator('[data-field="tags"] .merged-badge')).to_be_visible()
    conclusion = section.get_by_role("group", name="Conclusion")
    claimant = section.get_by_role("group", name="Claimant")
    assert "Yours:" in conclusion.inner_text() and "Theirs (ed" in conclusion.inner_text()
    assert conclusion.locator("ins").count() >= 1 and conclusion.locator("del").count() >= 1
    # A word replaced by another reads as two: "A." struck out, then "Andrew", apart.
    removed = claimant.locator(".difference del", has_text="A.").bounding_box()
    added = claimant.locator(".difference ins", has_text="Andrew").bounding_box()
    assert added["x"] >= removed["x"] + removed["width"] + 3
    text = section.inner_text()
    assert "{" not in text and "[object Object]" not in text
    # Long text wraps inside the card instead of running off it.
    card_box = reviewer_card.bounding_box()
    for box in (section.bounding_box(), conclusion.bounding_box()):
        assert box["x"] + box["width"] <= card_box["x"] + card_box["width"] + 1
    reviewer.screenshot(path=str(ARTIFACTS / "daily-conflict-by-field.png"))

    claim.refresh_from_db()
    assert claim.conclusion == long_theirs  # nothing of the reviewer's saved yet

    claimant.get_by_text("Take theirs").click()
    conclusion.get_by_label("Keep mine").check()
    section.get_by_role("button", name="Save with these choices").click()
    reviewer_card.locator(".save-status", has_text="Saved.").wait_for()
    claim.refresh_from_db()
    assert (claim.claimant, claim.conclusion) == ("Andrew Korybko", mine)
    assert reviewer_card.get_by_label("Claimant").input_value() == "Andrew Korybko"
    # The tags that came in with theirs are marked as a merge marks them, not taken silently.
    expect(reviewer_card.locator(f"#c{claim.pk}-form-status")).to_have_text(
        "Saved. Merged with changes saved meanwhile to tags."
    )
    tags = reviewer_card.locator('[data-field="tags"]')
    expect(tags.locator(".merged-badge")).to_have_text("merged meanwhile")
    assert tags.locator("input").input_value() == "Social media"
    assert reviewer.errors == [] and editor.errors == []


def test_a_stale_workflow_button_names_who_changed_it_in_plain_words(
    browser, live_server, newsroom
):
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    services.claim_update(
        claim=claim, actor=newsroom["reviewer"], expected_version=None, claimant="Imran Khan"
    )
    card.get_by_role("button", name="Send to review").click()
    status = card.locator(".workflow .save-status.error")
    status.wait_for()
    assert status.inner_text() == (
        "rev changed the claimant to Imran Khan meanwhile: check it and send it to review again."
    )
    assert "[object Object]" not in status.inner_text()
    assert card.get_by_label("Claimant").input_value() == "Imran Khan"
    card.get_by_role("button", name="Send to review").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="In review").wait_for()


def long_card(newsroom):
    """A draft with eight sources and a long conclusion: taller than any window."""
    claim = make_claim(newsroom)
    editor = newsroom["editor"]
    for number in range(8):
        services.source_add(
            claim=claim,
            actor=editor,
            url=f"https://example.org/s{number}",
            title=f"Source {number}",
        )
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating(newsroom, "True"),
        conclusion="A long explanation. " * 150,
    )  # fmt: skip
    settle_evidence(claim)
    return claim


def open_settled_card(page, live_server, newsroom, claim):
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    # Once everything that arrives by itself is in: each moves the buttons as it arrives.
    card.locator(".history-section").wait_for()
    card.get_by_text("Loading comments…").wait_for(state="detached")
    card.get_by_text("Nothing found yet.").wait_for()
    return card


@pytest.mark.parametrize("unsaved", [False, True], ids=["saved", "unsaved-input"])
def test_a_workflow_button_low_in_a_long_card_keeps_its_section_under_the_pointer(
    browser, live_server, newsroom, unsaved
):
    """Sending a long card to review redrew it with a checklist and panels above the
    workflow, and the column jumped: the buttons moved 180 px away from the pointer; with
    unsaved input, which is saved first, 1,000 px and more, onto another card's buttons."""
    claim = long_card(newsroom)
    page = open_page(browser, live_server, "ed", viewport=(1280, 800))
    card = open_settled_card(page, live_server, newsroom, claim)
    if unsaved:
        type_into(card.get_by_label("Claimant"), "Imran Khan")
    button = card.get_by_role("button", name="Send to review")
    button.scroll_into_view_if_needed()
    workflow = card.locator("section.workflow")
    before = workflow.bounding_box()["y"]
    scrolled = page.evaluate("document.getElementById('sidebar').scrollTop")
    assert scrolled > 1000  # low in the card: the column is scrolled far down

    button.click()

    page.locator(f"#claim-{claim.pk} .badge.status", has_text="In review").wait_for()
    assert abs(workflow.bounding_box()["y"] - before) <= 2
    assert card.get_by_role("button", name="Back to draft").is_visible()
    if unsaved:
        claim.refresh_from_db()
        assert claim.claimant == "Imran Khan"
    assert page.errors == []


def test_a_sources_fetch_state_arriving_later_leaves_add_source_under_the_pointer(
    browser, live_server, newsroom
):
    """ "Fetch failed: …" appeared above the form 1.5 s after "Add source" and pushed the
    button 65 px down from under the pointer."""
    claim = long_card(newsroom)
    page = open_page(browser, live_server, "ed", viewport=(1280, 800))
    card = open_settled_card(page, live_server, newsroom, claim)
    card.get_by_label("Source URL").fill("https://example.org/later")
    button = card.get_by_role("button", name="Add source")
    button.scroll_into_view_if_needed()
    button.click()
    card.locator(".source-list li, .sources li", has_text="example.org/later").first.wait_for()
    before = button.bounding_box()["y"]
    # The worker's answer, as the card next hears of it.
    added = claim.sources.get(url="https://example.org/later")
    Source.objects.filter(pk=added.pk).update(
        fetch_state=Source.FetchState.FAILED, fetch_error="the server answered 404 Not Found"
    )

    card.locator(".save-status", has_text="Fetch failed").wait_for()
    # Measured once the card is drawn again (on a loaded machine the answer's redraw may
    # still be under way: no box at all is no position).
    expect(button).to_be_visible()
    assert abs(button.bounding_box()["y"] - before) <= 2
    assert page.errors == []


def test_a_redraw_landing_between_press_and_release_does_not_swallow_the_click(
    browser, live_server, newsroom
):
    claim = make_claim(newsroom)
    settle_evidence(claim)
    page = open_page(browser, live_server, "ed")
    card = open_settled_card(page, live_server, newsroom, claim)
    button = card.get_by_role("button", name="Send to review")
    button.hover()
    page.evaluate(
        "addEventListener('pointerdown', (e) => { window.pressedButton = e.target; }, {once: true})"
    )
    page.mouse.down()
    assert button.evaluate("(node) => node === window.pressedButton")
    # Another panel announces a change: the workspace fetches the claims and redraws,
    # all while the button is still held down.
    page.evaluate("document.dispatchEvent(new CustomEvent('workspace:reload-claims'))")
    # The redraw has come: either held for the release, or (the defect) done, the pressed
    # button replaced by a new one.
    page.wait_for_function(
        "() => document.documentElement.dataset.redrawHeld || !window.pressedButton.isConnected"
    )
    assert page.evaluate("window.pressedButton.isConnected")
    page.mouse.up()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="In review").wait_for()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW


def _ready_for_review(newsroom, claim):
    services.source_add(
        claim=claim, actor=newsroom["editor"], url="https://example.org/spaces", title="Record",
        stance="supports",
    )  # fmt: skip
    claim.refresh_from_db()
    claim = services.claim_update(
        claim=claim, actor=newsroom["editor"], expected_version=None,
        rating=rating(newsroom, "Mostly true"), conclusion="PTI screenshots showed 164,000.",
    )  # fmt: skip
    return services.claim_transition(
        claim=claim, actor=newsroom["editor"], to_status=Claim.Status.IN_REVIEW
    )


def test_the_creator_sees_the_checklist_and_why_publish_is_not_theirs_before_clicking(
    browser, live_server, newsroom
):
    newsroom["organization"].requires_two_person_review = True
    newsroom["organization"].save()
    reviewer = newsroom["reviewer"]
    claim = make_claim(newsroom, creator=reviewer)
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    checklist = card.get_by_role("region", name="Before publishing")
    assert "A rating" in checklist.locator("li.unmet").first.inner_text()
    services.source_add(claim=claim, actor=reviewer, url="https://example.org/s", title="S")
    claim.refresh_from_db()
    claim = services.claim_update(
        claim=claim, actor=reviewer, expected_version=None,
        rating=rating(newsroom, "True"), conclusion="Checked.",
    )  # fmt: skip
    services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.IN_REVIEW)
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    card = open_card(page, claim)
    checklist = card.get_by_role("region", name="Before publishing")
    blocked = checklist.locator(".publish-blocked")
    # Seen before any click: the creator may not publish their own claim.
    assert blocked.is_visible()
    assert "second person" in blocked.inner_text() or "created" in blocked.inner_text()
    publish = card.get_by_role("button", name="Publish", exact=True)
    assert publish.get_attribute("aria-disabled") == "true"
    page.screenshot(path=str(ARTIFACTS / "daily-checklist-creator.png"))
    # Still reachable by keyboard, and saying why when pressed.
    publish.focus()
    page.keyboard.press("Enter")
    card.locator(".workflow .save-status.error").wait_for()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    assert page.errors == []


def test_double_clicking_publish_publishes_once_without_a_stale_error(
    browser, live_server, newsroom
):
    claim, page, card = _reviewer_at_card(browser, live_server, newsroom)
    moves = []
    page.on("request", lambda request: "/transition/" in request.url and moves.append(request))
    card.get_by_role("button", name="Publish", exact=True).dblclick()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="Published").wait_for()
    assert len(moves) == 1
    assert page.locator(f"#c{claim.pk}-workflow-status").inner_text() == ""
    assert page.errors == []


def test_a_reviewer_publishing_over_their_own_unsaved_change_is_asked_first(
    browser, live_server, newsroom
):
    """Publish saved the reviewer's edit first, which made them its latest author: the
    two-person rule then refused the publish, and the edit could not be taken back."""
    claim = _ready_for_review(newsroom, make_claim(newsroom))
    other = _ready_for_review(newsroom, make_claim(newsroom, RECORD))
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Conclusion (Markdown)"), "A last word of mine.")
    card.get_by_label("Assignee").select_option(label="ed")  # not a change readers see
    card.get_by_role("button", name="Publish", exact=True).click()
    asking = page.get_by_role("dialog", name="Publish with your changes?")
    expect(asking).to_contain_text("You changed conclusion.")
    page.screenshot(path=str(ARTIFACTS / "daily-publish-over-own-change.png"))
    asking.get_by_role("button", name="Discard them and publish").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="Published").wait_for()
    published = Claim.objects.get(pk=claim.pk)
    assert published.conclusion != "A last word of mine."
    # Only the changes the dialog named were thrown away: the assignee was saved.
    assert published.assignee == newsroom["editor"]

    card = open_card(page, other)
    type_into(card.get_by_label("Conclusion (Markdown)"), "A last word of mine.")
    card.get_by_role("button", name="Publish", exact=True).click()
    asking.get_by_role("button", name="Save my changes for another member").click()
    expect(card.get_by_text("another member publishes the claim now")).to_be_visible()
    saved = Claim.objects.get(pk=other.pk)
    assert (saved.conclusion, saved.status) == ("A last word of mine.", Claim.Status.IN_REVIEW)
    assert page.errors == []


def test_a_reviewer_requests_changes_with_a_note_and_the_editor_reads_it(
    browser, live_server, newsroom
):
    claim, page, card = _reviewer_at_card(browser, live_server, newsroom)
    checklist = card.get_by_role("region", name="Before publishing")
    assert checklist.locator("li.unmet").count() == 0
    card.get_by_role("button", name="Request changes").click()
    dialog = page.get_by_role("dialog", name="Request changes")
    dialog.wait_for()
    dialog.get_by_role("button", name="Request changes").click()
    dialog.get_by_role("alert").get_by_text("please write something").wait_for()
    page.keyboard.type("Cite the PTI screenshots directly.")
    page.screenshot(path=str(ARTIFACTS / "daily-request-changes.png"))
    dialog.get_by_role("button", name="Request changes").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="Draft").wait_for()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT
    assert claim.review_note == "Cite the PTI screenshots directly."
    assert claim.changes_requested_at is not None

    editor = open_page(browser, live_server, "ed")
    open_workspace(editor, live_server, newsroom["article"])
    editor_card = open_card(editor, claim)
    note = editor_card.get_by_role("region", name="Changes requested")
    assert "Cite the PTI screenshots directly." in note.inner_text()
    assert page.errors == [] and editor.errors == []


def _reviewer_at_card(browser, live_server, newsroom):
    """A claim in review, and its card open in the reviewer's workspace: (claim, page, card)."""
    claim = _ready_for_review(newsroom, make_claim(newsroom))
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, newsroom["article"])
    return claim, page, open_card(page, claim)


def _second_reviewer(newsroom):
    return factories.member(newsroom["organization"], Membership.Role.REVIEWER, username="rev2")


def _request_changes(page, card, note):
    card.get_by_role("button", name="Request changes").click()
    dialog = page.get_by_role("dialog", name="Request changes")
    dialog.get_by_label("What should change").fill(note)
    dialog.get_by_role("button", name="Request changes", exact=True).click()
    dialog.wait_for(state="detached")


def test_a_request_for_changes_after_a_publish_meanwhile_says_so_and_keeps_the_note(
    browser, live_server, newsroom
):
    """Another reviewer published the claim while this one wrote a request for changes: the
    card said it was "changed by rev2 … check it and try again", and the note was lost."""
    claim, page, card = _reviewer_at_card(browser, live_server, newsroom)
    services.claim_transition(
        claim=claim, actor=_second_reviewer(newsroom), to_status=Claim.Status.PUBLISHED
    )
    _request_changes(page, card, "Cite the PTI screenshots directly.")

    status = card.locator(f"#c{claim.pk}-workflow-status")
    expect(status).to_have_text(
        "rev2 published this claim meanwhile: your request for changes was not sent. Your note"
        " is in the comment box below, not sent: send it as a comment if it still applies."
    )
    comment = card.get_by_label("Add a comment")
    expect(comment).to_have_value("Cite the PTI screenshots directly.")
    page.screenshot(path=str(ARTIFACTS / "daily-request-changes-after-publish.png"))
    claim.refresh_from_db()
    assert (claim.status, claim.review_note) == (Claim.Status.PUBLISHED, "")

    card.get_by_role("button", name="Comment", exact=True).click()
    expect(card.locator(".comments")).to_contain_text("Cite the PTI screenshots directly.")
    expect(page.locator(f"#claim-{claim.pk} .badge.unsaved")).to_be_hidden()
    assert page.errors == []


@pytest.mark.parametrize(
    ("their_move", "told"),
    [
        (Claim.Status.PUBLISHED, "rev2 published this claim meanwhile."),
        (
            Claim.Status.DRAFT,
            "rev2 sent this claim back for changes meanwhile: it was not published.",
        ),
    ],
    ids=["published", "sent-back"],
)
def test_a_stale_publish_says_what_the_other_reviewer_did(
    browser, live_server, newsroom, their_move, told
):
    claim, page, card = _reviewer_at_card(browser, live_server, newsroom)
    services.claim_transition(
        claim=claim,
        actor=_second_reviewer(newsroom),
        to_status=their_move,
        note="Too thin." if their_move == Claim.Status.DRAFT else "",
    )
    card.get_by_role("button", name="Publish", exact=True).click()
    expect(card.locator(f"#c{claim.pk}-workflow-status")).to_have_text(told)
    page.screenshot(path=str(ARTIFACTS / f"daily-stale-publish-{their_move}.png"))
    assert Claim.objects.get(pk=claim.pk).status == their_move
    assert page.errors == []


def test_a_rating_changed_meanwhile_is_named_and_the_request_note_waits_in_the_dialog(
    browser, live_server, newsroom
):
    claim, page, card = _reviewer_at_card(browser, live_server, newsroom)
    other_reviewer = _second_reviewer(newsroom)
    services.claim_update(
        claim=claim, actor=other_reviewer, expected_version=None,
        rating=rating(newsroom, "False"),
    )  # fmt: skip
    card.get_by_role("button", name="Publish", exact=True).click()
    status = card.locator(f"#c{claim.pk}-workflow-status")
    expect(status).to_have_text(
        "rev2 changed the rating to False meanwhile: check it and publish again."
    )
    expect(card.get_by_label("Rating")).to_have_value(str(rating(newsroom, "False").pk))

    services.claim_update(
        claim=Claim.objects.get(pk=claim.pk), actor=other_reviewer,
        expected_version=None, rating=rating(newsroom, "True"),
    )  # fmt: skip
    _request_changes(page, card, "Which figure is right?")
    expect(status).to_have_text(
        "rev2 changed the rating to True meanwhile: check it and request changes again."
        " Your note is kept: “Request changes” shows it again."
    )
    page.screenshot(path=str(ARTIFACTS / "daily-stale-request-changes.png"))
    card.get_by_role("button", name="Request changes").click()
    dialog = page.get_by_role("dialog", name="Request changes")
    expect(dialog.get_by_label("What should change")).to_have_value("Which figure is right?")
    dialog.get_by_role("button", name="Request changes", exact=True).click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="Draft").wait_for()
    claim.refresh_from_db()
    assert (claim.status, claim.review_note) == (Claim.Status.DRAFT, "Which figure is right?")
    expect(page.locator(f"#claim-{claim.pk} .badge.unsaved")).to_be_hidden()
    assert page.errors == []


def test_cancel_and_escape_keep_the_note_of_a_request_for_changes(browser, live_server, newsroom):
    """Escape or Cancel in the dialog threw the typed note away, and reopening it showed
    an empty box."""
    claim, page, card = _reviewer_at_card(browser, live_server, newsroom)
    dialog = page.get_by_role("dialog", name="Request changes")
    box = dialog.get_by_label("What should change")

    card.get_by_role("button", name="Request changes").click()
    page.keyboard.type("Cite the PTI")
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    expect(card.locator(f"#c{claim.pk}-workflow-status")).to_have_text(
        "Not sent. Your note is kept: “Request changes” shows it again."
    )
    expect(page.locator(f"#claim-{claim.pk} .badge.unsaved")).to_be_visible()

    card.get_by_role("button", name="Request changes").click()
    expect(box).to_have_value("Cite the PTI")
    box.press("End")
    page.keyboard.type(" screenshots directly.")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="detached")

    # Kept in the browser too: a reload offers it back with the card's other unsaved input.
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    card = open_card(page, claim)
    card.get_by_role("button", name="Restore my changes").click()
    card.get_by_role("button", name="Request changes").click()
    expect(box).to_have_value("Cite the PTI screenshots directly.")
    page.screenshot(path=str(ARTIFACTS / "daily-request-changes-note-kept.png"))
    dialog.get_by_role("button", name="Request changes", exact=True).click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="Draft").wait_for()
    claim.refresh_from_db()
    assert claim.review_note == "Cite the PTI screenshots directly."
    expect(page.locator(f"#claim-{claim.pk} .badge.unsaved")).to_be_hidden()
    assert stored_drafts(page) == []
    assert page.errors == []


def test_request_changes_over_unsaved_edits_asks_whether_to_save_them(
    browser, live_server, newsroom
):
    """A reviewer's unsaved edit went with the send-back without a word, where Publish asks."""
    claim = _ready_for_review(newsroom, make_claim(newsroom))
    other = _ready_for_review(newsroom, make_claim(newsroom, RECORD))
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Conclusion (Markdown)"), "A last word of mine.")
    card.get_by_role("button", name="Request changes").click()
    dialog = page.get_by_role("dialog", name="Request changes")
    expect(dialog).to_contain_text("You changed conclusion, not saved yet")
    page.keyboard.type("Cite the PTI screenshots.")
    page.screenshot(path=str(ARTIFACTS / "daily-request-changes-over-edits.png"))
    dialog.get_by_role("button", name="Discard my changes and request changes").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="Draft").wait_for()
    sent_back = Claim.objects.get(pk=claim.pk)
    assert (sent_back.conclusion, sent_back.review_note) == (
        "PTI screenshots showed 164,000.",
        "Cite the PTI screenshots.",
    )

    card = open_card(page, other)
    type_into(card.get_by_label("Conclusion (Markdown)"), "A last word of mine.")
    card.get_by_role("button", name="Request changes").click()
    page.keyboard.type("Cite the PTI screenshots.")
    dialog.get_by_role("button", name="Save my changes and request changes").click()
    page.locator(f"#claim-{other.pk} .badge.status", has_text="Draft").wait_for()
    saved = Claim.objects.get(pk=other.pk)
    assert (saved.conclusion, saved.status) == ("A last word of mine.", Claim.Status.DRAFT)
    assert page.errors == []


def test_a_draft_is_deleted_only_after_confirming(browser, live_server, newsroom):
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    card.get_by_role("button", name="Delete draft").click()
    dialog = page.get_by_role("dialog", name="Delete this draft?")
    dialog.wait_for()
    # The safe answer has the focus: Enter keeps the draft.
    page.keyboard.press("Enter")
    dialog.wait_for(state="detached")
    assert Claim.objects.filter(pk=claim.pk).exists()
    card.get_by_role("button", name="Delete draft").click()
    dialog.get_by_role("button", name="Delete draft").click()
    page.locator(f"#claim-{claim.pk}").wait_for(state="detached")
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert page.locator(f'mark[data-claim="{claim.pk}"]').count() == 0
    assert page.errors == []


def _save_over_a_claimant_saved_meanwhile(page, live_server, newsroom, claim):
    """Open `claim`'s card, have the editor save the claimant "Imran Khan" meanwhile (from
    another window, or as another person than the page's), then type another and Save."""
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    services.claim_update(
        claim=claim, actor=newsroom["editor"], expected_version=None, claimant="Imran Khan"
    )
    type_into(card.get_by_label("Claimant"), "Andrew Korybko")
    card.get_by_role("button", name="Save").click()
    return card


def test_workspace_with_conflict_checklist_and_dialog_is_accessible(browser, live_server, newsroom):
    claim = _ready_for_review(newsroom, make_claim(newsroom))
    page = open_page(browser, live_server, "rev")
    card = _save_over_a_claimant_saved_meanwhile(page, live_server, newsroom, claim)
    card.get_by_role("region", name="Someone else changed the same fields").wait_for()
    assert_accessible(page, "workspace with a field conflict")
    card.get_by_role("button", name="Request changes").click()
    page.get_by_role("dialog", name="Request changes").wait_for()
    assert_accessible(page, "request changes dialog")


def test_unsaved_input_is_never_offered_to_the_next_person_on_the_same_browser(
    browser, live_server, newsroom
):
    """A card's input left unsaved used to stay in localStorage after signing out, and the
    next person to sign in on that browser was offered to restore it and save it as theirs."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    type_into(open_card(page, claim).get_by_label("Conclusion (Markdown)"), "UNSAVED SECRET")
    page.wait_for_function(
        "() => Object.keys(localStorage).some((key) => key.startsWith('factcheck.draft.'))"
    )
    left_behind = page.evaluate(
        """() => Object.fromEntries(Object.keys(localStorage)
            .filter((key) => key.startsWith('factcheck.draft.'))
            .map((key) => [key, localStorage.getItem(key)]))"""
    )
    page.once("dialog", lambda dialog: dialog.accept())  # "leave with unsaved changes?"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: "/accounts/" in url or url.endswith("/"))
    assert stored_drafts(page) == []

    # A session that simply expired clears nothing: the stored input is the first user's,
    # and is still not offered to another.
    page.evaluate(
        "(entries) => Object.entries(entries).forEach(([k, v]) => localStorage.setItem(k, v))",
        left_behind,
    )
    # Input stored before drafts were keyed by user: whose it is cannot be known.
    unowned = f"factcheck.draft.{claim.pk}.v1.told"
    page.evaluate("(key) => localStorage.setItem(key, '{\"fields\":{}}')", unowned)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("rev")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    assert page.get_by_role("button", name="Restore my changes").count() == 0
    assert card.get_by_label("Conclusion (Markdown)").input_value() == ""
    # The first user's stays theirs; the one nobody can be sure of is dropped.
    kept = page.evaluate("() => Object.keys(localStorage)")
    assert unowned not in kept
    assert set(left_behind) <= set(kept)
    assert page.errors == []


def test_a_page_left_open_does_not_save_as_the_account_signed_in_since(
    browser, live_server, newsroom
):
    """Signed out and in as another account in a second tab: the first tab's Save used to
    write its first user's unsaved input under the second account's name."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Conclusion (Markdown)"), "The editor's unsaved words.")
    sign_in_again_in_another_tab(page, live_server, "rev")

    card.get_by_role("button", name="Save").click()
    card.locator(".save-status", has_text="signed in as someone else").wait_for()
    assert card.get_by_label("Conclusion (Markdown)").input_value() == (
        "The editor's unsaved words."
    )
    claim.refresh_from_db()
    assert claim.conclusion == ""
    assert not claim.events.filter(action="updated").exists()
    # As the message says: signed in again as the page's account, the same page saves.
    sign_in_again_in_another_tab(page, live_server, "ed")
    card.get_by_role("button", name="Save").click()
    card.locator(".save-status", has_text="Saved.").wait_for()
    claim.refresh_from_db()
    assert claim.conclusion == "The editor's unsaved words."


def test_on_a_phone_saving_a_correction_keeps_the_sheet_where_the_save_button_was(
    browser, live_server, newsroom
):
    """The bottom sheet was drawn anew at its top after the save, and what the save said was
    a screen below, out of sight."""
    claim = factories.published_claim(newsroom["article"], newsroom["editor"], newsroom["reviewer"])
    settle_evidence(claim)
    page = open_page(browser, live_server, "ed", viewport=(390, 800))
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    card.locator(".history-section").wait_for()
    type_into(card.get_by_label("Conclusion (Markdown)"), "A new conclusion. " * 20)
    card.get_by_role("button", name="Save").click()
    card.get_by_role("button", name="Continue: prepare a correction").click()

    status = card.locator("form .save-status", has_text="Saved")
    status.wait_for()
    sheet = card.bounding_box()
    box = status.bounding_box()
    assert sheet["y"] <= box["y"] and box["y"] + box["height"] <= 800
    assert card.evaluate("(sheet) => sheet.scrollTop") > 0
    page.screenshot(path=str(ARTIFACTS / "daily-phone-correction-saved.png"))

    # Saved again with the button at the sheet's bottom edge: "Saved." was drawn under it,
    # below the screen.
    type_into(card.get_by_label("Conclusion (Markdown)"), "A newer conclusion. " * 20)
    save = card.get_by_role("button", name="Save")
    card.evaluate(
        "(sheet) => { const button = sheet.querySelector('button[type=submit]');"
        " sheet.scrollTop += button.getBoundingClientRect().bottom - innerHeight + 2; }"
    )
    save.click()
    card.locator("form .save-status", has_text="Saved").wait_for()
    box = status.bounding_box()
    assert box["y"] + box["height"] <= 800
    assert page.errors == []


def test_a_first_verdict_waiting_for_the_articles_details_says_so_before_the_click(
    browser, live_server, newsroom
):
    editor, reviewer = newsroom["editor"], newsroom["reviewer"]
    factories.published_claim(newsroom["article"], editor, reviewer)
    claim = make_claim(newsroom, phrase="the median age is only 22.8 years")
    services.source_add(claim=claim, actor=editor, url="https://example.org/census")
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating(newsroom, "True"),
        conclusion="The census says so.",
    )  # fmt: skip
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    services.article_update_details(
        article=newsroom["article"], actor=editor, title="A retitled story"
    )
    settle_evidence(claim)
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)

    item = card.locator(".checklist li", has_text="The article's new details published first")
    assert "Missing" in item.inner_text()
    blocked = card.locator(".publish-blocked")
    assert "Readers still see this article's earlier title" in blocked.inner_text()
    publish = card.get_by_role("button", name="Publish")
    assert publish.get_attribute("aria-disabled") == "true"
    card.locator(".checklist").screenshot(path=str(ARTIFACTS / "daily-details-first.png"))
    assert page.errors == []


def test_a_field_over_its_limit_is_refused_at_once_without_sending_it(
    browser, live_server, newsroom
):
    """A 10 MB paste into Conclusion was uploaded for 8 s before the server refused it."""
    claim = make_claim(newsroom)
    settle_evidence(claim)
    page = open_page(browser, live_server, "ed")
    card = open_settled_card(page, live_server, newsroom, claim)
    patches, previews = [], []
    page.on("request", lambda request: request.method == "PATCH" and patches.append(request.url))
    page.on("request", lambda r: r.url.endswith("/conclusion-preview/") and previews.append(r))
    conclusion = card.get_by_role("textbox", name="Conclusion (Markdown)")
    # 19,999 letters and one emoji more: the server counts code points, not UTF-16 units.
    conclusion.fill("x" * 19_999 + "🙂" * 2)
    card.get_by_role("button", name="Save").click()

    card.get_by_text("At most 20,000 characters for conclusion; this has 20,001.").first.wait_for()
    card.get_by_text("Not saved: correct Conclusion as said under it.").wait_for()
    # Nor is it sent for the preview, which says why it shows none.
    card.get_by_text("No preview: At most 20,000 characters for conclusion").wait_for()
    assert patches == [] and previews == []
    # Within the limit (one emoji is one character), it saves.
    conclusion.fill("x" * 19_999 + "🙂")
    card.get_by_role("button", name="Save").click()
    card.get_by_text("Saved.", exact=True).wait_for()
    assert len(patches) == 1
    assert page.errors == []


def test_a_source_waiting_for_another_try_says_so_once_and_a_fresh_one_no_link_check(
    browser, live_server, newsroom
):
    """ "Fetching…: will try again: timed out" read as two states at once, and a page just
    fetched said "Fetched · Link unchecked"."""
    claim = make_claim(newsroom)
    editor = newsroom["editor"]
    urls = ["https://example.org/slow", "https://example.org/slower", "https://example.org/ok"]
    for url in urls:
        services.source_add(claim=claim, actor=editor, url=url)
    settle_evidence(claim)
    why = "will try again: timed out: example.org did not answer in time"
    Source.objects.filter(url=urls[0]).update(fetch_state="pending", fetch_error=why)
    Source.objects.filter(url=urls[1]).update(fetch_state="fetching", fetch_error=why)
    Source.objects.filter(url=urls[2]).update(fetch_state="fetched", link_state="unchecked")
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    card.locator(".sources .source-state").nth(2).wait_for()

    states = card.locator(".sources .source-state")
    said = {text.split(" · ")[0] for text in states.all_inner_texts()}
    last = "(last try: timed out: example.org did not answer in time)"
    assert said == {f"Waiting to try again {last}", f"Trying again… {last}", "Fetched"}
    assert "Link" not in " ".join(states.all_inner_texts())
    assert page.errors == []


def test_a_source_that_did_not_load_is_flagged_before_publishing_but_stops_nothing(
    browser, live_server, newsroom
):
    """The reviewer published a claim citing a 404 under "✓ At least one source"."""
    editor = newsroom["editor"]
    claim = make_claim(newsroom)
    source = services.source_add(claim=claim, actor=editor, url="https://example.org/missing")
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating(newsroom, "True"),
        conclusion="The record stands.",
    )  # fmt: skip
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    settle_evidence(claim)
    Source.objects.filter(pk=source.pk).update(fetch_error="404 Not Found")
    page = open_page(browser, live_server, "rev")
    card = open_settled_card(page, live_server, newsroom, claim)

    item = card.locator(".checklist li.advisory")
    said = " ".join(item.inner_text().split())
    assert said.startswith("! Check: 1 source did not load — “https://example.org/missing” (404")
    publish = card.get_by_role("button", name="Publish")
    assert publish.get_attribute("aria-disabled") != "true"
    card.locator(".checklist").screenshot(path=str(ARTIFACTS / "daily-source-not-loaded.png"))
    publish.click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="Published").wait_for()
    assert page.errors == []


def test_an_open_card_follows_a_colleagues_move_as_soon_as_its_window_is_back(
    browser, live_server, newsroom
):
    """Two windows side by side: the reviewer's card kept showing "Draft" for up to 20 s
    after the editor sent the claim to review in the other."""
    claim = make_claim(newsroom)
    settle_evidence(claim)
    page = open_page(browser, live_server, "rev")
    card = open_settled_card(page, live_server, newsroom, claim)
    card.locator(".badge.status", has_text="Draft").wait_for()
    services.claim_transition(
        claim=claim, actor=newsroom["editor"], to_status=Claim.Status.IN_REVIEW
    )

    page.evaluate("window.dispatchEvent(new FocusEvent('focus'))")

    # Well before the 20 s poll.
    card.locator(".badge.status", has_text="In review").wait_for(timeout=5000)
    assert page.errors == []


def test_the_keyboard_stays_where_the_action_was_after_close_a_move_or_a_removal(
    browser, live_server, newsroom
):
    """Close sent the keyboard to the page's body (Space then scrolled the page); a move or a
    removal sent it to the card, and the next Tab went to the card's top, 4,000 px up."""
    claim = long_card(newsroom)
    page = open_page(browser, live_server, "ed", viewport=(1280, 800))
    card = open_settled_card(page, live_server, newsroom, claim)

    card.get_by_role("button", name="Send to review").press("Enter")
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="In review").wait_for()
    assert page.evaluate("document.activeElement.closest('section.workflow') !== null")
    assert page.evaluate("document.activeElement.textContent") == "Back to draft"

    second = claim.sources.order_by("created_at", "id")[1]
    card.get_by_role("button", name=f"Remove source {second.title}").click()
    page.get_by_role("button", name="Remove source", exact=True).click()
    card.locator(".save-status", has_text="Source removed.").wait_for()
    # On the source now in its place.
    third = claim.sources.order_by("created_at", "id")[1]
    assert page.evaluate("document.activeElement.closest('li')?.dataset.source") == str(third.pk)

    card.get_by_role("button", name="Close").first.press("Enter")
    toggle = page.locator(f"#claim-{claim.pk} .card-toggle")
    toggle.filter(has_text="Open").wait_for()
    assert toggle.evaluate("(button) => button === document.activeElement")
    assert page.errors == []


def test_on_a_phone_tab_goes_round_inside_the_open_sheet(browser, live_server, newsroom):
    """Tab left the bottom sheet for the suggestions and the article behind it, out of sight
    under the sheet."""
    claim = make_claim(newsroom)
    settle_evidence(claim)
    page = open_page(browser, live_server, "ed", viewport=(390, 800))
    card = open_settled_card(page, live_server, newsroom, claim)
    inside = f"() => document.getElementById('claim-{claim.pk}').contains(document.activeElement)"

    card.get_by_role("button", name="Close").first.focus()
    for _ in range(80):
        page.keyboard.press("Tab")
        assert page.evaluate(inside)
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(inside)
    # The first stop, backwards, goes round to the last.
    card.get_by_role("button", name="Close").first.focus()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(inside)
    assert page.errors == []


def test_input_typed_for_a_claim_deleted_meanwhile_is_shown_to_copy_until_discarded(
    browser, live_server, newsroom
):
    """The claim's card is gone, so its kept input was offered nowhere, yet stayed stored."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Conclusion (Markdown)"), "Three sources disagree on this.")
    assert len(stored_drafts(page)) == 1
    services.claim_delete(claim=claim, actor=newsroom["editor"])
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    notice = page.locator("#notice")
    notice.get_by_text("Unsaved input for 1 claim deleted since").wait_for()
    notice.get_by_role("button", name="show it").click()
    kept = notice.get_by_label("Conclusion")
    assert kept.input_value() == "Three sources disagree on this."
    assert kept.evaluate("box => box.readOnly") and kept.evaluate(
        "box => box === document.activeElement"
    )
    page.screenshot(path=str(ARTIFACTS / "daily-deleted-claim-input.png"))
    notice.get_by_role("button", name="Discard it").click()
    expect(notice).to_be_hidden()
    assert stored_drafts(page) == []
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    expect(page.locator("#notice")).to_be_hidden()
    assert page.errors == []


def test_kept_input_of_a_claim_and_of_a_deleted_one_are_both_said(browser, live_server, newsroom):
    """The notice of kept input, written once the claims it names were read, replaced the
    one about a deleted claim's input, said meanwhile."""
    kept, deleted = make_claim(newsroom), make_claim(newsroom, RECORD)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, kept)
    type_into(card.get_by_label("Conclusion (Markdown)"), "Still to save.")
    # The other claim's input as another card of this tab would have kept it.
    page.evaluate(
        """([kept, deleted]) => {
            const key = Object.keys(localStorage).find((k) => k.includes(`.${kept}.v`));
            localStorage.setItem(key.replace(`.${kept}.v`, `.${deleted}.v`),
                                 localStorage.getItem(key));
        }""",
        [kept.pk, deleted.pk],
    )
    assert len(stored_drafts(page)) == 2
    services.claim_delete(claim=deleted, actor=newsroom["editor"])
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    notice = page.locator("#notice")
    notice.get_by_text("Unsaved changes from an earlier visit are kept").wait_for()
    expect(notice).to_contain_text("Unsaved input for 1 claim deleted since")
    assert page.errors == []


def test_saving_on_the_way_to_another_claim_keeps_the_unsent_source_marked_unsaved(
    browser, live_server, newsroom
):
    """After "Save changes", the fields saved and the source typed in "Add source" stayed
    in the form unsent, but the card no longer said it had unsaved input."""
    first = make_claim(newsroom)
    second = make_claim(newsroom, RECORD)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, first)
    type_into(card.get_by_label("Claimant"), "Andrew Korybko")
    type_into(card.get_by_label("Source URL"), "https://example.org/unsent")
    page.locator(f'mark[data-claim="{second.pk}"]').first.click()
    dialog = page.get_by_role("dialog", name="Unsaved changes")
    expect(dialog).to_contain_text("1 unsent box")
    dialog.get_by_role("button", name="Save changes").click()
    page.locator(f"#claim-{second.pk}.active form.claim-form").wait_for()
    first.refresh_from_db()
    assert first.claimant == "Andrew Korybko" and not first.sources.exists()
    badge = page.locator(f"#claim-{first.pk} .badge.unsaved")
    expect(badge).to_be_visible()
    card = open_card(page, first)
    assert card.get_by_label("Source URL").input_value() == "https://example.org/unsent"
    assert page.errors == []


def test_selecting_the_words_of_a_claim_again_opens_it_instead_of_making_a_second(
    browser, live_server, newsroom
):
    """ "Claim created." and a second, identical card: the words were a claim already."""
    from tests.browser_support import select_range

    first = make_claim(newsroom)
    other = make_claim(newsroom, phrase=RECORD)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    page.locator(f"#claim-{other.pk}").click()
    select_range(page, LISTENERS)
    page.keyboard.press("c")
    expect(page.locator("#selection-status")).to_have_text(
        f"Not created: these words are claim {first.pk} already, opened here."
    )
    expect(page.locator(f"#claim-{first.pk} .card-toggle")).to_have_attribute(
        "aria-expanded", "true"
    )
    assert Claim.objects.filter(article=newsroom["article"]).count() == 2
    page.screenshot(path=str(ARTIFACTS / "workspace-same-words.png"))


def test_a_conflict_with_your_own_other_window_says_so(browser, live_server, newsroom):
    """The same editor saving one field in two windows was told "Someone else changed the
    same fields", "Theirs (ed)", naming themselves."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")  # the editor who saved in the other window
    card = _save_over_a_claimant_saved_meanwhile(page, live_server, newsroom, claim)
    section = card.get_by_role("region", name="You changed the same fields in another window")
    expect(section).to_contain_text("Saved from your other window")
    expect(section).to_contain_text("Imran Khan")
    assert "Theirs" not in section.inner_text()


def test_a_source_address_typed_without_https_is_taken_and_a_wrong_one_explained(
    browser, live_server, newsroom
):
    """ "www.example.org/city-report" got the browser's own "Please enter a URL." tooltip
    and nothing else; the address only lacked its https://."""
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Source URL"), "www.example.org/city-report")
    page.keyboard.press("Enter")
    page.locator(f"#claim-{claim.pk} .sources h3", has_text="Sources (1)").wait_for()
    assert claim.sources.get().url == "https://www.example.org/city-report"
    # A typing slip is not guessed at: the app says what is wrong, beside the form.
    card = page.locator(f"#claim-{claim.pk}.active")
    type_into(card.get_by_label("Source URL"), "http//example.org/x")
    page.keyboard.press("Enter")
    expect(card.locator(f"#c{claim.pk}-source-form-status")).to_contain_text(
        "Enter an http or https address"
    )
    assert claim.sources.count() == 1
    assert page.errors == []


def _back_to_this_window(page):
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")


def test_a_window_left_open_shows_a_colleagues_new_claim_and_opens_it_from_a_link(
    browser, live_server, newsroom
):
    """A window left open beside a colleague's (never looked away from, so never looked at
    again) kept its claim list, and a link to the new claim did nothing (trial G7)."""
    page = open_page(browser, live_server, "ed")
    page.add_init_script("window.workspacePollMs = 300")
    open_workspace(page, live_server, newsroom["article"])
    made = make_claim(newsroom, phrase="the largest Twitter Spaces session")
    # Looks are at most one every 5 s, whatever the poll's pace: the next one shows it.
    expect(page.locator(f"#claim-{made.pk}")).to_be_visible(timeout=20_000)

    linked = make_claim(newsroom, phrase=RECORD)
    page.evaluate("(id) => { window.location.hash = `claim-${id}`; }", linked.pk)
    page.locator(f"#claim-{linked.pk}.active form.claim-form").wait_for()
    # A link to a claim that is not on this article says so.
    page.evaluate("() => { window.location.hash = 'claim-999999'; }")
    expect(page.locator("#notice")).to_contain_text("Claim 999999 is not on this article")
    assert page.errors == []


def test_a_window_shows_claims_made_and_deleted_elsewhere_and_says_the_text_changed(
    browser, live_server, newsroom
):
    """A second window kept the claim list and the text it opened with: claims made in
    another window never appeared, a card deleted there said nothing until Save, and a new
    text saved there went unmentioned."""
    kept = make_claim(newsroom)
    gone = make_claim(newsroom, phrase=RECORD)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, kept)
    type_into(card.get_by_label("Claimant"), "Andrew Korybko")  # unsaved
    # Another window: a claim made, another deleted, then the open one deleted too.
    made = make_claim(newsroom, phrase="the largest Twitter Spaces session")
    services.claim_delete(claim=gone, actor=newsroom["reviewer"])
    _back_to_this_window(page)
    expect(page.locator(f"#claim-{made.pk}")).to_be_visible()
    expect(page.locator(f"#claim-{gone.pk}")).to_have_count(0)
    expect(page.locator(f'mark[data-claim="{made.pk}"]').first).to_be_visible()
    services.claim_delete(claim=kept, actor=newsroom["reviewer"])
    notice = page.locator("#notice")
    # Looks are at most one a second: come back until this one has looked.
    wait_for(
        lambda: _back_to_this_window(page) or "was deleted" in notice.inner_text(),
        message="the deletion was not said",
    )
    expect(notice).to_contain_text(f"Claim {kept.pk} was deleted by someone else.")
    expect(notice).to_contain_text("What you typed is still in its fields")
    assert card.get_by_label("Claimant").input_value() == "Andrew Korybko"
    # A new text saved elsewhere: said, with a way to open it, and nothing reloaded unasked.
    article = newsroom["article"]
    services.article_update_text(
        article=article, actor=newsroom["reviewer"], text=article.text + "\n\nA new paragraph."
    )
    wait_for(
        lambda: _back_to_this_window(page) or "text changed" in notice.inner_text(),
        message="the new text was not said",
    )
    expect(notice).to_contain_text("The text changed since this page opened (now revision 2)")
    page.screenshot(path=str(ARTIFACTS / "workspace-changed-elsewhere.png"))
    notice.get_by_role("button", name="Reload the page").click()
    page.wait_for_selector("html[data-workspace-ready=true]")
    expect(page.locator("#article-body")).to_contain_text("A new paragraph.")


def test_a_window_on_an_article_without_claims_says_the_text_changed_elsewhere(
    browser, live_server, newsroom
):
    """With no claim to tell the text's revision by, a window coming back never learnt of
    a new text saved in another, and made claims on the old one."""
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    article = newsroom["article"]
    services.article_update_text(
        article=article, actor=newsroom["reviewer"], text=article.text + "\n\nA new paragraph."
    )
    notice = page.locator("#notice")
    wait_for(
        lambda: _back_to_this_window(page) or "text changed" in notice.inner_text(),
        message="the new text was not said",
    )
    expect(notice).to_contain_text("The text changed since this page opened (now revision 2)")


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 720)])
def test_a_claim_opened_from_its_address_is_not_under_the_sticky_toolbar(
    browser, live_server, newsroom, viewport
):
    """On a phone, /articles/1/#claim-2 opened (and reloaded) with the claim's words behind
    the sticky selection toolbar, three times in three (trial G10). The same address followed
    again from the page is no reload and changes no hash: the browser scrolled to the card
    alone, and the words stayed wherever the reader had scrolled."""
    article = newsroom["article"]
    claims = [
        factories.published_claim(article, newsroom["editor"], newsroom["reviewer"], quote=quote)
        for quote in ("Over 160,000 people listened in at once", "the median age is only 22.8")
    ]
    target = claims[-1]
    address = f"{live_server.url}/articles/{article.pk}/#claim-{target.pk}"
    page = open_page(browser, live_server, "ed", viewport=viewport)
    for arrival in ("opened", "reloaded", "followed again"):
        if arrival == "opened":
            page.goto(address)
        elif arrival == "reloaded":
            page.reload()
        else:
            page.evaluate("window.scrollTo(0, 0); window.stillThisPage = true")
            page.goto(address)
            assert page.evaluate("window.stillThisPage") is True  # the same page, not reloaded
        page.wait_for_selector("html[data-workspace-ready=true]")
        page.locator(f"#claim-{target.pk}.active").wait_for()
        page.wait_for_function("() => document.readyState === 'complete'")
        # Two frames after load, when the browser's own scroll to the address has run.
        page.evaluate(
            "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
        )
        mark = page.locator(f'#article-body mark[data-claim="{target.pk}"]').first
        toolbar = page.locator('[role="toolbar"][aria-label="Selection"]').bounding_box()
        words = mark.bounding_box()
        assert words["y"] >= toolbar["y"] + toolbar["height"] - 1, (arrival, words, toolbar)
        assert words["y"] + words["height"] <= viewport[1], (arrival, words, viewport)
    page.screenshot(path=str(ARTIFACTS / f"claim-from-address-{viewport[0]}.png"))
    assert page.errors == []


def _published_urls(claim):
    version = claim.published_versions.get(is_current=True)
    return sorted(source["url"] for source in version.sources)


def test_publish_asks_about_a_source_typed_and_not_added(browser, live_server, newsroom):
    """A reviewer typed an address under "Add source" and pressed Publish: the claim went out
    without it, the address still in the box, and nothing said it was left out."""
    # One person may publish here: adding the source does not bar the reviewer from it.
    newsroom["organization"].requires_two_person_review = False
    newsroom["organization"].save()
    claim = _ready_for_review(newsroom, make_claim(newsroom))
    other = _ready_for_review(newsroom, make_claim(newsroom, RECORD))
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Source URL"), "www.guinnessworldrecords.com/spaces")
    card.get_by_role("button", name="Publish", exact=True).click()
    asking = page.get_by_role("dialog", name="Add the source you typed?")
    expect(asking).to_contain_text("www.guinnessworldrecords.com/spaces but did not add it")
    page.screenshot(path=str(ARTIFACTS / "daily-publish-typed-source.png"))
    asking.get_by_role("button", name="Add it and publish").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="Published").wait_for()
    published = Claim.objects.get(pk=claim.pk)
    assert _published_urls(published) == [
        "https://example.org/spaces",
        "https://www.guinnessworldrecords.com/spaces",
    ]
    expect(card.get_by_label("Source URL")).to_have_value("")

    # Discarded: published without it, and the box emptied, as chosen.
    card = open_card(page, other)
    type_into(card.get_by_label("Source URL"), "https://example.org/half-typed")
    card.get_by_role("button", name="Publish", exact=True).click()
    asking.get_by_role("button", name="Discard it and publish").click()
    page.locator(f"#claim-{other.pk} .badge.status", has_text="Published").wait_for()
    assert _published_urls(Claim.objects.get(pk=other.pk)) == ["https://example.org/spaces"]
    expect(card.get_by_label("Source URL")).to_have_value("")
    expect(page.locator(f"#claim-{other.pk} .badge.unsaved")).to_be_hidden()
    assert page.errors == []


def test_send_to_review_asks_about_a_typed_source_and_keep_editing_moves_nothing(
    browser, live_server, newsroom
):
    claim = make_claim(newsroom)
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    type_into(card.get_by_label("Source URL"), "https://example.org/census")
    type_into(card.get_by_label("Title"), "Census 2026")
    card.get_by_role("button", name="Send to review").click()
    asking = page.get_by_role("dialog", name="Add the source you typed?")
    asking.get_by_role("button", name="Keep editing").click()
    expect(asking).to_be_hidden()
    claim.refresh_from_db()
    assert (claim.status, claim.sources.count()) == (Claim.Status.DRAFT, 0)
    expect(card.get_by_label("Source URL")).to_have_value("https://example.org/census")

    card.get_by_role("button", name="Send to review").click()
    asking.get_by_role("button", name="Add it and send to review").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="In review").wait_for()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    assert list(claim.sources.values_list("url", "title", "stance")) == [
        ("https://example.org/census", "Census 2026", "context")
    ]
    assert page.errors == []


def test_a_typed_source_is_named_when_requesting_changes_and_under_the_two_person_rule(
    browser, live_server, newsroom
):
    newsroom["organization"].requires_two_person_review = True
    newsroom["organization"].save()
    claim = _ready_for_review(newsroom, make_claim(newsroom))
    other = _ready_for_review(newsroom, make_claim(newsroom, RECORD))
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, newsroom["article"])

    card = open_card(page, claim)
    type_into(card.get_by_label("Source URL"), "https://example.org/pti")
    card.get_by_role("button", name="Request changes").click()
    dialog = page.get_by_role("dialog", name="Request changes")
    expect(dialog).to_contain_text("You typed the source https://example.org/pti without adding")
    dialog.get_by_label("What should change").fill("Cite the PTI screenshots directly.")
    dialog.get_by_role("button", name="Save my changes and request changes").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="Draft").wait_for()
    claim.refresh_from_db()
    assert claim.sources.filter(url="https://example.org/pti").exists()

    # Adding it makes the reviewer its latest author, whom the rule bars from publishing.
    card = open_card(page, other)
    type_into(card.get_by_label("Source URL"), "https://example.org/pti")
    card.get_by_role("button", name="Publish", exact=True).click()
    asking = page.get_by_role("dialog", name="Publish with your changes?")
    expect(asking).to_contain_text("You typed the source https://example.org/pti without adding")
    page.screenshot(path=str(ARTIFACTS / "daily-publish-typed-source-two-person.png"))
    asking.get_by_role("button", name="Save my changes for another member").click()
    expect(card.get_by_text("another member publishes the claim now")).to_be_visible()
    other.refresh_from_db()
    assert other.status == Claim.Status.IN_REVIEW
    assert other.sources.filter(url="https://example.org/pti").exists()
    assert page.errors == []


def test_a_retraction_sent_back_to_review_says_readers_see_the_retraction(
    browser, live_server, newsroom
):
    """The card said "Readers see the published version until…" while readers saw the
    retraction."""
    reviewer = newsroom["reviewer"]
    claim = _ready_for_review(newsroom, make_claim(newsroom))
    claim = services.claim_transition(claim=claim, actor=reviewer, to_status="published")
    services.claim_transition(
        claim=claim, actor=reviewer, to_status="retracted", note="the record was not checked"
    )
    page = open_page(browser, live_server, "rev")
    open_workspace(page, live_server, newsroom["article"])
    card = open_card(page, claim)
    card.get_by_role("button", name="Back to review").click()
    page.locator(f"#claim-{claim.pk} .badge.status", has_text="In review").wait_for()
    changes = card.get_by_role("region", name="Changes not yet published")
    expect(changes).to_contain_text(
        "Readers see the retraction until this is republished with a correction note."
    )
    assert "published version" not in changes.inner_text()
    changes.screenshot(path=str(ARTIFACTS / "daily-retraction-back-to-review.png"))
    assert page.errors == []


def test_a_reviewer_made_an_editor_meanwhile_is_told_and_loses_the_buttons_on_publish(
    browser, live_server, newsroom
):
    """Demoted while the page was open, the reviewer pressed Publish and read only "Your role
    does not allow this step", the buttons still there to press again."""
    claim, page, card = _reviewer_at_card(browser, live_server, newsroom)
    services.membership_set(
        organization=newsroom["organization"],
        user=newsroom["reviewer"],
        role=Membership.Role.EDITOR,
        actor=SYSTEM,
    )
    card.get_by_role("button", name="Publish", exact=True).click()
    expect(card.locator(f"#c{claim.pk}-workflow-status")).to_have_text(
        "Your role in Deadline Desk changed: you are now an editor. Publishing, requests for"
        " changes and retractions are now for a reviewer or an admin."
    )
    workflow = card.get_by_role("region", name="Workflow")
    expect(workflow.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    expect(workflow.get_by_role("button", name="Request changes")).to_have_count(0)
    # The checklist says it too, from the claim asked for again.
    expect(card.locator(".publish-blocked")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "daily-reviewer-made-editor.png"))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    assert page.errors == []


def test_a_note_kept_for_a_request_a_role_no_longer_allows_goes_to_the_comment_box(
    browser, live_server, newsroom
):
    """Review R25: made an editor, the reviewer's kept note waited for a Request changes
    dialog the card no longer offered, out of sight, the card saying "Unsaved changes"."""
    claim, page, card = _reviewer_at_card(browser, live_server, newsroom)
    card.get_by_role("button", name="Request changes").click()
    dialog = page.get_by_role("dialog", name="Request changes")
    dialog.get_by_label("What should change").fill("Name the survey's sample size.")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="detached")
    services.membership_set(
        organization=newsroom["organization"],
        user=newsroom["reviewer"],
        role=Membership.Role.EDITOR,
        actor=SYSTEM,
    )
    card.get_by_role("button", name="Publish", exact=True).click()
    expect(card.locator(f"#c{claim.pk}-workflow-status")).to_contain_text("you are now an editor")
    expect(card.get_by_label("Add a comment")).to_have_value("Name the survey's sample size.")
    assert page.errors == []
