"""众人议事 in a real browser, the golden path: a verified resident proposes on the phone with
a photo, neighbours support it up to the community's threshold, the committee records the
meeting and opens the vote, residents vote, the committee closes it and publishes the result,
starts the project and posts progress, and the voter sees it on the phone; a ranking vote on
the phone. Screenshots: ``deliberation-proposal-390px.png``, ``deliberation-desk-1400px.png``,
``deliberation-desk-390px.png``, ``deliberation-vote-390px.png``,
``deliberation-proposal-1400px.png``, ``deliberation-projects-390px.png``,
``deliberation-public-390px.png``, ``deliberation-public-1400px.png``,
``deliberation-rank-390px.png``, ``deliberation-ranked-390px.png``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import FilePayload, Page, expect

from huying.browser_tests.conftest import PHONE, fits, shot
from huying.conftest import World
from huying.core.tests.images import png
from huying.deliberation import services
from huying.deliberation.models import Proposal, ProposalState
from huying.deliberation.tests.helpers import menu, new_resident, verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo(name: str) -> FilePayload:
    return {"name": name, "mimeType": "image/png", "buffer": png()}


def _residents(world: World, *names: str) -> None:
    for name in names:
        world.actors[name] = verify(world, new_resident(world, name))


def test_propose_support_vote_result_and_progress(
    world: World, login: Callable[..., Page], live_server: Any
) -> None:
    services.community_rule_set(actor=world.actor("community"), support_threshold=2)
    _residents(world, "r0", "r1", "r2")

    author = login("r0", viewport=PHONE, next_url="/m/deliberation/")
    expect(author.locator("h1")).to_have_text("居民议事")
    author.get_by_role("link", name="提出议题").click()
    author.fill("#id_title", "3 栋加装电梯")
    author.fill("#id_description", "3 栋住户多为老人，上下楼困难，希望加装电梯。")
    author.fill("#id_estimated_cost", "380000")
    author.set_input_files("#propose-files", files=[_photo("楼道.png")])
    with author.expect_navigation():
        author.get_by_role("button", name="提出").click()
    expect(author.locator("main .messages")).to_contain_text("议题已提出")
    expect(author.locator("body")).to_contain_text("这是您提出的议题")
    shot(author, "deliberation-proposal")
    fits(author)
    proposal = Proposal.objects.get()

    supporter = login("r1", viewport=PHONE, next_url=f"/m/deliberation/{proposal.pk}/")
    with supporter.expect_navigation():
        supporter.get_by_role("button", name="我支持").click()
    expect(supporter.locator("body")).to_contain_text("您已支持")
    services.proposal_support(actor=world.actor("r2"), proposal_id=proposal.pk)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DELIBERATING

    desk = login("community", next_url="/deliberation/")
    expect(desk.locator("table")).to_contain_text("3 栋加装电梯")
    shot(desk, "deliberation-desk")
    fits(desk)
    with desk.expect_navigation():
        desk.get_by_role("link", name="3 栋加装电梯").click()
    desk.fill("#id_place", "社区议事厅")
    desk.fill("#id_participants", "居民代表 15 人、物业、加梯公司")
    desk.fill("#id_minutes", "多数同意付诸表决；费用按楼层分摊。")
    with desk.expect_navigation():
        desk.get_by_role("button", name="保存议事会记录").click()
    expect(desk.locator("body")).to_contain_text("社区议事厅")
    with desk.expect_navigation():
        desk.locator("form", has=desk.locator("#opens_at")).get_by_role(
            "button", name="开启表决"
        ).click()
    expect(desk.locator(".badge").first).to_have_text("表决中")

    supporter.goto(f"{live_server}/m/deliberation/{proposal.pk}/")
    expect(supporter.locator("#vote")).to_contain_text("赞成")
    shot(supporter, "deliberation-vote")
    fits(supporter)
    with supporter.expect_navigation():
        supporter.get_by_role("button", name="赞成").click()
    expect(supporter.locator("#vote")).to_contain_text("您已投票")
    services.ballot_cast(actor=world.actor("r2"), proposal_id=proposal.pk, yes=False)
    services.ballot_cast(actor=world.actor("r0"), proposal_id=proposal.pk, yes=True)
    expect(supporter.locator("body")).not_to_contain_text("赞成 2")

    with desk.expect_navigation():
        desk.get_by_role("button", name="提前结束投票").click()
    with desk.expect_navigation():
        desk.get_by_role("button", name="公布结果").click()
    expect(desk.locator("body")).to_contain_text("3 / 3 人投票")
    with desk.expect_navigation():
        desk.get_by_role("button", name="立项实施").click()
    desk.fill("#progress", "40")
    desk.fill("#note", "电梯井已开挖，预计下月吊装。")
    desk.set_input_files("#update-files", files=[_photo("工地.png")])
    with desk.expect_navigation():
        desk.get_by_role("button", name="发布进展").click()
    expect(desk.locator("main .messages")).to_contain_text("进展已发布")
    shot(desk, "deliberation-proposal")
    fits(desk)

    supporter.goto(f"{live_server}/m/deliberation/projects")
    expect(supporter.locator("body")).to_contain_text("电梯井已开挖")
    expect(supporter.locator("body")).to_contain_text("40%")
    shot(supporter, "deliberation-projects")
    fits(supporter)

    narrow = login("community", viewport=PHONE, next_url="/deliberation/")
    shot(narrow, "deliberation-desk")
    fits(narrow)
    public_url = f"{live_server}/deliberation/public/{world.communities[0].pk}/"
    for page in (supporter, desk):
        page.goto(public_url)
        expect(page.locator("body")).to_contain_text("3 栋加装电梯")
        shot(page, "deliberation-public")
        fits(page)


def test_a_resident_ranks_the_renovation_menu(
    world: World, login: Callable[..., Page], live_server: Any
) -> None:
    _residents(world, "r0")
    staff = world.actor("community")
    made = menu(world)
    made = services.proposal_open(actor=staff, proposal_id=made.pk, version=made.version)
    now = timezone.now()
    services.vote_open(
        actor=staff,
        proposal_id=made.pk,
        version=made.version,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=3),
    )
    phone = login("r0", viewport=PHONE, next_url=f"/m/deliberation/{made.pk}/")
    labels = ["更换防盗门", "主干道拓宽", "停车位规划", "外墙粉刷"]
    for place, label in enumerate(labels, start=1):
        phone.get_by_label(label).select_option(str(place))
    shot(phone, "deliberation-rank")
    fits(phone)
    with phone.expect_navigation():
        phone.get_by_role("button", name="提交排序").click()
    expect(phone.locator("#vote")).to_contain_text("您已投票")
    made.refresh_from_db()
    services.vote_close(actor=staff, proposal_id=made.pk, version=made.version)
    made.refresh_from_db()
    services.results_publish(actor=staff, proposal_id=made.pk, version=made.version)
    phone.reload()
    expect(phone.locator(".ranking li").first).to_contain_text("更换防盗门")
    shot(phone, "deliberation-ranked")
    fits(phone)
