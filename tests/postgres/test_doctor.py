"""``wo-tui doctor`` on PostgreSQL: an uninitialised database, a role without the
privileges it needs and a connection under someone else's name are found and each
gets its fix; a good deployment passes.

Skipped, with the reason, when ``WO_TUI_TEST_POSTGRES_URL`` is not set (apart from
the checks of ``pg_dump`` itself, which need no server).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from tests.conftest import PgServer
from wo_tui.cli import main
from wo_tui.domain import doctor, identity
from wo_tui.store.db import SCHEMA_HEAD, open_store


def _by_check(url: str) -> dict[str, doctor.Finding]:
    return {f.check: f for f in doctor.check(url)}


def _doctor(url: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--db", url, "doctor"])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def empty_url(pg_server: PgServer) -> Iterator[str]:
    name = pg_server.create(empty=True)
    yield pg_server.url_for(name)
    pg_server.drop(name)


def test_a_never_initialised_database_must_be_fixed(empty_url: str) -> None:
    found = _by_check(empty_url)
    assert found["server"].level == doctor.OK and found["server"].detail.startswith("PostgreSQL ")
    schema = found["schema"]
    assert schema.level == doctor.FAIL and schema.fix.startswith("run wo-tui init")
    assert "privileges" not in found
    code, out, err = _doctor(empty_url)
    assert code == 1 and "fix: run wo-tui init" in out and err.startswith("1 problem to fix")


def test_a_good_deployment_passes(
    db_url: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend == "sqlite":
        pytest.skip("the SQLite file's checks are in tests/reliability/test_deployment.py")
    role = make_url(db_url).username
    monkeypatch.setattr(identity, "os_login", lambda: role)
    found = _by_check(db_url)
    assert {c: f.level for c, f in found.items()} == {
        "server": doctor.OK,
        "schema": doctor.OK,
        "locale": doctor.OK,
        "privileges": doctor.OK,
        "identity": doctor.OK,
        "backup": found["backup"].level,
    }
    assert found["schema"].detail == f"at {SCHEMA_HEAD} (current)"
    code, out, _ = _doctor(db_url)
    assert code == 0 and "fail" not in out.lower()

    monkeypatch.setattr(identity, "os_login", lambda: "alice")
    who = _by_check(db_url)["identity"]
    assert who.level == doctor.WARN
    assert who.detail.startswith(f"connected as {role} but running as alice")
    assert "peer authentication" in who.fix
    assert _doctor(db_url)[0] == 0, "a warning alone needs no fix"


def test_a_role_without_write_privileges_is_named_with_the_grants(
    pg_server: PgServer, db_url: str, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("PostgreSQL roles")
    role = f"wo_test_reader_{secrets.token_hex(4)}"
    database = make_url(db_url).database
    pg_server.admin.execute(f"CREATE ROLE {role} LOGIN")
    try:
        store = open_store(db_url)
        with store.engine.begin() as conn:
            conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        store.close()
        url = make_url(db_url).set(username=role).render_as_string(hide_password=False)
        found = _by_check(url)["privileges"]
        assert found.level == doctor.FAIL
        assert found.detail.startswith(f"{role} lacks INSERT, UPDATE, DELETE on ")
        assert "; INSERT on audit_event; USAGE on " in found.detail
        assert found.fix.endswith(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; "
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"
        )
        assert _doctor(url)[0] == 1
    finally:
        pg_server.drop(str(database))
        pg_server.admin.execute(f"DROP ROLE {role}")


def test_pg_dump_missing_or_too_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 12.9'\n")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    finding = doctor._pg_dump(15)
    assert finding.level == doctor.WARN and "version 12.9, older than the server (15)" in (
        finding.detail
    )
    assert finding.fix == "apt install postgresql-client-15"
    assert doctor._pg_dump(12).level == doctor.OK
    old.unlink()
    missing = doctor._pg_dump(15)
    assert missing.level == doctor.WARN and missing.detail.startswith("pg_dump is not installed")
