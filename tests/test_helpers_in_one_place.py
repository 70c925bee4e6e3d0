"""Shared test helpers live in tests/support/ (or a conftest): no test module imports another
test module, so that moving or renaming a test never breaks a second one."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_no_test_module_imports_another_one():
    found = [
        f"{path.relative_to(TESTS)} : {module}"
        for path in sorted(TESTS.rglob("*.py"))
        if "collected" not in path.parts
        for module in imported_modules(path)
        if module.startswith("tests.") and any(part.startswith("test_") for part in module.split("."))
    ]
    assert found == []
