"""Time signing in (POST /login/ through the whole Django stack: the sign-in lock check, the
password hash, the sign-in log, the session) with the old password hasher and the new one:
Django 5.2's PBKDF2 (1,000,000 SHA-256 rounds) against huying's Argon2id (19 MiB, 2 passes,
1 lane; huying/org/hashers.py). First N sign-ins one after another, then the same N from
several threads at once, as when a shift starts and everyone signs in on a busy 2-core server.
Scratch SQLite database unless DATABASE_URL says otherwise; nothing is kept.

    .venv/bin/python bench/login.py [--logins 40] [--threads 4]

Figures: docs/performance.md, section "Sign-in".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time

if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("HUYING_DATA_DIR", tempfile.mkdtemp(prefix="huying-bench-login-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")
os.environ.setdefault("HUYING_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from huying.org.models import SignIn, Throttle  # noqa: E402

HASHERS = {
    "PBKDF2 (Django 5.2 default, 1,000,000 rounds)": [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    ],
    "Argon2id (huying: 19 MiB, t=2, p=1)": ["huying.org.hashers.Argon2idHasher"],
}
PASSWORD = "bench-login-2026"


def sign_in(username: str) -> float:
    started = time.perf_counter()
    response = Client().post("/login/", {"username": username, "password": PASSWORD})
    elapsed = time.perf_counter() - started
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed: {response.status_code}")
    return elapsed


def run(label: str, hashers: list[str], logins: int, threads: int) -> dict[str, float]:
    User = get_user_model()
    with override_settings(PASSWORD_HASHERS=hashers):
        users = []
        for n in range(threads):
            user, _ = User.objects.get_or_create(username=f"bench{n}")
            user.set_password(PASSWORD)
            user.save()
            users.append(user.username)
        sign_in(users[0])  # warm up: URL resolver, templates, connection
        serial = [sign_in(users[0]) for _ in range(logins)]
        stored = User.objects.get(username=users[0])
        checks = []
        for _ in range(min(logins, 10)):
            started = time.perf_counter()
            stored.check_password(PASSWORD)
            checks.append(time.perf_counter() - started)

        times: list[float] = []
        lock = threading.Lock()

        def worker(username: str, count: int) -> None:
            mine = [sign_in(username) for _ in range(count)]
            connection.close()
            with lock:
                times.extend(mine)

        per_thread = max(1, logins // threads)
        pool = [
            threading.Thread(target=worker, args=(users[n], per_thread)) for n in range(threads)
        ]
        wall = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        wall = time.perf_counter() - wall
    result = {
        "hash_p50": statistics.median(checks) * 1000,
        "serial_p50": statistics.median(serial) * 1000,
        "serial_p95": sorted(serial)[int(0.95 * (len(serial) - 1))] * 1000,
        "busy_p50": statistics.median(times) * 1000,
        "busy_p95": sorted(times)[int(0.95 * (len(times) - 1))] * 1000,
        "busy_rate": len(times) / wall,
    }
    print(
        f"{label}: the hash alone p50 {result['hash_p50']:.0f} ms; "
        f"one at a time p50 {result['serial_p50']:.0f} ms, p95 "
        f"{result['serial_p95']:.0f} ms; {threads} at once p50 {result['busy_p50']:.0f} ms, "
        f"p95 {result['busy_p95']:.0f} ms, {result['busy_rate']:.1f} sign-ins/s"
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=40, help="sign-ins per hasher and phase")
    parser.add_argument("--threads", type=int, default=4, help="simultaneous sign-ins")
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    for label, hashers in HASHERS.items():
        run(label, hashers, args.logins, args.threads)
    get_user_model().objects.filter(username__startswith="bench").delete()
    SignIn.objects.all().delete()
    Throttle.objects.all().delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
