"""Names that read as other names: letters of two alphabets that look alike ("True" typed with
a Cyrillic capital Te), for usernames and verdict labels that people tell apart by eye."""

# confusable_homoglyphs is imported inside the functions, not here: its tables cost every web
# and worker process about 18 MB and 55 ms at start-up, and only a few saves need them.


def mixes_scripts(name: str) -> bool:
    """Whether `name` mixes letters of different alphabets that look alike.

    Combining marks (Arabic tanween and harakat, a decomposed accent) belong to the letter
    they sit on, not to a script of their own: counted as one, they made "تماماً" a mix of
    Arabic and something else, and refused it.
    """
    import unicodedata

    from confusable_homoglyphs import confusables

    letters = "".join(c for c in name if unicodedata.category(c) not in ("Mn", "Me", "Mc"))
    return bool(confusables.is_dangerous(letters))


def read_as_latin(name: str) -> str:
    """`name` with each letter that has a Latin look-alike written as that Latin letter."""
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(name, greedy=True, preferred_aliases=["latin"]) or []
    look_alikes = {
        entry["character"]: entry["homoglyphs"][0]["c"] for entry in found if entry["homoglyphs"]
    }
    return "".join(look_alikes.get(character, character) for character in name)
