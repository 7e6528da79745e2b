"""Lower layers never import higher ones: core ← org ← catalogue ← cases ← grid ←
evaluation ← reports ← demo. The imports that break the rule today are listed as debt; the
test fails on any new one, and on a listed one that has gone (so the list only shrinks)."""

from __future__ import annotations

import ast
from pathlib import Path

import huying

LAYERS = ("core", "org", "catalogue", "cases", "grid", "evaluation", "reports", "demo")

#: (importing module, imported app) pairs that break the rule today, to be moved up a layer.
DEBT = {
    ("huying/core/calendar_views.py", "org"),
    ("huying/core/services.py", "org"),
    ("huying/core/changelog.py", "org"),
    ("huying/core/web.py", "org"),
    ("huying/core/views.py", "cases"),
    ("huying/cases/phone.py", "grid"),
    ("huying/cases/forms.py", "reports"),
    ("huying/cases/selectors.py", "reports"),
    ("huying/cases/management/commands/worker.py", "reports"),
}


def _upward_imports() -> set[tuple[str, str]]:
    root = Path(huying.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts[0] not in LAYERS or "tests" in parts or "migrations" in parts:
            continue
        level = LAYERS.index(parts[0])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            for module in modules:
                names = module.split(".")
                app = names[1] if names[0] == "huying" and len(names) > 1 else ""
                if app in LAYERS and LAYERS.index(app) > level:
                    found.add((f"huying/{path.relative_to(root).as_posix()}", app))
    return found


def test_no_new_upward_import() -> None:
    assert _upward_imports() - DEBT == set()


def test_the_debt_list_only_shrinks() -> None:
    assert DEBT - _upward_imports() == set(), "remove the mended imports from DEBT"
