"""Each district keeps its own catalogue: versions numbered and published per district, items
led by the district's own departments, and each admin keeps only its district's (a city
admin picks the district)."""

from __future__ import annotations

import importlib
import io
import re
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.test import Client

from huying.catalogue.models import Catalogue, CatalogueItem, Level, LimitUnit
from huying.catalogue.selectors import (
    current_catalogue,
    current_items,
    current_items_cached,
)
from huying.catalogue.services import (
    catalogue_class_create,
    catalogue_draft_create,
    catalogue_item_create,
    catalogue_publish,
)
from huying.catalogue.xlsx import catalogue_export, catalogue_import
from huying.conftest import MONDAY_10AM, Neighbour, World
from huying.core.errors import InvalidInput, PermissionDenied


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def _catalogue(neighbour: Neighbour) -> Catalogue:
    return neighbour.items[Level.GENERAL].klass.catalogue


def test_publishing_one_districts_new_version_leaves_the_others_current(
    world: World, neighbour: Neighbour
) -> None:
    ours = current_catalogue(world.district.pk)
    theirs = _catalogue(neighbour)
    assert ours is not None and ours.version == theirs.version == 1
    world_items = current_items_cached(world.district.pk)
    draft = catalogue_draft_create(actor=world.actor("admin_q"), source=theirs, now=MONDAY_10AM)
    assert (draft.district, draft.version) == (neighbour.district, 2)  # numbered per district
    catalogue_publish(catalogue=draft, now=MONDAY_10AM, actor=world.actor("admin_q"))
    assert current_catalogue(neighbour.district.pk) == draft
    assert current_catalogue(world.district.pk) == ours
    ours.refresh_from_db()
    assert ours.is_current
    assert current_items_cached(world.district.pk) == world_items
    assert {i.klass.catalogue_id for i in current_items_cached(neighbour.district.pk)} == {draft.pk}
    # Each district's items are its own.
    assert {i.pk for i in current_items(world.district.pk)} == {i.pk for i in world.items.values()}


def test_an_item_names_only_departments_of_its_catalogues_district(
    world: World, neighbour: Neighbour
) -> None:
    draft = catalogue_draft_create(
        actor=world.actor("admin_q"), source=_catalogue(neighbour), now=MONDAY_10AM
    )
    klass = catalogue_class_create(catalogue=draft, code="B", name="管理服务")
    limits: dict[str, Any] = {
        "report_in_limit": 1,
        "report_in_unit": LimitUnit.WORKING_DAYS,
        "handle_limit": 5,
        "handle_unit": LimitUnit.WORKING_DAYS,
    }
    items = CatalogueItem.objects.count()
    for field, lead, co in [
        ("lead_department", world.departments["cg"], []),
        ("lead_department", world.departments["cg_unit"], []),
        ("co_departments", neighbour.department, [world.departments["sw"]]),
    ]:
        with pytest.raises(InvalidInput) as refused:
            catalogue_item_create(
                klass=klass,
                code="B1",
                name="井盖缺失",
                default_level=Level.GENERAL,
                lead_department=lead,
                co_departments=co,
                **limits,
            )
        assert refused.value.details["field"] == field
        assert "本清单所属区" in refused.value.message
    assert CatalogueItem.objects.count() == items
    item = catalogue_item_create(
        klass=klass,
        code="B1",
        name="井盖缺失",
        default_level=Level.GENERAL,
        lead_department=neighbour.department,
        **limits,
    )
    assert item.lead_department == neighbour.department


def test_an_import_reads_department_names_in_its_own_district(
    world: World, neighbour: Neighbour
) -> None:
    """The world's file names 城管局, 水务局 …: none of them is a department of 青城区."""
    exported = catalogue_export(current_catalogue(world.district.pk))  # type: ignore[arg-type]
    versions = Catalogue.objects.count()
    with pytest.raises(InvalidInput) as refused:
        catalogue_import(
            actor=world.actor("admin_q"),
            district=neighbour.district,
            file=io.BytesIO(exported),
            now=MONDAY_10AM,
        )
    columns = {e["column"] for e in refused.value.details["errors"]}
    assert "主办部门" in columns
    assert Catalogue.objects.count() == versions
    with pytest.raises(PermissionDenied):
        catalogue_import(
            actor=world.actor("admin"),
            district=neighbour.district,
            file=io.BytesIO(exported),
            now=MONDAY_10AM,
        )


def test_an_admin_keeps_only_its_districts_catalogue(world: World, neighbour: Neighbour) -> None:
    theirs = _catalogue(neighbour)
    ours = current_catalogue(world.district.pk)
    assert ours is not None
    admin = _client(world, "admin")
    item = neighbour.items[Level.GENERAL]
    for url in (
        f"/manage/catalogue/{theirs.pk}/",
        f"/manage/catalogue/{theirs.pk}/export",
        f"/manage/catalogue/items/{item.pk}/",
    ):
        assert admin.get(url).status_code == 404, url
    assert admin.post(f"/manage/catalogue/{theirs.pk}/draft").status_code == 404
    assert Catalogue.objects.filter(district=neighbour.district).count() == 1
    with pytest.raises(PermissionDenied):
        catalogue_draft_create(actor=world.actor("admin"), source=theirs, now=MONDAY_10AM)
    listed = admin.get("/manage/catalogue/").content.decode()
    assert f"/manage/catalogue/{ours.pk}/" in listed
    assert f"/manage/catalogue/{theirs.pk}/" not in listed
    assert 'name="district"' not in listed  # nothing to choose
    mine = _client(world, "admin_q").get("/manage/catalogue/").content.decode()
    assert f"/manage/catalogue/{theirs.pk}/" in mine
    assert f"/manage/catalogue/{ours.pk}/" not in mine


def test_a_city_admin_picks_the_district_whose_catalogue_it_keeps(
    world: World, neighbour: Neighbour
) -> None:
    theirs = _catalogue(neighbour)
    city = _client(world, "city_admin")
    page = city.get("/manage/catalogue/", {"district": neighbour.district.pk}).content.decode()
    assert f"/manage/catalogue/{theirs.pk}/" in page
    assert re.search(rf'<option value="{neighbour.district.pk}" selected>青城区</option>', page)
    assert f'<option value="{world.district.pk}">锦城区</option>' in page
    response = city.post(f"/manage/catalogue/{theirs.pk}/draft")
    draft = Catalogue.objects.get(district=neighbour.district, version=2)
    assert response.status_code == 302 and response["Location"] == f"/manage/catalogue/{draft.pk}/"
    assert current_catalogue(world.district.pk) is not None
    assert not Catalogue.objects.filter(district=world.district, version=2).exists()


def test_the_migration_places_old_versions_in_the_only_district(world: World) -> None:
    migration = importlib.import_module("huying.catalogue.migrations.0004_catalogue_district")
    Catalogue.objects.update(district=None)
    migration.place_in_the_only_district(django_apps, None)
    assert set(Catalogue.objects.values_list("district", flat=True)) == {world.district.pk}


def test_the_migration_leaves_versions_unplaced_among_several_districts(
    world: World, neighbour: Neighbour
) -> None:
    migration = importlib.import_module("huying.catalogue.migrations.0004_catalogue_district")
    Catalogue.objects.update(district=None)
    migration.place_in_the_only_district(django_apps, None)
    assert set(Catalogue.objects.values_list("district", flat=True)) == {None}
    assert current_items(world.district.pk).count() == 0
