"""Control characters never reach the database: a stored ``ESC]52;...`` would write
a technician's clipboard when the note is shown."""

from __future__ import annotations

import pytest
from sqlmodel import select
from wo_factory import good_closeout, load, make_wo

from wo_tui.domain import admin
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.store.models import Asset, Note, User, WorkOrder, WorkRequest
from wo_tui.text import clean, clean_line, one_line

STRIPPED = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
STRIPPED += ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
HOSTILE = "a\x1b]52;c;cm0gLXJmIC8=\x07b\x1b[2Jc\x9b31md\x00e\x7ff\u0085g"


@pytest.mark.parametrize("char", STRIPPED, ids=lambda c: f"U+{ord(c):04X}")
def test_control_characters_are_stripped(char: str) -> None:
    assert clean(f"x{char}y") == "xy"


def test_tab_and_newline_are_kept() -> None:
    assert clean("a\tb\nc") == "a\tb\nc"


@pytest.mark.parametrize(
    ("raw", "cleaned"), [("a\rb", "a\nb"), ("a\r\nb", "a\nb"), ("\r\r\n", "\n\n")]
)
def test_carriage_returns_become_newlines(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


def test_printable_text_is_untouched() -> None:
    text = "Pompe n°3 – fuite ½\u00a0l/h 中文 🛠 [/] [@click=app.quit]x[/]"
    assert clean(text) == text


def test_escape_sequences_lose_their_escape() -> None:
    assert clean(HOSTILE) == "a]52;c;cm0gLXJmIC8=b[2Jc31mdefg"


def test_clean_line_flattens() -> None:
    assert clean_line("  two\nlines\tand\r\nmore\x1b ") == "two lines and more"
    assert one_line("abcdef", 4) == "abc…"
    assert one_line("abc", 4) == "abc"


def _no_controls(value: str) -> None:
    assert clean(value) == value
    assert "\r" not in value


def test_request_fields_are_cleaned(site) -> None:
    req = sv.submit_request(
        site.requester,
        requester=f"Rita{HOSTILE}",
        description=f"Leak\r\nunder skid{HOSTILE}",
        title=f"Leak{HOSTILE}\nnow",
        contact=f"x{HOSTILE}",
        urgency=2,
        impact=2,
    )
    with site.store.read() as s:
        row = s.get(WorkRequest, req.id)
        assert row is not None
    for value in (row.requester, row.description, row.title, row.contact):
        _no_controls(value)
    assert row.description.startswith("Leak\nunder skid")
    assert "\n" not in row.title and "\n" not in row.requester


def test_default_title_is_the_cleaned_first_line(site) -> None:
    req = sv.submit_request(
        site.requester,
        requester="Rita",
        description="\x1b[31mPump\x1b[0m leaking\r\nsecond line",
        urgency=2,
        impact=2,
    )
    assert req.title == "[31mPump[0m leaking"


def test_work_order_text_is_cleaned(site) -> None:
    wo = sv.create_work_order(site.dispatcher, title=f"Fix{HOSTILE}", description=f"D{HOSTILE}")
    n = wo.number
    sv.assign(site.dispatcher, n, assignee="alice")
    sv.start(site.tech, n)
    sv.add_note(site.tech, n, f"Note\r{HOSTILE}")
    sv.hold(site.tech, n, "other", f"crane{HOSTILE}")
    row = load(site.store, n)
    for value in (row.title, row.description, row.hold_reason):
        _no_controls(value)
    with site.store.read() as s:
        note = s.exec(select(Note)).one()
    _no_controls(note.body)
    assert note.body.startswith("Note\na]52")


def test_reasons_are_cleaned(site) -> None:
    n = make_wo(site, lc.COMPLETED)
    sv.send_back(site.dispatcher, n, f"Redo{HOSTILE}")
    m = make_wo(site, lc.OPEN)
    sv.cancel(site.dispatcher, m, f"Dup{HOSTILE}")
    _no_controls(load(site.store, n).send_back_reason)
    _no_controls(load(site.store, m).cancel_reason)
    req = sv.submit_request(site.requester, requester="R", description="d", urgency=1, impact=1)
    rejected = sv.reject_request(site.dispatcher, req.number, f"No{HOSTILE}")
    _no_controls(rejected.reject_reason)


def test_follow_up_text_is_cleaned(site) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    sv.complete(
        site.tech,
        n,
        good_closeout(
            resolution=f"Done{HOSTILE}",
            labour=[sv.LabourInput(5)],
            follow_up=True,
            follow_up_work=sv.FollowUpInput(f"More{HOSTILE}", title=f"T{HOSTILE}"),
        ),
    )
    _no_controls(load(site.store, n).resolution)
    with site.store.read() as s:
        child = s.exec(select(WorkOrder).where(WorkOrder.kind == lc.FOLLOW_UP)).one()
    _no_controls(child.title)
    _no_controls(child.description)


def test_admin_names_are_cleaned(site) -> None:
    admin.add_user(site.admin, "zed", "technician", display_name=f"Zed{HOSTILE}")
    admin.add_asset(site.admin, "C-1", f"Conveyor{HOSTILE}", category=f"c{HOSTILE}")
    with site.store.read() as s:
        user = s.exec(select(User).where(User.login == "zed")).one()
        asset = s.exec(select(Asset).where(Asset.tag == "C-1")).one()
    for value in (user.display_name, asset.name, asset.category):
        _no_controls(value)


def test_lone_surrogates_do_not_reach_the_driver(site) -> None:
    req = sv.submit_request(
        site.requester, requester="Rita", description="bad byte \udcff here", urgency=2, impact=2
    )
    assert "\udcff" not in req.description
