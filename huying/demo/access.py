"""The demo district's 社区工作准入 (seed 004, 大观区): the four lists with the seeds' counts —
33 duties communities perform by law, 34 kinds of work they assist the government with (each
with its funding and staff), 20 certificates they no longer issue (each with what to do
instead), 26 affairs admitted into communities (社区事务准入清单) — and three months of community tasks through the gate, some refused at the door
and some flagged by their community."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from huying.access.models import TASK_KINDS, ListKind
from huying.access.selectors import current_items
from huying.access.services import (
    item_add,
    list_publish,
    task_flag,
    task_flag_resolve,
    task_send,
)
from huying.demo.district import DemoDistrict
from huying.org.actors import Actor
from huying.org.models import OrgUnit, Role, RoleGrant

ORG_LAW = "《中华人民共和国城市居民委员会组织法》"

DUTIES: list[tuple[str, str]] = [
    ("召集居民会议、居民代表会议并报告工作", f"{ORG_LAW}第十条"),
    ("执行居民会议的决定和决议", f"{ORG_LAW}第三条"),
    ("组织制定和修订居民公约", f"{ORG_LAW}第十五条"),
    ("依法组织居民委员会换届选举", f"{ORG_LAW}第八条"),
    ("推行社区居务公开", f"{ORG_LAW}第十条"),
    ("开展社区民主协商", "《关于加强城乡社区协商的意见》"),
    ("组织居民自我管理、自我服务", f"{ORG_LAW}第二条"),
    ("调解民间纠纷", "《中华人民共和国人民调解法》第八条"),
    ("办理本居住地区的公共事务和公益事业", f"{ORG_LAW}第三条"),
    ("协助维护社会治安", f"{ORG_LAW}第三条"),
    ("开展社区文化体育活动", f"{ORG_LAW}第三条"),
    ("开展社区志愿服务", "《志愿服务条例》第五条"),
    ("管理居民委员会的财产", f"{ORG_LAW}第四条"),
    ("向政府反映居民的意见、要求和建议", f"{ORG_LAW}第三条"),
    ("开展社区精神文明建设", f"{ORG_LAW}第三条"),
    ("开展法治宣传教育", f"{ORG_LAW}第三条"),
    ("组织开展社区环境卫生整治", f"{ORG_LAW}第三条"),
    ("开展邻里互助活动", f"{ORG_LAW}第四条"),
    ("培育发展社区社会组织", "《关于大力培育发展社区社会组织的意见》"),
    ("关心关爱困难群众、老年人和残疾人", "《中华人民共和国老年人权益保障法》第七条"),
    ("开展未成年人关爱保护", "《中华人民共和国未成年人保护法》第四十三条"),
    ("开展社区议事协商", "《关于加强城乡社区协商的意见》"),
    ("监督物业服务企业履行合同", "《物业管理条例》第二十条"),
    ("指导和监督业主委员会依法开展工作", "《物业管理条例》第二十条"),
    ("开展应急演练和自救互救宣传", "《中华人民共和国突发事件应对法》第三十七条"),
    ("组织居民开展爱国卫生运动", "《中华人民共和国基本医疗卫生与健康促进法》第七十二条"),
    ("收集社情民意", f"{ORG_LAW}第三条"),
    ("开展禁毒宣传教育", "《中华人民共和国禁毒法》第十一条"),
    ("开展防范电信网络诈骗宣传", "《中华人民共和国反电信网络诈骗法》第八条"),
    ("开展移风易俗宣传", f"{ORG_LAW}第三条"),
    ("网格巡查和问题上报", "《关于加强基层治理体系和治理能力现代化建设的意见》"),
    ("提供党群服务中心日常服务", "《中国共产党支部工作条例（试行）》"),
    ("协调驻区单位共建共享", f"{ORG_LAW}第十九条"),
]

#: (title, legal basis, the department that brings the funding and the staff)
ASSISTS: list[tuple[str, str, str]] = [
    ("协助开展人口普查", "《全国人口普查条例》第十二条", "统计局"),
    ("协助城乡居民医保参保登记", "《中华人民共和国社会保险法》第二十五条", "医保局"),
    ("协助受理最低生活保障申请", "《社会救助暂行办法》第十一条", "民政局"),
    ("协助特困人员救助供养", "《社会救助暂行办法》第十五条", "民政局"),
    ("协助受理临时救助申请", "《社会救助暂行办法》第四十八条", "民政局"),
    ("协助残疾人两项补贴申请", "《中华人民共和国残疾人保障法》第四十八条", "残联"),
    ("协助高龄津贴发放核查", "《中华人民共和国老年人权益保障法》第三十三条", "民政局"),
    ("协助做好退役军人服务", "《中华人民共和国退役军人保障法》第十二条", "退役军人事务局"),
    ("协助征兵宣传和兵役登记", "《中华人民共和国兵役法》第十七条", "人武部"),
    ("协助就业登记和失业登记", "《中华人民共和国就业促进法》第四十二条", "人社局"),
    ("协助城乡居民养老保险参保", "《中华人民共和国社会保险法》第二十条", "人社局"),
    ("协助流动人口服务管理", "《居住证暂行条例》第三条", "公安分局"),
    ("协助居住证申领信息采集", "《居住证暂行条例》第九条", "公安分局"),
    ("协助开展禁毒社区戒毒社区康复", "《中华人民共和国禁毒法》第三十四条", "公安分局"),
    ("协助开展社区矫正", "《中华人民共和国社区矫正法》第十二条", "司法局"),
    ("协助开展安置帮教", "《关于加强刑满释放人员救助管理工作的意见》", "司法局"),
    ("协助消防安全宣传和隐患排查", "《中华人民共和国消防法》第三十二条", "消防救援大队"),
    ("协助食品安全宣传", "《中华人民共和国食品安全法》第十条", "市场监管局"),
    ("协助病媒生物防制", "《中华人民共和国传染病防治法》第十三条", "卫健委"),
    ("协助疫苗接种宣传动员", "《中华人民共和国疫苗管理法》第四十七条", "卫健委"),
    ("协助计划生育家庭特别扶助", "《中华人民共和国人口与计划生育法》第三十一条", "卫健委"),
    ("协助防汛避险转移", "《中华人民共和国防洪法》第四十一条", "应急管理局"),
    ("协助燃气安全宣传", "《城镇燃气管理条例》第七条", "住建局"),
    ("协助老旧小区改造意见征集", "《关于全面推进城镇老旧小区改造工作的指导意见》", "住建局"),
    ("协助垃圾分类宣传引导", "《中华人民共和国固体废物污染环境防治法》第四十三条", "城管局"),
    ("协助违法建设巡查报告", "《中华人民共和国城乡规划法》第六十四条", "城管局"),
    ("协助文明城市创建", "《全国文明城市测评体系》", "文明办"),
    ("协助国防动员潜力调查", "《中华人民共和国国防动员法》第十七条", "人武部"),
    ("协助妇女儿童权益保护", "《中华人民共和国妇女权益保障法》第七条", "妇联"),
    ("协助关心下一代工作", "《中华人民共和国未成年人保护法》第十条", "关工委"),
    ("协助养老服务需求调查", "《中华人民共和国老年人权益保障法》第三十七条", "民政局"),
    ("协助适龄儿童入学摸底", "《中华人民共和国义务教育法》第十三条", "教育局"),
    ("协助文化惠民活动", "《中华人民共和国公共文化服务保障法》第十条", "文旅局"),
    ("协助选民登记", "《中华人民共和国全国人民代表大会和地方各级人民代表大会选举法》", "人大办"),
]

CLEARING = "国务院办公厅《关于做好证明事项清理工作的通知》（国办发〔2018〕47号）"
LIGHTER = "民政部、中央组织部《关于进一步开展社区减负工作的通知》"

CERTIFICATES: list[tuple[str, str]] = [
    ("亲属关系证明", "凭户口簿、结婚证、出生医学证明等材料办理；无材料的由公安机关依申请核查"),
    ("居住证明（办理居住证）", "凭房屋租赁合同或不动产权证书，到居住地派出所申领居住证"),
    ("无犯罪记录证明", "到户籍地或居住地公安派出所申请开具"),
    ("婚姻状况证明", "到婚姻登记机关查询婚姻登记记录，或由本人书面声明"),
    ("健在证明（养老金资格认证）", "通过人社部门的网上或人脸识别认证办理"),
    ("出生证明", "凭医疗机构签发的《出生医学证明》"),
    ("死亡证明", "由医疗机构或公安机关出具《居民死亡医学证明（推断）书》"),
    ("家庭经济困难证明", "向民政部门申请核对家庭经济状况，或由本人书面承诺"),
    ("失业证明", "到人社部门办理失业登记，凭《就业创业证》"),
    ("收入证明", "由工作单位出具，或凭银行流水、个人所得税纳税记录"),
    ("房屋产权证明", "到不动产登记机构查询不动产登记信息"),
    ("火灾事故证明", "由消防救援机构出具火灾事故认定书"),
    ("户口迁移证明", "到公安机关户籍窗口办理，或网上办理户口迁移"),
    ("学生家庭经济困难证明", "由学生本人或监护人书面承诺，学校认定"),
    ("独生子女证明", "凭《独生子女父母光荣证》，或由卫健部门查询"),
    ("养犬证明", "到公安机关办理养犬登记"),
    ("车辆过户证明", "凭车辆登记证书到公安交管部门办理"),
    ("出国（境）证明", "到出入境管理部门办理"),
    ("证件遗失证明", "由本人声明作废，到发证机关补办"),
    ("姓名不一致的同一人证明", "由档案管理机构或发证机关核查出具"),
]


ADMITTED = "区社区工作事项准入联席会议核准"
#: 社区事务准入清单 (seed 004 gives the count, 26, not the names): the affairs beyond the two
#: statutory lists — creations, appraisals, plaques, bodies set up, special surveys — that
#: the district admitted into communities, each with its department (title, department).
ADMISSIONS: list[tuple[str, str]] = [
    ("综合减灾示范社区创建", "应急管理局"),
    ("民主法治示范社区创建", "司法局"),
    ("绿色社区创建", "住建局"),
    ("健康促进社区创建", "卫健委"),
    ("平安社区创建", "政法委"),
    ("无毒社区创建", "公安分局"),
    ("和谐社区建设示范单位评选", "民政局"),
    ("文明家庭评选推荐", "文明办"),
    ("最美家庭推荐", "妇联"),
    ("居家养老服务满意度调查", "民政局"),
    ("社区体育健身设施使用情况调查", "文旅局"),
    ("老年人能力评估入户协助", "民政局"),
    ("党群服务中心统一标识挂牌", "组织部"),
    ("新时代文明实践站建设", "宣传部"),
    ("社区科普活动站建设", "科协"),
    ("社区图书室建设", "文旅局"),
    ("社区儿童之家建设", "妇联"),
    ("社区心理服务站点设立", "卫健委"),
    ("一社区一法律顾问服务", "司法局"),
    ("社区警务室设立", "公安分局"),
    ("网格专项信息采集", "政法委"),
    ("居民健康档案建档协助", "卫健委"),
    ("社区职工服务站设立", "总工会"),
    ("社区青年之家阵地建设", "团区委"),
    ("社区残疾人康复站设立", "残联"),
    ("社区慈善超市设立", "民政局"),
]


def build_lists(*, now: datetime) -> dict[str, int]:
    """Each list entered by the district (the system, not a person) and published at ``now``."""
    for title, basis in DUTIES:
        item_add(actor=None, kind=ListKind.DUTY, title=title, legal_basis=basis, now=now)
    for title, basis, department in ASSISTS:
        item_add(
            actor=None,
            kind=ListKind.ASSIST,
            title=title,
            legal_basis=basis,
            funding=f"{department}按年度核拨工作经费，随事转至街道",
            staffing=f"{department}明确联络员 1 名，负责业务培训和指导",
            now=now,
        )
    for i, (title, instead) in enumerate(CERTIFICATES):
        item_add(
            actor=None,
            kind=ListKind.CERTIFICATE,
            title=title,
            legal_basis=CLEARING if i % 2 == 0 else LIGHTER,
            alternative=instead,
            now=now,
        )
    for i, (title, department) in enumerate(ADMISSIONS, start=1):
        item_add(
            actor=None,
            kind=ListKind.ADMISSION,
            title=title,
            legal_basis=f"{ADMITTED}（准入第 {i} 号）",
            funding=f"{department}按项目核拨专项经费，随事转至社区",
            staffing=f"{department}明确专人指导，不以社区名义考核",
            now=now,
        )
    for kind in ListKind.values:
        list_publish(actor=None, kind=kind, now=now)
    return {kind: current_items(kind).count() for kind in ListKind.values}


#: Work a sender asks of a community without a list item: refused at the gate.
OFF_LIST = [
    ("报送辖区商户经营情况台账", "局办公室通知"),
    ("填报创建工作痕迹材料", "创建办电话通知"),
    ("组织居民下载注册政务 App", "上级工作群要求"),
    ("开具辖区企业无违法经营证明", "企业申请"),
    ("统计辖区电动自行车数量", "专项行动方案"),
]
#: The hub's finding on a flag: rejected (False) or upheld (True).
RULINGS = {
    False: "经核查，该任务属于现行清单事项，请按期完成",
    True: "经核查，属于部门自身工作向社区转嫁，任务撤回并计入派发单位",
}
FLAG_REASONS = [
    "实为部门自身的台账报送，未随事拨付经费",
    "要求社区代为开展执法检查，超出协助范围",
    "要求按周报送照片留痕，加重社区负担",
]


def _actors(role: str, kind: str) -> list[Actor]:
    grants = RoleGrant.objects.filter(role=role, unit__kind=kind).select_related("user", "unit")
    return [Actor.from_grant(g) for g in grants.order_by("unit__code", "pk")]


def build_tasks(demo: DemoDistrict, *, now: datetime, rng_seed: int = 2026) -> dict[str, int]:
    """Three months of tasks from the departments and streets to the communities: most cite
    a list item, about one in five does not and is refused at the door; a few that passed
    are flagged by their community."""
    rng = random.Random(rng_seed)
    listed = [i for kind in TASK_KINDS for i in current_items(kind)]
    senders = _actors(Role.DEPT_HANDLER, OrgUnit.Kind.DEPARTMENT)[:10]
    senders += _actors(Role.STREET_CALLER, OrgUnit.Kind.STREET)[:4]
    staff = {a.unit.pk: a for a in _actors(Role.COMMUNITY_STAFF, OrgUnit.Kind.COMMUNITY)}
    hub = _actors(Role.HUB_DISPATCHER, OrgUnit.Kind.HUB)[0]
    counts = {"sent": 0, "refused": 0, "flagged": 0, "upheld": 0, "rejected": 0}
    for day in range(90, 0, -1):
        at = timezone.localtime(now - timedelta(days=day)).replace(hour=9 + day % 8)
        if at.weekday() >= 5:
            continue
        for sender in rng.sample(senders, 2):
            communities = [
                c
                for c in demo.communities
                if sender.unit.kind != OrgUnit.Kind.STREET or c.path.startswith(sender.unit.path)
            ]
            recipient = rng.choice(communities)
            if rng.random() < 0.2:
                title, basis = rng.choice(OFF_LIST)
                item_id = None
            else:
                item = rng.choice(listed)
                title, basis, item_id = (
                    item.title,
                    f"依据清单 {item.code}：{item.legal_basis}",
                    item.pk,
                )
            task = task_send(
                actor=sender,
                recipient_id=recipient.pk,
                title=title,
                basis=basis,
                item_id=item_id,
                deadline=(at + timedelta(days=rng.choice((5, 10, 15)))).date(),
                now=at,
            )
            counts["sent"] += 1
            if item_id is None:
                counts["refused"] += 1
            elif rng.random() < 0.08 and recipient.pk in staff:
                task_flag(
                    actor=staff[recipient.pk],
                    task_id=task.pk,
                    reason=rng.choice(FLAG_REASONS),
                    now=at + timedelta(hours=3),
                )
                counts["flagged"] += 1
                if day > 7:  # the last week's flags still wait for the hub
                    upheld = counts["flagged"] % 2 == 1
                    task_flag_resolve(
                        actor=hub,
                        task_id=task.pk,
                        upheld=upheld,
                        reason=RULINGS[upheld],
                        now=at + timedelta(days=2),
                    )
                    counts["upheld" if upheld else "rejected"] += 1
    return counts


def build_access(demo: DemoDistrict, *, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    lists = build_lists(now=now - timedelta(days=120))
    return lists | build_tasks(demo, now=now)
