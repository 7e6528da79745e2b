"""众人议事 in the API: the same services and scope as the pages. A community's staff see and
move its own proposals; a resident sees their verified community's, whether they supported
or voted (never how anyone voted); tallies appear only once published; the public results
need no sign-in."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status, UploadedFile

from huying.core.api_types import ERRORS, FilledText, Id, In, Instant, Text
from huying.core.files import EXTENSIONS, FILES_PER_UPLOAD
from huying.core.web import protected_file
from huying.deliberation import selectors, services
from huying.deliberation.models import Project, Proposal, Recognition
from huying.org.actors import Actor
from huying.org.api_auth import acting
from huying.org.models import Role

router = Router(tags=["众人议事 resident deliberation"])


class RecognitionOut(Schema):
    id: int
    community_id: int
    community_name: str
    name: str
    address: str
    state: str = Field(description="pending, verified or refused")
    requested_at: datetime
    decided_at: datetime | None
    reason: str


class RecognitionIn(In):
    community_id: Id
    name: FilledText = Field(max_length=50)
    address: FilledText = Field(max_length=200)


class RecognitionDecideIn(In):
    verified: bool
    reason: Text = Field("", max_length=200, description="required to refuse")


class MenuOptionOut(Schema):
    id: int
    position: int
    label: str


class ProposalCommentOut(Schema):
    author: str = Field(description="居委会, or a resident's surname only")
    text: str
    at: datetime


class ProjectProgressOut(Schema):
    at: datetime
    progress: int
    note: str
    photo_ids: list[int]


class DeliberationProjectOut(Schema):
    id: int
    proposal_id: int
    title: str
    state: str = Field(description="planned, under_way or done")
    progress: int
    version: int
    updates: list[ProjectProgressOut]


class ProposalOut(Schema):
    id: int
    community_id: int
    community_name: str
    kind: str = Field(description="yes_no or ranking (a menu of works to put in order)")
    title: str
    description: str
    estimated_cost: Decimal
    by_committee: bool
    state: str = Field(
        description="collecting, deliberating, voting, accepted, rejected or declined"
    )
    created_at: datetime
    opened_at: datetime | None
    support_count: int
    support_threshold: int
    supported: bool = Field(description="the caller supported it")
    voted: bool = Field(description="the caller voted on it (never how)")
    options: list[MenuOptionOut]
    photo_ids: list[int]
    meeting_at: datetime | None
    meeting_place: str
    participants: str
    minutes: str
    vote_opens_at: datetime | None
    vote_closes_at: datetime | None
    published_at: datetime | None
    result: dict[str, Any] | None = Field(
        description="only once published: eligible, voters, yes/no or the Borda order"
    )
    reason: str
    case_number: str | None
    project: DeliberationProjectOut | None
    comments: list[ProposalCommentOut]
    version: int


class ProposalIn(In):
    title: FilledText = Field(max_length=100)
    description: FilledText = Field(max_length=4000)
    estimated_cost: int = Field(0, ge=0, lt=100_000_000, description="yuan")
    kind: Literal["yes_no", "ranking"] = "yes_no"
    options: list[FilledText] = Field([], max_length=12, description="the menu, for ranking")


class ProposalVersionIn(In):
    version: int = Field(ge=1)


class ProposalDeclineIn(ProposalVersionIn):
    reason: FilledText = Field(max_length=200)


class ProposalMeetingIn(ProposalVersionIn):
    meeting_at: Instant
    place: FilledText = Field(max_length=100)
    participants: FilledText = Field(max_length=2000)
    minutes: Text = Field("", max_length=8000)


class ProposalCommentIn(In):
    text: FilledText = Field(max_length=1000)


class ProposalVoteWindowIn(ProposalVersionIn):
    opens_at: Instant
    closes_at: Instant


class ProposalBallotIn(In):
    yes: bool | None = Field(None, description="a yes/no vote")
    ranking: list[Id] = Field([], max_length=12, description="option ids, first choice first")


class ProjectProgressIn(ProposalVersionIn):
    progress: int = Field(ge=0, le=100)
    note: FilledText = Field(max_length=1000)


class DeliberationResultOut(Schema):
    id: int
    title: str
    kind: str
    state: str
    published_at: datetime
    result: dict[str, Any]
    project_progress: int | None


class DeliberationPublicOut(Schema):
    community_id: int
    community_name: str
    results: list[DeliberationResultOut]


def _recognition(r: Recognition) -> dict[str, Any]:
    return {
        "id": r.pk,
        "community_id": r.community_id,
        "community_name": r.community.name,
        "name": r.name,
        "address": r.address,
        "state": r.state,
        "requested_at": r.requested_at,
        "decided_at": r.decided_at,
        "reason": r.reason,
    }


def _project(project: Project) -> dict[str, Any]:
    return {
        "id": project.pk,
        "proposal_id": project.proposal_id,
        "title": project.proposal.title,
        "state": project.state,
        "progress": project.progress,
        "version": project.version,
        "updates": [
            {
                "at": u.at,
                "progress": u.progress,
                "note": u.note,
                "photo_ids": [p.pk for p in u.photos.all()],
            }
            for u in project.updates.all()
        ],
    }


def _proposal(actor: Actor, p: Proposal) -> dict[str, Any]:
    project = Project.objects.filter(proposal=p).first()
    return {
        "id": p.pk,
        "community_id": p.community_id,
        "community_name": p.community.name,
        "kind": p.kind,
        "title": p.title,
        "description": p.description,
        "estimated_cost": p.estimated_cost,
        "by_committee": p.by_committee,
        "state": p.state,
        "created_at": p.created_at,
        "opened_at": p.opened_at,
        "support_count": p.supports.count(),
        "support_threshold": selectors.support_threshold(p.community),
        "supported": selectors.has_supported(actor.user, p),
        "voted": selectors.has_voted(actor.user, p),
        "options": list(p.options.all()),
        "photo_ids": [ph.pk for ph in p.photos.all()],
        "meeting_at": p.meeting_at,
        "meeting_place": p.meeting_place,
        "participants": p.participants,
        "minutes": p.minutes,
        "vote_opens_at": p.vote_opens_at,
        "vote_closes_at": p.vote_closes_at,
        "published_at": p.published_at,
        "result": p.result if p.published_at else None,
        "reason": p.reason,
        "case_number": p.case.number if p.case is not None else None,
        "project": _project(project) if project else None,
        "comments": [
            {"author": c.author_label, "text": c.text, "at": c.at} for c in p.comments.all()
        ],
        "version": p.version,
    }


def _answer(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    actor = acting(request)
    return _proposal(actor, selectors.proposal_get(actor, proposal_id))


@router.get(
    "/deliberation/recognitions",
    response={200: list[RecognitionOut], **ERRORS},
    summary="居民认证（社区：本社区的申请；居民：自己的）",
)
def recognition_list(
    request: HttpRequest, state: Literal["pending", "verified", "refused"] | None = None
) -> Any:
    rows = selectors.recognitions_visible_to(acting(request))
    if state is not None:
        rows = rows.filter(state=state)
    return [_recognition(r) for r in rows[:200]]


@router.post(
    "/deliberation/recognitions",
    response={201: RecognitionOut, **ERRORS},
    summary="居民申请认证为某社区居民",
)
def recognition_create(request: HttpRequest, payload: RecognitionIn) -> Any:
    made = services.recognition_request(actor=acting(request), **payload.dict())
    return Status(201, _recognition(made))


@router.post(
    "/deliberation/recognitions/{recognition_id}/decide",
    response={200: RecognitionOut, **ERRORS},
    summary="社区核实居民认证（通过或不通过）",
)
def recognition_decide(
    request: HttpRequest, recognition_id: Id, payload: RecognitionDecideIn
) -> Any:
    done = services.recognition_decide(
        actor=acting(request), recognition_id=recognition_id, **payload.dict()
    )
    return _recognition(done)


@router.get(
    "/deliberation/proposals",
    response={200: list[ProposalOut], **ERRORS},
    summary="议题列表（社区：本社区；居民：所认证社区的）",
)
def proposal_list(
    request: HttpRequest,
    state: Literal["collecting", "deliberating", "voting", "accepted", "rejected", "declined"]
    | None = None,
) -> Any:
    actor = acting(request)
    rows = selectors.proposals_visible_to(actor)
    if state is not None:
        rows = rows.filter(state=state)
    return [_proposal(actor, p) for p in rows[:100]]


@router.post(
    "/deliberation/proposals",
    response={201: ProposalOut, **ERRORS},
    summary="提出议题（认证居民或居委会）",
)
def proposal_create(request: HttpRequest, payload: ProposalIn) -> Any:
    actor = acting(request)
    made = services.proposal_create(actor=actor, **payload.dict())
    return Status(201, _proposal(actor, selectors.proposal_get(actor, made.pk)))


@router.get(
    "/deliberation/proposals/{proposal_id}",
    response={200: ProposalOut, **ERRORS},
    summary="议题详情",
)
def proposal_detail(request: HttpRequest, proposal_id: Id) -> Any:
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/photos",
    response={200: ProposalOut, **ERRORS},
    summary="补充议题照片（multipart，字段 files）",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "encoding": {"files": {"contentType": ", ".join(EXTENSIONS)}}
                }
            }
        }
    },
)
def proposal_photos(
    request: HttpRequest,
    proposal_id: Id,
    files: list[UploadedFile] = File(..., min_length=1, max_length=FILES_PER_UPLOAD),
) -> Any:
    services.proposal_add_photos(actor=acting(request), proposal_id=proposal_id, files=files)
    return _answer(request, proposal_id)


@router.get(
    "/deliberation/photos/{photo_id}",
    response=ERRORS,
    summary="议题照片文件",
    openapi_extra={
        "responses": {
            "200": {
                "description": "the file",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}} for t in EXTENSIONS
                },
            }
        }
    },
)
def proposal_photo(request: HttpRequest, photo_id: Id) -> HttpResponse:
    photo = selectors.photo_get(acting(request), photo_id)
    return protected_file(
        photo.file.name or "",
        content_type=photo.content_type,
        filename=photo.name,
        inline=photo.content_type.startswith("image/"),
    )


@router.post(
    "/deliberation/proposals/{proposal_id}/support",
    response={200: ProposalOut, **ERRORS},
    summary="联名支持（认证居民，每人一次，不能支持自己的）",
)
def proposal_support(request: HttpRequest, proposal_id: Id) -> Any:
    services.proposal_support(actor=acting(request), proposal_id=proposal_id)
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/open",
    response={200: ProposalOut, **ERRORS},
    summary="居委会直接开启议事",
)
def proposal_open(request: HttpRequest, proposal_id: Id, payload: ProposalVersionIn) -> Any:
    services.proposal_open(actor=acting(request), proposal_id=proposal_id, **payload.dict())
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/decline",
    response={200: ProposalOut, **ERRORS},
    summary="居委会不予采纳（须说明原因）",
)
def proposal_decline(request: HttpRequest, proposal_id: Id, payload: ProposalDeclineIn) -> Any:
    services.proposal_decline(actor=acting(request), proposal_id=proposal_id, **payload.dict())
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/meeting",
    response={200: ProposalOut, **ERRORS},
    summary="记录议事会（时间、地点、参会人员、纪要）",
)
def proposal_meeting(request: HttpRequest, proposal_id: Id, payload: ProposalMeetingIn) -> Any:
    services.meeting_record(actor=acting(request), proposal_id=proposal_id, **payload.dict())
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/comments",
    response={200: ProposalOut, **ERRORS},
    summary="发表意见",
)
def proposal_comment(request: HttpRequest, proposal_id: Id, payload: ProposalCommentIn) -> Any:
    services.comment_add(actor=acting(request), proposal_id=proposal_id, text=payload.text)
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/vote",
    response={200: ProposalOut, **ERRORS},
    summary="开启表决（投票开始和截止时间）",
)
def proposal_vote_open(request: HttpRequest, proposal_id: Id, payload: ProposalVoteWindowIn) -> Any:
    services.vote_open(actor=acting(request), proposal_id=proposal_id, **payload.dict())
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/close-vote",
    response={200: ProposalOut, **ERRORS},
    summary="提前结束投票",
)
def proposal_vote_close(request: HttpRequest, proposal_id: Id, payload: ProposalVersionIn) -> Any:
    services.vote_close(actor=acting(request), proposal_id=proposal_id, **payload.dict())
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/ballot",
    response={200: ProposalOut, **ERRORS},
    summary="投票（yes，或 ranking：菜单项目按先后排序）",
)
def proposal_ballot(request: HttpRequest, proposal_id: Id, payload: ProposalBallotIn) -> Any:
    """Once, inside the window; the answer says only that the caller voted."""
    services.ballot_cast(
        actor=acting(request), proposal_id=proposal_id, yes=payload.yes, ranking=payload.ranking
    )
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/publish",
    response={200: ProposalOut, **ERRORS},
    summary="投票截止后公布结果（含参与率）",
)
def proposal_publish(request: HttpRequest, proposal_id: Id, payload: ProposalVersionIn) -> Any:
    services.results_publish(actor=acting(request), proposal_id=proposal_id, **payload.dict())
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/project",
    response={200: ProposalOut, **ERRORS},
    summary="通过的议题立项实施",
)
def proposal_project(request: HttpRequest, proposal_id: Id) -> Any:
    services.project_start(actor=acting(request), proposal_id=proposal_id)
    return _answer(request, proposal_id)


@router.post(
    "/deliberation/proposals/{proposal_id}/case",
    response={200: ProposalOut, **ERRORS},
    summary="通过的议题转部门办理（经事件受理）",
)
def proposal_case(request: HttpRequest, proposal_id: Id) -> Any:
    services.case_refer(actor=acting(request), proposal_id=proposal_id)
    return _answer(request, proposal_id)


@router.get(
    "/deliberation/projects",
    response={200: list[DeliberationProjectOut], **ERRORS},
    summary="议事项目（社区：本社区的；居民：自己参与的）",
)
def project_list(request: HttpRequest) -> Any:
    actor = acting(request)
    if actor.role == Role.RESIDENT:
        rows = selectors.my_projects(actor)
    else:
        rows = Project.objects.filter(
            proposal__in=selectors.proposals_visible_to(actor).values("pk")
        )
    return [_project(p) for p in rows.select_related("proposal")[:100]]


@router.post(
    "/deliberation/projects/{project_id}/updates",
    response={200: DeliberationProjectOut, **ERRORS},
    summary="项目进展（参与的居民在手机上看到）",
)
def project_update(request: HttpRequest, project_id: Id, payload: ProjectProgressIn) -> Any:
    project = services.project_update(
        actor=acting(request), project_id=project_id, **payload.dict()
    )
    return _project(project)


@router.get(
    "/deliberation/public/{community_id}",
    auth=None,
    response={200: DeliberationPublicOut, **ERRORS},
    summary="社区议事结果公示（公开）",
)
def public_results(request: HttpRequest, community_id: Id) -> Any:
    community = selectors.public_community(community_id)
    rows = []
    for p in selectors.published_results(community):
        project = Project.objects.filter(proposal=p).first()
        rows.append(
            {
                "id": p.pk,
                "title": p.title,
                "kind": p.kind,
                "state": p.state,
                "published_at": p.published_at,
                "result": p.result,
                "project_progress": project.progress if project else None,
            }
        )
    return {"community_id": community.pk, "community_name": community.name, "results": rows}
