"""``wo-tui doctor`` and ``wo-tui ssh-key add``: the two deployment modes, checked for real."""

from __future__ import annotations

import base64
import grp
import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import as_user, needs_root, wo_tui
from tests.sitebuilder import build_site
from wo_tui.domain import doctor
from wo_tui.errors import ValidationError
from wo_tui.store.db import open_store

pytestmark = pytest.mark.sqlite_only


def fake_key(kind: str = "ssh-ed25519", comment: str = "alice@laptop", seed: int = 1) -> str:
    """A well-formed OpenSSH public key line (random bytes; nothing can log in with it)."""
    name = kind.encode()
    blob = len(name).to_bytes(4, "big") + name + (32).to_bytes(4, "big") + bytes([seed]) * 32
    return f"{kind} {base64.b64encode(blob).decode()} {comment}".rstrip()


def levels(findings: list[doctor.Finding]) -> dict[str, str]:
    """check -> worst level."""
    order = {doctor.OK: 0, doctor.WARN: 1, doctor.FAIL: 2}
    worst: dict[str, str] = {}
    for f in findings:
        if order[f.level] >= order[worst.get(f.check, doctor.OK)]:
            worst[f.check] = f.level
    return worst


@pytest.fixture
def group_dir() -> Iterator[tuple[Path, str]]:
    """A group-mode directory (2770, a shared group), as the README sets it up."""
    group = next(g for g in ("users", "staff", "nogroup") if _has_group(g))
    path = Path(tempfile.mkdtemp(prefix="wo-group-"))
    os.chown(path, 0, grp.getgrnam(group).gr_gid)
    path.chmod(0o2770)
    yield path, group
    shutil.rmtree(path, ignore_errors=True)


def _has_group(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


@needs_root
def test_doctor_passes_a_correct_group_deployment(group_dir: tuple[Path, str]) -> None:
    folder, group = group_dir
    db = folder / "wo.db"
    store = open_store(str(db), create=True)
    build_site(store)
    store.backup(folder / "wo-2026-03-01.db")
    assert grp.getgrgid(db.stat().st_gid).gr_name == group
    assert stat.S_IMODE(db.stat().st_mode) == 0o660
    try:
        found = levels(doctor.check(str(db)))
        assert doctor.FAIL not in found.values(), doctor.check(str(db))
        assert found["-shm" if "-shm" in found else "shm"] == doctor.OK
    finally:
        store.close()
    run = wo_tui("--db", str(db), "doctor", "--full")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "integrity_check" in run.stdout and "accounts that can write: root" in run.stdout


@needs_root
def test_doctor_names_each_broken_setting_and_its_fix(group_dir: tuple[Path, str]) -> None:
    folder, group = group_dir
    db = folder / "wo.db"
    store = open_store(str(db), create=True)
    build_site(store)
    try:
        shm = folder / "wo.db-shm"
        assert shm.exists()
        os.chown(shm, 0, 0)
        shm.chmod(0o644)
        folder.chmod(0o755)
        db.chmod(0o664)
        findings = doctor.check(str(db))
    finally:
        store.close()
    by_check = {f.check: f for f in findings if f.level == doctor.FAIL}
    assert by_check["file mode"].fix == f"chmod o-rwx {db}"
    assert by_check["directory"].fix == f"chmod 2770 {folder}"
    assert by_check["shm"].fix.startswith(f"chgrp {group} {shm}")
    run = wo_tui("--db", str(db), "doctor")
    assert run.exit_code == 1 and "fix: chmod 2770" in run.stdout
    assert "Traceback" not in run.stderr


def test_doctor_gateway_mode_journal_and_integrity(tmp_path: Path) -> None:
    db = tmp_path / "wo.db"
    open_store(str(db), create=True).close()
    db.chmod(0o600)
    found = doctor.check(str(db))
    assert any(f.check == "mode" and "gateway mode" in f.detail for f in found)
    assert levels(found)["journal"] == doctor.OK
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    assert levels(doctor.check(str(db)))["journal"] == doctor.FAIL


def test_doctor_on_a_damaged_file_names_the_backup(site: Any) -> None:
    db = site.store.path
    site.store.backup(db.with_name("wo.db.bak"))
    site.store.close()
    data = bytearray(db.read_bytes())
    data[4096 * 2 : 4096 * 3] = b"\xff" * 4096
    db.write_bytes(bytes(data))
    fail = {f.check: f for f in doctor.check(str(db), full=True) if f.level == doctor.FAIL}
    assert fail["integrity_check"].fix == f"restore from {db.with_name('wo.db.bak')}"


def test_doctor_refuses_network_file_systems(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda / ext4 rw 0 0\n"
        f"fileserver:/srv/maint {tmp_path / 'share'} nfs4 rw,relatime 0 0\n"
        f"//nas/maint {tmp_path / 'smb'} cifs rw 0 0\n"
    )
    assert doctor.filesystem_of(tmp_path / "share" / "wo.db", mounts)[1] == "nfs4"
    assert doctor.filesystem_of(tmp_path / "smb" / "x" / "wo.db", mounts)[1] == "cifs"
    assert doctor.filesystem_of(tmp_path / "shared" / "wo.db", mounts)[1] == "ext4"
    finding = doctor._filesystem(Path("/proc/self/status"))
    assert finding.level == doctor.OK


def test_doctor_without_a_database() -> None:
    found = doctor.check("/nonexistent/wo.db")
    assert [(f.level, f.fix) for f in found] == [(doctor.FAIL, "wo-tui init")]


# ---------------------------------------------------------------- ssh-key add


def test_ssh_key_add_writes_the_bound_line(site: Any, tmp_path: Path) -> None:
    db = str(site.store.path)
    key = tmp_path / "alice.pub"
    key.write_text(fake_key() + "\n")
    keys = tmp_path / "ssh" / "authorized_keys"
    run = wo_tui("--db", db, "ssh-key", "add", "alice", str(key), "--authorized-keys", str(keys))
    assert run.exit_code == 0, run.stderr
    line = f'command="wo-tui --login alice",restrict,pty {fake_key()}'
    assert keys.read_text() == line + "\n"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.parent.stat().st_mode) == 0o700
    again = wo_tui("--db", db, "ssh-key", "add", "alice", str(key), "--authorized-keys", str(keys))
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    other = wo_tui("--db", db, "ssh-key", "add", "bob", str(key), "--authorized-keys", str(keys))
    assert other.exit_code == 1 and "bound to alice" in other.stderr
    bob = tmp_path / "bob.pub"
    bob.write_text(fake_key("ssh-ed25519", "bob", seed=2))
    wo_tui("--db", db, "ssh-key", "add", "bob", str(bob), "--authorized-keys", str(keys))
    assert keys.read_text().count("\n") == 2 and "--login bob" in keys.read_text()
    stranger = wo_tui(
        "--db", db, "ssh-key", "add", "mallory", str(bob), "--authorized-keys", str(keys)
    )
    assert stranger.exit_code == 1 and "mallory is not a wo-tui user" in stranger.stderr


