"""Who gets what on which channel, quiet hours, retries with backoff, the dead letter, a
group robot told once per event, and no channel carrying a notification twice."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, connections

from huying.core import notify
from huying.core.channels import BUILDERS, DeliveryFailed, Message
from huying.core.errors import InvalidInput
from huying.core.models import (
    Delivery,
    Notification,
    NotificationPreference,
    QuietHours,
    TextNumber,
)
from huying.core.notify import (
    deliver_due,
    parse_quiet_hours,
    quiet_until,
    resolve,
    retry_delay,
)
from huying.org.models import PhoneAccount

SH = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=SH)
NIGHT = datetime(2026, 3, 10, 23, 30, tzinfo=SH)


# --- plain rules -------------------------------------------------------------------------------


def test_a_persons_choice_overrides_their_roles_default_among_the_channels_on() -> None:
    on = ["email", "sms", "wecom"]
    assert resolve({"email"}, {}, on) == {"email"}
    assert resolve({"email"}, {"email": False, "sms": True}, on) == {"sms"}
    # A channel switched off for the site is never wanted, whatever anyone chose.
    assert resolve({"feishu"}, {"dingtalk": True}, on) == set()


def test_quiet_hours_past_midnight_hold_until_the_morning() -> None:
    quiet = parse_quiet_hours("22:00-07:00")
    assert quiet == (time(22), time(7))
    morning = datetime(2026, 3, 11, 7, 0, tzinfo=SH)
    assert quiet_until(NIGHT, quiet) == morning
    assert quiet_until(datetime(2026, 3, 11, 6, 59, tzinfo=SH), quiet) == morning
    assert quiet_until(datetime(2026, 3, 11, 7, 0, tzinfo=SH), quiet) is None
    assert quiet_until(NOON, quiet) is None


def test_quiet_hours_within_a_day_and_none() -> None:
    lunch = parse_quiet_hours("12:00-13:30")
    assert quiet_until(NOON, lunch) == datetime(2026, 3, 10, 13, 30, tzinfo=SH)
    assert quiet_until(NIGHT, lunch) is None
    assert parse_quiet_hours("off") is None and parse_quiet_hours("") is None
    assert quiet_until(NIGHT, None) is None


def test_retries_back_off_exponentially_up_to_the_cap(settings: Any) -> None:
    settings.HUYING_NOTIFY_RETRY_FIRST = 60
    settings.HUYING_NOTIFY_RETRY_CAP = 3600
    waits = [retry_delay(n).total_seconds() for n in range(1, 9)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]


# --- with the database ---------------------------------------------------------------------------


class Recorder:
    """A channel that keeps what it was given, or fails while ``failing``."""

    sent: list[tuple[str, Message]] = []
    failing = False

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, message: Message) -> None:
        if Recorder.failing:
            raise DeliveryFailed("HTTP 502")
        Recorder.sent.append((self.name, message))


@pytest.fixture
def channels(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Recorder]]:
    settings.HUYING_NOTIFY_CHANNELS = ["email", "sms", "wecom", "dingtalk"]
    settings.HUYING_QUIET_HOURS = "22:00-07:00"
    settings.HUYING_BASE_URL = "https://huying.example.gov.cn/"
    for name in ("email", "sms", "wecom", "dingtalk"):
        monkeypatch.setitem(BUILDERS, name, partial(Recorder, name))
    monkeypatch.setattr(notify, "_role_defaults", lambda ids: {u: {"task": {"email"}} for u in ids})
    Recorder.sent, Recorder.failing = [], False
    yield Recorder


def people(*names: str) -> list[int]:
    User = get_user_model()
    return [User.objects.create(username=n, email=f"{n}@example.org").pk for n in names]


def tell(ids: list[int], *, now: datetime, kind: str = "dispatched", urgent: bool = False) -> None:
    notify.notify(
        recipient_ids=ids,
        kind=kind,
        subject="JJ-2026-00042",
        message="【JJ-2026-00042】请签收",
        now=now,
        title="路灯不亮",
        due_at=datetime(2026, 3, 11, 17, 30, tzinfo=SH),
        url="/cases/42/",
        urgent=urgent,
    )


@pytest.mark.django_db
def test_each_person_gets_their_channels_and_a_robot_gets_the_event_once(
    channels: type[Recorder],
) -> None:
    a, b, c = people("n-a", "n-b", "n-c")
    NotificationPreference.objects.create(
        user_id=b, category="task", channel="email", enabled=False
    )
    NotificationPreference.objects.create(user_id=c, category="task", channel="wecom", enabled=True)
    tell([a, b, c], now=NOON)
    rows = set(Delivery.objects.values_list("notification__recipient_id", "channel"))
    # Nobody has a phone number on file, so there is no SMS; b said no to e-mail; c's robot
    # goes to the group once, on the event's first notification.
    assert rows == {(a, "email"), (c, "email"), (a, "wecom")}
    assert deliver_due(now=NOON).sent == 3
    assert sorted(name for name, _ in channels.sent) == ["email", "email", "wecom"]
    assert deliver_due(now=NOON + timedelta(hours=1)).sent == 0


@pytest.mark.django_db
def test_staff_get_texts_at_the_number_they_keep_and_residents_at_their_sign_in_number(
    channels: type[Recorder],
) -> None:
    """Staff have no sign-in number: without a kept number they get no SMS; with one they do.
    A resident's texts go to the number they sign in with."""
    staff, resident, without = people("s-a", "r-b", "s-c")
    PhoneAccount.objects.create(user_id=resident, phone="13900001111", created_at=NOON)
    for pk in (staff, resident, without):
        NotificationPreference.objects.create(
            user_id=pk, category="task", channel="sms", enabled=True
        )
    notify.preferences_save(
        user_id=staff, wanted=[("task", "sms")], quiet="site", phone="+86 138-0000-2222"
    )
    assert TextNumber.objects.get(user_id=staff).phone == "13800002222"
    tell([staff, resident, without], now=NOON)
    sms = Delivery.objects.filter(channel="sms")
    assert set(sms.values_list("notification__recipient_id", flat=True)) == {staff, resident}
    deliver_due(now=NOON)
    assert sorted(m.phone for name, m in channels.sent if name == "sms") == [
        "13800002222",
        "13900001111",
    ]


