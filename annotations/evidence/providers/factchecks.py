"""Earlier fact-checks in this instance: published claims, the newsroom's drafts, imports.

PostgreSQL: full-text search over GIN expression indexes (migration 0009), re-ranked by
trigram similarity (pg_trgm). SQLite: the FTS5 table the same migration keeps. Either way
the candidates are re-ranked by how closely their wording matches the claim's.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Exists, OuterRef
from django.urls import reverse
from rapidfuzz import fuzz

from annotations.evidence.providers.base import Found, Provider
from annotations.evidence.query import Query
from annotations.models import Claim, ImportedFactCheck, PublishedVersion

# The same expressions as the indexes in migration 0009 (else the planner ignores them).
CLAIM_DOCUMENT = (
    "to_tsvector('english', coalesce(claim_reviewed, '') || ' ' || coalesce(exact, ''))"
)
IMPORTED_DOCUMENT = (
    "to_tsvector('english', coalesce(claim_reviewed, '') || ' ' || coalesce(claimant, ''))"
)
CANDIDATES = 50
_SAFE_TERM = re.compile(r"[^\w]+")


def _terms(query: Query) -> list[str]:
    """The query's key terms, reduced to characters that are safe in any full-text syntax."""
    terms = []
    for term in query.terms:
        cleaned = _SAFE_TERM.sub("", term)
        if len(cleaned) >= 3 and cleaned.lower() not in {t.lower() for t in terms}:
            terms.append(cleaned)
    return terms[:16]


