"""Every service that locks rows opens its own transaction, read from the services' source.

A row lock outside a transaction is an error on PostgreSQL and silently nothing on SQLite,
and the suite runs most service calls inside a test transaction: a decorator moved off its
function passed every test but one browser test, which ran on SQLite only.
"""

import ast
from pathlib import Path

import annotations.services

SERVICES = Path(annotations.services.__file__).parent


def _functions() -> dict[str, list[ast.FunctionDef]]:
    """Every module-level function of the services package, by name."""
    found: dict[str, list[ast.FunctionDef]] = {}
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef):
                found.setdefault(node.name, []).append(node)
    return found


def _called(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            if isinstance(call.func, ast.Name):
                names.add(call.func.id)
            elif isinstance(call.func, ast.Attribute):
                names.add(call.func.attr)
    return names


def _opens_a_transaction(node: ast.FunctionDef) -> bool:
    decorated = any("atomic" in ast.unparse(decorator) for decorator in node.decorator_list)
    return decorated or "transaction.atomic" in ast.unparse(node)


def _locks_outside_a_transaction(name, functions, seen=frozenset()) -> bool:
    """Whether `name` reaches `select_for_update` through functions that open none."""
    if name in seen:
        return False
    for node in functions.get(name, []):
        called = _called(node)
        if "select_for_update" in called:
            return True
        for callee in called & functions.keys():
            if not any(_opens_a_transaction(n) for n in functions[callee]) and (
                _locks_outside_a_transaction(callee, functions, seen | {name})
            ):
                return True
    return False


def test_every_public_service_that_locks_rows_opens_a_transaction():
    functions = _functions()
    public = [name for name in annotations.services.__all__ if name in functions]
    assert len(public) > 50, "the services' public functions were not found"
    lockers = [name for name in public if _locks_outside_a_transaction(name, functions)]
    # The check would pass vacuously if it found no locking service at all.
    assert "invitation_signup" in lockers and "invitation_accept" in lockers
    unprotected = [
        name for name in lockers if not all(_opens_a_transaction(node) for node in functions[name])
    ]
    assert unprotected == []
