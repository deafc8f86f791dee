"""Forms and record screens: a real store per test, the app at a phone's size.

Every app opens on the intake section whatever the role, so these tests do not
depend on the board or queue screens; the screen under test is pushed on top, the
way the app pushes it. Time is UTC and frozen so priorities, due dates and
snapshots are stable.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from wo_tui import app as app_module
from wo_tui.app import WoApp, make_app
from wo_tui.domain.services import Ctx


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture(autouse=True)
def open_on_intake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_module, "HOME_BY_ROLE", {})


@pytest.fixture
def make(site: Any, frozen_clock: datetime) -> Callable[[Ctx], WoApp]:
    def build(ctx: Ctx) -> WoApp:
        return make_app(site.settings, site.store, ctx.actor)

    return build
