"""The demo district 锦城区: territory with grid polygons, hub, departments, catalogue v1, people.

Proportions follow the reference district (docs/glossary.md §7): 8 streets, 40 communities/villages and 274
grids (one street with 12 communities and 64 grids), 26 departments, 3 classes × 12 items.
Everything is derived from one seeded :class:`random.Random`, so a given seed always builds
the same district.

Geometry: the district's bounding box is laid on an integer lattice (0.0005° ≈ 50 m). Streets,
communities and grids are nested lattice rectangles found by weighted bisection; every
polygon edge carries *every* lattice point along it, each lattice point is jittered once and
the whole plane goes through one smooth, injective warp. Neighbours therefore share exactly
the same vertices along their common border: the grids tile the district with no gaps or
overlaps, while their borders look drawn rather than ruled.
"""

from __future__ import annotations

import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from huying.catalogue.attributes import parse_attribute_lines
from huying.catalogue.models import Catalogue, CatalogueItem, Level, LimitUnit
from huying.catalogue.services import (
    catalogue_class_create,
    catalogue_create,
    catalogue_item_create,
    catalogue_publish,
)
from huying.core.errors import InvalidInput
from huying.org.models import OrgUnit, PhoneAccount, Role
from huying.org.services import grant_role, person_create, unit_create

K = OrgUnit.Kind

DISTRICT_CODE = "510199"
DISTRICT_NAME = "锦城区"
DISTRICT_ABBR = "JJ"
HUB_NAME = "锦城区街道呼·部门应办公室"
#: resident1's mobile number: /m/login texts the code to it (the demo's texts go to the log).
DEMO_RESIDENT_PHONE = "13800000001"
CATALOGUE_NAME = "锦城区“街道呼·部门应”综合性事项清单"

#: Bounding box of the district (WGS-84), Chengdu's south-east inner city.
MIN_LNG, MIN_LAT, MAX_LNG, MAX_LAT = 104.05, 30.63, 104.12, 30.68
#: Lattice step in degrees, and the box in lattice units (140 × 100).
STEP = 0.0005
NX = round((MAX_LNG - MIN_LNG) / STEP)
NY = round((MAX_LAT - MIN_LAT) / STEP)
#: Metres per lattice unit east-west and north-south at this latitude (for cut directions).
UNIT_M_X = STEP * 111_320 * math.cos(math.radians((MIN_LAT + MAX_LAT) / 2))
UNIT_M_Y = STEP * 110_574

SIZES = ("full", "small")
DEFAULT_PUBLISHED_AT = datetime(2024, 1, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# --- territory ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StreetSpec:
    name: str
    subtype: str  # 街道 / 乡镇
    communities: tuple[str, ...]
    grids: int
    density: float  # relative area per grid: < 1 dense old town, > 1 sparse edge


#: Order matters: bisection puts earlier streets to the west / north. The first street is the
#: reference street (12 communities, 64 grids on a small, dense area).
STREETS: tuple[StreetSpec, ...] = (
    StreetSpec(
        "锦官驿街道",
        "街道",
        (
            "水井坊",
            "锦官驿",
            "交子",
            "青莲",
            "双槐树",
            "金泉坊",
            "白果林",
            "太平横街",
            "糠市街",
            "星桥",
            "红星路",
            "东门码头",
        ),
        64,
        0.55,
    ),
    StreetSpec("望江路街道", "街道", ("望江", "九眼桥", "安顺桥", "新南门", "滨江"), 38, 0.9),
    StreetSpec("芙蓉街道", "街道", ("芙蓉", "锦绣", "桂花巷", "梓潼桥"), 30, 0.8),
    StreetSpec("东光街道", "街道", ("东光", "宏济", "五桂桥", "静居寺", "莲桂"), 36, 1.0),
    StreetSpec("莲花池街道", "街道", ("莲花池", "永安", "盐道"), 24, 1.0),
    StreetSpec("沙河堡街道", "街道", ("沙河堡", "迎晖", "成龙", "驿都"), 32, 1.2),
    StreetSpec("合欢树街道", "街道", ("合欢树", "柳江", "琉璃场"), 22, 1.1),
    StreetSpec("三圣镇", "乡镇", ("红砂", "幸福", "万福", "驸马"), 28, 2.2),
)

# --- departments --------------------------------------------------------------------------

#: (short key, name). Keys are stable: tests, fixtures and the simulation refer to them.
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("cg", "锦城区综合行政执法局（城管局）"),
    ("zj", "锦城区住房和城乡建设局"),
    ("hb", "锦城区生态环境局"),
    ("sw", "锦城区水务局"),
    ("sj", "锦城区市场监督管理局"),
    ("ga", "锦城公安分局"),
    ("jg", "锦城交警大队"),
    ("yj", "锦城区应急管理局"),
    ("wj", "锦城区卫生健康局"),
    ("mz", "锦城区民政局"),
    ("rs", "锦城区人力资源和社会保障局"),
    ("jy", "锦城区教育局"),
    ("wl", "锦城区文化体育和旅游局"),
    ("sh", "锦城区商务局"),
    ("gh", "锦城区规划和自然资源局"),
    ("jt", "锦城区交通运输局"),
    ("yl", "锦城区园林绿化局"),
    ("xf", "锦城区消防救援大队"),
    ("fg", "锦城区住房保障和房产管理局"),
    ("sf", "锦城区司法局"),
    ("xfj", "锦城区信访局"),
    ("ny", "锦城区农业农村局"),
    ("jx", "锦城区经济和信息化局"),
    ("gd", "国网锦城供电中心"),
    ("rq", "锦城燃气公司"),
    ("zls", "锦城自来水公司"),
)

#: Field units (派驻机构) with fixed names; 城管执法中队 are added one per street.
FIELD_UNITS: dict[str, tuple[str, ...]] = {
    "ga": ("东门派出所", "望江派出所", "三圣派出所"),
    "sj": ("锦官驿市场监管所", "沙河堡市场监管所"),
    "jg": ("交警一中队", "交警二中队"),
    "xf": ("水井坊消防救援站", "三圣消防救援站"),
    "sf": ("锦官驿司法所", "东光司法所"),
    "hb": ("锦城区生态环境监测站",),
    "zls": ("东区供水服务站",),
}

