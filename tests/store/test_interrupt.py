"""A read superseded by the next keystroke is stopped where it stands, on both
backends, and the store it came from keeps working."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from wo_tui.errors import Interrupted
from wo_tui.store.db import Store

SLOW = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
    "SELECT count(*) FROM n WHERE i < 200000000",
    "postgresql": "SELECT pg_sleep(30)",
}
"""A read that would take far longer than the test waits."""


def test_a_stopped_read_raises_interrupted_and_the_store_goes_on(store: Store) -> None:
    reads = store.cancellable()
    failed: list[BaseException] = []

    def slow() -> None:
        try:
            with reads.read() as s:
                s.execute(text(SLOW[store.dialect])).all()
        except BaseException as exc:
            failed.append(exc)

    worker = threading.Thread(target=slow)
    began = time.monotonic()
    worker.start()
    time.sleep(0.3)
    reads.stop_reads()
    worker.join(10)
    assert not worker.is_alive() and time.monotonic() - began < 10
    assert len(failed) == 1 and isinstance(failed[0], Interrupted)
    with pytest.raises(Interrupted), reads.read():
        pass
    with store.read() as s:
        assert s.execute(text("SELECT 1")).scalar_one() == 1
