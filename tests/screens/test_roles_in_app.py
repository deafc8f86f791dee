"""Roles through the app's own keys, from one table: for every role, every action of
the board, the queue, the palette and the detail screens is either offered or
refused (not reachable, hidden, or refused with a sentence), and a refused action
changes nothing (the services refuse too; this checks the screens)."""

from __future__ import annotations

from typing import Any

from textual.command import Provider

from tests.conftest import Site
from tests.screens.conftest import AppFor, seed_board
from tests.screens.test_board import goto, settle, work_order
from tests.screens.test_queue import goto as goto_queue
from wo_tui.commands import AssetCommands, WorkOrderCommands
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.screens.detail import DetailScreen

ROLES = ("requester", "technician", "dispatcher", "admin")
Y, N = True, False

# (where, action, row) -> allowed for (requester, technician, dispatcher, admin).
# "row" names the seeded row the action is tried on: one whose status allows it, so
# what decides is the role (and, for the technician, whose work it is).
TABLE: dict[tuple[str, str, str], tuple[bool, bool, bool, bool]] = {
    ("board", "approve", "req_new"): (N, N, Y, Y),
    ("board", "reject", "req_new"): (N, N, Y, Y),
    ("board", "duplicate", "req_new"): (N, N, Y, Y),
    ("board", "priority", "req_new"): (N, N, Y, Y),
    ("board", "assign", "open"): (N, N, Y, Y),
    ("board", "cancel_wo", "open"): (N, N, Y, Y),
    ("board", "close_wo", "completed"): (N, N, Y, Y),
    ("board", "send_back", "completed"): (N, N, Y, Y),
    ("board", "filter", "open"): (N, N, Y, Y),
    ("queue", "start", "assigned"): (N, Y, Y, Y),
    ("queue", "hold", "in_progress"): (N, Y, Y, Y),
    ("queue", "resume", "mine_on_hold"): (N, Y, Y, Y),
    ("queue", "note", "in_progress"): (N, Y, Y, Y),
    ("queue", "log_time", "in_progress"): (N, Y, Y, Y),
    ("queue", "use_part", "in_progress"): (N, Y, Y, Y),
    ("queue", "complete", "in_progress"): (N, Y, Y, Y),
    ("queue", "checklist", "in_progress"): (N, Y, Y, Y),
    ("queue", "asset_history", "in_progress"): (N, Y, Y, Y),
    ("queue", "whose", "in_progress"): (N, N, Y, Y),
    ("bob_queue", "start", "bobs_assigned"): (N, N, Y, Y),
    ("palette", "work_order", "on_hold"): (N, Y, Y, Y),
    ("palette", "asset", "P-101"): (N, Y, Y, Y),
    ("app", "open_work_order", "on_hold"): (N, Y, Y, Y),
    ("app", "open_asset", "P-101"): (N, Y, Y, Y),
}
SECTION_KEY = {"board": "f2", "queue": "f3", "bob_queue": "f3"}


def _seed(site: Site) -> dict[str, Any]:
    n: dict[str, Any] = seed_board(site)
    wo = sv.create_work_order(site.dispatcher, title="Alice waits", asset_tag="P-101")
    sv.assign(site.dispatcher, wo.number, assignee="alice")
    sv.start(site.tech, wo.number)
    sv.hold(site.tech, wo.number, "parts", "on order")
    n["mine_on_hold"] = wo.number
    wo = sv.create_work_order(site.dispatcher, title="Bob's job", asset_tag="AHU-01")
    sv.assign(site.dispatcher, wo.number, assignee="bob")
    n["bobs_assigned"] = wo.number
    return n


def _label(n: dict[str, Any], row: str) -> str:
    prefix = "REQ" if row.startswith("req_") else "WO"
    return f"{prefix}-{n[row]:06d}"


async def _palette_offers(pilot: Any, provider: type[Provider], query: str) -> bool:
    """Whether the palette offers ``query`` (asked of its provider, as the palette does
    while one types); what a hit runs is the app's own open, tried on its own row."""
    hits = [hit async for hit in provider(pilot.app.screen).search(query)]
    return any(hit.text == query for hit in hits)


async def _tried(
    pilot: Any, site: Site, n: dict[str, Any], key: tuple[str, str, str], shown: dict[str, Any]
) -> bool:
    """``shown`` remembers which list is on screen, so a run of rows of one list is
    tried without reopening it for each."""
    where, action, row = key
    app = pilot.app
    if where == "palette":
        if action == "work_order":
            return await _palette_offers(pilot, WorkOrderCommands, _label(n, row))
        return await _palette_offers(pilot, AssetCommands, row)
    if where == "app":
        before = len(app.screen_stack)
        if action == "open_work_order":
            app.open_work_order(n[row])
        else:
            app.open_asset(row)
        await settle(pilot)
        opened = len(app.screen_stack) > before
        if opened:
            await pilot.press("escape")
            await settle(pilot)
        return opened
    section = "queue" if where == "bob_queue" else where
    if app.current_mode != section:
        await pilot.press(SECTION_KEY[where])
        await settle(pilot)
        if app.current_mode != section:
            return False
    screen = app.screen
    if section == "queue" and shown.get("queue") != where:
        owner = site.tech2 if where == "bob_queue" else site.tech
        screen.show_queue(owner.actor.id, owner.actor.team_id, owner.actor.display_name)
        await settle(pilot)
        shown["queue"] = where
    labels = {r.label for r in screen.table.rows_loaded()}
    if _label(n, row) not in labels:
        return False
    await (goto if section == "board" else goto_queue)(pilot, _label(n, row))
    return bool(screen.check_action(action, ()))


