"""The diff between two revisions, and how it maps a claim's span from the old text to the new."""

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import textdiff
from annotations.anchoring import Anchorer, describe

OLD = "Intro words here. The minister said 40 new schools opened. Closing words follow."
CLAIM = "40 new schools opened"
START = OLD.index(CLAIM)
END = START + len(CLAIM)


def _edit(text, at, delete, insert):
    return text[:at] + insert + text[at + delete :]


# (name, position of the edit, characters deleted, text inserted, expected MappedSpan)
EDITS = [
    ("insertion before", 6, 0, "extra ", (START + 6, END + 6, True)),
    ("insertion after", END + 5, 0, "extra ", (START, END, True)),
    ("insertion right before", START, 0, "some ", (START + 5, END + 5, True)),
    ("insertion right after", END, 0, " today", (START, END, True)),
    ("insertion inside", START + 3, 0, "brand ", (START, END + 6, False)),
    ("deletion before", 0, 6, "", (START - 6, END - 6, True)),
    ("deletion after", END + 2, 6, "", (START, END, True)),
    ("deletion right before", START - 5, 5, "", (START - 5, END - 5, True)),
    ("deletion right after", END, 8, "", (START, END, True)),
    ("deletion inside", START + 3, 4, "", (START, END - 4, False)),
    ("deletion across the start", START - 4, 7, "", (START - 4, END - 7, False)),
    ("deletion across the end", END - 3, 8, "", (START, END - 3, False)),
    ("the claim deleted", START, END - START, "", (START, START, False)),
    ("the claim reworded", START, END - START, "few pupils came", (START, START + 15, False)),
    ("digit changed", START + 1, 1, "5", (START, END, False)),
]


@pytest.mark.parametrize(
    ("at", "delete", "insert", "expected"),
    [edit[1:] for edit in EDITS],
    ids=[edit[0] for edit in EDITS],
)
def test_a_span_maps_exactly_unless_an_edit_falls_between_its_characters(
    at, delete, insert, expected
):
    new = _edit(OLD, at, delete, insert)
    mapped = textdiff.diff(OLD, new).map_span(START, END)
    assert (mapped.start, mapped.end, mapped.intact) == expected
    if mapped.intact:
        assert new[mapped.start : mapped.end] == CLAIM


def test_an_unchanged_text_maps_every_span_onto_itself():
    diff = textdiff.diff(OLD, OLD)
    assert diff.blocks == [(0, 0, len(OLD))]
    assert diff.map_span(3, 9) == textdiff.MappedSpan(3, 9, intact=True)


def test_new_fraction_counts_the_inserted_share_of_a_new_span():
    new = _edit(OLD, 6, 0, "INSERTED ")
    diff = textdiff.diff(OLD, new)
    assert diff.new_fraction(6, 15) == 1.0
    assert diff.new_fraction(0, 6) == 0.0
    assert diff.new_fraction(2, 10) == 0.5
    assert diff.new_fraction(5, 5) == 0.0


def test_a_span_outside_the_old_text_is_refused():
    with pytest.raises(ValueError, match="outside the old text"):
        textdiff.diff(OLD, OLD).map_span(5, len(OLD) + 1)


def _section(number):
    return (
        f"Section {number}. The council approved 12 new schools for the northern district, "
        "a spokesman said in a statement on Tuesday.\n\n"
    )


BOILERPLATE = (
    "Our fact-checks follow the code of principles: the council approved 12 new schools "
    "for the northern district, as its minutes record.\n\n"
)


def test_editing_the_context_of_one_copy_of_a_repeated_paragraph_keeps_each_copy_apart():
    old = _section(1) + BOILERPLATE + _section(2) + BOILERPLATE + _section(3)
    claim = "the council approved 12 new schools for the northern district"
    first = old.index(claim, old.index(BOILERPLATE))
    second = old.index(claim, first + 1 + len(BOILERPLATE))
    # The words right before and after the claim in the first copy are rewritten.
    new = old[:first].replace("principles: ", "principles, in short: ") + old[first:]
    new = new.replace(claim + ", as its", claim + ", so its", 1)
    diff = textdiff.diff(old, new)
    shift = len("principles, in short: ") - len("principles: ")
    end = len(claim)
    assert diff.map_span(first, first + end) == (first + shift, first + shift + end, True)
    assert diff.map_span(second, second + end) == (second + shift, second + shift + end, True)


def test_a_paragraph_duplicated_below_itself_leaves_the_original_mapped_in_place():
    old = _section(1) + BOILERPLATE + _section(2)
    at = old.index("the council", len(_section(1)))
    new = _section(1) + BOILERPLATE + BOILERPLATE + _section(2)
    assert textdiff.diff(old, new).map_span(at, at + 20) == (at, at + 20, True)


def test_a_rewritten_paragraph_between_repeated_ones_is_compared_character_by_character():
    old = "".join(_section(i) + BOILERPLATE for i in range(1, 40))
    new = old.replace("Section 20. The council", "Section 20, the city council", 1)
    diff = textdiff.diff(old, new)
    # Only ". T" -> ", t" and "city " differ: the longest common subsequence keeps the rest.
    assert diff.unchanged == len(old) - 2 == len(new) - 7
    after = old.index("the council", old.index("Section 21."))
    assert diff.map_span(after, after + 11) == (after + 5, after + 16, True)


