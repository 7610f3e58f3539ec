"""The anchoring engine's contract: selectors, re-anchoring after edits, reasons, offsets."""

import json
import re
from pathlib import Path

import pytest

from annotations.anchoring import (
    Anchorer,
    AnchorError,
    anchor,
    anchor_many,
    codepoint_to_utf16,
    describe,
    explain_failure,
    require,
    require_exact,
    resolve,
    utf16_to_codepoint,
    widened_to_words,
)

DATA = Path(__file__).parent / "data" / "anchoring"
ARTICLE = (DATA / "imran-khan-twitter-spaces.txt").read_text(encoding="utf-8")
PARAGRAPHS = ARTICLE.split("\n\n")

LISTENERS = "Over 160,000 people listened in at once"
RECORD = "of only 44,000 simultaneous listeners"
MEDIAN_AGE = "the median age is only 22.8 years"
TRUMP = "Twitter banned former US President Donald Trump"
CPEC = "the Belt & Road Initiative’s (BRI) flagship project"
RECORD_EVENT = "Khan’s record-shattering event on Wednesday"
CLAIMS = [LISTENERS, RECORD, MEDIAN_AGE, TRUMP, CPEC, RECORD_EVENT]


def quote(exact, **context):
    return {"type": "TextQuoteSelector", "exact": exact, **context}


def position(start, end):
    return {"type": "TextPositionSelector", "start": start, "end": end}


def span_of(text, exact):
    """Locate a quote the way the demo loader does: by its words, whatever the spaces."""
    found = anchor(text, [quote(exact)])
    assert found is not None, exact
    return found


def claim_on(text, exact):
    return describe(text, *span_of(text, exact))


# describe


def test_describe_gives_json_ready_quote_and_position_selectors():
    start = ARTICLE.index(LISTENERS)
    selectors = describe(ARTICLE, start, start + len(LISTENERS))
    assert json.loads(json.dumps(selectors)) == selectors
    quote_selector, position_selector = selectors
    assert quote_selector == {
        "type": "TextQuoteSelector",
        "exact": LISTENERS,
        "prefix": ARTICLE[start - 32 : start],
        "suffix": ARTICLE[start + len(LISTENERS) : start + len(LISTENERS) + 32],
    }
    assert position_selector == {
        "type": "TextPositionSelector",
        "start": start,
        "end": start + len(LISTENERS),
    }
    assert len(quote_selector["prefix"]) == len(quote_selector["suffix"]) == 32


def test_describe_takes_fewer_context_characters_at_the_edges_of_the_text():
    text = "Short text here."
    quote_selector, _ = describe(text, 0, len(text))
    assert quote_selector["prefix"] == quote_selector["suffix"] == ""
    quote_selector, _ = describe(text, 6, 10)
    assert (quote_selector["prefix"], quote_selector["suffix"]) == ("Short ", " here.")


def test_describe_counts_code_points_so_an_emoji_is_one_character():
    text = "Crowd 🎉 cheered 160,000 times"
    start = text.index("cheered")
    quote_selector, position_selector = describe(text, start, start + 7)
    assert position_selector["start"] == 8
    assert quote_selector["prefix"] == "Crowd 🎉 "


@pytest.mark.parametrize(
    ("start", "end"),
    [(-1, 3), (0, 0), (5, 3), (4, 4), (0, 17), (16, 17), (1.0, 3), ("1", 3), (True, 3), (0, None)],
)
def test_describe_refuses_empty_out_of_range_or_non_integer_spans(start, end):
    with pytest.raises(ValueError, match=r"span|must be an int"):
        describe("Short text here.", start, end)


def test_describe_refuses_a_text_that_is_not_a_string():
    with pytest.raises(ValueError, match="text must be a str"):
        describe(b"bytes", 0, 1)


# anchor: selector combinations


def test_selectors_anchor_at_their_own_position_in_an_unchanged_text():
    for claim in CLAIMS:
        start, end = span_of(ARTICLE, claim)
        result = resolve(ARTICLE, describe(ARTICLE, start, end))
        assert (result.start, result.end, result.method) == (start, end, "position")


