"""Chinese first, English through Django's i18n: the catalogue is complete and in step with
the sources, pages render in English when asked, and the switcher changes the language.

The .po is read by the small parser below (no polib); the .mo is read with the standard
library's ``gettext``. ``makemessages`` needs GNU gettext (xgettext): without it the sync
test skips locally and fails in CI (``CI`` set), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import gettext
import io
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from huying.cases import services
from huying.cases.models import Assignment, Case, CaseEvent, CaseState, ExportState
from huying.cases.selectors import CaseFilters
from huying.cases.tasks import case_export_start
from huying.cases.tests.helpers import case_in_state, fixed_case, submit
from huying.catalogue.models import CatalogueClass, CatalogueItem
from huying.conftest import MONDAY_10AM, World
from huying.core.i18n import JS_STRINGS, js_catalogue
from huying.core.models import Notification
from huying.org.models import OrgUnit

PACKAGE = Path(__file__).resolve().parents[2]
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
JS_FILES = [
    PACKAGE / "cases" / "static" / "phone" / "phone.js",
    PACKAGE / "cases" / "static" / "cases" / "map.js",
    PACKAGE / "cases" / "static" / "cases" / "case_map.js",
    PACKAGE / "grid" / "static" / "grid" / "patrol_map.js",
    PACKAGE / "reports" / "static" / "reports" / "dashboard.js",
]
#: Chinese characters and punctuation (、。「」（）：；), as left by an untranslated string; not
#: the ideographic space, which pads forms and indents options in either language.
CJK = re.compile(r"[\u3001-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")


# --- a small .po reader -------------------------------------------------------------------


@dataclass
class Entry:
    context: str | None
    msgid: str
    plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return self.context, self.msgid


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    body = text.strip()
    assert body.startswith('"') and body.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header, msgid "", left out)."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        obsolete = False
        current = None
        for raw in block.splitlines():
            line = raw
            if line.startswith("#~"):
                obsolete, line = True, line[2:].strip()
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
                continue
            if not line or line.startswith("#"):
                continue
            match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
            if match:
                current = match.group(1)
                fields[current] = _unquote(match.group(2))
            else:
                assert current is not None, f"{path}: cannot read {raw!r}"
                fields[current] += _unquote(line)
        if "msgid" not in fields or fields["msgid"] == "":
            continue
        msgstr = [fields[k] for k in sorted(k for k in fields if k.startswith("msgstr"))]
        entries.append(
            Entry(
                context=fields.get("msgctxt"),
                msgid=fields["msgid"],
                plural=fields.get("msgid_plural"),
                msgstr=msgstr,
                flags=flags,
                obsolete=obsolete,
            )
        )
    return entries


def active(entries: list[Entry]) -> dict[tuple[str | None, str], Entry]:
    return {e.key: e for e in entries if not e.obsolete}


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]|\{\w*\}", text))


# --- (a) the English catalogue is complete -------------------------------------------------


def test_every_msgid_has_an_english_translation() -> None:
    entries = active(read_po(PO))
    assert len(entries) > 500  # the whole UI, not a handful
    fuzzy = [e.msgid for e in entries.values() if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy[:10]}"
    empty = [e.msgid for e in entries.values() if not e.msgstr or not all(e.msgstr)]
    assert not empty, f"untranslated: {empty[:10]}"
    plurals = [e.msgid for e in entries.values() if e.plural is not None and len(e.msgstr) != 2]
    assert not plurals, f"English needs two plural forms: {plurals[:10]}"
    # English, not the Chinese copied over: a translation may quote data, never be Chinese.
    chinese = [e.msgid for e in entries.values() if any(CJK.search(s) for s in e.msgstr)]
    assert not chinese, f"translations still in Chinese: {chinese[:10]}"


def test_translations_keep_their_placeholders() -> None:
    """A dropped or renamed ``{name}`` / ``%(name)s`` breaks the page (KeyError) in English."""
    wrong = [
        (e.msgid, s)
        for e in active(read_po(PO)).values()
        for s in e.msgstr
        if _placeholders(s) != _placeholders(e.msgid)
    ]
    assert not wrong, wrong[:10]


def test_the_compiled_catalogue_matches_the_po() -> None:
    """The committed .mo (for machines without gettext) is compiled from the committed .po."""
    with MO.open("rb") as handle:
        mo = gettext.GNUTranslations(handle)
    stale = []
    for e in active(read_po(PO)).values():
        msgid = e.msgid if e.context is None else f"{e.context}\x04{e.msgid}"
        if e.plural is None:
            got = [mo.gettext(msgid)]
        else:
            got = [mo.ngettext(msgid, e.plural, 1), mo.ngettext(msgid, e.plural, 2)]
        if got != e.msgstr:
            stale.append(e.msgid)
    assert not stale, f"run `huying compilemessages` (in huying/): {stale[:5]}"


# --- (b) the catalogue is in step with the sources -----------------------------------------


def _fresh_catalogue(tmp_path: Path) -> Path:
    """``makemessages`` over a copy of the package with no catalogue: every msgid the code
    and the templates have now."""
    if shutil.which("xgettext") is None or shutil.which("msguniq") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) not found: .ci/run installs the gettext package")
        pytest.skip("GNU gettext not installed (apt-get install gettext)")
    copy = tmp_path / "huying"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "locale", "vendor", "*.mo", "*.po"),
    )
    (copy / "locale").mkdir()
    cwd = Path.cwd()
    os.chdir(copy)  # makemessages works on the current directory, like `cd huying`
    try:
        call_command(
            "makemessages",
            locale=["en"],
            ignore_patterns=[".venv", "node_modules"],
            verbosity=0,
        )
    finally:
        os.chdir(cwd)
    return copy / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_the_po_has_every_msgid_of_the_sources(settings: Any, tmp_path: Path) -> None:
    settings.LOCALE_PATHS = [tmp_path / "huying" / "locale"]
    fresh = active(read_po(_fresh_catalogue(tmp_path)))
    committed = active(read_po(PO))
    missing = sorted(
        (f"{ctx}: {msgid}" if ctx else msgid) for ctx, msgid in fresh.keys() - committed.keys()
    )
    assert not missing, (
        "msgids missing from huying/locale/en/LC_MESSAGES/django.po — run `huying makemessages "
        "-l en --ignore=.venv --ignore=node_modules` in huying/, translate, then `huying "
        "compilemessages`:\n" + "\n".join(missing[:30])
    )
    assert len(fresh) > 500


def _js_literals(path: Path) -> set[str]:
    """The string literals of a script with Chinese in them (comments left out)."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"(^|\s)//[^\n]*", r"\1", text)
    return {m for m in re.findall(r'"((?:[^"\\\n]|\\.)*)"', text) if CJK.search(m)}


