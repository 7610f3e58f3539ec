"""What changed between two revisions of a text, as the reviewer of a waiting text reads it.

Trial G12: the workspace showed the first 8 changed stretches, cut any stretch over 20,000
characters to its first words, interleaved a reworded phrase word by word, and took 22 s
on a 1.4 MB text with every other paragraph changed.
"""

from annotations.text_changes import text_changes


def _read(hunk) -> str:
    """A hunk as a reviewer reads it: [-removed-]{+added+}."""
    marks = {"delete": "[-{}-]", "insert": "{{+{}+}}", "equal": "{}"}
    return "".join(marks[op].format(words) for op, words in hunk.parts)


def _one(old: str, new: str) -> str:
    [hunk] = text_changes(old, new)
    return _read(hunk)


def test_a_reworded_phrase_reads_as_one_removal_and_one_addition():
    old = "He was ousted in a no-confidence vote in April."
    new = "He was removed from office last April."
    assert (
        _one(old, new)
        == "He was [-ousted in a no-confidence vote in-]{+removed from office last+} April."
    )


def test_a_change_slid_away_from_the_one_before_leaves_no_half_word_between():
    """Review R17's cases: "[-only enqueue revisio-]{+claim, representatio+}n" and
    "[-problem. Cach-]{+Th+}e"."""
    assert _one("the only enqueue revision it", "the claim, representation in it") == (
        "the [-only enqueue revision-]{+claim, representation in+} it"
    )
    assert _one("We fail. so, problem. Cache claims safe now", "We fail. so, The now") == (
        "We fail. so, [-problem. Cache claims safe-]{+The+} now"
    )


def test_a_word_both_sides_end_with_alike_is_left_out_of_the_change():
    """Trial G13: ", reworded," put in before "with" read as " with" replaced by
    ", reworded, with", the unchanged word marked removed."""
    old = "Opening paragraph with some words and 22.8 here."
    new = "Opening paragraph, reworded, with some words and 32.8 here."
    assert _one(old, new) == (
        "Opening paragraph{+, reworded,+} with some words and [-22.8-]{+32.8+} here."
    )


def test_changes_take_whole_words_and_numbers():
    assert _one("It is 22.8 years.", "It is 32.8 years.") == "It is [-22.8-]{+32.8+} years."
    assert _one("It rose 5 percent.", "It rose 5 per cent.") == "It rose 5 [-percent-]{+per cent+}."
    assert _one("The cat sat.", "The cats sat.") == "The [-cat-]{+cats+} sat."


def test_a_paragraph_removed_or_added_reads_whole_with_the_text_around_it():
    removed = _one("One.\n\nTwo gone.\n\nThree.", "One.\n\nThree.")
    added = _one("One.\n\nThree.", "One.\n\nTwo.\n\nThree.")
    assert removed == "One.[-\n\nTwo gone.-]\n\nThree."
    assert added == "One.{+\n\nTwo.+}\n\nThree."


def test_a_paragraph_added_or_removed_at_the_end_is_not_taken_for_the_rated_one():
    """Review R17: a correction appended at the end read as a change to the rated paragraph
    before it ("here{+.\n\nCorrection…+}."), and was listed first as beside the verdict."""
    text = "Intro.\n\nRated claim here."
    rated = (text.index("Rated"), len(text))
    added = "\n\nCorrection: an earlier version misstated the date."

    [appended] = text_changes(text, text + added, [rated])
    [removed] = text_changes(text + "\n\nLast one.", text, [rated])
    [framed] = text_changes(text, text.replace("Rated", "False: rated"), [rated])

    assert _read(appended) == f"Intro.\n\nRated claim here.{{+{added}+}}"
    assert not appended.near_verdict and not removed.near_verdict
    assert framed.near_verdict


def test_a_paragraph_put_right_before_the_rated_one_is_beside_its_verdict():
    """Trial G13: "Satire below." put as a paragraph of its own before the rated one frames
    it, and was listed with the rest; one put after it (a correction at the end) is not."""
    text = "Intro.\n\nRated claim here.\n\nOutro."
    rated = (text.index("Rated"), text.index("here.") + 5)
    framed = text.replace("Rated", "Satire below.\n\nRated")
    [before] = text_changes(text, framed, [rated])
    [dropped] = text_changes(text, text.replace("Intro.\n\n", ""), [rated])
    [after] = text_changes(text, text.replace("\n\nOutro", "\n\nA correction.\n\nOutro"), [rated])
    assert before.near_verdict and dropped.near_verdict and not after.near_verdict


def test_a_sentence_ending_the_paragraph_before_the_rated_one_is_beside_its_verdict():
    """Trial G17: "None of what follows is true." added at the end of the paragraph before
    the rated one frames it as surely as a paragraph of its own, and was not marked; the
    sentences before it in that paragraph lead nowhere and are not."""
    text = "Intro one. Intro two.\n\nRated claim here.\n\nOutro."
    rated = (text.index("Rated"), text.index("here.") + 5)
    ended = text.replace("Intro two.", "Intro two. None of what follows is true.")
    [appended] = text_changes(text, ended, [rated])
    [last] = text_changes(text, text.replace("Intro two.", "Intro 2."), [rated])
    [earlier] = text_changes(text, text.replace("Intro one.", "Intro 1."), [rated])
    [lone] = text_changes("Intro.\n\nRated.", "Intro, satire.\n\nRated.", [(8, 14)])
    assert appended.near_verdict and last.near_verdict and lone.near_verdict
    assert not earlier.near_verdict


