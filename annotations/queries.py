"""Every read that depends on who asks: the one access path for views and the API."""

from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotations import permissions, versions
from annotations.models import (
    ApiToken,
    Article,
    ArticleImport,
    ArticleRevision,
    Claim,
    ClaimEvent,
    Comment,
    Invitation,
    Job,
    Membership,
    Notification,
    Organization,
    PublishedVersion,
    Rating,
    RatingScale,
    Snapshot,
    Source,
    Suggestion,
)

# A revision's text and structure, a megabyte or more: left unread where only its id and
# number are wanted (the versions and claims on it).
REVISION_BODY = ("revision__text", "revision__structure")


def organizations_of(user) -> QuerySet[Organization]:
    """The organizations the user is a member of."""
    if not user.is_authenticated:
        return Organization.objects.none()
    organizations = Organization.objects.filter(memberships__user=user)
    # An organization token sees its own organization only (annotations.api.authentication).
    limit = permissions.acting_within(user)
    return organizations if limit is None else organizations.filter(pk=limit)


def in_organizations_of(user, rows: QuerySet, organization_path: str) -> QuerySet:
    """The admin's rows `user` may see: all of them for the site's operator, otherwise those
    of the user's organizations, reached from each row through `organization_path`
    ("organization", "article__organization", "pk" for organizations themselves)."""
    if permissions.is_site_admin(user):
        return rows
    rows = rows.filter(**{f"{organization_path}__in": organizations_of(user)})
    # Only a path through a user's memberships can repeat a row; DISTINCT elsewhere would
    # compare every column of every row, whole article texts included.
    return rows.distinct() if organization_path.startswith("memberships__") else rows


