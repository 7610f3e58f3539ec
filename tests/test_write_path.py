"""The one checked write path: every service names its actor, and the require_* checks hold."""

import inspect

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from annotations import permissions, services
from annotations.models import Membership
from annotations.permissions import SYSTEM
from tests import factories

# The parameter through which each service learns who is acting. An invitation's token is
# its holder's credential: whoever has the link is the one it was sent to.
ACTOR_PARAMETERS = {"actor", "creator", "requested_by", "created_by", "token"}


def _service_functions():
    for name in services.__all__:
        value = getattr(services, name)
        if inspect.isfunction(value):
            yield name, value


@pytest.mark.parametrize(("name", "function"), list(_service_functions()))
def test_every_service_requires_a_named_actor_without_default(name, function):
    parameters = inspect.signature(function).parameters
    named = [p for p in parameters.values() if p.name in ACTOR_PARAMETERS]
    assert named, f"services.{name} takes no actor"
    for parameter in named:
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert parameter.default is inspect.Parameter.empty, f"services.{name} defaults its actor"


def test_a_service_called_with_no_actor_refuses_instead_of_skipping_the_check(db):
    organization = factories.OrganizationFactory()
    user = factories.UserFactory()
    with pytest.raises(TypeError, match="without an actor"):
        services.membership_set(organization=organization, user=user, role="editor", actor=None)
    assert not Membership.objects.filter(user=user).exists()


@pytest.fixture
def people(db):
    organization = factories.OrganizationFactory()
    other = factories.OrganizationFactory()
    return organization, {
        "anonymous": AnonymousUser(),
        "outsider": factories.member(other, Membership.Role.ADMIN),
        "editor": factories.member(organization, Membership.Role.EDITOR),
        "reviewer": factories.member(organization, Membership.Role.REVIEWER),
        "admin": factories.member(organization, Membership.Role.ADMIN),
        "system": SYSTEM,
    }


# Who passes each check, for one organization; everyone else is refused.
ALLOWED = {
    permissions.require_edit: {"editor", "reviewer", "admin", "system"},
    permissions.require_publish: {"reviewer", "admin", "system"},
    permissions.require_manage_members: {"admin", "system"},
}


@pytest.mark.parametrize("check", list(ALLOWED), ids=lambda check: check.__name__)
@pytest.mark.parametrize("who", ["anonymous", "outsider", "editor", "reviewer", "admin", "system"])
def test_require_checks_allow_exactly_the_roles_named(people, check, who):
    organization, actors = people
    if who in ALLOWED[check]:
        check(actors[who], organization)
    else:
        with pytest.raises(PermissionDenied):
            check(actors[who], organization)


def test_an_admin_of_another_organization_is_refused_by_every_check(people):
    organization, actors = people
    for check in ALLOWED:
        with pytest.raises(PermissionDenied):
            check(actors["outsider"], organization)


def test_only_the_system_or_a_superuser_creates_organizations(db):
    superuser = factories.UserFactory(is_superuser=True, is_staff=True)
    services.organization_create(actor=superuser, name="Desk A", slug="desk-a")
    services.organization_create(actor=SYSTEM, name="Desk B", slug="desk-b")
    with pytest.raises(PermissionDenied):
        services.organization_create(actor=factories.UserFactory(), name="Desk C", slug="desk-c")


def test_system_changes_are_recorded_without_a_person(db):
    organization = factories.OrganizationFactory()
    article = services.article_create(
        organization=organization, title="T", text="Some words here.", created_by=SYSTEM
    )
    assert article.created_by is None
    assert article.revisions.get().created_by is None
