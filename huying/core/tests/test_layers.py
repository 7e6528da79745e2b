"""Lower layers never import higher ones: core ← org ← catalogue ← cases ← gazetteer ← triage ←
hotline ← grid ← open311 ← evaluation ← coordination ← onewindow ← access ← volunteers ← deliberation ←
lifecircle ← reports ← integrations ← ops ←
demo. The imports that break the rule today are listed as debt; the test fails on any new one,
and on a listed one that has gone (so the list only shrinks).

Every import counts, wherever it stands: at the top, inside a function, under
``TYPE_CHECKING``; relative (``from ..reports import x``) or through the package
(``from huying import reports``); and a string that is a dotted path into an app
(``import_string``, ``include``, ``mock.patch`` targets). A lower app that needs a higher
one's part names its shape and lets the higher app register it (``huying.cases.hooks``).

Checking direct imports is enough: a chain of imports that each go down or sideways can only
go down, so no indirect check (import-linter's) would find more once the debt is gone.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import huying

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

LAYERS = (
    "core",
    "org",
    "catalogue",
    "cases",
    "gazetteer",
    "triage",
    "hotline",
    "grid",
    "roads",
    "open311",
    "evaluation",
    "coordination",
    "onewindow",
    "access",
    "volunteers",
    "deliberation",
    "lifecircle",
    "reports",
    "integrations",
    "ops",
    "demo",
)
ROOT = Path(huying.__file__).parent
DOTTED = re.compile(r"huying(\.\w+)+")

#: (importing module, imported app) pairs that break the rule today, to be moved up a layer.
DEBT: set[tuple[str, str]] = set()


def _imported(node: ast.AST, package: list[str]) -> list[str]:
    """The absolute dotted names a node brings in (``package``: the importing module's)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = package[: len(package) - node.level + 1] if node.level else []
        module = ".".join([*base, *(node.module.split(".") if node.module else [])])
        # ``from huying import reports`` and ``from . import x`` bring in submodules.
        return [module] + [f"{module}.{alias.name}" for alias in node.names]
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and DOTTED.fullmatch(node.value)
    ):
        return [node.value]
    return []


def _app(module: str) -> str:
    names = module.split(".")
    return names[1] if names[0] == "huying" and len(names) > 1 else ""


def upward_imports(root: Path = ROOT) -> set[tuple[str, str]]:
    found = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts[0] not in LAYERS or "tests" in parts or "migrations" in parts:
            continue
        level = LAYERS.index(parts[0])
        # The package a relative import starts from: ``huying.cases.services`` for both
        # ``cases/services/__init__.py`` and ``cases/services/intake.py``.
        package = ["huying", *parts[:-1]]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for module in _imported(node, package):
                app = _app(module)
                if app in LAYERS and LAYERS.index(app) > level:
                    found.add((f"huying/{path.relative_to(root).as_posix()}", app))
    return found


def test_no_new_upward_import() -> None:
    assert upward_imports() - DEBT == set()


def test_the_debt_list_only_shrinks() -> None:
    assert DEBT - upward_imports() == set(), "remove the mended imports from DEBT"


def test_every_form_of_import_counts(tmp_path: Path) -> None:
    """The walk itself: each way of reaching up from cases is caught, reaching down is not."""
    cases = tmp_path / "cases"
    (cases / "services").mkdir(parents=True)
    (cases / "deep.py").write_text(
        "def f():\n    from huying.reports import tally\n", encoding="utf-8"
    )
    (cases / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import huying.grid.models\n",
        encoding="utf-8",
    )
    (cases / "services" / "rel.py").write_text(
        "from ...evaluation import indicators\n", encoding="utf-8"
    )
    (cases / "pkg.py").write_text("from huying import demo\n", encoding="utf-8")
    (cases / "text.py").write_text('X = "huying.reports.tasks.tally_update"\n', encoding="utf-8")
    (cases / "down.py").write_text(
        "from huying import core\nfrom ..org import actors\nfrom . import rules\n"
        'LOG = "huying.cases"\n',
        encoding="utf-8",
    )
    assert upward_imports(tmp_path) == {
        ("huying/cases/deep.py", "reports"),
        ("huying/cases/typed.py", "grid"),
        ("huying/cases/services/rel.py", "evaluation"),
        ("huying/cases/pkg.py", "demo"),
        ("huying/cases/text.py", "reports"),
    }


def test_services_never_import_the_task_modules() -> None:
    """A task calls services; a service that queued a task imported its own caller back (a
    cycle hidden in a function-level import). Queuing lives in the task modules."""
    root = Path(huying.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if "tests" in parts or not any(p.startswith("services") for p in parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("tasks"):
                found.add(path.relative_to(root).as_posix())
    assert found == set()
