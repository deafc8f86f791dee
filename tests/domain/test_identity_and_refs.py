"""Who is acting comes from the operating system, never from the environment; and
the human numbers people type are read back exactly."""

from __future__ import annotations

import pytest

from wo_tui.domain import admin, identity
from wo_tui.domain.refs import parse_req, parse_wo, req_label, wo_label
from wo_tui.errors import PermissionDenied, UnknownUser, ValidationError


def _me(site) -> str:
    login = identity.os_login()
    if login != "root":
        admin.add_user(site.admin, login, "technician", team="Mechanical")
    return login


def test_actor_is_the_os_account(site, monkeypatch) -> None:
    login = _me(site)
    monkeypatch.setenv("USER", "dana")
    monkeypatch.setenv("LOGNAME", "dana")
    assert identity.current_actor(site.store).login == login


def test_os_account_that_is_not_a_user_is_refused(site, monkeypatch) -> None:
    monkeypatch.setattr(identity, "os_login", lambda: "intruder")
    monkeypatch.setenv("USER", "root")
    with pytest.raises(UnknownUser) as err:
        identity.current_actor(site.store)
    assert str(err.value).startswith("intruder is not a wo-tui user of ")
    assert "\n" not in str(err.value)


def test_login_flag_is_honoured_for_the_database_owner(site) -> None:
    _me(site)
    if not site.store.is_sqlite:
        with pytest.raises(PermissionDenied, match=r"^--login is only honoured"):
            identity.current_actor(site.store, "alice")
        return
    assert site.store.path is not None
    assert identity.may_use_login_flag(site.store.path)
    assert identity.current_actor(site.store, "alice").login == "alice"


def test_login_flag_is_refused_for_anyone_else(site, monkeypatch) -> None:
    _me(site)
    monkeypatch.setattr(identity, "may_use_login_flag", lambda _path: False)
    with pytest.raises(PermissionDenied, match=r"^--login is only honoured for the account"):
        identity.current_actor(site.store, "alice")


def test_login_flag_naming_yourself_needs_no_privilege(site, monkeypatch) -> None:
    login = _me(site)
    monkeypatch.setattr(identity, "may_use_login_flag", lambda _path: False)
    assert identity.current_actor(site.store, login).login == login


def test_actor_carries_role_and_team(site) -> None:
    actor = identity.actor_for(site.store, "alice")
    assert (actor.role, actor.team_id) == ("technician", site.tech.actor.team_id)
    assert actor.team_id is not None


@pytest.mark.parametrize(
    ("text", "number"),
    [("WO-000123", 123), ("wo-7", 7), ("WO7", 7), (" 42 ", 42), ("000001", 1), (5, 5)],
)
def test_work_order_numbers(text, number: int) -> None:
    assert parse_wo(text) == number


@pytest.mark.parametrize("text", ["REQ-000001", "WO-", "WO--1", "12a", "", "WO-1 2"])
def test_bad_work_order_numbers(text: str) -> None:
    with pytest.raises(ValidationError, match=r"is not a WO number \(like WO-000123\)\.$"):
        parse_wo(text)


def test_request_numbers() -> None:
    assert parse_req("REQ-000042") == 42
    assert req_label(42) == "REQ-000042"
    assert wo_label(123) == "WO-000123"
    assert wo_label(1234567) == "WO-1234567"
    assert parse_wo(wo_label(1234567)) == 1234567
    with pytest.raises(ValidationError):
        parse_req("WO-000001")