def test_position_only_selector_returns_its_position_while_it_fits_the_text():
    assert anchor("abcdef", [position(2, 4)]) == (2, 4)
    assert anchor("abcdef", [position(6, 6)]) == (6, 6)
    result = resolve("abc", [position(2, 4)])
    assert result.span is None
    assert "beyond the end of the text" in result.reason


def test_quote_only_selector_is_searched_for():
    assert anchor(ARTICLE, [quote(TRUMP)]) == (
        ARTICLE.index(TRUMP),
        ARTICLE.index(TRUMP) + len(TRUMP),
    )


def test_an_out_of_range_position_is_ignored_when_the_quote_is_found():
    text = "Lorem ipsum dolor"
    assert anchor(text, [position(1000, 1010), quote("ipsum")]) == (6, 11)


def test_unknown_selector_types_are_ignored_next_to_known_ones():
    selectors = [{"type": "RangeSelector", "startContainer": "/p[1]"}, quote("dolor")]
    assert anchor("Lorem ipsum dolor", selectors) == (12, 17)


def test_a_quote_found_only_in_another_case_is_not_the_same_quote():
    assert anchor("Over 160,000 people", [quote("over 160,000 people")]) == (0, 19)
    assert anchor("ABCDEFGHIJKLMNOPQRST", [quote("abcdefghijklmnopqrst")]) is None


def test_a_quote_made_only_of_spaces_has_nothing_to_search_for():
    result = resolve("a  b", [quote("  ")])
    assert result.span is None
    assert "only spaces" in result.reason


# anchor: malformed input


@pytest.mark.parametrize(
    ("selectors", "message"),
    [
        ({"type": "TextQuoteSelector", "exact": "x"}, "must be a list"),
        ("TextQuoteSelector", "must be a list"),
        (None, "must be a list"),
        ([], "must not be empty"),
        (["TextQuoteSelector"], "must be an object"),
        ([{"exact": "x"}], "no 'type'"),
        ([{"type": 3, "exact": "x"}], "no 'type'"),
        ([{"type": "TextQuoteSelector"}], "no 'exact'"),
        ([{"type": "TextQuoteSelector", "exact": ""}], "must not be empty"),
        ([{"type": "TextQuoteSelector", "exact": 5}], "'exact' must be a string"),
        (
            [{"type": "TextQuoteSelector", "exact": "x", "prefix": None}],
            "'prefix' must be a string",
        ),
        ([{"type": "TextQuoteSelector", "exact": "x", "suffix": 1}], "'suffix' must be a string"),
        ([{"type": "TextPositionSelector", "start": 1}], "no 'end'"),
        ([{"type": "TextPositionSelector", "start": "1", "end": 2}], "must be an integer"),
        ([{"type": "TextPositionSelector", "start": 1.5, "end": 2}], "must be an integer"),
        ([{"type": "TextPositionSelector", "start": False, "end": 2}], "must be an integer"),
        ([{"type": "TextPositionSelector", "start": -1, "end": 2}], "must not be negative"),
        ([{"type": "TextPositionSelector", "start": 3, "end": 2}], "is after end"),
        ([{"type": "RangeSelector", "startContainer": "/p"}], "neither"),
        ([quote("x"), quote("y")], "more than one TextQuoteSelector"),
        ([position(0, 1), position(1, 2)], "more than one TextPositionSelector"),
    ],
)
def test_malformed_selectors_are_refused_with_a_clear_message(selectors, message):
    with pytest.raises(ValueError, match=message):
        anchor("some text x y", selectors)


def test_anchorer_refuses_a_text_that_is_not_a_string():
    with pytest.raises(ValueError, match="text must be a str"):
        Anchorer(None)


# re-anchoring claims on the sample article after edits


EDITOR_NOTE = "Editor’s note: this analysis was updated on 30 April.\n\n"
UNCLAIMED_PARAGRAPH = PARAGRAPHS[4] + "\n\n"


