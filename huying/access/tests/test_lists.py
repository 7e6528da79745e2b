"""The three lists and the procedure that changes them (申请、核准、退出): what a draft takes,
what publishing makes current, who may do what, and bad input changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huying.access import selectors, services
from huying.access.models import (
    AccessItem,
    AccessList,
    Application,
    ApplicationAction,
    ApplicationState,
    ListKind,
)
from huying.access.tests.helpers import publish_lists
from huying.conftest import MONDAY_10AM, World
from huying.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from huying.core.models import ChangeLog

pytestmark = pytest.mark.django_db

LATER = MONDAY_10AM + timedelta(days=1)


def _apply(world: World, who: str = "dept_cg", **kw: object) -> Application:
    values: dict[str, object] = {
        "kind": ListKind.ASSIST,
        "title": "协助开展食品安全宣传",
        "legal_basis": "《食品安全法》第十条",
        "funding": "每年 2 万元，由市场监管局拨付",
        "staffing": "市场监管所联络员 1 名",
        **kw,
    }
    return services.application_submit(actor=world.actor(who), now=MONDAY_10AM, **values)  # type: ignore[arg-type]


def _titles(kind: str) -> list[str]:
    return list(selectors.current_items(kind).values_list("title", flat=True))


def test_publishing_makes_the_draft_current_and_the_next_draft_copies_it(world: World) -> None:
    items = publish_lists(world)
    duty = AccessList.objects.get(kind=ListKind.DUTY, is_current=True)
    assert duty.version == 1 and duty.published_at == MONDAY_10AM
    assert selectors.draft_list(ListKind.DUTY) is None
    hub = world.actor("hub")
    added = services.item_add(
        actor=hub,
        kind=ListKind.DUTY,
        title="开展社区民主协商",
        legal_basis="《城市居民委员会组织法》",
        now=LATER,
    )
    # The draft v2 holds the old item (copied) and the new one; v1 is still what is in force.
    assert added.access_list.version == 2
    assert set(added.access_list.items.values_list("title", flat=True)) == {
        items[ListKind.DUTY].title,
        "开展社区民主协商",
    }
    assert _titles(ListKind.DUTY) == [items[ListKind.DUTY].title]
    services.list_publish(actor=hub, kind=ListKind.DUTY, now=LATER)
    assert _titles(ListKind.DUTY) == [items[ListKind.DUTY].title, "开展社区民主协商"]
    assert not AccessList.objects.get(pk=duty.pk).is_current
    # The items are numbered per kind, and keep their codes across versions.
    assert list(selectors.current_items(ListKind.DUTY).values_list("code", flat=True)) == [
        "LZ01",
        "LZ02",
    ]
    assert ChangeLog.objects.filter(action="access.list.publish").count() == 5  # 4 kinds + v2


def test_each_kind_requires_its_own_fields(world: World) -> None:
    hub = world.actor("hub")
    with pytest.raises(InvalidInput) as assist:
        services.item_add(
            actor=hub, kind=ListKind.ASSIST, title="协助征兵", legal_basis="《兵役法》"
        )
    assert assist.value.details["field"] == "funding"
    with pytest.raises(InvalidInput) as staff:
        services.item_add(
            actor=hub, kind=ListKind.ASSIST, title="协助征兵", legal_basis="《兵役法》", funding="x"
        )
    assert staff.value.details["field"] == "staffing"
    with pytest.raises(InvalidInput) as cert:
        services.item_add(
            actor=hub, kind=ListKind.CERTIFICATE, title="无犯罪记录证明", legal_basis="国办发"
        )
    assert cert.value.details["field"] == "alternative"
    with pytest.raises(InvalidInput) as basis:
        services.item_add(actor=hub, kind=ListKind.DUTY, title="调解纠纷", legal_basis="  ")
    assert basis.value.details["field"] == "legal_basis"
    with pytest.raises(InvalidInput):
        services.item_add(actor=hub, kind="other", title="调解纠纷", legal_basis="x")
    # A DUTY item does not keep what only other kinds say.
    duty = services.item_add(
        actor=hub,
        kind=ListKind.DUTY,
        title="调解民间纠纷",
        legal_basis="《人民调解法》",
        funding="不相干",
        alternative="不相干",
    )
    assert (duty.funding, duty.alternative) == ("", "")
    assert AccessItem.objects.count() == 1


def test_only_the_hub_keeps_the_lists_and_a_title_is_listed_once(world: World) -> None:
    publish_lists(world)
    for who in ("dept_cg", "street", "community", "admin"):
        with pytest.raises(PermissionDenied):
            services.item_add(
                actor=world.actor(who), kind=ListKind.DUTY, title="某事项", legal_basis="某法"
            )
        with pytest.raises(PermissionDenied):
            services.list_publish(actor=world.actor(who), kind=ListKind.DUTY)
    with pytest.raises(RuleViolation):
        services.item_add(
            actor=world.actor("hub"),
            kind=ListKind.DUTY,
            title="组织开展居民自治活动",
            legal_basis="重复",
        )
    # Nothing to publish: no draft, or an empty one.
    with pytest.raises(InvalidTransition):
        services.list_publish(actor=world.actor("hub"), kind=ListKind.CERTIFICATE)


def test_an_approved_application_goes_into_the_draft_and_is_in_force_when_published(
    world: World,
) -> None:
    publish_lists(world)
    application = _apply(world)
    assert application.state == ApplicationState.PENDING
    assert application.department == world.departments["cg"]
    decided = services.application_decide(
        actor=world.actor("hub"), application_id=application.pk, approve=True, now=LATER
    )
    assert decided.state == ApplicationState.APPROVED and decided.version == 2
    assert decided.draft is not None and decided.draft.version == 2
    item = decided.draft.items.get(title="协助开展食品安全宣传")
    assert (item.code, item.department, item.funding, item.staffing) == (
        "XZ02",
        world.departments["cg"],
        "每年 2 万元，由市场监管局拨付",
        "市场监管所联络员 1 名",
    )
    assert "协助开展食品安全宣传" not in _titles(ListKind.ASSIST)
    services.list_publish(actor=world.actor("hub"), kind=ListKind.ASSIST, now=LATER)
    assert "协助开展食品安全宣传" in _titles(ListKind.ASSIST)


def test_a_refusal_needs_a_reason_and_changes_no_list(world: World) -> None:
    publish_lists(world)
    application = _apply(world)
    with pytest.raises(InvalidInput):
        services.application_decide(
            actor=world.actor("hub"), application_id=application.pk, approve=False, reason=" "
        )
    assert Application.objects.get(pk=application.pk).state == ApplicationState.PENDING
    refused = services.application_decide(
        actor=world.actor("hub_sup"),
        application_id=application.pk,
        approve=False,
        reason="属部门自身职责，不应交由社区承担",
        now=LATER,
    )
    assert refused.state == ApplicationState.REFUSED
    assert refused.decision_reason == "属部门自身职责，不应交由社区承担"
    assert selectors.draft_list(ListKind.ASSIST) is None
    with pytest.raises(InvalidTransition):
        services.application_decide(
            actor=world.actor("hub"), application_id=application.pk, approve=True
        )


def test_withdrawal_takes_the_item_out_of_the_next_version(world: World) -> None:
    items = publish_lists(world)
    code = items[ListKind.CERTIFICATE].code
    with pytest.raises(InvalidInput) as no_reason:
        _apply(world, kind=ListKind.CERTIFICATE, action=ApplicationAction.WITHDRAW, code=code)
    assert no_reason.value.details["field"] == "reason"
    with pytest.raises(InvalidInput):
        _apply(world, action=ApplicationAction.WITHDRAW, code="XZ99", reason="已不需要")
    application = _apply(
        world,
        kind=ListKind.CERTIFICATE,
        action=ApplicationAction.WITHDRAW,
        code=code,
        reason="已由公安机关在线核验，不再需要列明",
    )
    assert application.title == items[ListKind.CERTIFICATE].title
    services.application_decide(
        actor=world.actor("hub"), application_id=application.pk, approve=True, now=LATER
    )
    assert _titles(ListKind.CERTIFICATE) == [items[ListKind.CERTIFICATE].title]
    draft = selectors.draft_list(ListKind.CERTIFICATE)
    assert draft is not None and not draft.items.exists()
    # An empty list is not published.
    with pytest.raises(InvalidInput):
        services.list_publish(actor=world.actor("hub"), kind=ListKind.CERTIFICATE)
    log = ChangeLog.objects.get(action="access.item.withdraw")
    assert log.after == {"reason": "已由公安机关在线核验，不再需要列明"}
    assert log.before is not None and log.before["code"] == code


def test_the_hub_withdraws_an_item_itself_with_a_reason(world: World) -> None:
    items = publish_lists(world)
    hub = world.actor("hub")
    with pytest.raises(InvalidInput):
        services.item_withdraw(
            actor=hub, kind=ListKind.DUTY, code=items[ListKind.DUTY].code, reason=""
        )
    with pytest.raises(RuleViolation):
        services.item_withdraw(actor=hub, kind=ListKind.DUTY, code="LZ99", reason="不存在")
    with pytest.raises(PermissionDenied):
        services.item_withdraw(
            actor=world.actor("dept_cg"), kind=ListKind.DUTY, code="LZ01", reason="越权"
        )
    services.item_withdraw(actor=hub, kind=ListKind.DUTY, code="LZ01", reason="职责已调整")
    draft = selectors.draft_list(ListKind.DUTY)
    assert draft is not None and not draft.items.exists()


def test_who_applies_and_who_reviews(world: World) -> None:
    for who in ("street", "community", "hub", "resident"):
        with pytest.raises(PermissionDenied):
            _apply(world, who)
    application = _apply(world)
    for who in ("dept_cg", "dept_cg_leader", "street", "admin"):
        with pytest.raises(PermissionDenied):
            services.application_decide(
                actor=world.actor(who), application_id=application.pk, approve=True
            )
    # A department sees its own applications only; another's is a 404.
    assert list(selectors.applications_visible_to(world.actor("dept_cg_leader"))) == [application]
    assert not selectors.applications_visible_to(world.actor("dept_sw")).exists()
    with pytest.raises(NotFound):
        selectors.application_get(world.actor("dept_sw"), application.pk)
    assert not selectors.applications_visible_to(world.actor("community")).exists()


def test_a_stale_review_is_refused(world: World) -> None:
    publish_lists(world)
    application = _apply(world)
    with pytest.raises(Conflict):
        services.application_decide(
            actor=world.actor("hub"), application_id=application.pk, approve=True, version=7
        )
    assert Application.objects.get(pk=application.pk).state == ApplicationState.PENDING
    assert selectors.draft_list(ListKind.ASSIST) is None


def test_an_approval_that_the_list_refuses_changes_nothing(world: World) -> None:
    publish_lists(world)
    application = _apply(world, title="协助开展人口普查")  # already listed
    with pytest.raises(RuleViolation):
        services.application_decide(
            actor=world.actor("hub"), application_id=application.pk, approve=True
        )
    assert Application.objects.get(pk=application.pk).state == ApplicationState.PENDING
    assert selectors.draft_list(ListKind.ASSIST) is None
    assert not ChangeLog.objects.filter(action="access.application.decide").exists()
