"""Benchmark re-anchoring 1,000 claims in a ~1 MB article after scattered edits.

Run with `.venv/bin/python bench/anchoring.py`. The article is the sample article followed by
generated news-like prose (varied words and figures, some stock phrases); 1,000 claims are
spans of 20-120 characters on word boundaries. Then 300 edits outside the claims (sentences and
paragraphs inserted, stretches deleted, typos) and 160 inside them (typos and respacing, which
must be followed; deletions, changed digits and rewording, which must orphan the claim) are
applied while the true new span of every claim is tracked. Everything comes from a fixed seed.

A second scenario repeats sections through the article (boilerplate, a standard paragraph):
about half of the text is copies, the claims in it have identical copies elsewhere, and 300
edits touch the words right before or after claims without touching the claims themselves.
There, a claim anchored on another copy, or a deleted claim anchored on a copy of itself, is a
false anchor.

In each scenario the same claims are re-anchored three ways, measured in the same run: ours
(mapped through the diff from the old text, the quote searched for only where a claim's own
words changed), our quote search alone (what ran before the diff: no old text), and
diff-match-patch's `match_main`, the way the Hypothesis client used it before it moved to
approx-string-match; if that baseline exceeds its time budget it is stopped and its figures
are extrapolated, as printed.
"""

import argparse
import bisect
import random
import re
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

from diff_match_patch import diff_match_patch
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.anchoring import Anchorer, describe  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "anchoring" / "imran-khan-twitter-spaces.txt"
SEED = 20220420
ARTICLE_SIZE = 1_000_000
CLAIM_COUNT = 1_000
SCATTERED_EDITS = 300
TYPOS_IN_CLAIMS = 60
SPACING_CHANGES_IN_CLAIMS = 20
DELETED_CLAIMS = 30
NUMBER_CHANGES_IN_CLAIMS = 30
REWORDED_CLAIMS = 20
CONTEXT_EDITS = 300
SECTION_TEMPLATES = 60
REPEATED_SHARE = 0.5
DMP_SLICE = 32
# With Match_Threshold 0.5 an exact slice is found up to Match_Distance / 2 characters from
# where it was; the library default of 1,000 would lose every claim that moved further, so the
# baseline gets a reach that covers this benchmark's shifts (and is faster for it, since an
# exact match found early narrows the bitap search).
MATCH_DISTANCE = 100_000
MIN_VERIFIED_SIMILARITY = 0.85

ROLES = [
    "ministry", "spokesperson", "central bank", "officials", "committee", "auditors",
    "opposition leader", "researchers", "governor", "health authorities", "commission",
    "farmers' union", "finance minister", "analysts", "port authority", "newspaper", "agency",
    "panel", "statistics bureau", "teachers' association", "mayor", "trade body", "court",
    "police chief", "election observers", "think tank", "power regulator", "water board",
    "chamber of commerce", "customs service", "planning division", "hospital directors",
]  # fmt: skip
QUALIFIERS = [
    "provincial", "federal", "local", "independent", "senior", "former", "regional", "acting",
    "interim", "district", "national", "municipal", "caretaker", "visiting", "chief",
]  # fmt: skip
VERBS = [
    "reported", "estimated", "announced", "denied", "confirmed", "claimed", "projected",
    "disclosed", "recorded", "promised", "warned of", "counted", "approved", "rejected",
    "questioned", "forecast", "published", "cited", "disputed", "revised", "audited", "tallied",
]  # fmt: skip
NOUNS = [
    "hospital beds", "registered voters", "tonnes of wheat", "kilometres of road", "schools",
    "cases of dengue", "daily flights", "megawatts", "housing units", "graduates", "officers",
    "litres of diesel", "small businesses", "water connections", "university places", "visas",
    "tractors", "bus routes", "solar panels", "vaccination doses", "court cases", "tax returns",
    "mobile subscribers", "textile exports", "bridges", "irrigation canals", "clinics", "jobs",
    "flood shelters", "rail wagons", "bank accounts", "teachers", "patients", "loans",
]  # fmt: skip
ADJECTIVES = [
    "new", "additional", "unpaid", "pending", "rural", "urban", "private", "public", "damaged",
    "unregistered", "licensed", "temporary", "permanent", "overdue", "subsidised", "imported",
]  # fmt: skip
PREPOSITIONS = ["in", "across", "near", "around", "outside", "north of", "south of", "along"]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
STOCK_PHRASES = [
    "according to figures seen by reporters", "although the numbers were disputed",
    "citing preliminary data", "a claim critics called exaggerated", "without giving details",
    "in a statement on Tuesday", "in a televised address", "as protests continued",
]  # fmt: skip
SYLLABLES = [
    "ka", "ran", "mi", "sho", "tel", "va", "dor", "bi", "zan", "qu", "el", "ruf", "na", "pur",
    "gar", "lo", "hi", "sar", "wa", "tan", "kot", "ab", "di", "me", "jal", "zai", "ro", "bad",
]  # fmt: skip