# --- catalogue ----------------------------------------------------------------------------

#: Time limits per default level: (report-in, unit, handle, unit) — docs/glossary.md §3.
LEVEL_LIMITS: dict[int, tuple[int, str, int, str]] = {
    Level.SIMPLE: (1, LimitUnit.WORKING_DAYS, 3, LimitUnit.WORKING_DAYS),
    Level.GENERAL: (1, LimitUnit.WORKING_DAYS, 5, LimitUnit.WORKING_DAYS),
    Level.COMPLEX: (1, LimitUnit.WORKING_DAYS, 10, LimitUnit.WORKING_DAYS),
    Level.MAJOR: (30, LimitUnit.MINUTES, 72, LimitUnit.HOURS),
}


@dataclass(frozen=True)
class ItemSpec:
    name: str
    level: int
    lead: str
    co: tuple[str, ...]
    keywords: str
    standard: str
    closing: str


#: (class code, class name, items). Keywords are comma-separated.
CATALOGUE: tuple[tuple[str, str, tuple[ItemSpec, ...]], ...] = (
    (
        "ZF",
        "综合执法",
        (
            ItemSpec(
                "占道经营",
                1,
                "cg",
                ("sj",),
                "占道经营,摆摊,流动摊贩,出店经营,马路市场,夜市",
                "发现后2小时内到场劝导，责令当事人立即清除占道物品、恢复通行；拒不改正的依法暂扣物品并"
                "立案处罚；固定点位纳入网格每日巡查。",
                "占道物品已清除，道路通行恢复，现场照片比对一致，连续3日复查未反弹。",
            ),
            ItemSpec(
                "违章搭建",
                2,
                "cg",
                ("zj", "gh"),
                "违章搭建,违法建设,私搭乱建,违建,楼顶加盖,加建",
                "1个工作日内到场核查，认定违法建设的下达责令停止建设或限期拆除通知书；在建违建当日制止，"
                "既有违建依法拆除；涉及规划审批的由规划和自然资源局出具认定意见。",
                "违法建设已拆除或依法完善手续，现场恢复原状，附拆除前后照片及法律文书。",
            ),
            ItemSpec(
                "社会生活噪声扰民",
                1,
                "ga",
                (),
                "噪音,噪声,扰民,广场舞,音响,装修噪音,喧哗",
                "网格员或社区民警到场劝导，当事人立即降低音量或停止；夜间（22时至次日6时）装修、"
                "高音喇叭等噪声依法制止，屡劝不改的由公安机关依法处罚。",
                "噪声源已消除或降至规定限值以下，投诉人确认不再受扰。",
            ),
            ItemSpec(
                "建筑施工噪声扰民",
                2,
                "hb",
                ("zj",),
                "施工噪音,夜间施工,工地噪声,打桩,施工扰民",
                "核查施工许可及夜间施工证明，无证夜间施工立即责令停工；开展噪声监测，超标的依法"
                "立案处罚并督促施工单位落实降噪措施。",
                "违规施工已停止或取得夜间施工许可并公示，噪声监测数值达标。",
            ),
            ItemSpec(
                "餐饮油烟污染",
                2,
                "cg",
                ("hb",),
                "油烟,餐饮油烟,油烟机,排烟,烧烤油烟,熏人",
                "检查油烟净化设施安装、运行及清洗记录，未安装或不正常使用的责令限期整改并依法处罚；"
                "居民楼内不得新建产生油烟的餐饮项目。",
                "净化设施正常运行，油烟排放检测达标，周边居民确认异味消除。",
            ),
            ItemSpec(
                "河道水质污染",
                3,
                "sw",
                ("hb",),
                "河道,水质,污染,河水发黑,发臭,死鱼,漂浮物,锦江",
                "2小时内到场取样监测并排查上游污染源；水务局牵头清理水面、封堵污染源，生态环境局"
                "对排污单位依法查处；跨区域污染由呼应办协调联动处置。",
                "污染源已切断，水质监测恢复至水功能区标准，河长巡河确认。",
            ),
            ItemSpec(
                "排水口污染",
                3,
                "sw",
                ("hb", "zj"),
                "排水口,排污口,雨污混排,污水直排,管网,溢流",
                "对排水口溯源排查，定位错接混接点位；责令产权单位限期完成雨污分流改造，整改前"
                "临时截污；违法排污的依法处罚。",
                "错接混接点位已整改，排水口晴天无污水排出，复查监测达标。",
            ),
            ItemSpec(
                "乱堆乱放",
                1,
                "cg",
                (),
                "乱堆乱放,堆物,杂物,建筑垃圾,大件垃圾,占道堆放",
                "网格员当日告知责任人清理；无主堆物由街道组织清运，建筑垃圾按规定运至消纳场所。",
                "堆放物已清除，现场整洁，照片留存。",
            ),
            ItemSpec(
                "户外广告及店招违规设置",
                2,
                "cg",
                (),
                "广告牌,店招,横幅,灯箱,违规广告,招牌松动",
                "核查设置审批，未经批准或超期设置的责令限期拆除；存在脱落隐患的立即设置警戒并拆除"
                "或加固。",
                "违规设施已拆除或依法办理审批，脱落隐患消除。",
            ),
            ItemSpec(
                "渣土车撒漏及违规运输",
                2,
                "cg",
                ("jg",),
                "渣土车,撒漏,泥浆,带泥上路,违规运输,工地出入口",
                "现场拦查并责令清扫路面；检查工地出入口冲洗设施及运输单位资质，违规的依法处罚；"
                "交警对违法上路车辆依法查处。",
                "路面已清扫，责任单位整改到位，连续抽查无撒漏。",
            ),
            ItemSpec(
                "违规停车及占用人行道",
                2,
                "jg",
                ("cg",),
                "乱停车,违停,占道停车,人行道停车,堵路,僵尸车",
                "交警到场贴单或拖移；长期占道的“僵尸车”张贴告知后依法清拖；人行道停车由综合执法"
                "协同治理。",
                "违停车辆已驶离或清拖，通行秩序恢复。",
            ),
            ItemSpec(
                "无证经营及食品安全问题",
                2,
                "sj",
                ("wj",),
                "无证经营,食品安全,过期食品,小作坊,变质,卫生许可",
                "1个工作日内检查经营资质和食品安全状况，无证经营依法取缔，问题食品下架封存并抽检；"
                "涉及食源性疾病的由卫健局开展流行病学调查。",
                "经营行为已规范或取缔，问题食品已处置，检验结果已出具。",
            ),
        ),
    ),
    (
        "GL",
        "管理服务",
        (
            ItemSpec(
                "路灯不亮",
                2,
                "cg",
                (),
                "路灯,不亮,照明,灯坏,黑灯,路灯损坏",
                "1个工作日内报到并核实故障点位，属市政照明的3个工作日内修复；属小区内部设施的督促"
                "产权单位维修。",
                "路灯正常亮灯，夜间复查确认。",
            ),
            ItemSpec(
                "井盖缺失破损",
                2,
                "cg",
                ("sw",),
                "井盖,窨井,缺失,破损,松动,下沉",
                "接报后立即设置警示围挡并查明井盖权属单位；权属单位24小时内补装或更换，无主井盖由"
                "城管部门先行处置。",
                "井盖已补装牢固，路面平整，警示设施已撤除。",
            ),
            ItemSpec(
                "垃圾清运不及时",
                1,
                "cg",
                (),
                "垃圾,清运,垃圾桶满溢,垃圾站,臭味,生活垃圾",
                "街道通知环卫作业单位当日清运，满溢点位增加清运频次；桶站破损的3日内更换。",
                "垃圾已清运，桶站整洁无满溢。",
            ),
            ItemSpec(
                "市政道路破损",
                2,
                "zj",
                ("jt",),
                "道路破损,坑洼,坑槽,人行道砖,路面开裂,路面不平",
                "设置警示标志，属市政道路的由住建局安排养护单位修复；小面积坑槽5个工作日内修补。",
                "路面修复平整，警示标志撤除，验收合格。",
            ),
            ItemSpec(
                "绿化养护不到位",
                1,
                "yl",
                (),
                "绿化,树木修剪,杂草,枯树,绿地,树枝遮挡,草坪",
                "通知养护单位3个工作日内修剪、补植；树枝遮挡路灯或交通标志的优先处理。",
                "绿地恢复整洁，遮挡已消除。",
            ),
            ItemSpec(
                "物业服务纠纷",
                2,
                "fg",
                ("sf",),
                "物业,物业费,物业服务,业委会,小区管理,物业不作为",
                "房管局约谈物业服务企业，核查合同履行情况并督促限期整改；矛盾激化的由司法所组织"
                "人民调解。",
                "物业服务问题已整改或达成调解协议，双方签字确认。",
            ),
            ItemSpec(
                "老旧小区设施老化",
                3,
                "zj",
                ("fg", "gh"),
                "老旧小区,设施老化,管网老化,楼道,加装电梯,改造",
                "住建局牵头现场勘查，纳入老旧小区改造计划或安排应急维修；涉及加装电梯的指导业主依法"
                "表决并办理规划手续。",
                "设施已修复或纳入改造计划并向居民公示，回访居民认可。",
            ),
            ItemSpec(
                "停水及供水水压不足",
                2,
                "zls",
                ("sw",),
                "停水,水压,没水,自来水,水管爆裂,水质浑浊",
                "供水企业2小时内到场抢修，停水超过12小时的设置临时供水点；水压不足的排查管网和"
                "二次供水设施。",
                "供水恢复正常，水压、水质检测达标。",
            ),
            ItemSpec(
                "停电及电力线路隐患",
                2,
                "gd",
                ("jx",),
                "停电,电线,电力线路,电箱,变压器,线路老化,断电",
                "供电企业2小时内到场排查并抢修故障；线路老化、私拉乱接等隐患限期整改。",
                "恢复供电，隐患线路已更换或规整。",
            ),
            ItemSpec(
                "通信线缆乱拉乱挂",
                2,
                "jx",
                ("gd",),
                "飞线,线缆,光缆,网线,蜘蛛网,乱拉乱挂,弱电",
                "经信局组织通信运营企业联合整治，清理废弃线缆、规整在用线缆；需入地的纳入整治计划。",
                "线缆已规整或清除，现场无悬垂线缆。",
            ),
            ItemSpec(
                "共享单车乱停放",
                1,
                "jt",
                ("cg",),
                "共享单车,单车,电单车,乱停放,车辆堆积,堵塞人行道",
                "通知运营企业2小时内清运调度并划定停放区域；持续乱停的约谈运营企业。",
                "车辆已清运或规范停放，通道畅通。",
            ),
            ItemSpec(
                "拖欠农民工工资",
                2,
                "rs",
                ("zj",),
                "欠薪,拖欠工资,农民工,讨薪,工资未发,劳务费",
                "人社局1个工作日内约谈用人单位或施工总包单位，核实欠薪金额和人数；在建工程项目由"
                "住建局协同督促支付，涉嫌拒不支付劳动报酬的依法移送。",
                "欠薪已足额支付或达成书面清偿协议并按期履行，劳动者确认。",
            ),
        ),
    ),
    (
        "YJ",
        "应急处置",
        (
            ItemSpec(
                "燃气泄漏",
                4,
                "rq",
                ("xf", "yj"),
                "燃气,天然气,煤气,漏气,燃气泄漏,闻到气味",
                "接报立即通知燃气企业抢修并报区领导；30分钟内到场，疏散人员、切断气源、禁止明火；"
                "消防救援大队到场警戒，应急管理局协调处置。",
                "泄漏点已修复，检测无残留燃气，恢复供气并完成安全检查。",
            ),
            ItemSpec(
                "高空坠物隐患",
                3,
                "zj",
                ("fg", "cg"),
                "高空坠物,外墙脱落,瓷砖脱落,空调外机,阳台,坠落",
                "立即设置警戒区域；住建局牵头鉴定，产权单位或物业限期排危；无主或涉及多方的由"
                "呼应办两次派单联动处置。",
                "隐患物已拆除或加固，警戒撤除，附鉴定或验收意见。",
            ),
            ItemSpec(
                "消防通道堵塞",
                2,
                "xf",
                ("jg",),
                "消防通道,生命通道,堵塞,占用,消防车道",
                "消防救援大队到场责令立即清除，拒不清除的依法处罚并强制清除；车辆占用的由交警协同"
                "清拖。",
                "消防通道畅通，标识标线完好。",
            ),
            ItemSpec(
                "树木倒伏",
                2,
                "yl",
                ("jg",),
                "树木倒伏,倒树,断枝,树倒,大风,树木倾斜",
                "园林部门接报后立即到场清障，影响交通的由交警协同疏导；倾斜树木加固或移除。",
                "倒伏树木已清理，道路通行恢复，倾斜树木已处置。",
            ),
            ItemSpec(
                "道路塌陷",
                4,
                "zj",
                ("jg", "sw"),
                "道路塌陷,地陷,路面下沉,空洞,塌方",
                "接报立即报告区领导，30分钟内到场设置警戒、封闭道路；交警实施交通管制，水务局排查"
                "地下管网渗漏，住建局组织抢险回填。",
                "塌陷已回填修复，地下空洞探测合格，道路恢复通行。",
            ),
            ItemSpec(
                "城市内涝积水",
                3,
                "sw",
                ("cg", "yj"),
                "内涝,积水,淹水,下水道堵塞,排水不畅,暴雨",
                "水务局调派抽排设备到场抽排并疏通雨水管网；城管配合设置警示，应急管理局视情启动"
                "防汛预案。",
                "积水已排除，管网已疏通，降雨复查无明显积水。",
            ),
            ItemSpec(
                "危房及建筑结构安全隐患",
                3,
                "zj",
                ("fg", "yj"),
                "危房,裂缝,墙体开裂,房屋倾斜,结构安全",
                "立即委托专业机构开展安全鉴定，C、D级危房设置警示并组织人员撤离；产权人限期加固"
                "或拆除。",
                "房屋已加固或撤离封闭，附鉴定报告与整改验收意见。",
            ),
            ItemSpec(
                "电梯困人及电梯安全隐患",
                4,
                "sj",
                ("xf",),
                "电梯,困人,电梯故障,电梯停运,关人,特种设备",
                "维保单位30分钟内到场救援，必要时消防救援；市场监管局对电梯安全状况检验，不合格的"
                "停运整改。",
                "被困人员已安全解救，电梯检验合格后恢复运行。",
            ),
            ItemSpec(
                "施工安全隐患",
                3,
                "yj",
                ("zj",),
                "施工安全,脚手架,基坑,塔吊,有限空间,安全隐患",
                "应急管理局会同住建局检查，重大隐患责令停工整改，整改完成前不得复工。",
                "隐患整改到位并经复查验收，复工手续齐全。",
            ),
            ItemSpec(
                "群体性食物中毒等公共卫生事件",
                4,
                "wj",
                ("sj",),
                "食物中毒,呕吐,腹泻,疫情,传染病,公共卫生",
                "卫健局立即组织医疗救治和流行病学调查，市场监管局封存可疑食品；按规定时限上报。",
                "患者得到救治，病因查明，控制措施落实，按规定报告结案。",
            ),
            ItemSpec(
                "群体性矛盾纠纷及聚集",
                4,
                "xfj",
                ("ga", "sf"),
                "群体性,聚集,集体上访,集体讨薪,围堵,矛盾激化",
                "区领导逆向派单，信访局牵头接待，公安维持现场秩序，司法局组织调解；30分钟内到场，"
                "防止事态升级。",
                "人员已疏散，诉求已分类交办或化解，形成处置报告。",
            ),
            ItemSpec(
                "电动自行车违规充电",
                2,
                "xf",
                ("gd",),
                "电动车,飞线充电,楼道充电,电瓶车,入户充电,违规充电",
                "消防救援大队联合社区开展清查，责令清除楼道停放和飞线充电；督促设置集中充电设施。",
                "违规充电行为已清除，集中充电设施可用，复查无反弹。",
            ),
        ),
    ),
)