def test_the_javascript_text_is_in_the_catalogue() -> None:
    """Every Chinese string in phone.js (group "phone"), in map.js, case_map.js and
    patrol_map.js (group "map") and in dashboard.js (group "dashboard") is in that group of ``JS_STRINGS``, nothing there is unused, and each has
    an English translation; in Chinese the pages carry no catalogue at all."""
    scripts = {"phone": JS_FILES[:1], "map": JS_FILES[1:4], "dashboard": JS_FILES[4:]}
    committed = active(read_po(PO))
    for group, files in scripts.items():
        used = set().union(*(_js_literals(p) for p in files))
        listed = set(JS_STRINGS[group])
        assert used - listed == set(), f"add these to huying.core.i18n.JS_STRINGS[{group!r}]"
        assert listed - used == set(), f"unused in the {group} scripts"
        assert all((None, s) in committed for s in listed)
        with translation.override("en"):
            catalogue = js_catalogue(group)
        assert set(catalogue) == listed
        assert not [k for k, v in catalogue.items() if CJK.search(v)]
        with translation.override("zh-hans"):
            assert js_catalogue(group) == {}
    with translation.override("en"):
        assert js_catalogue("map")["正在加载事件…"] == "Loading cases…"


# --- (c) pages in English ------------------------------------------------------------------