def number(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        return f"{rng.randint(2, 999)}"
    if kind < 0.7:
        return f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}"
    if kind < 0.9:
        return f"{rng.randint(1, 99)}.{rng.randint(0, 9)}"
    return f"{rng.randint(1, 99)}.{rng.randint(0, 99):02d} per cent"


def name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def subject(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return f"{rng.choice(['Mr', 'Ms', 'Dr', 'Justice', 'Senator'])} {name(rng)}"
    qualifier = rng.choice(QUALIFIERS) + " " if rng.random() < 0.6 else ""
    return f"The {qualifier}{rng.choice(ROLES)}"


def when(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:
        return f"in {rng.choice(MONTHS)} {rng.randint(1995, 2024)}"
    if kind < 0.5:
        return f"since {rng.randint(1990, 2023)}"
    if kind < 0.7:
        return f"over the past {rng.randint(2, 30)} {rng.choice(['weeks', 'months', 'years'])}"
    if kind < 0.85:
        return f"on {rng.randint(1, 28)} {rng.choice(MONTHS)}"
    return rng.choice(["last year", "this month", "before the budget", "after the elections"])


def sentence(rng: random.Random) -> str:
    """A news-like sentence: varied words and figures, with the odd stock phrase."""
    adjective = rng.choice(ADJECTIVES) + " " if rng.random() < 0.5 else ""
    parts = [subject(rng), rng.choice(VERBS), f"{number(rng)} {adjective}{rng.choice(NOUNS)}"]
    parts.append(f"{rng.choice(PREPOSITIONS)} {name(rng)}")
    parts.append(when(rng))
    if rng.random() < 0.3:
        parts.append(f"compared with {number(rng)} {when(rng)}")
    text = " ".join(parts)
    if rng.random() < 0.15:
        text += ", " + rng.choice(STOCK_PHRASES)
    if rng.random() < 0.1:
        text += f" (file {name(rng)}-{rng.randint(100, 9999)})"
    return text + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 8)))


def build_article(rng: random.Random) -> str:
    paragraphs = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    size = sum(len(p) + 2 for p in paragraphs)
    while size < ARTICLE_SIZE:
        paragraphs.append(paragraph(rng))
        size += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


def build_repetitive_article(rng: random.Random) -> str:
    """About half new prose, half copies of a few dozen two-paragraph sections."""
    sections = [paragraph(rng) + "\n\n" + paragraph(rng) for _ in range(SECTION_TEMPLATES)]
    paragraphs = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    size = sum(len(p) + 2 for p in paragraphs)
    while size < ARTICLE_SIZE:
        paragraphs.append(rng.choice(sections) if rng.random() < REPEATED_SHARE else paragraph(rng))
        size += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


@dataclass(eq=False)
class Claim:
    start: int
    end: int
    selectors: list = field(default_factory=list)
    should_orphan: bool = False
    edit: str = "untouched"
    # Where the claim's quote still stands with the same 32 characters on both sides, which
    # the text cannot tell apart from the claim itself: anchoring there is no false anchor.
    identical_passages: set = field(default_factory=set)

    @property
    def expected(self):
        return None if self.should_orphan else (self.start, self.end)


# Word boundaries that do not split a number such as 11.73 or 160,000.
WORD_START = re.compile(r"(?<![\w'’])(?<!\d[.,])\w")
WORD_END = re.compile(r"\w(?![\w'’])(?![.,]\d)")


