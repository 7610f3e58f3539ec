"""Quantities in text: value, unit or counted noun, comparator, time frame; whether two agree."""

from __future__ import annotations

import functools
import importlib.metadata
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# A number as newsrooms write it: 160,000 / 160 000 (also with no-break spaces) / 22.8 /
# 160k / 0.16 million / $3.2bn / 12%. Group separators must split exact groups of three,
# so "in 2022 160 people" never reads as one number.
_GROUPED = r"\d{1,3}(?:(?:,|[ \u00a0\u202f])\d{3})+(?:\.\d+)?"
# A comma before one or two digits is a decimal comma ("22,8 ans", "3,75 €"): a thousands
# separator is always followed by three.
_DECIMAL_COMMA = r"\d+,\d{1,2}(?![\d,])"
_PLAIN = r"\d+(?:\.\d+)?|\.\d+"
# A number joined by a hyphen to a capital or to "Covid" names something ("COVID-19", "F-35",
# "G-20"): it counts nothing, and a passage naming the same thing does not agree with a
# claim by it. Lower-case words before a hyphen join real quantities ("1-in-5", "over-65s").
_NUMBER = re.compile(
    rf"(?<![\w.,])(?<![A-Z][-\u2010\u2011])(?<![oO][vV][iI][dD]-)(?P<currency>[$€£¥])?\s?(?P<number>{_GROUPED}|{_DECIMAL_COMMA}|{_PLAIN})"
    r"(?:(?P<suffix>[kKmM]|bn|BN)\b|\s?(?P<scale>thousand|million|billion|trillion|mn|bn)\b)?"
    r"(?P<percent>\s?%|\s(?:per\s?cent|percent)\b)?",
)
_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "bn": 1e9,
    "billion": 1e9,
    "trillion": 1e12,
}
_CURRENCIES = {"$": "dollar", "€": "euro", "£": "pound sterling", "¥": "yen"}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# Words before a number that bound or colour it; the longest phrase wins.
_COMPARATORS = {
    "over": "over",
    "more than": "over",
    "above": "over",
    "exceeding": "over",
    "upwards of": "over",
    "at least": "at least",
    "no fewer than": "at least",
    "no less than": "at least",
    "under": "under",
    "less than": "under",
    "fewer than": "under",
    "below": "under",
    "at most": "at most",
    "no more than": "at most",
    "up to": "at most",
    "about": "about",
    "around": "about",
    "roughly": "about",
    "approximately": "about",
    "nearly": "about",
    "almost": "about",
    "some": "about",
    "estimated": "about",
    "only": "only",
    "just": "only",
    "a mere": "only",
    "record": "record",
    "a record": "record",
    "exactly": "exactly",
}
_MAX_COMPARATOR_WORDS = 3

# Function words: never a counted noun, and not context for deciding "the same quantity".
_FUNCTION_WORDS = """
    a an the and or but of in on at to for from by with as is are was were be been being has
    have had do does did it its this that these those their his her our your my than then
    so such not no nor only just over under about around more most less least some any all each
    who whom which what when where why how into onto out up down off again once also very can
    could would should will may might must shall there here they them he she we you i me us him
    one two three four five six seven eight nine ten per while after before since until during
    against between through without within among"""
STOPWORDS = frozenset(_FUNCTION_WORDS.split())
# Units quantulum3 does not know, or reads the wrong way ("people" is not a unit to it).
_OWN_UNITS = {
    "yr": "year",
    "yrs": "year",
    "km": "kilometre",
    "kms": "kilometre",
    "mi": "mile",
    "kg": "kilogram",
    "percent": "percentage",
    "per cent": "percentage",
    "%": "percentage",
}
_YEARS = range(1800, 2101)
# Counted nouns too common to say on their own that two counts are of one thing.
GENERIC_NOUNS = frozenset({"people", "peopl", "time", "thing", "way", "case", "number", "total"})
# Words that put a value in the past: "the previous record", "an earlier estimate".
_EARLIER = frozenset({"previou", "prior", "earli", "earlier", "former", "old", "past", "last"})
# How a passage frames a number as an earlier value. An adjective from the first set before
# a noun from the second ("the previous record of 44,000", "last year 41,000") frames the
# number it leads to; a record noun makes it an earlier record, which is still compared
# with the claim's own earlier record ("breaking the prior record ... of only 44,000").
_EARLIER_ADJECTIVES = frozenset(
    {"previous", "prior", "earlier", "former", "old", "past", "last", "preceding"}
)
_RECORD_NOUNS = frozenset({"record", "high", "peak", "best", "maximum", "mark", "holder"})
_EARLIER_NOUNS_TEXT = """
    figure estimate count total level number tally year month week day session census
    survey edition time benchmark value rate season decade reading data"""
