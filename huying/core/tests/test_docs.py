"""The docs stay true to the code: every environment variable the settings read has a row in
README.md's settings table, every one the scripts and tests read is mentioned, and every
``docs/….md`` (and ``docs/glossary.md §N``) the code cites exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import huying

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

PACKAGE = Path(huying.__file__).parent
ROOT = PACKAGE.parent
VARIABLE = re.compile(r"(HUYING_[A-Z0-9_]+|DATABASE_URL)")
TABLE_HEADER = "| 变量 | 默认 | 说明 |"


def _read_calls(tree: ast.AST, *, names: tuple[str, ...]) -> set[str]:
    """Variable names passed to calls of ``names`` (``env_int("HUYING_X", …)``,
    ``env_weights(("HUYING_A", "0.7"), …)``, ``os.environ.get("HUYING_X")``)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if not name.startswith(names):
            continue
        for arg in node.args:
            items = arg.elts if isinstance(arg, ast.Tuple) else [arg]
            found.update(
                item.value
                for item in items
                if isinstance(item, ast.Constant)
                and isinstance(item.value, str)
                and VARIABLE.fullmatch(item.value)
            )
    return found


def settings_variables() -> set[str]:
    tree = ast.parse((PACKAGE / "settings.py").read_text(encoding="utf-8"))
    return _read_calls(tree, names=("env_", "get", "getenv"))


def readme_table_variables(readme: str) -> set[str]:
    """The first column of the settings table (the Chinese section's)."""
    lines = readme.splitlines()
    start = lines.index(TABLE_HEADER) + 2
    names: set[str] = set()
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        first = line.split("|")[1]
        names.update(re.findall(r"`([A-Z0-9_]+)`", first))
    return names


def test_every_setting_has_a_row_in_the_readme_table() -> None:
    read = settings_variables()
    assert {"DATABASE_URL", "HUYING_SECRET_KEY", "HUYING_SCORE_PROCESS_WEIGHT"} <= read
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert read - readme_table_variables(readme) == set()


def test_every_variable_of_the_scripts_and_tests_is_in_the_readme() -> None:
    read: set[str] = set()
    for script in [*(ROOT / "bin").iterdir(), ROOT / ".ci" / "run"]:
        if script.is_file():
            read |= set(VARIABLE.findall(script.read_text(encoding="utf-8")))
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        read |= {v for v in _read_calls(tree, names=("get", "getenv")) if v.startswith("HUYING_")}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert {v for v in read if f"`{v}" not in readme} == set()


def test_the_docs_the_code_cites_exist() -> None:
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (§\d+) ", glossary, flags=re.M))
    texts = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *PACKAGE.rglob("*.py")]
    missing = set()
    for path in texts:
        text = path.read_text(encoding="utf-8")
        for doc in re.findall(r"\bdocs/([\w.-]+\.md)", text):
            if not (ROOT / "docs" / doc).is_file():
                missing.add((path.name, doc))
        for section in re.findall(r"docs/glossary\.md\)? (§\d+)", text):
            if section not in sections:
                missing.add((path.name, f"glossary {section}"))
    assert missing == set()
