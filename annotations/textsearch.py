"""Searches as readers type them: ' ‘ ’ find one another, and so do " “ ” (in Python and SQL).

Articles are typeset with curly quotes and keyboards type straight ones (phones the other
way round), so every search straightens the quotes of both the words typed and the text
searched before comparing them. On PostgreSQL the SQL is `translate()`, which is immutable
and so may stand in an expression index; elsewhere it is a chain of `replace()`.
"""

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
