"""Lists the tests share: one published version of each kind, built through the services."""

from __future__ import annotations

from huying.access import services
from huying.access.models import AccessItem, ListKind
from huying.conftest import MONDAY_10AM, World


def publish_lists(world: World) -> dict[str, AccessItem]:
    """A published DUTY, ASSIST, CERTIFICATE and ADMISSION list of one item each, by the hub."""
    hub = world.actor("hub")
    items = {
        ListKind.DUTY: services.item_add(
            actor=hub,
            kind=ListKind.DUTY,
            title="组织开展居民自治活动",
            legal_basis="《城市居民委员会组织法》第三条",
            now=MONDAY_10AM,
        ),
        ListKind.ASSIST: services.item_add(
            actor=hub,
            kind=ListKind.ASSIST,
            title="协助开展人口普查",
            legal_basis="《全国人口普查条例》第十二条",
            department=world.departments["cg"],
            funding="每户普查经费 5 元，由统计局拨付",
            staffing="统计局派驻普查指导员 1 名",
            now=MONDAY_10AM,
        ),
        ListKind.CERTIFICATE: services.item_add(
            actor=hub,
            kind=ListKind.CERTIFICATE,
            title="亲属关系证明",
            legal_basis="国办发〔2018〕47 号",
            alternative="凭户口簿、出生医学证明等材料办理；无材料的由公安机关核查",
            now=MONDAY_10AM,
        ),
        ListKind.ADMISSION: services.item_add(
            actor=hub,
            kind=ListKind.ADMISSION,
            title="绿色社区创建",
            legal_basis="区社区工作事项准入联席会议核准（准入第 3 号）",
            department=world.departments["cg"],
            funding="住建局按项目核拨专项经费",
            staffing="住建局明确专人指导",
            now=MONDAY_10AM,
        ),
    }
    for kind in ListKind.values:
        services.list_publish(actor=hub, kind=kind, now=MONDAY_10AM)
    return {kind: AccessItem.objects.get(pk=item.pk) for kind, item in items.items()}