@pytest.mark.parametrize(
    ("login", "text", "problem"),
    [
        ("alice; rm -rf ~", fake_key(), "not a usable login"),
        ('alice" ssh-rsa', fake_key(), "not a usable login"),
        ("alice", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n", "private key"),
        ("alice", f'command="sh" {fake_key()}', "without options"),
        ("alice", f"{fake_key()}\n{fake_key(seed=3)}", "exactly one"),
        ("alice", "ssh-ed25519 not*base64", "base64"),
        ("alice", fake_key().replace("ssh-ed25519", "ssh-rsa", 1), "does not match"),
        ("alice", "", "exactly one"),
    ],
)
def test_ssh_key_add_refuses_bad_input(login: str, text: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        doctor.authorized_keys_line(login, text)


def test_ssh_key_comment_cannot_smuggle_options() -> None:
    line = doctor.authorized_keys_line("alice", fake_key(comment='x",command="sh\x1b[2J'))
    assert line.count('"') == 2 and "\x1b" not in line


@needs_root
def test_doctor_lists_users_locked_out_of_the_group(group_dir: tuple[Path, str]) -> None:
    from wo_tui.domain import admin

    folder, group = group_dir
    db = folder / "wo.db"
    store = open_store(str(db), create=True)
    site = build_site(store)
    admin.add_user(site.admin, "nobody", "technician", team="Mechanical")
    store.close()
    warned = [f for f in doctor.check(str(db)) if f.check == "writers" and f.level == doctor.WARN]
    assert [f.fix for f in warned] == [f"usermod -aG {group} nobody (they log in again afterwards)"]
    assert "nobody" not in doctor.writers(db)


def _doctor_levels(db: str) -> list[tuple[str, str, str]]:
    return [(f.level, f.check, f.fix) for f in doctor.check(db)]


@needs_root
def test_doctor_for_someone_outside_the_group(group_dir: tuple[Path, str]) -> None:
    folder, group = group_dir
    db = folder / "wo.db"
    open_store(str(db), create=True).close()
    run = as_user("nobody", _doctor_levels, str(db))
    assert run.result == [
        [
            "fail",
            "database",
            f"ask an admin to add you to {group} (usermod -aG {group} LOGIN), or use gateway mode",
        ]
    ], run
