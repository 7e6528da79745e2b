"""Reads of 众人议事, scoped: a community's staff (and its street) see its own; a resident sees
the proposals of the community they are verified in, their own recognition and which
proposals they supported or voted on, never anyone's ballot; tallies exist only once
published."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from huying.cases.models import Case
from huying.core.errors import NotFound
from huying.deliberation import rules
from huying.deliberation.models import (
    CommunityRule,
    Project,
    ProjectUpdatePhoto,
    Proposal,
    ProposalPhoto,
    ProposalState,
    Recognition,
    RecognitionState,
)
from huying.org.actors import Actor, under
from huying.org.models import OrgUnit, Role


def is_committee(actor: Actor) -> bool:
    return actor.role in rules.COMMITTEE_ROLES and actor.unit.kind == OrgUnit.Kind.COMMUNITY


def verified_community(user: User) -> OrgUnit | None:
    """The community the person is a verified resident of, if any."""
    found = (
        Recognition.objects.filter(user=user, state=RecognitionState.VERIFIED)
        .select_related("community")
        .first()
    )
    return found.community if found else None


def live_recognition(user: User) -> Recognition | None:
    """The person's pending or verified recognition, else their latest refused one."""
    mine = Recognition.objects.filter(user=user).select_related("community")
    return mine.exclude(state=RecognitionState.REFUSED).first() or mine.first()


def support_threshold(community: OrgUnit) -> int:
    rule = CommunityRule.objects.filter(community=community).first()
    return rule.support_threshold if rule else rules.DEFAULT_SUPPORTS


def verified_residents(community: OrgUnit) -> QuerySet[Recognition]:
    return Recognition.objects.filter(community=community, state=RecognitionState.VERIFIED)


def recognitions_visible_to(actor: Actor) -> QuerySet[Recognition]:
    found = Recognition.objects.select_related("community", "user")
    if actor.role in rules.READER_ROLES:
        return found.filter(community__path__startswith=actor.unit.path)
    if actor.role == Role.RESIDENT:
        return found.filter(user=actor.user)
    if actor.sees_all and not actor.is_reporter:
        return found.filter(under("community__path", actor.reach))
    return found.none()


def recognition_get(actor: Actor, recognition_id: int) -> Recognition:
    found = recognitions_visible_to(actor).filter(pk=recognition_id).first()
    if found is None:
        raise NotFound(_("认证申请不存在或无权查看"))
    return found


def proposals_visible_to(actor: Actor) -> QuerySet[Proposal]:
    found = Proposal.objects.select_related("community").annotate(
        support_count=Count("supports", distinct=True)
    )
    if actor.role in rules.READER_ROLES:
        return found.filter(community__path__startswith=actor.unit.path)
    if actor.role == Role.RESIDENT:
        community = verified_community(actor.user)
        return found.filter(community=community) if community else found.none()
    if actor.sees_all and not actor.is_reporter:
        return found.filter(under("community__path", actor.reach))
    return found.none()


def proposal_get(actor: Actor, proposal_id: int) -> Proposal:
    found = proposals_visible_to(actor).filter(pk=proposal_id).first()
    if found is None:
        raise NotFound(_("议题不存在或无权查看"))
    return found


def has_supported(user: User, proposal: Proposal) -> bool:
    return proposal.supports.filter(user=user).exists()


def has_voted(user: User, proposal: Proposal) -> bool:
    return proposal.voters.filter(user=user).exists()


def published_results(community: OrgUnit) -> QuerySet[Proposal]:
    """The public page's proposals: decided, with their results published."""
    return Proposal.objects.filter(
        community=community,
        published_at__isnull=False,
        state__in=[ProposalState.ACCEPTED, ProposalState.REJECTED],
    ).order_by("-published_at", "-pk")


def public_community(community_id: int) -> OrgUnit:
    found = OrgUnit.objects.filter(
        pk=community_id, kind=OrgUnit.Kind.COMMUNITY, is_active=True
    ).first()
    if found is None:
        raise NotFound(_("社区不存在"))
    return found


def my_projects(actor: Actor) -> QuerySet[Project]:
    """The projects a resident took part in (proposed, supported or voted on)."""
    user = actor.user
    return (
        Project.objects.select_related("proposal")
        .filter(
            Q(proposal__author=user)
            | Q(proposal__supports__user=user)
            | Q(proposal__voters__user=user)
        )
        .distinct()
    )


def case_details(case: Case) -> list[tuple[str, str]]:
    """What a case's page says of the proposal it came from (``services.case_refer``)."""
    proposal = Proposal.objects.select_related("community").filter(case=case).first()
    if proposal is None:
        return []
    result = proposal.result or {}
    return [
        (
            _("来自居民议事"),
            _(
                "{community}议题「{title}」（议题编号 {id}）：{voters} / {eligible} 人投票，赞成 {yes}"
            ).format(
                community=proposal.community.name,
                title=proposal.title,
                id=proposal.pk,
                voters=result.get("voters", 0),
                eligible=result.get("eligible", 0),
                yes=result.get("yes", "—"),
            ),
        )
    ]


def photo_get(actor: Actor, photo_id: int) -> ProposalPhoto:
    photo = ProposalPhoto.objects.filter(
        pk=photo_id, proposal__in=proposals_visible_to(actor).values("pk")
    ).first()
    if photo is None:
        raise NotFound(_("照片不存在或无权查看"))
    return photo


def update_photo_get(actor: Actor, photo_id: int) -> ProjectUpdatePhoto:
    photo = ProjectUpdatePhoto.objects.filter(
        pk=photo_id, update__project__proposal__in=proposals_visible_to(actor).values("pk")
    ).first()
    if photo is None:
        raise NotFound(_("照片不存在或无权查看"))
    return photo
