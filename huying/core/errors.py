"""Domain errors: a stable code for machines, a Chinese message for people, an HTTP status.

Messages are translatable (Chinese is the source language): the class defaults are lazy,
and ``message`` is the text in the language active where the error is raised, a plain
``str`` that JSON and templates take as it is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    code = "domain_error"
    status = 400
    default_message: StrOrPromise = _("请求无法处理")

    def __init__(
        self, message: StrOrPromise | None = None, *, code: str | None = None, **details: Any
    ):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    """Also what an out-of-scope object looks like: we never confirm it exists."""

    code = "not_found"
    status = 404
    default_message = _("对象不存在或无权查看")


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("当前角色无权执行此操作")


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    default_message = _("当前状态下不能执行此操作")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("数据已被他人修改，请刷新后重试")


class RuleViolation(DomainError):
    code = "rule_violation"
    status = 422
    default_message = _("不符合业务规则")


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    default_message = _("输入有误")


class CalendarYearMissing(DomainError):
    """A working-day deadline needs a year the calendar does not know: chinese_calendar has
    no data for it and the district has not confirmed its holidays (工作日历). Refused rather
    than guessed, so nothing is written with a deadline that may fall on a holiday."""

    code = "calendar_year_missing"
    status = 409

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            gettext(
                "%(year)d 年的节假日和调休安排尚未录入，无法计算工作日时限；"
                "请管理员在「管理 → 工作日历」中录入并确认"
            )
            % {"year": year},
            year=year,
        )


class TooManyAttempts(DomainError):
    """Too many failures against one account, address or case number: locked for a while."""

    code = "too_many_attempts"
    status = 429
    default_message = _("尝试次数过多，请稍后再试")

    def __init__(self, message: StrOrPromise | None = None, *, minutes: int, **details: Any):
        self.minutes = minutes
        super().__init__(message, minutes=minutes, **details)


class Unauthenticated(DomainError):
    """Not signed in, or a credential that no longer holds (an expired token)."""

    code = "unauthenticated"
    status = 401
    default_message = _("请先登录或提供有效的令牌")