def _insert_paragraph_at_top(text):
    return EDITOR_NOTE + text


def _straighten_quotes(text):
    return text.translate(str.maketrans({"’": "'", "“": '"', "”": '"'}))


EDITS_KEEPING_THE_WORDS = {
    "paragraph inserted at the top": (
        _insert_paragraph_at_top,
        lambda start: start + len(EDITOR_NOTE),
    ),
    "paragraph without claims deleted": (
        lambda text: text.replace(UNCLAIMED_PARAGRAPH, ""),
        lambda start: (
            start - (len(UNCLAIMED_PARAGRAPH) if start > ARTICLE.index(UNCLAIMED_PARAGRAPH) else 0)
        ),
    ),
    "curly quotes straightened": (_straighten_quotes, lambda start: start),
}


@pytest.mark.parametrize("edit", EDITS_KEEPING_THE_WORDS)
@pytest.mark.parametrize("claim", CLAIMS)
def test_claims_follow_their_words_when_paragraphs_are_added_or_removed_or_quotes_straightened(
    edit, claim
):
    apply, moved = EDITS_KEEPING_THE_WORDS[edit]
    start, end = span_of(ARTICLE, claim)
    assert anchor(apply(ARTICLE), claim_on(ARTICLE, claim)) == (moved(start), moved(end))


def test_curly_apostrophe_selected_in_the_article_anchors_on_a_typed_straight_one():
    edited = _straighten_quotes(ARTICLE)
    result = resolve(edited, claim_on(ARTICLE, RECORD_EVENT))
    assert edited[result.start : result.end] == "Khan's record-shattering event on Wednesday"
    assert result.method == "quote"


def test_claim_made_on_a_typo_follows_the_fix_of_that_typo():
    with_typo = ARTICLE.replace("listened in at once", "listend in at once")
    selectors = claim_on(with_typo, "Over 160,000 people listend in at once")
    result = resolve(ARTICLE, selectors)
    assert result.span == span_of(ARTICLE, LISTENERS)
    assert result.method == "fuzzy"


def test_claim_survives_a_typo_introduced_inside_its_quote():
    edited = ARTICLE.replace("simultaneous listeners", "simultanous listeners")
    found = anchor(edited, claim_on(ARTICLE, RECORD))
    assert edited[found[0] : found[1]] == "of only 44,000 simultanous listeners"


def test_changed_decimal_orphans_the_claim_and_says_which_number_changed():
    edited = ARTICLE.replace("22.8", "22.9")
    selectors = claim_on(ARTICLE, MEDIAN_AGE)
    assert anchor(edited, selectors) is None
    assert explain_failure(edited, selectors) == "number changed: 22.8 → 22.9"


def test_changed_thousands_orphan_the_claim_instead_of_anchoring_on_the_new_figure():
    edited = ARTICLE.replace("160,000", "150,000")
    selectors = claim_on(ARTICLE, LISTENERS)
    assert anchor(edited, selectors) is None
    assert explain_failure(edited, selectors) == "number changed: 160,000 → 150,000"


def test_other_claims_stay_put_when_one_number_changes():
    edited = ARTICLE.replace("22.8", "22.9")
    for claim in (LISTENERS, RECORD, TRUMP, CPEC):
        assert anchor(edited, claim_on(ARTICLE, claim)) == span_of(ARTICLE, claim)


def test_deleted_quote_becomes_an_orphan_with_reason_quote_deleted():
    edited = ARTICLE.replace(LISTENERS + ", breaking", "Breaking")
    selectors = claim_on(ARTICLE, LISTENERS)
    result = resolve(edited, selectors)
    assert result.span is None
    assert result.reason == "quote deleted"
    assert anchor(edited, claim_on(ARTICLE, RECORD)) is not None


def test_quote_replaced_by_different_words_becomes_an_orphan_saying_so():
    edited = ARTICLE.replace(LISTENERS, "A great many people tuned in together")
    assert explain_failure(edited, claim_on(ARTICLE, LISTENERS)) == (
        "quote replaced by different words"
    )


