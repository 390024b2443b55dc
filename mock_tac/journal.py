"""The request journal: every request an engine answered, password masked."""

from __future__ import annotations

import base64
import binascii
import copy
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from time import time as _wall_time
from typing import Any
from urllib.parse import unquote

MASK = "***"
#: A key naming any of these (in any case) holds a secret: authPass,
#: password, passwd, pwd, clientSecret, accessToken...
SECRET_MARKERS = ("pass", "pwd", "secret", "token", "credential")
STATUS_ACTION = "getTaskExecutionStatus"

_TEXT_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]+|\\.)*"?|'(?:[^'\\]+|\\.)*'?)"""
    r"|(?P<space>\s+)|(?P<sep>[:=])|(?P<end>[,&])|(?P<open>[{\[])|(?P<close>[}\]])"
    r"""|(?P<bare>[^\s"'{}\[\],:=&]+)""",
    re.DOTALL,
)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|(.))", re.DOTALL)
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/\-_]+={0,2}")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/\-_]{16,}={0,2}")
_FORM_NAME = re.compile(r"[A-Za-z_][\w.\-]*=")


def is_secret_key(name: Any) -> bool:
    """Whether a parameter named ``name`` holds a password or other secret."""
    if not isinstance(name, str):
        return False
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def mask_secrets(params: Any) -> Any:
    """A copy of ``params`` with every secret-named value replaced by ``***``."""
    if isinstance(params, dict):
        return {
            k: (MASK if is_secret_key(k) and v is not None else mask_secrets(v))
            for k, v in params.items()
        }
    if isinstance(params, list):
        return [mask_secrets(v) for v in params]
    return params


def preview_raw(raw: bytes, limit: int = 200) -> str:
    """The start of a request that could not be decoded, safe to keep and show.

    Percent escapes are undone and Base64 is shown decoded (``decoded: ...``);
    Base64 that does not decode to text is never kept, since it may still
    carry a password. In what remains, the value after every secret-named
    key (escaped keys, escaped quotes and unquoted values included) and
    anything after free text naming a secret is masked by :func:`mask_text`.
    """
    text = raw.decode("utf-8", "replace")
    for _ in range(3):  # a client may percent-encode twice
        if "%" not in text:
            break
        text = unquote(text, errors="replace")
    decoded = _decode_base64_text(text)
    if decoded is not None:
        return "decoded: " + _clip(mask_text(decoded), limit)
    hidden = _BASE64_RUN.sub(lambda m: f"<{len(m.group())} Base64 characters>", text)
    return _clip(mask_text(hidden), limit)


def mask_text(text: str) -> str:
    """``text`` (JSON, JSON5 or ``name=value`` pairs, even broken) with secrets masked.

    A key naming a secret keeps its name; what follows it up to the next
    ``,``, ``&`` or closing bracket of its level becomes ``***``. A string or
    word naming a secret anywhere else is masked with what follows it the
    same way.
    """
    tokens = [(m.lastgroup, m.group()) for m in _TEXT_TOKEN.finditer(text)]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        i += 1
        if kind not in ("string", "bare") or not is_secret_key(_unescape(value)):
            out.append(value)
            continue
        after = i
        while after < len(tokens) and tokens[after][0] == "space":
            after += 1
        if after < len(tokens) and tokens[after][0] == "sep":  # a key: keep it
            out.extend(v for _, v in tokens[i - 1 : after + 1])
            i = after + 1
        out.append(MASK)
        depth = 0
        while i < len(tokens):
            kind = tokens[i][0]
            if kind == "open":
                depth += 1
            elif kind == "close":
                if depth == 0:
                    break
                depth -= 1
            elif kind == "end" and depth == 0:
                break
            i += 1
    return "".join(out)


def _unescape(token: str) -> str:
    if token[:1] in ("'", '"'):
        token = token[1:-1] if len(token) > 1 and token[-1] == token[0] else token[1:]

    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        return chr(int(code, 16)) if code else match.group(3)

    return _ESCAPE.sub(replace, token)


