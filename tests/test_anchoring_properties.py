"""Property-based checks of the anchoring engine on random texts, emoji and Urdu included."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.anchoring import (
    anchor,
    codepoint_to_utf16,
    describe,
    utf16_to_codepoint,
)

# Latin, Urdu (right-to-left), emoji outside the BMP, curly quotes and the spaces that
# normalisation folds. The markers are kept out so that text holding them is unique.
ALPHABET = (
    "abcdefghij ABC.,’'\u00a0\n" + "\u0639\u0645\u0631\u0627\u0646\u062e\u067e\u0679" + "😀🎉"
)
MARKER = "§"
LEFT_MARKER = "«"
RIGHT_MARKER = "»"
texts = st.text(alphabet=ALPHABET, max_size=120)
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def text_and_span(draw):
    text = draw(st.text(alphabet=ALPHABET, min_size=1, max_size=200))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    return text, start, end


@PROPERTY_SETTINGS
@given(text_and_span())
def test_describing_any_span_anchors_back_to_it(case):
    text, start, end = case
    assert anchor(text, describe(text, start, end)) == (start, end)


@st.composite
def edits_of(draw, text):
    """Random insertions and deletions applied to `text`, in order."""
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(texts) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(0, 30)) :]
    return text


@st.composite
def document_with_marked_quote(draw):
    """A quote holding the marker, and 40 untouched characters of context on each side.

    Two markers at each end of a quote of at most 24 characters put every text without the
    marker more than 15% (the approximate-match allowance) away from the quote. The contexts
    hold their own markers within the 32 characters a selector records, so that they cannot
    recur by chance either: with a context that recurs, "where the quote was" is ambiguous.
    """
    far_left, far_right = draw(texts), draw(texts)
    near_left = draw(st.text(alphabet=ALPHABET, min_size=39, max_size=39))
    near_right = draw(st.text(alphabet=ALPHABET, min_size=39, max_size=39))
    at = draw(st.integers(8, 39))
    near_left = near_left[:at] + LEFT_MARKER + near_left[at:]
    at = draw(st.integers(0, 31))
    near_right = near_right[:at] + RIGHT_MARKER + near_right[at:]
    middle = draw(st.text(alphabet=ALPHABET, max_size=20))
    quote = MARKER * 2 + middle + MARKER * 2
    return far_left, near_left, quote, near_right, far_right


@PROPERTY_SETTINGS
@given(document_with_marked_quote(), st.data())
def test_edits_away_from_a_quote_leave_it_found_at_its_shifted_place(document, data):
    far_left, near_left, quote, near_right, far_right = document
    left = far_left + near_left
    selectors = describe(left + quote + near_right + far_right, len(left), len(left) + len(quote))
    edited_left = data.draw(edits_of(far_left)) + near_left
    edited = edited_left + quote + near_right + data.draw(edits_of(far_right))
    assert anchor(edited, selectors) == (len(edited_left), len(edited_left) + len(quote))


@PROPERTY_SETTINGS
@given(document_with_marked_quote(), st.data())
def test_one_untouched_side_of_context_is_enough_to_find_a_quote(document, data):
    far_left, near_left, quote, near_right, far_right = document
    left = far_left + near_left
    selectors = describe(left + quote + near_right + far_right, len(left), len(left) + len(quote))
    edited_left = data.draw(edits_of(left))
    edited = edited_left + quote + near_right + far_right
    assert anchor(edited, selectors) == (len(edited_left), len(edited_left) + len(quote))


@PROPERTY_SETTINGS
@given(document_with_marked_quote(), st.data())
def test_a_typo_inside_a_long_quote_is_forgiven(document, data):
    far_left, near_left, _, near_right, far_right = document
    # Words one space apart: anchoring reads a run of spaces as one, so a letter typed
    # into a run ("X   a" as "X z a") is a word added, not a letter changed, and the quote
    # may then start at it.
    words = st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=8), min_size=2)
    quote = data.draw(words.map(" ".join).filter(lambda text: 12 <= len(text) <= 40))
    quote = "X" + quote + MARKER + quote[::-1] + "Y"
    left = far_left + near_left
    selectors = describe(left + quote + near_right + far_right, len(left), len(left) + len(quote))
    at = data.draw(st.integers(1, len(quote) - 2))
    misspelt = quote[:at] + ("z" if quote[at] != "z" else "q") + quote[at + 1 :]
    edited_left = data.draw(edits_of(far_left)) + near_left
    edited = edited_left + misspelt + near_right + far_right
    assert anchor(edited, selectors) == (len(edited_left), len(edited_left) + len(quote))


@PROPERTY_SETTINGS
@given(document_with_marked_quote())
def test_a_deleted_quote_is_not_anchored_anywhere(document):
    far_left, near_left, quote, near_right, far_right = document
    left = far_left + near_left
    selectors = describe(left + quote + near_right + far_right, len(left), len(left) + len(quote))
    assert anchor(left + near_right + far_right, selectors) is None


@PROPERTY_SETTINGS
@given(document_with_marked_quote())
def test_a_deleted_quote_ignores_a_copy_with_other_context(document):
    far_left, near_left, quote, near_right, far_right = document
    left = far_left + near_left
    selectors = describe(left + quote + near_right + far_right, len(left), len(left) + len(quote))
    foreign = "9" * 40
    edited = left + near_right + far_right + foreign + quote + foreign
    assert anchor(edited, selectors) is None


@PROPERTY_SETTINGS
@given(document_with_marked_quote(), st.data())
def test_a_deleted_quote_moves_to_a_copy_that_kept_its_context(document, data):
    far_left, near_left, quote, near_right, far_right = document
    left = far_left + near_left
    selectors = describe(left + quote + near_right + far_right, len(left), len(left) + len(quote))
    elsewhere = data.draw(texts) + " " + near_left
    edited = left + near_right + far_right + elsewhere + quote + near_right
    start = len(left + near_right + far_right + elsewhere)
    assert anchor(edited, selectors) == (start, start + len(quote))


@PROPERTY_SETTINGS
@given(st.text(alphabet=ALPHABET + "\U0001f9d1\U00010348", max_size=60))
def test_utf16_offsets_round_trip_through_code_points(text):
    astral_before = 0
    for offset in range(len(text) + 1):
        utf16 = codepoint_to_utf16(text, offset)
        assert utf16 == offset + astral_before
        assert utf16_to_codepoint(text, utf16) == offset
        if offset < len(text) and ord(text[offset]) > 0xFFFF:
            astral_before += 1
