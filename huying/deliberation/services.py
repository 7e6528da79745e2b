"""Writes of 众人议事. Each is one transaction; a step the rules refuse, bad input or a stale
page changes nothing. Staff steps compare-and-set the proposal's ``version``; supports and
votes are rows under unique constraints (one per person), counted when needed, so two
residents acting at once never lose a count. Every step is in the change log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from huying.cases.models import Case
from huying.cases.services.engine import check_files
from huying.cases.services.intake import case_submit
from huying.core.changelog import change_record
from huying.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from huying.core.files import CheckedFile
from huying.deliberation import rules, selectors
from huying.deliberation.models import (
    Ballot,
    Comment,
    CommunityRule,
    MenuOption,
    Project,
    ProjectState,
    ProjectUpdate,
    ProjectUpdatePhoto,
    Proposal,
    ProposalKind,
    ProposalPhoto,
    ProposalState,
    Recognition,
    RecognitionState,
    Support,
    Voter,
)
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit, Role

S = ProposalState
MAX_COST = Decimal("100000000")


def _text(value: str, field: str, *, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写{label}").format(label=label), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("{label}不能超过 {limit} 字").format(label=label, limit=limit), field=field
        )
    return value


def _committee(actor: Actor) -> OrgUnit:
    if not selectors.is_committee(actor):
        raise PermissionDenied(_("只有本社区居委会工作人员可以办理"))
    return actor.unit


def _resident_community(actor: Actor) -> OrgUnit:
    """The community the acting resident is verified in, or a refusal saying how to be."""
    if actor.role != Role.RESIDENT:
        raise PermissionDenied(_("只有居民可以参与联名支持和投票"))
    community = selectors.verified_community(actor.user)
    if community is None:
        raise PermissionDenied(_("请先申请居民认证，社区核实后才能参与议事"), code="not_verified")
    return community


# --- 居民认证 --------------------------------------------------------------------------------


def recognition_request(
    *, actor: Actor, community_id: int, name: str, address: str, now: datetime | None = None
) -> Recognition:
    """A resident asks to be known as living in a community; its staff then check."""
    now = now or timezone.now()
    if actor.role != Role.RESIDENT:
        raise PermissionDenied(_("只有居民可以申请居民认证"))
    name = _text(name, "name", label=_("姓名"), limit=50)
    address = _text(address, "address", label=_("居住地址"), limit=200)
    community = OrgUnit.objects.filter(
        under("path", actor.reach), pk=community_id, kind=OrgUnit.Kind.COMMUNITY, is_active=True
    ).first()
    if community is None:
        raise InvalidInput(_("请选择所在社区"), field="community_id")
    try:
        with transaction.atomic():
            made = Recognition.objects.create(
                user=actor.user, community=community, name=name, address=address, requested_at=now
            )
            change_record(actor=actor, action="recognition_request", obj=made, now=now)
    except IntegrityError:
        raise InvalidInput(
            _("您已有待核实或已核实的居民认证，不能重复申请"), field="community_id"
        ) from None
    return made


def recognition_decide(
    *,
    actor: Actor,
    recognition_id: int,
    verified: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Recognition:
    """The community's staff verify the resident (they may then support and vote) or
    refuse with the reason the resident is told."""
    now = now or timezone.now()
    community = _committee(actor)
    reason = _text(reason, "reason", label=_("未通过原因"), limit=200, required=not verified)
    target = RecognitionState.VERIFIED if verified else RecognitionState.REFUSED
    with transaction.atomic():
        found = Recognition.objects.filter(pk=recognition_id, community=community).first()
        if found is None:
            raise NotFound(_("认证申请不存在或无权查看"))
        done = Recognition.objects.filter(pk=found.pk, state=RecognitionState.PENDING).update(
            state=target, decided_by=actor.user, decided_at=now, reason=reason
        )
        if not done:
            raise Conflict(_("该申请已处理，请刷新后查看"))
        found.refresh_from_db()
        change_record(
            actor=actor,
            action="recognition_decide",
            obj=found,
            now=now,
            after={"state": target, "reason": reason},
        )
    return found


def community_rule_set(
    *, actor: Actor, support_threshold: int, now: datetime | None = None
) -> CommunityRule:
    """The committee sets how many supports open a deliberation in its community."""
    now = now or timezone.now()
    community = _committee(actor)
    if not 1 <= support_threshold <= 10000:
        raise InvalidInput(_("支持数须在 1 至 10000 之间"), field="support_threshold")
    with transaction.atomic():
        rule, _created = CommunityRule.objects.update_or_create(
            community=community, defaults={"support_threshold": support_threshold}
        )
        change_record(
            actor=actor,
            action="community_rule_set",
            obj=rule,
            now=now,
            after={"support_threshold": support_threshold},
        )
    return rule


# --- proposals ---------------------------------------------------------------------------------


def _cost(value: Decimal | str | int | None) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise InvalidInput(_("估算费用格式不正确"), field="estimated_cost") from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_COST:
        raise InvalidInput(_("估算费用须在 0 至 1 亿元之间"), field="estimated_cost")
    return amount.quantize(Decimal("0.01"))


def _store(folder: str, photos: Sequence[CheckedFile], saved: list[str]) -> list[dict[str, Any]]:
    """Write checked files under generated names; ``saved`` collects them so that the caller
    deletes them if its transaction fails (storage is not transactional)."""
    rows = []
    for c in photos:
        stored = default_storage.save(f"{folder}/{uuid.uuid4().hex}{c.extension}", c.content)
        saved.append(stored)
        rows.append(
            {
                "file": stored,
                "name": c.name,
                "content_type": c.content_type,
                "size": c.size,
                "sha256": c.sha256,
            }
        )
    return rows


def proposal_create(
    *,
    actor: Actor,
    title: str,
    description: str,
    estimated_cost: Decimal | str | int | None = 0,
    kind: str = ProposalKind.YES_NO,
    options: Sequence[str] = (),
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Proposal:
    """A verified resident proposes in their community; the committee in its own. A menu
    (``kind`` ranking) lists the works whose order residents will decide."""
    now = now or timezone.now()
    if selectors.is_committee(actor):
        community, by_committee = actor.unit, True
    else:
        community, by_committee = _resident_community(actor), False
    title = _text(title, "title", label=_("议题"), limit=100)
    description = _text(description, "description", label=_("说明"), limit=4000)
    cost = _cost(estimated_cost)
    if kind not in ProposalKind.values:
        raise InvalidInput(_("表决方式无效"), field="kind")
    labels = [o.strip() for o in options if o and o.strip()]
    if kind == ProposalKind.RANKING:
        if not rules.MIN_OPTIONS <= len(labels) <= rules.MAX_OPTIONS:
            raise InvalidInput(
                _("排序表决的菜单须有 %(min)d 至 %(max)d 个项目")
                % {"min": rules.MIN_OPTIONS, "max": rules.MAX_OPTIONS},
                field="options",
            )
        if len(set(labels)) != len(labels):
            raise InvalidInput(_("菜单有重复项目"), field="options")
        if any(len(label) > 100 for label in labels):
            raise InvalidInput(_("每个项目不能超过 100 字"), field="options")
    elif labels:
        raise InvalidInput(_("赞成 / 反对表决不需要菜单"), field="options")
    photos = check_files(files)
    saved: list[str] = []
    try:
        with transaction.atomic():
            made = Proposal.objects.create(
                community=community,
                kind=kind,
                title=title,
                description=description,
                estimated_cost=cost,
                author=actor.user,
                by_committee=by_committee,
                created_at=now,
            )
            MenuOption.objects.bulk_create(
                MenuOption(proposal=made, position=i, label=label)
                for i, label in enumerate(labels, start=1)
            )
            for row in _store(f"deliberation/{made.pk}", photos, saved):
                ProposalPhoto.objects.create(proposal=made, **row)
            change_record(actor=actor, action="proposal_create", obj=made, now=now)
    except BaseException:
        for stored in saved:
            default_storage.delete(stored)
        raise
    return made


def proposal_add_photos(
    *, actor: Actor, proposal_id: int, files: Sequence[UploadedFile], now: datetime | None = None
) -> Proposal:
    """More photos of the place, by the author or the committee before the vote."""
    now = now or timezone.now()
    if not files:
        raise InvalidInput(_("请选择照片"), field="files")
    if selectors.is_committee(actor):
        proposal = _own(actor, proposal_id)
    else:
        proposal = _resident_proposal(actor, proposal_id)
        if proposal.author_id != actor.user.pk:
            raise PermissionDenied(_("只有提出人和居委会可以补充照片"))
    if proposal.state not in (S.COLLECTING, S.DELIBERATING):
        raise InvalidTransition(_("议题已进入表决，不能再补充照片"))
    photos = check_files(files)
    saved: list[str] = []
    try:
        with transaction.atomic():
            for row in _store(f"deliberation/{proposal.pk}", photos, saved):
                ProposalPhoto.objects.create(proposal=proposal, **row)
            change_record(actor=actor, action="proposal_add_photos", obj=proposal, now=now)
    except BaseException:
        for stored in saved:
            default_storage.delete(stored)
        raise
    return proposal


def _move(proposal: Proposal, action: str, *, version: int | None, **values: Any) -> Proposal:
    """The proposal from its state by ``action`` (``rules.TRANSITIONS``), compare-and-set on
    its state (and version, when the caller saw one)."""
    target = rules.TRANSITIONS.get((proposal.state, action))
    if target is None:
        raise InvalidTransition(
            _("议题当前状态为「{state}」，不能执行此操作").format(
                state=ProposalState(proposal.state).label
            )
        )
    rows = Proposal.objects.filter(pk=proposal.pk, state=proposal.state)
    if version is not None:
        rows = rows.filter(version=version)
    if not rows.update(state=target, version=F("version") + 1, **values):
        raise Conflict(_("该议题已被他人处理，请刷新后重试"))
    proposal.refresh_from_db()
    return proposal


def _own(actor: Actor, proposal_id: int, *, lock: bool = False) -> Proposal:
    """A proposal of the committee's own community (404 for any other); ``lock`` holds its
    row to the end of the transaction (see ``_resident_proposal``)."""
    community = _committee(actor)
    rows = Proposal.objects.select_for_update() if lock else Proposal.objects
    found = rows.filter(pk=proposal_id, community=community).first()
    if found is None:
        raise NotFound(_("议题不存在或无权查看"))
    return found


def _resident_proposal(actor: Actor, proposal_id: int, *, lock: bool = False) -> Proposal:
    """A proposal of the resident's verified community (404 for any other). Supports and
    ballots ``lock`` its row: the supports are then counted after the others' commit (two
    last supports both see the threshold), and a ballot checks the window against a closing
    or publishing that waits for it (or that it waits for) — on PostgreSQL; SQLite
    serialises writers anyway."""
    community = _resident_community(actor)
    rows = Proposal.objects.select_for_update() if lock else Proposal.objects
    found = rows.filter(pk=proposal_id, community=community).first()
    if found is None:
        raise NotFound(_("议题不存在或无权查看"))
    return found


def proposal_support(*, actor: Actor, proposal_id: int, now: datetime | None = None) -> Proposal:
    """A verified resident of the proposal's community supports it, once, not their own.
    When the supports reach the community's threshold the deliberation opens."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _resident_proposal(actor, proposal_id, lock=True)
        if proposal.state != S.COLLECTING:
            raise InvalidTransition(_("该议题已不在征集支持阶段"))
        if proposal.author_id == actor.user.pk:
            raise InvalidInput(_("不能支持自己提出的议题"))
        try:
            with transaction.atomic():
                Support.objects.create(proposal=proposal, user=actor.user, at=now)
        except IntegrityError:
            raise InvalidInput(_("您已支持过该议题")) from None
        count = Support.objects.filter(proposal=proposal).count()
        if count >= selectors.support_threshold(proposal.community):
            # The row lock orders the supports; the state's compare-and-set keeps a
            # second opening from happening even without it.
            Proposal.objects.filter(pk=proposal.pk, state=S.COLLECTING).update(
                state=S.DELIBERATING, opened_at=now, version=F("version") + 1
            )
        proposal.refresh_from_db()
    return proposal


