"""Import ClaimReview JSON-LD (a file or a URL) into the corpus of earlier fact-checks."""

from django.core.management.base import BaseCommand, CommandError

from annotations import fetching, permissions, services
from annotations.evidence import claimreview


class Command(BaseCommand):
    help = (
        "Import ClaimReview JSON-LD from a file or URL: single objects, lists, DataFeed "
        "wrappers (the Data Commons fact-check feed) or HTML pages with ld+json scripts."
    )

    def add_arguments(self, parser):
        parser.add_argument("location", help="A file path or an http(s) URL.")

    def handle(self, *args, location, **options):
        try:
            reviews = claimreview.load(location)
        except (claimreview.ClaimReviewError, fetching.FetchError) as error:
            raise CommandError(str(error)) from error
        stored = services.imported_fact_checks_save(
            reviews=reviews, actor=permissions.SYSTEM, imported_from=location
        )
        self.stdout.write(f"Imported {stored} fact-checks from {location}.")
