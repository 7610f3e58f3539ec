"""Each revision keeps the block structure saved with it, for readers shown an older text
while a newer one waits; the newest revision's is its article's, older ones' are unknown."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def newest_revisions_take_their_articles_structure(apps, schema_editor):
    Article = apps.get_model("annotations", "Article")
    ArticleRevision = apps.get_model("annotations", "ArticleRevision")
    newest_of_its_article = ArticleRevision.objects.filter(article=OuterRef("article")).order_by(
        "-number"
    )
    article_structure = Article.objects.filter(pk=OuterRef("article")).values("structure")
    ArticleRevision.objects.filter(pk=Subquery(newest_of_its_article.values("pk")[:1])).update(
        structure=Subquery(article_structure[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0046_text_readers_see"),
    ]

    operations = [
        migrations.AddField(
            model_name="articlerevision",
            name="structure",
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(
            newest_revisions_take_their_articles_structure, migrations.RunPython.noop
        ),
    ]
