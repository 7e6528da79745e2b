"""街长制 edits: roads, their segments and the people answerable for each segment.

The admin, and a street's own staff (街道 callers and leaders, 街道网格中心) for their
street, keep them; each edit goes into the change log. A board shows only what is entered
here for it: the public work numbers, never a person's own phone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from huying.cases.hooks import Preset
from huying.cases.models import Case
from huying.core.changelog import change_record, diff, snapshot
from huying.core.errors import InvalidInput, NotFound, PermissionDenied
from huying.core.spreadsheets import refuse_rows
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant
from huying.org.roles import MANAGER_ROLES, STREET_ROLES
from huying.org.services import PHONE_PATTERN
from huying.roads import geometry
from huying.roads.models import Duty, Road, Segment, SegmentCase, SegmentPerson

K = OrgUnit.Kind
#: Who keeps a street's roads besides the admin.
ROAD_KEEPERS = STREET_ROLES | {Role.GRID_CENTRE}
SEGMENT_FIELDS = ("road", "code", "name", "line", "patrol_range", "duties", "order")
PERSON_FIELDS = ("duty", "user", "name", "unit", "shop_name", "shop_address", "public_phone")
#: The role a person must hold (at a grid of the segment's street) for each staffed duty.
DUTY_ROLE = {
    Duty.GRID_WORKER: Role.GRID_WORKER,
    Duty.PARTY_CHIEF: Role.STREET_CHIEF,
    Duty.MERCHANT_CHIEF: Role.STREET_CHIEF,
}


def may_keep(actor: Actor, street: OrgUnit) -> bool:
    """The administrator keeps the roads of every street of the district (the city's, of
    every district); a street's staff their street's."""
    if actor.role in MANAGER_ROLES:
        return actor.reaches(street.path)
    return actor.role in ROAD_KEEPERS and street.path.startswith(actor.unit.path)


def _require_keeper(actor: Actor, street: OrgUnit) -> None:
    if not may_keep(actor, street):
        raise PermissionDenied(_("只有管理员和本街道的工作人员可以维护街长制路段"))


def _text(value: str, *, label: str, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写{label}").format(label=label), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("{label}最多 {limit} 个字").format(label=label, limit=limit), field=field
        )
    return value


@transaction.atomic
def road_create(*, actor: Actor, street_id: int, name: str, note: str = "", now: datetime) -> Road:
    street = OrgUnit.objects.defer("boundary").filter(pk=street_id, kind=K.STREET).first()
    if street is None:
        raise NotFound(_("街道不存在"))
    _require_keeper(actor, street)
    name = _text(name, label=_("道路名称"), field="name", limit=60)
    if Road.objects.filter(street=street, name=name).exists():
        raise InvalidInput(_("本街道已有道路「{name}」").format(name=name), field="name")
    try:
        with transaction.atomic():
            road = Road.objects.create(street=street, name=name, note=(note or "").strip())
    except IntegrityError:
        raise InvalidInput(_("本街道已有道路「{name}」").format(name=name), field="name") from None
    change_record(
        actor=actor,
        action="roads.road.create",
        obj=road,
        now=now,
        after=snapshot(road, ("street", "name", "note")),
    )
    return road


def _clean_segment(
    road: Road,
    *,
    code: str,
    name: str,
    line: Any,
    patrol_range: str,
    duties: str,
    exclude_pk: int | None,
) -> dict[str, Any]:
    code = _text(code, label=_("路段编号"), field="code", limit=32)
    taken = Segment.objects.filter(code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise InvalidInput(_("路段编号「{code}」已被使用").format(code=code), field="code")
    geom = geometry.parse_line(line)
    geometry.check_in_street(geom, road.street)
    return {
        "code": code,
        "name": _text(name, label=_("路段名称"), field="name", limit=80),
        "line": line,
        "patrol_range": _text(
            patrol_range, label=_("巡查范围"), field="patrol_range", limit=200, required=False
        ),
        "duties": (duties or "").strip(),
    }


def _code_taken(code: str) -> InvalidInput:
    return InvalidInput(_("路段编号「{code}」已被使用").format(code=code), field="code")


@transaction.atomic
def segment_create(
    *,
    actor: Actor,
    road: Road,
    code: str,
    name: str,
    line: Any,
    patrol_range: str = "",
    duties: str = "",
    now: datetime,
) -> Segment:
    _require_keeper(actor, road.street)
    data = _clean_segment(
        road,
        code=code,
        name=name,
        line=line,
        patrol_range=patrol_range,
        duties=duties,
        exclude_pk=None,
    )
    order = road.segments.count() + 1
    try:
        with transaction.atomic():
            segment = Segment.objects.create(road=road, order=order, **data)
    except IntegrityError:  # the same code saved meanwhile
        raise _code_taken(data["code"]) from None
    change_record(
        actor=actor,
        action="roads.segment.create",
        obj=segment,
        now=now,
        after=snapshot(segment, SEGMENT_FIELDS),
    )
    return segment


@transaction.atomic
def segment_update(
    *,
    actor: Actor,
    segment: Segment,
    code: str,
    name: str,
    line: Any,
    patrol_range: str = "",
    duties: str = "",
    now: datetime,
) -> Segment:
    segment = (
        Segment.objects.select_for_update(of=("self",))
        .select_related("road__street")
        .get(pk=segment.pk)
    )
    _require_keeper(actor, segment.road.street)
    data = _clean_segment(
        segment.road,
        code=code,
        name=name,
        line=line,
        patrol_range=patrol_range,
        duties=duties,
        exclude_pk=segment.pk,
    )
    before = snapshot(segment, SEGMENT_FIELDS)
    for key, value in data.items():
        setattr(segment, key, value)
    old, new = diff(before, snapshot(segment, SEGMENT_FIELDS))
    if not new:
        return segment
    try:
        with transaction.atomic():
            segment.save(update_fields=list(new))
    except IntegrityError:
        raise _code_taken(data["code"]) from None
    change_record(
        actor=actor, action="roads.segment.update", obj=segment, now=now, before=old, after=new
    )
    return segment


def _staff_user(duty: str, user_id: int, street: OrgUnit) -> Any:
    """The user for a staffed duty: holding its role at a grid of the street."""
    role = DUTY_ROLE[Duty(duty)]
    grant = (
        RoleGrant.objects.select_related("user")
        .filter(
            user_id=user_id,
            role=role,
            unit__kind=K.GRID,
            unit__path__startswith=street.path,
        )
        .first()
    )
    if grant is None:
        raise InvalidInput(
            _("此人不是本街道的{role}").format(role=Role(role).label), field="user_id"
        )
    return grant.user


@transaction.atomic
def person_add(
    *,
    actor: Actor,
    segment: Segment,
    duty: str,
    user_id: int | None = None,
    name: str = "",
    unit_id: int | None = None,
    shop_name: str = "",
    shop_address: str = "",
    public_phone: str = "",
    now: datetime,
) -> SegmentPerson:
    """A chief or grid worker is a user of the street; an enforcement or greening contact is a
    user or a name, with the department or field unit they answer for."""
    segment = Segment.objects.select_related("road__street").get(pk=segment.pk)
    street = segment.road.street
    _require_keeper(actor, street)
    if duty not in Duty.values:
        raise InvalidInput(_("职责无效"), field="duty")
    user = None
    if duty in DUTY_ROLE:
        if user_id is None:
            raise InvalidInput(_("请选择人员"), field="user_id")
        user = _staff_user(duty, user_id, street)
    elif user_id is not None:
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise InvalidInput(_("人员不存在"), field="user_id")
    shown = (name or "").strip() or (user.get_full_name() or user.get_username() if user else "")
    shown = _text(shown, label=_("姓名"), field="name", limit=40)
    unit = None
    if unit_id is not None:
        unit = (
            OrgUnit.objects.defer("boundary")
            .filter(pk=unit_id, kind__in=(K.DEPARTMENT, K.FIELD_UNIT), is_active=True)
            .first()
        )
        if unit is None:
            raise InvalidInput(_("所属单位须是启用的区级部门或派驻机构"), field="unit_id")
    shop_name = _text(
        shop_name,
        label=_("店铺名称"),
        field="shop_name",
        limit=80,
        required=duty == Duty.MERCHANT_CHIEF,
    )
    shop_address = _text(
        shop_address, label=_("店铺地址"), field="shop_address", limit=120, required=False
    )
    public_phone = (public_phone or "").strip()
    if public_phone and not PHONE_PATTERN.match(public_phone):
        raise InvalidInput(_("公示电话格式不正确，例如 0427-2888888"), field="public_phone")
    if user is not None and segment.people.filter(duty=duty, user=user).exists():
        raise InvalidInput(_("此人已是本路段的该职责责任人"), field="user_id")
    try:
        with transaction.atomic():
            person = SegmentPerson.objects.create(
                segment=segment,
                duty=duty,
                user=user,
                name=shown,
                unit=unit,
                shop_name=shop_name if duty == Duty.MERCHANT_CHIEF else "",
                shop_address=shop_address if duty == Duty.MERCHANT_CHIEF else "",
                public_phone=public_phone,
            )
    except IntegrityError:
        raise InvalidInput(_("此人已是本路段的该职责责任人"), field="user_id") from None
    change_record(
        actor=actor,
        action="roads.person.create",
        obj=segment,
        now=now,
        after=snapshot(person, PERSON_FIELDS),
    )
    return person


@transaction.atomic
def person_remove(*, actor: Actor, person_id: int, now: datetime) -> None:
    person = (
        SegmentPerson.objects.select_for_update(of=("self",))
        .select_related("segment__road__street")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise NotFound(_("责任人不存在"))
    _require_keeper(actor, person.segment.road.street)
    before = snapshot(person, PERSON_FIELDS)
    person.delete()
    change_record(
        actor=actor, action="roads.person.delete", obj=person.segment, now=now, before=before
    )


# --- import: a GeoJSON FeatureCollection of segments --------------------------------------

#: Features a file may hold: a street has tens of segments (the reference street 42).
MAX_IMPORT_FEATURES = 500


def _import_one(
    actor: Actor, street: OrgUnit, roads: dict[str, Road], feature: Any, now: datetime
) -> bool:
    """One feature: its segment created (True) or, with a code the street has, redrawn."""
    if not isinstance(feature, dict):
        raise InvalidInput(_("不是 GeoJSON Feature"))
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise InvalidInput(_("properties 必须是对象"))
    road_name = _text(str(props.get("road") or ""), label=_("道路名称"), field="road", limit=60)
    fields: dict[str, Any] = {
        "code": str(props.get("code") or ""),
        "name": str(props.get("name") or ""),
        "line": feature.get("geometry"),
        "patrol_range": str(props.get("patrol_range") or ""),
        "duties": str(props.get("duties") or ""),
    }
    road = roads.get(road_name)
    if road is None:
        road = Road.objects.filter(street=street, name=road_name).first() or road_create(
            actor=actor, street_id=street.pk, name=road_name, now=now
        )
        roads[road_name] = road
    existing = (
        Segment.objects.select_related("road").filter(code=str(fields["code"]).strip()).first()
    )
    if existing is None:
        segment_create(actor=actor, road=road, now=now, **fields)
        return True
    if existing.road_id != road.pk:
        raise InvalidInput(
            _("路段编号「{code}」已属于道路「{road}」").format(
                code=existing.code, road=existing.road.name
            )
        )
    segment_update(actor=actor, segment=existing, now=now, **fields)
    return False


@transaction.atomic
def segments_import(
    *, actor: Actor, street_id: int, collection: Any, now: datetime
) -> tuple[int, int]:
    """A street's segments from a GeoJSON FeatureCollection: each feature a LineString with
    ``properties`` road, code, name (and patrol_range, duties). Roads are made as named; a
    code the street has is redrawn. All or nothing: any bad feature refuses the whole file,
    listing each one's fault. Returns (created, redrawn)."""
    street = OrgUnit.objects.defer("boundary").filter(pk=street_id, kind=K.STREET).first()
    if street is None:
        raise NotFound(_("街道不存在"))
    _require_keeper(actor, street)
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidInput(_("文件必须是 GeoJSON FeatureCollection"), field="file")
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput(_("文件里没有路段"), field="file")
    if len(features) > MAX_IMPORT_FEATURES:
        raise InvalidInput(
            _("路段过多：{count} 条，一次最多 {limit} 条").format(
                count=len(features), limit=MAX_IMPORT_FEATURES
            ),
            field="file",
        )
    roads: dict[str, Road] = {}
    created = redrawn = 0
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        code = str((props or {}).get("code") or "").strip() if isinstance(props, dict) else ""
        if code and code in seen:
            message = _("文件里路段编号「{code}」重复").format(code=code)
            errors.append({"row": n, "column": "code", "message": message})
            continue
        seen.add(code)
        try:
            with transaction.atomic():
                if _import_one(actor, street, roads, feature, now):
                    created += 1
                else:
                    redrawn += 1
        except InvalidInput as exc:
            roads.clear()  # a road made in the refused savepoint is gone with it
            field = exc.details.get("field", "")
            errors.append({"row": n, "column": field, "message": exc.message})
    if errors:
        refuse_rows(errors)
    return created, redrawn


