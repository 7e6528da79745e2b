from typing import Any

from django.core.management.base import BaseCommand, CommandError

from huying.grid.duties import duties_copy
from huying.org.models import OrgUnit


class Command(BaseCommand):
    help = (
        "把区的网格职责模板复制到每个网格（已有的不重复，网格的修改保留）/ copy the district's "
        "duty template to every grid (lines a grid has are kept as the grid left them)"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        districts = list(OrgUnit.objects.defer("boundary").filter(kind=OrgUnit.Kind.DISTRICT))
        if not districts:
            raise CommandError("没有区 / no district")
        for district in districts:
            result = duties_copy(district=district)
            self.stdout.write(
                f"{district.name}: {result.grids} 个网格 grids, 新增 {result.added} 条职责 duties added"
            )
