"""The token store: credentials that `scheduler auth` obtained (and clients rotated), in one JSON file
only its owner may read (mode 0600, refused otherwise, as ssh refuses an open key file).

    {"mastodon:regional": {"base_url": "https://social.example", "token": "…"}, …}

Writes are atomic (a new file with mode 0600 replaces the old one) and serialised with a lock file.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

from scheduler.errors import ConfigError

FIELDS = frozenset({"base_url", "token", "handle", "app_password", "author", "version", "page_id", "user_id",
                    "refresh_token", "expires_at"})


class TokenStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    def load(self) -> dict[str, dict[str, str]]:
        """Every stored account, keyed `platform:name`; {} when there is no store yet."""
        try:
            mode = self.path.stat().st_mode & 0o777
        except FileNotFoundError:
            return {}
        if mode & 0o077:
            raise ConfigError(f"token store {self.path} can be read by others (mode {mode:o}); run: chmod 600 {self.path}")
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ConfigError(f"token store {self.path} is not valid JSON; fix it or run scheduler auth again") from None
        if not isinstance(data, dict) or not all(
            isinstance(key, str) and ":" in key and isinstance(value, dict) and set(value) <= FIELDS
            and all(isinstance(v, str) for v in value.values())
            for key, value in data.items()
        ):
            raise ConfigError(f"token store {self.path} has an unexpected shape; run scheduler auth again")
        return data

    def save(self, key: str, fields: dict[str, str]) -> None:
        """Store (replace) the credentials of one account."""
        unknown = set(fields) - FIELDS
        if unknown:
            raise ValueError(f"unknown token store fields {sorted(unknown)}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self.load()
            data[key] = dict(fields)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
