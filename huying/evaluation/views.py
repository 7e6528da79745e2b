"""Console pages of the evaluation: 逆向评议 (streets), 申诉 (departments), 裁定 (the hub), the
inputs of the annual evaluation (年度评议, 群众评价), and a landing page per role.

Thin by design: each page reads through ``selectors`` (which start from the actor's scope)
and writes through one service. A role that takes no part in a page gets a 404, as does
anything outside the actor's scope; a refused form comes back with the reason in place and
the error's status (422 for bad input, 409 when someone else changed the rating first).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huying.core.errors import DomainError, NotFound
from huying.core.i18n import join_list
from huying.core.spreadsheets import row_errors
from huying.core.web import form_error
from huying.evaluation import rules, selectors, services
from huying.evaluation.forms import (
    AnnualReviewForm,
    AppealForm,
    CorrectForm,
    RatingForm,
    RulingForm,
    ScoresForm,
    SurveyForm,
    SurveyImportForm,
)
from huying.evaluation.models import AppealState, Rating, RatingAppeal
from huying.evaluation.services.annual import FIRST_YEAR, LAST_YEAR, parse_score
from huying.evaluation.survey_template import XLSX, survey_template_xlsx
from huying.org.actors import Actor
from huying.org.web import staff_view

PAGE_ROWS = 50
Test = Callable[[Actor], bool]


def part_view(
    *allowed: Test,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """``staff_view`` for a page of one part of the evaluation: a role that takes no part in
    it (``allowed`` all false) finds no page (404, never 403)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @staff_view
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor: Actor = request.actor  # type: ignore[attr-defined]
            if allowed and not any(test(actor) for test in allowed):
                raise NotFound(_("页面不存在"))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]


def _page(request: HttpRequest, qs: Any, *, count: int | None = None) -> Page[Any]:
    """``count``: the rows' number when the caller has a cheaper way to it than ``count()``."""
    paginator = Paginator(qs, PAGE_ROWS)
    if count is not None:
        paginator.count = count
    return paginator.get_page(request.GET.get("page"))


def _refused(form: Any, exc: DomainError) -> int:
    """Show a service's refusal on the form; the status the page answers with."""
    if exc.status == 404:  # never dress up "does not exist" as a form error
        raise exc
    form_error(form, exc)
    return exc.status


def _year(request: HttpRequest) -> int:
    """The year asked for (``?year=``), else this year."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return timezone.localdate().year


# --- landing ----------------------------------------------------------------------------------


def _links(actor: Actor) -> list[dict[str, Any]]:
    """The pages the acting role may use, with the counts that say whether work waits."""
    year = timezone.localdate().year
    out: list[dict[str, Any]] = []
    if selectors.rates(actor):
        due = selectors.ratings_due_count(actor)
        departments = selectors.district_departments(actor.unit).count()
        reviewed = len(selectors.annual_reviews_of(actor, year))
        out += [
            {"url": "evaluation:due", "title": _("待评议"), "count": due, "tone": "warn"},
            {
                "url": "evaluation:given",
                "title": _("已评议"),
                "count": selectors.ratings_given(actor).count(),
            },
            {
                "url": "evaluation:annual",
                "title": _("%(year)d 年度评议") % {"year": year},
                "count": f"{reviewed} / {departments}",
                "tone": "warn" if reviewed < departments else "",
            },
        ]
    if selectors.appeals(actor):
        received = selectors.ratings_received(actor)
        out += [
            {"url": "evaluation:received", "title": _("收到的评议"), "count": received.count()},
            {
                "url": "evaluation:received",
                "title": _("申诉中"),
                "count": received.filter(appeal__state=AppealState.PENDING).count(),
            },
        ]
    if selectors.rules_on_appeals(actor):
        out.append(
            {
                "url": "evaluation:appeals",
                "title": _("申诉待裁定"),
                "count": selectors.appeals_pending(actor).count(),
                "tone": "bad",
            }
        )
    if selectors.enters_surveys(actor):
        out.append(
            {
                "url": "evaluation:survey",
                "title": _("%(year)d 年群众评价问卷") % {"year": year},
                "count": selectors.survey_form_count(actor, year),
            }
        )
    return out


@part_view(selectors.takes_part)
def home(request: HttpRequest) -> HttpResponse:
    weights = {
        "process": settings.HUYING_SCORE_PROCESS_WEIGHT * 100,
        "annual": settings.HUYING_SCORE_ANNUAL_WEIGHT * 100,
    }
    context = {
        "links": _links(_actor(request)),
        "weights": weights,
        "nav": "evaluation",
        "tab": "home",
    }
    return render(request, "evaluation/home.html", context)


# --- 逆向评议: streets ---------------------------------------------------------------------------


@part_view(selectors.rates)
def due(request: HttpRequest) -> HttpResponse:
    """待评议: the street's verified cases still missing a rating for a department."""
    actor = _actor(request)
    page = _page(request, selectors.ratings_due(actor), count=selectors.ratings_due_count(actor))
    rows = selectors.due_rows(list(page.object_list))
    context = {"page": page, "rows": rows, "nav": "evaluation", "tab": "due"}
    return render(request, "evaluation/due.html", context)