#: 填报项: what a few items ask whoever reports them (Open311 service attributes, in the
#: console's lines, ``huying.catalogue.attributes``), by item name.
QUESTIONS: dict[str, str] = {
    "城市内涝积水": (
        "depth | number | 必填 | 积水深度（厘米，估计即可）\n"
        "passable | singlevaluelist | 选填 | 能否通行 | no=无法通行；partly=部分通行；yes=可以通行"
    ),
    "路灯不亮": (
        "lamps | number | 选填 | 不亮的路灯数（盏）\nsince | datetime | 选填 | 最早发现不亮的时间"
    ),
}


#: 近义词: the words residents, hotline operators and patrol notes use for an item besides its
#: keywords (the suggestion's cold start matches them too). Written from how such reports
#: read, by item name; at most 300 characters each.
SYNONYMS: dict[str, str] = {
    "占道经营": "摊贩,小贩,摆地摊,地摊,卖菜,卖水果,烧烤摊,小吃摊,推车,三轮车卖,占用人行道经营,店外摆放",
    "违章搭建": "搭棚,彩钢棚,阳光房,私建,扩建,围墙外扩,违建房,圈地,封阳台,搭建",
    "社会生活噪声扰民": "吵,太吵,吵闹,吵得睡不着,半夜,音乐声,唱歌,跳舞,KTV,麻将,狗叫,大声",
    "建筑施工噪声扰民": "工地,施工,机器声,挖掘机,电钻,切割,夜间作业,连夜施工,轰隆",
    "餐饮油烟污染": "饭店,餐馆,火锅店,串串,炒菜,烟雾,呛人,油烟味,烟道,排风",
    "河道水质污染": "河水,河里,河边,沟渠,水发黑,水变绿,臭水,浮萍,鱼死,水面垃圾",
    "排水口污染": "排污,污水,偷排,直排,排水管,出水口,黑水,管道排放,往河里排",
    "乱堆乱放": "堆放,堆积,乱放,废品,杂物堆,装修垃圾,建渣,旧家具,占用楼道",
    "户外广告及店招违规设置": "招牌,广告,海报,标语,牌匾,喷绘,门头,广告架,小广告",
    "渣土车撒漏及违规运输": "泥头车,土方车,大货车,运土,掉土,满地泥,泥巴,车轮带泥,沙石",
    "违规停车及占用人行道": "停车,乱停,占道,挡路,停在路边,堵门,车库门口,长期停放,占车位",
    "无证经营及食品安全问题": "无照,卖过期,不卫生,黑作坊,食品,三无产品,发霉,假冒,餐饮卫生",
    "路灯不亮": "灯不亮,黑漆漆,一片漆黑,没有灯,灯灭,灯闪,照明不足,晚上看不见",
    "井盖缺失破损": "窨井盖,下水道盖,井口,盖子,盖板,雨水篦子,井盖碎,井盖翘",
    "垃圾清运不及时": "垃圾桶,垃圾堆,没人收,没清运,垃圾满,臭气,苍蝇,垃圾房,垃圾车",
    "市政道路破损": "路面,坑,大坑,凹凸,地砖,路烂,路坏,破损,裂开,崴脚,绊倒",
    "绿化养护不到位": "树,树枝,草,花坛,修剪,枯死,杂草丛生,树叶,遮挡,树冠",
    "物业服务纠纷": "物业公司,保安,小区门禁,收费,物业管理,保洁,不管事,开发商,业主",
    "老旧小区设施老化": "老小区,楼梯,扶手,墙皮,雨棚,单元门,屋顶漏水,管道老化,化粪池",
    "停水及供水水压不足": "没有水,水小,水压低,断水,水龙头,自来水管,供水,出水,水黄",
    "停电及电力线路隐患": "没电,断电,跳闸,电表,电线杆,电缆,配电箱,漏电,电压,供电",
    "通信线缆乱拉乱挂": "网线,电话线,有线电视线,线缆低垂,线头,线乱,缆线,挂线,通信杆",
    "共享单车乱停放": "自行车,单车,哈啰,美团单车,青桔,电动单车,乱放,挡道",
    "拖欠农民工工资": "工钱,工资,血汗钱,包工头,欠钱,不给钱,结账,劳务,工人",
    "燃气泄漏": "气味,臭鸡蛋味,燃气味,煤气味,漏气,气罐,液化气,燃气管,气表",
    "高空坠物隐患": "掉下来,砸,坠落,外墙砖,墙皮脱落,窗户,花盆,广告牌掉,空调架",
    "消防通道堵塞": "消防车,通道,出口,安全出口,楼道堵,疏散,堵死,占道",
    "树木倒伏": "大树,树倒了,倒下,断了,树枝断,压着,歪倒,枝干",
    "道路塌陷": "塌,陷,大洞,下陷,塌陷坑,路面塌,空心,坍",
    "城市内涝积水": "水淹,淹了,雨水,积水深,下雨,排不出去,漫水,蹚水",
    "危房及建筑结构安全隐患": "房子,墙裂,开裂,倾斜,危险房屋,楼房,承重,裂纹,掉渣",
    "电梯困人及电梯安全隐患": "电梯,关在电梯,卡住,困住,电梯坏,电梯异响,升降梯,轿厢",
    "施工安全隐患": "工地,围挡,吊车,高处作业,深坑,没有防护,安全网,施工现场",
    "群体性食物中毒等公共卫生事件": "拉肚子,吃坏,上吐下泻,中毒,发烧,食堂,聚餐,送医",
    "群体性矛盾纠纷及聚集": "聚集,很多人,闹事,堵门,拉横幅,冲突,打架,上访,维权",
    "电动自行车违规充电": "充电,电瓶,拉线充电,电动车,楼道停电动车,推进电梯,充电线",
}

