"""The hostile corpus through the domain and the command line.

Expected everywhere: no traceback, a one-line refusal where something is refused,
text kept literally (markup stays brackets) but with control characters gone, no
escape payload in anything printed, and nothing lost or half-written.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from tests.data import hostile
from tests.domain.wo_factory import audit_count, make_wo
from tests.reliability.conftest import wo_tui
from wo_tui.domain import audit, exporting, importing
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.domain.refs import wo_label
from wo_tui.errors import ValidationError, WoError
from wo_tui.store.models import MeterReading, Note, WorkRequest

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _no_payload(text: str) -> None:
    raw = text.encode("utf-8", errors="surrogateescape")
    assert not [p for p in hostile.PAYLOADS if p in raw], raw[:200]


def test_each_string_is_saved_clean_or_refused_in_one_line(site: Any) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    for case in hostile.cases():
        before = audit_count(site.store)
        try:
            note = sv.add_note(site.tech, n, case.text)
        except ValidationError as exc:
            assert "\n" not in exc.message and not case.text.strip(), case.name
            assert audit_count(site.store) == before
            continue
        with site.store.read() as s:
            body = s.exec(select(Note.body).where(Note.id == note.id)).one()
        assert not CONTROL.search(body), case.name
        for literal in ("[/]", "[@click=app.quit]", "[link=https://evil.example]", "=HYPERLINK("):
            if literal in case.text:
                assert literal in body, case.name
        req = sv.submit_request(
            site.requester,
            requester=case.text,
            description=case.text + " (request)",
            urgency=2,
            impact=2,
        )
        assert not CONTROL.search(req.requester + req.title + req.description), case.name
        assert "\n" not in req.requester + req.title, case.name


def test_one_megabyte_is_refused_in_one_line_and_nothing_written(site: Any) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    before = audit_count(site.store)
    with pytest.raises(ValidationError) as refused:
        sv.add_note(site.tech, n, hostile.big_text())
    assert "\n" not in refused.value.message and "limit" in refused.value.message
    with pytest.raises(ValidationError):
        sv.submit_request(
            site.requester,
            requester="Rita",
            description=hostile.big_text(),
            urgency=2,
            impact=2,
        )
    assert audit_count(site.store) == before


@pytest.mark.sqlite_only
def test_cli_prints_no_payload_and_no_traceback(site: Any) -> None:
    n = make_wo(site, lc.IN_PROGRESS)
    db = str(site.store.path)
    for case in hostile.cases():
        if "\x00" in case.text:
            continue
        run = wo_tui("--db", db, "--login", "alice", "note", wo_label(n), "--", case.text)
        assert run.exit_code in (0, 1), (case.name, run.stderr)
        assert "Traceback" not in run.stderr
        if run.exit_code:
            assert run.stderr.count("\n") == 1, run.stderr
        _no_payload(run.stdout + run.stderr)
    for args in (("show", wo_label(n)), ("list",)):
        run = wo_tui("--db", db, *args)
        assert "Traceback" not in run.stderr
        _no_payload(run.stdout + run.stderr)
    assert audit.verify(site.store).ok


IMPORTED = ("requests_formula.csv", "requests_hostile_text.csv")


@pytest.mark.parametrize("name", IMPORTED)
def test_hostile_cells_import_clean_and_export_neutralised(site: Any, name: str) -> None:
    result = importing.import_csv(site.dispatcher, hostile.path(name), kind="requests")
    with site.store.read() as s:
        reqs = list(s.exec(select(WorkRequest).order_by(col(WorkRequest.id))))
    assert len(reqs) == sum(1 for _ in csv.reader(hostile.path(name).open())) - 1
    assert result is not None
    for req in reqs:
        assert not CONTROL.search(req.requester + req.title + req.description + req.contact)
        sv.approve_request(site.dispatcher, req.number)
    out = io.StringIO()
    exporting.export(site.dispatcher, out, fmt="csv")
    _no_payload(out.getvalue())
    assert not CONTROL.search(out.getvalue().replace("\r\n", "").replace("\n", ""))
    for row in csv.reader(io.StringIO(out.getvalue())):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not (cell.startswith("-") and not re.fullmatch(r"-?[\d.]+", cell)), cell
    assert audit.verify(site.store).ok


BAD_FILES = [
    p.name
    for p in hostile.csv_files()
    if p.name.startswith(("malformed_", "history_", "requests_impossible"))
]
ACCEPTED = {"malformed_header_only.csv", "malformed_bom_semicolon.csv"}
"""Files that are odd but importable (nothing to import; a BOM and ``;`` handled)."""


def test_bad_files_refused_in_sentences_and_import_nothing(site: Any) -> None:
    for name in BAD_FILES:
        kind = "history" if name.startswith("history_") else "requests"
        before = audit_count(site.store)
        try:
            importing.import_csv(site.dispatcher, hostile.path(name), kind=kind)
        except WoError as exc:
            problems = getattr(exc, "problems", [exc.message])
            assert all("\n" not in p for p in problems), name
            assert audit_count(site.store) == before, name
            continue
        assert name in ACCEPTED, name


@pytest.mark.sqlite_only
def test_cli_import_of_every_corpus_file(site: Any, tmp_path: Path) -> None:
    db = str(site.store.path)
    for file in [*hostile.csv_files(), hostile.huge_field_csv(tmp_path)]:
        kind = "history" if file.name.startswith("history_") else "requests"
        run = wo_tui("--db", db, "--login", "dana", "import", str(file), "--kind", kind)
        _no_payload(run.stdout + run.stderr)
        assert run.exit_code in (0, 1), (file.name, run.stderr)
        assert "Traceback" not in run.stderr, (file.name, run.stderr)
    assert audit.verify(site.store).ok


BEHIND_THE_APPS_BACK = {
    "title": "\x1b]52;c;cHduZWQ=\x07Pump\x1b]0;pwned\x07 noisy",
    "description": "Seen\x9b2J at\r\nthe \x1bPpwned\x1b\\ dock",
    "requester": '\x9b=HYPERLINK("https://evil.example","x")',
    "resolution": "\x1b[2J\x1b[HScreen wiped",
    "hold_reason": "\x7f+cmd",
    "cancel_reason": "@SUM(A1)\x85\x9d0;pwned\x9c",
}


def test_export_never_passes_control_characters_from_the_data(site: Any) -> None:
    """Rows edited with SQL (another tool): both formats, on stdout, carry no ESC or
    C1 byte, and a formula hidden behind a control character is still neutralised."""
    n = make_wo(site, lc.IN_PROGRESS)
    sets = ", ".join(f"{column} = :{column}" for column in BEHIND_THE_APPS_BACK)
    with site.store.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE work_order SET {sets} WHERE number = :n"),
            {**BEHIND_THE_APPS_BACK, "n": n},
        )
        conn.execute(text("UPDATE asset SET name = :v"), {"v": "Pump\x1b]8;;https://evil.example"})
    db = str(site.store.path) if site.store.path else site.store.url
    outputs = {}
    for fmt in ("csv", "json"):
        run = wo_tui("--db", db, "export", "--format", fmt)
        assert run.exit_code == 0, run.stderr
        _no_payload(run.stdout)
        assert not CONTROL.search(run.stdout.replace("\r\n", "").replace("\n", "")), fmt
        outputs[fmt] = run.stdout
    (row,) = csv.DictReader(io.StringIO(outputs["csv"]))
    assert row["requester"] == '\'=HYPERLINK("https://evil.example","x")'
    assert row["hold_reason"] == "'+cmd" and row["cancel_reason"] == "'@SUM(A1)0;pwned"
    assert row["title"] == "]52;c;cHduZWQ=Pump]0;pwned noisy"
    assert row["description"] == "Seen2J at\nthe Ppwned\\ dock"
    (obj,) = json.loads(outputs["json"])
    assert obj["requester"] == '=HYPERLINK("https://evil.example","x")'
    assert obj["asset_name"] == "Pump]8;;https://evil.example"
    assert "\x85" not in obj["cancel_reason"] and obj["description"] == row["description"]


def test_hostile_meter_readings_refused_row_by_row(site: Any) -> None:
    """Not-a-number, infinite, negative and future readings, markup for a tag, a
    formula for a value: each one line; the meter name with escapes is kept clean."""
    path = hostile.path("readings_hostile.csv")
    before = audit_count(site.store)
    with pytest.raises(importing.ImportRefused) as refused:
        importing.import_csv(site.dispatcher, path, kind="readings")
    problems = refused.value.problems
    assert [int(p.split(":")[1]) for p in problems] == [2, 3, 4, 5, 6, 7, 8]
    assert all("\n" not in p and not CONTROL.search(p) for p in problems)
    assert "negative" in problems[2] and "future" in problems[4] and "'[/]'" in problems[5]
    assert audit_count(site.store) == before
    result = importing.import_csv(site.dispatcher, path, kind="readings", skip_bad=True)
    assert result.imported == 1 and result.bad_rows == 7
    with site.store.read() as s:
        (meter,) = s.exec(select(MeterReading.meter)).all()
    assert meter == "]52;c;cHduZWQ=hours2J"
