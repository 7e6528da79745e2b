"""Residents sign in with their mobile number and a text-message code: no password, no
account to open first. The first good code makes the account (a resident of the district,
seeing only their own reports); later codes sign the same person in to 我的反映.

Guessing is bounded three ways: a code holds ``HUYING_PHONE_CODE_MINUTES`` and dies after
``HUYING_PHONE_CODE_GUESSES`` wrong tries; a number gets a code at most every
``HUYING_PHONE_CODE_RESEND_SECONDS`` and ``HUYING_PHONE_CODES_PER_HOUR`` an hour, an address
``HUYING_PHONE_CODES_IP_PER_HOUR``; and wrong codes count against the address like wrong
passwords (``throttle.LOGIN_IP``). Only a keyed digest of a code is stored. Every try is in
the sign-in log under the masked number.
"""

from __future__ import annotations

import math
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.core.errors import InvalidInput, TooManyAttempts
from huying.core.input_text import normalize_phone
from huying.core.notify import send_text
from huying.org import signin, throttle
from huying.org.models import OrgUnit, PhoneAccount, PhoneCode, Role, RoleGrant, SignIn


def masked(phone: str) -> str:
    """138****5678: enough for a person to recognise their number, and for the log."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else phone


def _digest(phone: str, code: str) -> str:
    return salted_hmac("huying.phone_code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def send_code(*, phone: str, ip: str | None, now: datetime | None = None) -> None:
    """Text a fresh code to ``phone`` (earlier unused ones stop holding)."""
    now = now or timezone.now()
    phone = normalize_phone(phone)
    hour_ago = now - timedelta(hours=1)
    sent = PhoneCode.objects.filter(phone=phone, created_at__gt=hour_ago)
    last = sent.order_by("-created_at").values_list("created_at", flat=True).first()
    wait = settings.HUYING_PHONE_CODE_RESEND_SECONDS
    if last is not None and (left := (last + timedelta(seconds=wait) - now).total_seconds()) > 0:
        raise TooManyAttempts(
            _("验证码已发送，请 %(seconds)d 秒后再获取") % {"seconds": math.ceil(left)},
            minutes=1,
            field="phone",
        )
    if sent.count() >= settings.HUYING_PHONE_CODES_PER_HOUR or (
        ip
        and PhoneCode.objects.filter(ip=ip, created_at__gt=hour_ago).count()
        >= settings.HUYING_PHONE_CODES_IP_PER_HOUR
    ):
        raise TooManyAttempts(_("获取验证码过于频繁，请一小时后再试"), minutes=60)
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = settings.HUYING_PHONE_CODE_MINUTES
    with transaction.atomic():
        PhoneCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
        PhoneCode.objects.create(
            phone=phone,
            digest=_digest(phone, code),
            ip=ip,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    with translation.override(settings.LANGUAGE_CODE):
        message = _("【呼应】您的验证码是 %(code)s，%(minutes)d 分钟内有效，请勿告诉他人。") % {
            "code": code,
            "minutes": minutes,
        }
    send_text(phone, message)


def sign_in_with_code(
    *,
    phone: str,
    code: str,
    ip: str | None,
    agent: str = "",
    district_id: int | None = None,
    now: datetime | None = None,
) -> Any:
    """The resident this number belongs to (made on the first good code, a resident of
    ``district_id``: ``phone_districts()`` offers them), or an error that says what to do: a
    wrong code (``InvalidInput``), too many (``TooManyAttempts``), no district chosen where
    the installation has several (``InvalidInput`` on ``district_id``)."""
    now = now or timezone.now()
    phone = normalize_phone(phone)
    code = re.sub(r"\s", "", code or "")

    def log(result: str, reason: Any, user: Any = None) -> None:
        signin.log_attempt(
            username=masked(phone),
            ip=ip,
            agent=agent,
            result=result,
            reason=reason,
            now=now,
            user=user,
        )

    minutes = throttle.locked_for([(throttle.LOGIN_IP, ip or "")], now)
    if minutes is not None:
        log(SignIn.Result.LOCKED, gettext_lazy("已锁定，未核对验证码"))
        raise TooManyAttempts(signin.locked_message(minutes), minutes=minutes)
    if not re.fullmatch(r"\d{6}", code):
        raise InvalidInput(_("请输入短信中的 6 位验证码"), field="code")
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if (
            row is not None
            and constant_time_compare(row.digest, _digest(phone, code))
            # compare-and-set: one code, one sign-in, even where rows are not locked
            and PhoneCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
        ):
            user = _resident(phone, now, district_id)
            log(SignIn.Result.SUCCESS, gettext_lazy("短信验证码"), user)
            return user
        if row is not None:
            row.attempts += 1
            if row.attempts >= settings.HUYING_PHONE_CODE_GUESSES:
                row.used_at = now  # dead: the person asks for a new one
            row.save(update_fields=["attempts", "used_at"])
    locked = throttle.fail(throttle.LOGIN_IP, ip or "", now)
    log(SignIn.Result.FAILURE, gettext_lazy("验证码错误或已失效"))
    if locked is not None:
        raise TooManyAttempts(signin.locked_message(locked), minutes=locked)
    raise InvalidInput(_("验证码不正确或已失效，请重新获取"), field="code")


def phone_districts() -> list[OrgUnit]:
    """The districts a new resident may sign up in: a sign-in page asks which one when
    there are several."""
    return list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT, is_active=True)
        .defer("boundary")
        .order_by("code")
    )


def _resident(phone: str, now: datetime, district_id: int | None = None) -> Any:
    account = PhoneAccount.objects.select_related("user").filter(phone=phone).first()
    if account is not None:
        return account.user
    districts = phone_districts()
    if not districts:
        raise InvalidInput(_("系统尚未建立辖区，暂不能登录"))
    if district_id is not None:
        districts = [d for d in districts if d.pk == district_id]
    if len(districts) != 1:
        raise InvalidInput(_("请选择所在的区"), field="district_id")
    district = districts[0]
    users = get_user_model().objects
    try:
        with transaction.atomic():
            username = f"m{phone}"
            if users.filter(username=username).exists():  # a staff name that looks like it
                username = f"m{phone}-{secrets.token_hex(3)}"
            user = users.create_user(username=username, first_name=masked(phone))
            PhoneAccount.objects.create(user=user, phone=phone, created_at=now)
            RoleGrant.objects.create(user=user, role=Role.RESIDENT, unit=district)
    except IntegrityError:  # the same number's first code, twice at once: one account
        return PhoneAccount.objects.select_related("user").get(phone=phone).user
    return user