# --- people -------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范廖石金贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛"
)
#: The commonest surnames (Sichuan flavour), drawn half of the time as in life.
COMMON_SURNAMES = "王李张刘陈杨黄赵吴周何罗廖曾邓"
#: Real-sounding given names (space-separated), men's and women's, across generations.
_GIVEN_NAMES_TEXT = """
    建国 建华 建军 国强 国华 志强 志伟 志刚 永刚 德明 长福 成林 少华 红军 文斌 海波 晓东
    明辉 俊杰 俊峰 鹏飞 家豪 浩然 子轩 宇航 泽宇 思远 嘉乐 晨阳 博文 一鸣 天佑 新民 跃进
    伟 勇 军 磊 涛 刚 斌 超 鑫 凯 波 杰 强 平 亮 彬 峰 川 渝 锦
    秀英 桂英 玉兰 淑珍 秀兰 桂芳 丽娟 晓燕 雪梅 红梅 春兰 海燕 慧敏 晓丽 雅琴 文静 婷婷
    欣怡 诗雯 雨欣 梓涵 佳琪 思琪 佳怡 欣悦 紫涵 若曦 晓琳 丽萍 小红 秋菊 素芬 蓉蓉 玉梅
    静 敏 丽 芳 娜 艳 霞 琳 瑶 蓉 燕 娟 萍 洁 颖 倩
"""
GIVEN_NAMES = tuple(_GIVEN_NAMES_TEXT.split())


