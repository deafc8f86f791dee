"""The shell: home screen by role, help, palette, live refresh, hostile text."""

from __future__ import annotations

from sqlalchemy import update

from tests.screens.conftest import AppFor
from tests.screens.test_board import board, goto, settle
from wo_tui.domain import services as sv
from wo_tui.screens.board import BoardScreen
from wo_tui.screens.help import HelpScreen
from wo_tui.screens.queue import QueueScreen
from wo_tui.store.models import WorkOrder, WorkRequest

HOSTILE = [
    "[/]",
    "[@click=app.quit]x[/]",
    "[link=https://x]y[/link]",
    "\x1b]52;c;Zm9v\x07",
    "\x1b[2J",
]


def screen_text(pilot) -> str:  # type: ignore[no-untyped-def]
    table = board(pilot)
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


async def test_home_screen_by_role(board_site, app_for: AppFor) -> None:
    site, _ = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, BoardScreen)
    async with app_for(site.tech).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, QueueScreen)
        await pilot.press("1")
        assert isinstance(pilot.app.screen, QueueScreen)
    async with app_for(site.requester).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "IntakeScreen"


async def test_help_lists_the_screens_keys(board_site, app_for: AppFor) -> None:
    site, _ = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        entries = {what: (keys, enabled) for keys, what, enabled in pilot.app.screen.entries}
        for what in ("Approve", "Reject", "Assign", "Send back", "Filter", "Quit", "Help"):
            assert what in entries
        assert entries["Approve"] == ("a", True)
        assert entries["Close"] == ("c", False)
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, BoardScreen)


async def test_keymap_rebinds_a_key(board_site, app_for: AppFor) -> None:
    site, n = board_site
    app = app_for(site.dispatcher)
    app.ctx.settings.keys["board_approve"] = "A"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, "REQ-000003")
        await pilot.press("A")
        await settle(pilot)
    with site.store.read() as s:
        assert s.get(WorkRequest, n["req_new"]).status == "approved"


async def test_change_elsewhere_appears_and_cursor_stays(board_site, app_for: AppFor) -> None:
    site, n = board_site
    label = f"WO-{n['on_hold']:06d}"
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await goto(pilot, label)
        before = board(pilot).cursor
        req = sv.submit_request(
            site.requester, requester="Vic", description="Door sticks", urgency=2, impact=2
        )
        for _ in range(30):
            await pilot.pause(0.1)
            if any(r.number == req.number for r in board(pilot).rows_loaded() if r.is_request):
                break
        else:
            raise AssertionError("the new request never appeared")
        await settle(pilot)
        assert board(pilot).current.label == label
        assert board(pilot).cursor == before + 1


async def test_hostile_text_is_shown_literally(board_site, app_for: AppFor) -> None:
    site, _ = board_site
    numbers = [
        sv.create_work_order(site.dispatcher, title=f"t{i}", description="x").number
        for i in range(len(HOSTILE))
    ]
    with site.store.write() as s:
        for i, (number, text) in enumerate(zip(numbers, HOSTILE, strict=True)):
            s.execute(
                update(WorkOrder)
                .where(WorkOrder.number == number)
                .values(title=f"H{i} {text} end", description=text + "d" * 100_000)
            )
    async with app_for(site.dispatcher).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        shown = screen_text(pilot)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "H0 [/] end" in shown
        assert "H1 [@click=app.quit]x[/] end" in shown
        assert "H2 [link=https://x]y[/link] end" in shown
        assert "H3 ]52;c;Zm9v end" in shown
        assert "H4 [2J end" in shown
        for y in range(3, 30):
            await pilot.click("#board", offset=(30, y))
        await pilot.press("slash", *"[/]", "enter")
        await settle(pilot)
        await pilot.pause(0.4)
        await settle(pilot)
        assert pilot.app.is_running
        titles = [r.title for r in board(pilot).rows_loaded()]
        assert titles == ["H0 [/] end", "H1 [@click=app.quit]x[/] end"]


async def test_palette_opens_a_work_order_by_number(board_site, app_for: AppFor) -> None:
    site, n = board_site
    async with app_for(site.dispatcher).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*f"WO-{n['on_hold']:06d}")
        for _ in range(20):
            await pilot.pause(0.1)
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert type(screen).__name__ == "DetailScreen"
        assert screen.number == n["on_hold"]


async def test_q_quits_from_the_board(board_site, app_for: AppFor) -> None:
    site, _ = board_site
    app = app_for(site.dispatcher)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running
