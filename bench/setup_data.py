"""Build the small demo district into the bench database and write tokens/ids as JSON.

Run by bench/run.py in a subprocess with DATABASE_URL set:
    python bench/setup_data.py OUT.json
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huying.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from huying.demo.district import build_district  # noqa: E402
from huying.org.api_auth import token_create  # noqa: E402
from huying.org.models import RoleGrant  # noqa: E402


def main(out: str) -> None:
    d = build_district(size="small", password="x")
    User = get_user_model()
    street = d.streets[0]

    def token(username: str) -> str:
        return token_create(user=User.objects.get(username=username), name="bench")[1]

    # Points inside the grids of the first street (the one street1 calls for).
    points = []
    for g in d.grids:
        if g.parent and g.parent.parent_id == street.pk:
            p = shape(g.boundary.get("geometry", g.boundary))
            rp = p.representative_point()
            points.append({"lat": rp.y, "lng": rp.x, "grid_id": g.pk})

    # An L2 item, preferably led by 城管局 ("cg"); its lead department's handler does the work.
    l2 = [i for i in d.items if i.default_level == 2]
    cg = d.departments["cg"]
    item = next((i for i in l2 if i.lead_department_id == cg.pk), l2[0])
    grant = (
        RoleGrant.objects.filter(role="dept_handler", unit=item.lead_department)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    handler = grant.user.username
    data = {
        "tokens": {
            "resident": token("resident1"),
            "street": token("street1"),
            "handler": token(handler),
        },
        "handler_username": handler,
        "handler_grant_id": grant.pk,
        "item_id": item.pk,
        "item_name": item.name,
        "lead_department": item.lead_department.name,
        "points": points,
        "build_seconds": round(d.seconds, 2),
    }
    with open(out, "w") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
    print(
        f"district built in {d.seconds:.1f}s; item {item.name} -> {item.lead_department.name};"
        f" handler {handler}; {len(points)} points"
    )


if __name__ == "__main__":
    main(sys.argv[1])