def test_deleting_the_paragraph_that_holds_a_claim_orphans_it_as_deleted():
    edited = ARTICLE.replace(PARAGRAPHS[3] + "\n\n", "")
    result = resolve(edited, claim_on(ARTICLE, LISTENERS))
    assert (result.span, result.reason) == (None, "quote deleted")


def test_explain_failure_is_empty_for_a_claim_that_anchors():
    assert explain_failure(_insert_paragraph_at_top(ARTICLE), claim_on(ARTICLE, TRUMP)) == ""


def test_duplicated_paragraph_leaves_the_claim_on_the_original():
    paragraph = PARAGRAPHS[3]
    assert LISTENERS in paragraph
    edited = ARTICLE.replace(paragraph, paragraph + "\n\n" + paragraph)
    selectors = claim_on(ARTICLE, LISTENERS)
    assert anchor(edited, selectors) == span_of(ARTICLE, LISTENERS)


def test_duplicated_paragraph_below_an_insertion_still_leaves_the_claim_on_the_original():
    paragraph = PARAGRAPHS[3]
    edited = _insert_paragraph_at_top(ARTICLE.replace(paragraph, paragraph + "\n\n" + paragraph))
    shift = len(edited) - len(ARTICLE) - len(paragraph) - 2
    start, end = span_of(ARTICLE, LISTENERS)
    assert anchor(edited, claim_on(ARTICLE, LISTENERS)) == (start + shift, end + shift)


def test_repeated_sentence_claim_keeps_the_copy_it_was_made_on():
    sentence = "The domestic, international, and strategic significances"
    second = ARTICLE.index(sentence, ARTICLE.index(sentence) + 1)
    selectors = describe(ARTICLE, second, second + len(sentence))
    edited = _insert_paragraph_at_top(ARTICLE)
    shift = len(edited) - len(ARTICLE)
    assert anchor(edited, selectors) == (second + shift, second + shift + len(sentence))


def test_deleted_quote_becomes_orphan_instead_of_matching_lookalike():
    text = (
        "In March the council approved 12 new schools for the northern district. "
        "Residents welcomed the plan at a packed meeting. "
        "In April the council approved 12 new roads for the northern district."
    )
    claim = "the council approved 12 new schools for the northern district"
    selectors = claim_on(text, claim)
    edited = text.replace("In March " + claim + ". ", "")
    assert anchor(edited, selectors) is None
    assert explain_failure(edited, selectors).startswith("quote deleted")


def test_deleted_quote_does_not_jump_to_an_identical_quote_with_another_context():
    text = (
        "Officials said the bridge will open in 2025 after inspections. "
        "Critics doubt it. Long unrelated paragraph about farming and rain follows here. "
        "A brochure repeats: the bridge will open in 2025 for all traffic."
    )
    selectors = claim_on(text, "the bridge will open in 2025")
    edited = text.replace("Officials said the bridge will open in 2025 after inspections. ", "")
    assert anchor(edited, selectors) is None
    assert explain_failure(edited, selectors).startswith("quote deleted")


def test_short_quote_with_a_typo_anchors_when_both_sides_of_its_context_agree():
    text = "Intro line. One Two Three\n"
    selectors = describe(text, 16, 19)
    assert anchor("Intro line. One Twp Three\n", selectors) == (16, 19)
    assert anchor("Intro line. One Six Three\n", selectors) is None


def test_no_break_and_repeated_spaces_do_not_stop_a_quote_from_anchoring():
    text = "Intro. Over 160,000 people listened in at once, breaking the record."
    selectors = claim_on(text, LISTENERS)
    edited = "Intro.  Over 160,000\u00a0people\n listened in  at once, breaking the record."
    start, end = anchor(edited, selectors)
    assert edited[start:end] == "Over 160,000\u00a0people\n listened in  at once"


