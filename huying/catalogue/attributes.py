"""An item's questions for whoever reports it: GeoReport v2's service attributes, as data.

An item may ask a few things beyond the report's text and place (the water's depth for
积水, the kind of vehicle for 占道停车): each has a code, a datatype, whether it must be
answered, the question, its order and, for the two list types, the allowed values. They
belong to the item of one catalogue version, so a published version's questions are as fixed
as the rest of it and a draft copies them.

The console edits them as lines, one question a line (``attribute_lines`` /
``parse_attribute_lines``)::

    depth | number | 必填 | 积水深度（厘米）
    vehicle | singlevaluelist | 选填 | 车辆类型 | car=机动车；bike=非机动车

``answer_checked`` reads one answer against its question: what the Open311 door (and any
other door that asks) keeps, or the ``InvalidInput`` that refuses the report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pydantic import TypeAdapter, ValidationError

from huying.catalogue.models import AttributeType
from huying.core.api_types import Instant
from huying.core.errors import InvalidInput

#: A code is a client's parameter name (``attribute[depth]``): ASCII, short.
CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
#: A list value's key, sent back by the client as it is.
KEY = re.compile(r"[A-Za-z0-9_.-]{1,32}")
MAX_ATTRIBUTES = 20
MAX_VALUES = 50
MAX_DESCRIPTION = 200
MAX_VALUE_NAME = 50
#: The longest answer kept, by datatype (the lists' answers are keys).
MAX_ANSWER = {AttributeType.STRING: 200, AttributeType.TEXT: 2000}
LISTS = frozenset({AttributeType.SINGLE, AttributeType.MULTI})

_REQUIRED_WORDS = {"必填": True, "required": True, "选填": False, "optional": False}
_INSTANT: TypeAdapter[datetime] = TypeAdapter(Instant)


@dataclass(frozen=True)
class AttributeSpec:
    """One question, checked (``attribute_specs_checked``)."""

    code: str
    datatype: str
    description: str
    required: bool = False
    order: int = 0
    #: ``(key, name)`` pairs, for the list types only.
    values: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def value_name(self, key: str) -> str:
        return dict(self.values).get(key, key)


def attribute_specs_checked(specs: Sequence[AttributeSpec]) -> list[AttributeSpec]:
    """The item's questions, each well formed, codes unique, lists with values and plain
    types without; refused with the first fault, naming the question."""
    if len(specs) > MAX_ATTRIBUTES:
        raise InvalidInput(
            _("一个事项最多 %(n)d 个填报项") % {"n": MAX_ATTRIBUTES}, field="attributes"
        )
    seen: set[str] = set()
    checked = []
    for position, spec in enumerate(specs, 1):
        where = _("填报项「%(code)s」：") % {"code": spec.code}
        if not CODE.fullmatch(spec.code):
            raise InvalidInput(
                _("填报项编码「%(code)s」须以字母开头，只含字母、数字和下划线，不超过 32 位")
                % {"code": spec.code},
                field="attributes",
            )
        if spec.code in seen:
            raise InvalidInput(where + _("编码重复"), field="attributes")
        seen.add(spec.code)
        if spec.datatype not in AttributeType.values:
            raise InvalidInput(
                where
                + _("类型「%(type)s」无效，应为 %(types)s")
                % {"type": spec.datatype, "types": "、".join(AttributeType.values)},
                field="attributes",
            )
        description = spec.description.strip()
        if not description or len(description) > MAX_DESCRIPTION:
            raise InvalidInput(
                where + _("说明不能为空，也不能超过 %(n)d 字") % {"n": MAX_DESCRIPTION},
                field="attributes",
            )
        if spec.datatype in LISTS:
            _check_values(spec, where)
        elif spec.values:
            raise InvalidInput(where + _("只有单选和多选才有选项"), field="attributes")
        checked.append(
            AttributeSpec(
                code=spec.code,
                datatype=spec.datatype,
                description=description,
                required=spec.required,
                order=spec.order or position,
                values=tuple((k.strip(), n.strip()) for k, n in spec.values),
            )
        )
    return checked


def _check_values(spec: AttributeSpec, where: str) -> None:
    if not spec.values:
        raise InvalidInput(where + _("单选和多选须列出选项"), field="attributes")
    if len(spec.values) > MAX_VALUES:
        raise InvalidInput(where + _("选项最多 %(n)d 个") % {"n": MAX_VALUES}, field="attributes")
    keys = [k.strip() for k, _name in spec.values]
    if len(set(keys)) != len(keys):
        raise InvalidInput(where + _("选项的键重复"), field="attributes")
    for key, name in spec.values:
        if not KEY.fullmatch(key.strip()):
            raise InvalidInput(
                where + _("选项的键「%(key)s」只能含字母、数字、下划线、点和连字符") % {"key": key},
                field="attributes",
            )
        if not name.strip() or len(name.strip()) > MAX_VALUE_NAME:
            raise InvalidInput(
                where
                + _("选项「%(key)s」的名称不能为空，也不能超过 %(n)d 字")
                % {"key": key, "n": MAX_VALUE_NAME},
                field="attributes",
            )


# --- the console's lines ---------------------------------------------------------------------

_FIELDS = re.compile(r"\s*[|｜]\s*")
_PAIRS = re.compile(r"\s*[;；]\s*")
_PAIR = re.compile(r"\s*[=＝]\s*")


def parse_attribute_lines(text: str) -> list[AttributeSpec]:
    """The console's text, one question a line: ``编码 | 类型 | 必填/选填 | 说明 | 选项``
    (选项 ``键=名称；键=名称``, for the list types); blank lines are skipped, the order is
    the lines'. The shape only: ``attribute_specs_checked`` applies the rules."""
    specs = []
    lines = [line for line in (text or "").splitlines() if line.strip()]
    for number, line in enumerate(lines, 1):
        parts = _FIELDS.split(line.strip())
        if len(parts) not in (4, 5):
            raise InvalidInput(
                _("填报项第 %(n)d 行应为“编码 | 类型 | 必填或选填 | 说明 | 选项”") % {"n": number},
                field="attributes",
            )
        code, datatype, required, description = parts[:4]
        if required.lower() not in _REQUIRED_WORDS:
            raise InvalidInput(
                _("填报项第 %(n)d 行：第三栏应为“必填”或“选填”") % {"n": number},
                field="attributes",
            )
        values = []
        if len(parts) == 5 and parts[4]:
            for pair in _PAIRS.split(parts[4]):
                if not pair:
                    continue
                key, *name = _PAIR.split(pair, maxsplit=1)
                values.append((key, name[0] if name else key))
        specs.append(
            AttributeSpec(
                code=code,
                datatype=datatype.lower(),
                required=_REQUIRED_WORDS[required.lower()],
                description=description,
                order=number,
                values=tuple(values),
            )
        )
    return specs