def first_joined_organization(user) -> Organization | None:
    """The organization the user joined first: the one they work in until they choose."""
    membership = (
        Membership.objects.filter(user=user, organization__in=organizations_of(user))
        .select_related("organization")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.organization if membership else None


def organizations_adding_articles(user) -> list[Organization]:
    """The user's organizations where their role lets them add articles, by name."""
    return [o for o in organizations_of(user) if permissions.can_edit(user, o)]


def articles_for(user) -> QuerySet[Article]:
    """Articles of the user's organizations; nothing for anyone else."""
    return (
        Article.objects.filter(organization__in=organizations_of(user))
        .select_related("organization")
        .order_by("-created_at", "-id")
    )


def text_encoding_guess(article: Article) -> str:
    """The encoding detection guessed for the article's text ("" if none was guessed or the
    text has changed since the import that guessed it)."""
    imported = (
        ArticleImport.objects.filter(article=article, state=ArticleImport.State.SUCCEEDED)
        .order_by("-finished_at", "-id")
        .values("guessed_encoding", "finished_at")
        .first()
    )
    if not imported or not imported["guessed_encoding"]:
        return ""
    edited_since = ArticleRevision.objects.filter(
        article=article, created_at__gt=imported["finished_at"]
    ).exists()
    return "" if edited_since else imported["guessed_encoding"]


def latest_import(article: Article) -> ArticleImport | None:
    """The article's newest import (upload or URL), whatever its state."""
    return (
        ArticleImport.objects.filter(article=article)
        .only("pk", "kind", "state", "error", "source_url", "filename", "created_at", "finished_at")
        .order_by("-created_at", "-id")
        .first()
    )


def import_job(article_import: ArticleImport) -> Job | None:
    """The background job that runs the import: its attempts say how far it got."""
    return (
        Job.objects.about("import", article_import.pk)
        .only("state", "attempts", "max_attempts", "last_error", "run_after")
        .order_by("-created_at", "-id")
        .first()
    )


def pending_invitations_sent(organization: Organization, user) -> QuerySet[Invitation]:
    """The invitations `user` sent to `organization` that wait for an answer (those an admin
    leaving the role withdraws), replaced by newer ones or not."""
    return Invitation.objects.filter(
        organization=organization, invited_by=user, state=Invitation.State.PENDING
    )


def open_invitations_sent_by(user) -> QuerySet[Invitation]:
    """The pending invitations `user` sent, to any organization (those a new password
    withdraws)."""
    return Invitation.objects.filter(invited_by=user, state=Invitation.State.PENDING)


def import_jobs_in_flight(article_import: ArticleImport) -> QuerySet[Job]:
    """The import's jobs still queued or running."""
    return Job.objects.about("import", article_import.pk).in_flight()


def failed_reimport(article: Article) -> ArticleImport | None:
    """The newest import when it failed on an article that kept its earlier text, else None."""
    newest = latest_import(article)
    if newest is None or newest.state != ArticleImport.State.FAILED:
        return None
    return newest if article.status == Article.Status.READY else None


def claims_for(user) -> QuerySet[Claim]:
    """Claims, in any status, on articles the user's organizations own."""
    return (
        Claim.objects.filter(article__in=articles_for(user))
        .select_related(
            "article__organization", "rating__scale", "revision", "creator", "reviewer", "assignee"
        )
        # A revision's whole text, once per claim (5 MB articles exist), for its number.
        .defer(*REVISION_BODY)
    )


def published_claims() -> QuerySet[PublishedVersion]:
    """What readers may see: the current published version of each claim, never a working copy.

    This is the contract for every public read (reader pages, ClaimReview, the public API):
    - one row per claim, its current version (`is_current`), of kind "published": a
      retracted claim is not listed here (see `retracted_claims`);
    - only versions still anchored on their words: a version whose words changed or were
      lost in a later article revision is hidden until a reviewer republishes the claim;
    - the fields are the frozen snapshot (wording, claimant, date, rating, conclusion, tags,
      sources, selectors, publisher, when, by whom); edits in progress never show here.
    Newest first.
    """
    return (
        PublishedVersion.objects.filter(
            is_current=True, is_anchored=True, kind=PublishedVersion.Kind.PUBLISHED
        )
        .select_related("claim__article", "rating__scale", "revision", "publisher", "published_by")
        .order_by("-published_at", "-id")
    )


def retracted_claims() -> QuerySet[PublishedVersion]:
    """Public retraction notices: current versions of kind "retracted", with their note."""
    return (
        PublishedVersion.objects.filter(
            is_current=True, is_anchored=True, kind=PublishedVersion.Kind.RETRACTED
        )
        .select_related("claim__article", "rating__scale", "revision", "publisher", "published_by")
        .order_by("-published_at", "-id")
    )


def claim_public_history(claim: Claim) -> list[dict]:
    """Every published and retracted version of a claim, oldest first, for readers.

    Each entry has the version `number`, `kind`, `published_at`, `rating`, the `changes`
    from the version before, the public `correction` line ("3 Dec 2026: rating changed
    from Mostly true to Half true because …") and the version's sanitised
    `conclusion_html`.
    """
    return claim_public_histories([claim.pk]).get(claim.pk, [])


def claim_public_histories(claim_ids: list[int]) -> dict[int, list[dict]]:
    """`claim_public_history` of many claims in one query, by claim id."""
    rows = (
        PublishedVersion.objects.filter(claim_id__in=claim_ids)
        .select_related("revision")
        # Only the revision's number is told; its text is the whole article.
        .defer(*REVISION_BODY)
    )
    entries: dict[int, list[dict]] = {}
    for row in rows:
        entries.setdefault(row.claim_id, []).append(
            {
                "number": row.number,
                "kind": row.kind,
                "published_at": timezone.localtime(row.published_at),
                "correction_note": row.correction_note,
                "snapshot": versions.version_snapshot(row),
                "conclusion_html": row.conclusion_html,
            }
        )
    return {claim_id: versions.public_history(found) for claim_id, found in entries.items()}


def reader_article(org_slug: str, slug: str) -> Article | None:
    """The article at a reader address, if it has a claim readers see now (published or
    retracted, as `public_articles` lists it); else None.

    An article whose claims were all retracted keeps its page, with the retraction notices:
    the public API links it, and a reader who saw a verdict there must find it withdrawn.
    The article comes with its organization, `current_revision_id`, the revision of the
    text readers see (its public revision: a newer one may wait for a second look), on
    which published versions indexing it are placed, `current_revision_at`, when readers'
    text last changed (`public_revision_shown_at`, else when that revision was saved),
    `current_revision_reason`, why, and `newest_revision_id`.
    """
    shown = PublishedVersion.objects.filter(
        claim__article=OuterRef("pk"), is_current=True, is_anchored=True
    )
    newest_revision = ArticleRevision.objects.filter(article=OuterRef("pk")).order_by("-number")
    # No ordering: the model's ("article", ...) joins the article table inside the subquery,
    # and the reference out read that join's public revision, the newest article's (G12).
    public = ArticleRevision.objects.filter(pk=OuterRef("current_revision_id")).order_by()
    return (
        Article.objects.filter(organization__slug=org_slug, slug=slug)
        .filter(Exists(shown))
        .select_related("organization")
        .annotate(
            newest_revision_id=Subquery(newest_revision.values("pk")[:1]),
            # An article saved before public revisions were recorded shows its newest.
            current_revision_id=Coalesce("public_revision_id", "newest_revision_id"),
        )
        .annotate(
            # When readers' text last changed: a text put back as they saw it is no change.
            current_revision_at=Coalesce(
                "public_revision_shown_at", Subquery(public.values("created_at")[:1])
            ),
            current_revision_reason=Subquery(public.values("reason")[:1]),
        )
        .first()
    )


def revision_text(revision_id: int) -> tuple[str, list | None]:
    """The text of one revision (an article's public one, when a newer waits) and its
    structure, None where it was saved before revisions kept theirs."""
    return ArticleRevision.objects.values_list("text", "structure").get(pk=revision_id)


READER_FIELDS = (
    "id", "claim_id", "number", "revision_id", "exact", "start", "end", "claim_reviewed",
    "claimant", "claim_date", "rating_id", "conclusion_html", "sources", "archives",
    "correction_note", "publisher_id", "published_at", *versions.RATING_FIELDS,
    *versions.ARTICLE_FIELDS,
)  # fmt: skip


def article_published_claims(article: Article) -> list[SimpleNamespace]:
    """The article's published claims (see `published_claims`) in label order, light.

    Each is a record of the version's `READER_FIELDS` (not a model instance: an article may
    carry hundreds of claims, and plain rows are made in half the time), with its `verdict`
    (the rating as it was published, `versions.ShownRating`, placed by the rating's position
    on its scale today) and its `publisher`, loaded once and shared. The Markdown
    conclusion, tags, context, the working copy and the article text are not loaded. When
    a version after the first went out, `claim_public_histories` tells.
    """
    found = [
        SimpleNamespace(**row)
        for row in published_claims()
        .filter(claim__article=article)
        # By where each claim ends, where its verdict label stands: numbered in the order
        # the labels are read and tabbed to. By start, a claim nested in a longer one had
        # its label ("2 · True") before the longer one's ("1 · Unverifiable").
        .order_by("end", "-start", "claim_id")
        .values(*READER_FIELDS)
    ]
    positions = dict(
        Rating.objects.filter(pk__in={v.rating_id for v in found}).values_list("pk", "position")
    )
    publishers = {article.organization_id: article.organization}
    others = {v.publisher_id for v in found} - set(publishers)
    if others:
        publishers.update(Organization.objects.defer("methodology").in_bulk(others))
    for version in found:
        version.verdict = versions.shown_rating(version, position=positions[version.rating_id])
        version.publisher = publishers[version.publisher_id]
    return found


def article_published_counts(article: Article) -> SimpleNamespace:
    """How many of the article's claims readers see (`shown`, corrections in progress
    included), how many of those are reopened already (`reopened`) and how many not (`live`).

    A change of the details leaves each behind until it is republished, and reopens those
    not reopened yet (`services.article_update_details`).
    """
    live = PublishedVersion.objects.filter(
        claim=OuterRef("pk"), is_current=True, kind=PublishedVersion.Kind.PUBLISHED
    )
    counts = article.claims.filter(Exists(live)).aggregate(
        shown=Count("pk"), reopened=Count("pk", filter=~Q(status=Claim.Status.PUBLISHED))
    )
    return SimpleNamespace(**counts, live=counts["shown"] - counts["reopened"])


# What readers see of a claim, by part, in the words the workspace uses for it.
_SNAPSHOT_PARTS = {
    "claim_reviewed": "the claim",
    "claimant": "the claimant",
    "claim_date": "the claim date",
    "rating": "the rating",
    "rating_id": "the rating",
    "rating_shown": "the rating",
    "conclusion": "the conclusion",
    "tags": "the tags",
    "sources": "the sources",
    "exact": "the quoted words",
    "start": "the quoted words",
    "end": "the quoted words",
    "revision": "the article's text",
}


def article_text_waiting(article: Article) -> SimpleNamespace | None:
    """The article's newest text when it waits for a second look before readers see it
    (`services.article_text_publish`), else None: `shown` and `newest` (revisions), and
    `names`, the usernames of who made the revisions readers have not seen."""
    # Read from the row, not `article`: a claim's cached article is older than a text shown
    # to readers since.
    shown = Article.objects.filter(pk=article.pk).values("public_revision_id")
    revisions = list(
        ArticleRevision.objects.filter(article=article)
        .filter(number__gte=Subquery(
            # Unordered: the model's ordering would join the article table in here too.
            ArticleRevision.objects.filter(pk=Subquery(shown)).order_by().values("number")
        ))
        .select_related("created_by")
        # Read for every card's checklist: a megabyte text (and its structure) each is left
        # for who shows it.
        .defer("text", "structure")
        .order_by("number")
    )  # fmt: skip
    if len(revisions) < 2:
        return None
    return SimpleNamespace(
        shown=revisions[0],
        newest=revisions[-1],
        names=sorted(
            {r.created_by.get_username() for r in revisions[1:] if r.created_by is not None}
        ),
    )


def verdict_spans(article: Article, revision_id: int) -> list[tuple[int, int]]:
    """Where the verdicts readers see stand on `revision_id` of the article's text."""
    return list(verdict_spans_by_claim(article, revision_id).values())


def verdict_spans_by_claim(article: Article, revision_id: int) -> dict[int, tuple[int, int]]:
    """`verdict_spans`, by the id of the claim each verdict rates."""
    rows = (
        PublishedVersion.objects.filter(
            claim__article=article, is_current=True, is_anchored=True, revision_id=revision_id
        )
        .exclude(kind=PublishedVersion.Kind.RETRACTED)
        .values_list("claim_id", "start", "end")
    )
    return {claim_id: (start, end) for claim_id, start, end in rows}


def article_details_reopened(article: Article) -> SimpleNamespace:
    """The article's published claims a change of its details reopened, in two lists.

    `waiting`: claims whose working copy differs from their live published version in the
    article's details alone, or no longer at all (the details were put back): those a
    reviewer may republish together (`services.article_details_republish`).
    `changed`: (claim, parts) for those changed in more than that since (a fetched source
    filled its title, say), which need review one by one, with what changed.
    `back`: those of `waiting` that show readers exactly what their live version does (the
    details were put back): published again, they tell readers nothing. `put_back`: whether
    all of `waiting` are.
    """
    details_changed = "article details changed"
    live_versions = PublishedVersion.objects.filter(
        is_current=True, is_anchored=True, kind=PublishedVersion.Kind.PUBLISHED
    ).select_related("revision")
    reopened = (
        article.claims.filter(
            status__in=[Claim.Status.DRAFT, Claim.Status.IN_REVIEW],
            anchor_state=Claim.AnchorState.ANCHORED,
        )
        .filter(events__action=details_changed)
        .distinct()
        .select_related("article", "rating__scale", "revision", "creator")
        # The details are compared, not the texts (5 MB articles exist).
        .defer("article__text", "article__structure", *REVISION_BODY)
        .prefetch_related(
            "sources",
            Prefetch("published_versions", queryset=live_versions, to_attr="live_versions"),
            Prefetch(
                "events",
                queryset=ClaimEvent.objects.filter(action=details_changed).only(
                    "claim_id", "created_at"
                ),
                to_attr="details_events",
            ),
        )
        .order_by("start", "pk")
    )
    waiting, changed, back = [], [], []
    for claim in reopened:
        live = claim.live_versions[0] if claim.live_versions else None
        # Reopened by the details since it was last published, not by an older change.
        if live is None or not any(
            event.created_at >= live.published_at for event in claim.details_events
        ):
            continue
        now, then = versions.claim_snapshot(claim), versions.version_snapshot(live)
        parts = sorted(
            {
                _SNAPSHOT_PARTS.get(key, key)
                for key in now
                if key != "article" and now[key] != then[key]
            }
        )
        if parts:
            changed.append((claim, parts))
        else:
            waiting.append(claim)
            if now == then:
                back.append(claim)
    put_back = bool(waiting) and len(back) == len(waiting)
    return SimpleNamespace(waiting=waiting, changed=changed, back=back, put_back=put_back)


def claims_awaiting_article_details(article: Article) -> list[Claim]:
    """The claims a reviewer may republish together (see `article_details_reopened`)."""
    return article_details_reopened(article).waiting


def article_as_published(article: Article) -> versions.ShownArticle:
    """The article's title, byline, publisher, date and address as readers were last told
    them: those frozen in the newest of its versions readers see (published or retracted;
    `reader_article` lists no article without one)."""
    newest = (
        PublishedVersion.objects.filter(claim__article=article, is_current=True, is_anchored=True)
        .order_by("-published_at", "-id")
        .values(*versions.ARTICLE_FIELDS)
        .first()
    )
    if newest is None:  # no version readers see: nothing of the article is public
        return versions.ShownArticle("", "", "", "", None, article.language)
    return versions.shown_article(newest, language=article.language)


def article_retracted_claims(article: Article) -> list[PublishedVersion]:
    """The article's public retraction notices, newest first, light (see `retracted_claims`)."""
    return list(retracted_claims().filter(claim__article=article).select_related(None))


def articles_with_reader_page(article_ids) -> set[int]:
    """Which of these articles have a reader page now (the condition of `reader_article`)."""
    return set(
        PublishedVersion.objects.filter(
            claim__article_id__in=article_ids, is_current=True, is_anchored=True
        ).values_list("claim__article_id", flat=True)
    )


def public_claim(pk: int) -> PublishedVersion | None:
    """Claim `pk`'s current public version, published or retracted, or None if readers may not
    see it (never published, or hidden since its words changed)."""
    return (
        (published_claims().filter(claim_id=pk) | retracted_claims().filter(claim_id=pk))
        .defer("claim__article__text", *REVISION_BODY, "publisher__methodology")
        .first()
    )


def suspended_claim_publisher(pk: int) -> Organization | None:
    """The organization that published claim `pk`, if its current version is hidden since its
    article's words changed (the public API's "suspended"); else None."""
    return _suspended_publisher(claim_id=pk)


def suspended_article_publisher(org_slug: str, slug: str) -> Organization | None:
    """The organization whose verdicts on the article at this reader address are all hidden
    since its words changed (none shown, none retracted, some suspended); else None."""
    return _suspended_publisher(
        claim__article__organization__slug=org_slug, claim__article__slug=slug
    )


def _suspended_publisher(**where) -> Organization | None:
    """The publisher of a current verdict matching `where` that readers no longer see."""
    version = (
        PublishedVersion.objects.filter(
            **where, is_current=True, is_anchored=False, kind=PublishedVersion.Kind.PUBLISHED
        )
        .select_related("publisher")
        .only("publisher__name", "publisher__slug", "publisher__url")
        .first()
    )
    return version.publisher if version is not None else None


def article_suspended_ids(article: Article) -> list[int]:
    """The claims whose verdicts readers no longer see on the article since the words they
    rated changed (the public API's "suspended"): their ids and number are public, nothing
    else of them is."""
    return list(
        PublishedVersion.objects.filter(
            claim__article=article,
            is_current=True,
            is_anchored=False,
            kind=PublishedVersion.Kind.PUBLISHED,
        )
        .order_by("claim_id")
        .values_list("claim_id", flat=True)
    )


def article_public_stamp(article: Article) -> dict:
    """What a cached reader page of the article depends on in its claims' versions.

    `newest` is the latest `changed_at`; the counts catch flags flipped by bulk updates.
    """
    return PublishedVersion.objects.filter(claim__article=article).aggregate(
        newest=Max("changed_at"),
        versions=Count("id"),
        visible=Count("id", filter=Q(is_current=True, is_anchored=True)),
    )


def claim_public_stamp(claim_id: int) -> dict:
    """`article_public_stamp` for one claim's versions."""
    return PublishedVersion.objects.filter(claim_id=claim_id).aggregate(
        newest=Max("changed_at"),
        versions=Count("id"),
        visible=Count("id", filter=Q(is_current=True, is_anchored=True)),
    )


def organization_scale(organization: Organization) -> list[Rating]:
    """The organization's default verdict scale, best rating first: the reader legend."""
    return list(
        Rating.objects.filter(scale__organization=organization, scale__is_default=True)
        .select_related("scale")
        .order_by("position")
    )


def earlier_rating_labels(scale: list[Rating]) -> dict[int, list[str]]:
    """For each rating of `scale`, by id, the labels readers still see it under on verdicts
    published before it was renamed (a version keeps the label it went out with), sorted.

    The methodology lists the scale as it is: without these, a reader seeing "True" beside
    the list's "Accurate" found no meaning for it. One query.
    """
    labels: dict[int, set[str]] = {}
    shown = (
        published_claims()
        .filter(rating_id__in=[rating.pk for rating in scale])
        .exclude(rating_label=F("rating__label"))
        .order_by()
        .values_list("rating_id", "rating_label")
        .distinct()
    )
    for rating_id, label in shown:
        labels.setdefault(rating_id, set()).add(label)
    return {rating_id: sorted(found) for rating_id, found in labels.items()}


def administered_organizations(user) -> QuerySet[Organization]:
    """The organizations `user` is an admin of, by name (one query)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    organizations = Organization.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.ADMIN
    )
    limit = permissions.acting_within(user)
    return organizations if limit is None else organizations.filter(pk=limit)


def ratings_offered(article: Article) -> QuerySet[Rating]:
    """The verdicts a claim on `article` may get, best first: the default scale without its
    hidden ratings, except those the article's claims already have."""
    return (
        Rating.objects.filter(
            scale__organization_id=article.organization_id, scale__is_default=True
        )
        .filter(Q(is_hidden=False) | Q(claims__article=article))
        .distinct()
        .select_related("scale")
        .order_by("position")
    )


# Public API v1 (annotations.api.public): the feed a syncing consumer reads, as plain rows
# (`values()`): a page of a hundred claims is presented in a few milliseconds that way.

# What the public API tells of the article a claim was published on, frozen in its version.
PUBLIC_ARTICLE_DETAILS = ("article_title", "article_url", "article_published_on")
# What a public claim item reads of a version: one table, so that sorting the matches of
# a search joins nothing. Its article, publisher and rating are read for the page only, by
# `public_claim_context`; never the claim row, which is the newsroom's working copy.
PUBLIC_FEED_FIELDS = (
    "id", "claim_id", "rating_id", "number", "kind", "is_anchored", "exact", "prefix",
    "suffix", "start", "end", "claim_reviewed", "claimant", "claim_date", "conclusion",
    "conclusion_html", "tags", "sources", "archives", "correction_note", "published_at",
    "changed_at",
    *versions.RATING_FIELDS, *PUBLIC_ARTICLE_DETAILS,
)  # fmt: skip
# What the public API reads of the article itself; its title, address and date are the
# version's (`PUBLIC_ARTICLE_DETAILS`), as published.
PUBLIC_ARTICLE_FIELDS = (
    "id", "slug", "language", "organization__slug", "organization__name", "organization__url",
)  # fmt: skip


def public_claim_feed() -> QuerySet[PublishedVersion]:
    """Every claim readers were ever shown, as its current version: the public API's rows.

    Wider than `published_claims`, for sync: a current retracted version stays (with its
    note), and so does a current version hidden since its words changed (`is_anchored`
    false), which the API shows as "suspended" with no content, so that a consumer learns
    it is no longer shown. Working copies never appear. Rows are dicts of
    `PUBLIC_FEED_FIELDS`, unordered (the API orders them by `published_at` or
    `changed_at`); complete a page with `public_claim_context`.
    """
    return PublishedVersion.objects.filter(is_current=True).values(*PUBLIC_FEED_FIELDS).order_by()


def public_claim_context(rows: list[dict]) -> list[dict]:
    """Add each row's `article` (a `PUBLIC_ARTICLE_FIELDS` dict, whose organization is the
    publisher, with the row's `PUBLIC_ARTICLE_DETAILS`), `rating` (the verdict as it was
    published: `label`, `value`, `colour`, `description`, `scale__best_value` and
    `scale__worst_value` from the version's frozen fields, and the rating's `position` on
    its scale today), `first_published_at` and `previous_rating_label` and
    `previous_verdict` (the version before's rating label, and its rating id and value;
    None for version 1), and `corrections` (each version after the first up to this one:
    when, published or retracted, what changed and the public note).

    Four queries at most, whatever the number of rows (rows that have their `article`
    already need none for it); the article's text is not read.
    """
    # Unordered (`order_by()`): the models' default orders would join and sort articles.
    claims = (
        Claim.objects.filter(pk__in={row["claim_id"] for row in rows if "article" not in row})
        .order_by()
        .values("id", *(f"article__{name}" for name in PUBLIC_ARTICLE_FIELDS))
    )
    articles = {
        claim["id"]: {name: claim[f"article__{name}"] for name in PUBLIC_ARTICLE_FIELDS}
        for claim in claims
    }
    positions = dict(
        Rating.objects.filter(pk__in={row["rating_id"] for row in rows})
        .order_by()
        .values_list("id", "position")
    )
    # Version 1 went out when it was published; later versions look theirs up, and the
    # verdict the version before showed (a correction may have changed it).
    later = [row["claim_id"] for row in rows if row["number"] > 1]
    earlier = (
        PublishedVersion.objects.filter(claim_id__in=later)
        .order_by()
        .values_list(
            "claim_id", "number", "published_at", "rating_label", "rating_id", "rating_value"
        )
        if later
        else []
    )
    first_times, labels = {}, {}
    for claim_id, number, published_at, label, rating_id, value in earlier:
        labels[claim_id, number] = (label, (rating_id, value))
        if number == 1:
            first_times[claim_id] = published_at
    # What each later version changed and why, as the reader page says it: one more query,
    # for the corrected and retracted claims only.
    histories = claim_public_histories(later) if later else {}
    for row in rows:
        row["corrections"] = [
            {
                "published_at": entry["published_at"],
                "kind": entry["kind"],
                "changes": entry["changes"],
                "note": entry["correction_note"],
            }
            for entry in histories.get(row["claim_id"], [])
            if entry["number"] > 1 and entry["number"] <= row["number"]
        ]
        previous_label, previous_verdict = labels.get(
            (row["claim_id"], row["number"] - 1), (None, None)
        )
        row["previous_rating_label"] = previous_label
        row["previous_verdict"] = previous_verdict
        if "article" not in row:
            details = {name: row[name] for name in PUBLIC_ARTICLE_DETAILS}
            row["article"] = {**articles[row["claim_id"]], **details}
        row["rating"] = {
            "label": row["rating_label"],
            "value": row["rating_value"],
            "colour": row["rating_colour"],
            "position": positions[row["rating_id"]],
            "description": row["rating_description"],
            "scale__best_value": row["rating_best_value"],
            "scale__worst_value": row["rating_worst_value"],
        }
        row["first_published_at"] = first_times.get(row["claim_id"], row["published_at"])
    return rows


def public_feed_changed_at():
    """When any published version last changed: made, superseded, hidden, or touched.

    A row leaves a filtered public list only through a change to some version (its own
    `changed_at` moves even when it stops being current), so this one value, read from
    the index on `changed_at`, validates every public list (`ETag`, `Last-Modified`).
    """
    return PublishedVersion.objects.aggregate(newest=Max("changed_at"))["newest"]


def public_articles() -> QuerySet[Article]:
    """Articles with a claim readers see now (published or retracted): `PUBLIC_ARTICLE_FIELDS`
    dicts with the `PUBLIC_ARTICLE_DETAILS` and `article_url_key` of the newest of those
    versions (the article as it was last published), and `changed_at`, newest first."""
    shown = PublishedVersion.objects.filter(
        claim__article=OuterRef("pk"), is_current=True, is_anchored=True
    )
    newest = shown.order_by("-published_at", "-id")
    details = {
        name: Subquery(newest.values(name)[:1])
        for name in (*PUBLIC_ARTICLE_DETAILS, "article_url_key")
    }
    # When its published claims last changed, those no longer shown included: a claim
    # leaving the article (its words edited away) changes the article too.
    changed_at = (
        PublishedVersion.objects.filter(claim__article=OuterRef("pk"))
        .order_by()
        .values("claim__article")
        .annotate(newest=Max("changed_at"))
        .values("newest")
    )
    return (
        Article.objects.filter(Exists(shown))
        .annotate(**details, changed_at=Subquery(changed_at))
        .values(*PUBLIC_ARTICLE_FIELDS, *details, "changed_at")
        .order_by("-id")
    )


def public_article_claims(articles: list[dict]) -> list[dict]:
    """The claims readers see now on these `public_articles` rows (not suspended ones), in
    document order, completed by `public_claim_context`."""
    by_id = {article["id"]: article for article in articles}
    shown = (
        public_claim_feed()
        .filter(is_anchored=True, claim__article_id__in=by_id)
        .values(*PUBLIC_FEED_FIELDS, "claim__article_id")
        .order_by("start", "-end", "claim_id")
    )
    rows = [
        {
            **row,
            "article": {
                **by_id[row["claim__article_id"]],
                # Each claim's article is as that claim was published.
                **{name: row[name] for name in PUBLIC_ARTICLE_DETAILS},
            },
        }
        for row in shown
    ]
    return public_claim_context(rows)


def _has_published():
    """Whether the organization row has published a fact-check: readers know of it then."""
    return Exists(PublishedVersion.objects.filter(publisher=OuterRef("pk")))


def public_organizations() -> QuerySet[Organization]:
    """Organizations that have published a fact-check, with their rating scales and ratings."""
    return (
        Organization.objects.filter(_has_published())
        .defer("methodology")
        .prefetch_related("rating_scales__ratings")
        .order_by("slug")
    )


def reader_organization(user, slug: str) -> QuerySet[Organization]:
    """The organization with `slug` as its reader pages may show it to `user` (or none).

    Like the public API, readers learn of a newsroom once it has published: before that,
    only its members see its pages (to prepare them), and nobody else can tell its slug
    from one nobody has.
    """
    visible = Q(_has_published())
    if user.is_authenticated:
        visible |= Q(pk__in=organizations_of(user).values("pk"))
    return Organization.objects.filter(visible, slug=slug)


def workspace_claims(article: Article) -> QuerySet[Claim]:
    """An article's claims in document order with everything a claim card shows."""
    return (
        article.claims.select_related(
            "rating__scale", "revision", "creator", "reviewer", "assignee"
        )
        # The cards need the revision's number, not its text (once per claim otherwise).
        .defer(*REVISION_BODY)
        .prefetch_related(
            Prefetch(
                "sources",
                queryset=Source.objects.select_related("added_by").prefetch_related(
                    Prefetch(
                        "snapshots",
                        queryset=Snapshot.objects.order_by("-fetched_at", "-id").only(
                            "pk",
                            "fetched_at",
                            "sha256",
                            "http_status",
                            "source_id",
                            "requested_url",
                        ),
                        to_attr="snapshots_newest_first",
                    )
                ),
            ),
            Prefetch("events", queryset=ClaimEvent.objects.select_related("actor")),
            Prefetch(
                "published_versions",
                queryset=PublishedVersion.objects.filter(is_current=True)
                .select_related("rating__scale", "revision", "published_by")
                .defer(*REVISION_BODY),
                to_attr="current_versions",
            ),
            # The version before the current one, for its correction line.
            Prefetch(
                "published_versions",
                queryset=PublishedVersion.objects.filter(is_current=False)
                .select_related("rating", "revision")
                .defer(*REVISION_BODY)
                .order_by("-number"),
                to_attr="earlier_versions",
            ),
        )
        .annotate(
            live_comment_count=Count(
                "comments", filter=Q(comments__deleted_at__isnull=True), distinct=True
            ),
            open_threads=Count(
                "comments",
                filter=Q(
                    comments__parent__isnull=True,
                    comments__resolved_at__isnull=True,
                    comments__deleted_at__isnull=True,
                ),
                distinct=True,
            ),
        )
        .order_by("start", "-end", "id")
    )


def workspace_claim_summaries(article: Article) -> QuerySet[Claim]:
    """An article's claims in document order, light: no sources or history, just their count."""
    # No ordering: the model's default would join claims and articles into each subquery.
    current = PublishedVersion.objects.filter(claim=OuterRef("pk"), is_current=True).order_by()
    return (
        article.claims.select_related("rating", "revision")
        .defer(*REVISION_BODY)
        .annotate(
            source_count=Count("sources"),
            published_number=Subquery(current.values("number")),
            # A retracted version, or one hidden because its words left the text, is not live.
            published_kind=Subquery(current.values("kind")),
            published_is_anchored=Subquery(current.values("is_anchored")),
            # What a closed card says beside "Published": the rating as readers see it.
            published_rating_label=Subquery(current.values("rating_label")),
            published_rating_colour=Subquery(current.values("rating_colour")),
        )
        .order_by("start", "-end", "id")
    )


def remember_roles(user) -> None:
    """Load the user's roles once, so permission predicates in a request need no query each."""
    if user.is_authenticated and not hasattr(user, "_roles_by_org"):
        user._roles_by_org = dict(
            Membership.objects.filter(user=user).values_list("organization_id", "role")
        )


def tokens_of(user) -> QuerySet[ApiToken]:
    """The user's personal API tokens, newest first (organization tokens are listed apart)."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user, organization__isnull=True).order_by("-created", "-id")


def tokens_made_by(user) -> QuerySet[ApiToken]:
    """Every API token the user made: personal ones and those made for an organization."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)


def organization_members(organization: Organization):
    """The users who are members of `organization` (for a page its members already see)."""
    return get_user_model().objects.filter(memberships__organization=organization)


def rating_usage(ratings: list[Rating]) -> dict[int, dict[str, int]]:
    """What each rating is used by, by rating id: claims now, published versions ever, the
    verdicts readers see now (which keep the rating as it is until republished), and of
    those, `in_step`: the ones that show the rating as it is now (`ratings` of one scale,
    loaded with it)."""

    def counted(rows) -> dict[int, int]:
        # No ordering: the model's default would add its joins and columns to the grouping.
        rows = rows.order_by().values_list("rating").annotate(n=Count("pk"))
        return dict(rows.values_list("rating", "n"))

    claims = counted(Claim.objects.filter(rating__in=ratings))
    published = counted(PublishedVersion.objects.filter(rating__in=ratings))
    now = {rating.pk: versions.rating_fields(rating) for rating in ratings}
    current: Counter = Counter()
    in_step: Counter = Counter()
    shown = (
        PublishedVersion.objects.filter(
            rating__in=ratings, is_current=True, kind=PublishedVersion.Kind.PUBLISHED
        )
        .order_by()
        .values_list("rating_id", *versions.RATING_FIELDS)
    )
    for rating_id, *frozen in shown:
        current[rating_id] += 1
        # One that shows an earlier label already keeps it; saying it keeps today's is wrong.
        if dict(zip(versions.RATING_FIELDS, frozen, strict=True)) == now[rating_id]:
            in_step[rating_id] += 1
    return {
        rating.pk: {
            "claims": claims.get(rating.pk, 0),
            "published": published.get(rating.pk, 0),
            "current": current[rating.pk],
            "in_step": in_step[rating.pk],
        }
        for rating in ratings
    }


def spotter_label_counts(organization: Organization) -> dict[str, int]:
    """How many labels the newsroom's retraining has: suggestions accepted and dismissed,
    and claims made (a claim on a sentence the spotter ranked low is a label too)."""
    decided = Suggestion.objects.filter(article__organization=organization)
    return {
        "accepted": decided.filter(state=Suggestion.State.ACCEPTED).count(),
        "dismissed": decided.filter(state=Suggestion.State.DISMISSED).count(),
        "claims": Claim.objects.filter(article__organization=organization).count(),
    }


def organization_tokens(organization: Organization) -> QuerySet[ApiToken]:
    """An organization's API tokens with who made each, newest first; for its admins' page."""
    return (
        ApiToken.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-created", "-id")
    )


# Organization pages and the ClaimReview feed (annotations.organization_pages, api.claimreview)

# What a ClaimReview reads, and nothing else: the article's text can be megabytes.
CLAIM_REVIEW_FIELDS = (
    "id", "claim_id", "number", "kind", "claim_reviewed", "claimant", "claim_date",
    "published_at",
    "claim__id", "claim__article__id", "claim__article__slug", "claim__article__language",
    *versions.ARTICLE_FIELDS,
    "rating_id", *versions.RATING_FIELDS,
    "publisher__id", "publisher__name", "publisher__slug", "publisher__url",
)  # fmt: skip


def claim_reviews(organization: Organization | None = None) -> QuerySet[PublishedVersion]:
    """`published_claims` (of one organization), light, each with `first_published_at`.

    Enough for `jsonld.claim_review` and a list of fact-checks; newest first.
    """
    first = PublishedVersion.objects.filter(claim=OuterRef("claim_id"), number=1).order_by()
    versions = published_claims()
    if organization is not None:
        versions = versions.filter(publisher=organization)
    return (
        versions.select_related(None)
        .select_related("claim__article", "publisher")
        .only(*CLAIM_REVIEW_FIELDS)
        .annotate(first_published_at=Subquery(first.values("published_at")[:1]))
    )


def published_labels(organization: Organization) -> list[str]:
    """The rating labels `organization`'s listed fact-checks show, each once, best first
    (`versions.best_first`): what its reader page's rating filter offers, as published."""
    rows = (
        published_claims()
        .filter(publisher=organization)
        .order_by()
        .values("rating_id", "rating__position", *versions.RATING_FIELDS)
        .distinct()
    )
    shown = [versions.shown_rating(row, position=row["rating__position"]) for row in rows]
    return list(dict.fromkeys(verdict.label for verdict in sorted(shown, key=versions.best_first)))


def public_stamp(organization: Organization | None = None) -> dict:
    """What public lists of published claims (of one organization) depend on, in two queries.

    `count` is the number of published claims; `newest` the latest `changed_at` of any
    version, retracted and superseded ones included (they drop a claim from the lists);
    `publishers` the name, slug, home page and logo of each organization that has published.
    Nothing here reads the live article: its details reach these lists only as versions
    froze them, and what is read live (its language) touches `changed_at` when it changes.
    """
    every_version = PublishedVersion.objects.all()
    if organization is not None:
        every_version = every_version.filter(publisher=organization)
    listed = Q(is_current=True, is_anchored=True, kind=PublishedVersion.Kind.PUBLISHED)
    stamp = every_version.aggregate(
        count=Count("id", filter=listed),
        newest=Max("changed_at"),
    )
    stamp["publishers"] = list(
        Organization.objects.filter(pk__in=every_version.values("publisher"))
        .order_by("pk")
        .values_list("pk", "slug", "name", "url", "logo")
    )
    return stamp


def organization_corrections(organization: Organization) -> QuerySet[PublishedVersion]:
    """Every correction (a version after the first) and retraction readers may see, newest first.

    Only claims readers see now, published or retracted: a claim hidden since its words
    changed keeps its history out of sight too.
    """
    shown = PublishedVersion.objects.filter(
        claim=OuterRef("claim_id"), is_current=True, is_anchored=True
    )
    return (
        PublishedVersion.objects.filter(publisher=organization, number__gt=1)
        .filter(Exists(shown))
        .select_related("claim__article", "rating", "revision")
        .defer("claim__article__text", *REVISION_BODY)
        .order_by("-published_at", "-id")
    )


def earlier_versions(versions: list[PublishedVersion]) -> dict[tuple[int, int], PublishedVersion]:
    """The version before each of `versions`, by (claim id, number), in one query."""
    if not versions:
        return {}
    wanted = Q()
    for version in versions:
        wanted |= Q(claim_id=version.claim_id, number=version.number - 1)
    rows = (
        PublishedVersion.objects.filter(wanted)
        .select_related("rating", "revision")
        .defer(*REVISION_BODY)
    )
    return {(row.claim_id, row.number): row for row in rows}


def organizations_with_fact_checks() -> QuerySet[Organization]:
    """Organizations with published claims now, with their number (`fact_checks`), by name."""
    listed = Q(
        published_versions__is_current=True,
        published_versions__is_anchored=True,
        published_versions__kind=PublishedVersion.Kind.PUBLISHED,
    )
    return (
        Organization.objects.annotate(fact_checks=Count("published_versions", filter=listed))
        .filter(fact_checks__gt=0)
        .defer("methodology")
        .order_by("name", "pk")
    )


# The newsroom's daily work: comments, notifications and the dashboard's queues (A2)


def claim_comments(claim: Claim):
    """A claim's comments, oldest first, with authors (deleted ones keep their place)."""
    return Comment.objects.filter(claim=claim).select_related("author", "resolved_by")


def notifications_for(user, *, unread: bool = False):
    """The user's notifications, newest first, from organizations they still belong to."""
    if not user.is_authenticated:
        return Notification.objects.none()
    notifications = Notification.objects.filter(
        recipient=user, organization__in=organizations_of(user)
    ).select_related("actor", "claim__article", "organization")
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def unread_notification_count(user) -> int:
    """How many of the user's notifications are unread (the header's count)."""
    return notifications_for(user, unread=True).count()


def memberships_of(user) -> QuerySet[Membership]:
    """The user's memberships, by organization name (their notification settings)."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return (
        Membership.objects.filter(user=user, organization__in=organizations_of(user))
        .select_related("organization")
        .order_by("organization__name")
    )


# How many entries each dashboard queue lists; its count covers them all.
QUEUE_LENGTH = 10
# "Recently published" looks back this far.
RECENT_DAYS = 14


def _broken_links() -> QuerySet[Source]:
    """The outer claim's sources whose page is gone or changed, with no archived copy."""
    return Source.objects.filter(
        claim=OuterRef("pk"),
        link_state__in=[Source.LinkState.GONE, Source.LinkState.CHANGED],
        archive_url="",
    ).order_by()


def dashboard_queues(user, organization: Organization | None = None) -> list[dict]:
    """The member's queues, each {key, title, count, claims}, claims with article and rating;
    only `organization`'s claims when one is given (the organization they work in).

    Waiting for my review (claims in review I may publish, not created by me where two
    people are required; only for those who publish somewhere), assigned to me, my
    drafts, changes requested on my claims, orphans to re-attach, published claims whose
    cited pages are gone or changed with no archived copy (with `broken_links`), drafts
    whose maker is no longer a member (for those who publish), recently published with
    their correction notes.
    """
    # The desk lists titles: not the articles' texts, nor their structure.
    claims = claims_for(user).select_related("article").defer("article__text", "article__structure")
    if organization is not None:
        claims = claims.filter(article__organization=organization)
    publishing = [
        membership.organization_id
        for membership in memberships_of(user)
        if membership.role in permissions.PUBLISHING_ROLES
    ]
    review = claims.filter(
        status=Claim.Status.IN_REVIEW, article__organization__in=publishing
    ).exclude(creator=user, article__organization__requires_two_person_review=True)
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    # With the label readers were shown: a rating renamed since reads otherwise on the desk
    # than on the claim's page until it is republished (trial G20).
    recent = claims.filter(status=Claim.Status.PUBLISHED, published_at__gte=since).annotate(
        published_label=Subquery(
            PublishedVersion.objects.filter(claim=OuterRef("pk"), is_current=True).values(
                "rating_label"
            )[:1]
        )
    )
    queues = [
        ("review", "Waiting for my review", review.order_by("updated_at", "id")),
        (
            "assigned",
            "Assigned to me",
            claims.filter(assignee=user)
            .exclude(status__in=[Claim.Status.PUBLISHED, Claim.Status.RETRACTED])
            .order_by("-updated_at", "-id"),
        ),
        (
            "drafts",
            "My drafts",
            claims.filter(
                creator=user, status=Claim.Status.DRAFT, changes_requested_at__isnull=True
            ).order_by("-updated_at", "-id"),
        ),
        (
            "changes",
            "Changes requested on my claims",
            claims.filter(
                creator=user, status=Claim.Status.DRAFT, changes_requested_at__isnull=False
            ).order_by("-changes_requested_at", "-id"),
        ),
        (
            "orphans",
            "Orphans to re-attach",
            claims.filter(anchor_state=Claim.AnchorState.ORPHANED).order_by("-updated_at", "-id"),
        ),
        (
            # Readers follow these sources from the verdict: a page gone or changed since
            # wants an archived copy before readers find it so.
            "links",
            "Published claims citing pages gone or changed",
            # An archived copy is what readers are then shown: such a source waits no more.
            # Orphans wait in their own queue.
            # Found with EXISTS and counted for the rows shown: a count grouped over every
            # published claim sorted them all to keep none.
            claims.filter(status=Claim.Status.PUBLISHED, anchor_state=Claim.AnchorState.ANCHORED)
            .filter(Exists(_broken_links()))
            .annotate(
                broken_links=Subquery(
                    _broken_links().values("claim").annotate(n=Count("pk")).values("n")
                )
            )
            .order_by("-updated_at", "-id"),
        ),
        (
            # Unassigned when their maker left: on nobody's desk, findable only by opening
            # the article (trial G19). Its reviewers and admins take them over.
            "left",
            "Drafts left by former members",
            claims.filter(
                status=Claim.Status.DRAFT,
                assignee__isnull=True,
                article__organization__in=publishing,
            )
            .exclude(
                Exists(
                    Membership.objects.filter(
                        organization=OuterRef("article__organization"), user=OuterRef("creator")
                    )
                )
            )
            .order_by("-updated_at", "-id"),
        ),
        ("published", "Recently published", recent.order_by("-published_at", "-id")),
    ]
    return [
        {
            "key": key,
            "title": title,
            "count": queryset.count(),
            "claims": list(queryset[:QUEUE_LENGTH]),
        }
        for key, title, queryset in queues
        # Someone who publishes nowhere reviews nothing, and takes over no one's drafts: no
        # queue that is always empty.
        if key not in ("review", "left") or publishing
    ]


def _publication_states(count: int, published: int, retracted: int) -> str:
    """Where a rating's claims stand, in words: "published", "1 published, 1 retracted"..."""
    if published == count:
        return "published" if count == 1 else "all published"
    parts = [f"{published} published"] if published else []
    if retracted:
        parts.append("retracted" if retracted == count == 1 else f"{retracted} retracted")
    rest = count - published - retracted
    if rest:
        parts.append(f"{rest} not published" if parts else "not published")
    return ", ".join(parts)


def rating_counts_by_state(article_ids: list[int]) -> dict[int, list[dict]]:
    """For each article, per rating (best first): how many claims carry it, how many of
    those have a live published version readers see, and how many were retracted."""
    current = PublishedVersion.objects.filter(claim=OuterRef("pk"), is_current=True)
    rows = (
        Claim.objects.filter(article_id__in=article_ids, rating__isnull=False)
        .annotate(
            is_live=Exists(current.filter(kind=PublishedVersion.Kind.PUBLISHED)),
            is_retracted=Exists(current.filter(kind=PublishedVersion.Kind.RETRACTED)),
        )
        .values("article_id", "rating__label", "rating__position", "rating__colour")
        .annotate(
            count=Count("id"),
            published=Count("id", filter=Q(is_live=True)),
            retracted=Count("id", filter=Q(is_retracted=True)),
        )
        .order_by("article_id", "rating__position")
    )
    counts: dict[int, list[dict]] = {}
    for row in rows:
        counts.setdefault(row["article_id"], []).append(
            {
                "label": row["rating__label"],
                "colour": row["rating__colour"],
                "count": row["count"],
                "published": row["published"],
                "states": _publication_states(row["count"], row["published"], row["retracted"]),
            }
        )
    return counts


# W3C Web Annotation Protocol (annotations.api.wap): published versions for anyone, and an
# article's never-published working copies for its organization's members.


def web_annotation_versions() -> QuerySet[PublishedVersion]:
    """What the annotation containers list to anyone: `published_claims`, oldest claim first
    (so that pages keep their places as claims are published), each with
    `first_published_at`; article texts and methodologies not loaded."""
    first = PublishedVersion.objects.filter(claim=OuterRef("claim_id"), number=1).order_by()
    return (
        published_claims()
        # The article's organization names the reader page each annotation targets.
        .select_related("claim__article__organization")
        .defer(
            "claim__article__text",
            "claim__article__structure",
            "claim__article__organization__methodology",
            *REVISION_BODY,
            "publisher__methodology",
        )
        .annotate(first_published_at=Subquery(first.values("published_at")[:1]))
        .order_by("claim_id")
    )


def web_annotation_drafts(user, article: Article) -> QuerySet[Claim]:
    """The article's claims that were never published (draft or in review), with their
    sources, for members of its organization; nothing for anyone else."""
    return (
        claims_for(user)
        .filter(article=article, published_versions__isnull=True)
        .exclude(status=Claim.Status.RETRACTED)
        .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("created_at", "id")))
        .order_by("id")
    )