def test_large_rewritten_stretches_are_compared_word_by_word():
    words = [f"w{i}" for i in range(6000)]
    old = " ".join(words)
    new = " ".join(word.upper() if i % 50 == 0 else word for i, word in enumerate(words))
    diff = textdiff.diff(old, new)
    assert len(old) * len(new) > textdiff._MAX_CHARACTER_CELLS
    changed = sum(len(word) for word in words[::50])
    assert diff.unchanged >= len(old) - changed
    at = old.index("w1234 ")
    assert diff.map_span(at, at + 5) == (at, at + 5, True)


WORDS = [
    "the", "council", "approved", "new", "schools", "in", "ward", "district", "officials",
    "said", "minister", "reported", "figures", "across", "north", "south", "roads", "clinics",
    "budget", "year", "month", "per", "cent",
]  # fmt: skip


@pytest.mark.parametrize("seed", [113, 197])
def test_a_sentence_inserted_among_edits_is_not_threaded_through_the_old_sentences(seed):
    """A character LCS of the whole paragraph has alignments as long as the true one that
    weave the old letters through the inserted sentence; these seeds drew such a case."""
    rng = random.Random(seed)

    def sentence():
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
        return f"{words.capitalize()} {rng.randint(1, 999)}."

    sentences = [sentence() for _ in range(40)]
    old = " ".join(sentences)
    edited = [*sentences[:20], sentence(), *sentences[20:]]
    edited[1], edited[-2] = sentence(), sentence()
    new = " ".join(edited)
    diff = textdiff.diff(old, new)
    for index in range(3, 38):
        start = len(" ".join(sentences[:index])) + 1
        end = start + len(sentences[index])
        mapped = diff.map_span(start, end)
        assert mapped.intact, sentences[index]
        assert new[mapped.start : mapped.end] == sentences[index]


# Properties on random texts made of repeated blocks.

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
BLOCKS = [
    "The council approved 12 new schools. ",
    "Officials said the bridge will open in 2025. ",
    "ab ab ab ",
    "\n\n",
    "Residents welcomed it. ",
]
LONGEST_DELETION = 12
FILLER = st.text(alphabet="abcxyz .\n", max_size=12)


@st.composite
def repeated_text_and_outside_edits(draw):
    pieces = draw(st.lists(st.sampled_from(BLOCKS) | FILLER, min_size=2, max_size=14))
    text = "".join(pieces)
    # Claims start and end on a word character, as selections of words do.
    words = [at for at, character in enumerate(text) if character.isalnum()]
    if not words:
        text, words = text + "Quite", list(range(len(text), len(text) + 5))
    start = draw(st.sampled_from(words))
    end = 1 + draw(st.sampled_from([at for at in words if start <= at < start + 60]))
    edits = draw(
        st.lists(
            st.tuples(
                st.floats(0, 1),
                st.integers(0, LONGEST_DELETION),
                FILLER,
                st.booleans(),
            ),
            max_size=5,
        )
    )
    new, new_start, new_end = text, start, end
    for where, delete, insert, before in edits:
        # Each edit lies wholly before or wholly after the claim (touching it is allowed).
        if before:
            at = int(where * new_start)
            delete = min(delete, new_start - at)
            new_start += len(insert) - delete
            new_end += len(insert) - delete
        else:
            at = new_end + int(where * (len(new) - new_end))
            delete = min(delete, len(new) - at)
        new = new[:at] + insert + new[at + delete :]
    return text, start, end, new, new_start, new_end


@PROPERTY_SETTINGS
@given(repeated_text_and_outside_edits())
def test_a_claim_untouched_by_the_edits_keeps_its_words_through_the_diff(case):
    old, start, end, new, true_start, true_end = case
    assert new[true_start:true_end] == old[start:end]
    result = Anchorer(new).resolve(describe(old, start, end), old_text=old)
    # A claim shorter than the text deleted beside it may lose the alignment to a recurring
    # block (the diff keeps the longer stretch); it may then be orphaned, never misplaced.
    if end - start >= LONGEST_DELETION:
        assert result.found
    if result.found:
        assert new[result.start : result.end] == old[start:end]
        if _occurrences(new, old[start:end]) == 1:
            assert (result.start, result.end) == (true_start, true_end)


def _occurrences(text, words):
    return len(re.findall(f"(?={re.escape(words)})", text))


@PROPERTY_SETTINGS
@given(repeated_text_and_outside_edits())
def test_the_diff_pairs_only_equal_stretches_in_order(case):
    old, _, _, new, _, _ = case
    diff = textdiff.diff(old, new)
    old_at = new_at = 0
    for old_start, new_start, length in diff.blocks:
        assert length > 0 and old_start >= old_at and new_start >= new_at
        assert old[old_start : old_start + length] == new[new_start : new_start + length]
        old_at, new_at = old_start + length, new_start + length


@PROPERTY_SETTINGS
@given(repeated_text_and_outside_edits())
def test_every_mapped_span_holds_the_same_words_when_intact(case):
    old, start, end, new, _, _ = case
    mapped = textdiff.diff(old, new).map_span(start, end)
    assert 0 <= mapped.start <= mapped.end <= len(new)
    if mapped.intact:
        assert new[mapped.start : mapped.end] == old[start:end]