def attribute_lines(specs: Sequence[AttributeSpec]) -> str:
    """The questions as the console's text (``parse_attribute_lines`` reads it back, in
    either language)."""
    lines = []
    for spec in specs:
        required = pgettext("question", "必填") if spec.required else pgettext("question", "选填")
        parts = [spec.code, spec.datatype, required, spec.description]
        if spec.values:
            parts.append("；".join(f"{k}={n}" for k, n in spec.values))
        lines.append(" | ".join(parts))
    return "\n".join(lines)


# --- answers ---------------------------------------------------------------------------------


def answer_checked(spec: AttributeSpec, raw: Sequence[str]) -> Any:
    """One answer (the values sent under the question's code) as kept: text, a number, a
    W3C instant as sent, a key or a list of keys; None when it was left out. Refused when a
    required question is unanswered or the answer is not of the question's type."""
    values = [v.strip() for v in raw if v and v.strip()]
    label = f"attribute[{spec.code}]"
    if not values:
        if spec.required:
            raise InvalidInput(
                _("%(name)s（%(question)s）必填") % {"name": label, "question": spec.description},
                field=label,
            )
        return None
    if spec.datatype == AttributeType.MULTI:
        keys = list(dict.fromkeys(k.strip() for v in values for k in v.split(",") if k.strip()))
        _known_keys(spec, keys, label)
        return keys
    if len(values) > 1:
        raise InvalidInput(_("%(name)s 只能有一个值") % {"name": label}, field=label)
    value = values[0]
    if spec.datatype == AttributeType.SINGLE:
        _known_keys(spec, [value], label)
        return value
    if spec.datatype == AttributeType.NUMBER:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise InvalidInput(_("%(name)s 须为数字") % {"name": label}, field=label)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if spec.datatype == AttributeType.DATETIME:
        try:
            _INSTANT.validate_python(value)
        except ValidationError:
            raise InvalidInput(
                _("%(name)s 须为 W3C 日期时间，如 2026-05-01T08:00:00+08:00") % {"name": label},
                field=label,
            ) from None
        return value
    limit = MAX_ANSWER.get(AttributeType(spec.datatype), MAX_ANSWER[AttributeType.TEXT])
    if len(value) > limit:
        raise InvalidInput(
            _("%(name)s 不能超过 %(limit)d 字") % {"name": label, "limit": limit}, field=label
        )
    return value


def _known_keys(spec: AttributeSpec, keys: list[str], label: str) -> None:
    allowed = [k for k, _name in spec.values]
    unknown = [k for k in keys if k not in allowed]
    if unknown:
        raise InvalidInput(
            _("%(name)s 的值「%(value)s」不在可选范围内（%(allowed)s）")
            % {"name": label, "value": "、".join(unknown), "allowed": "、".join(allowed)},
            field=label,
        )


def answer_text(spec: AttributeSpec, value: Any) -> str:
    """An answer as a page shows it: list keys by their names."""
    if isinstance(value, list):
        return "、".join(spec.value_name(k) for k in value)
    if spec.datatype == AttributeType.SINGLE:
        return spec.value_name(str(value))
    return str(value)
