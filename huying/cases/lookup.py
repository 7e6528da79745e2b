"""The public progress lookup (/m/track): a reporter without an account finds their case.

Case numbers are predictable (district, date, sequence), so the number and a phone number
were not enough: two hundred guesses at a known number's phone found it. The lookup now
needs the case's 查询码 (printed on the receipt, random) and the last 4 digits of the
phone left, and failed lookups are limited per case number and per address
(``huying.org.throttle``): a few wrong tries pause that number, and a burst of them from one
place pauses that place.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.utils.translation import ngettext

from huying.cases.models import Case
from huying.core.errors import NotFound, TooManyAttempts
from huying.org import throttle


def normalise_code(raw: str) -> str:
    """Case and spaces as people type them off a receipt."""
    return re.sub(r"\s+", "", raw).upper()


def phone_tail(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[-4:] if len(digits) >= 4 else ""


def too_many_tries(minutes: int) -> TooManyAttempts:
    return TooManyAttempts(
        ngettext(
            "查询失败次数过多，请 %(minutes)d 分钟后再试",
            "查询失败次数过多，请 %(minutes)d 分钟后再试",
            minutes,
        )
        % {"minutes": minutes},
        minutes=minutes,
    )


def case_for_reporter(*, number: str, code: str, tail: str, ip: str | None, now: datetime) -> Case:
    """The case these three name, or ``NotFound`` (which of them was wrong is not told),
    or ``TooManyAttempts`` while the number or the address is paused."""
    keys = [(throttle.TRACK_CASE, number), (throttle.TRACK_IP, ip or "")]
    minutes = throttle.locked_for(keys, now)
    if minutes is not None:
        raise too_many_tries(minutes)
    case = Case.objects.filter(number=number).first()
    expected_tail = phone_tail(case.reporter_phone) if case is not None else ""
    if (
        case is not None
        and expected_tail
        and secrets.compare_digest(case.track_code.encode(), normalise_code(code).encode())
        and secrets.compare_digest(expected_tail.encode(), tail.strip().encode())
    ):
        return case
    # A number that names no case counts against the address only: no row per made-up number.
    counted = keys if case is not None else keys[1:]
    locks = [throttle.fail(scope, key, now) for scope, key in counted]
    minutes = max((m for m in locks if m is not None), default=None)
    if minutes is not None:
        raise too_many_tries(minutes)
    raise NotFound()
