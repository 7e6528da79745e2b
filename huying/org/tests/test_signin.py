"""Sign-in locks (per account, per address), their message, unlocking (by time, by an
administrator), and the sign-in log (登录日志)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from huying.conftest import World
from huying.core.errors import InvalidInput, TooManyAttempts
from huying.org import signin
from huying.org.models import SignIn, Throttle

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"


def _with_password(world: World, name: str = "hub") -> Any:
    user = world.actor(name).user
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def test_forty_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(
    world: World,
) -> None:
    """The reported hole: 40 wrong passwords, then the right one signed in."""
    user = _with_password(world)
    client = Client()
    statuses = [_login(client, user.username, f"guess-{n}").status_code for n in range(40)]
    assert statuses[:4] == [200] * 4  # the form again, "用户名或密码不正确"
    assert set(statuses[4:]) == {429}  # locked from the 5th failure on
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "密码错误次数过多，请 15 分钟后再试或联系管理员解锁" in response.content.decode()


def test_the_account_lock_holds_from_another_address(world: World) -> None:
    user = _with_password(world)
    for n in range(5):
        _login(Client(REMOTE_ADDR="198.51.100.1"), user.username, f"guess-{n}")
    response = _login(Client(REMOTE_ADDR="198.51.100.2"), user.username, PASSWORD)
    assert response.status_code == 429


def test_a_success_before_the_limit_starts_the_count_again(world: World) -> None:
    user = _with_password(world)
    client = Client()
    for n in range(4):
        _login(client, user.username, f"guess-{n}")
    assert _login(client, user.username, PASSWORD).status_code == 302
    for n in range(4):
        assert _login(Client(), user.username, f"again-{n}").status_code == 200


def test_many_failures_from_one_address_lock_the_address(world: World, settings: Any) -> None:
    """Guessing a few passwords on each of many accounts stays under every account's limit;
    the address's own count stops it, for every account, the right password included."""
    settings.HUYING_LOGIN_IP_MAX_FAILURES = 6
    other = _with_password(world, "street")
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    for name in ("hub", "leader", "admin"):
        for n in range(2):
            _login(attacker, world.actor(name).user.username, f"guess-{n}")
    response = _login(attacker, other.username, PASSWORD)
    assert response.status_code == 429
    assert "密码错误次数过多" in response.content.decode()
    # Someone else, elsewhere, is not affected.
    assert _login(Client(REMOTE_ADDR="203.0.113.6"), other.username, PASSWORD).status_code == 302


def test_the_lock_ends_when_its_time_is_up(world: World) -> None:
    user = _with_password(world)
    t = timezone.now()
    for n in range(5):
        with pytest.raises((InvalidInput, TooManyAttempts)):
            signin.sign_in(username=user.username, password=f"g{n}", ip="10.1.1.1", now=t)
    with pytest.raises(TooManyAttempts) as locked:
        signin.sign_in(
            username=user.username, password=PASSWORD, ip="10.1.1.1", now=t + timedelta(minutes=10)
        )
    assert locked.value.minutes == 5
    later = t + timedelta(minutes=15, seconds=1)
    assert signin.sign_in(username=user.username, password=PASSWORD, ip="10.1.1.1", now=later)


def test_an_administrator_unlocks_on_the_sign_in_log_page(world: World) -> None:
    user = _with_password(world)
    for n in range(5):
        _login(Client(), user.username, f"guess-{n}")
    admin_client = Client()
    admin_client.force_login(world.actor("admin").user)
    page = admin_client.get("/manage/org/sign-ins/")
    assert page.status_code == 200
    assert "当前锁定" in page.content.decode() and user.username in page.content.decode()
    lock = Throttle.objects.get(scope="account", key=user.username)
    response = admin_client.post("/manage/org/sign-ins/unlock", {"throttle": lock.pk})
    assert response.status_code == 302
    assert _login(Client(), user.username, PASSWORD).status_code == 302


def test_only_administrators_see_the_sign_in_log(world: World) -> None:
    client = Client()
    client.force_login(world.actor("hub").user)
    assert client.get("/manage/org/sign-ins/").status_code == 404
    assert client.post("/manage/org/sign-ins/unlock", {"throttle": 1}).status_code == 404


def test_the_django_admin_unlock_action(world: World) -> None:
    user = _with_password(world)
    for n in range(5):
        _login(Client(), user.username, f"guess-{n}")
    superuser = get_user_model().objects.create_superuser("root", password="x-root-pass-1")
    client = Client()
    client.force_login(superuser)
    lock = Throttle.objects.get(scope="account", key=user.username)
    response = client.post(
        "/admin/org/throttle/", {"action": "unlock", ACTION_CHECKBOX_NAME: [lock.pk]}
    )
    assert response.status_code == 302
    assert not Throttle.objects.filter(pk=lock.pk).exists()
    assert client.get("/admin/org/signin/").status_code == 200
    assert client.get("/admin/core/apitoken/").status_code == 200


def test_every_attempt_is_in_the_sign_in_log(world: World) -> None:
    user = _with_password(world)
    agent = "Mozilla/5.0 (test)"
    client = Client(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT=agent)
    _login(client, "nobody", "x")
    for n in range(5):
        _login(client, user.username, f"guess-{n}")
    _login(client, user.username, PASSWORD)  # while locked
    rows = list(SignIn.objects.order_by("id"))
    assert [r.result for r in rows] == ["failure"] * 6 + ["locked"]
    assert rows[0].username == "nobody" and rows[0].user is None
    assert rows[1].user == user and rows[1].ip == "192.0.2.10" and rows[1].user_agent == agent
    assert rows[1].reason == "用户名或密码错误"
    assert rows[5].reason == "用户名或密码错误，已锁定 15 分钟"
    assert rows[6].reason == "已锁定，未核对密码"
    Throttle.objects.all().delete()
    _login(Client(REMOTE_ADDR="192.0.2.11"), user.username, PASSWORD)
    last = SignIn.objects.latest("id")
    assert (last.result, last.user, last.ip) == ("success", user, "192.0.2.11")
    admin_client = Client()
    admin_client.force_login(world.actor("admin").user)
    page = admin_client.get("/manage/org/sign-ins/", {"username": user.username}).content.decode()
    assert "192.0.2.11" in page and "nobody" not in page


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(
    world: World, settings: Any
) -> None:
    settings.HUYING_PROXY_HOPS = 1
    client = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.77")
    _login(client, "nobody", "x")
    assert SignIn.objects.get().ip == "198.51.100.77"  # the one the proxy saw, not the forged one
