"""The circular as a document: its parts in order, made from a figures snapshot.

Both files are drawn from this one outline — ``word`` writes it as DOCX, ``pdf`` through
the HTML template ``reports/circular_print.html`` — so the Word and PDF versions always
say the same thing. The text is in the site's language (``LANGUAGE_CODE``): a circular is
published to others, like a notification, whoever asked for it.

Layout follows the Chinese official-document format (GB/T 9704) as far as it fits: red
issuing-organ mark, document number, red rule, title, addressees, body with 一、/（一）
headings, tables and charts, signature and date in Chinese numerals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from huying.cases.models import CaseState
from huying.core.i18n import join_list
from huying.reports.circular.chart import Chart, grouped_bars, horizontal_bars

DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals: 一, 十, 十一, 二十, 二十一."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def chinese_date(day: date) -> str:
    """二〇二六年十二月二日: the year digit by digit, month and day as numbers."""
    year = "".join(DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{chinese_number(day.month)}月{chinese_number(day.day)}日"


def doc_number(*, issuer_abbr: str, year: int, serial: int) -> str:
    """锦呼应办通〔2026〕11号 (GB/T 9704: the year in hexagonal brackets, no leading zeros)."""
    return f"{issuer_abbr}〔{year}〕{serial}号"


def pct(value: str | None) -> str:
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def pct_value(value: str | None) -> float | None:
    return None if value is None else float(Decimal(value) * 100)


def points(value: str | None) -> str:
    if value is None:
        return "—"
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- blocks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int  # 1: 一、  2: （一）
    text: str
    kind: str = "heading"


@dataclass(frozen=True)
class Para:
    text: str
    item: bool = False  # an item of a list: ragged right (case numbers do not break)
    kind: str = "para"


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    widths: list[float]  # relative widths
    align: list[str]  # "left" | "center" | "right" per column
    note: str = ""
    kind: str = "table"


@dataclass(frozen=True)
class Figure:
    chart: Chart
    kind: str = "figure"

    @property
    def svg(self) -> str:
        return self.chart.svg()


Block = Heading | Para | Table | Figure


@dataclass
class CircularDocument:
    organ_mark: str  # 发文机关标志
    number: str  # 文号
    title: str
    addressees: str  # 主送机关
    signer: str  # 落款
    date: str  # 成文日期, in Chinese numerals
    blocks: list[Block] = field(default_factory=list)

    def h1(self, text: str) -> None:
        self.blocks.append(Heading(1, text))

    def h2(self, text: str) -> None:
        self.blocks.append(Heading(2, text))

    def p(self, text: str, *, item: bool = False) -> None:
        self.blocks.append(Para(text, item=item))

    @property
    def signer_indent(self) -> float:
        """How far (in characters) the signer stands from the right margin: centred over
        the date, which stands four characters in (GB/T 9704 成文日期右空四字)."""
        return max(0.0, 4 + (len(self.date) - len(self.signer)) / 2)


#: The hub's 机关代字 for circulars, after the district's own first character: 锦呼应办通 for
#: 锦城区's, so that two districts' circulars never carry the same number.
ISSUER_ABBR = "呼应办通"


def issuer_abbr(district_name: str) -> str:
    return f"{district_name[:1]}{ISSUER_ABBR}"


def circular_document(
    figures: dict[str, Any], *, number: str, issued: datetime
) -> CircularDocument:
    """The document a snapshot prints (``issued``: the date it is signed)."""
    f = figures
    district, year, month = f["district"]["name"], f["year"], f["month"]
    doc = CircularDocument(
        organ_mark=_("{district}“街道呼·部门应”工作通报").format(district=district),
        number=number,
        title=_("关于{year}年{month}月“街道呼·部门应”工作情况的通报").format(
            year=year, month=month
        ),
        addressees=_("各街道办事处，区级各部门："),
        signer=f["issuer"] or _("呼应办"),
        date=chinese_date(timezone.localtime(issued).date()),
    )
    _overview(doc, f)
    _departments(doc, f)
    _streets(doc, f)
    _overdue_and_returned(doc, f)
    _notable(doc, f)
    _joint_operations(doc, f)
    _community_tasks(doc, f)
    _requirements(doc, f)
    return doc


def _overview(doc: CircularDocument, f: dict[str, Any]) -> None:
    o = f["overview"]
    doc.h1(_("一、总体情况"))
    doc.p(
        _(
            "{year}年{month}月，全区共受理事件{reports}件，其中有效事件{valid}件；结案{closed}件，"
            "结案率{completion}，按期结案率{on_time}。区级部门应处置派单{due}件，处置率{handling}，"
            "按期处置率{on_time_handling}，响应率{response}。"
        ).format(
            year=f["year"],
            month=f["month"],
            reports=o["reports"],
            valid=o["valid_reports"],
            closed=o["closed"],
            completion=pct(o["completion"]),
            on_time=pct(o["on_time_completion"]),
            due=o["assignments_due"],
            handling=pct(o["handling_rate"]),
            on_time_handling=pct(o["on_time_handling_rate"]),
            response=pct(o["response_rate"]),
        )
    )
    doc.p(
        _(
            "有效回访{follow_ups}件，其中满意{satisfied}件、基本满意{basic}件、不满意{dissatisfied}件，"
            "满意率{satisfaction}，解决率{resolution}。街道对口呼叫{calls}次，呼叫准确度{accuracy}。"
            "本月部门超期派单{overdue}件次，部门申请退回{returns}件，其中退回成立{upheld}件。"
        ).format(
            follow_ups=o["follow_ups"],
            satisfied=o["satisfied"],
            basic=o["basic"],
            dissatisfied=o["dissatisfied"],
            satisfaction=pct(o["satisfaction_rate"]),
            resolution=pct(o["resolution_rate"]),
            calls=o["calls"],
            accuracy=pct(o["call_accuracy"]),
            overdue=o["overdue"],
            returns=o["returns"],
            upheld=o["returns_upheld"],
        )
    )
    if not f["complete"]:
        as_of = timezone.localtime(datetime.fromisoformat(f["as_of"]))
        doc.p(
            _("本月尚未结束，以上数据统计至{day}日{hour}时。").format(
                day=as_of.day, hour=as_of.hour
            )
        )


UNRANKED = gettext_noop("未排名（评议件数不足）")


def _units(doc: CircularDocument, units: list[dict[str, Any]], least: int) -> None:
    """The field units (派驻机构) the streets rated this month, under the departments'
    ranking: their own scores, which also count in their departments' above."""
    if not units:
        return
    doc.p(
        _(
            "街道对派驻机构单独评议，本月共评议{n}个派驻机构的{cases}件次事件，"
            "其得分同时计入所属部门得分。评议件数不足{least}件的不参与排名。"
        ).format(n=len(units), cases=sum(r["cases"] for r in units), least=least)
    )
    doc.blocks.append(
        Table(
            columns=[_("排名"), _("派驻机构"), _("所属部门"), _("评议件数"), _("平均得分")],
            rows=[
                [
                    str(r["rank"]) if r["rank"] is not None else _(UNRANKED),
                    r["name"],
                    r["department"],
                    str(r["cases"]),
                    points(r["score"]),
                ]
                for r in units
            ],
            widths=[4.4, 4, 3, 2, 2],
            align=["center", "left", "left", "center", "center"],
        )
    )


