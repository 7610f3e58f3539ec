"""Give articles that an import filled in their reader-page slug and URL key, which it missed."""

from django.db import migrations
from django.utils.text import slugify

from annotations import urlnorm

SLUG_MAX = 100


def fill(apps, schema_editor):
    Article = apps.get_model("annotations", "Article")
    for article in Article.objects.order_by("created_at", "pk").only(
        "pk", "organization_id", "title", "slug", "canonical_url", "url_key", "status"
    ):
        changes = {}
        key = urlnorm.url_key(article.canonical_url)
        if key != article.url_key:
            changes["url_key"] = key
        # A placeholder still importing (or failed) gets its slug when its title is known.
        if not article.slug and article.status == "ready":
            base = slugify(article.title, allow_unicode=True)[:SLUG_MAX].strip("-") or "article"
            taken = set(
                Article.objects.filter(
                    organization_id=article.organization_id, slug__startswith=base
                ).values_list("slug", flat=True)
            )
            slug, number = base, 1
            while slug in taken:
                number += 1
                slug = f"{base}-{number}"
            changes["slug"] = slug
        if changes:
            Article.objects.filter(pk=article.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0012_notification_retracted_deleted")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
