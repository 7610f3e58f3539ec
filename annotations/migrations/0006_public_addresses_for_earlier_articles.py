"""Give articles made before reader pages their slug and URL key, and versions their change
time and rendered conclusion."""

from django.db import migrations
from django.db.models import F
from django.utils.text import slugify

from annotations import rendering, urlnorm

SLUG_MAX = 100


def fill(apps, schema_editor):
    Article = apps.get_model("annotations", "Article")
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")
    taken: dict[int, set[str]] = {}
    # Oldest first, so the first article with a title keeps the plain slug.
    for article in Article.objects.order_by("created_at", "pk"):
        used = taken.setdefault(article.organization_id, set())
        base = slugify(article.title, allow_unicode=True)[:SLUG_MAX].strip("-") or "article"
        slug, number = base, 1
        while slug in used:
            number += 1
            slug = f"{base}-{number}"
        used.add(slug)
        Article.objects.filter(pk=article.pk).update(
            slug=slug, url_key=urlnorm.url_key(article.canonical_url)
        )
    PublishedVersion.objects.update(changed_at=F("published_at"))


def render_conclusions(apps, schema_editor):
    # Versions are immutable, so their conclusion is rendered once, here or when written.
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")
    rendered = []
    for version in PublishedVersion.objects.only("pk", "conclusion").iterator(chunk_size=500):
        version.conclusion_html = rendering.markdown_to_safe_html(version.conclusion)
        rendered.append(version)
        if len(rendered) == 500:
            PublishedVersion.objects.bulk_update(rendered, ["conclusion_html"])
            rendered = []
    PublishedVersion.objects.bulk_update(rendered, ["conclusion_html"])


class Migration(migrations.Migration):
    dependencies = [("annotations", "0005_public")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(render_conclusions, migrations.RunPython.noop),
    ]