_EARLIER_NOUNS = _RECORD_NOUNS | frozenset(_EARLIER_NOUNS_TEXT.split())
# Verbs that, across a comma or "and", start a new statement about today's value:
# "Unlike the previous record holder, Khan's session drew 60,000".
_NEW_STATEMENT_VERBS_TEXT = """
    drew draws drawing attracted attracts attracting had has have got gets saw sees hit hits
    reached reaches reaching pulled topped beat beats beating broke breaks breaking shattered
    surpassed exceeded passed eclipsed smashed peaked counted logged recorded"""
_NEW_STATEMENT_VERBS = frozenset(_NEW_STATEMENT_VERBS_TEXT.split())
_CLAUSE_JOINS = frozenset({"and", "but", "while", "whereas", "when", "as", "which", "who"})
# "Khan beat the previous record with 60,000": the number is the new value.
_BEATING_VERBS_TEXT = """
    beat beats beating broke breaks breaking broken shattered shattering smashed smashing
    surpassed surpassing topped topping eclipsed eclipsing exceeded exceeding bettered"""
_BEATING_VERBS = frozenset(_BEATING_VERBS_TEXT.split())
# A change from a value: "up from 44,000", "compared with 41,000", "rose from 41,000 to".
_FROM_PHRASES = frozenset(
    {("up", "from"), ("down", "from"), ("compared", "with"), ("compared", "to"),
     ("as", "against")}
)  # fmt: skip
# A value named to be denied: "12 percent, not 40 percent", "rather than 40".
DENIED = "denied"
_DENYING_PHRASES = frozenset({("rather", "than"), ("instead", "of")})
_CHANGE_VERBS_TEXT = """
    rose rising risen grew growing grown increased increasing jumped jumping climbed
    climbing fell falling fallen dropped dropping declined declining decreased decreasing
    surged soared swelled doubled tripled went"""
_CHANGE_VERBS = frozenset(_CHANGE_VERBS_TEXT.split())
_EARLIER_ADVERBS = frozenset({"previously", "formerly", "earlier", "before", "ago"})
_PAST_COPULAS = frozenset({"was", "were", "been", "stood"})
# A year this close to a number, in the same sentence, dates it ("30,000 in 2021",
# "In 2021, 30,000 ...", "20.6 years (2020 estimate)").
_YEAR_AFTER_GAP = 25
_YEAR_BEFORE_GAP = 50
_FROM_TO = re.compile(r"\s*(?:[^\W\d_]+\s+)?to\s+[$€£¥]?\d")
_SENTENCE_BREAK = re.compile(r"[;!?\n]|\.(?!\d)")
# Two counts that differ more than this are different quantities, not a disagreement.
MAX_RATIO = 20
_CONTEXT_BEFORE = 6
_CONTEXT_AFTER = 4


@functools.cache
def _unit_lexicon() -> dict[str, str]:
    """quantulum3's unit names by lower-case surface form ("years" -> "year"), loaded once.

    Loading quantulum3's unit tables takes seconds, so the lexicon drawn from them is kept
    in a file in the temporary directory, per quantulum3 version. Its classifier is not
    used: its pickled model does not load with the installed scikit-learn, and a
    dictionary lookup is all a unit word needs here.
    """
    try:
        version = importlib.metadata.version("quantulum3")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - it is installed
        return {}
    cached = Path(tempfile.gettempdir()) / f"factcheck-quantulum3-{version}-units.json"
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    from quantulum3 import load

    units = load.units("en_US")
    lexicon = {}
    for surface, found in units.surfaces_lower.items():
        if found:
            lexicon[surface] = sorted(unit.name for unit in found)[0]
    for symbol, found in units.symbols.items():
        if found and len(symbol) > 1 and symbol.lower() not in lexicon:
            lexicon[symbol.lower()] = sorted(unit.name for unit in found)[0]
    try:
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(lexicon), encoding="utf-8")
        partial.replace(cached)  # atomic: a reader never sees half a file
    except OSError:
        pass
    return lexicon


