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
            "--district", default="", help="区的编码；只有一个区时可省略 / district code"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        districts = OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).defer("boundary")
        if options["district"]:
            districts = districts.filter(code=options["district"])
        found = list(districts[:2])
        if len(found) != 1:
            raise CommandError("找不到区，或有多个区：请用 --district 指定区的编码")
        try:
            circular = circular_generate(
                district=found[0], year=options["year"], month=options["month"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{circular.doc_number}\n  {where(circular.docx)}\n  {where(circular.pdf)}"
        )


def where(file: FieldFile) -> str:
    """The file's path on disk; in an object store (no paths there), its name in the bucket."""
    try:
        return file.path
    except NotImplementedError:
        return f"{file.storage.__class__.__name__}: {file.name}"
