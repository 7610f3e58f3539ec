"""Names that read as other names: letters of two alphabets that look alike ("True" typed with
a Cyrillic capital Te), for usernames and verdict labels that people tell apart by eye."""

import itertools
import unicodedata

# confusable_homoglyphs is imported inside the functions, not here: its tables cost every web
# and worker process about 18 MB and 55 ms at start-up, and only a few saves need them.


def mixes_scripts(name: str, *, by_word: bool = False) -> bool:
    """Whether `name` (with `by_word`, a word of it) mixes letters of different alphabets
    that look alike.

    A label is weighed word by word: a bilingual one ("True / صحيح", "Vrai-Верно") is two
    words in two scripts, which readers tell apart, while "True" typed with a Cyrillic Te is
    one word that passes for another. A username is weighed whole: "ed." followed by "Tom"
    in Cyrillic letters reads as "ed.Tom".

    Marks of no script of their own (Arabic tanween, a decomposed accent: "inherited")
    belong to the letter they sit on: counted as a script, they made "تماماً" a mix of
    Arabic and something else, and refused it. Marks of a script (Malayalam's anusvara,
    which reads as "o") still count.
    """
    from confusable_homoglyphs import categories, confusables

    letters = "".join(c for c in name if categories.alias(c) != "INHERITED")
    words = _words(letters) if by_word else [letters]
    return any(confusables.is_dangerous(word) for word in words)


def _words(text: str) -> list[str]:
    """`text` cut at spaces, punctuation and symbols ("True / صحيح" is "True" and "صحيح").

    Not at a control, private-use or unassigned character: one put inside "True" typed with
    a Cyrillic Te would make that letter a word of its own, and let it pass (review R19).
    """
    runs = itertools.groupby(text, key=lambda c: unicodedata.category(c)[0] in "ZPS")
    return ["".join(run) for between, run in runs if not between]


def read_as_latin(name: str) -> str:
    """`name` with each letter that has a Latin look-alike written as that Latin letter."""
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(name, greedy=True, preferred_aliases=["latin"]) or []
    look_alikes = {
        entry["character"]: entry["homoglyphs"][0]["c"] for entry in found if entry["homoglyphs"]
    }
    return "".join(look_alikes.get(character, character) for character in name)