def web_annotation_article(user, pk: int) -> Article | None:
    """The article with id `pk` if `user` may see its annotation container: a member of its
    organization, or anyone when it has a reader page (a claim published or retracted that
    readers see); else None."""
    article = articles_for(user).filter(pk=pk).first()
    if article is not None:
        return article
    shown = PublishedVersion.objects.filter(
        claim__article=OuterRef("pk"), is_current=True, is_anchored=True
    )
    return (
        Article.objects.filter(pk=pk).filter(Exists(shown)).select_related("organization").first()
    )


def source_copies(cited: dict) -> dict[int, dict]:
    """For each cited source id, given the address cited: its latest snapshot of that
    address (`snapshot`, a Snapshot or None), its address now (`url`), its outside archive
    address (`archive_url`) and when it was fetched (`fetched_at`)."""
    from annotations.models import Snapshot

    ids = {pk for pk in cited if isinstance(pk, int)}
    if not ids:
        return {}
    found = {
        row["id"]: {**row, "snapshot": None}
        for row in Source.objects.filter(pk__in=ids).values(
            "id", "url", "archive_url", "fetched_at"
        )
    }
    snapshots = Snapshot.objects.filter(source_id__in=ids).defer("text", "headers")
    for snapshot in snapshots.order_by("source_id", "-fetched_at", "-id"):
        entry = found.get(snapshot.source_id)
        if (
            entry is not None
            and entry["snapshot"] is None
            and snapshot.requested_url == cited[snapshot.source_id]
        ):
            entry["snapshot"] = snapshot
    return found


