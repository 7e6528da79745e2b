"""The demo district's 一口受理: ~30 service items residents ask for at the community
stations (a few handled only at the department's own window, two still drafts), the first
street's station staff qualified for some of them (全岗位通), and the last weeks'
applications at the first communities — received, passed on, done or refused, every fourth
taken at an elderly or disabled resident's home with its hand-overs (二级代办). All through
the services, so numbers, due dates and trails are the real ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from huying.demo.district import DemoDistrict
from huying.onewindow.models import CallOutcome, ServiceItem
from huying.onewindow.services import (
    application_accept,
    application_decide,
    application_handover,
    application_pass,
    call_take,
    duty_set,
    item_create,
    item_publish,
    qualification_record,
)
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant

ID = "居民身份证"
HUKOU = "户口簿"
PHOTO = "近期 1 寸免冠照片"

#: (name, department key, working days, materials, station may accept, conditions)
ITEMS: tuple[tuple[str, str, int, tuple[str, ...], bool, str], ...] = (
    (
        "最低生活保障（低保）申请",
        "mz",
        20,
        (ID, HUKOU, "家庭收入证明", "家庭财产申报表"),
        True,
        "家庭人均收入低于本区低保标准",
    ),
    (
        "特困人员救助供养申请",
        "mz",
        20,
        (ID, HUKOU, "无劳动能力或残疾证明"),
        True,
        "无劳动能力、无生活来源、无法定赡养抚养义务人",
    ),
    (
        "临时救助申请",
        "mz",
        10,
        (ID, "困难情况说明"),
        True,
        "因意外事件、突发重大疾病等导致基本生活暂时困难",
    ),
    ("高龄津贴申领", "mz", 15, (ID, HUKOU, "银行卡"), True, "本区户籍、年满 80 周岁"),
    ("老年人优待证办理", "mz", 5, (ID, PHOTO), True, "年满 60 周岁"),
    ("困难残疾人生活补贴", "mz", 15, (ID, "残疾人证", "低保证明"), True, "低保家庭中的残疾人"),
    ("重度残疾人护理补贴", "mz", 15, (ID, "残疾人证"), True, "残疾等级为一、二级且需长期照护"),
    ("居家养老服务补贴", "mz", 15, (ID, "能力评估表"), True, "失能、半失能的低保或特困老人"),
    (
        "惠民殡葬补贴",
        "mz",
        10,
        ("逝者身份证", "火化证明", "申领人身份证"),
        True,
        "本区户籍居民身故",
    ),
    ("婚姻登记", "mz", 1, (ID, HUKOU, PHOTO), False, "双方亲自到婚姻登记处办理"),
    ("居住证办理", "ga", 15, (ID, "居住登记凭证", PHOTO), True, "在本区居住半年以上"),
    ("居住证签注", "ga", 5, ("居住证", "居住登记凭证"), True, "居住证到期前 30 日内"),
    ("户口迁移", "ga", 10, (ID, HUKOU, "准迁证明"), False, "到户籍所在地派出所办理"),
    ("就业登记", "rs", 5, (ID, "劳动合同"), True, "法定劳动年龄内已就业人员"),
    ("失业登记", "rs", 5, (ID, "解除劳动关系证明"), True, "法定劳动年龄内有就业愿望的失业人员"),
    (
        "就业困难人员认定",
        "rs",
        10,
        (ID, "失业登记证明", "困难情况证明"),
        True,
        "大龄、残疾、低保家庭等就业困难人员",
    ),
    (
        "灵活就业人员社保补贴",
        "rs",
        15,
        (ID, "缴费凭证", "银行卡"),
        True,
        "就业困难人员灵活就业并缴纳社保",
    ),
    ("城乡居民养老保险参保登记", "rs", 5, (ID, HUKOU), True, "年满 16 周岁、未参加职工养老保险"),
    ("城乡居民养老保险待遇领取", "rs", 10, (ID, "银行卡"), True, "年满 60 周岁、累计缴费满 15 年"),
    ("社会保障卡补换", "rs", 10, (ID, PHOTO), True, "社保卡遗失或损坏"),
    ("生育登记", "wj", 3, ("夫妻双方身份证", "结婚证"), True, "依法登记结婚的夫妻"),
    ("独生子女父母奖励", "wj", 20, (ID, "独生子女父母光荣证"), True, "持证的独生子女父母"),
    ("计划生育特别扶助", "wj", 20, (ID, "子女死亡或伤残证明"), True, "独生子女死亡或伤残家庭"),
    (
        "公共租赁住房申请",
        "fg",
        30,
        (ID, HUKOU, "收入证明", "住房情况证明"),
        True,
        "本区住房困难家庭",
    ),
    (
        "住房租赁补贴申请",
        "fg",
        20,
        (ID, "租赁合同", "收入证明"),
        True,
        "符合条件的低收入住房困难家庭",
    ),
    ("法律援助申请", "sf", 7, (ID, "经济困难声明", "案件材料"), True, "经济困难且需要法律帮助"),
    ("学生资助申请", "jy", 15, (ID, "学籍证明", "困难证明"), True, "家庭经济困难的在校学生"),
    ("义务教育入学登记", "jy", 10, (HUKOU, "房产或租赁证明"), False, "适龄儿童，到学区学校办理"),
    ("退役军人优待证申领", "mz", 10, (ID, "退役证"), True, "本区户籍退役军人"),
    ("无障碍设施改造申请", "mz", 20, (ID, "残疾人证", "住房证明"), True, "重度残疾人家庭"),
)
#: Items the district is still writing up: residents do not see them yet.
DRAFTS = frozenset({"退役军人优待证申领", "无障碍设施改造申请"})

RESIDENTS = ("王秀英", "李建国", "张桂兰", "刘福生", "陈淑芬", "杨德明", "赵玉梅", "黄志强")
PROXIES = ("高龄独居，行动不便", "肢体残疾，出行困难", "卧床老人，家属无法到场")
REFUSALS = ("家庭人均收入高于本区低保标准", "材料所载信息与户籍信息不一致")
#: How many communities take applications, and how many each.
STATIONS = 6
PER_STATION = 5


def _actor(role: str, unit: OrgUnit) -> Actor:
    grant = RoleGrant.objects.filter(role=role, unit=unit).select_related("user", "unit").first()
    if grant is None:
        raise LookupError(f"no {role} at {unit.name}")
    return Actor.from_grant(grant)


def build_onewindow(demo: DemoDistrict, *, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    admin = _actor(Role.ADMIN, demo.district)
    items: list[ServiceItem] = []
    for n, (name, dept, days, materials, accepts, conditions) in enumerate(ITEMS, start=1):
        made = item_create(
            actor=admin,
            code=f"FW{n:03d}",
            name=name,
            time_limit=days,
            department_id=demo.departments[dept].pk,
            materials=materials,
            conditions=conditions,
            station_accepts=accepts,
        )
        if name not in DRAFTS:
            made = item_publish(actor=admin, item_id=made.pk, version=made.version, published=True)
        items.append(made)
    open_items = [i for i in items if i.published and i.station_accepts]
    made_counts = {"items": len(items), "qualifications": 0, "applications": 0, "proxies": 0}
    street_leader = _actor(Role.STREET_LEADER, demo.streets[0])
    stations = [c for c in demo.communities if c.parent_id == demo.streets[0].pk][:2]
    for station in stations:
        staff = _actor(Role.COMMUNITY_STAFF, station)
        for item in open_items[::2]:
            qualification_record(
                actor=street_leader,
                person_id=staff.user.pk,
                item_id=item.pk,
                passed_on=timezone.localdate(now) - timedelta(days=40),
                now=now,
            )
            made_counts["qualifications"] += 1
    n = 0
    for station in demo.communities[:STATIONS]:
        staff = _actor(Role.COMMUNITY_STAFF, station)
        for k in range(PER_STATION):
            item = open_items[n % len(open_items)]
            accepted = now - timedelta(days=3 + 4 * k, hours=n % 5)
            proxy = PROXIES[n % len(PROXIES)] if n % 4 == 0 else ""
            app = application_accept(
                actor=staff,
                item_id=item.pk,
                resident_name=RESIDENTS[n % len(RESIDENTS)],
                resident_phone=f"139{n:08d}",
                materials_checked=item.materials,
                proxy_reason=proxy,
                now=accepted,
            )
            made_counts["applications"] += 1
            if proxy:
                made_counts["proxies"] += 1
                app = application_handover(
                    actor=staff,
                    application_id=app.pk,
                    version=app.version,
                    note="材料已交服务站窗口",
                    now=accepted + timedelta(hours=2),
                )
            n += 1
            if k == 0:
                continue  # the latest: still at the window
            app = application_pass(
                actor=staff,
                application_id=app.pk,
                version=app.version,
                now=accepted + timedelta(hours=3),
            )
            if k == 1:
                continue  # at the department
            handler = _actor(Role.DEPT_HANDLER, item.department)
            refused = k == PER_STATION - 1 and n % 3 == 0
            application_decide(
                actor=handler,
                application_id=app.pk,
                version=app.version,
                granted=not refused,
                reason=REFUSALS[n % len(REFUSALS)] if refused else "已办结，请到服务站领取",
                now=accepted + timedelta(days=2),
            )
    made_counts["calls"] = _calls(demo, open_items, now)
    made_counts["shifts"] = 0
    for station in stations:  # a week's roster at the stations with qualified staff
        staff = _actor(Role.COMMUNITY_STAFF, station)
        for d in range(7):
            made_counts["shifts"] += len(
                duty_set(
                    actor=street_leader,
                    station_id=station.pk,
                    day=timezone.localdate(now) + timedelta(days=d),
                    person_ids=[staff.user.pk],
                    now=now,
                )
            )
    return made_counts


#: 12349 calls (caller, elderly, disabled, what they want, the item's name or None: a case).
CALLS: list[tuple[str, bool, bool, str, str | None]] = [
    ("刘玉珍", True, False, "想办老年人优待证，腿脚不便出不了门", "老年优待证"),
    ("陈建国", True, True, "申请残疾人两项补贴，家里只有老两口", "残疾人两项补贴"),
    ("赵淑芬", True, False, "楼道灯坏了一周，晚上下楼看不见", None),
    ("孙立新", False, False, "咨询高龄津贴怎么申请", "高龄津贴"),
    ("周桂香", True, False, "小区门口人行道地砖松动，老人容易绊倒", None),
]


def _calls(demo: DemoDistrict, open_items: list[ServiceItem], now: datetime) -> int:
    """A few 12349 calls at the first station: applications (代办 for the elderly) and cases."""
    station = demo.communities[0]
    staff = _actor(Role.COMMUNITY_STAFF, station)
    by_name = {i.name: i for i in open_items}
    made = 0
    for n, (name, elderly, disabled, wants, item_name) in enumerate(CALLS):
        item = by_name.get(item_name or "") or (open_items[n] if item_name else None)
        call_take(
            actor=staff,
            caller_name=name,
            caller_phone=f"137{n:08d}",
            elderly=elderly,
            disabled=disabled,
            request=wants,
            outcome=CallOutcome.APPLICATION if item else CallOutcome.CASE,
            item_id=item.pk if item else None,
            materials_checked=item.materials if item else [],
            address=f"{station.name}" if item is None else "",
            now=now - timedelta(days=1 + n, hours=n),
        )
        made += 1
    return made
