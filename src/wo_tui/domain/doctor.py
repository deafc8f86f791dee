"""Checking a shared deployment, and binding SSH keys to logins for gateway mode.

A dispatcher and a crew share one SQLite file in one of two ways (README, "Sharing
one database"): group mode (directory ``2770``, file ``0660``, each person runs
wo-tui as themselves) or gateway mode (the file belongs to a service account and
each SSH key in its ``authorized_keys`` is bound to ``wo-tui --login NAME``). Most
breakage in either comes from the file system, not the code: a ``-shm`` file left
``0644`` by someone's umask locks everyone else out, a directory without setgid
hands new files the wrong group, a network file system breaks SQLite's locks.
``check`` looks at all of that without opening the database for writing, and says
what to type to fix each problem.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import grp
import os
import pwd
import re
import shutil
import sqlite3
import stat
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from wo_tui.errors import ValidationError, WoError
from wo_tui.store.db import BUSY_TIMEOUT_MS, SCHEMA_HEAD, SQLITE_HEADER, newest_backup
from wo_tui.text import clean_line

OK = "ok"
WARN = "warn"
FAIL = "fail"

NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "sshfs")
GROUP_DIR_MODE = 0o2770
GROUP_FILE_MODE = 0o660


@dataclass(frozen=True)
class Finding:
    level: str
    check: str
    detail: str
    fix: str = ""


# ---------------------------------------------------------------- accounts


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _groups_of(account: pwd.struct_passwd) -> set[int]:
    gids = {account.pw_gid}
    gids.update(g.gr_gid for g in grp.getgrall() if account.pw_name in g.gr_mem)
    return gids


def _may_write(uid: int, gids: set[int], st: os.stat_result) -> bool:
    """POSIX permission bits only (ACLs are not consulted)."""
    if uid == 0:
        return True
    if uid == st.st_uid:
        return bool(st.st_mode & stat.S_IWUSR)
    if st.st_gid in gids:
        return bool(st.st_mode & stat.S_IWGRP)
    return bool(st.st_mode & stat.S_IWOTH)


def writers(path: Path) -> list[str]:
    """Accounts that can write the database and create its ``-wal``/``-shm`` beside it."""
    file_st, dir_st = path.stat(), path.parent.stat()
    names = []
    for account in pwd.getpwall():
        gids = _groups_of(account)
        if _may_write(account.pw_uid, gids, file_st) and _may_write(account.pw_uid, gids, dir_st):
            names.append(account.pw_name)
    return sorted(set(names))


# ---------------------------------------------------------------- checks


def filesystem_of(path: Path, mounts: Path = Path("/proc/mounts")) -> tuple[str, str]:
    """(mount point, file system type) holding ``path``: the longest mount point prefix."""
    real = os.path.realpath(path)
    best = ("/", "unknown")
    try:
        lines = mounts.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return best
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best[0]):
            best = (point, fields[2])
    return best


def _filesystem(path: Path) -> Finding:
    point, fstype = filesystem_of(path)
    base = fstype.removeprefix("fuse.")
    if base in NETWORK_FS or fstype.startswith(NETWORK_FS):
        return Finding(
            FAIL,
            "file system",
            f"{path.parent} is on {fstype} ({point}): SQLite's locks do not work over a network, "
            "so two writers can corrupt the file.",
            "move the database to a local disk of the machine everyone logs in to",
        )
    return Finding(OK, "file system", f"{fstype} at {point} (local)")


def _mode_findings(path: Path) -> list[Finding]:
    st, dst = path.stat(), path.parent.stat()
    mode, dmode = stat.S_IMODE(st.st_mode), stat.S_IMODE(dst.st_mode)
    owner, group = _user_name(st.st_uid), _group_name(st.st_gid)
    out: list[Finding] = []
    if mode & 0o007:
        out.append(
            Finding(
                FAIL,
                "file mode",
                f"{path} is {mode:04o}: every account on this machine can read"
                f"{' and change' if mode & 0o002 else ''} the work orders.",
                f"chmod o-rwx {path}",
            )
        )
    if mode & 0o060:
        out.append(
            Finding(
                OK if mode & 0o020 else WARN,
                "mode",
                f"group mode: {path} is {mode:04o} {owner}:{group}"
                + ("" if mode & 0o020 else "; the group can read but not write"),
                "" if mode & 0o020 else f"chmod g+w {path}",
            )
        )
        if dmode != GROUP_DIR_MODE:
            out.append(
                Finding(
                    WARN if dmode & stat.S_ISGID and dmode & 0o070 == 0o070 else FAIL,
                    "directory",
                    f"{path.parent} is {dmode:04o}; group mode needs 2770 (setgid, so the "
                    "-wal and -shm files SQLite creates get the group; nothing for others).",
                    f"chmod 2770 {path.parent}",
                )
            )
        else:
            out.append(Finding(OK, "directory", f"{path.parent} is 2770 (setgid)"))
        if dst.st_gid != st.st_gid:
            out.append(
                Finding(
                    FAIL,
                    "group",
                    f"{path} belongs to group {group} but its directory to "
                    f"{_group_name(dst.st_gid)}: new -wal/-shm files get the wrong group.",
                    f"chgrp {_group_name(dst.st_gid)} {path}",
                )
            )
        if group == owner:
            out.append(
                Finding(
                    WARN,
                    "group",
                    f"{path} belongs to group {group}, which looks like a personal group.",
                    f"groupadd maint; chgrp -R maint {path.parent}; usermod -aG maint LOGIN",
                )
            )
    else:
        out.append(
            Finding(
                OK,
                "mode",
                f"gateway mode: {path} is {mode:04o}, only {owner} can open it",
            )
        )
        if dmode & 0o022:
            out.append(
                Finding(
                    FAIL,
                    "directory",
                    f"{path.parent} is {dmode:04o}: others can replace the database file.",
                    f"chmod 700 {path.parent}",
                )
            )
    return out


def _side_files(path: Path) -> list[Finding]:
    st = path.stat()
    out = []
    present = False
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        try:
            sst = side.stat()
        except FileNotFoundError:
            continue
        present = True
        smode = stat.S_IMODE(sst.st_mode)
        want = stat.S_IMODE(st.st_mode) & 0o660
        problems = []
        if sst.st_gid != st.st_gid:
            problems.append(f"group {_group_name(sst.st_gid)} (database: {_group_name(st.st_gid)})")
        if smode & want != want:
            problems.append(f"mode {smode:04o} (database: {stat.S_IMODE(st.st_mode):04o})")
        if problems:
            out.append(
                Finding(
                    FAIL,
                    suffix[1:],
                    f"{side} has {' and '.join(problems)}: other users will fail to open "
                    "or write the database.",
                    f"chgrp {_group_name(st.st_gid)} {side}; chmod {want:o} {side}",
                )
            )
        else:
            out.append(Finding(OK, suffix[1:], f"{side} is {smode:04o} like the database"))
    if not present:
        out.append(Finding(OK, "wal", "no -wal/-shm files (no one has the database open)"))
    return out


def _journal(header: bytes) -> Finding:
    if len(header) >= 20 and header[18] == 2 and header[19] == 2:
        return Finding(OK, "journal", "WAL (readers never wait for writers)")
    return Finding(
        FAIL,
        "journal",
        "the database is not in WAL mode: a technician reading blocks the dispatcher's writes.",
        "stop everyone, then: sqlite3 DB 'PRAGMA journal_mode=WAL'",
    )


def _integrity(path: Path, full: bool) -> tuple[Finding, list[str]]:
    """(finding, active logins) from one read-only connection."""
    pragma = "integrity_check" if full else "quick_check"
    backup = newest_backup(path)
    restore = f"restore from {backup}" if backup else "restore from your last backup"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return Finding(FAIL, pragma, f"cannot open {path}: {exc}", restore), []
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA {pragma}").fetchall()]
        logins: list[str] = []
        with contextlib.suppress(sqlite3.Error):
            logins = [r[0] for r in conn.execute("SELECT login FROM user_account WHERE active")]
    except sqlite3.Error as exc:
        return Finding(FAIL, pragma, f"{path}: {exc}", restore), []
    finally:
        conn.close()
    if rows == ["ok"]:
        return Finding(OK, pragma, "ok"), logins
    return Finding(FAIL, pragma, f"{path}: {'; '.join(rows[:3])}", restore), logins


def _who_can_write(path: Path, logins: list[str]) -> list[Finding]:
    can = writers(path)
    out = [Finding(OK, "writers", f"accounts that can write: {', '.join(can) or 'none'}")]
    if stat.S_IMODE(path.stat().st_mode) & 0o060:
        known = {p.pw_name for p in pwd.getpwall()}
        locked_out = sorted(set(logins) & known - set(can))
        if locked_out:
            group = _group_name(path.stat().st_gid)
            out.append(
                Finding(
                    WARN,
                    "writers",
                    f"wo-tui users who cannot write (they will be read-only): {', '.join(locked_out)}",
                    f"usermod -aG {group} {' '.join(locked_out)} (they log in again afterwards)",
                )
            )
    return out


def _backup(path: Path) -> Finding:
    backup = newest_backup(path)
    if backup is None:
        return Finding(
            WARN,
            "backup",
            f"no backup next to {path}",
            f"wo-tui backup {path.with_name(path.stem + '-' + datetime.now().strftime('%Y%m%d') + '.db')}",
        )
    when = datetime.fromtimestamp(backup.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return Finding(OK, "backup", f"newest backup {backup} ({when})")


def check(database: str, *, full: bool = False) -> list[Finding]:
    """Every finding about the deployment of ``database`` (a path or a URL)."""
    if "://" in database and not database.startswith("sqlite"):
        return _check_server(database)
    path = Path(database.removeprefix("sqlite:///")).expanduser().absolute()
    try:
        path.stat()
    except FileNotFoundError:
        return [Finding(FAIL, "database", f"no database at {path}", "wo-tui init")]
    except PermissionError:
        try:
            group = _group_name(path.parent.stat().st_gid)
        except OSError:
            group = "the database's group"
        return [
            Finding(
                FAIL,
                "database",
                f"{path.parent} is closed to you ({_user_name(os.getuid())})",
                f"ask an admin to add you to {group} (usermod -aG {group} LOGIN), or use gateway mode",
            )
        ]
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        return [
            Finding(
                FAIL,
                "database",
                f"cannot read {path}: {exc.strerror}",
                "run wo-tui doctor as the database owner or a member of its group",
            )
        ]
    findings = [_filesystem(path)]
    if header[:16] != SQLITE_HEADER:
        backup = newest_backup(path)
        findings.append(
            Finding(
                FAIL,
                "database",
                f"{path} is not a SQLite database (damaged or another kind of file)",
                f"restore from {backup}" if backup else "restore from your last backup",
            )
        )
        return findings
    findings += _mode_findings(path)
    findings += _side_files(path)
    findings.append(_journal(header))
    integrity, logins = _integrity(path, full)
    findings.append(integrity)
    findings += _who_can_write(path, logins)
    findings.append(_backup(path))
    return findings


PG_MIN_MAJOR = 14
"""The oldest PostgreSQL the migrations run on (SQL-standard function bodies)."""
SEARCH_PROBE = ("ÜBERLAUF am Kühlturm", ["überlauf", "am", "kühlturm"])
"""Text in, the words the search index must see: a C locale sees ASCII only."""
APPEND_ONLY_TABLES = frozenset({"audit_event"})


def _check_server(url: str) -> list[Finding]:
    """A PostgreSQL database: reachable, new enough, at the schema this code expects,
    indexing words in every script, usable by the connecting role, and backed up."""
    from sqlalchemy.exc import SQLAlchemyError

    from wo_tui.store.db import open_store

    try:
        store = open_store(url, migrate=False)
    except WoError as exc:
        return [Finding(FAIL, "server", exc.message, "check the URL, the server and pg_hba.conf")]
    except Exception as exc:
        return [Finding(FAIL, "server", f"cannot connect: {clean_line(str(exc))[:200]}")]
    try:
        with store.engine.connect() as conn:
            findings, major = _server_findings(conn, store.label)
    except SQLAlchemyError as exc:
        said = clean_line(str(getattr(exc, "orig", exc)).strip().splitlines()[0])[:200]
        return [Finding(FAIL, "server", f"{store.label}: {said}")]
    finally:
        store.close()
    findings.append(_pg_dump(major))
    return findings


def _server_findings(conn: Any, label: str) -> tuple[list[Finding], int]:
    from wo_tui.store.migrate import current_revision

    version_num = int(conn.execute(text("SHOW server_version_num")).scalar())
    version = str(conn.execute(text("SHOW server_version")).scalar()).split()[0]
    major = version_num // 10000
    if major < PG_MIN_MAJOR:
        findings = [
            Finding(
                FAIL,
                "server",
                f"PostgreSQL {version} at {label}; wo-tui needs {PG_MIN_MAJOR} or newer.",
                f"upgrade the server to PostgreSQL {PG_MIN_MAJOR} or newer",
            )
        ]
    else:
        findings = [Finding(OK, "server", f"PostgreSQL {version} at {label}")]
    revision = current_revision(conn)
    findings.append(_schema(revision))
    findings.append(_locale(conn, at_head=revision == SCHEMA_HEAD))
    if revision is not None:
        findings.append(_privileges(conn))
    findings.append(_connecting_role(conn))
    return findings, major


def _schema(revision: str | None) -> Finding:
    if revision == SCHEMA_HEAD:
        return Finding(OK, "schema", f"at {SCHEMA_HEAD} (current)")
    if revision is None:
        return Finding(
            FAIL,
            "schema",
            "no wo-tui tables: the database was never initialised.",
            "run wo-tui init (as the role that is to own the tables)",
        )
    if revision.isdecimal() and int(revision) < int(SCHEMA_HEAD):
        return Finding(
            FAIL,
            "schema",
            f"at {revision}; this wo-tui needs {SCHEMA_HEAD}.",
            "run wo-tui init as the tables' owner (it upgrades the schema)",
        )
    return Finding(
        FAIL,
        "schema",
        f"at {revision}, written by a newer wo-tui than this one ({SCHEMA_HEAD}).",
        "upgrade wo-tui on this machine",
    )


def _locale(conn: Any, *, at_head: bool) -> Finding:
    """Whether the search index sees words in every script, not just ASCII ones:
    asked of the indexing function itself when there is one."""
    ctype, encoding = conn.execute(
        text(
            "SELECT datctype, pg_encoding_to_char(encoding) FROM pg_database "
            "WHERE datname = current_database()"
        )
    ).one()
    where = f"LC_CTYPE {ctype}, encoding {encoding}"
    if conn.execute(text("SELECT to_regprocedure('wo_search_words(text)')")).scalar() is None:
        return Finding(OK, "locale", f"{where} (search is checked once the schema exists)")
    sample, expected = SEARCH_PROBE
    seen = str(conn.execute(text("SELECT wo_search_words(:t)"), {"t": sample}).scalar())
    if seen.split() == expected:
        return Finding(OK, "locale", f"{where}: search sees words in every script")
    problem = f"{where}: search sees only ASCII words ({sample!r} is indexed as {seen.strip()!r})"
    if not at_head:
        return Finding(
            WARN,
            "locale",
            f"{problem}.",
            "run wo-tui init: the upgrade makes search see every script where the server can",
        )
    return Finding(
        WARN,
        "locale",
        f"{problem}, and the server has neither ICU nor a UTF-8 locale to use instead.",
        "create a database with a UTF-8 locale (createdb --template=template0 "
        "--locale=C.UTF-8 NAME), restore a backup into it and point wo-tui at it",
    )


def _table_privileges(table: str) -> tuple[str, ...]:
    if table in APPEND_ONLY_TABLES:
        return ("SELECT", "INSERT")
    return ("SELECT", "INSERT", "UPDATE", "DELETE")


def _privileges(conn: Any) -> Finding:
    """What the connecting role may do on our tables and their id sequences: each
    privilege asked apart (``has_table_privilege`` with a list is true if any is held)."""
    from wo_tui.store.models import metadata

    role, schema = conn.execute(text("SELECT current_user, current_schema()")).one()
    lacking: dict[tuple[str, ...], list[str]] = {}
    sequences: list[str] = []
    for table in [*(t.name for t in metadata.sorted_tables), "wo_search"]:
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is None:
            continue
        missing = tuple(
            p
            for p in _table_privileges(table)
            if not conn.execute(
                text("SELECT has_table_privilege(:t, :p)"), {"t": table, "p": p}
            ).scalar()
        )
        if missing:
            lacking.setdefault(missing, []).append(table)
        model = metadata.tables.get(table)
        if model is not None and "id" in model.c:
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
            ).scalar()
            if (
                seq
                and not conn.execute(
                    text("SELECT has_sequence_privilege(:s, 'USAGE')"), {"s": seq}
                ).scalar()
            ):
                sequences.append(str(seq))
    if not lacking and not sequences:
        return Finding(OK, "privileges", f"{role} may read and write every wo-tui table")
    parts = [
        f"{', '.join(privs)} on {_some(tables, 'tables')}" for privs, tables in lacking.items()
    ]
    if sequences:
        parts.append(f"USAGE on {_some(sequences, 'id sequences')}")
    return Finding(
        FAIL,
        "privileges",
        f"{role} lacks {'; '.join(parts)}: what needs them will be refused.",
        f"as the tables' owner: GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
        f"{schema} TO {role}; GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
    )


def _some(names: list[str], what: str) -> str:
    if len(names) <= 3:
        return ", ".join(names)
    return f"{len(names)} {what} ({', '.join(names[:3])}, ...)"


def _connecting_role(conn: Any) -> Finding:
    from wo_tui.domain.identity import os_login

    role = str(conn.execute(text("SELECT session_user")).scalar())
    me = os_login()
    if role == me:
        return Finding(OK, "identity", f"connected as {role}, your own account")
    return Finding(
        WARN,
        "identity",
        f"connected as {role} but running as {me}: wo-tui's audit trail names {me}, "
        f"the server knows only {role}.",
        f"connect as yourself: a role named {me} with peer authentication "
        "(README, PostgreSQL), and no user in the URL",
    )


def _pg_dump(server_major: int) -> Finding:
    """``wo-tui backup`` runs ``pg_dump``, which refuses a server newer than itself."""
    tool = shutil.which("pg_dump")
    if tool is None:
        return Finding(
            WARN,
            "backup",
            "pg_dump is not installed: wo-tui backup cannot copy this database.",
            "apt install postgresql-client (or your system's PostgreSQL client tools)",
        )
    try:
        said = subprocess.run(
            [tool, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        said = ""
    found = re.search(r"(\d+)(?:\.\d+)*", said)
    if found is None:
        return Finding(WARN, "backup", f"{tool} did not say its version", "reinstall pg_dump")
    if int(found.group(1)) < server_major:
        return Finding(
            WARN,
            "backup",
            f"{tool} is version {found.group(0)}, older than the server ({server_major}): "
            "it refuses to dump a newer server.",
            f"apt install postgresql-client-{server_major}",
        )
    return Finding(OK, "backup", f"{tool} {found.group(0)}")


# ---------------------------------------------------------------- gateway mode keys

LOGIN_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$")
"""Logins that are safe inside ``command="..."`` (run by the account's shell)."""

KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


def check_login(login: str) -> str:
    if not LOGIN_RE.match(login):
        raise ValidationError(
            f"{login!r} is not a usable login: letters, digits, '.', '_', '-', '@' only."
        )
    return login


def parse_public_key(text: str, source: str) -> tuple[str, str, str]:
    """(type, base64 blob, comment) of the one OpenSSH public key in ``text``."""
    if "PRIVATE KEY" in text:
        raise ValidationError(
            f"{source} is a private key: give the public one (.pub) and keep this secret."
        )
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if len(lines) != 1:
        raise ValidationError(f"{source} must hold exactly one public key line, not {len(lines)}.")
    fields = lines[0].split(None, 2)
    if fields[0] not in KEY_TYPES:
        raise ValidationError(
            f"{source} does not start with a key type ({', '.join(KEY_TYPES[:2])}, ...): "
            "give a plain public key without options."
        )
    if len(fields) < 2:
        raise ValidationError(f"{source} has a key type but no key.")
    kind, blob = fields[0], fields[1]
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(f"{source}: the key is not valid base64.") from exc
    size = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else -1
    if raw[4 : 4 + size] != kind.encode() or len(raw) < 4 + size + 16:
        raise ValidationError(f"{source}: the key data does not match its type {kind}.")
    comment = re.sub(r"[^A-Za-z0-9_.@:+ -]", "", clean_line(fields[2] if len(fields) > 2 else ""))
    return kind, blob, comment[:100]


def authorized_keys_line(login: str, key_text: str, source: str = "the key file") -> str:
    kind, blob, comment = parse_public_key(key_text, source)
    line = f'command="wo-tui --login {check_login(login)}",restrict,pty {kind} {blob}'
    return f"{line} {comment}".rstrip()


def default_authorized_keys() -> Path:
    """The running account's file, from the password database (``$HOME`` can be set by anyone)."""
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".ssh" / "authorized_keys"


def add_ssh_key(path: Path, login: str, key_text: str, source: str) -> tuple[bool, str]:
    """Bind the key in ``key_text`` to ``login`` in ``path``: (added?, the line).

    A key already bound to a different login is refused: one key, one person. The
    file is appended in place, so its owner and mode stay what sshd expects.
    """
    _kind, blob, _comment = parse_public_key(key_text, source)
    line = authorized_keys_line(login, key_text, source)
    existing = ""
    if path.exists():
        try:
            existing = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise WoError(f"Cannot read {path}: {exc.strerror}.") from exc
    for current in existing.splitlines():
        if blob in current.split():
            if current.strip() == line:
                return False, line
            bound = re.search(r'command="wo-tui --login ([^"]+)"', current)
            who = f"bound to {bound.group(1)}" if bound else "without a wo-tui binding"
            raise ValidationError(f"This key is already in {path} ({who}): remove that line first.")
    try:
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            if existing and not existing.endswith("\n"):
                fh.write("\n")
            fh.write(line + "\n")
    except OSError as exc:
        raise WoError(f"Cannot write {path}: {exc.strerror}.") from exc
    return True, line