@pytest.mark.django_db
def test_a_bad_number_is_refused_and_changes_nothing() -> None:
    (a,) = people("s-d")
    notify.preferences_save(user_id=a, wanted=[], quiet="site", phone="13800002222")
    with pytest.raises(InvalidInput) as refused:
        notify.preferences_save(user_id=a, wanted=[("task", "sms")], quiet=None, phone="12345")
    assert refused.value.details["field"] == "text_number"
    assert TextNumber.objects.get(user_id=a).phone == "13800002222"
    assert not NotificationPreference.objects.filter(user_id=a).exists()
    assert not QuietHours.objects.filter(user_id=a).exists()
    notify.preferences_save(user_id=a, wanted=[], quiet="site", phone=None)  # not on the form
    assert TextNumber.objects.filter(user_id=a).exists()
    notify.preferences_save(user_id=a, wanted=[], quiet="site", phone="")  # cleared
    assert not TextNumber.objects.filter(user_id=a).exists()


@pytest.mark.django_db
def test_the_message_names_the_case_its_title_deadline_and_link(channels: type[Recorder]) -> None:
    (a,) = people("n-d")
    tell([a], now=NOON)
    deliver_due(now=NOON)
    ((_, message),) = channels.sent
    assert message.subject == "JJ-2026-00042" and message.email == "n-d@example.org"
    assert "【JJ-2026-00042】请签收" in message.text
    assert "路灯不亮" in message.text
    assert "2026-03-11 17:30" in message.text
    assert "https://huying.example.gov.cn/cases/42/" in message.text


@pytest.mark.django_db
def test_quiet_hours_hold_a_message_until_they_end(channels: type[Recorder]) -> None:
    (a,) = people("n-e")
    tell([a], now=NIGHT)
    (delivery,) = Delivery.objects.all()
    assert delivery.next_attempt_at == datetime(2026, 3, 11, 7, 0, tzinfo=SH)
    assert deliver_due(now=NIGHT + timedelta(hours=7)).sent == 0
    assert channels.sent == []
    assert deliver_due(now=datetime(2026, 3, 11, 7, 0, tzinfo=SH)).sent == 1


