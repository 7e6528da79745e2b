"""通知: the bell counts a person's unread notifications, the inbox lists theirs only (a case
number linked when the acting role may see that case), and marking read touches only theirs."""

from __future__ import annotations

from django.test import Client

from huying.conftest import MONDAY_10AM, World
from huying.core.models import Notification
from huying.core.notify import notify

from .helpers import submit


def client_for(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.actor(who).user)
    return client


def tell(world: World, who: str, subject: str, message: str = "请研判") -> Notification:
    user_id = world.actor(who).user.pk
    notify(recipient_ids=[user_id], kind="t", subject=subject, message=message, now=MONDAY_10AM)
    return Notification.objects.filter(recipient_id=user_id).latest("id")


def test_the_bell_counts_what_is_unread_and_the_page_loads_it_after_it_is_drawn(
    world: World,
) -> None:
    hub = client_for(world, "hub")
    before = hub.get("/cases/inbox/badge").content.decode()
    tell(world, "hub", "JJ-1")
    tell(world, "hub", "JJ-2")
    tell(world, "street", "JJ-3")
    badge = hub.get("/cases/inbox/badge").content.decode()
    assert 'class="badge"' not in before
    assert ">2</span>" in badge
    home = hub.get("/").content.decode()
    assert 'data-hx-get="/cases/inbox/badge"' in home


def test_the_inbox_lists_only_ones_own_and_links_the_cases_one_may_see(world: World) -> None:
    mine = submit(world, who="resident", grid=0, now=MONDAY_10AM)
    tell(world, "hub", mine.number, "新的反映待研判")
    tell(world, "street", "JJ-OTHER", "别人的通知")
    page = client_for(world, "hub").get("/cases/inbox/").content.decode()
    assert "新的反映待研判" in page
    assert "别人的通知" not in page
    assert f'href="/cases/{mine.pk}/"' in page


def test_reading_the_inbox_marks_nothing_read(world: World) -> None:
    note = tell(world, "hub", "JJ-1")
    client_for(world, "hub").get("/cases/inbox/")
    note.refresh_from_db()
    assert note.read_at is None


def test_marking_read_touches_only_ones_own(world: World) -> None:
    mine = tell(world, "hub", "JJ-1")
    also_mine = tell(world, "hub", "JJ-2")
    theirs = tell(world, "street", "JJ-3")
    hub = client_for(world, "hub")
    response = hub.post("/cases/inbox/read", {"id": [str(mine.pk), str(theirs.pk)]})
    assert response.status_code == 302
    for n in (mine, also_mine, theirs):
        n.refresh_from_db()
    assert mine.read_at is not None
    assert also_mine.read_at is None and theirs.read_at is None
    hub.post("/cases/inbox/read")
    also_mine.refresh_from_db()
    theirs.refresh_from_db()
    assert also_mine.read_at is not None and theirs.read_at is None
    assert 'class="badge"' not in hub.get("/cases/inbox/badge").content.decode()


def test_the_inbox_asks_for_a_sign_in(world: World) -> None:
    response = Client().get("/cases/inbox/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Client().post("/cases/inbox/read").status_code == 302


def test_a_mark_that_names_no_notification_marks_nothing(world: World) -> None:
    note = tell(world, "hub", "JJ-1")
    response = client_for(world, "hub").post("/cases/inbox/read", {"id": ["abc", "-1"]})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is None