def _departments(doc: CircularDocument, f: dict[str, Any]) -> None:
    ranking = f["ranking"]
    ranked = [r for r in ranking if r["rank"] is not None]
    rated = [r for r in ranking if r["cases"]]
    doc.h1(_("二、区级部门考评情况"))
    doc.h2(_("（一）逆向评议得分排名"))
    text = _(
        "按照“一事一评、一月一考评、一月一通报”要求，各街道对本月核查通过的事件逐件开展逆向评议，"
        "共评议{rated}个部门的{cases}件次事件。评议件数不足{least}件的部门列出得分，不参与排名。"
    ).format(rated=len(rated), cases=sum(r["cases"] for r in ranking), least=f["min_cases"])
    if len(ranked) >= 6:
        text += _("排名前三位的是{best}；排名后三位的是{worst}。").format(
            best=_("、").join(r["name"] for r in ranked[:3]),
            worst=_("、").join(r["name"] for r in ranked[-3:]),
        )
    elif ranked:
        text += _("排名第一的是{best}。").format(best=ranked[0]["name"])
    doc.p(text)
    doc.blocks.append(
        Table(
            columns=[_("排名"), _("部门"), _("评议件数"), _("平均得分")],
            rows=[
                [
                    str(r["rank"]) if r["rank"] is not None else _(UNRANKED),
                    r["name"],
                    str(r["cases"]),
                    points(r["score"]),
                ]
                for r in ranking
            ],
            widths=[4.4, 6, 2, 2],
            align=["center", "left", "center", "center"],
            note=_(
                "注：得分为本月核查通过事件的逆向评议有效得分（申诉成立的按调整后得分）平均值，满分100分。"
            ),
        )
    )
    bars = [(r["name"], float(r["score"]), r["rank"] is not None) for r in rated]
    if bars:
        doc.blocks.append(
            Figure(
                horizontal_bars(
                    sorted(bars, key=lambda b: -(b[1] or 0)),
                    title=_("图1 {month}月区级部门逆向评议平均得分（灰色为未排名）").format(
                        month=f["month"]
                    ),
                    maximum=100,
                )
            )
        )
    _units(doc, f.get("units", []), f["min_cases"])
    doc.h2(_("（二）部门办理情况"))
    active = [r for r in f["by_department"] if r["assignments_due"] or r["response_rate"]]
    doc.p(
        _("本月有{n}个部门承办了派单事件，各部门处置、响应和满意情况如下。").format(n=len(active))
    )
    doc.blocks.append(
        Table(
            columns=[
                _("部门"),
                _("应处置"),
                _("处置率"),
                _("按期处置率"),
                _("响应率"),
                _("返工率"),
                _("满意率"),
            ],
            rows=[
                [
                    r["name"],
                    str(r["assignments_due"]),
                    pct(r["handling_rate"]),
                    pct(r["on_time_handling_rate"]),
                    pct(r["response_rate"]),
                    pct(r["rework_rate"]),
                    pct(r["satisfaction_rate"]),
                ]
                for r in active
            ],
            widths=[4.2, 1.6, 1.7, 2, 1.7, 1.7, 1.7],
            align=["left", "center", "center", "center", "center", "center", "center"],
            note=_(
                "注：处置率＝处置数÷应处置数；响应率＝按时报到数÷报到时限在本月的派单数；"
                "返工率＝返工数÷处置数；满意率＝（满意＋0.9×基本满意）÷有效回访数。"
            ),
        )
    )