@pytest.mark.django_db
def test_urgent_cases_ignore_quiet_hours(channels: type[Recorder]) -> None:
    (a,) = people("n-f")
    tell([a], now=NIGHT, urgent=True)
    assert deliver_due(now=NIGHT).sent == 1


@pytest.mark.django_db
def test_a_persons_own_quiet_hours_replace_the_sites(channels: type[Recorder]) -> None:
    a, b = people("n-g", "n-h")
    QuietHours.objects.create(user_id=a, enabled=False, start=time(22), end=time(7))
    QuietHours.objects.create(user_id=b, enabled=True, start=time(23), end=time(6))
    tell([a, b], now=NIGHT)
    due = dict(Delivery.objects.values_list("notification__recipient_id", "next_attempt_at"))
    assert due[a] == NIGHT
    assert due[b] == datetime(2026, 3, 11, 6, 0, tzinfo=SH)


@pytest.mark.django_db
def test_a_failing_channel_backs_off_then_is_given_up(
    channels: type[Recorder], settings: Any
) -> None:
    settings.HUYING_NOTIFY_MAX_ATTEMPTS = 3
    settings.HUYING_NOTIFY_RETRY_FIRST = 60
    (a,) = people("n-i")
    tell([a], now=NOON)
    channels.failing = True
    now = NOON
    assert deliver_due(now=now).failed == 1
    d = Delivery.objects.get()
    assert (d.state, d.attempts, d.last_error) == ("failed", 1, "HTTP 502")
    assert d.next_attempt_at == now + timedelta(seconds=60)
    assert deliver_due(now=now + timedelta(seconds=59)).failed == 0  # not yet
    now += timedelta(seconds=60)
    assert deliver_due(now=now).failed == 1
    d.refresh_from_db()
    assert d.next_attempt_at == now + timedelta(seconds=120)
    now += timedelta(seconds=120)
    assert deliver_due(now=now).dead == 1
    d.refresh_from_db()
    assert (d.state, d.attempts) == ("dead", 3)
    channels.failing = False
    assert deliver_due(now=now + timedelta(days=1)).sent == 0
    assert channels.sent == []


@pytest.mark.django_db
def test_a_retry_that_would_fall_in_quiet_hours_waits_for_them_to_end(
    channels: type[Recorder], settings: Any
) -> None:
    settings.HUYING_NOTIFY_RETRY_FIRST = 3600
    (a,) = people("n-q")
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=SH)
    tell([a], now=evening)
    channels.failing = True
    deliver_due(now=evening)
    assert Delivery.objects.get().next_attempt_at == datetime(2026, 3, 11, 7, 0, tzinfo=SH)


@pytest.mark.django_db
def test_a_failure_then_success_sends_once(channels: type[Recorder]) -> None:
    (a,) = people("n-j")
    tell([a], now=NOON)
    channels.failing = True
    deliver_due(now=NOON)
    channels.failing = False
    assert deliver_due(now=NOON + timedelta(hours=1)).sent == 1
    d = Delivery.objects.get()
    assert (d.state, d.attempts, d.sent_at) == ("sent", 2, NOON + timedelta(hours=1))
    assert len(channels.sent) == 1


@pytest.mark.django_db
def test_with_no_channels_on_nothing_but_the_inbox_is_written(settings: Any) -> None:
    settings.HUYING_NOTIFY_CHANNELS = []
    (a,) = people("n-k")
    tell([a], now=NOON)
    assert Notification.objects.filter(recipient_id=a).count() == 1
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_e_mail_goes_out_through_djangos_mail(settings: Any, monkeypatch: Any) -> None:
    """The real e-mail channel, planned and delivered (Django's test outbox)."""
    settings.HUYING_NOTIFY_CHANNELS = ["email"]
    monkeypatch.setattr(notify, "_role_defaults", lambda ids: {u: {"task": {"email"}} for u in ids})
    (a,) = people("n-l")
    tell([a], now=NOON)
    assert deliver_due(now=NOON).sent == 1
    (sent,) = mail.outbox
    assert sent.to == ["n-l@example.org"] and "路灯不亮" in sent.body