def test_dashes_of_any_kind_match_each_other():
    text = "The Establishment – Pakistani parlance – matters here."
    selectors = claim_on(text, "The Establishment – Pakistani parlance")
    edited = "Note. The Establishment - Pakistani parlance - matters here."
    assert anchor(edited, selectors) == (6, 44)


# anchor_many, Anchorer, require


def test_anchor_many_gives_the_same_answers_as_anchoring_one_by_one():
    edited = _insert_paragraph_at_top(ARTICLE.replace("22.8", "22.9"))
    selector_lists = [claim_on(ARTICLE, claim) for claim in CLAIMS]
    assert anchor_many(edited, selector_lists) == [anchor(edited, s) for s in selector_lists]


def _long_report(paragraphs):
    return "\n\n".join(
        f"Section {i}: the district recorded {i * 37 + 11} new clinics and {i * 53 % 997} schools "
        f"in year {1950 + i}, officials in ward {i * 7 % 101} said on day {i % 28 + 1}."
        for i in range(paragraphs)
    )


def test_claims_far_down_a_long_text_are_found_after_a_long_insertion_at_the_top():
    text = _long_report(2000)
    starts = range(1000, len(text) - 200, 5011)
    selector_lists = [describe(text, start, start + 60) for start in starts]
    insertion = _long_report(1200).replace("Section", "Annex")
    edited = insertion + "\n\n" + text
    shift = len(insertion) + 2
    assert len(insertion) > 100_000
    assert anchor_many(edited, selector_lists) == [(s + shift, s + shift + 60) for s in starts]
    assert anchor(edited, selector_lists[-1]) == (starts[-1] + shift, starts[-1] + shift + 60)


def test_misspelt_quote_in_its_own_place_beats_a_verbatim_copy_in_another_context():
    filler = _long_report(60)
    claim = "the bridge will open to traffic in 2025"
    text = f"Officials said {claim} after inspections.\n\n{filler}\n\nA leaflet: {claim}!"
    selectors = claim_on(text, claim)
    edited = text.replace("Officials said the bridge will", "Officials said the brigde will")
    assert anchor(edited, selectors) == (15, 15 + len(claim))


def test_one_anchorer_resolves_many_claims_and_reports_found_and_reason():
    edited = ARTICLE.replace("22.8", "22.9")
    anchorer = Anchorer(edited)
    results = [anchorer.resolve(claim_on(ARTICLE, claim)) for claim in CLAIMS]
    assert [result.found for result in results] == [True, True, False, True, True, True]
    assert results[2].reason == "number changed: 22.8 → 22.9"
    assert anchorer.anchor(claim_on(ARTICLE, TRUMP)) == span_of(ARTICLE, TRUMP)


def test_require_returns_the_span_or_raises_anchor_error_with_the_reason():
    selectors = claim_on(ARTICLE, MEDIAN_AGE)
    assert require(ARTICLE, selectors) == span_of(ARTICLE, MEDIAN_AGE)
    with pytest.raises(AnchorError, match=re.escape("number changed: 22.8 → 22.9")):
        require(ARTICLE.replace("22.8", "22.9"), selectors)
    assert issubclass(AnchorError, ValueError)


def test_require_exact_refuses_a_selection_whose_exact_does_not_match_the_text():
    selectors = claim_on(ARTICLE, LISTENERS)
    selectors[0]["exact"] = "Over 150,000 people listened in at once"
    with pytest.raises(AnchorError):
        require_exact(ARTICLE, selectors)


def test_require_exact_refuses_an_approximate_match():
    selectors = claim_on(ARTICLE, LISTENERS)
    with pytest.raises(AnchorError) as refused:
        require_exact(ARTICLE.replace("listened in", "listend in"), selectors)
    start = ARTICLE.index(LISTENERS)
    assert str(refused.value) == (
        f"The quote {LISTENERS!r} is not in the text (spaces and quote marks aside); the "
        f"closest passage, at {start}-{start + len(LISTENERS) - 1}, reads "
        "'Over 160,000 people listend in at once'."
    )