def _streets(doc: CircularDocument, f: dict[str, Any]) -> None:
    streets = f["by_street"]
    doc.h1(_("三、街道工作情况"))
    doc.p(_("各街道受理、结案、呼叫和核查情况如下。"))
    doc.blocks.append(
        Table(
            columns=[
                _("街道"),
                _("受理"),
                _("结案率"),
                _("按期结案率"),
                _("解决率"),
                _("满意率"),
                _("呼叫"),
                _("呼叫准确度"),
                _("按时核查率"),
            ],
            rows=[
                [
                    r["name"],
                    str(r["reported"]),
                    pct(r["completion"]),
                    pct(r["on_time_completion"]),
                    pct(r["resolution_rate"]),
                    pct(r["satisfaction_rate"]),
                    str(r["calls"]),
                    pct(r["call_accuracy"]),
                    pct(r["on_time_verification_rate"]),
                ]
                for r in streets
            ],
            widths=[2.3, 1.1, 1.6, 1.7, 1.6, 1.6, 1.0, 1.7, 1.7],
            align=["left", *["center"] * 8],
            note=_(
                "注：结案率＝结案数÷（结案数＋月末超期在办数）；解决率＝本月受理并办结且群众不是不满意的"
                "事件数÷本月受理数；呼叫准确度＝（呼叫数－退回成立数）÷呼叫数。"
            ),
        )
    )
    if streets:
        doc.blocks.append(
            Figure(
                grouped_bars(
                    [
                        (r["name"], [pct_value(r["completion"]), pct_value(r["satisfaction_rate"])])
                        for r in streets
                    ],
                    series=[_("结案率"), _("满意率")],
                    title=_("图2 {month}月各街道结案率和满意率").format(month=f["month"]),
                )
            )
        )


