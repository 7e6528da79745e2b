"""The password hasher: Argon2id with the chosen parameters; older hashes still work and
are upgraded at the next sign-in. (Tests hash with MD5 for speed: see conftest; these use
the production list from huying.settings.)"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

from huying import settings as production
from huying.conftest import World

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
def test_new_passwords_are_argon2id_with_the_documented_parameters() -> None:
    encoded = make_password("demo12345")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert make_password("demo12345") != encoded  # a salt of its own each time


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
def test_an_old_pbkdf2_hash_signs_in_and_is_upgraded_to_argon2(world: World) -> None:
    user = world.actor("hub").user
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        user.set_password("old-password-1")
        user.save()
    assert user.password.startswith("pbkdf2_sha256$")
    response = Client().post("/login/", {"username": user.username, "password": "old-password-1"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
