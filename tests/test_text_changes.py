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


def test_changes_take_whole_words_and_numbers():
    assert _one("It is 22.8 years.", "It is 32.8 years.") == "It is [-22.8-]{+32.8+} years."
    assert _one("It rose 5 percent.", "It rose 5 per cent.") == "It rose 5 [-percent-]{+per cent+}."
    assert _one("The cat sat.", "The cats sat.") == "The [-cat-]{+cats+} sat."


def test_a_paragraph_removed_or_added_reads_whole_with_the_text_around_it():
    assert (
        _one("One.\n\nTwo gone.\n\nThree.", "One.\n\nThree.") == "One.\n\n[-Two gone.\n\n-]Three."
    )
    assert _one("One.\n\nThree.", "One.\n\nTwo.\n\nThree.") == "One.\n\n{+Two.\n\n+}Three."


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