# Webhooks and export (issue 13): for the organization's admins' pages.


def organization_webhooks(organization: Organization):
    """An organization's webhook endpoints, oldest first, each with its latest delivery's time."""
    from annotations.models import WebhookDelivery, WebhookEndpoint

    latest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id")
    return WebhookEndpoint.objects.filter(organization=organization).annotate(
        last_delivery_at=Subquery(latest.values("created_at")[:1]),
        last_delivery_state=Subquery(latest.values("state")[:1]),
    )


def webhook_deliveries(endpoint):
    """An endpoint's deliveries, newest first: the delivery log, each pending one with
    `next_attempt_at`, when its queued retry is due (None: now, or not queued)."""
    retry = Job.objects.filter(
        kind="webhook", subject_id=OuterRef("pk"), state=Job.State.QUEUED
    ).order_by("-id")
    return endpoint.deliveries.annotate(
        next_attempt_at=Subquery(retry.values("run_after")[:1])
    ).order_by("-created_at", "-id")


# The scale editor (annotations.organization_pages.scale_page)


def verdicts_kept(scale: RatingScale) -> list[str]:
    """What current published verdicts still show of `scale` as it was, one line per rating
    and label: "3 published verdicts keep “Mostly false” until they are republished."

    A published version freezes its rating's label, value, colour and description and the
    scale's range (`versions.RATING_FIELDS`); after the scale is edited, readers see those
    until a reviewer republishes the claim. Empty when every published verdict matches the
    scale. Best rating first.
    """
    ratings = {rating.pk: rating for rating in scale.ratings.all()}
    for rating in ratings.values():
        rating.scale = scale  # read by `rating_fields`; one scale, loaded once
    now = {pk: versions.rating_fields(rating) for pk, rating in ratings.items()}
    rows = (
        PublishedVersion.objects.filter(
            rating_id__in=ratings, is_current=True, kind=PublishedVersion.Kind.PUBLISHED
        )
        .order_by()  # counted, not listed: the model's default order would join and sort
        .values_list("rating_id", *versions.RATING_FIELDS)
    )
    kept: Counter = Counter()
    for rating_id, *frozen in rows:
        shown = dict(zip(versions.RATING_FIELDS, frozen, strict=True))
        differ = tuple(name for name, value in shown.items() if value != now[rating_id][name])
        if differ:
            kept[(ratings[rating_id].position, rating_id, shown["rating_label"], differ)] += 1
    return [
        _kept_line(count, label, ratings[rating_id].label, differ)
        for (_, rating_id, label, differ), count in sorted(kept.items())
    ]