def _data_texts(world: World) -> set[str]:
    """Text that is data, not UI: names of units, items, people; what cases say."""
    texts = set(OrgUnit.objects.values_list("name", flat=True))
    texts |= set(CatalogueItem.objects.values_list("name", flat=True))
    texts |= set(CatalogueClass.objects.values_list("name", flat=True))
    texts |= set(CatalogueItem.objects.values_list("klass__catalogue__name", flat=True))
    texts |= {a.user.first_name for a in world.actors.values()}
    texts |= set(CaseEvent.objects.values_list("reason", flat=True))
    texts |= set(Assignment.objects.values_list("result_text", flat=True))
    for title, description, address in Case.objects.values_list("title", "description", "address"):
        texts |= {title, description, address}
    texts.add("简体中文")  # the switcher names each language in itself
    return {t for t in texts if t}


def untranslated(html: str, world: World) -> list[str]:
    """Chinese left on a page once the data is taken out: UI text that was not translated.
    (The scripts' catalogue is keyed by the Chinese source text: left out too.)"""
    html, _strings = _without_js_strings(html)
    text = re.sub(r'<span class="brand-mark" aria-hidden="true">呼</span>', "", html)
    for data in sorted(_data_texts(world), key=len, reverse=True):
        text = text.replace(data, "")
    return CJK.findall(text)


@pytest.fixture
def english() -> dict[str, str]:
    """Request headers of a browser that prefers English (conftest resets the language)."""
    return {"Accept-Language": "en"}


def _without_js_strings(html: str) -> tuple[str, dict[str, str]]:
    """The page without its ``{% js_strings %}`` catalogue (keyed by Chinese source text),
    and that catalogue."""
    match = re.search(r'<script id="js-strings" type="application/json">(.*?)</script>', html, re.S)
    if match is None:
        return html, {}
    return html.replace(match.group(0), ""), json.loads(match.group(1))


def _get(world: World, who: str | None, url: str, headers: dict[str, str]) -> str:
    client = Client()
    if who:
        client.force_login(world.actor(who).user)
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.django_db
def test_the_login_page_in_english(world: World, english: dict[str, str]) -> None:
    html = _get(world, None, "/login/", english)
    assert '<html lang="en">' in html
    assert "Sign in" in html and "User name" in html and "Password" in html
    assert "登录" not in html and "用户名" not in html
    assert untranslated(html, world) == []


@pytest.mark.django_db
def test_a_street_workbench_in_english(world: World, english: dict[str, str]) -> None:
    case_in_state(world, CaseState.VERIFYING)
    case_in_state(world, CaseState.SUBMITTED)
    html = _get(world, "street", "/", english)
    assert "Workbench" in html and "Awaiting verification" in html
    assert "Awaiting triage" in html and "By community" in html and "Street caller" in html
    assert "工作台" not in html and "待核查" not in html and "按社区统计" not in html
    assert untranslated(html, world) == []


