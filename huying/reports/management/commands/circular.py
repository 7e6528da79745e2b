from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models.fields.files import FieldFile

from huying.core.errors import DomainError
from huying.org.models import OrgUnit
from huying.reports.circular.services import circular_generate


class Command(BaseCommand):
    help = "生成月度通报（Word 和 PDF）/ generate a monthly circular now, without the worker"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, required=True)
        parser.add_argument(
            "--district", default="", help="区的编码；省略时每个区各生成一份 / district code"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """One circular per district (each of its own district's figures), or the one named."""
        districts = OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).defer("boundary")
        if options["district"]:
            districts = districts.filter(code=options["district"])
        found = list(districts.order_by("code"))
        if not found:
            raise CommandError("找不到区：请检查 --district 的编码")
        for district in found:
            try:
                circular = circular_generate(
                    district=district, year=options["year"], month=options["month"]
                )
            except DomainError as exc:
                raise CommandError(f"{district.name}：{exc.message}") from exc
            self.stdout.write(
                f"{district.name} {circular.doc_number}\n"
                f"  {where(circular.docx)}\n  {where(circular.pdf)}"
            )


def where(file: FieldFile) -> str:
    """The file's path on disk; in an object store (no paths there), its name in the bucket."""
    try:
        return file.path
    except NotImplementedError:
        return f"{file.storage.__class__.__name__}: {file.name}"
