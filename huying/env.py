"""Typed environment helpers: a bad value stops start-up with a message naming the variable."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from decimal import Decimal, InvalidOperation
from typing import TypeVar

T = TypeVar("T")


class EnvError(ValueError):
    pass


def _get(name: str, default: T, parse: Callable[[str], T]) -> T:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except (ValueError, TypeError) as exc:
        raise EnvError(f"environment variable {name}={raw!r} is invalid: {exc}") from exc


def env_str(name: str, default: str = "") -> str:
    return _get(name, default, str)


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _get(name, default, int)
    if minimum is not None and value < minimum:
        raise EnvError(f"environment variable {name}={value} must be >= {minimum}")
    return value


def env_float(name: str, default: float) -> float:
    return _get(name, default, float)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected one of 1/0, true/false, yes/no, on/off")


def env_bool(name: str, default: bool) -> bool:
    return _get(name, default, _parse_bool)


def env_choice(name: str, default: str, choices: Collection[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        allowed = ", ".join(sorted(choices))
        raise EnvError(f"environment variable {name}={value!r} must be one of: {allowed}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    return _get(name, default, lambda raw: [p.strip() for p in raw.split(",") if p.strip()])


def _parse_decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ValueError("expected a decimal number such as 0.7") from None
    if not value.is_finite():
        raise ValueError("expected a finite decimal number")
    return value


def env_decimal(
    name: str, default: str, *, minimum: Decimal | None = None, maximum: Decimal | None = None
) -> Decimal:
    """An exact decimal (weights and factors: 0.7 + 0.3 is exactly 1, unlike floats)."""
    value = _get(name, Decimal(default), _parse_decimal)
    if minimum is not None and value < minimum:
        raise EnvError(f"environment variable {name}={value} must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise EnvError(f"environment variable {name}={value} must be <= {maximum}")
    return value


def env_weights(*specs: tuple[str, str]) -> tuple[Decimal, ...]:
    """A set of weights, each in [0, 1], that must add up to exactly 1: a score built from
    weights that do not would quietly run above or below 100."""
    values = tuple(
        env_decimal(name, default, minimum=Decimal(0), maximum=Decimal(1))
        for name, default in specs
    )
    if sum(values, Decimal(0)) != 1:
        shown = " + ".join(
            f"{name}={value}" for (name, _), value in zip(specs, values, strict=True)
        )
        raise EnvError(f"weights must sum to 1: {shown} = {sum(values, Decimal(0))}")
    return values