@pytest.mark.django_db
def test_a_case_detail_with_its_action_forms_in_english(
    world: World, english: dict[str, str]
) -> None:
    case = case_in_state(world, CaseState.VERIFYING)
    html = _get(world, "street", f"/cases/{case.pk}/", english)
    assert "Overview" in html and "Available actions" in html and "Trail" in html
    assert "Pass verification" in html and "Send back for rework" in html  # the action forms
    assert "Result submitted" in html and "Lead" in html and "Report-in deadline" in html
    assert "可执行的操作" not in html and "核查通过" not in html and "基本情况" not in html
    assert untranslated(html, world) == []
    # A folded panel's form, fetched when it is opened, is in English too.
    panel = _get(world, "street", f"/cases/{case.pk}/act/rework", {**english, "HX-Request": "true"})
    assert "<form" in panel and "Send back for rework" in panel
    assert untranslated(panel, world) == []

    # A refused action comes back as its form, in English, and still serialises as JSON
    # through the API.
    client = Client()
    client.force_login(world.actor("street").user)
    response = client.post(
        f"/cases/{case.pk}/act/rework",
        {"c-rework-expected_version": case.version, "c-rework-reason": ""},
        headers={**english, "HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    api = client.post(
        f"/api/v1/cases/{case.pk}/triage",
        {"item_id": world.items[2].pk},
        content_type="application/json",
        headers=english,
    )
    assert api.status_code == 409
    assert api.json()["error"]["code"] == "invalid_transition"
    assert api.json()["error"]["message"] == "“Triage” is not possible in the current status"


@pytest.mark.django_db
def test_the_phone_report_page_in_english(world: World, english: dict[str, str]) -> None:
    html = _get(world, "resident", "/m/report", english)
    assert "Report" in html and "Problem in brief" in html and "Use my location" in html
    assert "Not sure: let the staff decide" in html and "Submit" in html
    assert "反映问题" not in html and "获取当前位置" not in html
    # The script's text comes with the page, already in English.
    html, strings = _without_js_strings(html)
    assert strings["定位中…"] == "Locating…"
    assert untranslated(html, world) == []


@pytest.mark.django_db
def test_more_pages_have_no_chinese_ui_text_in_english(
    world: World, english: dict[str, str]
) -> None:
    """Every role's main pages: the only Chinese left is data."""
    working = case_in_state(world, CaseState.IN_PROGRESS)
    follow_up = case_in_state(world, CaseState.FOLLOW_UP)
    waiting = case_in_state(world, CaseState.SUBMITTED)  # 疑似重复: the working case
    fixed = fixed_case(world)
    pages = [
        (None, "/"),
        (None, "/m/track"),
        ("street", "/cases/"),
        ("street", "/cases/?level=9"),
        ("street", "/cases/map/"),
        ("street", f"/cases/{working.pk}/call-sheet/"),
        ("street", "/reports/"),
        ("hub", "/reports/wall/"),
        ("dept_cg", "/reports/"),
        ("hub", "/"),
        ("hub", f"/cases/{working.pk}/"),
        ("street", f"/cases/{waiting.pk}/"),
        ("hub", "/cases/warnings/"),
        ("dept_cg", "/"),
        ("dept_cg", f"/cases/{working.pk}/"),
        ("leader", "/"),
        ("grid_worker", "/m/"),
        ("grid_worker", "/m/patrol/"),
        ("resident", "/m/"),
        ("resident", f"/m/c/{follow_up.number}"),
        ("street_chief", "/m/"),
        ("street_chief", "/m/fixed"),
        ("street_chief", f"/m/c/{fixed.number}/sent"),
        ("admin", "/manage/catalogue/"),
        ("admin", f"/manage/catalogue/{world.items[1].klass.catalogue_id}/"),
        ("admin", f"/manage/catalogue/items/{world.items[1].pk}/"),
        ("admin", "/manage/org/departments/"),
        ("admin", f"/manage/org/departments/{world.departments['cg'].pk}/"),
        ("admin", "/manage/org/grids/"),
        ("admin", f"/manage/org/grids/{world.grids[0].pk}/"),
    ]
    left = {}
    for who, url in pages:
        client = Client()
        if who:
            client.force_login(world.actor(who).user)
        response = client.get(url, headers=english)
        assert response.status_code in {200, 400}, (url, response.status_code)
        html, _strings = _without_js_strings(response.content.decode())
        found = untranslated(html, world)
        if found:
            left[url] = found
    assert not left


# --- (d) the switcher ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_switcher_changes_the_language(world: World) -> None:
    client = Client()
    client.force_login(world.actor("street").user)
    page = client.get("/cases/").content.decode()
    assert '<html lang="zh-CN">' in page
    assert 'action="/i18n/setlang/"' in page and 'name="language"' in page
    assert '<option value="en" lang="en" >English</option>' in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/cases/").content.decode()
    assert '<html lang="en">' in page and "Filter cases" in page
    assert '<option value="en" lang="en" selected>English</option>' in page

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/cases/"})
    page = client.get("/cases/").content.decode()
    assert '<html lang="zh-CN">' in page and "筛选事件" in page
    translation.deactivate()


@pytest.mark.django_db
def test_anyone_can_switch_on_the_phone_pages(world: World) -> None:
    client = Client()
    page = client.get("/m/track").content.decode()
    assert 'id="lang-switch"' in page  # no account needed
    client.post("/i18n/setlang/", {"language": "en", "next": "/m/track"})
    page = client.get("/m/track").content.decode()
    assert "Track the progress of a case" in page
    manifest = client.get("/m/manifest.webmanifest").json()
    assert manifest["short_name"] == "Huying" and manifest["lang"] == "en"
    translation.deactivate()


# --- what is stored stays in the site's language ------------------------------------------


@pytest.mark.django_db
def test_notifications_use_the_site_language_whoever_triggers_them(world: World) -> None:
    """An English-speaking street caller's call still notifies the department in the
    district's language: the text goes to other people, and into the database."""
    case = submit(world)
    street = world.actor("street")
    services.case_triage(actor=street, case_id=case.pk, item_id=world.items[2].pk, now=MONDAY_10AM)
    with translation.override("en"):
        services.case_call(actor=street, case_id=case.pk, now=MONDAY_10AM)
    message = Notification.objects.filter(kind="dispatched").values_list("message", flat=True)[0]
    assert message == f"【{case.number}】对口呼叫（主办）：路灯不亮，请按时报到"


@pytest.mark.django_db
def test_system_reasons_are_recorded_in_chinese_and_shown_translated(
    world: World, english: dict[str, str]
) -> None:
    from huying.cases.sweep import sweep_deadlines

    case = case_in_state(world, CaseState.IN_PROGRESS)
    a = Assignment.objects.get(case=case)
    assert a.due_at is not None
    sweep_deadlines(now=a.due_at.replace(year=a.due_at.year + 1))
    event = CaseEvent.objects.get(case=case, action="assignment.overdue")
    assert event.reason == "报到超期"  # the trail records the source text
    html = _get(world, "hub", f"/cases/{case.pk}/", english)
    assert "Report-in overdue" in html and "报到超期" not in html


@pytest.mark.django_db
def test_exports_are_written_in_the_requesters_language(
    world: World,
    english: dict[str, str],
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The workbook reads like the page it came from: at once, and from the worker, which is
    told the language of the request that queued the job."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path
    case_in_state(world, CaseState.IN_PROGRESS)
    client = Client()
    client.force_login(world.actor("street").user)
    response: Any = client.post("/cases/export/", headers=english)  # a FileResponse
    assert 'filename="cases-' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet is not None and sheet.title == "Cases"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Number", "Title", "Matter", "Level", "Status")
    assert rows[1][3:6] == ("General", "With departments", "Direct call")

    translation.deactivate()  # the request above left English active in this thread
    with django_capture_on_commit_callbacks() as queued, translation.override("en"):
        export = case_export_start(
            actor=world.actor("street"), filters=CaseFilters(), total=1, now=MONDAY_10AM
        )
    assert translation.get_language() == "zh-hans"
    for run in queued:  # the worker runs it later, in no particular language
        run()
    export.refresh_from_db()
    assert export.state == ExportState.DONE
    with export.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert sheet is not None and sheet["A1"].value == "Number"
