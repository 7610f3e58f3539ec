"""Browser tests wait with functions: a bare expression polled in a page breaks its CSP."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _waits_with_a_bare_expression(source: str) -> list[int]:
    """Lines where wait_for_function is given a string that is not a function."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "wait_for_function"
        ):
            continue
        first = node.args[0] if node.args else None
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        head = first.value.lstrip().split("\n", 1)[0]
        if "=>" not in head and not head.startswith("function"):
            lines.append(node.lineno)
    return lines


def test_every_wait_for_function_is_given_a_function():
    found = {
        path.name: lines
        for path in sorted(TESTS.glob("*.py"))
        if (lines := _waits_with_a_bare_expression(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_check_finds_a_bare_expression():
    assert _waits_with_a_bare_expression('page.wait_for_function("window.ready === true")') == [1]
    assert _waits_with_a_bare_expression('page.wait_for_function("() => window.ready")') == []