OVERDUE_STATUS = {
    "unhandled": gettext_noop("超期未办结"),
    "handled_late": gettext_noop("超期办结"),
    "not_reported": gettext_noop("超期未报到"),
    "reported_late": gettext_noop("超期报到"),
}
RETURN_OUTCOME = {
    "upheld": gettext_noop("退回成立"),
    "refused": gettext_noop("不予退回"),
    "pending": gettext_noop("待裁定"),
}


def _overdue_and_returned(doc: CircularDocument, f: dict[str, Any]) -> None:
    overdue, returned = f["overdue"], f["returned"]
    doc.h1(_("四、超期和退回事件"))
    doc.h2(_("（一）超期事件"))
    if not overdue["total"]:
        doc.p(_("本月无超期事件。"))
    else:
        shown = len(overdue["rows"])
        text = _("本月部门超期派单{total}件次，涉及事件{cases}件。").format(
            total=overdue["total"], cases=overdue["cases"]
        )
        if overdue["open"]:
            text += _("截至统计时仍未报到或未办结的{open}件次。").format(open=overdue["open"])
        else:
            text += _("截至统计时均已报到、办结。")
        if shown < overdue["total"]:
            text += _("按超期天数排列，列出前{n}件：").format(n=shown)
        else:
            text += _("具体如下：")
        doc.p(text)
        doc.blocks.append(
            Table(
                columns=[_("编号"), _("事件"), _("街道"), _("承办部门"), _("情况"), _("超期天数")],
                rows=[
                    [
                        r["number"],
                        r["title"],
                        r["street"],
                        r["department"],
                        _(OVERDUE_STATUS[r["status"]]),
                        str(r["days"]),
                    ]
                    for r in overdue["rows"]
                ],
                widths=[3.9, 3.4, 1.9, 2.9, 1.8, 1.2],
                align=["left", "left", "center", "left", "center", "center"],
            )
        )
    doc.h2(_("（二）退回事件"))
    if not returned["total"]:
        doc.p(_("本月无部门申请退回的事件。"))
    else:
        pending = returned["total"] - returned["upheld"] - returned["refused"]
        doc.p(
            _(
                "本月部门申请退回{total}件，经呼应办裁定，退回成立{upheld}件、不予退回{refused}件，"
                "待裁定{pending}件。退回成立的计入呼叫街道的呼叫准确度。"
            ).format(
                total=returned["total"],
                upheld=returned["upheld"],
                refused=returned["refused"],
                pending=pending,
            )
        )
        doc.blocks.append(
            Table(
                columns=[_("编号"), _("事件"), _("街道"), _("申请部门"), _("退回理由"), _("裁定")],
                rows=[
                    [
                        r["number"],
                        r["title"],
                        r["street"],
                        r["department"],
                        r["reason"],
                        _(RETURN_OUTCOME[r["outcome"]]),
                    ]
                    for r in returned["rows"]
                ],
                widths=[3.9, 2.8, 1.8, 2.6, 3.1, 1.5],
                align=["left", "left", "center", "left", "left", "center"],
            )
        )


#: kind: (heading, what happened on the day)
NOTABLE_HEADINGS = {
    "supervised": (gettext_noop("督办事件"), gettext_noop("督办")),
    "reopened": (gettext_noop("重启事件"), gettext_noop("重启")),
    "escalated": (gettext_noop("街道上报呼应办事件"), gettext_noop("由街道上报呼应办")),
}


