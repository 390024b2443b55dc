"""The engine: a mock TAC without HTTP.

An :class:`Engine` owns a scenario's tasks and executions (in a
:class:`~mock_tac.store.Store`), a clock, a dialect and a journal. Transports
hand it a raw request (:meth:`Engine.handle_raw`) or already-decoded
parameters (:meth:`Engine.call`) and get the reply object back; nothing here
knows about HTTP.
"""

from __future__ import annotations

import logging
import re
import secrets
import string
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from . import codes, faults
from .clock import Clock, WallClock
from .codes import ApiError
from .dialect import Dialect, get_dialect
from .execution import Execution
from .journal import Entry, Journal, preview_raw
from .protocol import (
    DecodedRequest,
    ProtocolError,
    as_json_text,
    checked_params,
    json_kind,
    try_decode,
)
from .registry import COMMANDS, JOB_CONDUCTOR_MANAGEMENT
from .scenario import Scenario, User, load_scenario
from .store import MemoryStore, State, Store, TaskState

log = logging.getLogger("mock_tac.engine")

_ID_ALPHABET = string.ascii_letters + string.digits
#: Tells whether the client of the request being answered has gone away; a
#: transport sets it so that a synchronous run stops holding a thread for
#: nobody.
CLIENT_GONE: ContextVar[Callable[[], bool]] = ContextVar(
    "mock_tac_client_gone", default=lambda: False
)
#: The user the request being answered authenticated as.
_USER: ContextVar[User | None] = ContextVar("mock_tac_user", default=None)
#: Steps to run after the reply of the request being answered is measured.
_AFTER_REPLY: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "mock_tac_after_reply", default=None
)
_NUMERIC = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class Outcome:
    """A reply and the journal entry made for it."""

    reply: dict[str, Any]
    entry: Entry


