"""Earlier fact-checks in this instance: published claims, the newsroom's drafts, imports.

Other organizations are searched only in their live published versions, never their
working copies: an unpublished rewording must neither find nor score their checks.
PostgreSQL: full-text search over GIN expression indexes (migrations 0009 and 0019),
re-ranked by trigram similarity (pg_trgm). SQLite: the FTS5 table those migrations keep.
Either way the candidates are re-ranked by how closely their wording matches the claim's.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from rapidfuzz import fuzz

from annotations import queries
from annotations.evidence.providers.base import Found, Provider
from annotations.evidence.query import Query
from annotations.models import Claim, ImportedFactCheck, PublishedVersion, workspace_claim_url

# The same expressions as the indexes in migration 0009 (else the planner ignores them).
CLAIM_DOCUMENT = (
    "to_tsvector('english', coalesce(claim_reviewed, '') || ' ' || coalesce(exact, ''))"
)
# Migration 0019's partial index covers live published versions only: keep LIVE_VERSION equal.
VERSION_DOCUMENT = CLAIM_DOCUMENT
LIVE_VERSION = "is_current AND is_anchored AND kind = 'published'"
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
        own = claim.article.organization_id
        if connection.vendor == "postgresql":
            claim_ids, version_ids, imported_ids = self._postgres(
                terms, query.text, similarity, own
            )
        else:
            claim_ids, version_ids, imported_ids = self._sqlite(terms, own)
        found = self._claims(claim, claim_ids, version_ids) + self._imported(imported_ids)
        for item in found:
            key = (item.extra["table"], item.extra["id"])
            item.score = similarity.get(key) or self._similarity(query.text, item.extra["wording"])
        found.sort(key=lambda item: -item.score)
        return [item for item in found if item.score > 0][:10]

    # Candidates

    def _postgres(
        self, terms: list[str], text: str, similarity: dict, own: int
    ) -> tuple[list[int], list[int], list[int]]:
        tsquery = " | ".join(terms)
        with connection.cursor() as cursor:
            # Only the module's constant expressions are interpolated; terms are parameters.
            # The newsroom's own claims, drafts included, as they stand now...
            cursor.execute(
                f"SELECT id FROM annotations_claim WHERE {CLAIM_DOCUMENT} @@ "  # noqa: S608
                "to_tsquery('english', %s) AND article_id IN "
                "(SELECT id FROM annotations_article WHERE organization_id = %s) "
                f"ORDER BY ts_rank({CLAIM_DOCUMENT}, to_tsquery('english', %s)) DESC LIMIT %s",
                [tsquery, own, tsquery, CANDIDATES],
            )
            claim_ids = [row[0] for row in cursor.fetchall()]
            # ...and every other newsroom's checks as readers see them.
            cursor.execute(
                "SELECT id FROM annotations_publishedversion "  # noqa: S608
                f"WHERE {VERSION_DOCUMENT} @@ to_tsquery('english', %s) AND {LIVE_VERSION} "
                "AND publisher_id <> %s "
                f"ORDER BY ts_rank({VERSION_DOCUMENT}, to_tsquery('english', %s)) DESC LIMIT %s",
                [tsquery, own, tsquery, CANDIDATES],
            )
            version_ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                f"SELECT id FROM annotations_importedfactcheck WHERE {IMPORTED_DOCUMENT} @@ "  # noqa: S608
                "to_tsquery('english', %s) "
                f"ORDER BY ts_rank({IMPORTED_DOCUMENT}, to_tsquery('english', %s)) DESC "
                "LIMIT %s",
                [tsquery, tsquery, CANDIDATES],
            )
            imported_ids = [row[0] for row in cursor.fetchall()]
            if _has_trigrams():
                # The re-rank: trigram similarity of the wordings, in the database; a version
                # scores under its claim's id, as the items name it.
                tables = (
                    ("claim", "id", "annotations_claim", claim_ids),
                    ("claim", "claim_id", "annotations_publishedversion", version_ids),
                    ("imported", "id", "annotations_importedfactcheck", imported_ids),
                )
                for kind, key, table, ids in tables:
                    if not ids:
                        continue
                    cursor.execute(
                        f"SELECT {key}, word_similarity(%s, claim_reviewed) "  # noqa: S608
                        f"FROM {table} WHERE id = ANY(%s)",
                        [text, ids],
                    )
                    for pk, score in cursor.fetchall():
                        similarity[(kind, pk)] = float(score)
        return claim_ids, version_ids, imported_ids

    def _sqlite(self, terms: list[str], own: int) -> tuple[list[int], list[int], list[int]]:
        match = " OR ".join(f'"{term}"' for term in terms)
        try:
            with connection.cursor() as cursor:
                # Claims only of the newsroom's own (other newsrooms' are searched in their
                # published versions), so others' drafts take no candidate's place.
                cursor.execute(
                    "SELECT evidence_fts.kind, evidence_fts.ref FROM evidence_fts "
                    "LEFT JOIN annotations_claim ON evidence_fts.kind = 'claim' "
                    "AND annotations_claim.id = evidence_fts.ref "
                    "LEFT JOIN annotations_article "
                    "ON annotations_article.id = annotations_claim.article_id "
                    "LEFT JOIN annotations_publishedversion ON evidence_fts.kind = 'version' "
                    "AND annotations_publishedversion.id = evidence_fts.ref "
                    "WHERE evidence_fts MATCH %s "
                    "AND (evidence_fts.kind != 'claim' "
                    "OR annotations_article.organization_id = %s) "
                    "AND (evidence_fts.kind != 'version' "
                    "OR annotations_publishedversion.publisher_id != %s) "
                    "ORDER BY bm25(evidence_fts) LIMIT %s",
                    [match, own, own, CANDIDATES * 3],
                )
                rows = cursor.fetchall()
        except DatabaseError:
            # No FTS5 table (a database built without migrations): search the words plainly.
            return self._plain(terms, own)
        ids = {"claim": [], "version": [], "imported": []}
        for kind, ref in rows:
            ids[kind].append(int(ref))
        return ids["claim"], ids["version"], ids["imported"]

    def _plain(self, terms: list[str], own: int) -> tuple[list[int], list[int], list[int]]:
        words = Q()
        for term in terms:
            words |= Q(claim_reviewed__icontains=term)
        claims = Claim.objects.filter(words, article__organization_id=own)
        versions = PublishedVersion.objects.filter(
            words, is_current=True, is_anchored=True, kind=PublishedVersion.Kind.PUBLISHED
        ).exclude(publisher_id=own)
        return (
            list(claims.values_list("id", flat=True)[:CANDIDATES]),
            list(versions.values_list("id", flat=True)[:CANDIDATES]),
            list(ImportedFactCheck.objects.filter(words).values_list("id", flat=True)[:CANDIDATES]),
        )

    # Rows to items

    def _claims(self, claim, ids: list[int], version_ids: list[int]) -> list[Found]:
        """The newsroom's own claims (`ids`) and other newsrooms' live versions, as items."""
        if not ids and not version_ids:
            return []
        own = claim.article.organization_id
        found = []
        live = PublishedVersion.objects.filter(
            is_current=True, is_anchored=True, kind=PublishedVersion.Kind.PUBLISHED
        ).exclude(claim__article_id=claim.article_id)
        published = {
            version.claim_id: version
            for version in live.filter(
                Q(claim_id__in=ids, publisher_id=own) | Q(pk__in=version_ids)
            ).select_related("publisher")
        }
        others = set(version_ids)
        ids = [*ids, *(v.claim_id for v in published.values() if v.pk in others)]
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
                found.append(
                    Found(
                        url=_absolute(workspace_claim_url(draft.article_id, pk)),
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
        """How much of the claim's wording the earlier check's holds, 0..1, as PostgreSQL's
        `word_similarity(claim, wording)` measures it.

        The claim's best alignment within the wording, scaled down when the wording is
        shorter than the claim: "Imran Khan's Twitter", a few of the claim's words, is not
        "100% alike" (review R20: it outranked the same claim reworded, on SQLite only,
        where no trigram score is read from the database), while a longer check that says
        the claim and more is.
        """
        claim, wording = text.lower(), wording.lower()
        if not claim or not wording:
            return 0.0
        coverage = min(1.0, len(wording) / len(claim))
        return round(fuzz.partial_ratio(claim, wording) * coverage / 100.0, 4)


def standing(claim, earlier_ids) -> dict[int, str]:
    """Of the earlier claims found for `claim` (`earlier_ids`), those that are still evidence
    for it, by id, with the rating each shows now: as the search would find them today.

    A live published version stands, with its rating as published; the newsroom's own claim
    that is not live stands as a draft, with its working rating, unless it or its last
    version readers saw was retracted. Another newsroom's claim that is no longer live
    (retracted, or hidden since its words changed) does not.
    """
    ids = set(earlier_ids)
    if not ids:
        return {}
    live = dict(
        queries.published_claims()
        .filter(claim_id__in=ids)
        .order_by()
        .values_list("claim_id", "rating_label")
    )
    retracted = PublishedVersion.objects.filter(
        claim_id__in=ids, is_current=True, kind=PublishedVersion.Kind.RETRACTED
    ).values("claim_id")
    drafts = (
        Claim.objects.filter(pk__in=ids - live.keys())
        .filter(article__organization_id=claim.article.organization_id)
        .exclude(status=Claim.Status.RETRACTED)
        .exclude(pk__in=retracted)
        .values_list("pk", "rating__label")
    )
    return {**{pk: label or "" for pk, label in drafts}, **live}


def _unpublished(claim: Claim) -> str:
    """Why the newsroom's own claim is not public: never published, or hidden from readers
    now (its published words left the article's text)."""
    if claim.was_published:
        return "not shown to readers"
    return "in review" if claim.status == Claim.Status.IN_REVIEW else "draft"
