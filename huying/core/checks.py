"""Start-up checks: no real deployment serves with the secret key printed in the source.

The key signs sessions, CSRF tokens and password-reset links; with the public one anyone can
forge them. It is allowed only where nothing real is at stake: DEBUG, or the demo
(``HUYING_DEMO=1``, set by bin/demo). The WSGI entry point, which both gunicorn and
``huying runserver`` load, refuses to start with it; ``huying check --deploy`` reports it
(huying.E001). Tools that serve nothing (migrate, makemigrations, the tests) are not stopped.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

MESSAGE = (
    "HUYING_SECRET_KEY is not set: the default secret key is public. Set HUYING_SECRET_KEY "
    "to a long random value (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
    "or HUYING_DEMO=1 for a throwaway demo."
)


def public_key_in_use() -> bool:
    return bool(
        settings.SECRET_KEY == settings.PUBLIC_SECRET_KEY
        and not settings.DEBUG
        and not settings.HUYING_DEMO
    )


@register(Tags.security, deploy=True)
def public_secret_key(app_configs: Any, **kwargs: Any) -> list[Error]:
    if public_key_in_use():
        return [Error(MESSAGE, id="huying.E001")]
    return []


def refuse_public_secret_key() -> None:
    if public_key_in_use():
        raise ImproperlyConfigured(MESSAGE)


LOG_TEXTS = "huying.core.notify.log_text_backend"


@register(Tags.security, deploy=True)
def texts_only_logged(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Residents sign in with texted codes: logged instead of sent, they reach nobody, and
    whoever reads the log could sign in as anyone."""
    if settings.HUYING_SMS_BACKEND == LOG_TEXTS and not settings.DEBUG and not settings.HUYING_DEMO:
        return [
            Warning(
                "HUYING_SMS_BACKEND writes residents' sign-in codes to the log instead of "
                "sending them: point it at the SMS gateway.",
                id="huying.W001",
            )
        ]
    return []
