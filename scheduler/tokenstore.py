"""The token store: credentials that `scheduler auth` obtained (and clients rotated), in one JSON file
only its owner may read (mode 0600, refused otherwise, as ssh refuses an open key file).

    {"mastodon:regional": {"base_url": "https://social.example", "token": "…"}, …}

Writes are atomic (a new file with mode 0600 replaces the old one) and serialised with a lock file.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scheduler.errors import ConfigError

#: The token store's own entry for the dashboard's session key (not an account).
SESSION = "web:session"

#: What the store may keep of an account (also `config.Account`'s fields, see `settingnames`).
ACCOUNT_FIELDS = frozenset(
    {
        "base_url",
        "token",
        "handle",
        "app_password",
        "author",
        "version",
        "page_id",
        "user_id",
        "refresh_token",
        "expires_at",
        "refresh_expires_at",
        "client_id",
        "client_secret",
        "token_url",
        "session_access",
        "session_refresh",
        "session_did",
    }
)
#: Every field the store may hold: the accounts', and the dashboard's session key (`SESSION`).
FIELDS = ACCOUNT_FIELDS | {"session_key"}


class TokenStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._held = False

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    def load(self) -> dict[str, dict[str, str]]:
        """Every stored account, keyed `platform:name`; {} when there is no store yet."""
        try:
            mode = self.path.stat().st_mode & 0o777
        except FileNotFoundError:
            return {}
        if mode & 0o077:
            raise ConfigError(
                f"token store {self.path} can be read by others (mode {mode:o}); run: chmod 600 {self.path}"
            )
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
        except IsADirectoryError:
            raise ConfigError(f"token store {self.path} is a folder; name a file in SCHEDULER_TOKEN_STORE") from None
        except OSError as error:
            raise ConfigError(
                f"token store {self.path} cannot be read ({error.strerror}); check its permissions"
            ) from None
        except (ValueError, RecursionError):  # also UnicodeDecodeError, and arrays nested thousands deep
            raise ConfigError(
                f"token store {self.path} is not valid JSON; fix it or run scheduler auth again"
            ) from None
        if not isinstance(data, dict) or not all(
            isinstance(key, str)
            and ":" in key
            and isinstance(value, dict)
            and set(value) <= FIELDS
            and all(isinstance(v, str) for v in value.values())
            for key, value in data.items()
        ):
            raise ConfigError(f"token store {self.path} has an unexpected shape; run scheduler auth again")
        return data

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock (other threads and processes wait): read, decide and write as one
        step. Re-entrant within a thread."""
        with self._thread_lock:
            if self._held:
                yield
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_path = self.path.with_name(self.path.name + ".lock")
            with open(lock_path, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                self._held = True
                try:
                    yield
                finally:
                    self._held = False

    def save(self, key: str, fields: dict[str, str]) -> None:
        """Store (replace) the credentials of one account."""
        self._write(key, fields, merge=False)

    def update(self, key: str, changes: dict[str, str]) -> None:
        """Change some fields of one account (creating its entry), keeping the others."""
        self._write(key, changes, merge=True)

    def _write(self, key: str, fields: dict[str, str], *, merge: bool) -> None:
        unknown = set(fields) - FIELDS
        if unknown:
            raise ValueError(f"unknown token store fields {sorted(unknown)}")
        with self.locked():
            data = self.load()
            data[key] = {**data.get(key, {}), **fields} if merge else dict(fields)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