def _has_trigrams() -> bool:
    """Whether pg_trgm is installed in this database (migration 0009 tries to add it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def _absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


class EarlierFactChecks(Provider):
    """Has this been checked before? Published claims of every organization, the claim's
    own organization's drafts, and imported ClaimReview."""

    name = "factchecks"
    label = "Earlier fact-checks"
    is_fact_check = True
    default_rate_limit = 0.0  # the database, not a remote service
    default_timeout = 5.0

    def search(self, query: Query, *, claim) -> list[Found]:
        """Candidates by full-text search, re-ranked by similarity of wording."""
        terms = _terms(query)
        if not terms:
            return []
        similarity: dict[tuple[str, int], float] = {}
        if connection.vendor == "postgresql":
            claim_ids, imported_ids = self._postgres(terms, query.text, similarity)
        else:
            claim_ids, imported_ids = self._sqlite(terms)
        found = self._claims(claim, claim_ids) + self._imported(imported_ids)
        for item in found:
            key = (item.extra["table"], item.extra["id"])
            item.score = similarity.get(key) or self._similarity(query.text, item.extra["wording"])
        found.sort(key=lambda item: -item.score)
        return [item for item in found if item.score > 0][:10]

    # Candidates

    def _postgres(
        self, terms: list[str], text: str, similarity: dict
    ) -> tuple[list[int], list[int]]:
        tsquery = " | ".join(terms)
        with connection.cursor() as cursor:
            # Only the module's constant expressions are interpolated; terms are parameters.
            cursor.execute(
                f"SELECT id FROM annotations_claim WHERE {CLAIM_DOCUMENT} @@ "  # noqa: S608
                "to_tsquery('english', %s) "
                f"ORDER BY ts_rank({CLAIM_DOCUMENT}, to_tsquery('english', %s)) DESC LIMIT %s",
                [tsquery, tsquery, CANDIDATES * 2],
            )
            claim_ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                f"SELECT id FROM annotations_importedfactcheck WHERE {IMPORTED_DOCUMENT} @@ "  # noqa: S608
                "to_tsquery('english', %s) "
                f"ORDER BY ts_rank({IMPORTED_DOCUMENT}, to_tsquery('english', %s)) DESC "
                "LIMIT %s",
                [tsquery, tsquery, CANDIDATES],
            )
            imported_ids = [row[0] for row in cursor.fetchall()]
            if _has_trigrams():
                # The re-rank: trigram similarity of the wordings, in the database.
                for table, ids in (("claim", claim_ids), ("importedfactcheck", imported_ids)):
                    if not ids:
                        continue
                    cursor.execute(
                        "SELECT id, word_similarity(%s, claim_reviewed) "  # noqa: S608
                        f"FROM annotations_{table} WHERE id = ANY(%s)",
                        [text, ids],
                    )
                    for pk, score in cursor.fetchall():
                        similarity[("imported" if table != "claim" else "claim", pk)] = float(score)
        return claim_ids, imported_ids

    def _sqlite(self, terms: list[str]) -> tuple[list[int], list[int]]:
        match = " OR ".join(f'"{term}"' for term in terms)
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT kind, ref FROM evidence_fts WHERE evidence_fts MATCH %s "
                    "ORDER BY bm25(evidence_fts) LIMIT %s",
                    [match, CANDIDATES * 3],
                )
                rows = cursor.fetchall()
        except DatabaseError:
            # No FTS5 table (a database built without migrations): search the words plainly.
            return self._plain(terms)
        claim_ids = [int(ref) for kind, ref in rows if kind == "claim"]
        imported_ids = [int(ref) for kind, ref in rows if kind == "imported"]
        return claim_ids, imported_ids

    def _plain(self, terms: list[str]) -> tuple[list[int], list[int]]:
        from django.db.models import Q

        words = Q()
        for term in terms:
            words |= Q(claim_reviewed__icontains=term)
        claim_ids = list(Claim.objects.filter(words).values_list("id", flat=True)[:CANDIDATES])
        imported_ids = list(
            ImportedFactCheck.objects.filter(words).values_list("id", flat=True)[:CANDIDATES]
        )
        return claim_ids, imported_ids

    # Rows to items

    def _claims(self, claim, ids: list[int]) -> list[Found]:
        if not ids:
            return []
        own = claim.article.organization_id
        found = []
        published = {
            version.claim_id: version
            for version in PublishedVersion.objects.filter(
                claim_id__in=ids,
                is_current=True,
                is_anchored=True,
                kind=PublishedVersion.Kind.PUBLISHED,
            )
            .exclude(claim__article_id=claim.article_id)
            .select_related("publisher")
        }
        # A retracted verdict is never evidence: neither a claim retracted now nor one whose
        # live version is a retraction (it may be back in review, but what readers last saw
        # was withdrawn), and it is no draft either.
        retracted = PublishedVersion.objects.filter(
            is_current=True, kind=PublishedVersion.Kind.RETRACTED
        ).values("claim_id")
        drafts = {
            row.pk: row
            for row in Claim.objects.filter(pk__in=ids, article__organization_id=own)
            .exclude(article_id=claim.article_id)
            .exclude(status=Claim.Status.RETRACTED)
            .exclude(pk__in=retracted)
            .select_related("rating", "article__organization")
            .annotate(was_published=Exists(PublishedVersion.objects.filter(claim=OuterRef("pk"))))
        }
        for pk in ids:
            version = published.get(pk)
            if version is not None:
                found.append(
                    Found(
                        url=_absolute(reverse("reader-claim", args=[pk])),
                        title=version.claim_reviewed,
                        publisher=version.publisher.name,
                        published_on=version.published_at.date(),
                        passage=version.claim_reviewed,
                        # As published: the rating may have been renamed since.
                        rating=version.rating_label,
                        extra={"wording": version.claim_reviewed, "table": "claim", "id": pk},
                    )
                )
            elif pk in drafts:
                draft = drafts[pk]
                workspace = reverse("article-workspace", args=[draft.article_id])
                found.append(
                    Found(
                        url=_absolute(f"{workspace}#claim-{pk}"),
                        title=draft.claim_reviewed,
                        publisher=f"{draft.article.organization.name} ({_unpublished(draft)})",
                        passage=draft.claim_reviewed,
                        rating=draft.rating.label if draft.rating_id else "",
                        extra={"wording": draft.claim_reviewed, "table": "claim", "id": pk},
                    )
                )
        return found

    def _imported(self, ids: list[int]) -> list[Found]:
        rows = ImportedFactCheck.objects.filter(pk__in=ids)
        return [
            Found(
                url=row.url,
                title=row.claim_reviewed,
                publisher=row.publisher,
                published_on=row.date_published,
                passage=f"{row.claimant}: {row.claim_reviewed}"
                if row.claimant
                else row.claim_reviewed,
                rating=row.rating,
                extra={"wording": row.claim_reviewed, "table": "imported", "id": row.pk},
            )
            for row in rows
        ]

    def _similarity(self, text: str, wording: str) -> float:
        """How alike two wordings are, 0..1 (trigram-like, order-insensitive)."""
        return round(fuzz.token_set_ratio(text.lower(), wording.lower()) / 100.0, 4)


def _unpublished(claim: Claim) -> str:
    """Why the newsroom's own claim is not public: never published, or hidden from readers
    now (its published words left the article's text)."""
    if claim.was_published:
        return "not shown to readers"
    return "in review" if claim.status == Claim.Status.IN_REVIEW else "draft"
