"""The key that seals the case trails (闭环留痕), kept outside the database.

An unkeyed hash chain only proves that nobody edited an event *without recomputing the
chain*: whoever can write the events table can also rewrite every hash after an edit. A MAC
with a key the database user never sees closes that door. The key comes from, in order:

1. ``HUYING_TRAIL_KEY`` (the environment): for several hosts that must share one key;
2. the key file ``HUYING_TRAIL_KEY_FILE`` (default ``$HUYING_DATA_DIR/trail.key``), created on
   first use with a random key, readable by its owner only;
3. only with ``DEBUG`` and a key file that cannot be written: a key derived from
   ``SECRET_KEY`` (a development convenience; production refuses to start instead).

It is not ``SECRET_KEY`` itself: rotating the session key must not make every trail look
tampered with.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.crypto import salted_hmac

logger = logging.getLogger("huying.trail")

MIN_KEY_CHARS = 32


@cache
def trail_key() -> bytes:
    explicit = settings.HUYING_TRAIL_KEY
    if explicit:
        if len(explicit) < MIN_KEY_CHARS:
            raise ImproperlyConfigured(
                f"HUYING_TRAIL_KEY must be at least {MIN_KEY_CHARS} characters long"
            )
        return explicit.encode()
    path = Path(settings.HUYING_TRAIL_KEY_FILE)
    try:
        return _read_or_create(path)
    except OSError as exc:
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                f"the trail key file {path} cannot be read or created ({exc}); "
                "set HUYING_TRAIL_KEY or make the data directory writable"
            ) from exc
        logger.warning(
            "trail key file %s unusable (%s): DEBUG key derived from SECRET_KEY", path, exc
        )
        return salted_hmac("huying.trail", "trail-key").hexdigest().encode()


def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a temporary name and linked into place: a second process
        # starting at the same moment either wins the link or reads the complete winner.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
            try:
                os.link(tmp, path)
                logger.warning("created the trail key file %s: back it up with the database", path)
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ImproperlyConfigured(
            f"the trail key file {path} is readable by others (mode {stat.filemode(mode)}): "
            f"chmod 600 {path}"
        )
    key = path.read_text().strip()
    if len(key) < MIN_KEY_CHARS:
        raise ImproperlyConfigured(f"the trail key file {path} holds too short a key")
    return key.encode()


def key_id() -> str:
    """A short name of the key in force (not the key): which key sealed an anchor."""
    return hmac.new(trail_key(), b"huying-trail-key-id", hashlib.sha256).hexdigest()[:12]


@receiver(setting_changed)
def _forget_key(*, setting: str, **kwargs: object) -> None:
    if setting in {"HUYING_TRAIL_KEY", "HUYING_TRAIL_KEY_FILE", "SECRET_KEY", "DEBUG"}:
        trail_key.cache_clear()


def check_trail_key(**kwargs: object) -> list[CheckMessage]:
    """Start-up refuses a missing or weak trail key (``huying check``, runserver, worker)."""
    try:
        trail_key()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="huying.E001")]
    return []
