"""``wo-tui report NAME``: stable CSV and JSON columns, formulas in help and footer."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date

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
        [],
        ["summary_key", "summary_value"],
        ["labour_cents", "40250"],
        ["parts_cents", "11400"],
        ["total_cents", "51650"],
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


@pytest.mark.sqlite_only
def test_csv_summary_is_stable_and_documented(history: History, db_path) -> None:
    code, out, err = _run(str(db_path), "backlog", *MARCH, "--format", "csv")
    assert code == 0, err
    rows, _, summary = out.partition("\n\n")
    assert rows.splitlines()[0] == "status,priority,age_bucket,work_orders,estimated_hours"
    lines = list(csv.reader(io.StringIO(summary)))
    assert lines[0] == ["summary_key", "summary_value"]
    values = dict(lines[1:])
    # The backlog test's numbers: 12.5 h open, 4.5 h ready, 266 h a week of capacity.
    assert values["crew_weeks"] == str(round(12.5 / 266, 2))
    assert values["ready_crew_weeks"] == str(round(4.5 / 266, 2))
    assert values["teams[Mechanical].crew_weeks"] == str(round(2 / 152, 2))
    assert values["teams[(no team)].crew_weeks"] == ""
    scalar = [c.name for c in REPORTS["backlog"].summary if c.kind != "list"]
    assert [k for k, _ in lines[1:]][: len(scalar)] == scalar


def test_summary_keys_are_the_documented_ones(history: History) -> None:
    from wo_tui.domain import reports as rp

    period = rp.Period.of(date(2026, 3, 1), date(2026, 3, 31))
    for name, spec in REPORTS.items():
        assert list(rp.build(history.store, name, period).summary) == [
            c.name for c in spec.summary
        ], name


HOSTILE = (
    # Written behind the app's back: an OSC 52 clipboard write, a formula, a C1 CSI.
    "UPDATE asset SET name = '=HYPERLINK(\"http://x\")' || char(27) || ']52;c;aGk=' || char(7)"
    " WHERE tag = 'P-101'",
    "UPDATE asset SET tag = '@SUM(1)' || char(155) || '2J' WHERE tag = 'C-301'",
    "UPDATE work_order SET title = '+1' || char(27) || '[31mred' WHERE title = 'w14'",
    "UPDATE team SET name = '-x' || char(27) || ']0;pwned' || char(7) WHERE name = 'Mechanical'",
)


@pytest.mark.sqlite_only
def test_hostile_values_never_reach_the_terminal_or_a_spreadsheet(
    history: History, db_path
) -> None:
    raw = sqlite3.connect(db_path)
    with raw:
        for statement in HOSTILE:
            raw.execute(statement)
    raw.close()
    db = str(db_path)
    outputs = {}
    for name in ("bad-actors", "cost", "overdue", "backlog"):
        for fmt in ("table", "csv", "json"):
            code, out, err = _run(db, name, *MARCH, "--format", fmt)
            assert code == 0, err
            assert not any(ch in out for ch in "\x1b\x07\x9b"), (name, fmt)
            outputs[name, fmt] = out
    cells = [
        cell
        for name in ("bad-actors", "cost", "overdue")
        for row in csv.reader(io.StringIO(outputs[name, "csv"]))
        for cell in row
    ]
    assert '\'=HYPERLINK("http://x")]52;c;aGk=' in cells
    assert "'@SUM(1)2J" in cells and "'+1[31mred" in cells
    assert not any(c.startswith(("=", "@", "+")) for c in cells)
    backlog = dict(
        row for row in csv.reader(io.StringIO(outputs["backlog", "csv"])) if len(row) == 2
    )
    assert backlog["teams[-x]0;pwned].crew_weeks"] == str(round(2 / 152, 2))
    doc = json.loads(outputs["bad-actors", "json"])
    assert doc["rows"][0]["name"] == '=HYPERLINK("http://x")]52;c;aGk='
    teams = json.loads(outputs["backlog", "json"])["summary"]["teams"]
    assert "-x]0;pwned" in [t["team"] for t in teams]
