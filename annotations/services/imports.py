"""Imports: uploads and web pages turned into articles, in the request or by the worker."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from annotations import fetching, ingest, jobs, permissions, urlnorm
from annotations.ingest import formats as ingest_formats
from annotations.ingest import structure as ingest_structure
from annotations.ingest.pdffile import open_pdf
from annotations.models import (
    Article,
    ArticleImport,
    ArticleRevision,
    Claim,
    Organization,
    is_plausible_date,
    one_line,
    require_visible,
    without_direction_overrides,
)
from annotations.rows import locked
from annotations.services.articles import (
    _revision_create,
    article_create,
    article_update_text,
    fill_public_addresses,
)

# Imports: uploads and URLs into articles


def _store_original(article_import: ArticleImport, data: bytes) -> None:
    article_import.size = len(data)
    article_import.sha256 = hashlib.sha256(data).hexdigest()
    article_import.original.save(article_import.sha256, ContentFile(data), save=False)


class ArticleAlreadyHere(ValidationError):
    """The page is an article of the organization that has claims, and the editor did not
    ask for its text to be replaced: nothing was changed.

    A new revision re-anchors every claim: one whose words the page no longer has is
    orphaned, and a published verdict leaves readers for review. Replacing it is the
    editor's choice, never a side effect of adding an article.
    """

    def __init__(self, article: Article, address: str, *, found_after_fetch: bool):
        self.article = article
        claims = article.claims.count()
        published = article.claims.filter(status=Claim.Status.PUBLISHED).count()
        counted = f"{claims} claim{'s' if claims != 1 else ''}" + (
            f", {published} of them published" if published else ""
        )
        title = article.title if len(article.title) <= 80 else f"{article.title[:79]}…"
        whose = (
            f"This page is already the article “{title}” here (its address is "
            f"{article.canonical_url})"
            if found_after_fetch
            else f"{address} is already the article “{title}” here"
        )
        # What happened, for each way in to follow with how to ask (form, API, command).
        self.situation = f"{whose}, with {counted}. Nothing was changed."
        super().__init__(
            f"{self.situation} To replace that article's text with the page as it is now, "
            "import the address again asking for that."
        )


def _asks_before_replacing(article: Article) -> bool:
    """Whether a URL import may give `article` a new revision only if the editor asked."""
    return article.status == Article.Status.READY and article.claims.exists()


@transaction.atomic
def _article_from_extracted(
    *,
    article_import: ArticleImport,
    extracted: ingest.Extracted,
    actor,
    title: str = "",
) -> Article:
    """Fill a new article from extracted text, or give an existing one a new revision."""
    article = article_import.article
    # The article this import gives a new revision: the ready one it was asked for, or the
    # one a placeholder's page turned out to be (its address redirected, or another import
    # of it finished first).
    existing = None
    if article is not None:
        existing = (
            article
            if article.status == Article.Status.READY
            else _same_address_article(article, extracted, article_import)
        )
    if (
        existing is not None
        and existing is not article
        and not article_import.revises_existing
        and _asks_before_replacing(existing)
    ):
        raise ArticleAlreadyHere(existing, "", found_after_fetch=True)
    if existing is not None:
        article_update_text(
            article=existing,
            text=extracted.text,
            actor=actor,
            reason=ArticleRevision.REIMPORTED,
            structure=extracted.structure,
        )
        if existing is not article:  # the placeholder goes
            article_import.article = existing
            article_import.save(update_fields=["article"])
            article.delete()
        article = existing
    elif article is not None:
        # A placeholder made when an asynchronous import began.
        article.title = _first_visible(title, _named(extracted.title), article.title)[:500]
        article.text = ingest.canonical_text(extracted.text)
        article.structure = ingest_structure.clean(article.text, extracted.structure)
        article.status = Article.Status.READY
        article.import_error = ""
        # The placeholder held the address typed; the page's own canonical link, or where
        # its redirects led, is the article's address (and what the embed will send).
        article.canonical_url = _fetched_page_address(extracted, article_import)
        _copy_metadata(article, extracted, article_import)
        # The slug waits for the real title: the placeholder's was a file name or address.
        fill_public_addresses(article)
        article.full_clean()
        article.save()
        _revision_create(article=article, actor=actor, reason="imported")
        jobs.enqueue(kind="spot", subject_id=article.pk)  # claim-spotting suggestions (issue 14)
    else:
        named = _first_visible(title, _named(extracted.title), _display_name(article_import))
        article = article_create(
            organization=article_import.organization,
            title=named[:500],
            text=extracted.text,
            created_by=actor,
            structure=extracted.structure,
        )
        _copy_metadata(article, extracted, article_import)
        fill_public_addresses(article)
        article.full_clean()
        article.save()
    article_import.article = article
    article_import.media_type = extracted.media_type
    article_import.guessed_encoding = extracted.guessed_encoding[:40]
    article_import.state = ArticleImport.State.SUCCEEDED
    article_import.error = ""
    article_import.finished_at = timezone.now()
    article_import.save()
    return article


def _same_address_article(
    placeholder: Article, extracted: ingest.Extracted, article_import: ArticleImport
) -> Article | None:
    """A ready article of the organization filed under the address this import resolved to.

    Known only now, after the fetch. The organization's row lock makes imports finishing
    at the same moment take turns, so the second one finds the first's article.
    """
    address = _fetched_page_address(extracted, article_import) or extracted.canonical_url
    key = urlnorm.url_key(address)
    if not key:
        return None
    Organization.objects.select_for_update(no_key=True).filter(
        pk=placeholder.organization_id
    ).first()
    return _first_with_claims(
        Article.objects.filter(
            organization_id=placeholder.organization_id, url_key=key, status=Article.Status.READY
        ).exclude(pk=placeholder.pk)
    )


def _first_with_claims(articles) -> Article | None:
    """The oldest of `articles` that has claims, else the oldest. An upload may have filed a
    copy of a page under its address beside the article with verdicts: a URL import must
    find that one, and ask before replacing it, not slip into the copy."""
    return (
        articles.annotate(has_claims=Exists(Claim.objects.filter(article=OuterRef("pk"))))
        .order_by("-has_claims", "created_at", "pk")
        .first()
    )


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _fetched_page_address(extracted: ingest.Extracted, article_import: ArticleImport) -> str:
    """The address a page fetched by URL is filed under: its canonical link, if on its host.

    A page may name any address as canonical; one on another host is not taken at its
    word, or any site could file its page under a real newspaper's article (and its
    claims would show on that article through the embed). Then where it was fetched.
    """
    fetched = article_import.final_url or article_import.source_url
    canonical = extracted.canonical_url
    if canonical and fetched and _host(canonical) == _host(fetched):
        return canonical[:2000]
    return fetched[:2000]


def _copy_metadata(article: Article, extracted: ingest.Extracted, article_import: ArticleImport):
    article.byline = article.byline or _named(extracted.byline)[:300]
    article.publisher = article.publisher or _named(extracted.publisher)[:200]
    article.canonical_url = (
        article.canonical_url or extracted.canonical_url or article_import.final_url
        or article_import.source_url
    )[:2000]  # fmt: skip
    # A page's metadata can date it in the future or in year 0001: no date beats a wrong one.
    found_date = extracted.published if is_plausible_date(extracted.published) else None
    article.published_on = article.published_on or found_date
    article.language = article.language or extracted.language[:20]


# How many of an organization's latest URL imports are searched for an earlier import of
# the same address: enough for months of a desk's work, bounded for a busy one.
EARLIER_IMPORTS_SEARCHED = 2000


def _article_imported_from(organization, url: str) -> Article | None:
    """The ready article an earlier import of this address (in any spelling) filled in.

    An address that redirects, or whose page names another canonical address, made its
    article under that other address; its imports still remember the address typed.
    """
    key = urlnorm.url_key(url)
    earlier = (
        ArticleImport.objects.filter(
            organization=organization,
            kind=ArticleImport.Kind.URL,
            state=ArticleImport.State.SUCCEEDED,
            article__status=Article.Status.READY,
        )
        .order_by("-created_at", "-id")
        .values_list("source_url", "final_url", "article_id")[:EARLIER_IMPORTS_SEARCHED]
    )
    for source_url, final_url, article_id in earlier:
        if key in (urlnorm.url_key(source_url), urlnorm.url_key(final_url)):
            return Article.objects.get(pk=article_id)
    return None


def _first_visible(*titles: str) -> str:
    """The first title with something to see: a page titled with a zero-width space alone
    would make an article nobody can open from the list."""
    # On one line, typed or found (review R23: a title typed beside a URL kept its line
    # breaks, as pasted ones no longer do).
    titles = [one_line(title) for title in titles]
    for title in titles:
        try:
            if title:
                require_visible(title)
                return title
        except ValidationError:
            continue
    return titles[-1]


def _display_name(article_import: ArticleImport) -> str:
    return _named(article_import.filename) or article_import.source_url or "Imported article"


def _named(value: str) -> str:
    """A name a page or a file gave (its title, byline, publisher, file name), stripped of
    its direction overrides: typed ones are refused, with the field named, but these came
    with the document, and a page titled "\u202eeslaf" must still import."""
    return one_line(without_direction_overrides(value))


@transaction.atomic
def import_fail(*, article_import: ArticleImport, actor, message: str) -> ArticleImport:
    """Record why a pending import failed, on the import and on its placeholder article."""
    permissions.require_edit(actor, article_import.organization)
    current = locked(ArticleImport.objects, "import", pk=article_import.pk)
    if current.state != ArticleImport.State.PENDING:
        return current
    if current.sha256 and not article_import.sha256:
        # Another run fetched the page while this one's fetch failed, and goes on with it:
        # this failure is no longer the import's, and its stale copy must not be saved
        # over the page that run stored.
        return current
    current.state = ArticleImport.State.FAILED
    current.error = message[:500]
    current.finished_at = timezone.now()
    current.save(update_fields=["state", "error", "finished_at"])
    article = current.article
    if article is not None and article.status == Article.Status.IMPORTING:
        article.status = Article.Status.FAILED
        article.import_error = message[:2000]
        article.save(update_fields=["status", "import_error", "updated_at"])
    return current


def import_run(
    *, article_import: ArticleImport, actor, raise_transient: bool = False
) -> ArticleImport:
    """Fetch (for a URL) and extract a pending import; failures are recorded, not raised.

    Safe to run again, or twice at once: an import that is no longer pending is left as it
    is, so a retried job never makes a second article or revision. With `raise_transient`,
    a fetch failure that may pass (a timeout, an unreachable or overloaded server) is
    raised for the job to retry instead of being recorded.
    """
    permissions.require_edit(actor, article_import.organization)
    if article_import.state != ArticleImport.State.PENDING:
        return article_import
    data = b""
    try:
        if article_import.kind == ArticleImport.Kind.URL and not article_import.sha256:
            fetched = fetching.fetch(
                article_import.source_url, policy=fetching.policy_from_settings()
            )
            with transaction.atomic():
                # Read again, locked: the row was read before a slow fetch, and a second run
                # that took over meanwhile may have stored its own page, or finished; what
                # it made is kept, and this run stops.
                current = locked(ArticleImport.objects, "import", pk=article_import.pk)
                if current.state != ArticleImport.State.PENDING or current.sha256:
                    return current
                article_import.final_url = fetched.final_url[:2000]
                article_import.declared_type = fetched.declared_type[:200]
                _store_original(article_import, fetched.body)
                article_import.save(
                    update_fields=["final_url", "declared_type", "original", "size", "sha256"]
                )
            data = fetched.body
        else:
            with article_import.original.open("rb") as original:
                data = original.read()
        extracted = ingest.extract(
            data,
            filename=article_import.filename,
            declared_type=article_import.declared_type,
            limits=ingest.limits_from_settings(),
            source_url=article_import.final_url or article_import.source_url,
        )
    except fetching.FetchError as error:
        if raise_transient and error.transient:
            raise
        return import_fail(article_import=article_import, actor=actor, message=str(error))
    except ingest.IngestError as error:
        return import_fail(article_import=article_import, actor=actor, message=str(error))
    try:
        with transaction.atomic():
            # The row lock makes a second run of the same import wait here, then find it done.
            current = locked(ArticleImport.objects, "import", pk=article_import.pk)
            if current.state != ArticleImport.State.PENDING:
                return current
            _article_from_extracted(
                article_import=article_import,
                extracted=extracted,
                actor=article_import.requested_by,
                title=article_import.title,
            )
    except ArticleAlreadyHere as clash:
        return import_fail(article_import=article_import, actor=actor, message=clash.message)
    return article_import


@transaction.atomic
def _import_begin(
    *,
    organization: Organization,
    requested_by,
    kind: str,
    article: Article | None,
    title: str = "",
    filename: str = "",
    source_url: str = "",
    declared_type: str = "",
    data: bytes = b"",
    revises_existing: bool = False,
) -> ArticleImport:
    if article is None:
        placeholder = one_line(title) or _named(filename) or source_url
        article = Article(
            organization=organization,
            title=placeholder[:500],
            canonical_url=source_url,
            # Matched when the same address is typed again after this import failed.
            url_key=urlnorm.url_key(source_url),
            status=Article.Status.IMPORTING,
            created_by=permissions.as_user(requested_by),
        )
        article.full_clean()
        article.save()
    article_import = ArticleImport(
        organization=organization,
        article=article,
        requested_by=requested_by,
        kind=kind,
        filename=filename[:255],
        title=one_line(title)[:500],
        source_url=source_url,
        declared_type=declared_type[:200],
        revises_existing=revises_existing,
    )
    if data:
        _store_original(article_import, data)
    article_import.full_clean()
    article_import.save()
    return article_import


def _queue(article_import: ArticleImport, in_process: bool) -> None:
    """Send the import to a worker, in the caller's transaction (sent once it commits);
    an import run `in_process` is run by the caller with `_run_here`, after it commits."""
    if not in_process:
        jobs.enqueue(kind="import", subject_id=article_import.pk)


def _run_here(article_import: ArticleImport, in_process: bool) -> None:
    """Run an `in_process` import now. Called outside the transaction that recorded it:
    the fetch and the parse would otherwise hold its locks (the organization's, for every
    import of the newsroom; on SQLite every write) for as long as a slow site takes."""
    if in_process:
        import_run(article_import=article_import, actor=article_import.requested_by)


def article_import_upload(
    *,
    organization: Organization,
    requested_by,
    data: bytes,
    filename: str,
    declared_type: str = "",
    title: str = "",
    article: Article | None = None,
    in_process: bool = False,
) -> Article:
    """Import an uploaded document as a new article, or as a new revision of `article`.

    The file is checked and (except for PDFs and files over
    FACTCHECK_UPLOAD_READ_HERE_MAX_BYTES) extracted here: a refused file raises
    `IngestError` and stores nothing. PDFs and large files are read by the worker under a
    time limit; the article shows as importing until then. `in_process` reads them here.
    """
    permissions.require_edit(
        requested_by, organization, "Your role does not allow adding articles."
    )
    if article is not None and article.organization_id != organization.pk:
        raise PermissionDenied("That article belongs to another organization.")
    limits = ingest.limits_from_settings()
    ingest.check_size(len(data), limits)
    media_type = ingest_formats.detect(data, filename=filename, declared_type=declared_type)
    # A large file is read by the worker under its time limit: read here, 80 KB of hostile
    # markup or a few MB of plain markup held a web worker for minutes (review R24).
    by_the_worker = len(data) > settings.FACTCHECK_UPLOAD_READ_HERE_MAX_BYTES
    if media_type == ingest_formats.PDF or by_the_worker:
        if media_type == ingest_formats.PDF:
            # Refuse what can be told at once (encrypted, damaged, too many pages); the
            # text layer is read by the worker.
            open_pdf(data, limits)
        with transaction.atomic():
            article_import = _import_begin(
                organization=organization, requested_by=requested_by,
                kind=ArticleImport.Kind.UPLOAD, article=article, title=title,
                filename=filename, declared_type=declared_type, data=data,
            )  # fmt: skip
            _queue(article_import, in_process)
        _run_here(article_import, in_process)
        article_import.refresh_from_db()
        return article_import.article
    extracted = ingest.extract(data, filename=filename, declared_type=declared_type, limits=limits)
    with transaction.atomic():
        article_import = ArticleImport(
            organization=organization, article=article, requested_by=requested_by,
            kind=ArticleImport.Kind.UPLOAD, filename=filename[:255],
            declared_type=declared_type[:200],
        )  # fmt: skip
        _store_original(article_import, data)
        article_import.save()
        return _article_from_extracted(
            article_import=article_import, extracted=extracted, actor=requested_by, title=title
        )


def article_import_url(
    *,
    organization: Organization,
    requested_by,
    url: str,
    title: str = "",
    in_process: bool = False,
    revise_existing: bool = False,
) -> Article:
    """Start importing a web page; an article with that URL already gets a new revision.

    An article that has claims gets one only with `revise_existing`, else `ArticleAlreadyHere`
    is raised, or (found only after the fetch, by the page's canonical link or redirects)
    the import fails saying so. The URL is checked here (scheme, literal addresses); the
    fetch runs in the worker, which checks every resolved address. The article shows as
    importing until the task ends.
    """
    permissions.require_edit(
        requested_by, organization, "Your role does not allow adding articles."
    )
    typed = url.strip()
    # Spaces encoded as a browser sends them: a pasted "…/annual report.html" is meant.
    url = urlnorm.as_typed(url)
    try:
        url = fetching.check_url(url, fetching.policy_from_settings())
    except fetching.FetchError as error:
        raise ValidationError({"url": str(error)}) from error
    try:
        # The article keeps the address as its canonical URL; a URL the fetcher accepts but
        # that field does not must be refused here, under the address the user typed,
        # rather than as a "canonical url" error of a placeholder article.
        Article._meta.get_field("canonical_url").run_validators(url)
    except ValidationError as error:
        raise ValidationError(
            {"url": f"{typed} is not a web address in a form that can be stored."}
        ) from error
    # Matched by key, so "…/story/" and "…/story?b=2&a=1" find the article "…/story?a=1&b=2" made.
    key = urlnorm.url_key(url)
    with transaction.atomic():
        # The organization's row lock makes requests for one address take turns, so the
        # second finds the article the first made or is still importing.
        Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
        existing = _first_with_claims(
            Article.objects.filter(
                organization=organization, url_key=key, status=Article.Status.READY
            )
        ) or _article_imported_from(organization, url)
        if existing is None:
            existing = _placeholder_importing(organization, key)
        if existing is not None and _url_import_pending(existing, key):
            # Sent again while its import runs (a client retrying a slow answer, a double
            # click): that import brings the page; a second fetch would only repeat it.
            return existing
        if existing is not None and not revise_existing and _asks_before_replacing(existing):
            raise ArticleAlreadyHere(existing, typed, found_after_fetch=False)
        if existing is None:
            # The same address typed again after a failed import: that article tries again,
            # rather than a second one failing beside it.
            existing = _failed_placeholder(organization, url)
        article_import = _import_begin(
            organization=organization, requested_by=requested_by, kind=ArticleImport.Kind.URL,
            article=existing, title=title, source_url=url, revises_existing=revise_existing,
        )  # fmt: skip
        _queue(article_import, in_process)
    _run_here(article_import, in_process)
    article_import.refresh_from_db()
    return article_import.article


def _placeholder_importing(organization: Organization, key: str) -> Article | None:
    """The article an import of this address under way will fill (no text yet)."""
    return (
        Article.objects.filter(
            organization=organization, url_key=key, status=Article.Status.IMPORTING
        )
        .exclude(Exists(ArticleRevision.objects.filter(article=OuterRef("pk"))))
        .order_by("created_at", "id")
        .first()
    )


def _url_import_pending(article: Article, key: str) -> bool:
    """Whether an import of this address into `article` has yet to fetch or finish."""
    pending = ArticleImport.objects.filter(
        article=article, kind=ArticleImport.Kind.URL, state=ArticleImport.State.PENDING
    ).values_list("source_url", flat=True)
    return any(urlnorm.url_key(source_url) == key for source_url in pending)


def _failed_placeholder(organization: Organization, url: str) -> Article | None:
    """The article a failed import of this address left (no text yet), made importing again."""
    article = (
        Article.objects.select_for_update(no_key=True)
        .filter(
            organization=organization,
            url_key=urlnorm.url_key(url),
            status=Article.Status.FAILED,
        )
        .exclude(Exists(ArticleRevision.objects.filter(article=OuterRef("pk"))))
        .order_by("-created_at", "-id")
        .first()
    )
    if article is not None:
        _importing_again(article)
    return article


def _importing_again(article: Article) -> None:
    article.status = Article.Status.IMPORTING
    article.import_error = ""
    article.save(update_fields=["status", "import_error", "updated_at"])


def import_again(*, article: Article, actor, in_process: bool = False) -> ArticleImport:
    """Run the article's newest import again after it failed: its address is fetched anew,
    or its file read again (after a fix on this side, or a site that was down).

    The article shows as importing until the new attempt ends; one that kept its earlier
    text (a failed re-import) keeps it, and gets a new revision if this attempt succeeds.
    """
    permissions.require_edit(actor, article.organization, "Your role does not allow importing.")
    with transaction.atomic():
        again = _import_again_recorded(article, actor, in_process)
    _run_here(again, in_process)
    return again


def _import_again_recorded(article: Article, actor, in_process: bool) -> ArticleImport:
    article = locked(Article.objects, "article", pk=article.pk)
    failed = ArticleImport.objects.filter(article=article).order_by("-created_at", "-id").first()
    if failed is None or failed.state != ArticleImport.State.FAILED:
        raise ValidationError(
            "Nothing to import again: the newest import of this article did not fail."
            if failed is not None
            else "This article was not imported: there is nothing to import again."
        )
    again = ArticleImport(
        organization=article.organization,
        article=article,
        requested_by=actor,
        kind=failed.kind,
        filename=failed.filename,
        source_url=failed.source_url,
        declared_type=failed.declared_type,
        revises_existing=failed.revises_existing,
    )
    if failed.kind == ArticleImport.Kind.UPLOAD:
        with failed.original.open("rb") as original:
            _store_original(again, original.read())
    again.full_clean()
    again.save()
    if article.status == Article.Status.FAILED:
        _importing_again(article)
    _queue(again, in_process)
    return again


@transaction.atomic
def article_discard(*, article: Article, actor) -> None:
    """Delete an article whose import failed before it had any text: nothing else holds it
    (no revision, no claim, nothing readers saw), and it would clutter the desk for good."""
    permissions.require_edit(actor, article.organization, "Your role does not allow this.")
    article = locked(Article.objects, "article", pk=article.pk)
    if article.status != Article.Status.FAILED or article.revisions.exists():
        raise ValidationError(
            "Only an article whose import failed before it had any text can be deleted."
        )
    originals = [
        stored.original
        for stored in ArticleImport.objects.filter(article=article).exclude(original="")
    ]
    article.delete()
    # The received files go once the deletion is committed (a rollback keeps them).
    for original in originals:
        transaction.on_commit(lambda original=original: original.delete(save=False))
