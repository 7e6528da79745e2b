"""网格覆盖 page and its XLSX: street → community → grid, one month's reports."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from huying.core.errors import InvalidInput
from huying.core.web import file_download
from huying.org.actors import Actor
from huying.org.web import staff_view
from huying.reports import coverage, table_xlsx


class CoverageForm(forms.Form):
    unit = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    month = forms.DateField(
        label=gettext_lazy("月份"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


def _read(request: HttpRequest) -> tuple[coverage.Coverage, CoverageForm]:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    form = CoverageForm(request.GET)
    if not form.is_valid():
        raise InvalidInput(form.errors.as_text())
    when = form.cleaned_data["month"] or timezone.localdate()
    cov = coverage.coverage(
        actor, unit_id=form.cleaned_data["unit"], year=when.year, month=when.month
    )
    return cov, form


@require_GET
@staff_view
def coverage_page(request: HttpRequest) -> HttpResponse:
    cov, form = _read(request)
    month = f"{cov.month[0]:04d}-{cov.month[1]:02d}"
    target = settings.HUYING_INFORMANTS_PER_WORKER
    table = coverage.as_table(cov)
    drill = cov.unit.kind != coverage.K.GRID
    rows = [
        {
            "row": row,
            "url": (
                f"?unit={f.unit.pk}&month={month}" if drill and f.unit.pk != cov.unit.pk else None
            ),
            "short": f.per_worker is not None and f.per_worker < target,
        }
        for f, row in zip(cov.rows, table.rows, strict=True)
    ]
    context: dict[str, Any] = {
        "cov": cov,
        "table": table,
        "rows": rows,
        "short_column": [c.code for c in table.columns].index("per_worker"),
        "month": month,
        "form": form,
        "export_url": reverse("reports:coverage_export")
        + "?"
        + f"unit={cov.unit.pk}&month={month}",
        "nav": "reports",
        "tab": "coverage",
    }
    return render(request, "reports/coverage.html", context)


@never_cache
@require_GET
@staff_view
def coverage_export(request: HttpRequest) -> HttpResponse:
    cov, _form = _read(request)
    return coverage_xlsx(cov)


def coverage_xlsx(cov: coverage.Coverage) -> HttpResponse:
    """The figures as the page's export and the API's download give them."""
    table = coverage.as_table(cov)
    now = timezone.now()
    name = f"{table.title}-{cov.unit.name}-{cov.month[0]:04d}{cov.month[1]:02d}.xlsx"
    return file_download(
        BytesIO(table_xlsx.workbook(table, generated_at=now)),
        filename=name,
        content_type=table_xlsx.CONTENT_TYPE,
    )
