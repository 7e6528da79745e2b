"""The production stack on this machine, for the deployment test and the bench: deploy/'s
templates rendered into a scratch directory with free loopback ports, gunicorn started with
deploy/gunicorn.conf.py and Debian's nginx with the rendered site, in the foreground, with
its own prefix, pid file and logs (any user; nothing of the system's nginx is touched).

    with Stack(tmp, app_env={...}) as stack:
        stack.nginx_url, stack.gunicorn_url, stack.gunicorn_access_log

Standard library only (the test and bench/deploy_http.py both import it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from render import render, values  # noqa: E402

NGINX = os.environ.get("HUYING_NGINX", "/usr/sbin/nginx")

#: The main nginx.conf Debian would have, cut to what the site needs, with every path in the
#: scratch directory (Debian's own is /etc/nginx/nginx.conf, which includes sites-enabled/).
MAIN_CONF = """\
{user}
daemon off;
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {site};
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx_available() -> bool:
    return Path(NGINX).is_file() and os.access(NGINX, os.X_OK)


class Stack:
    """gunicorn (``workers`` processes) behind nginx, both on free 127.0.0.1 ports.

    ``app_env`` is the app's environment (DATABASE_URL, HUYING_DATA_DIR, HUYING_MEDIA_ROOT…);
    HUYING_WEB_*, HUYING_MEDIA_ACCEL, HUYING_PROXY_HOPS and PROMETHEUS_MULTIPROC_DIR are set
    here as a deployment sets them."""

    def __init__(
        self,
        root: Path,
        *,
        app_env: Mapping[str, str],
        workers: int = 2,
        threads: int = 8,
        nginx_workers: int = 1,
        python: str = sys.executable,
    ) -> None:
        self.root = root
        self.workers, self.threads, self.nginx_workers = workers, threads, nginx_workers
        self.gunicorn_port, self.nginx_port = free_port(), free_port()
        self.gunicorn_url = f"http://127.0.0.1:{self.gunicorn_port}"
        self.nginx_url = f"http://127.0.0.1:{self.nginx_port}"
        self.gunicorn_access_log = root / "gunicorn-access.log"
        self.gunicorn_log = root / "gunicorn.log"
        self.nginx_prefix = root / "nginx"
        self.nginx_access_log = self.nginx_prefix / "logs" / "huying.access.log"
        self.gunicorn_bin = str(Path(python).with_name("gunicorn"))
        self.app_env = dict(app_env)
        self.procs: list[subprocess.Popen[bytes]] = []

    # --- configuration -----------------------------------------------------------------------

    def render(self) -> Path:
        data = self.app_env["HUYING_DATA_DIR"]
        vals = values(
            {},
            {
                "HUYING_DIR": str(HERE.parent),
                "HUYING_DATA_DIR": data,
                "HUYING_MEDIA_ROOT": self.app_env.get("HUYING_MEDIA_ROOT", f"{data}/media"),
                "HUYING_MEDIA_ACCEL": self.app_env.get(
                    "HUYING_MEDIA_ACCEL", "nginx:/protected-media/"
                ),
                "HUYING_WEB_BIND": f"127.0.0.1:{self.gunicorn_port}",
                "NGINX_LISTEN": f"127.0.0.1:{self.nginx_port}",
                "NGINX_LOG_DIR": str(self.nginx_prefix / "logs"),
            },
        )
        self.accel = vals["HUYING_MEDIA_ACCEL"]
        rendered = self.root / "rendered"
        render(rendered, vals)
        for sub in ("logs", "tmp"):
            (self.nginx_prefix / sub).mkdir(parents=True, exist_ok=True)
        # As root the workers would switch to nobody, who cannot read a scratch directory.
        user = "user root root;" if os.geteuid() == 0 else ""
        (self.nginx_prefix / "nginx.conf").write_text(
            MAIN_CONF.format(
                user=user,
                workers=self.nginx_workers,
                prefix=self.nginx_prefix,
                site=rendered / "nginx" / "huying.conf",
            ),
            encoding="utf-8",
        )
        return rendered

    def nginx_command(self, *extra: str) -> list[str]:
        prefix = str(self.nginx_prefix)
        conf = str(self.nginx_prefix / "nginx.conf")
        return [NGINX, "-p", prefix, "-c", conf, "-e", f"{prefix}/logs/error.log", *extra]

    # --- processes ---------------------------------------------------------------------------

    def start(self) -> Stack:
        self.render()
        subprocess.run(self.nginx_command("-t", "-q"), check=True, capture_output=True)
        # The app's settings come from app_env alone, not from whoever runs this.
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("HUYING_", "PROMETHEUS_"))
            and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        }
        env = {
            **inherited,
            **self.app_env,
            "HUYING_MEDIA_ACCEL": self.accel,
            "HUYING_PROXY_HOPS": "1",
            "HUYING_WEB_BIND": f"127.0.0.1:{self.gunicorn_port}",
            "HUYING_WEB_WORKERS": str(self.workers),
            "HUYING_WEB_THREADS": str(self.threads),
            "HUYING_WEB_ACCESS_LOG": str(self.gunicorn_access_log),
            "PROMETHEUS_MULTIPROC_DIR": str(self.root / "metrics"),
        }
        with self.gunicorn_log.open("wb") as log:
            self.procs.append(
                subprocess.Popen(
                    [
                        self.gunicorn_bin,
                        "-c",
                        str(HERE / "gunicorn.conf.py"),
                        "huying.wsgi:application",
                    ],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        with (self.nginx_prefix / "logs" / "stderr.log").open("wb") as log:
            self.procs.append(
                subprocess.Popen(
                    self.nginx_command(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 90) -> None:
        """Until both answer /livez (gunicorn's workers all up: one answer per worker is not
        promised, so /livez through nginx too)."""
        deadline = time.monotonic() + timeout
        for url in (self.gunicorn_url, self.nginx_url):
            while True:
                for proc in self.procs:
                    if proc.poll() is not None:
                        raise RuntimeError(f"{proc.args[0]} exited: {self.logs()}")
                try:
                    with urllib.request.urlopen(f"{url}/livez", timeout=5) as r:
                        if r.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not answer: {self.logs()}")
                time.sleep(0.1)

    def logs(self) -> str:
        parts = []
        for path in (self.gunicorn_log, self.nginx_prefix / "logs" / "error.log"):
            if path.exists():
                parts.append(f"--- {path}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop what we started, nginx first (its kept connections would hold gunicorn's
        stop): nginx's fast shutdown (TERM), gunicorn's quick one (INT); whatever is left
        after 5 s is killed."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                quick = signal.SIGINT if "gunicorn" in str(proc.args[0]) else signal.SIGTERM
                os.kill(proc.pid, quick)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def __enter__(self) -> Stack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


__all__ = ["NGINX", "Stack", "free_port", "nginx_available"]
