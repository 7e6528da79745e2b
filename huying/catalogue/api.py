"""Catalogue read endpoints: the current version of the 事项清单."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from huying.catalogue.models import CatalogueItem
from huying.catalogue.selectors import current_items
from huying.org.api_auth import acting

router = Router(tags=["事项清单 catalogue"])


class ItemOut(Schema):
    id: int
    code: str
    name: str
    class_name: str
    default_level: int
    lead_department_id: int | None
    co_department_ids: list[int]
    report_in_limit: int
    report_in_unit: str
    handle_limit: int
    handle_unit: str
    handling_standard: str
    closing_condition: str
    keywords: str
    synonyms: str

    @staticmethod
    def resolve_class_name(obj: CatalogueItem) -> str:
        return obj.klass.name

    @staticmethod
    def resolve_co_department_ids(obj: CatalogueItem) -> list[int]:
        return [d.pk for d in obj.co_departments.all()]


@router.get("/catalogue/items", response=list[ItemOut], summary="现行事项清单")
def items(request: HttpRequest) -> Any:
    acting(request)
    return list(current_items())