@part_view(selectors.rates)
def rate(request: HttpRequest, case_id: int, department_id: int) -> HttpResponse:
    """The scoring form for one (case, responding unit); back to 待评议 when stored."""
    actor = _actor(request)
    case, department = selectors.rating_target_get(
        actor, case_id=case_id, department_id=department_id
    )
    existing = Rating.objects.filter(case=case, unit=department).first()
    if existing is not None and request.method != "POST":
        messages.info(request, _("该部门在此事件上已有评议"))
        return redirect("evaluation:rating", rating_id=existing.pk)
    form = RatingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.rating_create(
                    actor=actor,
                    case_id=case.pk,
                    department_id=department.pk,
                    scores=form.scores(),
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                status = _refused(form, exc)
            else:
                messages.success(
                    request,
                    _("已评议 %(case)s · %(department)s：%(total)d 分")
                    % {
                        "case": case.number,
                        "department": department.name,
                        "total": form.scores().total,
                    },
                )
                return redirect("evaluation:due")
    assignments = list(case.assignments.filter(department=department).select_related("department"))
    context = {
        "case": case,
        "department": department,
        "assignments": assignments,
        "form": form,
        "rules": rules,
        "status": status,
        "nav": "evaluation",
        "tab": "due",
    }
    return render(request, "evaluation/rate.html", context, status=status)


@part_view(selectors.rates)
def given(request: HttpRequest) -> HttpResponse:
    """已评议: the street's ratings, each with its revision and appeal state."""
    actor = _actor(request)
    page = _page(request, selectors.ratings_given(actor))
    context = {"page": page, "rows": _with_offers(actor, page), "nav": "evaluation", "tab": "given"}
    return render(request, "evaluation/given.html", context)


# --- 申诉: departments --------------------------------------------------------------------------


@part_view(selectors.appeals)
def received(request: HttpRequest) -> HttpResponse:
    """收到的评议: the department's ratings by criterion, with the street's reason."""
    actor = _actor(request)
    page = _page(request, selectors.ratings_received(actor))
    context = {
        "page": page,
        "rows": _with_offers(actor, page),
        "nav": "evaluation",
        "tab": "received",
    }
    return render(request, "evaluation/received.html", context)


# --- 裁定: the hub ------------------------------------------------------------------------------


@part_view(selectors.rules_on_appeals)
def appeals(request: HttpRequest) -> HttpResponse:
    """申诉待裁定: the appeals waiting for the hub, the oldest first."""
    page = _page(request, selectors.appeals_pending(_actor(request)))
    context = {"page": page, "rows": list(page), "nav": "evaluation", "tab": "appeals"}
    return render(request, "evaluation/appeals.html", context)


# --- one rating: its versions, its appeal, and what the actor may do with it ----------------------


def _appeal_of(rating: Rating) -> RatingAppeal | None:
    try:
        return rating.appeal
    except RatingAppeal.DoesNotExist:
        return None


def _offers(actor: Actor, rating: Rating) -> frozenset[str]:
    appeal = _appeal_of(rating)
    return rules.rating_offers(
        role=actor.role,
        unit_id=actor.unit.pk,
        district_id=actor.district_id,
        street_id=rating.street_id,
        revision=rating.revision,
        appeal_state=appeal.state if appeal else None,
    )


def _with_offers(actor: Actor, page: Page[Any]) -> list[Rating]:
    """The page's ratings, each with what the actor may do with it (``offers``)."""
    rows = list(page)
    for r in rows:
        r.offers = _offers(actor, r)
    return rows


def _rating_page(
    request: HttpRequest,
    rating: Rating,
    *,
    bound: dict[str, Any] | None = None,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    offers = _offers(actor, rating)
    version = {"expected_version": rating.version}
    current = ScoresForm.initial_of(rating)
    forms: dict[str, Any] = {}
    if rules.CORRECT in offers:
        forms["correct"] = CorrectForm(initial=current | version, prefix="correct")
    if rules.APPEAL in offers:
        forms["appeal"] = AppealForm(initial=version, prefix="appeal")
    if rules.RULE in offers:
        forms["rule"] = RulingForm(initial=current | version, prefix="rule")
    shown = {k: f for k, f in (bound or {}).items() if k in offers}
    forms |= shown
    appeal = _appeal_of(rating)
    context = {
        "rating": rating,
        "appeal": appeal,
        "revisions": list(rating.revisions.all()),
        "criteria": list(ScoresForm.base_fields.items()),
        "forms": forms,
        "error": error,
        "error_shown": bool(shown),
        "status": status,
        "nav": "evaluation",
        "tab": _tab_for(actor),
    }
    return render(request, "evaluation/rating.html", context, status=status)


def _tab_for(actor: Actor) -> str:
    if selectors.rates(actor):
        return "given"
    if selectors.appeals(actor):
        return "received"
    return "appeals"


@staff_view
def rating_detail(request: HttpRequest, rating_id: int) -> HttpResponse:
    """One rating, for anyone who may see it (``ratings_visible_to``; else 404)."""
    rating = selectors.rating_detail(_actor(request), rating_id=rating_id)
    return _rating_page(request, rating)


def _rating_act(
    request: HttpRequest,
    rating_id: int,
    action: str,
    form_class: type[Any],
    write: Callable[[Actor, Rating, Any], Any],
    done: Callable[[Rating], str],
    back: str,
) -> HttpResponse:
    """Validate the action's form and run its service; on refusal, the rating page again
    with the form bound, its reason in place and the error's status."""
    actor = _actor(request)
    rating = selectors.rating_detail(actor, rating_id=rating_id)  # scope: 404
    form = form_class(request.POST, prefix=action)
    error: DomainError | None = None
    status = 422
    if form.is_valid():
        try:
            write(actor, rating, form)
        except DomainError as exc:
            if exc.status == 404:
                raise
            form_error(form, exc)
            error, status = exc, exc.status
        else:
            messages.success(request, done(rating))
            return redirect(back)
    rating = selectors.rating_detail(actor, rating_id=rating_id)
    return _rating_page(request, rating, bound={action: form}, error=error, status=status)


@require_POST
@staff_view
def rating_correct(request: HttpRequest, rating_id: int) -> HttpResponse:
    def write(actor: Actor, rating: Rating, form: CorrectForm) -> Any:
        return services.rating_correct(
            actor=actor,
            rating_id=rating.pk,
            scores=form.scores(),
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["expected_version"],
        )

    return _rating_act(
        request,
        rating_id,
        rules.CORRECT,
        CorrectForm,
        write,
        lambda r: (
            _("已更正 %(case)s · %(department)s 的评议")
            % {"case": r.case.number, "department": r.unit.name}
        ),
        "evaluation:given",
    )


@require_POST
@staff_view
def rating_appeal(request: HttpRequest, rating_id: int) -> HttpResponse:
    def write(actor: Actor, rating: Rating, form: AppealForm) -> Any:
        return services.rating_appeal(
            actor=actor,
            rating_id=rating.pk,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["expected_version"],
        )

    return _rating_act(
        request,
        rating_id,
        rules.APPEAL,
        AppealForm,
        write,
        lambda r: _("已对 %(case)s 的评议提出申诉，等待呼应办裁定") % {"case": r.case.number},
        "evaluation:received",
    )


@require_POST
@staff_view
def rating_rule(request: HttpRequest, rating_id: int) -> HttpResponse:
    def write(actor: Actor, rating: Rating, form: RulingForm) -> Any:
        return services.rating_rule_appeal(
            actor=actor,
            rating_id=rating.pk,
            uphold=form.uphold,
            scores=form.adjusted(),
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["expected_version"],
        )

    return _rating_act(
        request,
        rating_id,
        rules.RULE,
        RulingForm,
        write,
        lambda r: (
            _("已裁定 %(case)s · %(department)s 的申诉")
            % {"case": r.case.number, "department": r.unit.name}
        ),
        "evaluation:appeals",
    )


# --- 年度评议: streets -------------------------------------------------------------------------


@part_view(selectors.rates)
def annual(request: HttpRequest) -> HttpResponse:
    """The street's annual review of every department of the district, for one year: one
    table, prefilled with what was entered; all rows stored together or none."""
    actor = _actor(request)
    year = _year(request)
    departments = list(selectors.district_departments(actor.unit).order_by("code"))
    reviews = selectors.annual_reviews_of(actor, year)
    initial = {}
    for pk, review in reviews.items():
        initial[f"score_{pk}"] = f"{review.score.normalize():f}"
        initial[f"comment_{pk}"] = review.comment
    form = AnnualReviewForm(request.POST or None, initial=initial, departments=departments)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid() and _annual_store(actor, year, form, reviews):
            messages.success(request, _("已保存 %(year)d 年度评议") % {"year": year})
            return redirect(f"{request.path}?year={year}")
    context = {
        "form": form,
        "year": year,
        "years": _years_around(year),
        "reviewed": len(reviews),
        "nav": "evaluation",
        "tab": "annual",
    }
    return render(request, "evaluation/annual.html", context, status=status)


def _annual_store(actor: Actor, year: int, form: AnnualReviewForm, reviews: dict[int, Any]) -> bool:
    """Every changed row through ``annual_review_set``, in one transaction: a refused row
    is marked in place and nothing is stored."""
    with transaction.atomic():
        for d in form.departments:
            score = form.cleaned_data[f"score_{d.pk}"].strip()
            comment = form.cleaned_data[f"comment_{d.pk}"].strip()
            before = reviews.get(d.pk)
            if not score:
                if before is not None:
                    form.add_error(f"score_{d.pk}", _("已评的部门不能清空得分"))
                elif comment:
                    form.add_error(f"score_{d.pk}", _("请填写得分"))
                continue
            if before is not None and before.comment == comment:
                try:
                    if parse_score(score) == before.score:
                        continue  # unchanged: no write, no line in the change log
                except ValueError:
                    pass  # the service names the problem
            try:
                services.annual_review_set(
                    actor=actor, year=year, department_id=d.pk, score=score, comment=comment
                )
            except DomainError as exc:
                if exc.status == 404:
                    raise
                field = f"comment_{d.pk}" if exc.details.get("field") == "comment" else None
                form.add_error(field or f"score_{d.pk}", exc.message)
        if form.errors:
            transaction.set_rollback(True)
            return False
    return True


def _years_around(year: int) -> list[int]:
    this_year = timezone.localdate().year
    return sorted({this_year - 1, this_year, year})


# --- 群众评价: the hub -------------------------------------------------------------------------


@part_view(selectors.enters_surveys)
def survey(request: HttpRequest) -> HttpResponse:
    """群众评价: imported batches, the import form and the template to fill in."""
    actor = _actor(request)
    year = timezone.localdate().year
    form = SurveyImportForm(request.POST or None, request.FILES or None, initial={"year": year})
    status = 200
    import_errors = None
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.survey_import(
                    actor=actor,
                    year=form.cleaned_data["year"],
                    file=upload,
                    file_name=upload.name,
                )
            except DomainError as exc:
                status = _refused(form, exc)
                import_errors = row_errors(exc)
            else:
                messages.success(
                    request,
                    _("已导入 %(file)s：%(rows)d 行")
                    % {"file": batch.file_name, "rows": batch.rows},
                )
                return redirect("evaluation:survey")
    context = {
        "form": form,
        "page": _page(request, selectors.survey_batches(actor)),
        "import_errors": import_errors,
        "columns": join_list(services.survey.COLUMNS),
        "nav": "evaluation",
        "tab": "survey",
    }
    return render(request, "evaluation/survey.html", context, status=status)


@part_view(selectors.enters_surveys)
def survey_form(request: HttpRequest) -> HttpResponse:
    """One paper form typed in by hand."""
    actor = _actor(request)
    departments = list(selectors.district_departments(actor.unit).order_by("code"))
    form = SurveyForm(
        request.POST or None,
        initial={"year": timezone.localdate().year},
        departments=departments,
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            scores = form.scores()
            try:
                services.survey_form_enter(
                    actor=actor,
                    year=form.cleaned_data["year"],
                    form_no=form.cleaned_data["form_no"],
                    respondent_type=form.cleaned_data["respondent_type"],
                    scores=scores,
                )
            except DomainError as exc:
                if exc.status == 404:
                    raise
                if exc.code == "import_rejected":
                    _survey_row_errors(form, exc, list(scores))
                else:
                    form_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("已录入问卷 %(form)s（%(count)d 个部门）")
                    % {"form": form.cleaned_data["form_no"], "count": len(scores)},
                )
                return redirect("evaluation:survey_form")
    context = {"form": form, "nav": "evaluation", "tab": "survey"}
    return render(request, "evaluation/survey_form.html", context, status=status)


def _survey_row_errors(form: SurveyForm, exc: DomainError, department_ids: list[int]) -> None:
    """The service numbers the departments it was given 1, 2, … in order: each problem goes
    back on its department's field."""
    for problem in exc.details.get("errors", []):
        line, message = problem.get("row", 0), problem.get("message", "")
        if 1 <= line <= len(department_ids):
            form.add_error(f"score_{department_ids[line - 1]}", message)
        else:
            form.add_error(None, message)


@part_view(selectors.enters_surveys)
def survey_template_download(request: HttpRequest) -> HttpResponse:
    """The XLSX to fill in: the columns the import reads, the departments, the choices."""
    actor = _actor(request)
    departments = list(selectors.district_departments(actor.unit).order_by("code"))
    response = HttpResponse(survey_template_xlsx(departments), content_type=XLSX)
    name = _("群众评价导入模板") + ".xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
