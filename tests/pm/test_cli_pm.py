"""``wo-tui pm ...`` end to end, and two ``pm run`` processes at once."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlmodel import select

from tests.conftest import build_site
from wo_tui.cli import main
from wo_tui.domain import pm
from wo_tui.domain import services as sv
from wo_tui.store.models import PMOccurrence, WorkOrder


def _cli(db: str, login: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", db, "--login", login, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.sqlite_only
def test_pm_commands(site, db_path, at) -> None:
    db = str(db_path)
    code, out, err = _cli(
        db,
        "dana",
        "pm",
        "add",
        "Grease bearings",
        "--asset",
        "P-101",
        "--every",
        "2 weeks",
        "--weekdays",
        "mon,thu",
        "--team",
        "Mechanical",
        "--estimate",
        "1:30",
        "--item",
        "Grease DE",
        "--item",
        "Grease NDE",
        "--starts",
        "2026-03-04",
    )
    assert code == 0, err
    assert "every 2 weeks on mon,thu (fixed)" in out and "next due 2026-03-05" in out
    code, out, _ = _cli(db, "dana", "pm", "run", "--until", "2026-03-16")
    assert code == 0 and "Generated 2 work order(s)" in out
    label = out.split(": ")[1].split(",")[0]
    code, out, _ = _cli(db, "dana", "pm", "list", "--format", "csv")
    assert out.splitlines()[0] == (
        "id,title,target,trigger,next_due,last_done,open_work,due,on_time,compliance_pct,active,"
        "pending"
    )
    assert out.splitlines()[1].startswith("1,Grease bearings,P-101,")
    assert ",2026-03-19,,2,0,0,,True" in out.splitlines()[1]
    assert _cli(db, "dana", "pm", "edit", "1", "--every", "1 week")[0] == 0
    assert _cli(db, "dana", "pm", "pause", "1", "--reason", "Overhaul")[0] == 0
    code, _, err = _cli(db, "dana", "pm", "pause", "1")
    assert code == 1 and "already paused" in err
    assert _cli(db, "dana", "pm", "resume", "1")[0] == 0
    code, out, _ = _cli(db, "alice", "pm", "reading", "P-101", "running_hours", "1520")
    assert code == 0 and "running_hours = 1520" in out
    code, _, err = _cli(db, "rita", "pm", "reading", "P-101", "running_hours", "1")
    assert code == 1 and "may not record meter" in err
    sv.start(site.tech, label)
    code, out, _ = _cli(
        db,
        "alice",
        "pm",
        "tick",
        label,
        "2",
        "fail",
        "--note",
        "Dry",
        "--follow-up",
        "Replace grease nipple",
    )
    assert code == 0 and "Follow-up WO-" in out
    code, out, _ = _cli(db, "alice", "pm", "checklist", label)
    assert "1. [   -] Grease DE" in out and "2. [FAIL] Grease NDE  (Dry)" in out
    code, _, err = _cli(db, "alice", "pm", "run")
    assert code == 1 and "may not manage pm" in err


@pytest.mark.sqlite_only
def test_meter_readings_clearing_options_and_occurrences(site, db_path, at) -> None:
    db = str(db_path)

    def refused(login: str, *args: str) -> str:
        code, _, err = _cli(db, login, *args)
        assert code == 1 and err.startswith("wo-tui: ") and err.count("\n") == 1, err
        return err

    assert "finite number" in refused(
        "dana", "pm", "add", "Service", "--asset", "P-101", "--meter", "h", "--meter-every", "nan"
    )
    assert "finite number" in refused(
        "dana", "pm", "add", "Vib", "--asset", "P-101", "--meter", "v", "--meter-threshold", "nan"
    )
    code, out, err = _cli(
        db,
        "dana",
        "pm",
        "add",
        "Weekend round",
        "--asset",
        "P-101",
        "--every",
        "week",
        "--weekdays",
        "sat",
        "--floating",
        "--meter",
        "running_hours",
        "--meter-every",
        "500",
        "--starts",
        "2026-03-03",
    )
    assert code == 0, err
    assert "next due 2026-03-07" in out  # Tue Mar 3 -> the first Saturday, Mar 7
    assert "cannot be negative" in refused(
        "alice", "pm", "reading", "--", "P-101", "running_hours", "-5"
    )
    assert "finite number" in refused("alice", "pm", "reading", "P-101", "running_hours", "inf")
    assert _cli(db, "alice", "pm", "reading", "P-101", "running_hours", "120")[0] == 0
    assert "is lower" in refused("alice", "pm", "reading", "P-101", "running_hours", "20")
    code, out, _ = _cli(db, "alice", "pm", "reading", "P-101", "running_hours", "20", "--reset")
    assert code == 0 and "(meter reset)" in out
    code, out, err = _cli(db, "dana", "pm", "edit", "1", "--no-weekdays", "--no-meter")
    assert code == 0, err
    sched = pm.get_schedule(site.store, 1)
    assert (sched.weekdays, sched.meter, sched.meter_every) == ("", "", None)
    code, _, err = _cli(db, "dana", "pm", "edit", "1", "--no-every")
    assert code == 1 and "Give a calendar interval, a meter trigger, or both." in err
    code, out, err = _cli(
        db, "dana", "pm", "edit", "1", "--fixed", "--every", "month", "--day-of-month", "15"
    )
    assert code == 0 and "on day 15" in out, err
    code, out, _ = _cli(db, "dana", "pm", "edit", "1", "--no-day-of-month")
    assert code == 0 and "on day" not in out
    # Monthly fixed from the start date again (Mar 3): the next date to skip is Mar 3.
    assert _cli(db, "dana", "pm", "skip", "1", "--reason", "Shutdown")[0] == 0
    code, out, _ = _cli(db, "dana", "pm", "occurrences", "1", "--format", "csv")
    lines = out.splitlines()
    assert lines[0] == "due,key,status,reason,work_order,work_status,created_at"
    assert lines[1].startswith("2026-03-03,cal:2026-03-03,skipped,Shutdown,,,")
    code, out, _ = _cli(db, "dana", "pm", "occurrences", "1", "--format", "json")
    assert json.loads(out)[0]["status"] == "skipped"
    code, out, _ = _cli(db, "dana", "pm", "occurrences", "1")
    assert code == 0 and "skipped" in out and "Shutdown" in out
    assert "no PM schedule #9" in refused("dana", "pm", "occurrences", "9")


@pytest.mark.sqlite_only
def test_two_concurrent_runs_never_duplicate(store, db_path) -> None:
    """Eight daily schedules, 15 days ahead, generated by two processes started together."""
    site = build_site(store)
    today = datetime.now(UTC).date()
    for i in range(8):
        pm.create_schedule(
            site.dispatcher,
            pm.ScheduleInput(
                title=f"Daily round {i}",
                asset_tag="P-101",
                checklist=["Look", "Listen"],
                interval_value=1,
                interval_unit="day",
                starts_on=today,
            ),
        )
    until = (today + timedelta(days=14)).isoformat()
    cmd = [sys.executable, "-m", "wo_tui", "--db", str(db_path), "--login", "dana"]
    procs = [
        subprocess.Popen(
            [*cmd, "pm", "run", "--until", until],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    made = [int(out.split("Generated ")[1].split(" ")[0]) for out, _ in outputs]
    assert sum(made) == 120
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(WorkOrder)).one() == 120
        keys = s.exec(
            select(func.count(func.distinct(PMOccurrence.schedule_id * 100000 + PMOccurrence.id)))
        ).one()
        assert keys == 120
        dup = s.exec(
            select(PMOccurrence.schedule_id, PMOccurrence.occurrence_key, func.count())
            .group_by(PMOccurrence.schedule_id, PMOccurrence.occurrence_key)
            .having(func.count() > 1)
        ).all()
        assert dup == []
        linked = s.exec(select(func.count(func.distinct(PMOccurrence.work_order_id)))).one()
        assert linked == 120


RUN_SCRIPT = """
import sys
from datetime import date
from wo_tui.domain import identity, pm
from wo_tui.domain.services import Ctx
from wo_tui.store.db import open_store
store = open_store(sys.argv[1])
result = pm.run(Ctx(store, identity.actor_for(store, "dana")), date.fromisoformat(sys.argv[2]))
print(len(result.generated))
"""


def test_two_concurrent_runs_on_any_backend(store, db_url) -> None:
    """The same race through the domain API, on SQLite and PostgreSQL."""
    site = build_site(store)
    today = datetime.now(UTC).date()
    for i in range(5):
        pm.create_schedule(
            site.dispatcher,
            pm.ScheduleInput(
                title=f"Daily round {i}",
                asset_tag="P-101",
                interval_value=1,
                interval_unit="day",
                starts_on=today,
            ),
        )
    until = (today + timedelta(days=11)).isoformat()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RUN_SCRIPT, db_url, until],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert sum(int(out) for out, _ in outputs) == 60
    with store.read() as s:
        assert s.exec(select(func.count()).select_from(WorkOrder)).one() == 60
        assert s.exec(select(func.count()).select_from(PMOccurrence)).one() == 60
