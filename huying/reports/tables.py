"""Pages of the indicator tables (指标) and rankings (排名), and their XLSX exports.

Thin: the form says which period, grouping, table and sort; ``tabulate`` builds the table
under the acting role's scope; the page and the workbook render that one table. A form
that does not validate is shown again with its reasons (422) and no table.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from huying.core.errors import InvalidInput, NotFound
from huying.core.web import file_download
from huying.evaluation.grouping import GroupBy
from huying.org.actors import Actor
from huying.org.models import OrgUnit
from huying.org.web import staff_view
from huying.reports import table_xlsx, tabulate
from huying.reports.table_forms import IndicatorForm, RankingForm, with_defaults
from huying.reports.tabulate import TABLES, Table


def _reader(request: HttpRequest) -> Actor:
    """Staff of every kind read the tables of their own scope; residents have no such page."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if actor.is_reporter:
        raise NotFound(_("页面不存在"))
    return actor


def _query(data: dict[str, Any], **changes: str) -> str:
    merged = {k: v for k, v in {**data, **changes}.items() if v not in (None, "")}
    return urlencode(merged)


def _headers(table: Table, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Each column's header, with the link that sorts by it (largest first, then smallest)."""
    out = []
    for c in table.columns:
        current = table.sort.lstrip("-") == c.code
        descending = table.sort.startswith("-")
        direction = ("descending" if descending else "ascending") if current else None
        url = None
        if c.sortable:
            toggled = c.code if current and descending else f"-{c.code}"
            url = f"?{_query(params, sort=toggled)}"
        out.append({"column": c, "url": url, "aria_sort": direction})
    return out


def _indicator_form(request: HttpRequest) -> IndicatorForm:
    form = IndicatorForm(with_defaults(request.GET, IndicatorForm.defaults()))
    form.is_valid()
    return form


def _indicator_table(form: IndicatorForm, actor: Actor) -> Table:
    d = form.cleaned_data
    if d["within_unit"] is not None:  # another street's drill-down is absent, as in the API
        tabulate.within_unit(actor, d["within_unit"].pk)
    return tabulate.indicator_table(
        TABLES[d["table"]],
        period=form.the_period,
        by=d["by"],
        actor=actor,
        sort=d["sort"],
        within=d["within_unit"],
    )


def _up_url(form: IndicatorForm) -> str | None:
    """Back up one level of a territorial drill-down: a community's grids to its street's
    communities, a street's communities to the streets."""
    d = form.cleaned_data
    unit = d["within_unit"]
    if unit is None:
        return None
    spec, period = TABLES[d["table"]], form.the_period
    if unit.kind == OrgUnit.Kind.COMMUNITY:
        return tabulate.level_url(spec, period=period, by=GroupBy.COMMUNITY, within=unit.parent_id)
    return tabulate.level_url(spec, period=period, by=GroupBy.STREET)


def _params(form: IndicatorForm | RankingForm) -> dict[str, Any]:
    """The form's values as query parameters (what the export and sort links repeat)."""
    return {
        name: form.data.get(name) for name in form.fields if form.data.get(name) not in (None, "")
    }


@require_GET
@staff_view
def indicators(request: HttpRequest) -> HttpResponse:
    actor = _reader(request)
    form = _indicator_form(request)
    context: dict[str, Any] = {"form": form, "tab": "indicators", "nav": "reports"}
    if not form.is_valid():
        return render(request, "reports/tables/indicators.html", context, status=422)
    table = _indicator_table(form, actor)
    form.data["by"] = form.cleaned_data["by"]  # type: ignore[index]  # the grouping used
    params = _params(form)
    context |= {
        "table": table,
        "headers": _headers(table, params),
        "export_url": f"{reverse('reports:indicators_export')}?{_query(params)}",
        "up_url": _up_url(form),
    }
    return render(request, "reports/tables/indicators.html", context)


def _xlsx(table: Table, name: str) -> HttpResponse:
    now = timezone.now()
    data = table_xlsx.workbook(table, generated_at=now)
    stamp = f"{timezone.localtime(now):%Y%m%d-%H%M}"
    return file_download(
        BytesIO(data),
        filename=f"{name}-{stamp}.xlsx",
        content_type=table_xlsx.CONTENT_TYPE,
    )


def _title_for_file(table: Table) -> str:
    return f"{table.title}-{table.subtitle}".replace(" · ", "-").replace(" ", "")


@never_cache
@require_GET
@staff_view
def indicators_export(request: HttpRequest) -> HttpResponse:
    actor = _reader(request)
    form = _indicator_form(request)
    if not form.is_valid():
        raise InvalidInput(_("查询条件有误，请回到指标页修改后再导出"))
    table = _indicator_table(form, actor)
    return _xlsx(table, _("指标") + "-" + _title_for_file(table))


def _ranking_form(request: HttpRequest) -> RankingForm:
    form = RankingForm(with_defaults(request.GET, RankingForm.defaults()))
    form.is_valid()
    return form


def _rankings(form: RankingForm, actor: Actor) -> list[Table]:
    d = form.cleaned_data
    if d["view"] == "monthly":
        year, month = d["month"]
        return [tabulate.monthly_ranking(year=year, month=month, actor=actor)]
    if d["view"] == "units":
        year, month = d["month"]
        return tabulate.unit_rankings(year=year, month=month, actor=actor)
    if d["view"] == "annual":
        return [tabulate.annual_ranking(year=d["year"], actor=actor)]
    return list(tabulate.street_rankings(period=form.the_period, actor=actor))


@require_GET
@staff_view
def rankings(request: HttpRequest) -> HttpResponse:
    actor = _reader(request)
    form = _ranking_form(request)
    view = form.data.get("view")
    context: dict[str, Any] = {
        "form": form,
        "tab": view if view in ("monthly", "annual", "streets", "units") else "monthly",
        "nav": "reports",
    }
    if not form.is_valid():
        return render(request, "reports/tables/rankings.html", context, status=422)
    params = _params(form)
    tables = []
    for index, table in enumerate(_rankings(form, actor)):
        query = _query(params, which=str(index))
        tables.append(
            {
                "table": table,
                "headers": _headers(table, params),
                "export_url": f"{reverse('reports:rankings_export')}?{query}",
            }
        )
    context["tables"] = tables
    return render(request, "reports/tables/rankings.html", context)


@never_cache
@require_GET
@staff_view
def rankings_export(request: HttpRequest) -> HttpResponse:
    actor = _reader(request)
    form = _ranking_form(request)
    if not form.is_valid():
        raise InvalidInput(_("查询条件有误，请回到排名页修改后再导出"))
    tables = _rankings(form, actor)
    which = request.GET.get("which", "0")
    if not which.isdigit() or int(which) >= len(tables):
        raise InvalidInput(_("要导出的表不存在"))
    table = tables[int(which)]
    return _xlsx(table, _("排名") + "-" + _title_for_file(table))
