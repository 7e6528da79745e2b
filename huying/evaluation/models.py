"""Reverse evaluation (逆向评议) and the inputs of the annual evaluation (docs/glossary.md §4).

A ``Rating`` is the calling street's score of one responding unit on one case: a department,
or a field unit (派驻机构) rated on its own — ``unit`` is whom the street rated, ``department``
the department its score rolls up to (the unit itself when it is a department). The
street's versions of it stay as ``RatingRevision`` rows (the original and at most one
correction); the department's appeal (申诉) and the hub's ruling are a ``RatingAppeal``.
``effective_total`` is the one number scores and rankings read — the appeal's adjusted
total when upheld, else the current total — stored so that a month of scores is one
indexed GROUP BY. Writes go through ``huying.evaluation.services`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huying.cases.models import Case
from huying.org.models import OrgUnit

#: Each criterion scores 0–20; five of them make 100.
CRITERION_MAX = 20


def _criteria_within_max(prefix: str, names: tuple[str, ...]) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{name}__lte": CRITERION_MAX}),
            name=f"{prefix}_{name}_max",
        )
        for name in names
    ]


#: The five criteria of a rating, in the order of the scoring form.
CRITERIA = ("report_in", "professionalism", "responsibility", "cooperation", "result")


class Rating(models.Model):
    """One street's score of one responding unit on one case (一事一评)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="ratings")
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("被评议单位")
    )
    department = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="ratings_received", verbose_name=_("部门")
    )
    # The rated unit's path: "a department sees its own and its field units' ratings, a
    # field unit its own" is a prefix match.
    department_path = models.CharField(max_length=255, editable=False)
    street = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="ratings_given", verbose_name=_("街道")
    )
    report_in = models.PositiveSmallIntegerField(verbose_name=_("报到"))
    professionalism = models.PositiveSmallIntegerField(verbose_name=_("专业性"))
    responsibility = models.PositiveSmallIntegerField(verbose_name=_("担当意识"))
    cooperation = models.PositiveSmallIntegerField(verbose_name=_("配合度"))
    result = models.PositiveSmallIntegerField(verbose_name=_("办理结果"))
    total = models.PositiveSmallIntegerField(verbose_name=_("总分"))
    reason = models.TextField(blank=True, verbose_name=_("评议理由"))
    revision = models.PositiveSmallIntegerField(default=1, verbose_name=_("版本"))
    effective_total = models.PositiveSmallIntegerField(verbose_name=_("有效得分"))
    # When the case passed verification (核查通过): the month a rating counts in.
    verified_at = models.DateTimeField(verbose_name=_("核查通过时间"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(verbose_name=_("评议时间"))
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("逆向评议")
        verbose_name_plural = _("逆向评议")
        constraints = [
            models.UniqueConstraint(fields=["case", "unit"], name="rating_one_per_unit"),
            models.CheckConstraint(
                condition=models.Q(
                    total=models.F("report_in")
                    + models.F("professionalism")
                    + models.F("responsibility")
                    + models.F("cooperation")
                    + models.F("result")
                ),
                name="rating_total_is_sum",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_total__lte=5 * CRITERION_MAX),
                name="rating_effective_max",
            ),
            models.CheckConstraint(
                condition=models.Q(revision__in=[1, 2]), name="rating_corrected_once"
            ),
            *_criteria_within_max("rating", CRITERIA),
        ]
        indexes = [
            models.Index(fields=["department", "verified_at"], name="rating_department_month"),
            models.Index(fields=["unit", "verified_at"], name="rating_unit_month"),
            models.Index(fields=["street", "verified_at"], name="rating_street_month"),
            models.Index(fields=["verified_at"], name="rating_month"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}→{self.unit_id} {self.effective_total}"


class RatingRevision(models.Model):
    """A version of a rating as the street entered it: 1 the original, 2 its one correction.
    Both stay, so the trail shows what was changed and why."""

    rating = models.ForeignKey(Rating, on_delete=models.PROTECT, related_name="revisions")
    revision = models.PositiveSmallIntegerField(verbose_name=_("版本"))
    report_in = models.PositiveSmallIntegerField(verbose_name=_("报到"))
    professionalism = models.PositiveSmallIntegerField(verbose_name=_("专业性"))
    responsibility = models.PositiveSmallIntegerField(verbose_name=_("担当意识"))
    cooperation = models.PositiveSmallIntegerField(verbose_name=_("配合度"))
    result = models.PositiveSmallIntegerField(verbose_name=_("办理结果"))
    total = models.PositiveSmallIntegerField(verbose_name=_("总分"))
    reason = models.TextField(blank=True, verbose_name=_("理由"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_role = models.CharField(max_length=32)
    at = models.DateTimeField()

    class Meta:
        ordering = ["rating", "revision"]
        verbose_name = _("评议版本")
        verbose_name_plural = _("评议版本")
        constraints = [
            models.UniqueConstraint(fields=["rating", "revision"], name="rating_revision_unique"),
            *_criteria_within_max("revision", CRITERIA),
        ]

    def __str__(self) -> str:
        return f"{self.rating_id} v{self.revision} {self.total}"


class AppealState(models.TextChoices):
    PENDING = "pending", _("待裁定")
    UPHELD = "upheld", _("申诉成立")
    REFUSED = "refused", _("申诉驳回")


class RatingAppeal(models.Model):
    """申诉: the rated department disputes a rating once; the hub rules. Upheld, the adjusted
    scores become the rating's effective score; the case itself is not reopened."""

    # One-to-one: a rating can be appealed once, whatever the race.
    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="appeal")
    reason = models.TextField(verbose_name=_("申诉理由"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_role = models.CharField(max_length=32)
    filed_at = models.DateTimeField(verbose_name=_("申诉时间"))
    state = models.CharField(max_length=8, choices=AppealState.choices, default=AppealState.PENDING)
    ruling_reason = models.TextField(blank=True, verbose_name=_("裁定理由"))
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("裁定时间"))
    report_in = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("报到"))
    professionalism = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("专业性")
    )
    responsibility = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("担当意识")
    )
    cooperation = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("配合度"))
    result = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("办理结果"))
    adjusted_total = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("调整后总分")
    )

    class Meta:
        verbose_name = _("评议申诉")
        verbose_name_plural = _("评议申诉")
        constraints = [
            *_criteria_within_max("appeal", CRITERIA),
            models.CheckConstraint(
                condition=models.Q(state=AppealState.UPHELD, adjusted_total__isnull=False)
                | (~models.Q(state=AppealState.UPHELD) & models.Q(adjusted_total__isnull=True)),
                name="appeal_adjusted_iff_upheld",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.state}"


class AnnualReview(models.Model):
    """A street's annual review (年度评议) of one department, 0–100."""

    year = models.PositiveSmallIntegerField(verbose_name=_("年度"))
    street = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道")
    )
    department = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("部门")
    )
    score = models.DecimalField(max_digits=5, decimal_places=2, verbose_name=_("得分"))
    comment = models.TextField(blank=True, verbose_name=_("评语"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("街道年度评议")
        verbose_name_plural = _("街道年度评议")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "street", "department"], name="annual_review_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=100), name="annual_review_score"
            ),
        ]
        indexes = [models.Index(fields=["year", "department"], name="annual_review_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.street_id}→{self.department_id} {self.score}"


class RespondentType(models.TextChoices):
    COMMUNITY = "community", _("基层社区")
    RESIDENT = "resident", _("居民群众")
    PUBLIC = "public", _("社会各界")


class SurveyBatch(models.Model):
    """One import of survey forms (a file) or one form entered by hand: what came in together,
    who brought it, and when — so a wrong file can be found and judged as a whole."""

    year = models.PositiveSmallIntegerField(verbose_name=_("年度"))
    file_name = models.CharField(max_length=200, blank=True, verbose_name=_("文件名"))
    rows = models.PositiveIntegerField(verbose_name=_("行数"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("群众评价导入批次")
        verbose_name_plural = _("群众评价导入批次")

    def __str__(self) -> str:
        return f"{self.year} {self.file_name or '手工录入'} ({self.rows})"


class SurveyResponse(models.Model):
    """One department's score on one public survey form (群众评价打分表), 0–100."""

    batch = models.ForeignKey(SurveyBatch, on_delete=models.PROTECT, related_name="responses")
    year = models.PositiveSmallIntegerField(verbose_name=_("年度"))
    form_no = models.CharField(max_length=32, verbose_name=_("问卷编号"))
    department = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("部门")
    )
    respondent_type = models.CharField(
        max_length=16, choices=RespondentType.choices, verbose_name=_("评价对象")
    )
    score = models.DecimalField(max_digits=5, decimal_places=2, verbose_name=_("得分"))

    class Meta:
        verbose_name = _("群众评价")
        verbose_name_plural = _("群众评价")
        constraints = [
            # The same form cannot score the same department twice (a file imported twice).
            models.UniqueConstraint(
                fields=["year", "form_no", "department"], name="survey_form_department"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=100), name="survey_score"
            ),
        ]
        indexes = [models.Index(fields=["year", "department"], name="survey_year_department")]

    def __str__(self) -> str:
        return f"{self.year} {self.form_no} {self.department_id} {self.score}"
