"""Users and the first admin: who may let whom in, and that a database always keeps
an active admin."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select
from wo_factory import audit_count, changes_of, last_audit, make_wo

from wo_tui.domain import admin, identity
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.errors import PermissionDenied, ValidationError
from wo_tui.store.models import User


def _user(store, login: str) -> User:
    with store.read() as s:
        return s.exec(select(User).where(User.login == login)).one()


def test_bootstrap_makes_the_first_admin(store) -> None:
    user = admin.bootstrap_admin(store, "ann", "Ann Admin")
    assert (user.login, user.display_name, user.role, user.active) == (
        "ann",
        "Ann Admin",
        "admin",
        True,
    )
    assert identity.actor_for(store, "ann").role == "admin"


def test_bootstrap_on_a_database_with_an_admin(site) -> None:
    """The admin gets the database as it is; anyone else, a user or not, is refused and
    told whom to ask. Nothing is written either way."""
    store = site.store
    events = audit_count(store)
    assert admin.bootstrap_admin(store, "root").role == "admin"
    for login in ("alice", "mallory"):
        with pytest.raises(PermissionDenied) as err:
            admin.bootstrap_admin(store, login)
        message = str(err.value)
        assert f"already has an admin and {login} is not one: ask root" in message
        assert "\n" not in message
    alice = _user(store, "alice")
    assert (alice.role, alice.display_name, alice.hourly_rate_cents) == (
        "technician",
        "Alice Fitter",
        4500,
    )
    assert audit_count(store) == events


def test_bootstrap_without_an_active_admin_keeps_the_profile(site) -> None:
    """An existing user who becomes the admin keeps name, team and rate; the audit has
    the real old role."""
    with site.store.engine.begin() as conn:
        conn.execute(text("UPDATE user_account SET active = false WHERE login = 'root'"))
    before = _user(site.store, "alice")
    admin.bootstrap_admin(site.store, "alice")
    after = _user(site.store, "alice")
    assert after.role == "admin"
    assert (after.display_name, after.team_id, after.hourly_rate_cents) == (
        before.display_name,
        before.team_id,
        before.hourly_rate_cents,
    )
    event = last_audit(site.store)
    assert event.action == "bootstrap" and changes_of(event) == {"role": ["technician", "admin"]}


def test_the_last_admin_cannot_demote_or_deactivate_themselves(site) -> None:
    events = audit_count(site.store)
    for change in (
        lambda: admin.add_user(site.admin, "root", "dispatcher"),
        lambda: admin.deactivate_user(site.admin, "root"),
    ):
        with pytest.raises(ValidationError, match=r"^root is the last active admin"):
            change()
    assert audit_count(site.store) == events
    assert _user(site.store, "root").role == "admin"
    admin.add_user(site.admin, "dana", "admin", display_name="Dana Dispatch")
    assert admin.deactivate_user(site.admin, "root") is True
    dana = site.ctx(identity.actor_for(site.store, "dana"))
    with pytest.raises(ValidationError, match=r"^dana is the last active admin"):
        admin.add_user(dana, "dana", "technician")


def test_deactivate_and_reactivate(site) -> None:
    assert admin.deactivate_user(site.admin, "bob") is True
    events = audit_count(site.store)
    assert admin.deactivate_user(site.admin, "bob") is False
    assert audit_count(site.store) == events
    admin.add_user(site.admin, "bob", "technician", team="Mechanical", rate_cents=4000)
    event = last_audit(site.store)
    assert event.action == "reactivate" and changes_of(event) == {"active": [False, True]}
    assert identity.actor_for(site.store, "bob").login == "bob"


def test_an_open_session_loses_its_rights_when_an_admin_changes_them(site) -> None:
    """alice and bob resolved themselves at start (their apps stay open); after the
    admin deactivates alice and makes bob a requester, neither can save anything with
    the rights they started with, and nothing is written. Back as they were, they can."""
    n = make_wo(site, lc.ASSIGNED)
    admin.deactivate_user(site.admin, "alice")
    admin.add_user(site.admin, "bob", "requester")
    events = audit_count(site.store)
    with pytest.raises(PermissionDenied, match=r"^alice was deactivated after wo-tui started"):
        sv.start(site.tech, n)
    with pytest.raises(PermissionDenied, match=r"^bob's role or team changed after wo-tui"):
        sv.submit_request(
            site.tech2, requester="Bob", description="Door sticks", urgency=3, impact=3
        )
    assert audit_count(site.store) == events
    admin.add_user(site.admin, "alice", "technician", team="Mechanical", rate_cents=4500)
    admin.add_user(site.admin, "bob", "technician", team="Mechanical", rate_cents=4000)
    assert sv.start(site.tech, n).status == lc.IN_PROGRESS
    sv.submit_request(site.tech2, requester="Bob", description="Door sticks", urgency=3, impact=3)


def test_logins_follow_the_ssh_key_rule(site) -> None:
    for bad in ("bad login; rm", "a b", "-x", "x" * 65, "ann$(id)", "é"):
        with pytest.raises(ValidationError, match=r"is not a usable login|longer than 64"):
            admin.add_user(site.admin, bad, "technician")
    for good in ("j.smith", "ann_b", "svc-pump", "ann@site"):
        assert admin.add_user(site.admin, good, "requester").login == good


def test_a_new_team_named_by_user_add_is_audited(site) -> None:
    events = audit_count(site.store)
    admin.add_user(site.admin, "zed", "technician", team="Civil")
    assert audit_count(site.store) == events + 2


def test_listing_users(site) -> None:
    admin.deactivate_user(site.admin, "bob")
    rows = {u.login: u for u in admin.list_users(site.dispatcher)}
    assert set(rows) == {"root", "dana", "alice", "bob", "erin", "rita"}
    assert (rows["alice"].team, rows["alice"].hourly_rate_cents) == ("Mechanical", 4500)
    assert rows["bob"].active is False and rows["rita"].team == ""
    for ctx in (site.tech, site.requester):
        with pytest.raises(PermissionDenied, match=r"may not view users\.$"):
            admin.list_users(ctx)


def test_catalogue_refusals_name_what_was_refused(site) -> None:
    cases = [
        (lambda: admin.add_part(site.tech, "X1", "Thing", 100), "manage parts"),
        (lambda: admin.add_asset(site.tech, "X-1", "Thing"), "manage assets"),
        (lambda: admin.add_site(site.tech, "S", "South"), "manage sites"),
        (lambda: admin.add_location(site.tech, "NORTH", "Shed"), "manage sites"),
    ]
    for call, what in cases:
        with pytest.raises(PermissionDenied) as err:
            call()
        assert str(err.value) == f"alice is a technician and may not {what}."
