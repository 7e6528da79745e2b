"""Production settings: README's production example passes ``huying check --deploy`` with no
warning, and the public default secret key is refused unless DEBUG or the demo.

Each check runs in a subprocess, so that settings are read afresh from the environment."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

# The database plays no part here: CI runs these in the SQLite run only.
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parents[3]
HUYING = Path(sys.executable).with_name("huying")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HUYING_")
        # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests in this worker, not by a deployment.
        and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env["HUYING_DATA_DIR"] = str(tmp_path)
    env.update(extra)
    return env


def production_example() -> dict[str, str]:
    """The ``export NAME=value`` lines of README's production example block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- production-example -->", 1)[1].split("```sh", 1)[1]
    block = block.split("```", 1)[0]
    found = dict(re.findall(r"^export (HUYING_\w+)=(\S*)", block, flags=re.MULTILINE))
    assert found, "README has no production example block"
    return {k: v.strip("'\"") for k, v in found.items()}


def test_the_readme_production_example_passes_the_deploy_checks(tmp_path: Path) -> None:
    example = production_example()
    assert {"HUYING_SSL_REDIRECT", "HUYING_HSTS_SECONDS", "HUYING_SECURE_COOKIES"} <= set(example)
    example["HUYING_SECRET_KEY"] = secrets.token_urlsafe(50)  # the README shows how to make one
    result = subprocess.run(
        [str(HUYING), "check", "--deploy", "--fail-level", "WARNING"],
        env=_env(tmp_path, **example),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_development_defaults_fail_the_deploy_checks(tmp_path: Path) -> None:
    """The opposite: without the example, --deploy names what is missing, the public secret
    key first."""
    result = subprocess.run(
        [str(HUYING), "check", "--deploy", "--fail-level", "WARNING"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    for check in ("huying.E001", "huying.W001", "security.W004", "security.W008", "security.W012"):
        assert check in result.stderr + result.stdout, check


def _serve(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """Load the WSGI application as gunicorn (and runserver) do."""
    return subprocess.run(
        [sys.executable, "-c", "import huying.wsgi"],
        env=_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_the_server_refuses_the_public_secret_key(tmp_path: Path) -> None:
    result = _serve(tmp_path)
    assert result.returncode != 0
    assert "HUYING_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    "extra",
    [
        {"HUYING_DEMO": "1"},
        {"HUYING_DEBUG": "1"},
        {"HUYING_SECRET_KEY": "a-real-and-long-secret-" + "k" * 40},
    ],
    ids=["demo", "debug", "own key"],
)
def test_the_server_starts_with_a_key_of_its_own_or_as_the_demo(
    tmp_path: Path, extra: dict[str, str]
) -> None:
    result = _serve(tmp_path, **extra)
    assert result.returncode == 0, result.stderr


def test_a_worker_loads_every_view_before_its_first_request(tmp_path: Path) -> None:
    """A fresh gunicorn worker imported the URL configuration (views, API, schemas: ≈ 1.3 s)
    inside its first requests, and the 统计 page's parallel chart calls all waited on it."""
    result = subprocess.run(
        [sys.executable, "-c", "import sys, huying.wsgi; print('huying.cases.api' in sys.modules)"],
        env=_env(tmp_path, HUYING_DEMO="1"),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