def unit_name(word: str) -> str:
    """The canonical unit a word names ("years" -> "year", "kg" -> "kilogram"), or ""."""
    lowered = word.lower()
    if lowered in _OWN_UNITS:
        return _OWN_UNITS[lowered]
    if lowered in STOPWORDS or len(lowered) < 2:
        return ""
    name = _unit_lexicon().get(lowered, "")
    # Words quantulum3 lists as units that newsrooms mostly mean otherwise.
    if name in {"dimensionless", "count", "unit", "people", "person"}:
        return ""
    return name


def stem(word: str) -> str:
    """A crude stem that makes "listeners", "listener" and "listened" meet."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix, keep in (
        ("ies", 3),
        ("ers", 4),
        ("ing", 4),
        ("ed", 4),
        ("er", 4),
        ("es", 4),
        ("s", 3),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            word = word[: -len(suffix)]
            break
    if word == "person":
        return "people"
    return word


@dataclass
class Quantity:
    """One quantity stated in a text, located by code-point offsets."""

    text: str
    value: float
    start: int
    end: int
    unit: str = ""  # a canonical unit ("year", "dollar", "percentage"), if any
    noun: str = ""  # the counted noun's stem ("listen" for "listeners"), if no unit
    comparator: str = ""  # over, at least, under, at most, about, only, exactly, record
    record: bool = False  # called a record nearby
    is_year: bool = False  # a calendar year, not an amount
    # Framed as an earlier value: "record" (a previous record) or "other" ("up from",
    # "the previous estimate", "was ... before"); "" for a value stated as current.
    earlier: str = ""
    year: int = 0  # the calendar year stated next to it ("in 2021"), if any
    precision: float = 1.0  # the smallest step the way it is written can express
    context: frozenset[str] = field(default_factory=frozenset)

    def as_dict(self) -> dict:
        """A JSON-ready dict (the context as a sorted list)."""
        # By hand: dataclasses.asdict deep-copies, which showed in ranking profiles.
        return {
            "text": self.text,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "unit": self.unit,
            "noun": self.noun,
            "comparator": self.comparator,
            "record": self.record,
            "is_year": self.is_year,
            "earlier": self.earlier,
            "year": self.year,
            "precision": self.precision,
            "context": sorted(self.context),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Quantity:
        """The inverse of `as_dict`."""
        data = dict(data)
        data["context"] = frozenset(data.get("context", ()))
        data.pop("agreement", None)
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


def _number_value(raw: str) -> tuple[float, float]:
    """The value of "160,000" / "160 000" / "22.8" / "22,8", and the step its digits can
    express."""
    if re.fullmatch(_DECIMAL_COMMA, raw):
        raw = raw.replace(",", ".")
    digits = re.sub(r"[,\s\u00a0\u202f]", "", raw)
    value = float(digits)
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    if decimals:
        return value, 10.0**-decimals
    # Trailing zeros of a large round number are not precision: "160,000" may be rounded.
    if value < 1000:
        return value, 1.0
    stripped = digits.lstrip("0").rstrip("0") or "0"
    trailing = len(digits.lstrip("0")) - len(stripped)
    return value, 10.0 ** min(trailing, 3) if value else 1.0


def _words_before(text: str, start: int, limit: int) -> list[tuple[str, int]]:
    """Up to `limit` words (and their offsets) before `start`, nearest last, within a sentence."""
    window = text[max(0, start - 80) : start]
    cut = max(window.rfind("."), window.rfind(";"), window.rfind("\n"))
    # A decimal point is not the end of a sentence.
    if cut >= 0 and cut + 1 < len(window) and window[cut + 1].isdigit():
        cut = -1
    offset = max(0, start - 80) + cut + 1
    words = [(m.group(), offset + m.start()) for m in _WORD.finditer(text[offset:start])]
    return words[-limit:]


def _words_after(text: str, end: int, limit: int) -> list[tuple[str, int]]:
    """Up to `limit` words after `end`, stopping at the end of the clause."""
    window = text[end : end + 80]
    stop = re.search(r"[.;:!?\n()]|,\s", window)
    window = window[: stop.start()] if stop else window
    return [(m.group(), end + m.start()) for m in _WORD.finditer(window)][:limit]


def _comparator(before: list[tuple[str, int]]) -> str:
    lowered = [word.lower() for word, _ in before]
    for size in range(_MAX_COMPARATOR_WORDS, 0, -1):
        if len(lowered) >= size:
            phrase = " ".join(lowered[-size:])
            if phrase in _COMPARATORS:
                return _COMPARATORS[phrase]
    return ""


_WORD_OR_COMMA = re.compile(rf"{_WORD.pattern}|,")


def _lead_words(text: str, start: int, floor: int) -> list[str]:
    """The lower-case words (and commas) of the sentence before `start`, after `floor`."""
    window = text[max(floor, start - 100) : start]
    breaks = list(_SENTENCE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end() :]
    tokens = [token.lower() for token in _WORD_OR_COMMA.findall(window)][-14:]
    # "up from about 41,000", "the record, just 41,000": the comparator is not the frame.
    while tokens:
        if tokens[-1] == ",":
            tokens.pop()
            continue
        size = next(
            (
                n
                for n in range(_MAX_COMPARATOR_WORDS, 0, -1)
                if " ".join(tokens[-n:]) in _COMPARATORS
                and _COMPARATORS[" ".join(tokens[-n:])] != "record"
            ),
            0,
        )
        if not size:
            break
        del tokens[-size:]
    return tokens


def _clause_after(text: str, end: int, ceiling: int) -> tuple[list[str], str]:
    """The lower-case words after `end` up to the clause's end (or the next number)."""
    window = text[end : min(ceiling, end + 60)]
    stop = re.search(r"[.;:!?\n()]|,\s", window)
    window = window[: stop.start()] if stop else window
    return [word.lower() for word in _WORD.findall(window)][:6], text[end : end + 40]


