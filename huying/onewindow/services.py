"""Writes of 一口受理·二级代办. Each is one transaction with a compare-and-set on the
application's ``version``: bad input, a stale page or a step the rules refuse changes
nothing, and every step lands on the application's hash-chained trail."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huying.cases.lookup import normalise_code, phone_tail, too_many_tries
from huying.cases.models import Source
from huying.cases.services.engine import check_files
from huying.cases.services.intake import case_submit, title_from
from huying.core.audit import GENESIS, HASH_VERSION, chain_hash
from huying.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from huying.core.files import CheckedFile
from huying.core.i18n import site_text
from huying.core.notify import notify
from huying.core.numbering import counter_next
from huying.core.workcalendar import WORKING_DAYS, load_calendar
from huying.onewindow import rules
from huying.onewindow.models import (
    Application,
    ApplicationPhoto,
    ApplicationState,
    ApplicationStep,
    CallOutcome,
    DutyShift,
    ElderCall,
    Qualification,
    ServiceItem,
    StepAction,
)
from huying.onewindow.selectors import (
    application_get,
    items_of,
    qualified_on_duty,
    station_staff,
    valid_qualifications,
)
from huying.org import throttle
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit
from huying.org.selectors import ancestors

K = OrgUnit.Kind
PHONE = re.compile(r"^1\d{10}$|^0\d{2,3}-?\d{7,8}$")
#: An item's time limit: at most a statutory year of working days.
MAX_TIME_LIMIT = 250
MAX_MATERIALS = 30


def _text(value: str, field: str, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写{label}").format(label=label), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("{label}不能超过 {limit} 字").format(label=label, limit=limit), field=field
        )
    return value


# --- the catalogue of service items (the district edits it) ------------------------------------


def _item_values(
    *,
    actor: Actor,
    name: str,
    conditions: str,
    materials: Sequence[str],
    time_limit: int,
    fee: Decimal | str | int,
    department_id: int,
    station_accepts: bool,
) -> dict[str, Any]:
    cleaned = [m.strip() for m in materials if m and m.strip()]
    if len(set(cleaned)) != len(cleaned):
        raise InvalidInput(_("材料清单有重复项"), field="materials")
    if len(cleaned) > MAX_MATERIALS:
        raise InvalidInput(_("材料最多 %(n)d 项") % {"n": MAX_MATERIALS}, field="materials")
    if any(len(m) > 100 for m in cleaned):
        raise InvalidInput(_("每项材料不能超过 100 字"), field="materials")
    if not 1 <= time_limit <= MAX_TIME_LIMIT:
        raise InvalidInput(
            _("办理时限须在 1 至 %(max)d 个工作日之间") % {"max": MAX_TIME_LIMIT},
            field="time_limit",
        )
    try:
        amount = Decimal(str(fee))
    except InvalidOperation:
        raise InvalidInput(_("收费金额格式不正确"), field="fee") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1000000"):
        raise InvalidInput(_("收费金额须在 0 至 999999.99 元之间"), field="fee")
    department = OrgUnit.objects.filter(
        under("path", actor.reach), pk=department_id, kind=K.DEPARTMENT, is_active=True
    ).first()
    if department is None:
        raise InvalidInput(_("办理部门须是区级部门"), field="department_id")
    return {
        "name": _text(name, "name", label=_("事项名称"), limit=100),
        "conditions": _text(
            conditions, "conditions", label=_("办理条件"), limit=4000, required=False
        ),
        "materials": cleaned,
        "time_limit": time_limit,
        "fee": amount.quantize(Decimal("0.01")),
        "department": department,
        "station_accepts": station_accepts,
    }


def _manager(actor: Actor) -> None:
    if not actor.can_manage:
        raise PermissionDenied(_("只有管理员可以维护服务事项"))


def item_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    time_limit: int,
    department_id: int,
    materials: Sequence[str] = (),
    conditions: str = "",
    fee: Decimal | str | int = 0,
    station_accepts: bool = True,
) -> ServiceItem:
    """A new item, unpublished: residents see it once the district publishes it."""
    _manager(actor)
    code = _text(code, "code", label=_("事项编码"), limit=32)
    values = _item_values(
        actor=actor,
        name=name,
        conditions=conditions,
        materials=materials,
        time_limit=time_limit,
        fee=fee,
        department_id=department_id,
        station_accepts=station_accepts,
    )
    with transaction.atomic():
        if ServiceItem.objects.filter(code=code).exists():
            raise InvalidInput(_("事项编码 {code} 已存在").format(code=code), field="code")
        return ServiceItem.objects.create(code=code, **values)


def item_update(
    *,
    actor: Actor,
    item_id: int,
    version: int,
    name: str,
    time_limit: int,
    department_id: int,
    materials: Sequence[str] = (),
    conditions: str = "",
    fee: Decimal | str | int = 0,
    station_accepts: bool = True,
) -> ServiceItem:
    """Edit an item; applications already accepted keep their due dates and materials."""
    _manager(actor)
    values = _item_values(
        actor=actor,
        name=name,
        conditions=conditions,
        materials=materials,
        time_limit=time_limit,
        fee=fee,
        department_id=department_id,
        station_accepts=station_accepts,
    )
    return _item_cas(actor, item_id, version, values)


def item_publish(*, actor: Actor, item_id: int, version: int, published: bool) -> ServiceItem:
    """Publish an item (residents see it, windows accept it) or take it back."""
    _manager(actor)
    return _item_cas(actor, item_id, version, {"published": published})


def _item_cas(actor: Actor, item_id: int, version: int, values: dict[str, Any]) -> ServiceItem:
    """An item of the actor's district, compare-and-set on its version."""
    items = items_of(actor.reach)
    with transaction.atomic():
        updated = items.filter(pk=item_id, version=version).update(
            version=F("version") + 1, **values
        )
        if not updated:
            if not items.filter(pk=item_id).exists():
                raise NotFound(_("服务事项不存在"))
            raise Conflict(_("该事项已被他人修改，请刷新后重试"))
        return items.get(pk=item_id)


