"""The README's Python examples, run as a reader would against a live server, so they never rot."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from annotations import queries, services
from annotations.models import ApiToken, Article, Claim, Organization
from tests import factories, published_world

README = Path(__file__).resolve().parent.parent / "README.md"
# A block whose first line names the file a reader saves it as: "# pull_claims.py: ...".
EXAMPLE = re.compile(r"```python\n(# (\w+\.py):[^\n]*\n.*?)```", re.DOTALL)

pytestmark = pytest.mark.django_db(transaction=True)


def readme_examples() -> dict[str, str]:
    """The Python files of the README's API section, by name, in order."""
    section = README.read_text(encoding="utf-8").split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    return {name: code for code, name in EXAMPLE.findall(section)}


def test_the_api_section_has_the_three_examples():
    assert list(readme_examples()) == ["check_token.py", "pull_claims.py", "sync_claims.py"]


@pytest.fixture
def demo(live_server, tmp_path, rate_limits_reset):
    """`make run`'s demo on a live server, the README's files in a folder, and a read token."""
    call_command("load_demo", verbosity=0)
    for name, code in readme_examples().items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    users = get_user_model().objects.in_bulk(
        ["demo-editor", "demo-reviewer"], field_name="username"
    )
    _, key = services.token_create(
        actor=users["demo-editor"], name="README", scope=ApiToken.Scope.READ
    )
    organization = Organization.objects.get(slug="demo-fact-desk")

    def run(name: str, token: str = key) -> subprocess.CompletedProcess:
        env = {**os.environ, "FACTCHECK_URL": live_server.url, "FACTCHECK_TOKEN": token}
        return subprocess.run(
            [sys.executable, name], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip

    return {
        "run": run,
        "editor": users["demo-editor"],
        "reviewer": users["demo-reviewer"],
        "published": list(queries.published_claims().filter(publisher=organization)),
    }


def printed_ids(output: str) -> list[int]:
    return [int(line.split()[0]) for line in output.splitlines()]


def test_check_token_lists_the_articles_the_token_may_see(demo):
    result = demo["run"]("check_token.py")
    assert result.returncode == 0, result.stderr
    assert "Imran Khan" in result.stdout


def test_check_token_explains_a_wrong_token_with_the_problem_details(demo):
    result = demo["run"]("check_token.py", token="fc_not-a-real-key-0000000000")
    assert result.returncode == 1
    assert result.stderr.startswith("401 "), result.stderr


def test_pull_prints_every_published_demo_claim_across_pages(demo):
    published = demo["published"]
    assert len(published) > 2, "the demo must fill more than one page of two"
    result = demo["run"]("pull_claims.py")
    assert result.returncode == 0, result.stderr
    assert sorted(printed_ids(result.stdout)) == sorted(v.claim_id for v in published)
    for version in published:
        assert f"{version.claim_id} {version.rating.label} - " in result.stdout


def test_pull_says_which_claims_are_retracted_or_suspended(demo):
    retracted, suspended = (Claim.objects.get(pk=v.claim_id) for v in demo["published"][:2])
    services.claim_transition(
        claim=retracted, actor=demo["reviewer"], to_status="retracted", note="Wrong figure."
    )
    article = suspended.article
    # Its words leave the article: readers lose the verdict until it is checked again.
    text = article.text.replace(suspended.exact, "", 1)
    services.article_update_text(article=article, actor=demo["editor"], text=text)
    factories.text_shown_to_readers(article)  # a second person's look

    result = demo["run"]("pull_claims.py")

    assert result.returncode == 0, result.stderr
    assert f"{retracted.pk} retracted: Wrong figure." in result.stdout
    assert f"{suspended.pk} suspended" in result.stdout


def test_sync_reports_only_what_changed_since_the_last_pull_with_retractions(demo):
    first = demo["run"]("sync_claims.py")
    assert first.returncode == 0, first.stderr
    published = sorted(version.claim_id for version in demo["published"])
    assert sorted(printed_ids(first.stdout)) == published
    assert all(" new: " in line for line in first.stdout.splitlines())

    unchanged = demo["run"]("sync_claims.py")
    assert (unchanged.returncode, unchanged.stdout) == (0, "")

    retracted, corrected = (Claim.objects.get(pk=pk) for pk in published[:2])
    services.claim_transition(
        claim=retracted,
        actor=demo["reviewer"],
        to_status=Claim.Status.RETRACTED,
        note="The source withdrew the figure.",
    )
    published_world.republish(
        corrected, demo["editor"], demo["reviewer"], label="False", note="New count: 40,000."
    )
    changed = demo["run"]("sync_claims.py")
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines() == [
        f"{retracted.pk} retracted: The source withdrew the figure.",
        f"{corrected.pk} corrected (v2): New count: 40,000.",
    ]

    # The article renamed: readers keep the title each verdict was published with, so
    # there is nothing to sync until a reviewer republishes.
    article = Article.objects.get(pk=corrected.article_id)
    services.article_update_details(
        article=article, actor=demo["editor"], title="A renamed article"
    )
    assert demo["run"]("sync_claims.py").stdout == ""
    # Its language, which is not published with the verdicts, changes their public data
    # at once; their verdicts do not, and the sync does not call that a correction.
    services.article_update_details(article=article, actor=demo["editor"], language="en-GB")
    renamed = demo["run"]("sync_claims.py")
    assert renamed.returncode == 0, renamed.stderr
    assert renamed.stdout and "corrected" not in renamed.stdout
    lines = renamed.stdout.splitlines()
    assert any(" updated: " in line for line in lines), renamed.stdout
    assert all(" updated: " in line or " retracted: " in line for line in lines), renamed.stdout
