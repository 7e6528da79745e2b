"""Web forms of the evaluation pages: they parse input and hand it to a service.

No rule lives here: the range of a criterion and the reason rule come from ``rules``, and
the services check them again; a form only says what is missing or not a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from huying.core.forms import xlsx_file_field
from huying.evaluation import rules
from huying.evaluation.models import CRITERIA, RespondentType
from huying.evaluation.rules import Scores
from huying.org.models import OrgUnit

#: Criteria labels, translatable (``rules.CRITERIA_LABELS`` holds the source text).
CRITERION_LABELS = {
    "report_in": _("报到"),
    "professionalism": _("专业性"),
    "responsibility": _("担当意识"),
    "cooperation": _("配合度"),
    "result": _("办理结果"),
}
REASON_MAX = 2000


def _format(message: Any, **values: Any) -> Any:
    """``message % values``, translated when shown (a form class is built once, at import,
    and must speak the language of each request)."""
    return lazy(lambda: str(message) % {k: str(v) for k, v in values.items()}, str)()


def score_field(name: str, *, required: bool = True) -> forms.IntegerField:
    label = CRITERION_LABELS[name]
    out_of_range = _format(
        _("「%(criterion)s」须为 0–%(max)s 的整数"), criterion=label, max=rules.CRITERION_MAX
    )
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=rules.CRITERION_MAX,
        error_messages={
            "required": _format(_("请填写「%(criterion)s」"), criterion=label),
            "invalid": out_of_range,
            "min_value": out_of_range,
            "max_value": out_of_range,
        },
        widget=forms.NumberInput(
            attrs={"class": "score", "min": 0, "max": rules.CRITERION_MAX, "step": 1}
        ),
    )


def reason_field(label: Any, *, required: bool, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=REASON_MAX,
        help_text=help_text,
        error_messages={"required": _("请填写理由")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ScoresForm(forms.Form):
    """The five criteria (0–20 each); the total is their sum."""

    report_in = score_field("report_in")
    professionalism = score_field("professionalism")
    responsibility = score_field("responsibility")
    cooperation = score_field("cooperation")
    result = score_field("result")

    def criteria(self) -> list[forms.BoundField]:
        return [self[name] for name in CRITERIA]

    def scores(self) -> Scores:
        return Scores(**{name: self.cleaned_data[name] for name in CRITERIA})

    @classmethod
    def initial_of(cls, obj: object) -> dict[str, int]:
        return Scores.of(obj).as_dict()


class RatingForm(ScoresForm):
    reason = reason_field(
        _("评议理由"),
        required=False,
        help_text=_format(
            _("总分低于 %(low)s 分或为满分（%(full)s 分）时必须填写理由，杜绝感情分、人情分。"),
            low=rules.REASON_BELOW,
            full=rules.FULL_SCORE,
        ),
    )


class CorrectForm(ScoresForm):
    reason = reason_field(
        _("更正理由"), required=True, help_text=_("评议只能更正一次，且部门申诉后不能再更正。")
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class AppealForm(forms.Form):
    reason = reason_field(
        _("申诉理由"), required=True, help_text=_("每条评议只能申诉一次，由呼应办裁定。")
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class RulingForm(ScoresForm):
    """The hub's ruling: uphold with adjusted scores for every criterion, or refuse."""

    UPHOLD, REFUSE = "uphold", "refuse"

    decision = forms.ChoiceField(
        label=_("裁定"),
        choices=[(UPHOLD, _("申诉成立，调整评分")), (REFUSE, _("申诉驳回，维持评分"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择裁定结果")},
    )
    reason = reason_field(_("裁定理由"), required=True)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Scores are asked for only when upheld; ``clean`` says which are missing then.
        for name in CRITERIA:
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == self.UPHOLD:
            for name in CRITERIA:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, self.fields[name].error_messages["required"])
        return data

    @property
    def uphold(self) -> bool:
        return self.cleaned_data["decision"] == self.UPHOLD

    def adjusted(self) -> Scores | None:
        return self.scores() if self.uphold else None


# --- annual inputs ----------------------------------------------------------------------------


def year_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("年度"),
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": _("请填写年度"),
            "invalid": _("年度无效"),
            "min_value": _("年度无效"),
            "max_value": _("年度无效"),
        },
    )


def _score_text(label: Any = "") -> forms.CharField:
    """A 0–100 score typed as text: the service parses it (``parse_score``) and says what is
    wrong, so the form and the import agree to the letter."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "score100"}),
    )


class AnnualReviewForm(forms.Form):
    """年度评议: one row per department of the district, score 0–100 and a comment."""

    def __init__(self, *args: Any, departments: Iterable[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.departments = list(departments)
        for d in self.departments:
            self.fields[f"score_{d.pk}"] = _score_text(_("%(name)s 得分") % {"name": d.name})
            self.fields[f"comment_{d.pk}"] = forms.CharField(
                label=_("%(name)s 评语") % {"name": d.name},
                required=False,
                max_length=500,
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"department": d, "score": self[f"score_{d.pk}"], "comment": self[f"comment_{d.pk}"]}
            for d in self.departments
        ]


class SurveyForm(forms.Form):
    """One paper survey form typed in: its number, who filled it in, a score per department."""

    year = year_field()
    form_no = forms.CharField(
        label=_("问卷编号"), max_length=32, error_messages={"required": _("请填写问卷编号")}
    )
    respondent_type = forms.ChoiceField(
        label=_("评价对象"),
        choices=RespondentType.choices,
        error_messages={"required": _("请选择评价对象")},
    )

    def __init__(self, *args: Any, departments: Iterable[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.departments = list(departments)
        for d in self.departments:
            self.fields[f"score_{d.pk}"] = _score_text(d.name)

    def department_fields(self) -> list[forms.BoundField]:
        return [self[f"score_{d.pk}"] for d in self.departments]

    def scores(self) -> dict[int, str]:
        """The departments given a score, in the form's order."""
        out = {}
        for d in self.departments:
            value = (self.cleaned_data.get(f"score_{d.pk}") or "").strip()
            if value:
                out[d.pk] = value
        return out


class SurveyImportForm(forms.Form):
    year = year_field()
    file = xlsx_file_field()
