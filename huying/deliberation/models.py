"""众人议事 (群众事务群众议、群众定; docs/glossary.md): a community's verified residents
propose works, support them until the community's threshold opens a deliberation, meet,
then decide by a yes/no vote or by ranking a menu of works (菜单) into an order; what they
accept becomes a tracked project or a case for a department.

A ballot is secret: who voted (``Voter``) and what was voted (``Ballot``) are two tables with
nothing joining them; a ballot's key is random, so not even the insertion order links them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.core.models import StoredFile
from huying.org.models import OrgUnit


class CommunityRule(models.Model):
    """A community's own setting: how many supports open a deliberation (absent: the
    default, ``rules.DEFAULT_SUPPORTS``)."""

    community = models.OneToOneField(
        OrgUnit, on_delete=models.CASCADE, related_name="deliberation_rule"
    )
    support_threshold = models.PositiveSmallIntegerField(verbose_name=_("开启议事所需支持数"))

    class Meta:
        verbose_name = _("社区议事规则")
        verbose_name_plural = _("社区议事规则")

    def __str__(self) -> str:
        return f"{self.community_id}: {self.support_threshold}"


class RecognitionState(models.TextChoices):
    PENDING = "pending", _("待核实")
    VERIFIED = "verified", _("已核实")
    REFUSED = "refused", _("未通过")


class Recognition(models.Model):
    """A resident asks to be known as living in a community (居民认证); its staff check the
    address and verify or refuse. One live request or recognition per person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recognitions"
    )
    community = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    name = models.CharField(max_length=50, verbose_name=_("姓名"))
    address = models.CharField(max_length=200, verbose_name=_("居住地址"))
    state = models.CharField(
        max_length=16,
        choices=RecognitionState.choices,
        default=RecognitionState.PENDING,
        verbose_name=_("状态"),
    )
    requested_at = models.DateTimeField(verbose_name=_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("核实时间"))
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("未通过原因"))

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("居民认证")
        verbose_name_plural = _("居民认证")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(state__in=["pending", "verified"]),
                name="delib_recognition_one_live",
            )
        ]
        indexes = [models.Index(fields=["community", "state"], name="delib_recognition_comm")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.community_id}"


class ProposalKind(models.TextChoices):
    YES_NO = "yes_no", _("赞成 / 反对表决")
    RANKING = "ranking", _("排序表决（菜单）")


class ProposalState(models.TextChoices):
    COLLECTING = "collecting", _("征集支持中")
    DELIBERATING = "deliberating", _("议事中")
    VOTING = "voting", _("表决中")
    ACCEPTED = "accepted", _("已通过")
    REJECTED = "rejected", _("未通过")
    DECLINED = "declined", _("未采纳")


class Proposal(models.Model):
    """A work a community's residents (or its committee) propose: a yes/no decision, or a
    menu of works whose order the residents decide (``kind``)."""

    community = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    kind = models.CharField(
        max_length=16, choices=ProposalKind.choices, default=ProposalKind.YES_NO
    )
    title = models.CharField(max_length=100, verbose_name=_("议题"))
    description = models.TextField(verbose_name=_("说明"))
    estimated_cost = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("估算费用（元）")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_committee = models.BooleanField(default=False, verbose_name=_("居委会提出"))
    state = models.CharField(
        max_length=16,
        choices=ProposalState.choices,
        default=ProposalState.COLLECTING,
        verbose_name=_("状态"),
    )
    created_at = models.DateTimeField(verbose_name=_("提出时间"))
    opened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("开启议事时间"))
    meeting_at = models.DateTimeField(null=True, blank=True, verbose_name=_("议事会时间"))
    meeting_place = models.CharField(max_length=100, blank=True, verbose_name=_("议事会地点"))
    participants = models.TextField(blank=True, verbose_name=_("参会人员"))
    minutes = models.TextField(blank=True, verbose_name=_("会议纪要"))
    vote_opens_at = models.DateTimeField(null=True, blank=True, verbose_name=_("投票开始"))
    vote_closes_at = models.DateTimeField(null=True, blank=True, verbose_name=_("投票截止"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("结果公布时间"))
    #: The published result (empty before): eligible, voters, yes, no, or the Borda order.
    result = models.JSONField(default=dict, blank=True, verbose_name=_("表决结果"))
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("未采纳原因"))
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("转部门办理的事件"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        indexes = [models.Index(fields=["community", "state"], name="delib_proposal_comm")]

    def __str__(self) -> str:
        return self.title


class MenuOption(models.Model):
    """One work on a ranking proposal's menu (菜单); ``position`` is the menu's order, which
    also breaks a tie that the first places leave (``rules.borda``)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=100, verbose_name=_("项目"))

    class Meta:
        ordering = ["proposal", "position"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "position"], name="delib_option_position")
        ]

    def __str__(self) -> str:
        return self.label


def photo_path(instance: ProposalPhoto, filename: str) -> str:
    return f"deliberation/{instance.proposal_id}/{filename}"


class ProposalPhoto(StoredFile):
    """A photo of the place a proposal would change, read through the scope-checked view."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path)


class Support(models.Model):
    """One verified resident's support (联名支持): one per person, counted, never a counter."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="delib_support_once")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.user_id}"


class Comment(models.Model):
    """A resident's (or the committee's) word on a proposal under deliberation."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(max_length=50)
    text = models.CharField(max_length=1000)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.text[:20]}"


class Voter(models.Model):
    """That a resident voted on a proposal (投票登记), never what: see ``Ballot``."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="voters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="delib_voter_once")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.user_id}"


class Ballot(models.Model):
    """What was voted, with no voter and no time: ``yes`` for a yes/no vote, ``ranking``
    (option ids, first choice first) for a menu."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="ballots")
    yes = models.BooleanField(null=True)
    ranking = models.JSONField(default=list)

    def __str__(self) -> str:
        return str(self.pk)


class ProjectState(models.TextChoices):
    PLANNED = "planned", _("待实施")
    UNDER_WAY = "under_way", _("实施中")
    DONE = "done", _("已完工")


class Project(models.Model):
    """An accepted proposal carried out (议事项目), its progress told back to the residents
    who took part."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="project")
    state = models.CharField(
        max_length=16, choices=ProjectState.choices, default=ProjectState.PLANNED
    )
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("进度（%）"))
    started_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("议事项目")
        verbose_name_plural = _("议事项目")

    def __str__(self) -> str:
        return str(self.proposal)


class ProjectUpdate(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    progress = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=1000)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.progress}%"


def update_photo_path(instance: ProjectUpdatePhoto, filename: str) -> str:
    return f"deliberation/updates/{instance.update_id}/{filename}"


class ProjectUpdatePhoto(StoredFile):
    update = models.ForeignKey(ProjectUpdate, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=update_photo_path)
