"""The entry point, with Python's cycle collector paused while wo-tui starts.

Start-up imports SQLAlchemy, SQLModel, pydantic, Rich and Textual and builds the
tables' mappers: several hundred thousand long-lived objects and no garbage, yet
the collector ran about 300 times meanwhile (80-100 ms of CPU measured here, a
sixth of the time to the board's first frame). ``entry`` pauses it; once the
modules are loaded, ``resume`` freezes what exists (kept for the life of the
process anyway) and turns collection back on, so later collections only walk the
objects made since.
"""

from __future__ import annotations

import gc


def entry() -> None:
    """``wo-tui`` and ``python -m wo_tui``."""
    gc.disable()
    from wo_tui.cli import main

    main()


def resume() -> None:
    """Collection back on, if ``entry`` paused it (tests and library use never do)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
