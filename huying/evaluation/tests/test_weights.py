"""Score weights are settings, read as exact decimals, and must add up to 1 or the site
does not start."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from huying.env import EnvError, env_decimal, env_weights

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parents[3]


def test_defaults_are_the_published_method() -> None:
    """过程评议和年度评议 7:3; 基本满意 counts 0.9; rank from 3 rated cases."""
    assert (
        Decimal("0.7"),
        Decimal("0.3"),
    ) == (settings.HUYING_SCORE_PROCESS_WEIGHT, settings.HUYING_SCORE_ANNUAL_WEIGHT)
    assert Decimal("0.9") == settings.HUYING_BASIC_SATISFIED_WEIGHT
    assert settings.HUYING_RANKING_MIN_CASES == 3
    composite = (
        settings.HUYING_COMPOSITE_RESPONSE_WEIGHT
        + settings.HUYING_COMPOSITE_RESOLUTION_WEIGHT
        + settings.HUYING_COMPOSITE_SATISFACTION_WEIGHT
    )
    assert composite == 1


def test_weights_add_up_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """0.6 + 0.3 + 0.1 is 0.9999999999999999 in floats; as decimals it is 1."""
    monkeypatch.setenv("W_A", "0.6")
    monkeypatch.setenv("W_B", "0.3")
    monkeypatch.setenv("W_C", "0.1")
    assert env_weights(("W_A", "0"), ("W_B", "0"), ("W_C", "0")) == (
        Decimal("0.6"),
        Decimal("0.3"),
        Decimal("0.1"),
    )


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ("0.8", "", "must sum to 1"),  # 0.8 + the default 0.3
        ("0.7", "0.31", "must sum to 1"),
        ("1.5", "-0.5", "must be <= 1"),
        ("0.7", "abc", "is invalid"),
        ("0.7", "NaN", "is invalid"),
    ],
)
def test_bad_weights_are_refused_naming_the_variables(
    monkeypatch: pytest.MonkeyPatch, a: str, b: str, message: str
) -> None:
    monkeypatch.setenv("W_A", a)
    monkeypatch.setenv("W_B", b)
    with pytest.raises(EnvError, match=message) as caught:
        env_weights(("W_A", "0.7"), ("W_B", "0.3"))
    assert "W_" in str(caught.value)


def test_env_decimal_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("F", "1.2")
    with pytest.raises(EnvError, match="<= 1"):
        env_decimal("F", "0.9", maximum=Decimal(1))
    monkeypatch.delenv("F")
    assert env_decimal("F", "0.9") == Decimal("0.9")


@pytest.mark.parametrize(
    "variable",
    [
        "HUYING_SCORE_PROCESS_WEIGHT",
        "HUYING_ANNUAL_SURVEY_WEIGHT",
        "HUYING_COMPOSITE_RESPONSE_WEIGHT",
    ],
)
def test_the_site_does_not_start_with_weights_that_do_not_add_up(variable: str) -> None:
    env = {**os.environ, variable: "0.95"}
    done = subprocess.run(
        [sys.executable, "-c", "import huying.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "weights must sum to 1" in done.stderr and variable in done.stderr


def test_the_nav_offers_evaluation_to_exactly_the_roles_that_take_part() -> None:
    """The top bar's 考评 link (``Actor.takes_part_in_evaluation``) follows the rules'
    role sets: whoever rates, appeals or rules, and nobody else."""
    from huying.evaluation.rules import APPEAL_ROLES, RATER_ROLES, RULING_ROLES
    from huying.org.roles import EVALUATION_ROLES

    assert EVALUATION_ROLES == RATER_ROLES | APPEAL_ROLES | RULING_ROLES
