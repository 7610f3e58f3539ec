"""Indexes for two newest-first lists: a member's notifications, and the operator's jobs.

Both tables grow with use, and on PostgreSQL a plain CREATE INDEX holds writes to the table
until it is built: every save that notifies someone, and every job enqueued, would wait
(the lesson of migration 0042). There the indexes are built CONCURRENTLY, outside a
transaction; SQLite builds them as usual.
"""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexWithoutBlockingWrites(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL, a plain CREATE INDEX elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("annotations", "0044_two_person_rule_wording"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexWithoutBlockingWrites(
            model_name="job",
            index=models.Index(fields=["-created_at", "-id"], name="job_newest"),
        ),
        AddIndexWithoutBlockingWrites(
            model_name="notification",
            index=models.Index(
                fields=["recipient", "-created_at", "-id"], name="notification_newest"
            ),
        ),
    ]