@pytest.mark.django_db
def test_preferences_keep_only_what_differs_from_the_roles_default(
    channels: type[Recorder],
) -> None:
    (a,) = people("n-m")
    notify.preferences_save(
        user_id=a, wanted=[("task", "sms"), ("overdue", "email")], quiet=(time(21), time(8))
    )
    rows = set(NotificationPreference.objects.values_list("category", "channel", "enabled"))
    # task/email is the default (on) and was left out: off; sms and overdue/email are on.
    assert rows == {("task", "email", False), ("task", "sms", True), ("overdue", "email", True)}
    table = dict(notify.preference_table(a))
    assert {c.channel for c in table["task"] if c.on} == {"sms"}
    assert [c.channel for c in table["task"] if c.default] == ["email"]
    q = QuietHours.objects.get(user_id=a)
    assert (q.enabled, q.start, q.end) == (True, time(21), time(8))
    notify.preferences_save(user_id=a, wanted=[("task", "email")], quiet="site")
    assert not NotificationPreference.objects.exists()
    assert not QuietHours.objects.exists()


# --- two deliverers at once (PostgreSQL) ---------------------------------------------------------


class FileChannel:
    """Appends each message's subject to a file, so that processes can be counted."""

    path: Path

    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, message: Message) -> None:
        with FileChannel.path.open("a") as f:
            f.write(f"{self.name} {message.subject}\n")


def _deliver(now: datetime) -> int:
    try:
        return deliver_due(now=now).sent
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliverers_never_send_a_delivery_twice(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (several processes on one database)")
    settings.HUYING_NOTIFY_CHANNELS = ["email", "wecom"]
    monkeypatch.setattr(
        notify, "_role_defaults", lambda ids: {u: {"task": {"email", "wecom"}} for u in ids}
    )
    FileChannel.path = tmp_path / "sent.txt"
    for name in ("email", "wecom"):
        monkeypatch.setitem(BUILDERS, name, partial(FileChannel, name))
    ids = people(*(f"race-{i}" for i in range(20)))
    for i in range(0, 20, 2):
        notify.notify(
            recipient_ids=ids[i : i + 2],
            kind="dispatched",
            subject=f"JJ-{i}",
            message="请签收",
            now=NOON,
        )
    expected = Delivery.objects.count()
    assert expected == 20 + 10  # an e-mail each, a robot message per event
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(4) as pool:
        sent = pool.map(_deliver, [NOON] * 4)
    lines = FileChannel.path.read_text().splitlines()
    assert sum(sent) == expected == len(lines)
    assert lines.count("wecom JJ-0") == 1
    assert Delivery.objects.filter(state="sent").count() == expected


@pytest.mark.django_db
def test_the_admin_reads_the_delivery_log_and_offers_a_dead_one_again(
    channels: type[Recorder], admin_client: Any
) -> None:
    a, b = people("n-r", "n-s")
    tell([a], now=NOON)
    notify.notify(recipient_ids=[b], kind="dispatched", subject="JJ-9", message="请签收", now=NOON)
    Delivery.objects.filter(notification__subject="JJ-9").update(
        state="dead", last_error="HTTP 502"
    )
    Delivery.objects.filter(notification__subject="JJ-2026-00042").update(state="sent")
    page = admin_client.get("/admin/core/delivery/?state__exact=dead")
    assert page.status_code == 200
    html = page.content.decode()
    assert "JJ-9" in html and "HTTP 502" in html and "JJ-2026-00042" not in html
    ids = list(Delivery.objects.values_list("pk", flat=True))
    r = admin_client.post(
        "/admin/core/delivery/", {"action": "retry", "_selected_action": [str(i) for i in ids]}
    )
    assert r.status_code == 302
    states = dict(Delivery.objects.values_list("notification__subject", "state"))
    assert states == {"JJ-9": "pending", "JJ-2026-00042": "sent"}  # a sent one stays sent
    assert Delivery.objects.get(notification__subject="JJ-9").attempts == 0


@pytest.mark.django_db
def test_the_delivery_finds_the_unsent_by_their_own_index() -> None:
    """Sent notifications pile up by the million; the worker's look-up of the unsent ones (every
    few seconds) and /metrics' count must not read them all."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    unsent = Notification.objects.filter(sent_at__isnull=True).order_by("pk").values("pk")[:500]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert "notif_unsent" in unsent.explain()
