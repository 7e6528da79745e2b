"""Domain errors: a stable code for machines, a Chinese message for people, an HTTP status."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 400
    default_message = "请求无法处理"

    def __init__(self, message: str | None = None, *, code: str | None = None, **details: Any):
        self.message = message or self.default_message
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
    default_message = "对象不存在或无权查看"


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403
    default_message = "当前角色无权执行此操作"


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409
    default_message = "当前状态下不能执行此操作"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "数据已被他人修改，请刷新后重试"


class RuleViolation(DomainError):
    code = "rule_violation"
    status = 422
    default_message = "不符合业务规则"


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    default_message = "输入有误"