def framing(text: str, start: int, end: int, *, floor: int = 0, ceiling: int = -1) -> str:
    """How `text` frames the number at [start, end): "record", "other" (earlier), "denied"
    ("not 40 percent") or "".

    "The previous record, 44,000" is an earlier record; "up from 41,000", "compared with
    41,000", "rose from 41,000 to", "last year 41,000", "was 41,000 before" are other earlier
    values. `floor` and `ceiling` are the ends of the neighbouring numbers: words beyond
    them frame those numbers instead.
    """
    ceiling = len(text) if ceiling < 0 else ceiling
    tokens = _lead_words(text, start, floor)
    lead = [word for word in tokens if word != ","]
    after, following = _clause_after(text, end, ceiling)
    if lead[-1:] in (["not"], ["never"]) or tuple(lead[-2:]) in _DENYING_PHRASES:
        return DENIED  # "rose 12 percent in 2024, not 40 percent"
    if tuple(lead[-2:]) in _FROM_PHRASES:
        return "other"
    if lead[-1:] == ["from"] and (_CHANGE_VERBS & set(lead[-4:-1]) or _FROM_TO.match(following)):
        return "other"  # "rose from 41,000", "from 41,000 to 160,000"
    if lead and lead[-1] in {"previously", "formerly", "earlier", "ago"}:
        return "other"  # "A year earlier, 41,000 ..."
    if {"previously", "formerly"} & set(lead[-4:]):
        return "other"  # "had previously drawn 41,000"
    if _EARLIER_ADVERBS & set(after) and _PAST_COPULAS & set(lead[-4:]):
        return "other"  # "the record was 41,000 before Khan's session"
    kind = _earlier_phrase(tokens)
    if kind:
        return kind
    # "41,000 listeners in the previous session", "30,000 a year earlier"
    for i, word in enumerate(after):
        if (
            word in _EARLIER_ADJECTIVES
            and {"in", "at", "during", "for", "of"} & set(after[:i])
            and any(_is_one_of(noun, _EARLIER_NOUNS) for noun in after[i + 1 : i + 3])
        ):
            return "other"
    if (
        len(after) >= 2
        and after[-1] in {"earlier", "ago"}
        and _is_one_of(after[-2], _EARLIER_NOUNS)
    ):
        return "other"  # "41,000 listeners two years ago"
    return ""