class PasswordHashes:
    """The accounts' password hashes, each made on its own, with its own salt (one hash copied
    to all would show anyone reading the table that they share a password).

    Argon2 (≈ 20 ms a hash, 460 accounts) releases the GIL, so the hashes are made on threads
    beside whatever the caller builds meanwhile, and written when it asks."""

    def __init__(self, user_ids: list[int], password: str, *, threads: int = 2) -> None:
        self.user_ids = list(user_ids)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="demo-hash")
        self._hashes = [self._pool.submit(make_password, password) for _ in self.user_ids]

    def write(self) -> None:
        User = get_user_model()
        hashes = [h.result() for h in self._hashes]
        self._pool.shutdown()
        User.objects.bulk_update(
            [User(pk=pk, password=h) for pk, h in zip(self.user_ids, hashes, strict=True)],
            ["password"],
            batch_size=500,
        )

    def cancel(self) -> None:
        self._pool.shutdown(cancel_futures=True)


@dataclass
class DemoDistrict:
    district: OrgUnit
    streets: list[OrgUnit]
    communities: list[OrgUnit]
    grids: list[OrgUnit]
    hub: OrgUnit
    #: Departments by short key ("cg", "sw", "hb", …).
    departments: dict[str, OrgUnit]
    #: Field units (派驻机构) by their department's short key.
    field_units: dict[str, list[OrgUnit]]
    catalogue: Catalogue
    items: list[CatalogueItem]
    #: (username, role label, unit name): the memorable accounts first, then per-unit ones.
    accounts: list[tuple[str, str, str]]
    #: The street with the reference street's proportions (12 communities, 64 grids in "full").
    reference_street: OrgUnit
    #: GeoJSON polygons of the district, streets and communities by OrgUnit code (only grids
    #: store their boundary on the OrgUnit; these are exactly the unions of their grids).
    boundaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: How many leading entries of ``accounts`` are the memorable ones.
    key_account_count: int = 0
    #: Wall-clock seconds the build took.
    seconds: float = 0.0
    #: The accounts' password hashes still to write (``build_district(hash_later=True)``).
    passwords: PasswordHashes | None = None

    @property
    def key_accounts(self) -> list[tuple[str, str, str]]:
        return self.accounts[: self.key_account_count]


