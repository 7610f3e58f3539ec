"""Template tags for the header: where an organization admin finds the settings."""

from django import template

from annotations import queries

register = template.Library()


@register.simple_tag
def administered_organization(user):
    """The first organization `user` administers, or None (then the header shows no link)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return queries.administered_organizations(user).only("slug", "name").first()