def _notable(doc: CircularDocument, f: dict[str, Any]) -> None:
    doc.h1(_("五、重点事件"))
    notable = f["notable"]
    if not any(notable[k]["total"] for k in NOTABLE_HEADINGS):
        doc.p(_("本月无督办、重启和街道上报呼应办的事件。"))
        return
    labels = dict(CaseState.choices)
    counter = 0
    for kind, (heading, what) in NOTABLE_HEADINGS.items():
        part = notable[kind]
        if not part["total"]:
            continue
        counter += 1
        doc.h2(
            _("（{n}）{heading}{total}件").format(
                n=chinese_number(counter), heading=_(heading), total=part["total"]
            )
        )
        for i, r in enumerate(part["rows"], start=1):
            at = datetime.fromisoformat(r["at"])
            reason = _("，{reason}").format(reason=r["reason"]) if r["reason"] else ""
            doc.p(
                _(
                    "{i}. {number}“{title}”（{street}），{month}月{day}日{what}{reason}；现状态：{state}。"
                ).format(
                    i=i,
                    number=r["number"],
                    title=r["title"],
                    street=r["street"] or _("未定街道"),
                    month=at.month,
                    day=at.day,
                    what=_(what),
                    reason=reason,
                    state=labels.get(r["state"], r["state"]),
                ),
                item=True,
            )
        if part["total"] > len(part["rows"]):
            doc.p(_("（另有{n}件，略。）").format(n=part["total"] - len(part["rows"])))


def _joint_operations(doc: CircularDocument, f: dict[str, Any]) -> None:
    """六、联合执法; a snapshot taken before the section existed says nothing of it."""
    ops = f.get("joint_operations", {"total": 0, "rows": []})
    doc.h1(_("六、联合执法"))
    if not ops["total"]:
        doc.p(_("本月无联合执法行动。"))
        return
    doc.p(_("本月开展“一联合”联合执法{n}次：").format(n=ops["total"]))
    doc.blocks.append(
        Table(
            columns=[_("日期"), _("行动"), _("组织单位"), _("参与单位"), _("关联事件"), _("结果")],
            rows=[
                [
                    r["held_on"][5:],
                    r["title"],
                    r["organiser"],
                    join_list(r["units"]),
                    join_list(r["cases"]) or "—",
                    r["results"] or "—",
                ]
                for r in ops["rows"]
            ],
            widths=[1.2, 2.6, 1.6, 2.6, 2.6, 3],
            align=["center", "left", "left", "left", "left", "left"],
        )
    )
    if ops["total"] > len(ops["rows"]):
        doc.p(_("（另有{n}次，略。）").format(n=ops["total"] - len(ops["rows"])))


def _community_tasks(doc: CircularDocument, f: dict[str, Any]) -> None:
    """七、向社区摊派情况 (社区工作准入's gate); a snapshot taken before the section existed
    says nothing of it."""
    part = f.get("community_tasks")
    if part is None:
        return
    doc.h1(_("七、向社区摊派情况"))
    if not part["sent"]:
        doc.p(_("本月没有向社区派发的任务。"))
        return
    doc.p(
        _(
            "本月各单位向社区派发任务{sent}件，其中未引用准入清单事项、在门口拒收{refused}件，"
            "社区标记为清单外任务{flagged}件："
        ).format(sent=part["sent"], refused=part["refused"], flagged=part["flagged"])
    )
    doc.blocks.append(
        Table(
            columns=[_("派发单位"), _("派发"), _("门口拒收"), _("被社区标记")],
            rows=[
                [r["name"], str(r["sent"]), str(r["refused"]), str(r["flagged"])]
                for r in part["rows"]
            ],
            widths=[4, 2, 2, 2],
            align=["left", "right", "right", "right"],
        )
    )
    if part["senders"] > len(part["rows"]):
        doc.p(_("（另有{n}个单位，略。）").format(n=part["senders"] - len(part["rows"])))


def _requirements(doc: CircularDocument, f: dict[str, Any]) -> None:
    doc.h1(_("八、工作要求") if "community_tasks" in f else _("七、工作要求"))
    doc.p(
        _(
            "（一）各区级部门要对照本通报，逐件分析评议失分和超期、退回事件的原因，严格按时限报到、办理和反馈，"
            "切实提高响应率和办结质量。排名后三位的部门要在下月10日前向呼应办书面报告原因和整改措施。"
        )
    )
    doc.p(
        _(
            "（二）各街道要规范对口呼叫，准确选择承办部门，按时核查、回访，逐件如实评议，杜绝感情分、人情分。"
        )
    )
    doc.p(_("（三）呼应办将持续跟踪超期、督办和重启事件，对问题突出的部门和街道提请区领导督办。"))
