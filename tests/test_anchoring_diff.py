"""Re-anchoring through the diff from the revision a claim was made on: no verdict on a copy."""

from pathlib import Path

import pytest

from annotations.anchoring import Anchorer, anchor, describe, reanchor_many

DATA = Path(__file__).parent / "data" / "anchoring"
ARTICLE = (DATA / "imran-khan-twitter-spaces.txt").read_text(encoding="utf-8")

BOILERPLATE = (
    "Correction policy: the council approved 12 new schools for the northern district, "
    "according to its minutes, and we will update this page if that changes.\n\n"
)
CLAIM = "the council approved 12 new schools for the northern district"


def _report(sections):
    """Sections of distinct news, each followed by the same boilerplate paragraph."""
    return "".join(
        f"Section {i}. The governor of ward {i * 7 % 31} opened {i * 13 % 97} clinics in "
        f"year {1990 + i}, officials told reporters on day {i % 28 + 1}.\n\n{BOILERPLATE}"
        for i in range(sections)
    )


OLD = _report(12)
COPIES = [at for at in range(len(OLD)) if OLD.startswith(CLAIM, at)]
OWN = COPIES[5]


def _resolve(new, start=OWN, end=None, old=OLD):
    end = start + len(CLAIM) if end is None else end
    return Anchorer(new).resolve(describe(old, start, end), old_text=old)


def _span_of(text, words):
    """Locate words the way the demo loader does, whatever the spaces between them."""
    return anchor(text, [{"type": "TextQuoteSelector", "exact": words}])


def _edit_around(text, at, length, before, after):
    """Replace the words right before and right after the span at `at`."""
    head, tail = text[:at], text[at + length :]
    return head.rsplit(" ", 2)[0] + before + text[at : at + length] + after + tail.split(" ", 2)[2]


def test_edited_context_in_a_repeated_section_keeps_the_claim_on_its_own_copy():
    new = _edit_around(OLD, OWN, len(CLAIM), " policy, in brief: ", " per the ")
    own = new.index(" in brief: ") + len(" in brief: ")
    assert new[own : own + len(CLAIM)] == CLAIM
    result = _resolve(new)
    assert (result.start, result.end, result.method) == (own, own + len(CLAIM), "diff")
    # The quote search alone, which cannot tell the copies apart, goes elsewhere.
    assert anchor(new, describe(OLD, OWN, OWN + len(CLAIM))) != (own, own + len(CLAIM))


def test_claims_on_every_copy_of_a_repeated_paragraph_stay_on_their_own_copies():
    new = OLD
    for at in reversed(COPIES[::2]):
        new = _edit_around(new, at, len(CLAIM), " policy (revised): ", " says the ")
    selector_lists = [describe(OLD, at, at + len(CLAIM)) for at in COPIES]
    spans = [result.span for result in reanchor_many(OLD, new, selector_lists)]
    new_copies = [at for at in range(len(new)) if new.startswith(CLAIM, at)]
    assert spans == [(at, at + len(CLAIM)) for at in new_copies]


def test_a_typo_in_one_copy_is_followed_there_not_to_an_intact_copy_nearby():
    typo = CLAIM.replace("northern", "nothern")
    new = OLD[:OWN] + typo + OLD[OWN + len(CLAIM) :]
    result = _resolve(new)
    assert (result.start, result.end, result.method) == (OWN, OWN + len(typo), "fuzzy")


def test_a_typo_and_edited_context_on_one_side_are_followed_in_that_copy():
    typo = CLAIM.replace("schools", "schols")
    new = OLD[:OWN] + typo + OLD[OWN + len(CLAIM) :]
    new = _edit_around(new, OWN, len(typo), " policy, in brief: ", ", according ")
    own = new.index(typo)
    assert _resolve(new).span == (own, own + len(typo))


def test_a_typo_with_context_edited_on_both_sides_is_followed_in_that_copy_not_another():
    typo = CLAIM.replace("schools", "schols")
    new = OLD[:OWN] + typo + OLD[OWN + len(CLAIM) :]
    new = _edit_around(new, OWN, len(typo), " policy, in brief: ", " per the ")
    own = new.index(typo)
    assert _resolve(new).span == (own, own + len(typo))


