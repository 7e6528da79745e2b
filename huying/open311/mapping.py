"""Huying's cases and catalogue as GeoReport v2 says them: plain data, no HTTP, no queries.

Only public fields leave, by the tracking page's rules (``huying.cases.public``): the case
number, its item, open or closed, its last public step or the checked result, the place and
the dates. Never the reporter's name, phone, e-mail or 查询码, nor who worked on it. The free
text that does go out (description, address, result) is written by people who may name
themselves or others, so the reporter's name and phone, the names of the staff on the trail
and anything shaped like a phone number or an e-mail address are masked in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from huying.cases.models import Assignment, Case, CaseState
from huying.cases.public import PUBLIC_EVENTS, result_shown
from huying.cases.rules import OPEN_CASE_STATES
from huying.catalogue.attributes import AttributeSpec
from huying.catalogue.models import UNIT_WORDS, CatalogueItem, Level

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json", "xml": "text/xml"}

OPEN, CLOSED = "open", "closed"
STATUSES = (OPEN, CLOSED)


def status_of(state: str) -> str:
    """``closed`` where nothing more will happen to the case (filed, or ended at triage), as
    the lifecycle's own ``OPEN_CASE_STATES`` says."""
    return OPEN if state in OPEN_CASE_STATES else CLOSED


def states_of(statuses: Iterable[str]) -> set[str]:
    """The case states behind Open311 statuses (``open``, ``closed``)."""
    wanted = set(statuses)
    return {s for s in CaseState.values if status_of(s) in wanted}


# --- masking ---------------------------------------------------------------------------------

MASK = "***"
#: Mainland mobile numbers (with +86 and the usual separators), landlines with an area code,
#: and e-mail addresses.
_CONTACT = re.compile(
    r"(?<![\d])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"
    r"|(?<![\d])0\d{2,3}[\s-]?\d{7,8}(?!\d)"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)


@dataclass(frozen=True)
class Private:
    """What must not leave in one case's text: names (the reporter's, the staff's on its
    trail) and the reporter's phone."""

    names: frozenset[str] = field(default_factory=frozenset)
    phones: frozenset[str] = field(default_factory=frozenset)


def name_forms(*parts: str) -> set[str]:
    """How a name may be written in text: whole (either order, with or without a space) and
    its parts of two or more characters (a one-character surname alone would mask half the
    language)."""
    parts_ = [p.strip() for p in parts if p and p.strip()]
    forms = {p for p in parts_ if len(p) >= 2}
    if len(parts_) > 1:
        forms |= {"".join(parts_), "".join(reversed(parts_)), " ".join(parts_)}
        forms |= {" ".join(reversed(parts_))}
    return forms


def masked(text: str, private: Private = Private()) -> str:
    """``text`` with the private names and phones and anything contact-shaped masked."""
    if not text:
        return text
    for name in sorted(private.names, key=len, reverse=True):  # 张小明 before 小明
        text = text.replace(name, MASK)
    for phone in private.phones:
        digits = re.sub(r"\D", "", phone)
        if len(digits) >= 5:
            # The number as typed, or with separators anywhere between its digits.
            text = re.sub(r"[\s-]?".join(digits), MASK, text)
    return _CONTACT.sub(MASK, text)


# --- requests --------------------------------------------------------------------------------


def w3c(moment: datetime | None) -> str | None:
    """A moment as the spec writes it: ISO 8601 with the district's offset (``+08:00``)."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def limit_text(item: CatalogueItem) -> str:
    """The item's handling limit in words: ``5 个工作日``."""
    return f"{item.handle_limit} {UNIT_WORDS[item.handle_unit]}"


def service_notice(item: CatalogueItem | None) -> str | None:
    if item is None:
        return None
    return _("按事项清单，一般在 %(limit)s内办结") % {"limit": limit_text(item)}


def _description(case: Case) -> str:
    """The spec has no title: the title leads unless the description already starts with it
    (as an Open311 report's title is cut from its description)."""
    description = case.description.strip()
    if not description:
        return case.title
    if description.startswith(case.title.rstrip("…")):
        return description
    return f"{case.title}\n{description}"


def _address(case: Case) -> str:
    """The reported address, else the community and street it lies in (most specific first,
    as the spec asks)."""
    if case.address:
        return case.address
    units = [case.community, case.street]
    return " ".join(u.name for u in units if u is not None)


def status_notes(case: Case, *, action: str | None, result: str | None) -> str | None:
    """The checked result once the street has verified it, else the last public step."""
    shown = result_shown(case, result)
    if shown:
        return shown
    label = PUBLIC_EVENTS.get(action or "")
    return str(label) if label is not None else None


