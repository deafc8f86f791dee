"""Who is acting: the OS account of the process, never the environment; ``--login`` only
for the account that owns the database (gateway mode).

The other account is ``nobody``, reached by a forked child that drops root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from tests.domain.wo_factory import audit_count, make_wo
from tests.reliability.conftest import as_user, needs_root, wo_tui
from tests.sitebuilder import build_site
from wo_tui.domain import admin, identity
from wo_tui.domain import lifecycle as lc
from wo_tui.domain.refs import wo_label
from wo_tui.errors import PermissionDenied, UnknownUser, WoError
from wo_tui.store.db import Store, open_store

pytestmark = [pytest.mark.sqlite_only, needs_root]

PRETEND = {"USER": "dana", "LOGNAME": "dana", "USERNAME": "dana", "SUDO_USER": "dana"}


@pytest.fixture
def shared() -> Iterator[tuple[Store, Any, Path]]:
    """A site in a directory nobody may use, with nobody as a technician."""
    folder = Path(tempfile.mkdtemp(prefix="wo-id-"))
    folder.chmod(0o777)
    db = folder / "wo.db"
    store = open_store(str(db), create=True)
    site = build_site(store)
    admin.add_user(site.admin, "nobody", "technician", team="Mechanical")
    store.close()
    db.chmod(0o666)
    yield store, site, db
    shutil.rmtree(folder, ignore_errors=True)


def _who(db: str, login_flag: str | None) -> dict[str, Any]:
    store = open_store(db)
    try:
        return asdict(identity.current_actor(store, login_flag))
    except WoError as exc:
        return {"refused": type(exc).__name__, "message": exc.message}
    finally:
        store.close()


def test_user_variables_change_nothing(shared: tuple[Store, Any, Path]) -> None:
    _, site, db = shared
    run = as_user("nobody", _who, str(db), None, env=PRETEND)
    assert run.exit_code == 0, run.stderr
    assert (run.result["login"], run.result["role"]) == ("nobody", "technician")
    n = make_wo(site, lc.COMPLETED)
    before = audit_count(site.store)
    close = wo_tui("--db", str(db), "close", wo_label(n), user="nobody", env=PRETEND)
    assert close.exit_code == 1
    assert close.stderr == "wo-tui: nobody is a technician and may not close.\n"
    assert audit_count(site.store) == before


def test_login_flag_refused_for_anyone_but_the_owner(shared: tuple[Store, Any, Path]) -> None:
    _, site, db = shared
    run = as_user("nobody", _who, str(db), "dana", env=PRETEND)
    assert run.result["refused"] == "PermissionDenied"
    assert "you are nobody" in run.result["message"]
    n = make_wo(site, lc.COMPLETED)
    before = audit_count(site.store)
    for args in (("close", wo_label(n)), ("user", "add", "mallory", "--role", "admin")):
        cli = wo_tui("--db", str(db), "--login", "root", *args, user="nobody")
        assert cli.exit_code == 1 and "--login is only honoured" in cli.stderr, cli.stderr
    assert audit_count(site.store) == before


def test_gateway_owner_may_act_as_any_user(shared: tuple[Store, Any, Path]) -> None:
    _, site, db = shared
    nobody = pwd.getpwnam("nobody")
    os.chown(db, nobody.pw_uid, nobody.pw_gid)
    db.chmod(0o600)
    run = as_user("nobody", _who, str(db), "dana")
    assert (run.result["login"], run.result["role"]) == ("dana", "dispatcher")
    n = make_wo(site, lc.COMPLETED)
    closed = wo_tui("--db", str(db), "--login", "dana", "close", wo_label(n), user="nobody")
    assert closed.exit_code == 0, closed.stderr
    store = open_store(str(db))
    try:
        with pytest.raises(PermissionDenied, match="you are root"):
            identity.current_actor(store, "dana")
        assert identity.current_actor(store, "root").login == "root"
        assert identity.current_actor(store).role == "admin"
    finally:
        store.close()


def test_unknown_or_inactive_accounts_are_refused(shared: tuple[Store, Any, Path]) -> None:
    _, site, db = shared
    admin.deactivate_user(site.admin, "nobody")
    run = as_user("nobody", _who, str(db), None)
    assert run.result["refused"] == "UnknownUser"
    assert run.result["message"].startswith(f"nobody was deactivated as a wo-tui user of {db}")
    cli = wo_tui("--db", str(db), "list", user="nobody")
    assert cli.exit_code == 1 and cli.stdout == ""
    assert cli.stderr.startswith("wo-tui: nobody was deactivated") and cli.stderr.count("\n") == 1
    store = open_store(str(db))
    try:
        with pytest.raises(UnknownUser):
            identity.current_actor(store, "ghost")
    finally:
        store.close()


def test_login_flag_is_never_honoured_without_a_file() -> None:
    assert identity.may_use_login_flag(None) is False
    assert identity.may_use_login_flag(Path("/nonexistent/wo.db")) is False


def test_init_on_someone_elses_database_changes_nothing(shared: tuple[Store, Any, Path]) -> None:
    """A copied database is not an invitation: init by an account that is not its admin,
    a user (nobody) or not (daemon), is refused and names whom to ask; by its admin, it
    says the database is ready."""
    _, site, db = shared
    before = audit_count(site.store)
    for account in ("nobody", "daemon"):
        run = wo_tui("--db", str(db), "init", user=account, env=PRETEND)
        assert run.exit_code == 1, (account, run.stdout, run.stderr)
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
        assert f"already has an admin and {account} is not one: ask root" in run.stderr
    assert audit_count(site.store) == before
    assert identity.actor_for(site.store, "nobody").role == "technician"
    with pytest.raises(UnknownUser):
        identity.actor_for(site.store, "daemon")
    mine = wo_tui("--db", str(db), "init")
    assert mine.exit_code == 0 and mine.stdout == f"Database ready at {db}; root is an admin.\n"
    assert audit_count(site.store) == before
