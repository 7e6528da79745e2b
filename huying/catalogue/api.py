"""Catalogue read endpoints: the current version of the district's 事项清单."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from huying.catalogue.models import CatalogueItem, ItemAttribute
from huying.catalogue.selectors import current_items
from huying.org.api_auth import acting

router = Router(tags=["事项清单 catalogue"])


class AttributeValueOut(Schema):
    key: str
    name: str


class AttributeOut(Schema):
    """A question the item asks whoever reports it (Open311's service attribute)."""

    code: str
    datatype: str = Field(
        description="string / number / datetime / text / singlevaluelist / multivaluelist"
    )
    required: bool
    description: str
    order: int
    values: list[AttributeValueOut] = Field(description="选项, for the two list types")

    @staticmethod
    def resolve_values(obj: ItemAttribute) -> list[dict[str, str]]:
        return [{"key": key, "name": name} for key, name in obj.values]


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
    attributes: list[AttributeOut] = Field(description="填报项: what a report of it must answer")

    @staticmethod
    def resolve_attributes(obj: CatalogueItem) -> list[ItemAttribute]:
        return sorted(obj.attributes.all(), key=lambda a: (a.order, a.code))

    @staticmethod
    def resolve_class_name(obj: CatalogueItem) -> str:
        return obj.klass.name

    @staticmethod
    def resolve_co_department_ids(obj: CatalogueItem) -> list[int]:
        return [d.pk for d in obj.co_departments.all()]


@router.get(
    "/catalogue/items",
    response=list[ItemOut],
    summary="现行事项清单",
    description="本区的现行清单（市级角色：各区的）",
)
def items(request: HttpRequest) -> Any:
    actor = acting(request)
    return list(current_items(actor.district_id).prefetch_related("attributes"))