def pick_claims(text: str, rng: random.Random) -> list[Claim]:
    """Non-overlapping spans of 20-120 characters that start and end on word boundaries."""
    taken: list[tuple[int, int]] = []
    while len(taken) < CLAIM_COUNT:
        start_match = WORD_START.search(text, rng.randrange(len(text) - 200))
        if start_match is None:
            continue
        start = start_match.start()
        end_match = WORD_END.search(text, start + rng.randint(20, 120) - 1)
        if end_match is None or "\n" in text[start : end_match.end()]:
            continue
        end = end_match.end()
        if not 20 <= end - start <= 120:
            continue
        at = bisect.bisect_left(taken, (start, end))
        clear_before = at == 0 or taken[at - 1][1] < start
        clear_after = at == len(taken) or end < taken[at][0]
        if clear_before and clear_after:
            taken.insert(at, (start, end))
    return [Claim(start, end, describe(text, start, end)) for start, end in taken]


class Editor:
    """Applies edits to the text while keeping every claim's ground truth up to date."""

    def __init__(self, text: str, claims: list[Claim], rng: random.Random):
        self.text = text
        self.claims = claims
        self.rng = rng

    def replace(self, start: int, end: int, replacement: str, claim: Claim | None = None):
        self.text = self.text[:start] + replacement + self.text[end:]
        delta = len(replacement) - (end - start)
        for other in self.claims:
            if other is claim:
                other.end += delta
            elif other.start >= end:
                other.start += delta
                other.end += delta

    def touches_a_claim(self, start: int, end: int, besides: Claim | None = None) -> bool:
        return any(
            c.start <= end and start <= c.end
            for c in self.claims
            if c.edit != "deleted" and c is not besides
        )

    def context_edit(self, claim: Claim):
        """Insert, delete or replace a few characters within 24 of the claim, outside it."""
        rng = self.rng
        for _ in range(20):
            length = rng.randint(0, 8)
            if rng.random() < 0.5:
                end = claim.start - rng.randint(0, 24)
                span = (max(0, end - length), max(0, end))
            else:
                start = claim.end + rng.randint(0, 24)
                span = (start, min(len(self.text), start + length))
            if span[0] < claim.end and claim.start < span[1]:
                continue
            if self.touches_a_claim(*span, besides=claim):
                continue
            replacement = rng.choice(["", " new", ",", " (updated)", " reportedly", "; ", "-"])
            if span[0] == span[1] and not replacement:
                replacement = " also"
            self.replace(*span, replacement)
            if claim.edit == "untouched":
                claim.edit = "context edited"
            return

    def scattered_edit(self):
        rng, text = self.rng, self.text
        while True:
            at = rng.randrange(len(text) - 300)
            kind = rng.random()
            if kind < 0.4:
                at = text.rfind(" ", 0, at) + 1
                span, replacement = (at, at), sentence(rng) + " "
            elif kind < 0.5:
                at = text.find("\n\n", at)
                if at == -1:
                    continue
                span, replacement = (at, at), "\n\n" + paragraph(rng)
            elif kind < 0.85:
                span, replacement = (at, at + rng.randint(5, 200)), ""
            else:
                if not text[at].isalpha():
                    continue
                span, replacement = (at, at + 1), rng.choice("aeioustnr")
            if not self.touches_a_claim(*span):
                self.replace(*span, replacement)
                return

    def letters_inside(self, claim: Claim) -> list[int]:
        return [
            i
            for i in range(claim.start + 2, claim.end - 3)
            if self.text[i].isalpha() and self.text[i + 1].isalpha()
        ]

    def typo(self, claim: Claim):
        rng = self.rng
        at = rng.choice(self.letters_inside(claim))
        kind = rng.randrange(4)
        if kind == 0:
            other = rng.choice([c for c in "aeioustnrl" if c != self.text[at]])
            self.replace(at, at + 1, other, claim)
        elif kind == 1:
            self.replace(at, at + 1, "", claim)
        elif kind == 2:
            self.replace(at, at, rng.choice("aeioustnrl"), claim)
        else:
            self.replace(at, at + 2, self.text[at + 1] + self.text[at], claim)
        claim.edit = "typo inside"

    def spacing_change(self, claim: Claim):
        spaces = [i for i in range(claim.start + 1, claim.end - 1) if self.text[i] == " "]
        at = self.rng.choice(spaces)
        self.replace(at, at + 1, self.rng.choice(["\u00a0", "  ", "\n"]), claim)
        claim.edit = "spacing inside"

    def number_change(self, claim: Claim):
        digits = [i for i in range(claim.start, claim.end) if self.text[i].isdigit()]
        at = self.rng.choice(digits)
        other = self.rng.choice([d for d in "0123456789" if d != self.text[at]])
        self.replace(at, at + 1, other, claim)
        claim.should_orphan, claim.edit = True, "number changed"

    def deletion(self, claim: Claim):
        self.replace(claim.start, claim.end, "", claim)
        claim.should_orphan, claim.edit = True, "deleted"

    def rewording(self, claim: Claim):
        words = sentence(self.rng)[: claim.end - claim.start].rstrip(" .,")
        self.replace(claim.start, claim.end, words, claim)
        claim.should_orphan, claim.edit = True, "reworded"