# --- a board's QR code on the phone report (through ``huying.cases.hooks``) -------------------


def _segment(value: str) -> Segment | None:
    if not value.isdigit():
        return None
    return Segment.objects.select_related("road").filter(pk=int(value)).first()


class SegmentPreset:
    """``?segment=<id>``: the report is about that segment; placed at its middle until the
    reporter locates themselves, and recorded with the case."""

    param = "segment"

    def resolve(self, value: str) -> Preset | None:
        segment = _segment(value)
        if segment is None:
            return None
        lat, lng = geometry.midpoint(segment.line)
        return Preset(
            caption=_("责任路段：{road} {segment}（{code}）").format(
                road=segment.road.name, segment=segment.name, code=segment.code
            ),
            initial={"address": f"{segment.road.name} {segment.name}", "lat": lat, "lng": lng},
        )

    def attach(self, case: Case, value: str) -> None:
        segment = _segment(value)
        if segment is not None:
            SegmentCase.objects.get_or_create(case=case, defaults={"segment": segment})


SEGMENT_PRESET = SegmentPreset()


def segment_details(case: Case) -> list[tuple[str, str]]:
    link = SegmentCase.objects.select_related("segment__road").filter(case=case).first()
    if link is None:
        return []
    segment = link.segment
    return [(_("责任路段"), f"{segment.road.name} {segment.name}（{segment.code}）")]