# --- geometry -----------------------------------------------------------------------------

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in lattice units; y grows northwards


def _bisect(rect: Rect, weights: list[float]) -> list[Rect]:
    """Split ``rect`` into ``len(weights)`` lattice rectangles with areas ≈ the weights.

    Weighted bisection on the longer side (in metres): the first part goes west or north.
    """
    if len(weights) == 1:
        return [rect]
    total = sum(weights)
    prefix, best_k, best_gap = 0.0, 1, math.inf
    for k in range(1, len(weights)):
        prefix += weights[k - 1]
        gap = abs(prefix - total / 2)
        if gap < best_gap:
            best_k, best_gap = k, gap
    frac = sum(weights[:best_k]) / total
    x0, y0, x1, y1 = rect
    w, h = x1 - x0, y1 - y0
    if w * UNIT_M_X >= h * UNIT_M_Y:
        cut = min(max(x0 + round(frac * w), x0 + 2), x1 - 2)
        first, second = (x0, y0, cut, y1), (cut, y0, x1, y1)
    else:
        cut = min(max(y1 - round(frac * h), y0 + 2), y1 - 2)
        first, second = (x0, cut, x1, y1), (x0, y0, x1, cut)
    return _bisect(first, weights[:best_k]) + _bisect(second, weights[best_k:])


class _Plane:
    """Lattice → (lng, lat): per-point jitter, then a smooth injective warp of the plane."""

    def __init__(self, rng: random.Random) -> None:
        # Jitter below a quarter unit keeps every lattice-path polygon simple.
        self.jitter = [
            [(rng.uniform(-0.22, 0.22), rng.uniform(-0.22, 0.22)) for _ in range(NY + 1)]
            for _ in range(NX + 1)
        ]
        # Warp: lng += G(lat), lat += H(lng). With |G'|·|H'| < 1 the map is injective.
        # Amplitudes (deg) and periods (deg) give |G'|, |H'| ≤ ~0.45.
        self.waves_lng = [
            (0.0012, 0.041, rng.uniform(0, 2 * math.pi)),
            (0.0004, 0.012, rng.uniform(0, 2 * math.pi)),
        ]
        self.waves_lat = [
            (0.0010, 0.053, rng.uniform(0, 2 * math.pi)),
            (0.0004, 0.014, rng.uniform(0, 2 * math.pi)),
        ]
        self._cache: dict[tuple[int, int], list[float]] = {}

    def point(self, ix: int, iy: int) -> list[float]:
        key = (ix, iy)
        cached = self._cache.get(key)
        if cached is None:
            jx, jy = self.jitter[ix][iy]
            lng = MIN_LNG + (ix + jx) * STEP
            lat = MIN_LAT + (iy + jy) * STEP
            d_lng = sum(
                a * math.sin(2 * math.pi * (lat - MIN_LAT) / p + ph) for a, p, ph in self.waves_lng
            )
            d_lat = sum(
                a * math.sin(2 * math.pi * (lng - MIN_LNG) / p + ph) for a, p, ph in self.waves_lat
            )
            cached = [round(lng + d_lng, 6), round(lat + d_lat, 6)]
            self._cache[key] = cached
        return list(cached)

    def polygon(self, rect: Rect) -> dict[str, Any]:
        """The rectangle as a GeoJSON Polygon through every lattice point of its border (CCW)."""
        x0, y0, x1, y1 = rect
        ring = [self.point(x, y0) for x in range(x0, x1)]
        ring += [self.point(x1, y) for y in range(y0, y1)]
        ring += [self.point(x, y1) for x in range(x1, x0, -1)]
        ring += [self.point(x0, y) for y in range(y1, y0, -1)]
        ring.append(ring[0])
        return {"type": "Polygon", "coordinates": [ring]}


