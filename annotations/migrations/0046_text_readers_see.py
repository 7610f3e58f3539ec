"""The revision of each article's text that readers see: until now always the newest, which
is what every article starts with. From here on a revision made while verdicts readers see
stand on the text waits for a second person before readers see it."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def readers_see_the_newest(apps, schema_editor):
    Article = apps.get_model("annotations", "Article")
    ArticleRevision = apps.get_model("annotations", "ArticleRevision")
    newest = ArticleRevision.objects.filter(article=OuterRef("pk")).order_by("-number")
    Article.objects.update(public_revision=Subquery(newest.values("pk")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0045_newest_first_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="public_revision",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="annotations.articlerevision",
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="public_revision_shown_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(readers_see_the_newest, migrations.RunPython.noop),
    ]