def proposal_open(
    *, actor: Actor, proposal_id: int, version: int, now: datetime | None = None
) -> Proposal:
    """The committee opens the deliberation without waiting for the threshold."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _move(_own(actor, proposal_id), "open", version=version, opened_at=now)
        change_record(actor=actor, action="proposal_open", obj=proposal, now=now)
    return proposal


def proposal_decline(
    *, actor: Actor, proposal_id: int, version: int, reason: str, now: datetime | None = None
) -> Proposal:
    """The committee does not take a proposal up (with the reason residents read)."""
    now = now or timezone.now()
    reason = _text(reason, "reason", label=_("未采纳原因"), limit=200)
    with transaction.atomic():
        proposal = _move(_own(actor, proposal_id), "decline", version=version, reason=reason)
        change_record(
            actor=actor, action="proposal_decline", obj=proposal, now=now, after={"reason": reason}
        )
    return proposal


def meeting_record(
    *,
    actor: Actor,
    proposal_id: int,
    version: int,
    meeting_at: datetime,
    place: str,
    participants: str,
    minutes: str = "",
    now: datetime | None = None,
) -> Proposal:
    """The deliberation meeting (议事会): when, where, who, and its minutes."""
    now = now or timezone.now()
    _committee(actor)
    values = {
        "meeting_at": meeting_at,
        "meeting_place": _text(place, "place", label=_("议事会地点"), limit=100),
        "participants": _text(participants, "participants", label=_("参会人员"), limit=2000),
        "minutes": _text(minutes, "minutes", label=_("会议纪要"), limit=8000, required=False),
    }
    with transaction.atomic():
        proposal = _own(actor, proposal_id)
        if proposal.state != S.DELIBERATING:
            raise InvalidTransition(_("只有议事中的议题可以记录议事会"))
        if not Proposal.objects.filter(pk=proposal.pk, version=version).update(
            version=F("version") + 1, **values
        ):
            raise Conflict(_("该议题已被他人处理，请刷新后重试"))
        proposal.refresh_from_db()
        change_record(actor=actor, action="meeting_record", obj=proposal, now=now, after=values)
    return proposal


def comment_add(
    *, actor: Actor, proposal_id: int, text: str, now: datetime | None = None
) -> Comment:
    """A verified resident's (or the committee's) comment while the proposal is open."""
    now = now or timezone.now()
    text = _text(text, "text", label=_("意见"), limit=1000)
    if selectors.is_committee(actor):
        proposal = _own(actor, proposal_id)
        label = _("居委会")
    else:
        proposal = _resident_proposal(actor, proposal_id)
        recognition = selectors.live_recognition(actor.user)
        # Residents read each other's words by surname only (张**), as on a notice board.
        name = recognition.name if recognition else ""
        label = name[:1] + "*" * max(len(name) - 1, 1) if name else _("居民")
    if proposal.state not in rules.COMMENT_STATES:
        raise InvalidTransition(_("议题已结束，不能再发表意见"))
    return Comment.objects.create(
        proposal=proposal, author=actor.user, author_label=label, text=text, at=now
    )


def vote_open(
    *,
    actor: Actor,
    proposal_id: int,
    version: int,
    opens_at: datetime,
    closes_at: datetime,
    now: datetime | None = None,
) -> Proposal:
    """The committee puts the proposal to the vote between ``opens_at`` and ``closes_at``."""
    now = now or timezone.now()
    _committee(actor)
    if closes_at <= opens_at:
        raise InvalidInput(_("投票截止时间须晚于开始时间"), field="closes_at")
    if closes_at <= now:
        raise InvalidInput(_("投票截止时间须晚于现在"), field="closes_at")
    with transaction.atomic():
        proposal = _own(actor, proposal_id)
        if proposal.kind == ProposalKind.RANKING and proposal.options.count() < rules.MIN_OPTIONS:
            raise InvalidInput(_("菜单项目不足，不能排序表决"))
        proposal = _move(
            proposal,
            "start_vote",
            version=version,
            vote_opens_at=opens_at,
            vote_closes_at=closes_at,
        )
        change_record(
            actor=actor,
            action="vote_open",
            obj=proposal,
            now=now,
            after={"opens_at": opens_at, "closes_at": closes_at},
        )
    return proposal


def vote_close(
    *, actor: Actor, proposal_id: int, version: int, now: datetime | None = None
) -> Proposal:
    """The committee ends the vote now (before its closing time); no ballot is taken after."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _own(actor, proposal_id, lock=True)
        if proposal.state != S.VOTING:
            raise InvalidTransition(_("该议题不在表决中"))
        assert proposal.vote_closes_at is not None
        if proposal.vote_closes_at <= now:
            raise InvalidTransition(_("投票已截止"))
        if not Proposal.objects.filter(pk=proposal.pk, version=version).update(
            vote_closes_at=now, version=F("version") + 1
        ):
            raise Conflict(_("该议题已被他人处理，请刷新后重试"))
        proposal.refresh_from_db()
        change_record(actor=actor, action="vote_close", obj=proposal, now=now)
    return proposal


