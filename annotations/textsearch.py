"""Searches as readers type them: ' ‘ ’ find one another, and so do " “ ” (in Python and SQL);
the public search also finds "São Paulo" typed "Sao Paulo".

Articles are typeset with curly quotes and keyboards type straight ones (phones the other
way round), so every search straightens the quotes of both the words typed and the text
searched before comparing them. On PostgreSQL the SQL is `translate()`, which is immutable
and so may stand in an expression index; elsewhere it is a chain of `replace()`.
"""

import re
import unicodedata

from django.db.models import F, Func, Q, QuerySet, TextField

SINGLE_QUOTES = "\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f"
_CURLY = SINGLE_QUOTES + DOUBLE_QUOTES
_STRAIGHT = "'" * len(SINGLE_QUOTES) + '"' * len(DOUBLE_QUOTES)
_TABLE = str.maketrans(_CURLY, _STRAIGHT)


def fold_quotes(text: str) -> str:
    """Return `text` with every curly quote made straight (single ones ', double ones "),
    its letters composed as the stored text's are (NFC): "é" typed as "e" and an accent,
    as a Mac may send it, finds the "é" of the text."""
    return unicodedata.normalize("NFC", text).translate(_TABLE)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fold_quotes_sql(sql: str, vendor: str) -> str:
    """Return the SQL of `fold_quotes` applied to the text expression `sql` on `vendor`."""
    if vendor == "postgresql":
        return f"translate({sql}, {_literal(_CURLY)}, {_literal(_STRAIGHT)})"
    for curly, straight in zip(_CURLY, _STRAIGHT, strict=True):
        sql = f"replace({sql}, {_literal(curly)}, {_literal(straight)})"
    return sql


class FoldQuotes(Func):
    """A text expression with its curly quotes made straight (`fold_quotes` in SQL)."""

    arity = 1
    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return fold_quotes_sql(sql, connection.vendor), params


def _alias(field: str) -> str:
    return f"{field.replace('__', '_')}_quotes_folded"


def containing(queryset: QuerySet, text: str, *fields: str) -> QuerySet:
    """The rows of `queryset` where one of `fields` contains `text`, in any case and quote style."""
    folded = fold_quotes(text)
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{_alias(field)}__icontains": folded})
    return queryset.alias(**{_alias(field): FoldQuotes(F(field)) for field in fields}).filter(
        condition
    )


# The marks a reader leaves out when typing a search: accents of the Latin, Greek and
# Cyrillic alphabets ("é", "ñ", Vietnamese tones) and Arabic's optional vowel signs. Not the
# vowel signs of Indic scripts or Thai, which are letters of their words.
_OPTIONAL_MARKS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u064b-\u065f\u0670]"
)


# Letters with a stroke or a ligature, which no decomposition takes apart: typed on a
# keyboard without them as these ("Da Nang" for "Đà Nẵng", "Lodz" for "Łódź").
_UNDECOMPOSED = str.maketrans(
    {"đ": "d", "ð": "d", "ł": "l", "ø": "o", "ħ": "h", "ŧ": "t", "\u0131": "i", "æ": "ae",
     "œ": "oe", "þ": "th"}
)  # fmt: skip


def fold_for_search(text: str) -> str:
    """`text` as the public search compares it: compatibility forms plain ("ﬁ", "²"),
    accents dropped ("São" as "sao"), case folded ("ß" as "ss"), quotes straight.

    Published versions store their searched words folded so (`search_text`), and the
    words typed are folded the same way before they are looked for.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    bare = unicodedata.normalize("NFC", _OPTIONAL_MARKS.sub("", decomposed))
    return bare.casefold().translate(_TABLE).translate(_UNDECOMPOSED)


# Words searched for at once, at most (the API refuses more; a page looks for the first).
MAX_WORDS = 10
# Quotes and punctuation around a searched word are not part of it.
_AROUND_WORDS = "\"'“”‘’.,;:!?()[]"


def searched_words(words: list[str]) -> list[str]:
    """The words typed, without the quotes and punctuation around them ('"Sao' is Sao)."""
    return [bare for word in words if (bare := word.strip(_AROUND_WORDS))]