def edit_article(text: str, claims: list[Claim], rng: random.Random, context_edits: int = 0) -> str:
    editor = Editor(text, claims, rng)
    targets = rng.sample(claims, len(claims))
    with_digits = [c for c in targets if any(ch.isdigit() for ch in text[c.start : c.end])]
    number_targets = with_digits[:NUMBER_CHANGES_IN_CLAIMS]
    plan = [("number", c) for c in number_targets]
    rest = [c for c in targets if c not in number_targets and " " in text[c.start + 1 : c.end - 1]]
    for kind, count in (
        ("typo", TYPOS_IN_CLAIMS),
        ("spacing", SPACING_CHANGES_IN_CLAIMS),
        ("deletion", DELETED_CLAIMS),
        ("rewording", REWORDED_CLAIMS),
    ):
        plan += [(kind, rest.pop()) for _ in range(count)]
    plan += [("scattered", None)] * SCATTERED_EDITS
    plan += [("context", c) for c in rng.sample(targets, context_edits)]
    rng.shuffle(plan)
    actions = {
        "number": editor.number_change,
        "typo": editor.typo,
        "spacing": editor.spacing_change,
        "deletion": editor.deletion,
        "rewording": editor.rewording,
        "context": editor.context_edit,
    }
    for kind, claim in plan:
        if kind == "scattered":
            editor.scattered_edit()
        else:
            actions[kind](claim)
    for claim in claims:
        if claim.should_orphan:
            claim.identical_passages = identical_passages(editor.text, claim.selectors[0])
    return editor.text


def identical_passages(text: str, quote: dict) -> set:
    """Spans holding the quote between the same prefix and suffix, whatever the spacing."""
    prefix, suffix = squeeze(quote["prefix"]), squeeze(quote["suffix"])
    spans = set()
    at = text.find(quote["exact"])
    while at != -1:
        end = at + len(quote["exact"])
        before, after = squeeze(text[max(0, at - 64) : at]), squeeze(text[end : end + 64])
        if before.endswith(prefix) and after.startswith(suffix):
            spans.add((at, end))
        at = text.find(quote["exact"], at + 1)
    return spans


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def reanchor_ours(text: str, claims: list[Claim], old_text: str | None):
    """Re-anchor every claim; through the diff from `old_text`, or by quote search alone."""
    started = time.perf_counter()
    anchorer = Anchorer(text)
    # Built up front so that their costs are reported on their own.
    _ = anchorer.view
    built = time.perf_counter()
    if old_text is not None:
        anchorer.diff_from(old_text)
    diffed = time.perf_counter()
    spans, durations = [None] * len(claims), []
    # In document order, as the service re-anchors an article's claims.
    for index in sorted(range(len(claims)), key=lambda i: claims[i].selectors[1]["start"]):
        before = time.perf_counter()
        spans[index] = anchorer.resolve(claims[index].selectors, old_text=old_text).span
        durations.append(time.perf_counter() - before)
    return Run(spans, durations, built - started, diffed - built, time.perf_counter() - started)


@dataclass
class Run:
    spans: list
    durations: list
    normalising: float
    diffing: float
    total: float


def reanchor_with_diff_match_patch(text: str, claim: Claim):
    """Find the quote with match_main near its old place, as the Hypothesis client once did.

    The prefix locates the quote first; the quote is then matched in slices of 32 characters
    (bitap's word size in JavaScript), each near where the previous one ended. The span found
    is accepted if it is at least 85% similar to the quote.
    """
    quote, position = claim.selectors
    exact, prefix = quote["exact"], quote["prefix"]
    start, end = position["start"], position["end"]
    if text[start:end] == exact:
        return start, end
    dmp = diff_match_patch()
    dmp.Match_Distance = MATCH_DISTANCE
    dmp.Match_Threshold = 0.5
    location = start
    if prefix:
        found = dmp.match_main(text, prefix[-DMP_SLICE:], start - len(prefix[-DMP_SLICE:]))
        if found != -1:
            location = found + len(prefix[-DMP_SLICE:])
    match_start = match_end = None
    for offset in range(0, len(exact), DMP_SLICE):
        piece = exact[offset : offset + DMP_SLICE]
        found = dmp.match_main(text, piece, location)
        if found == -1:
            return None
        if match_start is None:
            match_start = found
        match_end = location = found + len(piece)
    if match_end <= match_start:
        return None
    similarity = Levenshtein.normalized_similarity(exact, text[match_start:match_end])
    return (match_start, match_end) if similarity >= MIN_VERIFIED_SIMILARITY else None