class Engine:
    """Answers MetaServlet requests for one scenario.

    Thread-safe: many transports threads may call it at once.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        clock: Clock | None = None,
        dialect: Dialect | str = "8.0",
        store: Store | None = None,
    ) -> None:
        self.scenario = scenario or load_scenario()
        self.clock: Clock = clock or WallClock()
        self.dialect = get_dialect(dialect) if isinstance(dialect, str) else dialect
        self.store: Store = store or MemoryStore(State.from_scenario(self.scenario))
        self.journal = Journal()
        self.faults = faults.FaultSet(self.scenario.faults)

    def __repr__(self) -> str:
        return (
            f"Engine(scenario={self.scenario.source!r}, clock={self.clock!r}, "
            f"tac_version={self.dialect.version!r})"
        )

    # -- entry points -------------------------------------------------------

    def handle_raw(
        self,
        raw: bytes,
        method: str,
        transport: dict[str, Any] | None = None,
        *,
        decoded: DecodedRequest | ProtocolError | None = None,
    ) -> Outcome:
        """Decode a raw query string or body and answer it.

        ``decoded`` is what :func:`~mock_tac.protocol.try_decode` made of
        ``raw``, when the transport decoded it already. Never raises:
        undecodable input gets ``returnCode`` 2, an unexpected failure
        ``returnCode`` 1, and every request is journaled.
        """
        start = self.clock.now()
        if decoded is None:
            decoded = try_decode(raw, method)
        if isinstance(decoded, ProtocolError):
            reply = {"error": str(decoded), "returnCode": codes.INVALID_REQUEST}
            preview = preview_raw(raw)
            return self._finish(
                start, None, None, None, reply, raw=preview, transport=transport
            )
        return self._answer(
            decoded.params, start, decoded.encoding.as_dict(), transport
        )

    def refuse(
        self, message: str, method: str, transport: dict[str, Any] | None = None
    ) -> Outcome:
        """Answer a request the transport could not read with returnCode 2."""
        reply = {"error": message, "returnCode": codes.INVALID_REQUEST}
        return self._finish(
            self.clock.now(), None, None, None, reply, transport=transport
        )

    def call(self, params: dict[str, Any]) -> dict[str, Any]:
        """Answer already-decoded parameters; returns the reply object.

        They are checked as a decoded request's are: lone UTF-16 surrogates
        are replaced, NaN and infinities answered with returnCode 2.
        """
        start = self.clock.now()
        try:
            params = checked_params(dict(params))
        except ProtocolError as exc:
            reply = {"error": str(exc), "returnCode": codes.INVALID_REQUEST}
            return self._finish(start, None, None, None, reply).reply
        return self._answer(params, start, None, None).reply

    # -- helpers for command handlers ---------------------------------------

    def authenticate(self, params: dict[str, Any]) -> User:
        """The user named by ``authUser``/``authPass``, or ApiError 3."""
        login, password = params.get("authUser"), params.get("authPass")
        for user in self.scenario_users():
            if user.login == login and user.password == password:
                return user
        raise ApiError(codes.AUTHENTICATION_ERROR, self.dialect.auth_error)

    def current_user(self, params: dict[str, Any]) -> User:
        """The user the request being answered authenticated as.

        Outside a dispatched request, ``params`` are authenticated now.
        """
        return _USER.get() or self.authenticate(params)

    def scenario_users(self) -> tuple[User, ...]:
        with self.store.transaction() as state:
            return state.scenario.users

    def task(self, state: State, params: dict[str, Any]) -> TaskState:
        """The task named by ``taskId`` (number or numeric string), or ApiError 5."""
        if "taskId" not in params or params["taskId"] in (None, ""):
            raise ApiError(codes.INVALID_PARAMETER, "Missing parameter: taskId")
        raw = params["taskId"]
        task_id = parse_id(raw)
        task = state.tasks.get(task_id) if task_id is not None else None
        if task is None:
            shown = raw.strip() if isinstance(raw, str) else as_json_text(raw)
            raise ApiError(codes.INVALID_PARAMETER, f"Cannot find task with id={shown}")
        return task

    def new_exec_request_id(self, state: State, started_at: float) -> str:
        """``<13-digit epoch millis>_<5 alphanumerics>``, unique in this engine.

        The milliseconds are those of ``started_at``, the execution's start as
        it is recorded, so the id and the start never differ.
        """
        millis = int(started_at * 1000)
        while True:
            suffix = "".join(secrets.choice(_ID_ALPHABET) for _ in range(5))
            candidate = f"{millis:013d}_{suffix}"
            if candidate not in state.executions:
                return candidate

    def after_reply(self, step: Callable[[], None]) -> None:
        """Run ``step`` once the current request's reply has been measured.

        A poll on an auto virtual clock moves the clock this way, so the
        jump shows in the next request and not in this one's executionTime.
        Outside a request, ``step`` runs at once.
        """
        pending = _AFTER_REPLY.get()
        if pending is None:
            step()
        else:
            pending.append(step)

    def refresh(self, execution: Execution) -> None:
        """Bring an execution up to the clock's current time."""
        execution.advance(self.clock.now())

    def wait_for_end(self, exec_request_id: str) -> Execution:
        """Block until the execution has ended (as a synchronous run does).

        Gives up with ApiError 31 when the execution is forgotten (a restart)
        or the waiting client has disconnected; the execution itself goes on.
        """
        client_gone = CLIENT_GONE.get()
        while True:
            if client_gone():
                raise ApiError(
                    codes.THREAD_INTERRUPTED,
                    codes.RUN_TASK_CODES[codes.THREAD_INTERRUPTED]
                    + " (the client disconnected)",
                )
            with self.store.transaction() as state:
                execution = state.executions.get(exec_request_id)
                if execution is None:  # forgotten, as by a TAC restart
                    raise ApiError(
                        codes.THREAD_INTERRUPTED,
                        codes.RUN_TASK_CODES[codes.THREAD_INTERRUPTED],
                    )
                self.refresh(execution)
                if execution.ended:
                    return execution
                deadline = execution.next_transition()
            self.clock.wait_until(deadline, self.store.wait)

    # -- controls: what the admin API and tests drive -----------------------

    def add_fault(
        self, spec: faults.FaultSpec | dict[str, Any] | None = None, **fields: Any
    ) -> faults.FaultSpec:
        """Add a fault rule: a FaultSpec, its JSON form, or its fields as keywords.

        Raises:
            FaultError: the rule is invalid (each problem with its path).
        """
        if not isinstance(spec, faults.FaultSpec):
            (spec,) = faults.make_faults({**(spec or {}), **fields}, "fault")
        self.faults.add(spec)
        return spec

    def clear_faults(self) -> None:
        """Remove every fault rule, and end the requests held by ``hang``."""
        self.faults.clear()

    def restart(self) -> int:
        """Forget every execution, as a TAC restart does; returns how many.

        Their execRequestIds become unknown (returnCode 5 when polled); a
        synchronous runTask waiting for one answers 31.
        """
        return faults.forget_executions(self)

    def set_execution_state(
        self, exec_request_id: str, state: str, exit_code: int | None = None
    ) -> Execution:
        """Force an execution into ``state``: running, stuck, ok, error or stopped.

        Raises:
            KeyError: no such execution.
            ValueError: an unknown state, or an ended execution asked to run.
        """
        return faults.set_execution_state(self, exec_request_id, state, exit_code)

    def advance_clock(self, seconds: float) -> float:
        """Move a virtual clock forward; returns the new time.

        Raises:
            TypeError: the clock is not virtual.
        """
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError(f"{self.clock!r} cannot be moved: only a virtual clock can")
        now = advance(seconds)
        with self.store.transaction():
            pass  # wakes synchronous runs waiting for this instant
        return now

    # -- internals ----------------------------------------------------------

    def _answer(
        self,
        params: dict[str, Any],
        start: float,
        encoding: dict[str, Any] | None,
        transport: dict[str, Any] | None,
    ) -> Outcome:
        action = params.get("actionName")
        fired = self.faults.fire(
            (faults.PROTOCOL, faults.LIFECYCLE), action, faults.task_of(self, params)
        )
        token = faults.ACTIVE.set(tuple(fired))
        deferred: list[Callable[[], None]] = []
        deferred_token = _AFTER_REPLY.set(deferred)
        user_token = _USER.set(None)
        try:
            faults.apply_before_dispatch(self, fired, params)
            fields = self._dispatch(action, params)
            reply = {**fields, "returnCode": codes.SUCCESS}
        except ApiError as exc:
            reply = {"error": exc.message, "returnCode": exc.code}
        except Exception:  # a bug of ours must still reach the client as JSON
            log.exception("unexpected failure answering %s", action)
            reply = {"error": "Unknown error", "returnCode": codes.UNKNOWN_ERROR}
        finally:
            faults.ACTIVE.reset(token)
            _AFTER_REPLY.reset(deferred_token)
            _USER.reset(user_token)
        transport = faults.note(transport, fired)
        outcome = self._finish(
            start, action, params, encoding, reply, transport=transport
        )
        for step in deferred:
            step()
        return outcome

    def _dispatch(self, action: Any, params: dict[str, Any]) -> dict[str, Any]:
        if action is None or action == "":
            raise ApiError(codes.INVALID_REQUEST, "Missing parameter: actionName")
        if not isinstance(action, str):
            raise ApiError(
                codes.INVALID_REQUEST,
                f"Invalid actionName: expected a string, got {json_kind(action)}",
            )
        command = COMMANDS.get(action)
        if command is None or not self.dialect.has(command.since):
            raise ApiError(codes.INVALID_REQUEST, f"Unknown actionName: {action}")
        if command.requires_auth:
            user = self.authenticate(params)
            _USER.set(user)
            if (
                command.rights == JOB_CONDUCTOR_MANAGEMENT
                and not user.can_run
                and not command.checks_right
                and self.dialect.refuses_insufficient_right
            ):
                raise ApiError(
                    codes.INSUFFICIENT_RIGHT,
                    f"{codes.GENERIC_CODES[codes.INSUFFICIENT_RIGHT]} "
                    f"({command.rights})",
                )
        return command.handler(self, params)

    def _finish(
        self,
        start: float,
        action: Any,
        params: dict[str, Any] | None,
        encoding: dict[str, Any] | None,
        reply: dict[str, Any],
        *,
        raw: str | None = None,
        transport: dict[str, Any] | None = None,
    ) -> Outcome:
        millis = max(0, int(round((self.clock.now() - start) * 1000)))
        reply["executionTime"] = {"millis": millis, "seconds": millis // 1000}
        entry = self.journal.record(
            time=start,
            action=action if isinstance(action, str) else None,
            params=params,
            encoding=encoding,
            reply=reply,
            duration_ms=millis,
            raw=raw,
            transport=transport,
        )
        return Outcome(reply=reply, entry=entry)


def parse_id(raw: Any) -> int | None:
    """An id given as a number or a numeric string, or None if it is neither."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and _NUMERIC.fullmatch(raw.strip()):
        try:
            return int(raw.strip())
        except ValueError:  # more digits than Python converts: no such id
            return None
    return None


# Imported last: command modules use the helpers above.
from . import commands  # noqa: E402,F401  (registers the emulated actions)
