"""Names that read as other names: letters of two alphabets that look alike ("True" typed with
a Cyrillic capital Te), for usernames and verdict labels that people tell apart by eye."""

# confusable_homoglyphs is imported inside the functions, not here: its tables cost every web
# and worker process about 18 MB and 55 ms at start-up, and only a few saves need them.


def mixes_scripts(name: str) -> bool:
    """Whether `name` mixes letters of different alphabets that look alike.

    Marks of no script of their own (Arabic tanween, a decomposed accent: "inherited")
    belong to the letter they sit on: counted as a script, they made "تماماً" a mix of
    Arabic and something else, and refused it. Marks of a script (Malayalam's anusvara,
    which reads as "o") still count.
    """
    from confusable_homoglyphs import categories, confusables

    letters = "".join(c for c in name if categories.alias(c) != "INHERITED")
    return bool(confusables.is_dangerous(letters))


def read_as_latin(name: str) -> str:
    """`name` with each letter that has a Latin look-alike written as that Latin letter."""
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(name, greedy=True, preferred_aliases=["latin"]) or []
    look_alikes = {
        entry["character"]: entry["homoglyphs"][0]["c"] for entry in found if entry["homoglyphs"]
    }
    return "".join(look_alikes.get(character, character) for character in name)
