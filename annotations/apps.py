"""App configuration for the annotations app."""

from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annotations"
    verbose_name = "Fact-check annotations"

    def ready(self):
        from annotations import (
            checks,  # noqa: F401  (registers the deploy checks)
            file_cleanup,
        )

        file_cleanup.connect()
