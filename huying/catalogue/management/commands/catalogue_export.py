"""``huying catalogue-export [--district CODE] [--version N] FILE``: a catalogue version as
XLSX.

The district's current version unless ``--version`` names another (a draft or an old one);
the file is what ``huying catalogue-import`` and the import on /manage/catalogue/ read back.
``--district`` may be left out where the installation has one district.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from huying.catalogue.management.districts import add_district_option, district_named
from huying.catalogue.models import Catalogue, CatalogueItem
from huying.catalogue.xlsx import catalogue_export


class Command(BaseCommand):
    help = "导出事项清单为 XLSX / export a catalogue version as XLSX"

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # ``--version`` is the catalogue's here, not Django's (which prints Django's version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="写入的文件，如 清单.xlsx / the file to write")
        add_district_option(parser)
        parser.add_argument(
            "--version",
            dest="catalogue_version",
            type=int,
            default=None,
            metavar="N",
            help="版本号，默认现行版本 / version number (default: the current one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        number = options["catalogue_version"]
        versions = Catalogue.objects.filter(district=district_named(options["district"]))
        if number is None:
            catalogue = versions.filter(is_current=True).first()
            if catalogue is None:
                raise CommandError("还没有现行清单，请用 --version 指定 / no current version")
        else:
            catalogue = versions.filter(version=number).first()
            if catalogue is None:
                raise CommandError(f"版本 v{number} 不存在 / no version {number}")
        data = catalogue_export(catalogue)
        try:
            Path(options["file"]).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入文件 cannot write: {exc}") from None
        items = CatalogueItem.objects.filter(klass__catalogue=catalogue).count()
        self.stdout.write(
            f"已导出 exported: {catalogue.name} v{catalogue.version}, "
            f"{catalogue.classes.count()} 类 classes, {items} 项 items → {options['file']}"
        )