def reanchor_baseline(text: str, claims: list[Claim], budget: float):
    spans, durations = [], []
    started = time.perf_counter()
    for claim in claims:
        if time.perf_counter() - started > budget:
            break
        before = time.perf_counter()
        spans.append(reanchor_with_diff_match_patch(text, claim))
        durations.append(time.perf_counter() - before)
    return spans, durations


@dataclass
class Tally:
    exact: int = 0
    near: int = 0
    wrong_place: int = 0
    orphaned_wrongly: int = 0
    orphans_found: int = 0
    anchored_to_identical_passage: int = 0
    should_orphan_anchored: int = 0

    @property
    def false_anchors(self) -> int:
        return self.wrong_place + self.should_orphan_anchored


def tally(claims: list[Claim], spans: list) -> Tally:
    result = Tally()
    for claim, span in zip(claims, spans, strict=False):
        if claim.should_orphan:
            if span is None:
                result.orphans_found += 1
            elif span in claim.identical_passages:
                result.anchored_to_identical_passage += 1
            else:
                result.should_orphan_anchored += 1
        elif span is None:
            result.orphaned_wrongly += 1
        elif span == claim.expected:
            result.exact += 1
        elif span[0] < claim.end and claim.start < span[1]:
            result.near += 1
        else:
            result.wrong_place += 1
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


ACCURACY_ROWS = (
    ("exact span restored", "exact"),
    ("overlapping but inexact span", "near"),
    ("anchored to the wrong place", "wrong_place"),
    ("should-orphan claim anchored", "should_orphan_anchored"),
    ("FALSE ANCHORS (sum of the two above)", "false_anchors"),
    ("orphans found", "orphans_found"),
    ("anchored to an identical passage", "anchored_to_identical_passage"),
    ("lost although still present", "orphaned_wrongly"),
)