def ballot_cast(
    *,
    actor: Actor,
    proposal_id: int,
    yes: bool | None = None,
    ranking: Sequence[int] = (),
    now: datetime | None = None,
) -> None:
    """A verified resident's one vote, inside the window: yes or no, or every work of the
    menu in the order they want. Who voted and what was voted land in separate tables."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _resident_proposal(actor, proposal_id, lock=True)
        if proposal.state != S.VOTING:
            raise InvalidTransition(_("该议题不在表决中"))
        assert proposal.vote_opens_at is not None and proposal.vote_closes_at is not None
        if now < proposal.vote_opens_at:
            raise InvalidTransition(_("投票尚未开始"))
        if now >= proposal.vote_closes_at:
            raise InvalidTransition(_("投票已截止"))
        if proposal.kind == ProposalKind.YES_NO:
            if yes is None:
                raise InvalidInput(_("请选择赞成或反对"), field="yes")
            choice: dict[str, Any] = {"yes": yes}
        else:
            menu = set(proposal.options.values_list("pk", flat=True))
            order = list(ranking)
            if len(order) != len(menu) or set(order) != menu:
                raise InvalidInput(_("请为菜单上的每个项目排好顺序，每项一次"), field="ranking")
            choice = {"ranking": order}
        try:
            with transaction.atomic():
                Voter.objects.create(proposal=proposal, user=actor.user, at=now)
        except IntegrityError:
            raise InvalidInput(_("您已投过票，每人只能投一次")) from None
        Ballot.objects.create(proposal=proposal, **choice)


def results_publish(
    *, actor: Actor, proposal_id: int, version: int, now: datetime | None = None
) -> Proposal:
    """Count and publish once the window has closed (never before: no running tallies).
    Turnout is voters over the residents verified when the vote opened."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _own(actor, proposal_id, lock=True)  # no ballot commits while counting
        if proposal.state != S.VOTING:
            raise InvalidTransition(_("该议题不在表决中"))
        assert proposal.vote_opens_at is not None and proposal.vote_closes_at is not None
        if now < proposal.vote_closes_at:
            raise InvalidTransition(_("投票尚未截止，截止后才能公布结果"))
        eligible = (
            selectors.verified_residents(proposal.community)
            .filter(decided_at__lte=proposal.vote_opens_at)
            .count()
        )
        voters = Voter.objects.filter(proposal=proposal).count()
        result: dict[str, Any] = {"eligible": eligible, "voters": voters}
        ballots = Ballot.objects.filter(proposal=proposal)
        if proposal.kind == ProposalKind.YES_NO:
            yes_count = ballots.filter(yes=True).count()
            no_count = ballots.filter(yes=False).count()
            result.update(yes=yes_count, no=no_count)
            accepted = rules.yes_no_accepted(yes_count, no_count)
        else:
            options = list(proposal.options.order_by("position"))
            labels = {o.pk: o.label for o in options}
            ranked = rules.borda(
                [o.pk for o in options], [b.ranking for b in ballots.only("ranking")]
            )
            result["order"] = [
                {
                    "option_id": r.option_id,
                    "label": labels[r.option_id],
                    "points": r.points,
                    "firsts": r.firsts,
                }
                for r in ranked
            ]
            accepted = voters > 0
        action = "publish_accepted" if accepted else "publish_rejected"
        proposal = _move(proposal, action, version=version, published_at=now, result=result)
        change_record(actor=actor, action="results_publish", obj=proposal, now=now, after=result)
    return proposal