async def test_every_role_and_every_action(site: Site, app_for: AppFor) -> None:
    n = _seed(site)
    versions = {k: work_order(site, v).version for k, v in n.items() if not k.startswith("req")}
    wrong: list[str] = []
    for index, role in enumerate(ROLES):
        ctx = {
            "requester": site.requester,
            "technician": site.tech,
            "dispatcher": site.dispatcher,
            "admin": site.admin,
        }[role]
        async with app_for(ctx).run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            shown: dict[str, Any] = {}
            for key, expected in TABLE.items():
                got = await _tried(pilot, site, n, key, shown)
                if got != expected[index]:
                    wrong.append(f"{role} {key}: {'offered' if got else 'refused'}")
    assert not wrong, "\n".join(wrong)
    after = {k: work_order(site, v).version for k, v in n.items() if not k.startswith("req")}
    assert after == versions


async def test_refused_keys_change_nothing(site: Site, app_for: AppFor) -> None:
    """A technician pressing the work keys on someone else's job: nothing happens but
    a sentence saying why."""
    wo = sv.create_work_order(site.dispatcher, title="Bob's job", asset_tag="P-101")
    sv.assign(site.dispatcher, wo.number, assignee="bob")
    sv.start(site.tech2, wo.number)
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.open_work_order(wo.number)
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DetailScreen)
        for action in ("start", "hold", "resume", "complete", "close", "send_back", "reopen"):
            assert not screen.check_action(action, ()), action
        await pilot.press("h", "c", "b", "o")
        await settle(pilot)
        assert pilot.app.screen is screen
        await pilot.press("escape", "w")
        await settle(pilot)
        messages = [str(m.message) for m in pilot.app._notifications]
        assert any("Only a dispatcher opens someone else's queue" in m for m in messages)
    found = work_order(site, wo.number)
    assert (found.status, found.version) == (lc.IN_PROGRESS, 3)


async def test_only_an_admin_reopens_closed_work(site: Site, app_for: AppFor) -> None:
    wo = sv.create_work_order(site.dispatcher, title="Done job", kind=lc.PREVENTIVE)
    sv.assign(site.dispatcher, wo.number, assignee="alice")
    sv.start(site.tech, wo.number)
    closeout = sv.Closeout(resolution="ok", no_parts_used=True, follow_up=False)
    closeout.labour.append(sv.LabourInput(30))
    sv.complete(site.tech, wo.number, closeout)
    sv.close(site.dispatcher, wo.number)
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.open_work_order(wo.number)
        await settle(pilot)
        assert not pilot.app.screen.check_action("reopen", ())
        await pilot.press("o")
        await settle(pilot)
    assert work_order(site, wo.number).status == lc.CLOSED
    async with app_for(site.admin).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pilot.app.open_work_order(wo.number)
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press(*"Leak", "space", *"again", "enter")
        await settle(pilot)
    assert work_order(site, wo.number).status == lc.ASSIGNED


async def test_an_open_app_signs_out_when_an_admin_changes_its_user(
    site: Site, app_for: AppFor
) -> None:
    """alice's queue is open when the admin deactivates her from another process: within
    a refresh the app covers her work with a sign-out screen, takes no other key, and
    quits on enter. bob, made a requester meanwhile, is told to start again."""
    from wo_tui.domain import admin
    from wo_tui.screens.ended import SessionEndedScreen

    _seed(site)
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        admin.deactivate_user(site.admin, "alice")
        for _ in range(60):
            await pilot.pause(0.05)
            if isinstance(pilot.app.screen, SessionEndedScreen):
                break
        screen = pilot.app.screen
        assert isinstance(screen, SessionEndedScreen)
        why = str(screen.query_one("#ended-why").render())
        assert why == "alice was deactivated after wo-tui started."
        await pilot.press("f2", "ctrl+p", "tab", "question_mark")
        await pilot.pause()
        assert pilot.app.screen is screen
        await pilot.press("enter")
        await pilot.pause()
    assert pilot.app.return_code == 0
    async with app_for(site.tech2).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        admin.add_user(site.admin, "bob", "requester")
        for _ in range(60):
            await pilot.pause(0.05)
            if isinstance(pilot.app.screen, SessionEndedScreen):
                break
        assert "Start wo-tui again" in " ".join(
            str(s.render()) for s in pilot.app.screen.query("Static")
        )