def _split_count(total: int, parts: int, rng: random.Random, *, minimum: int = 3) -> list[int]:
    """``total`` grids over ``parts`` communities, uneven but never below ``minimum``."""
    counts = [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
    for _ in range(parts):
        a, b = rng.randrange(parts), rng.randrange(parts)
        if a != b and counts[a] > minimum:
            counts[a] -= 1
            counts[b] += 1
    rng.shuffle(counts)
    return counts


@dataclass(frozen=True)
class _Layout:
    spec: StreetSpec
    rect: Rect
    communities: list[tuple[str, Rect, list[Rect]]]


def _layout(size: str, rng: random.Random) -> list[_Layout]:
    if size == "full":
        plan = [
            (spec, list(spec.communities), _split_count(spec.grids, len(spec.communities), rng))
            for spec in STREETS
        ]
    else:
        plan = [(spec, list(spec.communities[:2]), [2, 2]) for spec in STREETS[:2]]
    street_weights = [spec.density * sum(counts) for spec, _, counts in plan]
    street_rects = _bisect((0, 0, NX, NY), street_weights)
    layouts: list[_Layout] = []
    for (spec, names, counts), srect in zip(plan, street_rects, strict=True):
        community_rects = _bisect(srect, [n * rng.uniform(0.85, 1.15) for n in counts])
        communities = []
        for name, crect, n in zip(names, community_rects, counts, strict=True):
            grid_rects = _bisect(crect, [rng.uniform(0.7, 1.3) for _ in range(n)])
            for gx0, gy0, gx1, gy1 in grid_rects:
                if gx1 - gx0 < 2 or gy1 - gy0 < 2:  # pragma: no cover - layout invariant
                    raise RuntimeError(f"网格过小：{name} {(gx0, gy0, gx1, gy1)}")
            communities.append((name, crect, grid_rects))
        layouts.append(_Layout(spec, srect, communities))
    return layouts


# --- people -------------------------------------------------------------------------------


class People:
    """Creates users and grants; the passwords are set afterwards, all at once."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used_names: set[str] = set()
        self.user_ids: list[int] = []
        self.accounts: list[tuple[str, str, str]] = []

    def name(self) -> str:
        rng = self.rng
        for _ in range(50):
            surname = rng.choice(COMMON_SURNAMES) if rng.random() < 0.5 else rng.choice(SURNAMES)
            given = rng.choice(GIVEN_NAMES)
            full = surname + given
            if full not in self.used_names:
                self.used_names.add(full)
                return full
        return full  # pragma: no cover - a repeated name is harmless

    def phone(self) -> str:
        return (
            "1" + self.rng.choice("3578") + "".join(self.rng.choice("0123456789") for _ in range(9))
        )

    def add(self, username: str, role: str, unit: OrgUnit) -> Any:
        user = person_create(
            username=username, full_name=self.name(), password=None, phone=self.phone()
        )
        grant_role(user=user, role=role, unit=unit)
        self.user_ids.append(user.pk)
        self.accounts.append((username, str(Role(role).label), unit.name))
        return user


def _station(streets: list[OrgUnit], field_units: dict[str, list[OrgUnit]]) -> None:
    """Where the field units work (派驻街道): each street's 综合执法中队, and a 派出所,
    市场监管所, 交警中队 and 司法所 that the streets share in turn."""
    station = OrgUnit.stationed_in.through
    rows = []
    for index, street in enumerate(streets):
        cg = f"综合执法{_short(street.name)}中队"
        units = [u for u in field_units.get("cg", []) if u.name == cg]
        for key in ("ga", "sj", "jg", "sf"):
            shared = field_units.get(key, [])
            if shared:
                units.append(shared[index % len(shared)])
        rows += [station(from_orgunit_id=u.pk, to_orgunit_id=street.pk) for u in units]
    station.objects.bulk_create(rows)


def _short(street_name: str) -> str:
    """锦官驿街道 → 锦官驿, 三圣镇 → 三圣."""
    for suffix in ("街道", "镇", "乡"):
        if street_name.endswith(suffix):
            return street_name.removesuffix(suffix)
    return street_name


def _office_phone(rng: random.Random) -> str:
    return f"028-8{rng.randrange(1_000_000, 9_999_999)}"


# --- the builder --------------------------------------------------------------------------


@transaction.atomic
def build_district(
    *,
    size: str = "full",
    password: str,
    rng_seed: int = 2026,
    published_at: datetime | None = None,
    hash_later: bool = False,
) -> DemoDistrict:
    """Build 锦城区 into an empty database (raises InvalidInput if it already exists).

    ``hash_later``: the accounts' passwords are hashed on a thread while the caller goes on
    building, and set when it calls ``passwords.write()`` (``huying demo`` does, before it
    commits); without it they are set before this returns.

    ``size="full"``: 8 streets, 40 communities, 274 grids; ``"small"``: 2 streets,
    4 communities, 8 grids. Departments and the catalogue are the same in both.
    ``published_at`` is when catalogue v1 took effect (default 2024-01-02 09:00 +08:00).
    """
    if size not in SIZES:
        raise InvalidInput(f"规模应为 {' / '.join(SIZES)}", field="size")
    if not password:
        raise InvalidInput("请为演示账号设置密码", field="password")
    if OrgUnit.objects.filter(code=DISTRICT_CODE).exists():
        raise InvalidInput(f"演示区「{DISTRICT_NAME}」已存在", field="code")
    started = time.perf_counter()
    rng = random.Random(rng_seed)
    plane = _Plane(rng)
    layouts = _layout(size, rng)

    district = unit_create(
        kind=K.DISTRICT,
        code=DISTRICT_CODE,
        name=DISTRICT_NAME,
        abbr=DISTRICT_ABBR,
        phone=_office_phone(rng),
    )
    boundaries: dict[str, dict[str, Any]] = {DISTRICT_CODE: plane.polygon((0, 0, NX, NY))}
    streets: list[OrgUnit] = []
    communities: list[OrgUnit] = []
    grids: list[OrgUnit] = []
    communities_of: dict[int, list[OrgUnit]] = {}
    grids_of: dict[int, list[OrgUnit]] = {}
    for s_no, layout in enumerate(layouts, start=1):
        spec = layout.spec
        street = unit_create(
            kind=K.STREET,
            code=f"{DISTRICT_CODE}{s_no:03d}",
            name=spec.name,
            parent=district,
            subtype=spec.subtype,
            phone=_office_phone(rng),
        )
        streets.append(street)
        boundaries[street.code] = plane.polygon(layout.rect)
        is_town = spec.subtype == "乡镇"
        for c_no, (c_name, c_rect, grid_rects) in enumerate(layout.communities, start=1):
            community = unit_create(
                kind=K.COMMUNITY,
                code=f"{street.code}{c_no:03d}",
                name=f"{c_name}{'村' if is_town else '社区'}",
                parent=street,
                subtype="村" if is_town else "社区",
                phone=_office_phone(rng),
            )
            communities.append(community)
            communities_of.setdefault(street.pk, []).append(community)
            boundaries[community.code] = plane.polygon(c_rect)
            for g_no, g_rect in enumerate(grid_rects, start=1):
                grid = unit_create(
                    kind=K.GRID,
                    code=f"{community.code}{g_no:03d}",
                    name=f"{community.name}第{g_no}网格",
                    parent=community,
                    boundary=plane.polygon(g_rect),
                )
                grids.append(grid)
                grids_of.setdefault(community.pk, []).append(grid)

    hub = unit_create(
        kind=K.HUB,
        code=f"{DISTRICT_CODE}-hub",
        name=HUB_NAME,
        parent=district,
        phone=_office_phone(rng),
    )
    departments: dict[str, OrgUnit] = {}
    field_units: dict[str, list[OrgUnit]] = {}
    for key, name in DEPARTMENTS:
        dept = unit_create(
            kind=K.DEPARTMENT,
            code=f"{DISTRICT_CODE}-{key}",
            name=name,
            parent=district,
            phone=_office_phone(rng),
        )
        departments[key] = dept
        unit_names = list(FIELD_UNITS.get(key, ()))
        if key == "cg":
            unit_names = [f"综合执法{_short(s.name)}中队" for s in streets]
        field_units[key] = [
            unit_create(
                kind=K.FIELD_UNIT,
                code=f"{dept.code}-{n:02d}",
                name=fu_name,
                parent=dept,
                phone=_office_phone(rng),
            )
            for n, fu_name in enumerate(unit_names, start=1)
        ]
    _station(streets, field_units)

    catalogue, items = build_catalogue(district, departments, published_at or DEFAULT_PUBLISHED_AT)

    # People. Memorable accounts first (the ones to log in with), then per-unit staff.
    people = People(rng)
    street1, street2 = streets[0], streets[1]
    community1 = communities_of[street1.pk][0]
    grid1 = grids_of[community1.pk][0]
    people.add("admin", Role.ADMIN, district)
    people.add("leader", Role.DISTRICT_LEADER, district)
    people.add("hub", Role.HUB_DISPATCHER, hub)
    people.add("hubsup", Role.HUB_SUPERVISOR, hub)
    people.add("street1", Role.STREET_CALLER, street1)
    people.add("streetlead1", Role.STREET_LEADER, street1)
    people.add("street2", Role.STREET_CALLER, street2)
    people.add("community1", Role.COMMUNITY_STAFF, community1)
    people.add("gridlead1", Role.GRID_LEADER, community1)
    people.add("grid1", Role.GRID_WORKER, grid1)
    people.add("dept_cg", Role.DEPT_HANDLER, departments["cg"])
    people.add("deptlead_cg", Role.DEPT_LEADER, departments["cg"])
    people.add("dept_sw", Role.DEPT_HANDLER, departments["sw"])
    people.add("deptlead_sw", Role.DEPT_LEADER, departments["sw"])
    people.add("dept_hb", Role.DEPT_HANDLER, departments["hb"])
    people.add("deptlead_hb", Role.DEPT_LEADER, departments["hb"])
    resident1 = people.add("resident1", Role.RESIDENT, grid1)
    # Residents sign in with a texted code; the demo's number (the code is in the server log).
    PhoneAccount.objects.create(
        user=resident1, phone=DEMO_RESIDENT_PHONE, created_at=timezone.now()
    )
    key_account_count = len(people.accounts)

    people.add("hub_02", Role.HUB_DISPATCHER, hub)
    # The grid ladder's ends: the street's grid centre, an informant and a street chief.
    people.add("gridcentre1", Role.GRID_CENTRE, street1)
    people.add("informant1", Role.GRID_INFORMANT, grid1)
    people.add("chief1", Role.STREET_CHIEF, grid1)
    for street in streets:
        people.add(f"sc_{street.code}", Role.STREET_CALLER, street)
        people.add(f"sl_{street.code}", Role.STREET_LEADER, street)
    for community in communities:
        people.add(f"cs_{community.code}", Role.COMMUNITY_STAFF, community)
        people.add(f"gl_{community.code}", Role.GRID_LEADER, community)
    for grid in grids:
        people.add(f"gw_{grid.code}", Role.GRID_WORKER, grid)
    for key, dept in departments.items():
        people.add(f"dh_{key}", Role.DEPT_HANDLER, dept)
        people.add(f"dl_{key}", Role.DEPT_LEADER, dept)
        for n, unit in enumerate(field_units[key], start=1):
            people.add(f"fh_{key}_{n:02d}", Role.DEPT_HANDLER, unit)

    # Later: on one thread beside the caller's build, which keeps the other core.
    hashes = PasswordHashes(people.user_ids, password, threads=1 if hash_later else 2)
    if not hash_later:
        hashes.write()
    get_user_model().objects.filter(username="admin").update(is_staff=True, is_superuser=True)

    return DemoDistrict(
        district=district,
        streets=streets,
        communities=communities,
        grids=grids,
        hub=hub,
        departments=departments,
        field_units=field_units,
        catalogue=catalogue,
        items=items,
        accounts=people.accounts,
        reference_street=street1,
        boundaries=boundaries,
        key_account_count=key_account_count,
        seconds=time.perf_counter() - started,
        passwords=hashes if hash_later else None,
    )


def build_catalogue(
    district: OrgUnit, departments: dict[str, OrgUnit], published_at: datetime
) -> tuple[Catalogue, list[CatalogueItem]]:
    catalogue = catalogue_create(district=district, version=1, name=CATALOGUE_NAME)
    items: list[CatalogueItem] = []
    for c_order, (c_code, c_name, specs) in enumerate(CATALOGUE, start=1):
        klass = catalogue_class_create(catalogue=catalogue, code=c_code, name=c_name, order=c_order)
        for i_order, spec in enumerate(specs, start=1):
            report_in, report_in_unit, handle, handle_unit = LEVEL_LIMITS[spec.level]
            items.append(
                catalogue_item_create(
                    klass=klass,
                    code=f"{c_code}{i_order:02d}",
                    name=spec.name,
                    default_level=spec.level,
                    lead_department=departments[spec.lead],
                    co_departments=[departments[k] for k in spec.co],
                    report_in_limit=report_in,
                    report_in_unit=report_in_unit,
                    handle_limit=handle,
                    handle_unit=handle_unit,
                    handling_standard=spec.standard,
                    closing_condition=spec.closing,
                    keywords=spec.keywords,
                    synonyms=SYNONYMS.get(spec.name, ""),
                    attributes=parse_attribute_lines(QUESTIONS.get(spec.name, "")),
                    order=i_order,
                )
            )
    catalogue_publish(catalogue=catalogue, now=published_at)
    return catalogue, items
