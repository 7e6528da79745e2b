"""Typed environment helpers reject bad values by name; the huying command maps dashes."""

from __future__ import annotations

import pytest

from huying import cli
from huying.env import EnvError, env_bool, env_int, env_list


def test_env_helpers_parse_and_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    monkeypatch.setenv("X_EMPTY", "")
    assert env_int("X_INT", 1) == 42
    assert env_bool("X_BOOL", False) is True
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    assert env_int("X_EMPTY", 7) == 7
    assert env_int("X_MISSING", 3) == 3


@pytest.mark.parametrize(
    ("name", "value", "call"),
    [
        ("X_INT", "forty", lambda: env_int("X_INT", 1)),
        ("X_INT", "-1", lambda: env_int("X_INT", 1, minimum=0)),
        ("X_BOOL", "maybe", lambda: env_bool("X_BOOL", False)),
    ],
)
def test_env_helpers_reject_bad_values_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, call: object
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(EnvError, match=name):
        call()  # type: ignore[operator]


def test_cli_maps_dashed_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    cli.main(["/usr/bin/huying", "verify-trail", "--verbosity", "0"])
    assert seen == [["huying", "verify_trail", "--verbosity", "0"]]


@pytest.mark.django_db
def test_the_database_checks_pass_without_warnings() -> None:
    """Every command runs the database's checks; on SQLite the covering indexes' note (it
    cannot keep their extra columns) was printed by each of them."""
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("check", databases=["default"], stdout=out, stderr=err)
    assert "identified no issues" in out.getvalue(), err.getvalue()
