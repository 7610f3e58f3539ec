"""The question put to evidence providers, built from a claim: wording, terms, quantities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from annotations.evidence import numbers

_WORD = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?")
# Words that carry no topic even when they are not function words.
_WEAK_WORDS = """
    said says say according claim claims claimed people time times year years new first last
    former current recent recently earlier later prior previous whole world since yet still
    even though already never ever now today week month"""
_WEAK = frozenset(_WEAK_WORDS.split())


@dataclass
class Query:
    """What to look for: the claim's wording, key terms, quantities and claimant."""

    text: str
    exact: str = ""
    claimant: str = ""
    language: str = "en"
    terms: list[str] = field(default_factory=list)
    quantities: list[dict] = field(default_factory=list)
    # Topic words from around the claim (the article's title): they narrow a search
    # engine's query ("listened" alone finds nothing useful) but do not rank passages.
    context: list[str] = field(default_factory=list)
    # The year the article was published: the claim's current values are of that year, so
    # a source's figure "in 2021" is weighed against them only if the article is of 2021.
    year: int = 0

    @property
    def claimed(self) -> list[numbers.Quantity]:
        """The claim's quantities as `numbers.Quantity` objects, dated by the article's year."""
        claimed = [numbers.Quantity.from_dict(item) for item in self.quantities]
        for quantity in claimed:
            if not quantity.year and not quantity.earlier:
                quantity.year = self.year
        return claimed

    @property
    def stems(self) -> set[str]:
        """The key terms' stems, for matching words in passages."""
        return {numbers.stem(term) for term in self.terms}

    def search_text(self, *, max_terms: int = 8) -> str:
        """A short keyword query for search engines: the claim's key terms, then context."""
        ranked = sorted(self.terms, key=lambda term: (not term[:1].isupper(), -len(term)))
        chosen = [term for term in self.terms if term in set(ranked[:max_terms])]
        known = {numbers.stem(term.lower()) for term in chosen}
        for term in self.context:
            if len(chosen) >= max_terms:
                break
            if numbers.stem(term.lower()) not in known:
                chosen.append(term)
                known.add(numbers.stem(term.lower()))
        return " ".join(chosen)

    def as_dict(self) -> dict:
        """A JSON-ready dict, stored on the EvidenceRequest."""
        return {
            "text": self.text,
            "exact": self.exact,
            "claimant": self.claimant,
            "language": self.language,
            "terms": self.terms,
            "quantities": self.quantities,
            "context": self.context,
            "year": self.year,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Query:
        """The inverse of `as_dict`."""
        return cls(
            text=data.get("text", ""),
            exact=data.get("exact", ""),
            claimant=data.get("claimant", ""),
            language=data.get("language", "en"),
            terms=list(data.get("terms", [])),
            quantities=list(data.get("quantities", [])),
            context=list(data.get("context", [])),
            year=int(data.get("year") or 0),
        )


def key_terms(text: str) -> list[str]:
    """The topical words of a text in order of first appearance, one per stem."""
    seen: set[str] = set()
    terms = []
    for match in _WORD.finditer(text):
        word = match.group().replace("’", "'")
        lowered = word.lower()
        if lowered in numbers.STOPWORDS or lowered in _WEAK or word.isdigit() or len(word) < 3:
            continue
        key = numbers.stem(lowered)
        if key in seen:
            continue
        seen.add(key)
        terms.append(word)
    return terms


def build(
    *,
    text: str,
    exact: str = "",
    claimant: str = "",
    language: str = "en",
    context: str = "",
    year: int = 0,
    lead: str = "",
) -> Query:
    """A query from a claim's parts; quantities come from the wording and the exact words.

    `year` is the year the claim was made (its article's), 0 when unknown. `lead` is the
    article's words just before the exact ones: "…breaking the prior record … of only
    44,000" frames the claimed 44,000 as an earlier record even when the selection starts
    at "of only".
    """
    wording = " ".join(text.split())
    exact = " ".join(exact.split())
    in_article = _quantities_after(" ".join(lead.split()), exact) if exact else []
    if exact and exact == wording:
        quantities = in_article
    else:
        quantities = numbers.parse(wording)
        known = {(q.value, q.unit) for q in quantities}
        quantities += [q for q in in_article if (q.value, q.unit) not in known]
    terms = key_terms(wording if wording else exact)
    for term in key_terms(claimant):
        if numbers.stem(term.lower()) not in {numbers.stem(t.lower()) for t in terms}:
            terms.append(term)
    return Query(
        text=wording or exact,
        exact=exact,
        claimant=claimant.strip(),
        language=(language or "en")[:2],
        terms=terms,
        quantities=[q.as_dict() for q in quantities if not q.is_year],
        context=key_terms(context)[:8],
        year=year,
    )


def _quantities_after(lead: str, exact: str) -> list[numbers.Quantity]:
    """The quantities of `exact`, read with `lead` before it for their framing."""
    if not lead:
        return numbers.parse(exact)
    shift = len(lead) + 1
    return [
        replace(quantity, start=quantity.start - shift, end=quantity.end - shift)
        for quantity in numbers.parse(f"{lead} {exact}")
        if quantity.start >= shift
    ]


# How far back in its paragraph the words before a claim are read for its numbers' framing.
LEAD_CHARS = 120


def for_claim(claim) -> Query:
    """The query for a Claim row."""
    lead = ""
    if claim.anchor_state == claim.AnchorState.ANCHORED and claim.start:
        before = claim.article.text[max(0, claim.start - LEAD_CHARS) : claim.start]
        lead = before.rsplit("\n\n", 1)[-1]  # within its paragraph
    return build(
        text=claim.claim_reviewed or claim.exact,
        exact=claim.exact,
        claimant=claim.claimant,
        language=getattr(claim.article, "language", "") or "en",
        context=claim.article.title,
        year=published.year if (published := claim.article.published_on) else 0,
        lead=lead,
    )