def run_scenario(title: str, text: str, claims: list[Claim], edited: str, budget: float) -> bool:
    """Re-anchor the claims three ways, print the figures, and say whether the targets are met."""
    kinds = {}
    for claim in claims:
        kinds[claim.edit] = kinds.get(claim.edit, 0) + 1
    should_orphan = sum(claim.should_orphan for claim in claims)
    recurring = sum(text.count(claim.selectors[0]["exact"]) > 1 for claim in claims)
    print(f"== {title}")
    print(f"Article: {len(text):,} characters, {len(edited):,} after edits")
    print(
        f"Claims: {len(claims):,}; {should_orphan} should become orphans; "
        f"{recurring} have identical copies elsewhere in the article"
    )
    print("Edits: " + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())))
    print(f"       plus {SCATTERED_EDITS} scattered insertions, deletions and typos outside claims")

    ours = reanchor_ours(edited, claims, old_text=text)
    search = reanchor_ours(edited, claims, old_text=None)
    baseline, baseline_durations = reanchor_baseline(edited, claims, budget)
    measured = len(baseline)
    ours_tally, search_tally = tally(claims, ours.spans), tally(claims, search.spans)
    subset = [
        tally(claims[:measured], ours.spans[:measured]),
        tally(claims[:measured], search.spans[:measured]),
        tally(claims[:measured], baseline),
    ]
    baseline_mean = statistics.fmean(baseline_durations)
    baseline_total = baseline_mean * len(claims)

    def per_claim(run: Run, fraction: float | None) -> str:
        value = max(run.durations) if fraction is None else percentile(run.durations, fraction)
        return f"{value * 1000:.3f}"

    rows = [
        ("claims re-anchored", f"{len(claims):,}", f"{len(claims):,}", f"{measured:,}"),
        (
            "total time (s)",
            f"{ours.total:.3f}",
            f"{search.total:.3f}",
            f"{sum(baseline_durations):.1f}",
        ),
        ("  of which normalising the text (s)", f"{ours.normalising:.3f}", "", "-"),
        ("  of which the diff (s)", f"{ours.diffing:.3f}", "-", "-"),
        (
            "time for 1,000 claims (s)",
            f"{ours.total:.3f}",
            f"{search.total:.3f}",
            f"{baseline_total:.1f}",
        ),
        (
            "claims per second",
            f"{len(claims) / ours.total:,.0f}",
            f"{len(claims) / search.total:,.0f}",
            f"{1 / baseline_mean:,.1f}",
        ),
        (
            "p95 per claim (ms)",
            per_claim(ours, 0.95),
            per_claim(search, 0.95),
            f"{percentile(baseline_durations, 0.95) * 1000:.1f}",
        ),
        (
            "max per claim (ms)",
            per_claim(ours, None),
            per_claim(search, None),
            f"{max(baseline_durations) * 1000:.0f}",
        ),
    ]
    rows[2] = (rows[2][0], rows[2][1], f"{search.normalising:.3f}", "-")
    header = f"{'':38} {'ours (diff)':>12} {'quote search':>13} {'diff-match-patch':>17}"
    print()
    print(header)
    for label, mine, searched, theirs in rows:
        print(f"{label:38} {mine:>12} {searched:>13} {theirs:>17}")
    print()
    print(f"Accuracy on the {measured:,} claims all three re-anchored:")
    print(header)
    for label, attribute in ACCURACY_ROWS:
        mine, searched, theirs = (getattr(result, attribute) for result in subset)
        print(f"{label:38} {mine:>12} {searched:>13} {theirs:>17}")
    anchorable = len(claims) - should_orphan
    print()
    for name, result in (("Ours", ours_tally), ("Quote search alone", search_tally)):
        print(
            f"{name} on all {len(claims):,}: {result.exact}/{anchorable} exact spans restored, "
            f"{result.near} inexact, {result.orphaned_wrongly} lost, "
            f"{result.orphans_found}/{should_orphan} orphans found "
            f"(+{result.anchored_to_identical_passage} on an identical passage), "
            f"{result.false_anchors} false anchors"
        )
    print(f"Speed-up over diff-match-patch per claim: {baseline_total / ours.total:,.0f}x")
    if measured < len(claims):
        print(
            f"(diff-match-patch stopped after its {budget:.0f} s budget: "
            f"{measured} of {len(claims)} claims; its 1,000-claim time is extrapolated from "
            "its mean per claim, and accuracy compares all three on that random subset)"
        )
    met = (
        ours.total < 1.0
        and baseline_total / ours.total >= 5
        and subset[0].exact >= subset[2].exact
        and ours_tally.false_anchors == 0
    )
    print("Targets (<1 s with the diff, >=5x, accuracy >= baseline, 0 false anchors):", end=" ")
    print("met" if met else "NOT met")
    print()
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--baseline-budget",
        type=float,
        default=120.0,
        help="seconds the diff-match-patch baseline may run, per scenario, before extrapolation",
    )
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the generated articles")
    arguments = parser.parse_args()

    rng = random.Random(arguments.seed)
    text = build_article(rng)
    claims = pick_claims(text, rng)
    edited = edit_article(text, claims, rng)
    rng.shuffle(claims)
    tracemalloc.start()
    reanchor_ours(edited, claims, old_text=text)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    scattered_met = run_scenario("Scattered edits", text, claims, edited, arguments.baseline_budget)

    rng = random.Random(arguments.seed + 1)
    text = build_repetitive_article(rng)
    claims = pick_claims(text, rng)
    edited = edit_article(text, claims, rng, context_edits=CONTEXT_EDITS)
    rng.shuffle(claims)
    # Here another copy of a deleted claim's passage was there before the edit, and the diff
    # can tell: anchoring on it is a false anchor, not an indistinguishable identical passage.
    for claim in claims:
        claim.identical_passages = set()
    repeated_met = run_scenario(
        "Repeated sections, edits next to claims", text, claims, edited, arguments.baseline_budget
    )

    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Peak memory: {traced_peak / 2**20:.1f} MB allocated while re-anchoring (tracemalloc);")
    print(f"             {peak_rss:.0f} MB maximum resident set of the whole benchmark process")
    met = scattered_met and repeated_met and peak_rss < 200
    print("All targets (both scenarios, <200 MB):", "met" if met else "NOT met")


if __name__ == "__main__":
    main()
