"""The browser tab names the page, then the product: "工作台 · 呼应"."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from huying.conftest import World

pytestmark = pytest.mark.django_db


def _title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found, "no <title>"
    return found.group(1)


def test_a_signed_in_page_names_itself_before_the_product(world: World) -> None:
    client = Client()
    client.force_login(world.actor("hub").user)
    assert _title(client.get("/").content.decode()) == "工作台 · 呼应"
    assert _title(client.get("/cases/").content.decode()).endswith(" · 呼应")


def test_the_sign_in_page_too_and_in_english() -> None:
    assert _title(Client().get("/login/").content.decode()) == "登录 · 呼应"
    english = Client(headers={"Accept-Language": "en"}).get("/login/").content.decode()
    assert _title(english) == "Sign in · Huying"


def test_a_page_without_a_title_shows_the_product_alone() -> None:
    template = Template("{% load huying_page %}{% page_title %} {% endpage_title %}")
    with translation.override("zh-hans"):
        assert template.render(Context()) == "呼应"
