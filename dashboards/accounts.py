"""Local accounts for small installations: a JSON file of users, roles and argon2 hashes.

The file (`ACCOUNTS_PATH`, default `data/accounts.json`) lives outside the warehouse, so a load
never touches it; it is written atomically and private to the app's user (0600). Passwords are
hashed with argon2id (argon2-cffi); the file never holds one in clear.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("viewer", "analyst", "admin")
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_HASHER = PasswordHasher()
# A hash to verify against when the user does not exist, so both cases take the same time.
_DUMMY = _HASHER.hash("not a password of anyone")


class AccountError(ValueError):
    """An account that cannot be added or removed (the message says why)."""


def read(path: Path) -> dict[str, dict]:
    """The accounts of a file ({name: {'role', 'hash'}}); none when the file does not exist."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    users = data.get("users", {}) if isinstance(data, dict) else {}
    return {
        n: u
        for n, u in users.items()
        if isinstance(u, dict) and u.get("role") in ROLES and isinstance(u.get("hash"), str)
    }


def _write(path: Path, users: dict[str, dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".accounts-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"users": users}, f, indent=1, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add(path: Path, name: str, password: str, role: str) -> None:
    """Add an account, or change an existing one's password and role."""
    if not _NAME.match(name):
        raise AccountError("a user name is 1-64 letters, digits or . _ @ -")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise AccountError("a password needs 12 characters or more")
    users = read(path)
    users[name] = {"role": role, "hash": _HASHER.hash(password)}
    _write(path, users)


def remove(path: Path, name: str) -> bool:
    """Remove an account; False if there was none of that name."""
    users = read(path)
    if users.pop(name, None) is None:
        return False
    _write(path, users)
    return True


def verify(path: Path, name: str, password: str) -> str | None:
    """The account's role if the password is right, else None (same work either way)."""
    user = read(path).get(name)
    try:
        _HASHER.verify(user["hash"] if user else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    return user["role"] if user else None


def role_of(path: Path, name: str) -> str | None:
    """The current role of an account (None: removed), re-read on each request."""
    user = read(path).get(name)
    return user["role"] if user else None


def main(argv: list[str] | None = None) -> int:
    """`python -m dashboards.accounts add NAME --role ROLE | remove NAME | list`."""
    import argparse
    import getpass
    import sys

    from dashboards.settings import SettingsError, load_settings

    parser = argparse.ArgumentParser(prog="python -m dashboards.accounts")
    parser.add_argument("--file", type=Path, help="accounts file (default: ACCOUNTS_PATH)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_add = sub.add_parser("add", help="add an account (or set its password and role)")
    p_add.add_argument("name")
    p_add.add_argument("--role", choices=ROLES, required=True)
    p_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p_remove = sub.add_parser("remove", help="remove an account")
    p_remove.add_argument("name")
    sub.add_parser("list", help="list the accounts and their roles")
    args = parser.parse_args(argv)
    try:
        path = args.file or load_settings().accounts_path
    except SettingsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        if args.command == "add":
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = getpass.getpass(f"password for {args.name}: ")
                if getpass.getpass("again: ") != password:
                    print("error: the passwords differ", file=sys.stderr)
                    return 2
            add(path, args.name, password, args.role)
            print(f"{args.name}: {args.role} ({path})")
        elif args.command == "remove":
            if not remove(path, args.name):
                print(f"error: no account {args.name!r} in {path}", file=sys.stderr)
                return 1
            print(f"removed {args.name} ({path})")
        else:
            for name, user in sorted(read(path).items()):
                print(f"{name}\t{user['role']}")
    except AccountError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
