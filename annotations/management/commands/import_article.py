"""Import articles from files, folders or URLs, in this process, waiting for each to finish."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations import ingest, services
from annotations.models import Article, ArticleImport, Organization

IMPORTABLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"}


class Command(BaseCommand):
    help = (
        "Import articles from files, folders (every importable file inside) or http(s) URLs. "
        "Runs each import here, so no worker is needed; exits non-zero if any import failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", metavar="PATH_OR_URL")
        parser.add_argument("--org", required=True, help="Slug of the organization.")
        parser.add_argument("--user", required=True, help="Username of the importing editor.")
        parser.add_argument(
            "--article", type=int, help="Re-import into this article (one source only)."
        )
        parser.add_argument(
            "--revise-existing",
            action="store_true",
            help="A URL that is already an article with claims replaces its text (a new "
            "revision; claims re-anchored, changed published verdicts back to review); "
            "without this it is refused.",
        )

    def handle(self, *args, sources, org, user, article=None, revise_existing=False, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        editor = get_user_model().objects.filter(username=user).first()
        if editor is None:
            raise CommandError(f"No user {user!r}.")
        target = None
        if article is not None:
            target = Article.objects.filter(pk=article, organization=organization).first()
            if target is None:
                raise CommandError(f"No article {article} in {organization}.")
            if len(sources) != 1:
                raise CommandError("--article takes exactly one source.")
        items = list(self._expand(sources))
        failures = 0
        for number, item in enumerate(items, start=1):
            prefix = f"[{number}/{len(items)}] {item}"
            try:
                result = self._import_one(item, organization, editor, target, revise_existing)
            except (ingest.IngestError, ValidationError, PermissionDenied, OSError) as error:
                failures += 1
                said = _message(error)
                if isinstance(error, services.ArticleAlreadyHere):
                    said = f"{error.situation} Add --revise-existing to replace its text."
                self.stderr.write(f"{prefix}: refused: {said}")
                continue
            latest = result.imports.first()
            if latest is not None and latest.state == ArticleImport.State.FAILED:
                failures += 1
                self.stderr.write(f"{prefix}: failed: {latest.error}")
            elif result.status == Article.Status.READY:
                self.stdout.write(
                    f"{prefix}: ok, article #{result.pk} “{result.title}” "
                    f"({len(result.text):,} characters)"
                )
            else:
                failures += 1
                self.stderr.write(f"{prefix}: failed: {result.import_error}")
        summary = f"{len(items) - failures} imported, {failures} refused or failed"
        if failures:
            raise CommandError(summary)
        self.stdout.write(summary)

    def _expand(self, sources):
        for source in sources:
            if source.startswith(("http://", "https://")):
                yield source
                continue
            path = Path(source)
            if path.is_dir():
                yield from sorted(
                    str(p)
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in IMPORTABLE_SUFFIXES
                )
            else:
                yield source

    def _import_one(self, item, organization, editor, target, revise_existing) -> Article:
        if item.startswith(("http://", "https://")):
            article = services.article_import_url(
                organization=organization,
                requested_by=editor,
                url=item,
                in_process=True,
                revise_existing=revise_existing,
            )
        else:
            path = Path(item)
            article = services.article_import_upload(
                organization=organization,
                requested_by=editor,
                data=path.read_bytes(),
                filename=path.name,
                article=target,
                in_process=True,
            )
        article.refresh_from_db()
        return article


def _message(error) -> str:
    if isinstance(error, ValidationError):
        # The fetcher's reasons begin "refused:", which the line says already.
        return "; ".join(message.removeprefix("refused: ") for message in error.messages)
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error)
