"""The demo's 会商与联合执法: its two joint operations each show a photo of their result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from huying.coordination.models import JointOperation
from huying.demo.coordination import build_coordination
from huying.demo.district import DemoDistrict


@pytest.mark.django_db
def test_each_joint_operation_has_a_photo_of_its_result(
    small_district: DemoDistrict, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    made = build_coordination(small_district)
    assert made["operations"] == 2
    for op in JointOperation.objects.all():
        [photo] = op.photos.all()
        assert (photo.name, photo.content_type) == ("整治后.jpg", "image/jpeg")
        with Image.open(photo.file.path) as image:
            assert image.format == "JPEG" and image.size == (800, 600)
