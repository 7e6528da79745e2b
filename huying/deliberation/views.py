"""Pages of 众人议事: the community's desk (verify residents, move proposals through meeting,
vote and result, carry projects out), the residents' phone pages (/m/deliberation/: my
community's proposals, propose, support, vote or rank, results, my projects) and the public
results of a community. Thin over ``services`` and ``selectors``; a refused step comes back
as a message with nothing changed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huying.cases.phone import phone_view
from huying.core.errors import DomainError, InvalidInput, NotFound
from huying.core.web import protected_file
from huying.deliberation import rules, selectors, services
from huying.deliberation.models import (
    Project,
    Proposal,
    ProposalKind,
    ProposalState,
    RecognitionState,
)
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit, Role
from huying.org.web import staff_view


def _desk_actor(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role not in rules.READER_ROLES and not (actor.sees_all and not actor.is_reporter):
        raise NotFound(_("页面不存在"))
    return actor


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("参数无效"), field=field) from None


def _when(value: str | None, field: str) -> datetime:
    """A ``datetime-local`` field, read in the district's time."""
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        raise InvalidInput(_("请填写正确的时间"), field=field) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _progress(proposal: Proposal) -> dict[str, Any]:
    """What a page shows of a proposal besides its fields: supports against the threshold,
    the project and its updates."""
    threshold = selectors.support_threshold(proposal.community)
    count = proposal.supports.count()
    project = Project.objects.filter(proposal=proposal).prefetch_related("updates__photos").first()
    return {
        "support_count": count,
        "threshold": threshold,
        "support_percent": min(100, round(100 * count / threshold)) if threshold else 100,
        "project": project,
        "updates": list(project.updates.all()) if project else [],
    }


# --- the community's desk ------------------------------------------------------------------------


class CommitteeProposeForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("议题"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("说明"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    estimated_cost = forms.DecimalField(
        label=gettext_lazy("估算费用（元）"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    kind = forms.ChoiceField(label=gettext_lazy("表决方式"), choices=ProposalKind.choices)
    options = forms.CharField(
        label=gettext_lazy("菜单（排序表决时填写，每行一个项目）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["options"] = [line for line in data["options"].splitlines() if line.strip()]
        return data


@staff_view
def desk(request: HttpRequest) -> HttpResponse:
    """The committee's desk: residents to verify, proposals by state, the threshold."""
    actor = _desk_actor(request)
    committee = selectors.is_committee(actor)
    propose_form = CommitteeProposeForm(
        request.POST if request.POST.get("step") == "propose" else None
    )
    if propose_form.is_bound and committee:
        if propose_form.is_valid():
            try:
                made = services.proposal_create(
                    actor=actor, files=request.FILES.getlist("files"), **propose_form.values()
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("议题已提出"))
                return redirect("deliberation:proposal", made.pk)
    elif request.method == "POST" and committee:
        try:
            services.community_rule_set(
                actor=actor,
                support_threshold=_int(request.POST.get("support_threshold"), "support_threshold"),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("开启议事所需支持数已保存"))
        return redirect("deliberation:desk")
    state = request.GET.get("state", "")
    proposals = selectors.proposals_visible_to(actor)
    if state in ProposalState.values:
        proposals = proposals.filter(state=state)
    context = {
        "nav": "deliberation",
        "committee": committee,
        "pending": list(
            selectors.recognitions_visible_to(actor).filter(state=RecognitionState.PENDING)[:100]
        ),
        "proposals": list(proposals[:100]),
        "states": ProposalState.choices,
        "state": state,
        "threshold": selectors.support_threshold(actor.unit) if committee else None,
        "propose_form": propose_form,
        "verified": selectors.verified_residents(actor.unit).count() if committee else None,
    }
    return render(request, "deliberation/desk.html", context)


@staff_view
@require_POST
def recognition_decide(request: HttpRequest, recognition_id: int) -> HttpResponse:
    actor = _desk_actor(request)
    try:
        services.recognition_decide(
            actor=actor,
            recognition_id=recognition_id,
            verified=request.POST.get("verified") == "1",
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已处理居民认证"))
    return redirect("deliberation:desk")


class MeetingForm(forms.Form):
    meeting_at = forms.DateTimeField(
        label=gettext_lazy("议事会时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=gettext_lazy("地点"), max_length=100)
    participants = forms.CharField(
        label=gettext_lazy("参会人员"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    minutes = forms.CharField(
        label=gettext_lazy("会议纪要"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _staff_step(actor: Actor, proposal: Proposal, request: HttpRequest) -> str:
    """Run the step the desk's form names; the message to show."""
    post = request.POST
    step = post.get("step", "")
    version = _int(post.get("version"), "version")
    common: dict[str, Any] = {"actor": actor, "proposal_id": proposal.pk}
    if step == "open":
        services.proposal_open(**common, version=version)
        return _("已开启议事")
    if step == "decline":
        services.proposal_decline(**common, version=version, reason=post.get("reason", ""))
        return _("已不予采纳")
    if step == "meeting":
        form = MeetingForm(post)
        if not form.is_valid():
            raise InvalidInput(_("请填写议事会时间、地点和参会人员"), field="meeting_at")
        services.meeting_record(**common, version=version, **form.cleaned_data)
        return _("议事会已记录")
    if step == "vote":
        services.vote_open(
            **common,
            version=version,
            opens_at=_when(post.get("opens_at"), "opens_at"),
            closes_at=_when(post.get("closes_at"), "closes_at"),
        )
        return _("已开启表决")
    if step == "close":
        services.vote_close(**common, version=version)
        return _("投票已结束")
    if step == "publish":
        services.results_publish(**common, version=version)
        return _("结果已公布")
    if step == "project":
        services.project_start(actor=actor, proposal_id=proposal.pk)
        return _("已立项")
    if step == "case":
        case = services.case_refer(actor=actor, proposal_id=proposal.pk)
        return _("已转部门办理，事件编号 {number}").format(number=case.number)
    if step == "update":
        project = Project.objects.filter(proposal=proposal).first()
        if project is None:
            raise NotFound(_("项目不存在或无权查看"))
        services.project_update(
            actor=actor,
            project_id=project.pk,
            version=version,
            progress=_int(post.get("progress"), "progress"),
            note=post.get("note", ""),
            files=request.FILES.getlist("files"),
        )
        return _("进展已发布，参与的居民可在手机上看到")
    if step == "comment":
        services.comment_add(**common, text=post.get("text", ""))
        return _("意见已发表")
    raise InvalidInput(_("参数无效"), field="step")


@staff_view
def proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """One proposal at the desk: its facts, supports, meeting, vote and result, project or
    case, and the next step the committee may take."""
    actor = _desk_actor(request)
    found = selectors.proposal_get(actor, proposal_id)
    if request.method == "POST":
        try:
            if not selectors.is_committee(actor):
                raise NotFound(_("页面不存在"))
            messages.success(request, _staff_step(actor, found, request))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("deliberation:proposal", found.pk)
    now = timezone.now()
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    context = {
        "nav": "deliberation",
        "p": found,
        "committee": selectors.is_committee(actor),
        "now": now,
        "meeting_form": MeetingForm(
            initial={
                "meeting_at": found.meeting_at or local,
                "place": found.meeting_place,
                "participants": found.participants,
                "minutes": found.minutes,
            }
        ),
        "opens_default": local.strftime("%Y-%m-%dT%H:%M"),
        "closes_default": (local + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "voters": found.voters.count(),
        **_progress(found),
    }
    return render(request, "deliberation/proposal.html", context)


@staff_view
def photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    found = selectors.photo_get(request.actor, photo_id)  # type: ignore[attr-defined]
    return protected_file(
        found.file.name or "",
        content_type=found.content_type,
        filename=found.name,
        inline=found.content_type.startswith("image/"),
    )


@staff_view
def update_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    found = selectors.update_photo_get(request.actor, photo_id)  # type: ignore[attr-defined]
    return protected_file(
        found.file.name or "",
        content_type=found.content_type,
        filename=found.name,
        inline=found.content_type.startswith("image/"),
    )


def public(request: HttpRequest, community_id: int) -> HttpResponse:
    """议事结果公示: a community's published results, no sign-in."""
    community = selectors.public_community(community_id)
    rows = list(selectors.published_results(community).select_related("community"))
    projects = {p.proposal_id: p for p in Project.objects.filter(proposal__in=rows)}
    context = {
        "community": community,
        "rows": [(p, projects.get(p.pk)) for p in rows],
    }
    return render(request, "deliberation/public.html", context)


# --- the residents' phone pages --------------------------------------------------------------


class RecognitionForm(forms.Form):
    community_id = forms.TypedChoiceField(label=gettext_lazy("所在社区"), coerce=int)
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    address = forms.CharField(
        label=gettext_lazy("居住地址"),
        max_length=200,
        help_text=gettext_lazy("如：幸福路 12 号 3 栋 201，社区工作人员据此核实"),
    )

    def __init__(self, actor: Actor, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communities = OrgUnit.objects.filter(
            under("path", actor.reach), kind=OrgUnit.Kind.COMMUNITY, is_active=True
        )
        self.fields["community_id"].choices = [  # type: ignore[attr-defined]
            (c.pk, c.name) for c in communities.select_related("parent").order_by("path")
        ]


def _resident(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.role != Role.RESIDENT:
        raise NotFound(_("页面不存在"))
    return actor


@phone_view
def phone_home(request: HttpRequest) -> HttpResponse:
    """The resident's 议事: ask to be recognised, or their community's proposals."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if selectors.is_committee(actor):
        return redirect("deliberation:desk")
    actor = _resident(request)
    form = RecognitionForm(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.recognition_request(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已提交，社区工作人员核实后即可参与议事"))
            return redirect("deliberation:phone_home")
    community = selectors.verified_community(actor.user)
    context = {
        "nav": "mine",
        "community": community,
        "recognition": selectors.live_recognition(actor.user),
        "form": form,
        "proposals": list(selectors.proposals_visible_to(actor)[:50]) if community else [],
    }
    return render(request, "deliberation/phone_home.html", context)


class ProposeForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("议题"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("说明"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    estimated_cost = forms.DecimalField(
        label=gettext_lazy("估算费用（元）"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
    )


@phone_view
def phone_propose(request: HttpRequest) -> HttpResponse:
    actor = _resident(request)
    form = ProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.proposal_create(
                actor=actor, files=request.FILES.getlist("files"), **form.cleaned_data
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("议题已提出，请邀请邻居联名支持"))
            return redirect("deliberation:phone_proposal", made.pk)
    context = {"nav": "mine", "form": form}
    return render(request, "deliberation/phone_propose.html", context)


def _ranking(request: HttpRequest, proposal: Proposal) -> list[int]:
    """The menu's options in the order the resident numbered them (每项一个名次)."""
    places: dict[int, int] = {}
    for option in proposal.options.all():
        place = request.POST.get(f"place-{option.pk}", "")
        if not place.isdigit():
            raise InvalidInput(_("请为菜单上的每个项目选一个名次"), field="ranking")
        places[option.pk] = int(place)
    if sorted(places.values()) != list(range(1, len(places) + 1)):
        raise InvalidInput(_("每个名次只能用一次"), field="ranking")
    return sorted(places, key=places.__getitem__)


@phone_view
def phone_proposal(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """A proposal on the phone: support it, comment, vote or rank in the window, the
    published result and the project's progress."""
    actor = _resident(request)
    found = selectors.proposal_get(actor, proposal_id)
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "support":
                services.proposal_support(actor=actor, proposal_id=found.pk)
                messages.success(request, _("已支持"))
            elif step == "comment":
                services.comment_add(
                    actor=actor, proposal_id=found.pk, text=request.POST.get("text", "")
                )
                messages.success(request, _("意见已发表"))
            elif step == "vote":
                if found.kind == ProposalKind.RANKING:
                    services.ballot_cast(
                        actor=actor, proposal_id=found.pk, ranking=_ranking(request, found)
                    )
                else:
                    choice = request.POST.get("choice")
                    services.ballot_cast(
                        actor=actor,
                        proposal_id=found.pk,
                        yes=True if choice == "yes" else False if choice == "no" else None,
                    )
                messages.success(request, _("投票成功，结果将在投票截止后公布"))
            else:
                raise InvalidInput(_("参数无效"), field="step")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("deliberation:phone_proposal", found.pk)
    now = timezone.now()
    in_window = (
        found.state == ProposalState.VOTING
        and found.vote_opens_at is not None
        and found.vote_closes_at is not None
        and found.vote_opens_at <= now < found.vote_closes_at
    )
    options = list(found.options.all())
    context = {
        "nav": "mine",
        "p": found,
        "supported": selectors.has_supported(actor.user, found),
        "voted": selectors.has_voted(actor.user, found),
        "mine": found.author_id == actor.user.pk,
        "in_window": in_window,
        "options": options,
        "places": range(1, len(options) + 1),
        **_progress(found),
    }
    return render(request, "deliberation/phone_proposal.html", context)


@phone_view
def phone_projects(request: HttpRequest) -> HttpResponse:
    """我参与的项目: the projects of proposals the resident proposed, supported or voted on,
    each with its latest updates."""
    actor = _resident(request)
    projects = list(selectors.my_projects(actor).prefetch_related("updates__photos"))
    context = {"nav": "mine", "projects": projects}
    return render(request, "deliberation/phone_projects.html", context)
