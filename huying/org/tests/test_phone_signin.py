"""Residents sign in with a mobile number and a text-message code: the first good code makes
the account, later ones sign the same person in; codes expire, die after a few wrong tries,
are used once, and cannot be asked for too often; a staff account is never opened."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from huying.conftest import SENT_TEXTS as SENT
from huying.conftest import Neighbour, World, texted_code
from huying.core.errors import InvalidInput, TooManyAttempts
from huying.org import phone_signin
from huying.org.models import OrgUnit, PhoneAccount, PhoneCode, Role, RoleGrant, SignIn

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
IP = "203.0.113.9"


@pytest.fixture(autouse=True)
def _texts(texts: list[tuple[str, str]]) -> None:
    """Texts are kept in ``SENT`` (``huying.conftest.texts``), not sent."""


def _send(now: datetime, phone: str = PHONE, ip: str = IP) -> str:
    phone_signin.send_code(phone=phone, ip=ip, now=now)
    return texted_code(SENT, phone)


@pytest.mark.parametrize(
    ("raw", "phone"),
    [("13912345678", PHONE), ("139 1234 5678", PHONE), ("+86 139-1234-5678", PHONE)],
)
def test_numbers_are_read_as_people_write_them(raw: str, phone: str) -> None:
    assert phone_signin.normalize_phone(raw) == phone


@pytest.mark.parametrize("raw", ["", "12345", "23912345678", "139123456789", "1391234567x"])
def test_anything_but_a_mobile_number_is_refused_by_name(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        phone_signin.send_code(phone=raw, ip=IP)
    assert refused.value.details == {"field": "phone"}
    assert not SENT and not PhoneCode.objects.exists()


def test_the_first_code_makes_a_resident_who_sees_only_their_own(world: World) -> None:
    now = timezone.now()
    code = _send(now)
    assert "分钟内有效" in SENT[-1][1]
    user = phone_signin.sign_in_with_code(phone=PHONE, code=code, ip=IP, now=now)
    grant = RoleGrant.objects.get(user=user)
    assert grant.role == Role.RESIDENT and grant.unit.kind == OrgUnit.Kind.DISTRICT
    assert PhoneAccount.objects.get(user=user).phone == PHONE
    assert not user.has_usable_password()
    assert user.first_name == "139****5678"
    # Later: the same number, a new code, the same person.
    later = now + timedelta(minutes=2)
    again = phone_signin.sign_in_with_code(phone=PHONE, code=_send(later), ip=IP, now=later)
    assert again.pk == user.pk
    assert PhoneAccount.objects.filter(phone=PHONE).count() == 1


def test_a_code_opens_one_sign_in(world: World) -> None:
    now = timezone.now()
    code = _send(now)
    phone_signin.sign_in_with_code(phone=PHONE, code=code, ip=IP, now=now)
    with pytest.raises(InvalidInput):
        phone_signin.sign_in_with_code(phone=PHONE, code=code, ip=IP, now=now)


def test_a_code_expires(world: World, settings: pytest.FixtureRequest) -> None:
    now = timezone.now()
    code = _send(now)
    late = now + timedelta(minutes=settings.HUYING_PHONE_CODE_MINUTES, seconds=1)  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput):
        phone_signin.sign_in_with_code(phone=PHONE, code=code, ip=IP, now=late)
    assert not PhoneAccount.objects.filter(phone=PHONE).exists()


def test_a_code_dies_after_five_wrong_tries(world: World) -> None:
    now = timezone.now()
    code = _send(now)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for n in range(5):
        with pytest.raises(InvalidInput) as refused:
            phone_signin.sign_in_with_code(phone=PHONE, code=wrong, ip=f"198.51.100.{n}", now=now)
        assert refused.value.details == {"field": "code"}
    with pytest.raises(InvalidInput):  # the right code no longer holds
        phone_signin.sign_in_with_code(phone=PHONE, code=code, ip=IP, now=now)


def test_a_new_code_replaces_the_last(world: World) -> None:
    now = timezone.now()
    first = _send(now)
    later = now + timedelta(seconds=61)
    second = _send(later)
    if first != second:
        with pytest.raises(InvalidInput):
            phone_signin.sign_in_with_code(phone=PHONE, code=first, ip=IP, now=later)
    assert phone_signin.sign_in_with_code(phone=PHONE, code=second, ip=IP, now=later)


def test_codes_cannot_be_asked_for_too_often(world: World) -> None:
    now = timezone.now()
    _send(now)
    with pytest.raises(TooManyAttempts) as waiting:
        phone_signin.send_code(phone=PHONE, ip=IP, now=now + timedelta(seconds=30))
    assert "30 秒" in str(waiting.value.message)
    for n in range(1, 5):
        _send(now + timedelta(minutes=n))
    with pytest.raises(TooManyAttempts):  # the sixth in an hour
        phone_signin.send_code(phone=PHONE, ip=IP, now=now + timedelta(minutes=6))
    assert len(SENT) == 5
    _send(now + timedelta(minutes=61))  # an hour on


def test_one_address_cannot_text_the_whole_city(
    world: World, settings: pytest.FixtureRequest
) -> None:
    settings.HUYING_PHONE_CODES_IP_PER_HOUR = 3  # type: ignore[attr-defined]
    now = timezone.now()
    for n in range(3):
        _send(now, phone=f"1391234560{n}")
    with pytest.raises(TooManyAttempts):
        phone_signin.send_code(phone="13912345609", ip=IP, now=now)
    _send(now, phone="13912345609", ip="198.51.100.1")  # another address still may


def test_wrong_codes_lock_the_address_like_wrong_passwords(
    world: World, settings: pytest.FixtureRequest
) -> None:
    settings.HUYING_LOGIN_IP_MAX_FAILURES = 3  # type: ignore[attr-defined]
    now = timezone.now()
    code = _send(now)
    for n in range(2):
        with pytest.raises(InvalidInput):
            phone_signin.sign_in_with_code(phone=f"1380000000{n}", code="000000", ip=IP, now=now)
    with pytest.raises(TooManyAttempts):
        phone_signin.sign_in_with_code(phone="13800000009", code="000000", ip=IP, now=now)
    with pytest.raises(TooManyAttempts):  # even the right code, from there
        phone_signin.sign_in_with_code(phone=PHONE, code=code, ip=IP, now=now)
    rows = SignIn.objects.filter(ip=IP).order_by("pk")
    assert [r.result for r in rows] == ["failure", "failure", "failure", "locked"]
    assert rows.last().username == "139****5678"  # type: ignore[union-attr]


def test_a_staff_name_that_looks_like_the_number_is_not_opened(world: World) -> None:
    staff = world.actor("hub").user
    staff.username = f"m{PHONE}"
    staff.save()
    now = timezone.now()
    user = phone_signin.sign_in_with_code(phone=PHONE, code=_send(now), ip=IP, now=now)
    assert user.pk != staff.pk
    assert RoleGrant.objects.get(user=user).role == Role.RESIDENT
    assert get_user_model().objects.get(pk=staff.pk).username == f"m{PHONE}"


def test_only_a_digest_of_the_code_is_stored(world: World) -> None:
    code = _send(timezone.now())
    row = PhoneCode.objects.get(phone=PHONE)
    assert code not in row.digest and len(row.digest) == 64


def test_with_several_districts_a_new_resident_joins_the_one_chosen(
    world: World, neighbour: Neighbour
) -> None:
    now = timezone.now()
    code = _send(now)
    with pytest.raises(InvalidInput) as unchosen:
        phone_signin.sign_in_with_code(phone=PHONE, code=code, ip=IP, now=now)
    assert unchosen.value.details == {"field": "district_id"}
    assert not PhoneAccount.objects.exists()
    # The refusal left the code unused: the same code, with the district, signs in.
    assert {d.pk for d in phone_signin.phone_districts()} == {
        world.district.pk,
        neighbour.district.pk,
    }
    user = phone_signin.sign_in_with_code(
        phone=PHONE, code=code, ip=IP, district_id=neighbour.district.pk, now=now
    )
    assert RoleGrant.objects.get(user=user).unit_id == neighbour.district.pk
