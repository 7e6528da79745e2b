"""An item's questions (填报项, GeoReport's service attributes): written as the console's
lines, checked as data, versioned with the item, and each answer checked against its
question."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from huying.catalogue.attributes import (
    AttributeSpec,
    answer_checked,
    answer_text,
    attribute_lines,
    attribute_specs_checked,
    parse_attribute_lines,
)
from huying.catalogue.models import Catalogue, CatalogueItem, ItemAttribute
from huying.catalogue.selectors import attribute_specs, current_catalogue
from huying.catalogue.services import (
    _attributes_write,
    catalogue_draft_create,
    catalogue_item_update,
    catalogue_publish,
)
from huying.catalogue.tests.test_manage_services import update_kwargs
from huying.catalogue.tests.test_manage_views import client_for, form_data
from huying.conftest import World
from huying.core.errors import InvalidInput
from huying.core.models import ChangeLog

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

LINES = (
    "depth | number | 必填 | 积水深度（厘米）\n"
    "\n"
    "vehicle | singlevaluelist | 选填 | 车辆类型 | car=机动车；bike=非机动车\n"
    "seen | multivaluelist | optional | 看到的情况 | smell=有异味; block=堵塞"
)
DEPTH = AttributeSpec(code="depth", datatype="number", description="积水深度", required=True)
VEHICLE = AttributeSpec(
    code="vehicle",
    datatype="singlevaluelist",
    description="车辆类型",
    values=(("car", "机动车"), ("bike", "非机动车")),
)
SEEN = AttributeSpec(
    code="seen",
    datatype="multivaluelist",
    description="看到的情况",
    values=(("smell", "有异味"), ("block", "堵塞")),
)
WHEN = AttributeSpec(code="when", datatype="datetime", description="发现时间")
NOTE = AttributeSpec(code="note", datatype="string", description="补充", required=True)


# --- lines and rules -------------------------------------------------------------------------


def test_lines_read_as_questions_in_their_order_and_back() -> None:
    specs = parse_attribute_lines(LINES)
    assert [(s.code, s.datatype, s.required, s.order) for s in specs] == [
        ("depth", "number", True, 1),
        ("vehicle", "singlevaluelist", False, 2),
        ("seen", "multivaluelist", False, 3),
    ]
    assert specs[1].values == (("car", "机动车"), ("bike", "非机动车"))
    assert attribute_specs_checked(specs) == specs
    assert parse_attribute_lines(attribute_lines(specs)) == specs


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("depth | number | 必填", "应为“编码 | 类型"),
        ("depth | number | 也许 | 深度", "必填”或“选填"),
    ],
)
def test_malformed_lines_are_refused_with_their_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_attribute_lines(text)


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([AttributeSpec(code="1x", datatype="string", description="x")], "须以字母开头"),
        ([DEPTH, DEPTH], "编码重复"),
        ([AttributeSpec(code="x", datatype="color", description="x")], "类型「color」无效"),
        ([AttributeSpec(code="x", datatype="string", description=" ")], "说明不能为空"),
        ([AttributeSpec(code="x", datatype="singlevaluelist", description="x")], "须列出选项"),
        (
            [AttributeSpec(code="x", datatype="string", description="x", values=(("a", "A"),))],
            "只有单选和多选才有选项",
        ),
        (
            [
                AttributeSpec(
                    code="x", datatype="multivaluelist", description="x", values=(("a b", "A"),)
                )
            ],
            "选项的键「a b」",
        ),
        (
            [
                AttributeSpec(
                    code="x",
                    datatype="singlevaluelist",
                    description="x",
                    values=(("a", "A"), ("a", "B")),
                )
            ],
            "选项的键重复",
        ),
    ],
)
def test_bad_questions_are_refused(specs: list[AttributeSpec], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        attribute_specs_checked(specs)


@pytest.mark.parametrize(
    ("spec", "raw", "kept"),
    [
        (DEPTH, ["30"], 30),
        (DEPTH, [" 12.5 "], 12.5),
        (VEHICLE, ["bike"], "bike"),
        (VEHICLE, [], None),
        (SEEN, ["smell", "block"], ["smell", "block"]),
        (SEEN, ["block,smell,block"], ["block", "smell"]),
        (WHEN, ["2026-05-01T08:00:00+08:00"], "2026-05-01T08:00:00+08:00"),
        (NOTE, ["路口东侧"], "路口东侧"),
    ],
)
def test_good_answers_are_kept(spec: AttributeSpec, raw: list[str], kept: Any) -> None:
    assert answer_checked(spec, raw) == kept


@pytest.mark.parametrize(
    ("spec", "raw", "message"),
    [
        (DEPTH, [], "必填"),
        (DEPTH, ["  "], "必填"),
        (DEPTH, ["deep"], "须为数字"),
        (DEPTH, ["nan"], "须为数字"),
        (DEPTH, ["1", "2"], "只能有一个值"),
        (VEHICLE, ["truck"], "不在可选范围内"),
        (SEEN, ["smell", "fire"], "「fire」不在可选范围内"),
        (WHEN, ["yesterday"], "W3C 日期时间"),
        (NOTE, ["长" * 201], "不能超过 200 字"),
    ],
)
def test_bad_answers_are_refused(spec: AttributeSpec, raw: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        answer_checked(spec, raw)
    assert caught.value.details["field"] == f"attribute[{spec.code}]"


def test_an_answer_is_shown_by_its_value_names() -> None:
    assert answer_text(VEHICLE, "car") == "机动车"
    assert answer_text(SEEN, ["block", "smell"]) == "堵塞、有异味"
    assert answer_text(DEPTH, 30) == "30"


# --- versions --------------------------------------------------------------------------------


@pytest.fixture
def draft(world: World) -> Catalogue:
    current = current_catalogue(world.district.pk)
    assert current is not None
    return catalogue_draft_create(actor=world.actor("admin"), source=current, now=NOW)


def _item(catalogue: Catalogue, code: str) -> CatalogueItem:
    return CatalogueItem.objects.get(klass__catalogue=catalogue, code=code)


@pytest.mark.django_db
def test_questions_are_part_of_a_version(world: World, draft: Catalogue) -> None:
    """Set on a draft, logged, copied into the next draft; a published item's stay."""
    admin = world.actor("admin")
    item = _item(draft, "A2")
    catalogue_item_update(
        actor=admin, **update_kwargs(item, attributes=parse_attribute_lines(LINES))
    )
    assert [s.code for s in attribute_specs(item)] == ["depth", "vehicle", "seen"]
    log = ChangeLog.objects.get(action="catalogue.item.update", object_id=str(item.pk))
    assert log.before is not None and log.after is not None
    assert log.before["attributes"] == "" and "depth | number | 必填" in log.after["attributes"]

    # Saving the same questions again changes nothing and logs nothing.
    catalogue_item_update(
        actor=admin, **update_kwargs(item, attributes=parse_attribute_lines(LINES))
    )
    assert ChangeLog.objects.filter(action="catalogue.item.update").count() == 1
    # None keeps them (callers from before questions existed).
    catalogue_item_update(actor=admin, **update_kwargs(item, handle_limit=6))
    assert len(attribute_specs(item)) == 3

    catalogue_publish(catalogue=draft, now=NOW)
    with pytest.raises(InvalidInput, match="已发布"):
        catalogue_item_update(actor=admin, **update_kwargs(item, attributes=[]))
    assert ItemAttribute.objects.filter(item=item).count() == 3

    following = catalogue_draft_create(actor=admin, source=draft, now=NOW)
    copied = _item(following, "A2")
    assert attribute_specs(copied) == attribute_specs(item)
    assert not ItemAttribute.objects.filter(item=copied).filter(pk__in=item.attributes.all())


