"""The ``--district`` option of the catalogue commands: each district keeps its own catalogue."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from huying.org.models import OrgUnit


def add_district_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--district",
        default="",
        metavar="CODE",
        help="区的编码或简称；只有一个区时可省略 / the district's code or letter code",
    )


def district_named(text: str) -> OrgUnit:
    """The district ``text`` names (its code or letter code); unnamed, the only one."""
    districts = OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).defer("boundary")
    wanted = text.strip()
    if wanted:
        districts = districts.filter(code=wanted) | districts.filter(abbr__iexact=wanted)
    found = list(districts.order_by("code")[:2])
    if len(found) != 1:
        raise CommandError(
            "找不到区，或有多个区：请用 --district 指定区的编码 / "
            "no such district, or several: name one with --district"
        )
    return found[0]
