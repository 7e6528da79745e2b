"""Translation helpers (the UI's source language is Simplified Chinese; English through
Django's i18n, ``huying/locale``).

Text shown to the person making the request is translated into their language. Text that
is stored or sent to other people — notifications, the reasons the system writes into a
case's trail — is written in the site's language (``LANGUAGE_CODE``), whoever triggered it:
see :func:`site_text`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, pgettext


def join_list(items: Iterable[Any]) -> str:
    """Items as a list in running text: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    return pgettext("list separator", "、").join(str(item) for item in items)


def site_text(message: Any) -> str:
    """A lazy (or plain) message rendered in the site's language, for text that is stored
    or sent rather than shown to the person whose request produced it."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


# --- text of the static JavaScript ------------------------------------------------------------
#
# phone.js, map.js and case_map.js keep their Chinese source text and look each string up
# with ``t("…")`` in a catalogue the page carries ({% js_strings "phone" %} or "map": a JSON
# script of that group's translations in the active language). No extra request, and a phone
# page the service worker replays offline still has its text. In Chinese the catalogue is
# empty: ``t()`` falls back on the source text. A test checks that these lists and the
# strings in the files agree. ``{name}`` placeholders are filled in by ``t()``.
_REFUSAL = (
    # a refusal with its details (phone.js, map.js)
    gettext_noop("{message}：{details}"),
    gettext_noop("；"),
)
JS_STRINGS: dict[str, tuple[str, ...]] = {
    # phone.js: the offline queue, GPS, category hints
    "phone": (
        gettext_noop("离线保存的反映已发送，事件编号 {number}，查询码 {code}"),
        gettext_noop("一条离线反映未被受理：{reason}"),
        gettext_noop("还有 {count} 条反映等待联网发送"),
        gettext_noop("定位中…"),
        gettext_noop("已定位（精度约 {metres} 米）"),
        gettext_noop("无法定位，请在地图上点选或填写地点"),
        gettext_noop("已在地图上选点"),
        gettext_noop("位于：{street} {community} {grid}"),
        gettext_noop("这个位置不在本区的网格内，工作人员会按地址判断"),
        gettext_noop("可能是：{item}"),
        gettext_noop("提交失败"),
        gettext_noop("无网络：反映已保存在手机上，联网后自动发送"),
        *_REFUSAL,
    ),
    # map.js (the case map page) and case_map.js (the case detail's mini-map)
    "map": (
        gettext_noop("待研判/待派单"),
        gettext_noop("处置中"),
        gettext_noop("挂账"),
        gettext_noop("核查/回访"),
        gettext_noop("已结案"),
        gettext_noop("不予受理/已合并"),
        gettext_noop("{name}（{code}）"),
        gettext_noop("加载失败"),
        gettext_noop("加载失败（HTTP {status}）"),
        gettext_noop("事件（聚合点）"),
        gettext_noop("热力图"),
        gettext_noop("网格边界"),
        gettext_noop("正在加载事件…"),
        gettext_noop("网格 {count} 个"),
        gettext_noop("网格：{message}"),
        gettext_noop("筛选条件有误，未加载事件"),
        gettext_noop("显示最近的 {count} 件有坐标的事件（符合条件的还有更多，请缩小筛选范围）"),
        gettext_noop("有坐标的事件 {count} 件"),
        gettext_noop("没有符合条件且有坐标的事件"),
        gettext_noop("事件：{message}"),
        gettext_noop("该事件没有可显示的位置（无坐标，所在网格无边界）。"),
        gettext_noop("事件位置"),
        gettext_noop("地图按 {system} 显示（已换算）。"),
        gettext_noop("地图加载失败：{message}"),
        gettext_noop("反复发生预警"),
        gettext_noop("反复发生预警（圈越大次数越多）"),
        gettext_noop("反复发生预警 {count} 处"),
        gettext_noop("反复发生预警 {count} 处，地图上是次数最多的 {shown} 处"),
        gettext_noop("较早 {count} 件、"),
        gettext_noop("没有反复发生预警"),
        gettext_noop("预警：{message}"),
        gettext_noop("{item} · {place}：{count} 次"),
        gettext_noop("事项：{item}"),
        gettext_noop("网格：{place}"),
        gettext_noop("{count} 次 / {days} 天"),
        gettext_noop("首次 {first}，最近 {last}"),
        gettext_noop("、"),
        gettext_noop("系统性问题："),
        gettext_noop("预警清单"),
        gettext_noop("开启系统性治理"),
        # patrol_map.js (a patrol's track)
        gettext_noop("这次巡查没有轨迹。"),
        gettext_noop("起点"),
        gettext_noop("终点"),
        *_REFUSAL,
    ),
    # dashboard.js (统计 and 大屏)
    "dashboard": (
        gettext_noop("{first} 至 {last}"),
        gettext_noop("上报"),
        gettext_noop("不排名"),
        gettext_noop("办结反馈"),
        gettext_noop("加载失败（HTTP {status}）"),
        gettext_noop("加载失败：{message}"),
        gettext_noop("即将超期"),
        gettext_noop("受理"),
        gettext_noop("各网格上报热力：{count} 个网格"),
        gettext_noop("在办"),
        gettext_noop("当前在办"),
        gettext_noop("当前没有超期事件"),
        gettext_noop("当前超期"),
        gettext_noop("报到"),
        gettext_noop("按时办结"),
        gettext_noop("按时办结率"),
        gettext_noop("按时报到率"),
        gettext_noop("按期结案率"),
        gettext_noop("新增超期"),
        gettext_noop("暂无评议"),
        gettext_noop("另有 {count} 个部门当月无评议。"),
        gettext_noop("此刻"),
        gettext_noop("派单"),
        gettext_noop("满意率"),
        gettext_noop("结案"),
        gettext_noop("趋势：{from} 至 {to}"),
        gettext_noop("退回成立"),
        gettext_noop("；"),
    ),
}


def js_catalogue(group: str) -> dict[str, str]:
    """A group of the JavaScript's strings in the active language, keyed by their source
    text; only those that differ from it (none in Chinese)."""
    translated = {text: gettext(text) for text in JS_STRINGS[group]}
    return {text: value for text, value in translated.items() if value != text}