def test_rewritten_context_and_words_in_one_copy_orphan_rather_than_move_to_another():
    new = _edit_around(OLD, OWN, len(CLAIM), " policy, briefly: ", " so say the ")
    new = new.replace(CLAIM, "the council approved 12 schools in the north", 6)
    new = new.replace("the council approved 12 schools in the north", CLAIM, 5)
    assert new.count(CLAIM) == len(COPIES) - 1
    assert _resolve(new).span is None


def test_a_claim_deleted_from_one_copy_is_orphaned_not_moved_to_another():
    new = OLD[:OWN] + "what it decided" + OLD[OWN + len(CLAIM) :]
    result = _resolve(new)
    assert result.span is None
    assert result.reason == "quote replaced by different words"
    gone = OLD[: OWN - len("policy: ")] + OLD[OWN + len(CLAIM) + len(", ") :]
    result = _resolve(gone)
    assert result.span is None
    assert result.reason == "quote deleted (the same words elsewhere were there before the edit)"


def test_a_changed_number_in_one_copy_orphans_the_claim_with_the_number_as_reason():
    new = OLD[:OWN] + CLAIM.replace("12", "14") + OLD[OWN + len(CLAIM) :]
    result = _resolve(new)
    assert (result.span, result.reason) == (None, "number changed: 12 → 14")


def test_a_paragraph_moved_elsewhere_takes_its_claim_along():
    paragraphs = ARTICLE.split("\n\n")
    claim = "Over 160,000 people listened in at once"
    moved = next(p for p in paragraphs if claim in p)
    start, end = _span_of(ARTICLE, claim)
    new = "\n\n".join([p for p in paragraphs if p is not moved] + [moved])
    result = _resolve(new, start, end, old=ARTICLE)
    at = new.index(ARTICLE[start:end])
    assert (result.start, result.end) == (at, at + end - start)


def test_a_moved_and_edited_paragraph_takes_its_claim_along_through_the_search():
    paragraphs = ARTICLE.split("\n\n")
    claim = "Over 160,000 people listened in at once"
    moved = next(p for p in paragraphs if claim in p)
    start, end = _span_of(ARTICLE, claim)
    edited = moved.replace(claim, claim.replace("listened", "listend"))
    new = "\n\n".join([p for p in paragraphs if p is not moved] + [edited])
    result = _resolve(new, start, end, old=ARTICLE)
    at = new.index("Over 160,000 people listend")
    assert result.span == (at, at + len(claim) - 1)


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: "Editor’s note: updated on 30 April.\n\n" + text,
        lambda text: text.replace("Twitter Spaces", "X Spaces"),
        lambda text: text.translate(str.maketrans({"’": "'", "“": '"', "”": '"'})),
        lambda text: text.replace("\n\n", "\n\nA new line.\n\n", 3),
    ],
    ids=["paragraph on top", "name changed elsewhere", "quotes straightened", "lines added"],
)
def test_the_diff_and_the_quote_search_agree_where_the_text_is_unambiguous(edit):
    claims = ["Over 160,000 people listened in at once", "the median age is only 22.8 years"]
    new = edit(ARTICLE)
    for claim in claims:
        selectors = describe(ARTICLE, *_span_of(ARTICLE, claim))
        assert Anchorer(new).resolve(selectors, old_text=ARTICLE).span == anchor(new, selectors)


def test_selectors_that_do_not_describe_the_old_text_are_searched_for():
    selectors = describe(OLD, OWN, OWN + len(CLAIM))
    result = Anchorer(OLD).resolve(selectors, old_text="another text altogether")
    assert (result.span, result.method) == ((OWN, OWN + len(CLAIM)), "position")


def test_the_diff_from_an_old_text_is_computed_once_for_every_claim():
    anchorer = Anchorer("Intro. " + OLD)
    for at in COPIES:
        anchorer.resolve(describe(OLD, at, at + len(CLAIM)), old_text=OLD)
    assert anchorer.diff_from(OLD) is anchorer.diff_from(OLD)
    assert len(anchorer._diffs) == 1