# How the editor names what a published verdict keeps, besides its label.
_KEPT_NAMES = {
    "rating_value": "value",
    "rating_colour": "colour",
    "rating_description": "description",
    "rating_worst_value": "scale range",
    "rating_best_value": "scale range",
}


def _kept_line(count: int, label: str, label_now: str, differ: tuple[str, ...]) -> str:
    verdicts = f"{count} published verdict{'s' if count != 1 else ''}"
    keep = "keeps" if count == 1 else "keep"
    until = "it is republished" if count == 1 else "they are republished"
    names = list(dict.fromkeys(_KEPT_NAMES[name] for name in differ if name != "rating_label"))
    what = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    if "rating_label" not in differ:
        return f"{verdicts} of “{label_now}” {keep} the earlier {what} until {until}."
    also = f" (and the earlier {what})" if what else ""
    return f"{verdicts} {keep} “{label}”{also} until {until}."


def same_person_invited(email, invited_user) -> Q:
    """Invitations of the person invited at `email` or as the account `invited_user` (values
    or expressions): an account is invited by its name or its address, and both are it. An
    empty address names nobody (an account without one is known by its name alone)."""
    by_account = Q(invited_user__isnull=False, invited_user=invited_user)
    return by_account if email == "" else by_account | Q(email__iexact=email)