# --- what an accepted proposal becomes ----------------------------------------------------------


def _accepted(actor: Actor, proposal_id: int) -> Proposal:
    proposal = _own(actor, proposal_id, lock=True)
    if proposal.state != S.ACCEPTED:
        raise InvalidTransition(_("只有表决通过的议题可以立项或转部门办理"))
    if proposal.case_id is not None or Project.objects.filter(proposal=proposal).exists():
        raise InvalidTransition(_("该议题已立项或已转部门办理"))
    return proposal


def project_start(*, actor: Actor, proposal_id: int, now: datetime | None = None) -> Project:
    """The committee carries the accepted proposal out as a tracked project."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _accepted(actor, proposal_id)
        project = Project.objects.create(proposal=proposal, started_at=now)
        change_record(actor=actor, action="project_start", obj=project, now=now)
    return project


def project_update(
    *,
    actor: Actor,
    project_id: int,
    version: int,
    progress: int,
    note: str,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Project:
    """A progress update (with photos), shown to the residents who took part; 100 % is
    done and ends the project."""
    now = now or timezone.now()
    community = _committee(actor)
    note = _text(note, "note", label=_("进展说明"), limit=1000)
    if not 0 <= progress <= 100:
        raise InvalidInput(_("进度须在 0 至 100 之间"), field="progress")
    photos = check_files(files)
    saved: list[str] = []
    try:
        with transaction.atomic():
            project = Project.objects.filter(pk=project_id, proposal__community=community).first()
            if project is None:
                raise NotFound(_("项目不存在或无权查看"))
            if project.state == ProjectState.DONE:
                raise InvalidTransition(_("项目已完工"))
            if progress < project.progress:
                raise InvalidInput(
                    _("进度不能低于上次的 {n}%").format(n=project.progress), field="progress"
                )
            state = ProjectState.DONE if progress == 100 else ProjectState.UNDER_WAY
            if not Project.objects.filter(pk=project.pk, version=version).update(
                progress=progress, state=state, version=F("version") + 1
            ):
                raise Conflict(_("该项目已被他人更新，请刷新后重试"))
            update = ProjectUpdate.objects.create(
                project=project, at=now, by=actor.user, progress=progress, note=note
            )
            for row in _store(f"deliberation/updates/{update.pk}", photos, saved):
                ProjectUpdatePhoto.objects.create(update=update, **row)
            project.refresh_from_db()
            change_record(
                actor=actor,
                action="project_update",
                obj=project,
                now=now,
                after={"progress": progress, "note": note},
            )
    except BaseException:
        for stored in saved:
            default_storage.delete(stored)
        raise
    return project


def case_refer(*, actor: Actor, proposal_id: int, now: datetime | None = None) -> Case:
    """An accepted proposal a department must carry out goes in as a case through the case
    intake (问题收集), in the community's territory; the proposal keeps the link and the
    case's description names the proposal."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = _accepted(actor, proposal_id)
        case = case_submit(
            actor=actor,
            title=proposal.title,
            description=_("居民议事表决通过的议题（议题编号 {id}）：{text}").format(
                id=proposal.pk, text=proposal.description
            ),
            unit_id=proposal.community_id,
            now=now,
        )
        Proposal.objects.filter(pk=proposal.pk).update(case=case, version=F("version") + 1)
        proposal.refresh_from_db()
        change_record(
            actor=actor, action="case_refer", obj=proposal, now=now, after={"case": case.number}
        )
    return case