# --- applications ----------------------------------------------------------------------------


def allocate_number(station: OrgUnit, now: datetime) -> str:
    """``JJ-FW20260310-00001``: the district's letters, 服务 and the day; unique across
    processes (``huying.core.numbering``), taken before the transaction that uses it."""
    district = next((u for u in ancestors(station) if u.kind == K.DISTRICT), None)
    prefix = (district.abbr or district.code) if district else "FW"
    day = timezone.localtime(now).strftime("%Y%m%d")
    return f"{prefix}-FW{day}-{counter_next(f'onewindow:{prefix}:{day}'):05d}"


def _step(app: Application, action: str, actor: Actor, now: datetime, note: str = "") -> None:
    last = (
        ApplicationStep.objects.filter(application=app)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    payload = {
        "application": app.pk,
        "seq": seq,
        "action": action,
        "at": now,
        "actor": actor.user.pk,
        "note": note,
    }
    ApplicationStep.objects.create(
        application=app,
        seq=seq,
        action=action,
        at=now,
        actor=actor.user,
        note=note,
        prev_hash=prev,
        hash=chain_hash(prev, payload, HASH_VERSION),
        hash_version=HASH_VERSION,
    )


def application_accept(
    *,
    actor: Actor,
    item_id: int,
    resident_name: str,
    resident_phone: str,
    materials_checked: Sequence[str],
    files: Sequence[UploadedFile] = (),
    proxy_reason: str = "",
    now: datetime | None = None,
) -> Application:
    """Accept an application at the actor's station (一口受理: any window, any item a station
    may take), with every material the item asks for; the due date counts the item's working
    days from now. ``proxy_reason`` (高龄、残疾 …) records it as taken at home by the actor
    (二级代办), who then logs the hand-overs until the window passes it on."""
    now = now or timezone.now()
    if actor.role not in rules.WINDOW_ROLES or actor.unit.kind not in rules.STATION_KINDS:
        raise PermissionDenied(_("只有社区服务站工作人员可以受理服务申请"))
    name = _text(resident_name, "resident_name", label=_("申请人姓名"), limit=50)
    phone = re.sub(r"\s", "", resident_phone or "")
    if not PHONE.match(phone):
        raise InvalidInput(_("请填写正确的手机号或座机号"), field="resident_phone")
    proxy_reason = _text(
        proxy_reason, "proxy_reason", label=_("代办原因"), limit=200, required=False
    )
    item = items_of(actor.reach).filter(pk=item_id).first()  # the district's, not the next one's
    if item is None:
        raise NotFound(_("服务事项不存在"))
    if not item.published:
        raise InvalidInput(
            _("事项「{name}」未发布，不能受理").format(name=item.name), field="item_id"
        )
    if not item.station_accepts:
        raise InvalidInput(
            _("事项「{name}」须到部门窗口办理，服务站不能受理").format(name=item.name),
            field="item_id",
        )
    checked = list(dict.fromkeys(m.strip() for m in materials_checked if m.strip()))
    unknown = [m for m in checked if m not in item.materials]
    if unknown:
        raise InvalidInput(
            _("不是该事项的材料：{names}").format(names="、".join(unknown)),
            field="materials_checked",
        )
    missing = [m for m in item.materials if m not in checked]
    if missing:
        # 一次性告知: everything still missing at once, so the resident comes back once.
        raise InvalidInput(
            _("材料不齐，请一次性告知申请人补齐：{names}").format(names="、".join(missing)),
            field="materials_checked",
        )
    photos = check_files(files)
    unqualified = _qualification_gate(actor, item, now)
    due_at = load_calendar().add(now, item.time_limit, WORKING_DAYS)
    number = allocate_number(actor.unit, now)
    saved: list[str] = []
    try:
        with transaction.atomic():
            app = Application.objects.create(
                number=number,
                item=item,
                resident_name=name,
                resident_phone=phone,
                materials_checked=[m for m in item.materials if m in checked],
                station=actor.unit,
                accepted_by=actor.user,
                accepted_at=now,
                proxy_by=actor.user if proxy_reason else None,
                proxy_reason=proxy_reason,
                due_at=due_at,
                unqualified=unqualified,
            )
            _store(app, photos, saved)
            if proxy_reason:
                _step(app, StepAction.PROXY_TAKE, actor, now, proxy_reason)
            else:
                _step(app, StepAction.ACCEPT, actor, now)
    except BaseException:
        for stored in saved:  # storage is not transactional: a refused record leaves no file
            default_storage.delete(stored)
        raise
    return app


def _qualification_gate(actor: Actor, item: ServiceItem, now: datetime) -> bool:
    """全岗位通 at the window: a staff member without a valid qualification for the item
    does not accept it while someone qualified is on duty at the station that day (they
    are named); with no one qualified on duty it is accepted, and marked (True)."""
    day = timezone.localdate(now)
    if valid_qualifications(day).filter(person=actor.user, item=item).exists():
        return False
    qualified = qualified_on_duty(actor.unit, item, day)
    if qualified:
        raise RuleViolation(
            _("您尚未通过「{item}」的事项测试，请由今日在岗的{names}受理").format(
                item=item.name,
                names="、".join(p.get_full_name() or p.username for p in qualified),
            ),
            field="item_id",
        )
    return True


def _store(app: Application, photos: Sequence[CheckedFile], saved: list[str]) -> None:
    """Write checked files under generated names; ``saved`` collects them so that the
    caller deletes them if its transaction fails (storage is not transactional)."""
    for c in photos:
        stored = default_storage.save(
            f"onewindow/{app.pk}/{uuid.uuid4().hex}{c.extension}", c.content
        )
        saved.append(stored)
        ApplicationPhoto.objects.create(
            application=app,
            file=stored,
            name=c.name,
            content_type=c.content_type,
            size=c.size,
            sha256=c.sha256,
        )


def application_add_photos(
    *, actor: Actor, application_id: int, files: Sequence[UploadedFile]
) -> Application:
    """More photos of the resident's documents, by the station's staff while it is open (a
    document brought later, a page photographed again)."""
    if actor.role not in rules.WINDOW_ROLES:
        raise PermissionDenied(_("只有服务站工作人员可以上传材料照片"))
    if not files:
        raise InvalidInput(_("请选择照片"), field="files")
    photos = check_files(files)
    saved: list[str] = []
    try:
        with transaction.atomic():
            app = application_get(actor, application_id)
            Application.objects.select_for_update().filter(pk=app.pk).first()
            if app.state not in rules.OPEN_STATES:
                raise InvalidTransition(_("申请已办结，不能再上传材料照片"))
            _store(app, photos, saved)
    except BaseException:
        for stored in saved:
            default_storage.delete(stored)
        raise
    return app


def _locked(actor: Actor, application_id: int, version: int) -> Application:
    """The application in scope, locked, at the version the actor saw."""
    app = application_get(actor, application_id)
    bumped = Application.objects.filter(pk=app.pk, version=version).update(version=F("version") + 1)
    if not bumped:
        raise Conflict(_("该申请已被他人处理，请刷新后重试"))
    app.version = version + 1
    return app


def application_handover(
    *, actor: Actor, application_id: int, version: int, note: str, now: datetime | None = None
) -> Application:
    """A proxy's hand-over point (交接点: 材料交窗口、部门取件 …), by the cadre who took it."""
    now = now or timezone.now()
    note = _text(note, "note", label=_("交接说明"), limit=500)
    with transaction.atomic():
        app = _locked(actor, application_id, version)
        if app.proxy_by_id is None:
            raise InvalidTransition(_("该申请不是代办件"))
        if app.proxy_by_id != actor.user.pk:
            raise PermissionDenied(_("只有代办人可以记录交接"))
        if app.state not in rules.OPEN_STATES:
            raise InvalidTransition(_("申请已办结，不能再记录交接"))
        _step(app, StepAction.HANDOVER, actor, now, note)
    return app


def _advance(
    actor: Actor, application_id: int, version: int, action: str, now: datetime, note: str = ""
) -> Application:
    with transaction.atomic():
        app = _locked(actor, application_id, version)
        target = rules.TRANSITIONS.get((app.state, action))
        if target is None:
            raise InvalidTransition(
                _("申请当前状态为「{state}」，不能执行此操作").format(
                    state=ApplicationState(app.state).label
                )
            )
        Application.objects.filter(pk=app.pk).update(
            state=target, reason=note if action == StepAction.REFUSE else app.reason
        )
        app.state = target
        if action == StepAction.REFUSE:
            app.reason = note
        _step(app, action, actor, now, note)
        if action in (StepAction.DONE, StepAction.REFUSE):
            _tell_station(app, action, note, now)
    return app


def _tell_station(app: Application, action: str, note: str, now: datetime) -> None:
    """The department's decision reaches who took the application (and the proxy cadre,
    who carries it back to the resident), in their inbox and channels."""
    if action == StepAction.DONE:
        text = gettext_lazy("{number}「{item}」（{resident}）已办结{note}")
    else:
        text = gettext_lazy("{number}「{item}」（{resident}）不予办理{note}")
    notify(
        recipient_ids=sorted({app.accepted_by_id, *([app.proxy_by_id] if app.proxy_by_id else [])}),
        kind="onewindow_decided",
        subject=site_text(format_lazy(gettext_lazy("服务申请 {number}"), number=app.number)),
        message=site_text(
            format_lazy(
                text,
                number=app.number,
                item=app.item.name,
                resident=app.resident_name,
                note=f"：{note}" if note else "",
            )
        ),
        now=now,
        title=app.item.name,
        url=reverse("onewindow:application", args=[app.pk]),
    )


def application_pass(
    *, actor: Actor, application_id: int, version: int, now: datetime | None = None
) -> Application:
    """The station passes the application to the item's department (转后台办理)."""
    if actor.role not in rules.WINDOW_ROLES:
        raise PermissionDenied(_("只有服务站工作人员可以转后台办理"))
    return _advance(actor, application_id, version, StepAction.PASS, now or timezone.now())


def application_decide(
    *,
    actor: Actor,
    application_id: int,
    version: int,
    granted: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Application:
    """The back office department settles it: done, or refused with the reason the resident
    is told."""
    if actor.role not in rules.BACK_OFFICE_ROLES:
        raise PermissionDenied(_("只有办理部门可以办结或不予办理"))
    if granted:
        note = _text(reason, "reason", label=_("办理结果"), limit=1000, required=False)
        action = StepAction.DONE
    else:
        note = _text(reason, "reason", label=_("不予办理理由"), limit=1000)
        action = StepAction.REFUSE
    return _advance(actor, application_id, version, action, now or timezone.now(), note)


def application_for_resident(
    *, number: str, code: str, tail: str, ip: str | None, now: datetime
) -> Application:
    """The application these name (number, 查询码, the phone's last 4 digits), or
    ``NotFound`` without telling which was wrong; failures count like the case lookup's
    (``huying.org.throttle``), per number and per address."""
    number = (number or "").strip().upper()
    keys = [(throttle.TRACK_CASE, f"onewindow:{number}"), (throttle.TRACK_IP, ip or "")]
    minutes = throttle.locked_for(keys, now)
    if minutes is not None:
        raise too_many_tries(minutes)
    app = Application.objects.select_related("item", "station").filter(number=number).first()
    expected = phone_tail(app.resident_phone) if app is not None else ""
    if (
        app is not None
        and expected
        and secrets.compare_digest(app.track_code.encode(), normalise_code(code or "").encode())
        and secrets.compare_digest(expected.encode(), (tail or "").strip().encode())
    ):
        return app
    counted = keys if app is not None else keys[1:]
    locks = [throttle.fail(scope, key, now) for scope, key in counted]
    minutes = max((m for m in locks if m is not None), default=None)
    if minutes is not None:
        raise too_many_tries(minutes)
    raise NotFound(_("未找到该申请，请核对受理编号、查询码和手机号后四位"))


# --- 全岗位通 -----------------------------------------------------------------------------------


def qualification_record(
    *,
    actor: Actor,
    person_id: int,
    item_id: int,
    passed_on: date,
    now: datetime | None = None,
) -> Qualification:
    """Record that a station's staff member passed the item's test on ``passed_on`` (the
    street for its stations, the district for all); a retest moves the day."""
    now = now or timezone.now()
    if actor.role not in rules.QUALIFIER_ROLES:
        raise PermissionDenied(_("只有街道领导和管理员可以记录事项资格"))
    if passed_on > timezone.localdate(now):
        raise InvalidInput(_("通过测试日期不能晚于今天"), field="passed_on")
    person = station_staff(actor.unit).filter(pk=person_id).first()
    if person is None:
        raise InvalidInput(_("所选人员不是本辖区服务站的工作人员"), field="person_id")
    item = items_of(actor.reach).filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("服务事项不存在"))
    with transaction.atomic():
        found, _created = Qualification.objects.update_or_create(
            person=person,
            item=item,
            defaults={"passed_on": passed_on, "recorded_by": actor.user, "recorded_at": now},
        )
    return found


# --- 12349 为老便民热线 ---------------------------------------------------------------------


def call_take(
    *,
    actor: Actor,
    caller_name: str,
    caller_phone: str,
    request: str,
    outcome: str,
    elderly: bool = False,
    disabled: bool = False,
    item_id: int | None = None,
    materials_checked: Sequence[str] = (),
    address: str = "",
    now: datetime | None = None,
) -> ElderCall:
    """A 12349 call taken by a station's operator (the station's staff: the line rings at the
    station on duty). ``outcome`` application: a service application for ``item_id`` accepted
    at the station by the operator — for an elderly or disabled caller as 二级代办 (the
    operator carries it through from the caller's home); case: a case through the cases'
    intake, its source 12349. The call, and what it became, land together or not at all."""
    now = now or timezone.now()
    if actor.role not in rules.WINDOW_ROLES or actor.unit.kind not in rules.STATION_KINDS:
        raise PermissionDenied(_("只有社区服务站工作人员可以受理 12349 来电"))
    name = _text(caller_name, "caller_name", label=_("来电人"), limit=50)
    phone = re.sub(r"\s", "", caller_phone or "")
    if not PHONE.match(phone):
        raise InvalidInput(_("请填写正确的手机号或座机号"), field="caller_phone")
    wants = _text(request, "request", label=_("诉求"), limit=1000)
    if outcome not in CallOutcome.values:
        raise InvalidInput(_("请选择来电的去向"), field="outcome")
    if outcome == CallOutcome.APPLICATION and item_id is None:
        raise InvalidInput(_("转服务申请须选择服务事项"), field="item_id")
    with transaction.atomic():
        call = ElderCall(
            station=actor.unit,
            operator=actor.user,
            received_at=now,
            caller_name=name,
            caller_phone=phone,
            elderly=elderly,
            disabled=disabled,
            request=wants,
            outcome=outcome,
        )
        if outcome == CallOutcome.APPLICATION:
            assert item_id is not None
            who = "、".join(w for w, on in ((_("老年人"), elderly), (_("残疾人"), disabled)) if on)
            call.application = application_accept(
                actor=actor,
                item_id=item_id,
                resident_name=name,
                resident_phone=phone,
                materials_checked=materials_checked,
                proxy_reason=_("12349来电：{who}，上门代办").format(who=who) if who else "",
                now=now,
            )
        else:
            call.case = case_submit(
                actor=actor,
                title=title_from(wants, limit=60, fallback=_("12349来电")),
                description=wants,
                source=Source.ELDER_HOTLINE,
                reporter_name=name,
                reporter_phone=phone,
                address=address,
                unit_id=actor.unit.pk,
                now=now,
            )
        call.save()
    return call


# --- the duty roster (值班表) ------------------------------------------------------------------


def _roster_station(actor: Actor, station_id: int) -> OrgUnit:
    if actor.role not in rules.ROSTER_ROLES:
        raise PermissionDenied(_("只有服务站工作人员、街道领导和管理员可以排班"))
    station = OrgUnit.objects.filter(
        pk=station_id,
        kind__in=rules.STATION_KINDS,
        is_active=True,
        path__startswith=actor.unit.path,
    ).first()
    if station is None:
        raise InvalidInput(_("所选服务站不在本辖区"), field="station_id")
    return station


def duty_set(
    *,
    actor: Actor,
    station_id: int,
    day: date,
    person_ids: Sequence[int],
    now: datetime | None = None,
) -> list[DutyShift]:
    """Who is on duty at the station on ``day`` (replaces that day's roster; an empty list
    clears it, and then all the station's staff count as on duty)."""
    now = now or timezone.now()
    station = _roster_station(actor, station_id)
    wanted = set(person_ids)
    people = {p.pk: p for p in station_staff(station).filter(pk__in=wanted)}
    if len(people) != len(wanted):
        raise InvalidInput(_("所选人员不是该服务站的工作人员"), field="person_ids")
    with transaction.atomic():
        # One roster per station and day at a time: lock the station's row while replacing.
        OrgUnit.objects.select_for_update().filter(pk=station.pk).first()
        DutyShift.objects.filter(station=station, day=day).exclude(person__in=wanted).delete()
        have = set(
            DutyShift.objects.filter(station=station, day=day).values_list("person_id", flat=True)
        )
        DutyShift.objects.bulk_create(
            DutyShift(
                station=station, person=people[pk], day=day, recorded_by=actor.user, recorded_at=now
            )
            for pk in sorted(wanted - have)
        )
    return list(DutyShift.objects.filter(station=station, day=day).select_related("person"))
