"""Who is at the keyboard.

The acting user is the operating-system account of the process. ``$USER`` and
``$LOGNAME`` are never trusted: anyone can set them. ``--login`` (gateway mode,
where an SSH key is bound to ``command="wo-tui --login alice"``) is honoured only
when the process runs as the account that owns the database file.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from sqlmodel import select

from wo_tui.domain.permissions import Actor
from wo_tui.errors import PermissionDenied, UnknownUser
from wo_tui.store.db import Store
from wo_tui.store.models import User


def os_login() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def may_use_login_flag(db_path: Path | None) -> bool:
    """Gateway mode: only the database owner's processes may name another user."""
    if db_path is None:
        return False
    try:
        return db_path.stat().st_uid == os.getuid()
    except OSError:
        return False


def actor_for(store: Store, login: str) -> Actor:
    """The user ``login`` as an actor; an unknown or deactivated login is refused with
    the admins who can let them in."""
    with store.read() as s:
        user = s.exec(select(User).where(User.login == login)).first()
        if user is None or not user.active:
            from wo_tui.domain.admin import ask_an_admin

            who = ask_an_admin(s)
    if user is None:
        raise UnknownUser(
            f"{login} is not a wo-tui user of {store.label}: {who} to run "
            f"`wo-tui user add {login} --role ...`."
        )
    if not user.active:
        raise UnknownUser(
            f"{login} was deactivated as a wo-tui user of {store.label}: {who} to reactivate "
            f"you (`wo-tui user add {login} --role ...`)."
        )
    assert user.id is not None
    return Actor(user.id, user.login, user.display_name, user.role, user.team_id)


def current_actor(store: Store, login_flag: str | None = None) -> Actor:
    login = os_login()
    if login_flag and login_flag != login:
        if not may_use_login_flag(store.path):
            raise PermissionDenied(
                f"--login is only honoured for the account that owns the database; you are {login}."
            )
        login = login_flag
    return actor_for(store, login)