def _is_one_of(word: str, nouns: frozenset[str]) -> bool:
    """Whether `word` is one of `nouns`, or the plural of one ("estimates", "years")."""
    return word in nouns or (word.endswith("s") and word[:-1] in nouns)


def _earlier_phrase(tokens: list[str]) -> str:
    """The kind of earlier-value phrase the words (and commas) before a number end in."""
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i] in _EARLIER_ADJECTIVES:
            reach, wanted = 3, _EARLIER_NOUNS
        elif tokens[i] == "held":
            # "A Korean pop group held the Twitter Spaces record with 44,000": a past record.
            reach, wanted = 4, _RECORD_NOUNS
        else:
            continue
        # "a record-breaking session" holds no record.
        places = [
            j
            for j in range(i + 1, min(i + 1 + reach, len(tokens)))
            if _is_one_of(tokens[j], wanted)
            and tokens[j + 1 : j + 2] not in (["breaking"], ["setting"])
        ]
        if not places:
            continue
        nouns = [tokens[j] for j in places]
        between = tokens[places[0] + 1 :]
        words = set(between) - {","}
        # "Unlike the previous record, Khan's session drew 60,000": a new statement.
        if _NEW_STATEMENT_VERBS & words and ("," in between or _CLAUSE_JOINS & words):
            return ""
        # "Khan beat the previous record with 60,000": the number is the new value.
        if between[-1:] == ["with"] and _BEATING_VERBS & set(tokens[max(0, i - 3) : i]):
            return ""
        return "record" if any(_is_one_of(noun, _RECORD_NOUNS) for noun in nouns) else "other"
    return ""


def _tie_years(text: str, found: list[Quantity]) -> None:
    """Date each amount by a calendar year right next to it in the same sentence."""
    taken: set[int] = set()
    for i, year in enumerate(found):
        if not year.is_year:
            continue
        before = found[i - 1] if i > 0 else None
        after = found[i + 1] if i + 1 < len(found) else None
        if before is not None and not before.is_year and not before.year:
            gap = text[before.end : year.start]
            if len(gap) <= _YEAR_AFTER_GAP and not _SENTENCE_BREAK.search(gap):
                before.year = int(year.value)
                taken.add(i - 1)
                continue
        if after is not None and not after.is_year and i + 1 not in taken:
            gap = text[year.end : after.start]
            if len(gap) <= _YEAR_BEFORE_GAP and not _SENTENCE_BREAK.search(gap):
                after.year = int(year.value)
                taken.add(i + 1)


def parse(text: str) -> list[Quantity]:
    """Every quantity in `text`, in order, with its unit or counted noun, context and frame."""
    found = _parse_amounts(text)
    for i, quantity in enumerate(found):
        if quantity.is_year:
            continue
        floor = found[i - 1].end if i > 0 else 0
        ceiling = found[i + 1].start if i + 1 < len(found) else len(text)
        quantity.earlier = framing(text, quantity.start, quantity.end, floor=floor, ceiling=ceiling)
    _tie_years(text, found)
    return found


