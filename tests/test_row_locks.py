"""Row locks are taken FOR NO KEY UPDATE everywhere (see tests/test_lock_order.py)."""

from pathlib import Path


def test_every_row_lock_leaves_foreign_key_checks_alone():
    """Writers lock rows to take turns, never to change a key: FOR UPDATE also stopped the
    foreign key checks PostgreSQL makes at commit (Django's are deferred), so a publication
    committing a version of a newsroom's claim waited on a title change that held the
    newsroom for its slug while waiting on that claim: a deadlock. FOR NO KEY UPDATE (no_key)
    keeps writers in turn and lets the checks through."""
    package = Path(__file__).resolve().parent.parent / "annotations"
    plain = [
        f"{path.relative_to(package.parent)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "select_for_update(" in line and "no_key=True" not in line
    ]
    assert plain == []
