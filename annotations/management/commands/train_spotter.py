"""Train the claim spotter on the public transcripts, or retrain it with a newsroom's labels."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations import spotting, spotting_train
from annotations.models import Organization


class Command(BaseCommand):
    help = (
        "Train the claim spotter (fixed seed) on the CLEF 2019 Task 1 and CLEF 2020 Task 5 "
        "training transcripts in annotations/spotter/data/, print its cross-validated MAP and "
        "its MAP on the CLEF 2019 test set, and write the model file. With "
        "--with-newsroom-labels --organization SLUG, retrain with that organization's accepted "
        "and dismissed suggestions and hand-made claims, report MAP before and after, and keep "
        "the new model for that organization only if it is not worse."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="FILE",
            help=f"Where to write the model (default {spotting.MODEL_PATH}).",
        )
        parser.add_argument(
            "--limit",
            type=int,
            metavar="N",
            help="Train on the first N transcripts only (a quick slice).",
        )
        parser.add_argument(
            "--method", choices=spotting_train.METHODS, default=spotting_train.DEFAULT_METHOD
        )
        parser.add_argument(
            "--c", type=float, default=spotting_train.DEFAULT_C, help="Inverse regularisation."
        )
        parser.add_argument("--folds", type=int, default=5, help="Cross-validation folds.")
        parser.add_argument("--no-cv", action="store_true", help="Skip cross-validation.")
        parser.add_argument("--with-newsroom-labels", action="store_true")
        parser.add_argument("--organization", metavar="SLUG")

    def handle(self, *args, **options):
        def log(message):
            self.stdout.write(message)

        if options["with_newsroom_labels"]:
            from annotations import spotting_newsroom

            slug = options["organization"]
            if not slug:
                raise CommandError("--with-newsroom-labels needs --organization SLUG.")
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                raise CommandError(f"No organization with slug {slug!r}.")
            try:
                spotting_newsroom.retrain(organization, log=log)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            return
        if options["organization"]:
            raise CommandError("--organization only goes with --with-newsroom-labels.")
        output = Path(options["output"]) if options["output"] else None
        spotting_train.train_and_report(
            output=output,
            limit=options["limit"],
            method=options["method"],
            c=options["c"],
            folds=options["folds"],
            cross_validation=not options["no_cv"],
            log=log,
        )