@pytest.mark.django_db
def test_bad_questions_change_nothing(world: World, draft: Catalogue) -> None:
    item = _item(draft, "A2")
    admin = world.actor("admin")
    catalogue_item_update(actor=admin, **update_kwargs(item, attributes=[DEPTH]))
    with pytest.raises(InvalidInput, match="编码重复"):
        catalogue_item_update(
            actor=admin, **update_kwargs(item, name="新名字", attributes=[VEHICLE, VEHICLE])
        )
    item.refresh_from_db()
    assert item.name != "新名字"
    assert attribute_specs(item) == attribute_specs_checked([DEPTH])


@pytest.mark.django_db
def test_the_item_page_edits_the_questions(world: World, draft: Catalogue) -> None:
    admin = client_for(world, "admin")
    item = _item(draft, "A2")
    url = f"/manage/catalogue/items/{item.pk}/"
    r = admin.post(url, form_data(item, attributes=LINES))
    assert r.status_code == 302, r.content.decode()[:2000]
    assert [s.code for s in attribute_specs(item)] == ["depth", "vehicle", "seen"]
    page = admin.get(url).content.decode()
    assert (
        "填报项" in page
        and "vehicle | singlevaluelist | 选填 | 车辆类型 | car=机动车；bike=非机动车" in page
    )

    r = admin.post(url, form_data(item, attributes="depth | colour | 必填 | 深度"))
    assert r.status_code == 422
    assert "类型「colour」无效" in r.content.decode()
    assert len(attribute_specs(item)) == 3
    r = admin.post(url, form_data(item, attributes="depth | number"))
    assert r.status_code == 422 and "第 1 行" in r.content.decode()


def test_the_catalogue_api_lists_each_items_questions(world: World) -> None:
    """An outside system reads what a report of each item must answer, as the console keeps
    it (Open311 clients have their own door; this is Huying's own API)."""
    item = world.items[1]
    _attributes_write(item, parse_attribute_lines(LINES))
    client = Client()
    client.force_login(world.actor("hub").user)
    listed = {i["code"]: i for i in client.get("/api/v1/catalogue/items").json()}
    assert [a["code"] for a in listed[item.code]["attributes"]] == ["depth", "vehicle", "seen"]
    vehicle = listed[item.code]["attributes"][1]
    assert vehicle == {
        "code": "vehicle",
        "datatype": "singlevaluelist",
        "required": False,
        "description": "车辆类型",
        "order": 2,
        "values": [{"key": "car", "name": "机动车"}, {"key": "bike", "name": "非机动车"}],
    }
    assert all(i["attributes"] == [] for code, i in listed.items() if code != item.code)