def _parse_amounts(text: str) -> list[Quantity]:
    found: list[Quantity] = []
    for match in _NUMBER.finditer(text):
        raw = match.group("number")
        try:
            value, precision = _number_value(raw)
        except ValueError:
            continue
        scale_word = (match.group("suffix") or match.group("scale") or "").lower()
        scale = _SCALES.get(scale_word, 1.0)
        value *= scale
        precision *= scale
        start, end = match.start("number"), match.end()
        if match.group("currency"):
            start = match.start("currency")
        unit = ""
        if match.group("percent"):
            unit = "percentage"
        elif match.group("currency"):
            unit = _CURRENCIES[match.group("currency")]
        # Strip only the match: stripping text[:end] copies the whole prefix for every number.
        end = start + len(text[start:end].rstrip())
        before = _words_before(text, start, _CONTEXT_BEFORE)
        after = _words_after(text, end, _CONTEXT_AFTER)
        noun = ""
        if not unit and after:
            # "22.8 years", "5 kg": a unit right after the number ends the quantity there.
            first, first_start = after[0]
            unit = unit_name(first)
            if unit:
                end = first_start + len(first)
                after = after[1:]
        content_after = [word for word, _ in after if word.lower() not in STOPWORDS]
        if not unit and content_after:
            # "44,000 simultaneous listeners": the counted noun is the last word of the
            # phrase right after the number (adjectives come first in English).
            phrase = []
            for word, _ in after:
                if word.lower() in STOPWORDS:
                    break
                phrase.append(word)
            noun = stem((phrase or content_after)[0 if len(phrase) < 2 else 1])
            if len(phrase) >= 2 and phrase[1].lower().endswith(("ed", "ing")):
                noun = stem(phrase[0])
        comparator = _comparator(before)
        nearby = {word.lower() for word, _ in before[-3:] + after[:3]}
        is_year = (
            not unit
            and not scale_word
            and "," not in raw
            and "." not in raw
            and value in _YEARS
            and len(raw) == 4
        )
        context = {
            stem(word)
            for word, _ in before + after
            if word.lower() not in STOPWORDS and not unit_name(word)
        }
        if noun:
            context.add(noun)
        found.append(
            Quantity(
                text=text[start:end],
                value=value,
                start=start,
                end=end,
                unit=unit,
                noun=noun,
                comparator=comparator,
                record="record" in nearby or comparator == "record",
                is_year=is_year,
                precision=precision,
                context=frozenset(context),
            )
        )
    return found


def same_quantity(a: Quantity, b: Quantity) -> bool:
    """Whether two quantities measure the same thing (by unit, counted noun and context)."""
    if a.is_year or b.is_year:
        return False
    if a.unit or b.unit:
        if a.unit != b.unit:
            return False
        # "22.8 years" of median age and "10 years" of rule share a unit, not a quantity.
        return bool((a.context & b.context) - {a.unit, b.unit})
    if not plausible_pair(a, b):
        return False
    shared = a.context & b.context
    if a.noun and b.noun:
        if a.noun in GENERIC_NOUNS and b.noun in GENERIC_NOUNS:
            # "160,000 people listened" and "220 million people" share only "people".
            return bool(shared - GENERIC_NOUNS)
        return a.noun == b.noun or a.noun in b.context or b.noun in a.context
    return bool(shared - GENERIC_NOUNS)


def plausible_pair(a: Quantity, b: Quantity) -> bool:
    """Whether two counts are close enough in size to be rival values for one quantity."""
    low, high = sorted((abs(a.value), abs(b.value)))
    return low > 0 and high / low <= MAX_RATIO


def values_agree(claimed: Quantity, stated: Quantity) -> bool:
    """Whether `stated` gives the value `claimed` states, given comparators and rounding."""
    a, b = claimed.value, stated.value
    slack = max(claimed.precision, stated.precision) / 2
    if stated.comparator == "about" or claimed.comparator == "about":
        slack = max(slack, 0.1 * max(abs(a), abs(b)))
    if math.isclose(a, b, rel_tol=1e-9) or abs(a - b) <= slack:
        return True
    if claimed.comparator in {"over", "at least"}:
        # "Over 160,000": a source's 162,000 agrees; a million is another story.
        return a <= b <= a * 1.25 + slack
    if claimed.comparator in {"under", "at most"}:
        return a * 0.75 - slack <= b <= a
    return False


AGREES = "agrees"
DISAGREES = "disagrees"
UNRELATED = "unrelated"


def same_value(a: Quantity, b: Quantity) -> bool:
    """Whether two quantities state one value, up to the rounding of how each is written."""
    slack = max(a.precision, b.precision) / 2
    if "about" in {a.comparator, b.comparator}:
        slack = max(slack, 0.1 * max(abs(a.value), abs(b.value)))
    return math.isclose(a.value, b.value, rel_tol=1e-9) or abs(a.value - b.value) <= slack


