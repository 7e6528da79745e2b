"""What text Huying takes in and what its documents can carry.

Stored text is what people typed, less the debris of copy and paste: C0 control characters
(but tab and line breaks) and DEL are dropped, since no reader sees them and XLSX, DOCX and
PDF writers cannot carry them. A NUL (PostgreSQL text cannot hold one) or a lone surrogate
(UTF-8 cannot encode one) is refused instead: it is not text, and dropping it silently would
change what a probe or a broken client meant. One rule for every door: JSON bodies and query
strings of the API, web query strings and forms, and paths (:mod:`huying.core.middleware`,
:mod:`huying.core.api_types`).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from huying.core.errors import InvalidInput

#: Dropped at the door: C0 controls other than tab, LF and CR; and DEL.
CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: Refused at the door: NUL and lone (unpaired) surrogates.
UNFIT = re.compile(r"[\x00\ud800-\udfff]")

#: What an XML document (XLSX, DOCX) or a PDF cannot carry: every C0 control but tab and line
#: breaks, surrogates, and the two non-characters U+FFFE and U+FFFF.
NOT_PRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class UnfitText(ValueError):
    """Text holding a character Huying refuses to store."""


def storable(value: str) -> str:
    """``value`` as Huying stores it, or :class:`UnfitText`."""
    if UNFIT.search(value):
        raise UnfitText(value)
    return CONTROL.sub("", value)


def printable(value: str) -> str:
    """``value`` with what a document cannot carry removed: for writers of text stored before
    the door kept it out, or that came from elsewhere."""
    return NOT_PRINTABLE.sub("", value)


#: A mainland mobile number, once spaces, dashes and a +86 prefix are dropped.
MOBILE = re.compile(r"1[3-9]\d{9}")


def normalize_phone(raw: str, *, field: str = "phone") -> str:
    """A mobile number as typed (spaces, dashes, +86) → its 11 digits, or ``InvalidInput``."""
    phone = re.sub(r"[\s\-()]", "", raw or "")
    phone = re.sub(r"^(\+?86)", "", phone)
    if not MOBILE.fullmatch(phone):
        raise InvalidInput(_("请输入 11 位手机号码"), field=field)
    return phone