def _decode_base64_text(text: str) -> str | None:
    """The text ``text`` encodes in Base64 (either alphabet), if it is that."""
    compact = re.sub(r"\s+", "", text)
    candidates = [compact]
    form = _FORM_NAME.match(compact)
    if form:
        candidates.append(compact[form.end() :])
    for candidate in candidates:
        if not candidate or not _BASE64_TEXT.fullmatch(candidate):
            continue
        body = candidate.rstrip("=").replace("-", "+").replace("_", "/")
        body = body[: len(body) - (len(body) % 4 == 1)]
        try:
            data = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        decoded = data.decode("utf-8", "replace")
        readable = sum(c.isprintable() or c.isspace() for c in decoded)
        if decoded and readable >= 0.9 * len(decoded):
            return decoded
    return None


def _clip(text: str, limit: int) -> str:
    return text[:limit] + ("..." if len(text) > limit else "")


@dataclass(frozen=True)
class Entry:
    """One answered request.

    ``params`` is None when the request could not be decoded; ``raw`` then
    holds the start of what was received. ``time`` is engine-clock time,
    ``duration_ms`` the ``executionTime`` reported to the client.
    ``wall_time`` is when it was journaled by the wall clock, whatever clock
    the engine runs (for request rates).
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
    wall_time: float = field(default_factory=_wall_time)

    @property
    def return_code(self) -> int | None:
        return self.reply.get("returnCode")

    @property
    def task_id(self) -> Any:
        return (self.params or {}).get("taskId")

    @property
    def exec_request_id(self) -> str | None:
        rid = (self.params or {}).get("execRequestId") or self.reply.get(
            "execRequestId"
        )
        return rid if isinstance(rid, str) else None

    @property
    def shows_end(self) -> bool:
        """The reply told the client its execution has ended (jobExitCode given)."""
        reply = self.reply
        if reply.get("returnCode") != 0 or not self.exec_request_id:
            return False
        basic = reply.get("execBasicStatus")
        return "jobExitCode" in reply or (basic is not None and basic != "RUNNING")

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

    # -- queries for assertions ---------------------------------------------

    def execution_ids(self) -> list[str]:
        """The execRequestIds runTask handed out, in order."""
        return [
            e.reply["execRequestId"]
            for e in self.entries(action="runTask")
            if e.return_code == 0 and isinstance(e.reply.get("execRequestId"), str)
        ]

    def status_polls(self, exec_request_id: str) -> list[Entry]:
        """The getTaskExecutionStatus requests made for one execution."""
        return self.entries(action=STATUS_ACTION, exec_request_id=exec_request_id)

    def polls_per_execution(self) -> dict[str, int]:
        """How many status requests each execution received (0 for unpolled)."""
        counts = {rid: 0 for rid in self.execution_ids()}
        for entry in self.entries(action=STATUS_ACTION):
            if entry.exec_request_id:
                counts[entry.exec_request_id] = counts.get(entry.exec_request_id, 0) + 1
        return counts

    def end_seen(self, exec_request_id: str) -> Entry | None:
        """The first reply that told the client the execution had ended, if any."""
        for entry in self.entries(exec_request_id=exec_request_id):
            if entry.shows_end:
                return entry
        return None

    def polls_after_end(self, exec_request_id: str | None = None) -> list[Entry]:
        """Status requests sent after the client was told the execution ended.

        A well-behaved client stops polling an execution once a reply carried
        its ``jobExitCode``; every entry returned here is a poll it did not need.
        """
        ids = [exec_request_id] if exec_request_id else self.execution_ids()
        found = []
        for rid in ids:
            end = self.end_seen(rid)
            if end is not None:
                found += [e for e in self.status_polls(rid) if e.seq > end.seq]
        return sorted(found, key=lambda e: e.seq)

    def stopped_polling_after_end(self, exec_request_id: str | None = None) -> bool:
        """True when no status request followed the reply that showed the end."""
        return not self.polls_after_end(exec_request_id)

    def poll_rate(self, exec_request_id: str) -> float | None:
        """Status requests per second (wall time) for one execution.

        None with fewer than two polls, or when they all came at one instant.
        """
        times = [e.wall_time for e in self.status_polls(exec_request_id)]
        if len(times) < 2 or times[-1] <= times[0]:
            return None
        return (len(times) - 1) / (times[-1] - times[0])

    def encodings(self) -> Counter[tuple[tuple[str, Any], ...]]:
        """How often each wire encoding was used, keyed by its sorted items."""
        return Counter(
            tuple(sorted(e.encoding.items())) for e in self.entries() if e.encoding
        )

    def undecodable(self) -> list[Entry]:
        """Requests that were not Base64 of a JSON object."""
        return [e for e in self.entries() if e.params is None]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())