def compatible(a: Quantity, b: Quantity) -> bool:
    """Whether two amounts could count one kind of thing (unit and counted noun allow it).

    Looser than `same_quantity`: the words around them need not match. Small bare numbers
    ("3", "12") meet by chance too often, so below 100 the unit or noun must be the same.
    """
    if a.is_year or b.is_year:
        return False
    if (a.unit and b.noun) or (a.noun and b.unit) or (a.unit and b.unit and a.unit != b.unit):
        return False
    if (
        a.noun
        and b.noun
        and not (
            a.noun == b.noun
            or a.noun in GENERIC_NOUNS
            or b.noun in GENERIC_NOUNS
            or a.noun in b.context
            or b.noun in a.context
        )
    ):
        return False
    if min(abs(a.value), abs(b.value)) >= 100:
        return True
    return bool((a.unit and a.unit == b.unit) or (a.noun and a.noun == b.noun))


def comparable(claimed: Quantity, stated: Quantity) -> bool:
    """Whether a stated value may be weighed against a claimed one as a rival value.

    A value framed as earlier ("the previous record", "up from", "was ... before") is not
    today's value, on either side: an earlier record is weighed only against an earlier
    record, other earlier values against nothing. A value dated to a year ("in 2021") is
    weighed only against a claimed value of that year.
    """
    if stated.earlier or claimed.earlier:
        return stated.earlier == claimed.earlier == "record"  # never a denied value
    return not stated.year or stated.year == claimed.year


def agreement(claimed: list[Quantity], stated: Quantity) -> str:
    """How a stated quantity bears on the claim: agrees, disagrees or unrelated.

    A value equal to any value the claim states, for a compatible unit or noun, agrees,
    also as a record ("the previous record, 44,000"), unless the source gives it as what
    the quantity was before ("950 buses, down from 1,200") where the claim gives it as what
    it is, or names it to deny it ("12 percent, not 40 percent"), which disagrees.
    Otherwise it disagrees only with a claimed value it is `comparable` with and that
    measures the same quantity; a value framed as earlier or dated to another year is never
    counted as a disagreement.
    """
    equal = [q for q in claimed if same_value(q, stated) and compatible(q, stated)]
    if equal and any(DENIED in (q.earlier, stated.earlier) for q in equal):
        # A value one side names to deny it: the same on both sides agrees ("not 40
        # percent" twice), one side's denial of the other's statement disagrees.
        both = any(q.earlier == stated.earlier == DENIED for q in equal)
        return AGREES if both else DISAGREES
    if stated.earlier == DENIED:
        return UNRELATED
    if any(stated.earlier != "other" or quantity.earlier for quantity in equal):
        return AGREES
    same = [
        quantity
        for quantity in claimed
        if comparable(quantity, stated) and same_quantity(quantity, stated)
    ]
    if any(values_agree(quantity, stated) for quantity in same):
        return AGREES
    return DISAGREES if same else UNRELATED


def _closeness(claimed: Quantity, stated: Quantity) -> int:
    """Shared context words, less one when only one of the two is an earlier value."""
    shared = len(claimed.context & stated.context)
    if bool(claimed.context & _EARLIER) != bool(stated.context & _EARLIER):
        shared -= 1  # "the previous record, 41,000" is not today's count
    return max(0, shared)


def mark(claimed: list[Quantity], text: str) -> list[dict]:
    """The quantities in `text`, each as a dict with its `agreement` with the claim."""
    marked = []
    for quantity in parse(text):
        data = quantity.as_dict()
        data["agreement"] = agreement(claimed, quantity)
        # How many context words it shares with the claim's quantity: "120,000 listeners at
        # once" is nearer "160,000 people listened in at once" than "a record of 41,000".
        data["overlap"] = max(
            (_closeness(q, quantity) for q in claimed if same_quantity(q, quantity)),
            default=0,
        )
        marked.append(data)
    return marked


def overall(marked: list[dict]) -> str:
    """A passage's verdict on the claim's numbers: any disagreement wins, then agreement."""
    kinds = {item["agreement"] for item in marked}
    if DISAGREES in kinds:
        return DISAGREES
    return AGREES if AGREES in kinds else UNRELATED
