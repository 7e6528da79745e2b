#!/usr/bin/env python3
"""Render deploy/'s templates (``*.in``) for one machine: ``${NAME}`` placeholders from the
environment, else the defaults below. Python's standard library only, so it runs before
the virtualenv exists; the deployment test renders the same files with its own ports and
directories.

    python3 deploy/render.py OUT_DIR [NAME=value ...]

writes OUT_DIR/nginx/huying.conf, OUT_DIR/systemd/huying-web.service and
OUT_DIR/systemd/huying-worker@.service. Only upper-case ``${NAME}`` is a placeholder (nginx's
and systemd's own variables are lower case or unbraced); one this script does not know is
an error, not an empty string."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")

#: name → default. Paths default to the layout of docs/deployment.md (/srv/huying).
DEFAULTS: dict[str, str] = {
    "HUYING_DIR": "/srv/huying",  # the checkout, with its .venv (bin/setup)
    "HUYING_USER": "huying",
    "HUYING_ENV_FILE": "/etc/huying.env",
    "HUYING_DATA_DIR": "/srv/huying/var",
    "STATIC_ROOT": "",  # HUYING_DATA_DIR/static, as huying/settings.py has it
    "HUYING_MEDIA_ROOT": "",  # HUYING_DATA_DIR/media, as huying/settings.py has it
    "HUYING_MEDIA_ACCEL": "nginx:/protected-media/",
    "HUYING_WEB_BIND": "127.0.0.1:8000",
    "NGINX_LISTEN": "80",
    "NGINX_SERVER_NAME": "_",
    "NGINX_LOG_DIR": "/var/log/nginx",
    "NGINX_FORWARDED_PROTO": "$scheme",
}


def values(env: Mapping[str, str], overrides: Mapping[str, str] = {}) -> dict[str, str]:
    """Every placeholder's value: overrides, then the environment, then the defaults, and
    the ones derived from others."""
    out = {
        name: overrides.get(name) or env.get(name) or default for name, default in DEFAULTS.items()
    }
    data = out["HUYING_DATA_DIR"].rstrip("/")
    out["STATIC_ROOT"] = (out["STATIC_ROOT"] or f"{data}/static").rstrip("/")
    out["MEDIA_ROOT"] = (out["HUYING_MEDIA_ROOT"] or f"{data}/media").rstrip("/")
    accel = out["HUYING_MEDIA_ACCEL"]
    if not (accel.startswith("nginx:/") and accel.endswith("/")):
        raise SystemExit(
            f"HUYING_MEDIA_ACCEL={accel!r}: the nginx config needs 'nginx:/<internal location>/'"
        )
    out["MEDIA_ACCEL_LOCATION"] = accel.removeprefix("nginx:")
    return out


def render_text(text: str, vals: Mapping[str, str], *, source: str = "") -> str:
    unknown = sorted(set(PLACEHOLDER.findall(text)) - set(vals))
    if unknown:
        raise SystemExit(f"{source}: unknown placeholders {unknown}")
    return PLACEHOLDER.sub(lambda m: vals[m.group(1)], text)


def render(out_dir: Path, vals: Mapping[str, str]) -> list[Path]:
    """Every ``*.in`` under deploy/, to the same place under ``out_dir`` without ``.in``."""
    written = []
    for template in sorted(HERE.rglob("*.in")):
        target = out_dir / template.relative_to(HERE).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        text = template.read_text(encoding="utf-8")
        target.write_text(render_text(text, vals, source=str(template)), encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    overrides = dict(arg.split("=", 1) for arg in argv[1:])
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise SystemExit(f"unknown names {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    for path in render(Path(argv[0]), values(os.environ, overrides)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