def test_changes_beside_a_verdict_and_others_are_never_one_hunk():
    """Trial G13: a hunk beside a verdict carried the changes around it too, and 'only the 2
    beside a verdict' showed 4."""
    text = "One two. Six seven.\n\nRated three.\n\nFour five."
    rated = (text.index("Rated"), text.index("three.") + 6)
    new = text.replace("two", "2").replace("three", "3").replace("five", "5")
    hunks = text_changes(text, new, [rated])
    assert [(h.near_verdict, len(h.changes)) for h in hunks] == [(False, 1), (True, 1), (False, 1)]


def test_an_arabic_number_and_thai_words_change_as_written():
    """Trial G13: an Arabic decimal number changed only its whole part (U+066B, the Arabic
    decimal separator, was no separator), and a Thai sentence, written without spaces, read
    as replaced whole."""
    old, new = "العمر ٢٢\u066b٨ سنة", "العمر ٣٢\u066b٨ سنة"
    assert _one(old, new) == "العمر [-٢٢\u066b٨-]{+٣٢\u066b٨+} سنة"
    assert _one("ราคาสิบบาท", "ราคาสิบห้าบาท") == "ราคาสิบ{+ห้า+}บาท"


def test_words_in_scripts_without_spaces_or_with_marks_stay_whole():
    """Review R17: Devanagari's vowel signs split its words; every Han character counted as
    one word with its neighbours, marking a whole sentence for one digit."""
    assert _one("किताब पढ़ो", "कितना पढ़ो") == "[-किताब-]{+कितना+} पढ़ो"
    assert _one("東京都の人口は1400万人です", "東京都の人口は1300万人です") == (
        "東京都の人口は[-1400-]{+1300+}万人です"
    )


def test_a_text_replaced_whole_is_shown_by_its_ends_and_its_length():
    """Review R17: one change had no size limit, and a megabyte replaced whole was drawn in
    the workspace on every view."""
    old, new = "alpha " * 100_000, "omega " * 100_000
    [hunk] = text_changes(old.strip(), new.strip())
    shown = [part for part in hunk.parts if part[0] != "elided"]
    assert sum(len(words) for _op, words in shown) < 4_000
    elided = [words for op, words in hunk.parts if op == "elided"]
    assert len(elided) == 2 and all(words.endswith(" more characters") for words in elided)


def test_every_change_rebuilds_both_texts_and_no_change_cuts_a_word():
    """Review R17 found words cut where a change slid away from the one before it: over
    random edits, the changes must rebuild the new text and keep whole words at both ends."""
    import random

    from annotations.text_changes import (
        _changed_stretches,
        _slid_stretches,
        _splits_a_word,
        _whole_words,
    )

    words = ["the", "only", "claim", "enqueue", "revision", "in", "it", "a", "22.8"]
    words += ["per", "cent.", "so,", "problem", "Cache", "किताब", "東京都"]
    chance = random.Random(20261207)
    for _ in range(3000):
        old = " ".join(chance.choice(words) for _ in range(chance.randint(0, 12)))
        new = " ".join(chance.choice(words) for _ in range(chance.randint(0, 12)))
        changes = _whole_words(old, new, _slid_stretches(old, new, _changed_stretches(old, new)))
        rebuilt, at = [], 0
        for change in changes:
            rebuilt.append(old[at : change.old_start] + new[change.new_start : change.new_end])
            at = change.old_end
        assert "".join(rebuilt) + old[at:] == new, (old, new)
        for change in changes:
            for text, offset in ((old, change.old_start), (old, change.old_end)):
                assert not _splits_a_word(text, offset), (old, new, change)
            for text, offset in ((new, change.new_start), (new, change.new_end)):
                assert not _splits_a_word(text, offset), (old, new, change)


def test_the_words_around_a_change_are_cut_between_words():
    before = "Intro stays. " + "long words " * 30 + "with 22.8 years " + "and more words " * 30
    [hunk] = text_changes(before, before.replace("22.8", "32.8"))
    first, last = hunk.parts[0][1], hunk.parts[-1][1]
    assert first.startswith("… ") and first.endswith("with ") and "Intro" not in first
    assert last.startswith(" years and more") and last.endswith(" …")
    assert all(word.isalpha() or word == "…" for word in first.split())


def test_every_change_of_a_megabyte_is_found_quickly_and_the_one_by_a_verdict_is_marked():
    """G12's text: "percent" made "per cent" in each of 25,000 paragraphs, and "This is a
    lie:" put before a rated sentence in paragraph 900."""
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    paragraphs = [
        f"Paragraph {n}. {words[n % 10]} {words[(n * 7) % 10]} rose 5 percent."
        for n in range(25_000)
    ]
    old = "\n\n".join(paragraphs)
    new = old.replace("percent", "per cent").replace(
        "Paragraph 900. ", "Paragraph 900. This is a lie: "
    )
    rated = old.index("Paragraph 900.") + len("Paragraph 900. ")
    verdict = (rated, rated + len("alpha alpha rose 5"))

    hunks = text_changes(old, new, [verdict])  # bench/text_changes.py times it

    changed = [part[1] for hunk in hunks for part in hunk.parts if part[0] == "insert"]
    assert changed.count("per cent") == 25_000 and any(
        "This is a lie" in words for words in changed
    )
    [near] = [hunk for hunk in hunks if hunk.near_verdict]
    assert "This is a lie" in _read(near)
