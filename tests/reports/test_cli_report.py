"""``wo-tui report NAME``: stable CSV and JSON columns, formulas in help and footer."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from tests.reports.conftest import History
from wo_tui.cli import main
from wo_tui.domain.reports import REPORTS


def _run(db: str, *args: str, login: str = "dana") -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["--db", db, "--login", login, "report", *args])
    return r.exit_code, r.stdout, r.stderr


MARCH = ("--since", "2026-03-01", "--until", "2026-03-31")


@pytest.mark.sqlite_only
def test_csv_json_and_table(history: History, db_path) -> None:
    db = str(db_path)
    code, out, err = _run(db, "cost", *MARCH, "--format", "csv")
    assert code == 0, err
    assert list(csv.reader(io.StringIO(out))) == [
        ["month", "site", "asset", "labour_cents", "parts_cents", "total_cents"],
        ["2026-03", "NORTH", "AHU-01", "12500", "0", "12500"],
        ["2026-03", "NORTH", "P-101", "25500", "11400", "36900"],
        ["2026-03", "SOUTH", "C-301", "2250", "0", "2250"],
    ]
    code, out, _ = _run(db, "sla", *MARCH, "--format", "json", "--site", "SOUTH")
    doc = json.loads(out)
    assert doc["report"] == "sla" and doc["site"] == "SOUTH"
    assert (
        doc["since"] == "2026-03-01T00:00:00+00:00" and doc["until"] == "2026-04-01T00:00:00+00:00"
    )
    assert doc["columns"] == [c.name for c in REPORTS["sla"].columns]
    assert doc["rows"][-1] == {
        "month": "all",
        "priority": "all",
        "work_orders": 1,
        "response_met": 1,
        "response_decided": 1,
        "response_pct": 100.0,
        "resolution_met": 1,
        "resolution_decided": 1,
        "resolution_pct": 100.0,
    }
    code, out, _ = _run(db, "overdue", "--format", "json")
    assert json.loads(out)["rows"][0]["due_at"] == "2025-12-04T08:00:00+00:00"
    code, out, _ = _run(db, "mttr-mtbf", *MARCH)
    assert code == 0 and "P-101" in out and "98.7%" in out and "MTBF = operating" in out
    code, out, _ = _run(db, "backlog", "--format", "csv")
    assert out.splitlines()[0] == "status,priority,age_bucket,work_orders,estimated_hours"


@pytest.mark.sqlite_only
def test_refusals(history: History, db_path) -> None:
    db = str(db_path)
    code, _, err = _run(db, "cost", login="rita")
    assert code == 1 and "may not view all work reports" in err
    code, _, err = _run(db, "cost", "--since", "2026-04-01", "--until", "2026-03-01")
    assert code == 1 and "is after" in err
    code, _, err = _run(db, "cost", "--site", "MARS")
    assert code == 1 and "no site 'MARS'" in err
    code, _, err = _run(db, "nonsense")
    assert code == 2


def test_help_states_every_formula() -> None:
    def norm(text: str) -> str:
        """Undo the help's wrapping (which may break a line after a hyphen)."""
        return " ".join(text.split()).replace("- ", "-")

    out = norm(CliRunner().invoke(main, ["report", "--help"]).stdout)
    for spec in REPORTS.values():
        assert norm(f"{spec.name} ({spec.title}): {spec.formula}") in out