def request_dict(
    case: Case,
    *,
    private: Private = Private(),
    action: str | None = None,
    result: str | None = None,
    lead: Assignment | None = None,
    media_url: str = "",
) -> dict[str, Any]:
    """One service request, every field of the spec in its order (absent ones as ``None``).

    ``action`` and ``result``: the case's last public step and last result text
    (``huying.cases.public.with_public_progress``); ``lead``: the current round's lead
    assignment, if it was dispatched (the agency and the expected time)."""
    item = case.item
    if lead is not None:
        expected = lead.handle_due_at
    elif case.state == CaseState.SELF_HANDLING:
        expected = case.due_at
    else:
        expected = None
    closed = status_of(case.state) == CLOSED
    notes = status_notes(case, action=action, result=result)
    return {
        "service_request_id": case.number,
        "status": status_of(case.state),
        "status_notes": masked(notes, private) if notes else None,
        "service_name": item.name if item else None,
        "service_code": item.code if item else None,
        "description": masked(_description(case), private),
        "agency_responsible": lead.department.name if lead is not None else None,
        "service_notice": service_notice(item),
        "requested_datetime": w3c(case.reported_at),
        "updated_datetime": w3c(case.closed_at if closed and case.closed_at else case.updated_at),
        "expected_datetime": w3c(expected) if not closed else None,
        "address": masked(_address(case), private) or None,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": media_url or None,
    }


def created_dict(case: Case, *, token: str) -> dict[str, Any]:
    """The answer to a POST: the request exists at once, and its token resolves to it too."""
    return {
        "service_request_id": case.number,
        "token": token,
        "service_notice": service_notice(case.item),
        "account_id": None,
    }


def token_dict(case: Case, *, token: str) -> dict[str, Any]:
    return {"service_request_id": case.number, "token": token}


# --- services --------------------------------------------------------------------------------


def _questions(specs: Sequence[AttributeSpec]) -> list[dict[str, Any]]:
    """The item's own questions (``variable: true``), to be answered as ``attribute[code]``."""
    rows = []
    for order, spec in enumerate(specs, 1):
        row: dict[str, Any] = {
            "variable": True,
            "code": spec.code,
            "datatype": spec.datatype,
            "required": spec.required,
            "datatype_description": None,
            "order": order,
            "description": spec.description,
        }
        if spec.values:
            row["values"] = [{"key": key, "name": name} for key, name in spec.values]
        rows.append(row)
    return rows


def _facts(item: CatalogueItem, *, after: int, taken: set[str]) -> list[dict[str, Any]]:
    """What the catalogue says of the item, as information for the person reporting
    (``variable: false``), numbered after the questions; a question's code wins."""
    departments = ""
    if item.lead_department is not None:
        departments = item.lead_department.name
        co = [d.name for d in item.co_departments.all()]
        if co:
            departments += _("；协办：") + "、".join(co)
    facts = [
        ("level", _("等级"), str(Level(item.default_level).label)),
        ("time_limit", _("办理时限"), limit_text(item)),
        ("department", _("主办部门"), departments),
        ("handling_standard", _("处置标准"), item.handling_standard),
        ("closing_condition", _("结案条件"), item.closing_condition),
    ]
    shown = [f for f in facts if f[2] and f[0] not in taken]
    return [
        {
            "variable": False,
            "code": code,
            "datatype": "text",
            "required": False,
            "datatype_description": None,
            "order": order,
            "description": _("%(head)s：%(tail)s") % {"head": label, "tail": value},
        }
        for order, (code, label, value) in enumerate(shown, after + 1)
    ]


def service_dict(item: CatalogueItem, specs: Sequence[AttributeSpec] = ()) -> dict[str, Any]:
    """``metadata`` is true when the item asks questions of its own (``specs``): only then
    has a client more to fill in (the definition also tells the catalogue's facts)."""
    keywords = [*item.keyword_list(), *item.synonym_list()]
    return {
        "service_code": item.code,
        "service_name": item.name,
        "description": item.handling_standard or item.name,
        "metadata": bool(specs),
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys(keywords)),
        "group": item.klass.name,
    }


def service_definition(item: CatalogueItem, specs: Sequence[AttributeSpec] = ()) -> dict[str, Any]:
    questions = _questions(specs)
    facts = _facts(item, after=len(questions), taken={s.code for s in specs})
    return {"service_code": item.code, "attributes": [*questions, *facts]}


def discovery(*, url: str, changeset: datetime | None, contact: str) -> dict[str, Any]:
    """The service discovery document: one production endpoint, both formats; the changeset
    is when the current catalogue (the services and their definitions) was published."""
    return {
        "changeset": w3c(changeset),
        "contact": contact,
        "key_service": _("api_key 是管理员签发的接口令牌（huying api-token），请向区呼应办申请"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": w3c(changeset),
                "type": "production",
                "formats": [FORMATS["xml"], FORMATS["json"]],
            }
        ],
    }
