"""The demo's gazetteer and its sample 12345 export: the file imports through the
gazetteer's own import, and the export imports with most tickets placed, the ones nowhere
in the gazetteer waiting in 待定位 and the two bad rows refused."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from huying.cases.models import Case, Source
from huying.demo.district import DemoDistrict
from huying.demo.gazetteer import NOWHERE, build_gazetteer, sample_export
from huying.gazetteer.models import Entry
from huying.hotline.importing import DEFAULT_MAPPING, plan_import, read_rows, run_import
from huying.org.actors import actor_for

END = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_the_sample_export_imports_against_the_demo_gazetteer(
    small_district: DemoDistrict, tmp_path: Path
) -> None:
    book, entries, placeable = build_gazetteer(small_district, tmp_path)
    assert book.exists() and Entry.objects.count() == entries > 50
    kinds = set(Entry.objects.values_list("kind", flat=True))
    assert kinds == {"road", "compound", "landmark"}
    assert (
        Entry.objects.filter(parity="odd").exists() and Entry.objects.filter(parity="even").exists()
    )
    xlsx, csv, count = sample_export(tmp_path, placeable, year_end=END, count=120)
    as_xlsx, as_csv = read_rows(xlsx.read_bytes(), xlsx.name), read_rows(csv.read_bytes(), csv.name)
    assert len(as_csv) == len(as_xlsx) == count
    assert set(as_csv[0][1]) == set(DEFAULT_MAPPING)
    csv.read_bytes().decode("gbk")  # GBK, as a Chinese Excel saves it
    hub = actor_for(User.objects.get(username="hub"))
    plan = run_import(plan_import(as_csv), actor=hub)
    assert plan.counts()["error"] == 2
    cases = list(Case.objects.filter(source=Source.HOTLINE, hotline_ticket__isnull=False))
    unplaced = [c for c in cases if c.grid_id is None and c.community_id is None]
    assert 0 < len(unplaced) < len(cases) * 0.2
    assert all(c.address in NOWHERE for c in unplaced)