def members_shown(user, organization: Organization) -> QuerySet[Membership]:
    """The organization's members by username, for its members and those who may manage
    them to see; none for anyone else."""
    # Its admins too: the site's operator runs any organization's members without being one.
    if not (
        permissions.is_member(user, organization)
        or permissions.can_manage_members(user, organization)
    ):
        return Membership.objects.none()
    return organization.memberships.select_related("user").order_by("user__username")


def invitations_shown(user, organization: Organization) -> list[Invitation]:
    """The open invitations (`open_invitations`) for an admin of the organization, each
    marked `stands` when its link still opens; none for anyone else.

    One whose sender has since been deactivated or stopped being an admin here stays
    listed, to be sent again (the sender becomes the admin who does) or revoked: listed
    like the others, it looked as if it still worked, and its link said it was withdrawn.
    """
    if not permissions.can_manage_members(user, organization):
        return []
    invitations = list(open_invitations(organization))
    for invitation in invitations:
        invitation.stands = permissions.invitation_sender_stands_behind(invitation)
    return invitations


def open_invitations(organization: Organization) -> QuerySet[Invitation]:
    """The organization's invitations its admins may still act on, oldest first: pending
    ones, and expired ones (to send again) that no newer invitation of the same person
    has replaced."""
    replaced = Invitation.objects.filter(
        same_person_invited(OuterRef("email"), OuterRef("invited_user")),
        organization=organization,
        created_at__gt=OuterRef("created_at"),
    )
    return (
        organization.invitations.filter(
            Q(state=Invitation.State.PENDING)
            | Q(state=Invitation.State.EXPIRED) & ~Exists(replaced)
        )
        .select_related("invited_user", "invited_by")
        .order_by("created_at", "pk")
    )
