"""Write the ClaimReview feed (/api/v1/claimreview/) to a file, e.g. for the Data Commons feed."""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotations import queries
from annotations.api import claimreview
from annotations.models import Organization


class Command(BaseCommand):
    help = (
        "Write every current published ClaimReview as one schema.org DataFeed (JSON-LD), the "
        "same document /api/v1/claimreview/ serves, with absolute URLs on PUBLIC_BASE_URL "
        "(env FACTCHECK_PUBLIC_URL). Streams: memory stays flat however many claims."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organization", metavar="SLUG", help="Only this organization's.")
        parser.add_argument(
            "--output", metavar="FILE", help="Write here (replaced when complete); default stdout."
        )

    def handle(self, *args, organization=None, output=None, **options):
        org = None
        if organization is not None:
            org = Organization.objects.filter(slug=organization).first()
            if org is None:
                raise CommandError(f"No organization with slug {organization!r}.")
        stamp = queries.public_stamp(org)
        chunks = claimreview.feed_chunks(
            queries.claim_reviews(org),
            url=claimreview.feed_url(settings.PUBLIC_BASE_URL, org),
            modified=claimreview.feed_modified(stamp),
            origin=settings.PUBLIC_BASE_URL,
        )
        if output is None:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        written = self._write_whole(Path(output), chunks)
        self.stderr.write(f"Wrote {written} ClaimReviews to {output}.")

    def _write_whole(self, target: Path, chunks) -> int:
        # A feed reader polling the file never sees half of it: write beside, then rename.
        handle, temporary = tempfile.mkstemp(
            dir=target.parent or Path("."), prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                written = -2  # the envelope's opening and closing are chunks too
                for chunk in chunks:
                    file.write(chunk)
                    written += 1
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
            return written
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
