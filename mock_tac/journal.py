"""The request journal: every request an engine answered, password masked."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MASK = "***"
_SECRET_KEYS = frozenset({"authPass", "password", "pass", "passwd"})


def mask_secrets(params: Any) -> Any:
    """A copy of ``params`` with every password-like value replaced by ``***``."""
    if isinstance(params, dict):
        return {
            k: (MASK if k in _SECRET_KEYS and v is not None else mask_secrets(v))
            for k, v in params.items()
        }
    if isinstance(params, list):
        return [mask_secrets(v) for v in params]
    return params


@dataclass(frozen=True)
class Entry:
    """One answered request.

    ``params`` is None when the request could not be decoded; ``raw`` then
    holds the start of what was received. ``time`` is engine-clock time,
    ``duration_ms`` the ``executionTime`` reported to the client.
    """

    seq: int
    time: float
    action: str | None
    params: dict[str, Any] | None
    encoding: dict[str, Any] | None
    reply: dict[str, Any]
    duration_ms: int
    raw: str | None = None
    transport: dict[str, Any] = field(default_factory=dict)

    @property
    def return_code(self) -> int | None:
        return self.reply.get("returnCode")

    @property
    def task_id(self) -> Any:
        return (self.params or {}).get("taskId")

    @property
    def exec_request_id(self) -> str | None:
        rid = (self.params or {}).get("execRequestId") or self.reply.get("execRequestId")
        return rid if isinstance(rid, str) else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "action": self.action,
            "params": self.params,
            "encoding": self.encoding,
            "reply": self.reply,
            "returnCode": self.return_code,
            "durationMs": self.duration_ms,
            "raw": self.raw,
            "transport": self.transport,
        }


class Journal:
    """An append-only, thread-safe list of :class:`Entry`."""

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._lock = threading.Lock()

    def record(
        self,
        *,
        time: float,
        action: str | None,
        params: dict[str, Any] | None,
        encoding: dict[str, Any] | None,
        reply: dict[str, Any],
        duration_ms: int,
        raw: str | None = None,
        transport: dict[str, Any] | None = None,
    ) -> Entry:
        """Append one entry; ``params`` are masked here, whatever the caller did."""
        with self._lock:
            entry = Entry(
                seq=len(self._entries) + 1,
                time=time,
                action=action,
                params=mask_secrets(params) if params is not None else None,
                encoding=encoding,
                reply=copy.deepcopy(reply),
                duration_ms=duration_ms,
                raw=raw,
                transport=dict(transport or {}),
            )
            self._entries.append(entry)
            return entry

    def entries(
        self,
        *,
        action: str | None = None,
        task_id: int | None = None,
        exec_request_id: str | None = None,
    ) -> list[Entry]:
        """Entries in order, optionally only those matching every filter given."""
        with self._lock:
            found = list(self._entries)
        if action is not None:
            found = [e for e in found if e.action == action]
        if task_id is not None:
            found = [e for e in found if str(e.task_id) == str(task_id)]
        if exec_request_id is not None:
            found = [e for e in found if e.exec_request_id == exec_request_id]
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())