def test_require_exact_accepts_a_verbatim_selection_even_without_position():
    start, end = span_of(ARTICLE, TRUMP)
    assert require_exact(ARTICLE, [quote(TRUMP)]) == (start, end)


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Khan's rally", "Khan’s rally"),
        ('said "no" - twice', "said “no” — twice"),
        ("at  once", "at once"),
    ],
)
def test_require_exact_accepts_a_quote_that_differs_in_typography_alone(typed, printed):
    text = f"He said that {printed} and left."
    start = text.index(printed)
    assert require_exact(text, [quote(typed)]) == (start, start + len(printed))


def test_require_exact_refuses_a_quote_that_differs_in_punctuation_not_just_its_style():
    text = "He said that Khan’s rally was big, and left."
    with pytest.raises(AnchorError, match=r"not in the text .*the closest passage, at 13-33"):
        require_exact(text, [quote("Khans rally was big")])


def test_require_exact_refuses_a_prefix_or_suffix_that_both_copies_share():
    sentence = "Turnout was 4.4 percent."
    text = f"The minister said: {sentence} Later the paper said: {sentence} It did not."
    for context in ({"prefix": "said: "}, {"prefix": "said:"}, {"suffix": " "}):
        with pytest.raises(AnchorError, match="appears 2 times in the text with that prefix"):
            require_exact(text, [quote(sentence, **context)])
    second = text.rindex(sentence)
    for context in ({"prefix": "paper said: "}, {"suffix": " It did"}):
        assert require_exact(text, [quote(sentence, **context)]) == (
            second,
            second + len(sentence),
        )


# UTF-16 offsets


@pytest.mark.parametrize(
    ("text", "utf16", "codepoint"),
    [
        ("l😃rem ipsum", 0, 0),
        ("l😃rem ipsum", 1, 1),
        ("l😃rem ipsum", 3, 2),
        ("l😃rem ipsum", 12, 11),
        ("😃😃x", 4, 2),
        ("😃😃x", 5, 3),
        ("عمران خان 🎉 جلسہ", 12, 11),
        ("plain", 5, 5),
    ],
)
def test_utf16_offsets_and_code_points_convert_both_ways(text, utf16, codepoint):
    assert utf16_to_codepoint(text, utf16) == codepoint
    assert codepoint_to_utf16(text, codepoint) == utf16


def test_utf16_offset_inside_an_emoji_or_beyond_the_text_is_refused():
    with pytest.raises(ValueError, match="surrogate pair"):
        utf16_to_codepoint("l😃rem", 2)
    with pytest.raises(ValueError, match="outside"):
        utf16_to_codepoint("l😃rem", 7)
    with pytest.raises(ValueError, match="outside"):
        codepoint_to_utf16("l😃rem", 6)
    with pytest.raises(ValueError, match="outside"):
        codepoint_to_utf16("l😃rem", -1)


def test_browser_selection_converted_from_utf16_anchors_on_the_same_words():
    text = "Fans 🎉🎉 said: Over 160,000 people listened in at once"
    utf16_start = len(text[: text.index("Over")].encode("utf-16-le")) // 2
    start = utf16_to_codepoint(text, utf16_start)
    assert text[start : start + len(LISTENERS)] == LISTENERS


@pytest.mark.parametrize(
    ("text", "span", "words"),
    [
        ("Under 160,000 people", (1, 12), "Under 160,000"),
        ("Under 160,000 people", (0, 13), "Under 160,000"),  # whole already
        ("a café noir", (2, 5), "café"),
        ("a cafe\u0301 noir", (2, 6), "cafe\u0301"),  # the accent goes with its letter
        ("(160,000)", (1, 6), "160,000"),
        ("word", (2, 2), ""),  # nothing selected stays nothing
        # Chinese runs its words together: a character is not widened to its whole clause.
        ("该国去年的进口总额增长", (5, 7), "进口"),
        ("出口と輸入", (1, 4), "口と輸"),
    ],
)
def test_a_span_is_widened_to_the_words_it_cuts(text, span, words):
    start, end = widened_to_words(text, *span)
    assert text[start:end] == words
