"""The hostile corpus through the domain and the command line.

Expected everywhere: no traceback, a one-line refusal where something is refused,
text kept literally (markup stays brackets) but with control characters gone, no
escape payload in anything printed, and nothing lost or half-written.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from tests.data import hostile
from tests.domain.wo_factory import audit_count, make_wo
from tests.reliability.conftest import wo_tui
from wo_tui.domain import audit, exporting, importing
from wo_tui.domain import lifecycle as lc
from wo_tui.domain import services as sv
from wo_tui.domain.refs import wo_label
from wo_tui.errors import ValidationError, WoError
from wo_tui.store.models import Note, WorkRequest

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
