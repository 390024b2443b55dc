"""The admin API: JSON controls of a running mock under ``/_admin``.

Mock-wide routes (``/_admin/health``, ``/namespaces``, ``/reset``,
``/scenario``, ``/openapi.json``) sit beside per-namespace ones under
``/_admin/ns/<namespace>/`` (``default`` is what the plain metaServlet URL
serves): reset, scenario, tasks, executions and their state, clock, faults,
restart and journal. ``schemas/admin-openapi.json`` describes every route.

The prefix can never be a MetaServlet URL: ``_admin`` is refused as a context
path, and no admin route ends in ``metaServlet``. Every answer is JSON,
errors included (``{"error": ...}``, plus ``problems`` for invalid input).

:class:`AdminClient` drives the same API from Python over HTTP.
"""

from __future__ import annotations

import hmac
import json
import math
from importlib import resources
from typing import TYPE_CHECKING, Any

import requests
from flask import Blueprint, Response, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from . import __version__
from .faults import (
    EXECUTION_STATES,
    FaultError,
    describe_execution,
    describe_executions,
    describe_tasks,
    make_faults,
)
from .protocol import (
    MAX_JSON_DEPTH,
    ProtocolError,
    check_nesting,
    json_error,
    non_finite_paths,
    without_lone_surrogates,
)
from .scenario import Scenario, ScenarioError, parse_scenario

if TYPE_CHECKING:
    from .engine import Engine
    from .mock import MockTac

PREFIX = "/_admin"
TOKEN_HEADER = "X-Mock-Tac-Admin-Token"
#: a clock may be moved by at most this much at once (ten years)
MAX_ADVANCE_SECONDS = 315_360_000.0
#: latest instant a clock may be set to (2100-01-01)
MAX_INSTANT = 4_102_444_800.0
MAX_JOURNAL_LIMIT = 10_000
_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]
_NS = "/ns/<namespace>"


class AdminError(Exception):
    """An admin request that cannot be served: HTTP ``status`` and a message."""

    def __init__(
        self,
        status: int,
        message: str,
        problems: list[dict] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems
        self.headers = headers or {}


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of the admin API shipped with the package."""
    text = resources.files("mock_tac").joinpath("schemas/admin-openapi.json")
    return json.loads(text.read_text(encoding="utf-8"))


def check_token(token: str | None) -> str | None:
    """An admin token as given, or ValueError when it is empty or blank.

    An empty token would turn the admin API on for anyone, so it is refused
    rather than read as "no token".
    """
    if token is not None and not token.strip():
        raise ValueError(
            "the admin token must not be empty: give --admin-token a value, "
            "or leave the option out"
        )
    return token


def blueprint(
    mock: MockTac, *, enabled: bool = True, token: str | None = None
) -> Blueprint:
    """A Flask blueprint serving the admin API of ``mock``.

    ``enabled=False`` answers every admin URL with 404 and a JSON error
    saying how to turn the API on; with a ``token``, requests without it in
    the ``X-Mock-Tac-Admin-Token`` header get 401.

    Raises:
        ValueError: ``token`` is empty or blank.
    """
    check_token(token)
    bp = Blueprint("mock_tac_admin", __name__, url_prefix=PREFIX)
    routes = Map([Rule(path, endpoint=name, methods=m) for path, m, name in _ROUTES])

    @bp.route("", methods=_METHODS, provide_automatic_options=False)
    @bp.route("/", methods=_METHODS, provide_automatic_options=False)
    @bp.route("/<path:rest>", methods=_METHODS, provide_automatic_options=False)
    def dispatch(rest: str = "") -> Response:
        try:
            if not enabled:
                raise AdminError(
                    404,
                    "the admin API is off: the server listens on a non-loopback "
                    "address and no --admin-token was given",
                )
            if token is not None:
                sent = request.headers.get(TOKEN_HEADER) or ""
                if not sent or not hmac.compare_digest(sent.encode(), token.encode()):
                    raise AdminError(401, f"missing or wrong {TOKEN_HEADER} header")
            try:
                name, args = routes.bind("mock").match("/" + rest, request.method)
            except NotFound:
                raise AdminError(404, f"no admin route {request.path}") from None
            except MethodNotAllowed as exc:
                allowed = ", ".join(sorted(exc.valid_methods or []))
                raise AdminError(
                    405,
                    f"{request.method} not allowed on {request.path}: use {allowed}",
                    headers={"Allow": allowed},
                ) from None
            if "namespace" in args:
                args["engine"] = _engine(mock, args["namespace"])
            status, body = _HANDLERS[name](mock, **args)
            return _json(status, body)
        except AdminError as exc:
            body = {"error": exc.message}
            if exc.problems is not None:
                body["problems"] = exc.problems
            return _json(exc.status, body, exc.headers)

    @bp.app_errorhandler(NotFound)
    def unrouted(exc: NotFound) -> Response | NotFound:
        # Paths no route can match (a newline in a segment): JSON under /_admin.
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            return _json(404, {"error": f"no admin route {request.path!r}"})
        return exc

    return bp


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, allow_nan=False, default=str)
    return Response(
        text.encode("utf-8", "replace"),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def _engine(mock: MockTac, namespace: str) -> Engine:
    try:
        return mock.engine(namespace)
    except ValueError as exc:
        raise AdminError(400, str(exc)) from None


def _body(required: bool = True) -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise AdminError(400, "expected a JSON body")
        return None
    try:
        check_nesting(raw.decode("utf-8", "replace"))
        value = json.loads(raw)
    except ProtocolError:
        raise AdminError(
            400, f"the body is nested too deeply (more than {MAX_JSON_DEPTH} levels)"
        ) from None
    except ValueError as exc:
        raise AdminError(400, f"the body is not JSON: {json_error(exc)}") from None
    bad = non_finite_paths(value)
    if bad:
        where = f" at {bad[0]}" if bad[0] else ""
        raise AdminError(
            400,
            f"the body holds a number that is not finite{where}: NaN, Infinity "
            "and numbers too large for a double are not accepted",
        )
    return without_lone_surrogates(value)


def _object_body() -> dict[str, Any]:
    body = _body()
    if not isinstance(body, dict):
        raise AdminError(400, f"expected a JSON object, got {_kind(body)}")
    return body


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "null" if value is None else "number"
    )


def _number(body: dict[str, Any], name: str, low: float, high: float) -> float | None:
    if name not in body:
        return None
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AdminError(400, f"'{name}' must be a number, got {_kind(value)}")
    if not math.isfinite(value) or not low <= value <= high:
        raise AdminError(400, f"'{name}' must be between {low:g} and {high:g}")
    return float(value)


# -- mock-wide routes ---------------------------------------------------------


def _health(mock: MockTac) -> tuple[int, Any]:
    return 200, {
        "status": "ok",
        "version": __version__,
        "tacVersion": mock.dialect.version,
        "contextPath": mock.context_path,
        "namespaces": mock.namespaces,
    }


def _openapi(mock: MockTac) -> tuple[int, Any]:
    return 200, openapi_document()


def _namespaces(mock: MockTac) -> tuple[int, Any]:
    return 200, {"namespaces": mock.namespaces}


def _reset_all(mock: MockTac) -> tuple[int, Any]:
    names = mock.namespaces
    for name in names:
        mock.engine(name).faults.release()
    mock.reset()
    return 200, {"reset": names}


def _get_scenario(mock: MockTac) -> tuple[int, Any]:
    return 200, describe_scenario(mock.scenario)


def _put_scenario(mock: MockTac) -> tuple[int, Any]:
    scenario = _parse_scenario_body()
    mock.load(scenario)
    return 200, describe_scenario(scenario)


def _parse_scenario_body() -> Scenario:
    try:
        return parse_scenario(_object_body(), source="admin API")
    except ScenarioError as exc:
        problems = [{"path": p, "message": m} for p, m in exc.problems]
        raise AdminError(400, "invalid scenario", problems) from None


def describe_scenario(scenario: Scenario) -> dict[str, Any]:
    """A scenario's summary: source, users (logins only), tasks and faults."""
    return {
        "source": scenario.source,
        "description": scenario.description,
        "users": [user.login for user in scenario.users],
        "tasks": [
            {"id": t.id, "label": t.label, "concurrent": t.concurrent}
            for t in scenario.tasks
        ],
        "faults": [spec.as_dict() for spec in scenario.faults],
    }


# -- per-namespace routes -----------------------------------------------------


def _reset_namespace(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    engine.faults.release()
    mock.reset(namespace)
    return 200, {"reset": [namespace]}


def _get_ns_scenario(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    return 200, describe_scenario(engine.scenario)


def _put_ns_scenario(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    scenario = _parse_scenario_body()
    mock.load(scenario, namespace)
    return 200, describe_scenario(scenario)


def _tasks(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    return 200, {"tasks": describe_tasks(engine)}


def _executions(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    return 200, {"executions": describe_executions(engine)}


def _execution(
    mock: MockTac, engine: Engine, namespace: str, exec_request_id: str
) -> tuple[int, Any]:
    with engine.store.transaction() as state:
        execution = state.executions.get(exec_request_id)
        if execution is None:
            raise AdminError(404, f"no execution {exec_request_id}")
        engine.refresh(execution)
        return 200, describe_execution(execution)


def _set_state(
    mock: MockTac, engine: Engine, namespace: str, exec_request_id: str
) -> tuple[int, Any]:
    body = _object_body()
    unknown = sorted(set(body) - {"state", "exit_code"})
    if unknown:
        raise AdminError(400, f"unknown field(s): {', '.join(unknown)}")
    state = body.get("state")
    if state not in EXECUTION_STATES:
        raise AdminError(
            400, f"'state' must be one of {', '.join(EXECUTION_STATES)}, got {state!r}"
        )
    exit_code = _number(body, "exit_code", 0, 255)
    if exit_code is not None and not exit_code.is_integer():
        raise AdminError(400, "'exit_code' must be an integer")
    try:
        engine.set_execution_state(
            exec_request_id, state, None if exit_code is None else int(exit_code)
        )
    except KeyError:
        raise AdminError(404, f"no execution {exec_request_id}") from None
    except ValueError as exc:
        raise AdminError(409, str(exc)) from None
    return _execution(mock, engine, namespace, exec_request_id)


def _get_clock(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    return 200, describe_clock(engine)


def describe_clock(engine: Engine) -> dict[str, Any]:
    """A clock's kind, reading and settings."""
    clock = engine.clock
    return {
        "kind": clock.name,
        "now": clock.now(),
        "auto": getattr(clock, "auto", None),
        "scale": getattr(clock, "scale", None),
    }


def _move_clock(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    body = _object_body()
    unknown = sorted(set(body) - {"advance", "to", "auto"})
    if unknown:
        raise AdminError(400, f"unknown field(s): {', '.join(unknown)}")
    advance = _number(body, "advance", 0, MAX_ADVANCE_SECONDS)
    to = _number(body, "to", 0, MAX_INSTANT)
    auto = body.get("auto")
    if "auto" in body and not isinstance(auto, bool):
        raise AdminError(400, f"'auto' must be a boolean, got {_kind(auto)}")
    if advance is not None and to is not None:
        raise AdminError(400, "give 'advance' or 'to', not both")
    clock = engine.clock
    if not hasattr(clock, "advance"):
        raise AdminError(
            409, f"the clock is {clock.name}; only a virtual clock can be moved"
        )
    if auto is not None:
        clock.auto = auto
    if to is not None:  # an instant already past leaves the clock as it is
        advance = max(0.0, to - clock.now())
    if advance:
        engine.advance_clock(advance)
    return 200, describe_clock(engine)


def _get_faults(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    return 200, {"faults": engine.faults.as_list()}


def _add_faults(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    body = _body()
    if not isinstance(body, dict | list) or body == []:
        raise AdminError(400, "expected a fault object or a non-empty array of them")
    try:
        specs = make_faults(body, "faults")
    except FaultError as exc:
        problems = [{"path": p, "message": m} for p, m in exc.problems]
        raise AdminError(400, "invalid fault", problems) from None
    engine.faults.add(*specs)
    return 201, {"faults": engine.faults.as_list()}


def _clear_faults(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    engine.clear_faults()
    return 200, {"faults": []}


def _restart(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    return 200, {"forgotten": engine.restart()}


def _journal(mock: MockTac, engine: Engine, namespace: str) -> tuple[int, Any]:
    args = request.args
    unknown = sorted(set(args) - {"action", "task", "limit"})
    if unknown:
        raise AdminError(400, f"unknown query parameter(s): {', '.join(unknown)}")
    limit = args.get("limit", str(MAX_JOURNAL_LIMIT))
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_JOURNAL_LIMIT:
        raise AdminError(400, f"'limit' must be 1 to {MAX_JOURNAL_LIMIT}")
    task = args.get("task")
    if task is not None and not task.isdigit():
        raise AdminError(400, "'task' must be a task id")
    entries = engine.journal.entries(
        action=args.get("action"), task_id=int(task) if task is not None else None
    )
    shown = entries[-int(limit) :]
    return 200, {"count": len(entries), "entries": [e.as_dict() for e in shown]}


_ROUTES: list[tuple[str, list[str], str]] = [
    ("/health", ["GET"], "health"),
    ("/openapi.json", ["GET"], "openapi"),
    ("/namespaces", ["GET"], "namespaces"),
    ("/reset", ["POST"], "reset_all"),
    ("/scenario", ["GET"], "get_scenario"),
    ("/scenario", ["PUT"], "put_scenario"),
    (f"{_NS}/reset", ["POST"], "reset_namespace"),
    (f"{_NS}/scenario", ["GET"], "get_ns_scenario"),
    (f"{_NS}/scenario", ["PUT"], "put_ns_scenario"),
    (f"{_NS}/tasks", ["GET"], "tasks"),
    (f"{_NS}/executions", ["GET"], "executions"),
    (f"{_NS}/executions/<exec_request_id>", ["GET"], "execution"),
    (f"{_NS}/executions/<exec_request_id>/state", ["PUT"], "set_state"),
    (f"{_NS}/clock", ["GET"], "get_clock"),
    (f"{_NS}/clock", ["POST"], "move_clock"),
    (f"{_NS}/faults", ["GET"], "get_faults"),
    (f"{_NS}/faults", ["POST"], "add_faults"),
    (f"{_NS}/faults", ["DELETE"], "clear_faults"),
    (f"{_NS}/restart", ["POST"], "restart"),
    (f"{_NS}/journal", ["GET"], "journal"),
]
_HANDLERS = {
    "health": _health,
    "openapi": _openapi,
    "namespaces": _namespaces,
    "reset_all": _reset_all,
    "get_scenario": _get_scenario,
    "put_scenario": _put_scenario,
    "reset_namespace": _reset_namespace,
    "get_ns_scenario": _get_ns_scenario,
    "put_ns_scenario": _put_ns_scenario,
    "tasks": _tasks,
    "executions": _executions,
    "execution": _execution,
    "set_state": _set_state,
    "get_clock": _get_clock,
    "move_clock": _move_clock,
    "get_faults": _get_faults,
    "add_faults": _add_faults,
    "clear_faults": _clear_faults,
    "restart": _restart,
    "journal": _journal,
}


class AdminClient:
    """The admin API of a running mock, from Python (over HTTP).

    ``base_url`` is the server root (``http://127.0.0.1:8080``); methods
    taking ``namespace`` default to ``default``. Errors raise
    :class:`requests.HTTPError` with the JSON error as the message.
    """

    def __init__(
        self, base_url: str, *, token: str | None = None, timeout: float = 10.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        if token is not None:
            self._session.headers[TOKEN_HEADER] = token

    def _call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        response = self._session.request(
            method,
            f"{self.base_url}{PREFIX}{path}",
            json=body,
            params={k: v for k, v in query.items() if v is not None} or None,
            timeout=self.timeout,
        )
        if response.status_code >= 400:
            raise requests.HTTPError(
                f"{response.status_code} {method} {path}: {response.text}",
                response=response,
            )
        return response.json()

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self, namespace: str | None = None) -> dict[str, Any]:
        """Reset one namespace, or the whole mock when ``namespace`` is None."""
        if namespace is None:
            return self._call("POST", "/reset")
        return self._call("POST", f"/ns/{namespace}/reset")

    def load_scenario(self, data: dict, namespace: str | None = None) -> dict:
        """Replace the scenario of one namespace, or of the whole mock."""
        path = "/scenario" if namespace is None else f"/ns/{namespace}/scenario"
        return self._call("PUT", path, data)

    def tasks(self, namespace: str = "default") -> list[dict[str, Any]]:
        return self._call("GET", f"/ns/{namespace}/tasks")["tasks"]

    def executions(self, namespace: str = "default") -> list[dict[str, Any]]:
        return self._call("GET", f"/ns/{namespace}/executions")["executions"]

    def set_execution_state(
        self,
        exec_request_id: str,
        state: str,
        exit_code: int | None = None,
        namespace: str = "default",
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"state": state}
        if exit_code is not None:
            body["exit_code"] = exit_code
        path = f"/ns/{namespace}/executions/{exec_request_id}/state"
        return self._call("PUT", path, body)

    def clock(self, namespace: str = "default") -> dict[str, Any]:
        return self._call("GET", f"/ns/{namespace}/clock")

    def advance_clock(self, seconds: float, namespace: str = "default") -> dict:
        return self._call("POST", f"/ns/{namespace}/clock", {"advance": seconds})

    def add_fault(self, namespace: str = "default", **fields: Any) -> list[dict]:
        return self._call("POST", f"/ns/{namespace}/faults", fields)["faults"]

    def faults(self, namespace: str = "default") -> list[dict[str, Any]]:
        return self._call("GET", f"/ns/{namespace}/faults")["faults"]

    def clear_faults(self, namespace: str = "default") -> None:
        self._call("DELETE", f"/ns/{namespace}/faults")

    def restart(self, namespace: str = "default") -> int:
        return self._call("POST", f"/ns/{namespace}/restart")["forgotten"]

    def journal(
        self,
        namespace: str = "default",
        *,
        action: str | None = None,
        task: int | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        return self._call(
            "GET", f"/ns/{namespace}/journal", action=action, task=task, limit=limit
        )

    def close(self) -> None:
        self._session.close()

    def __repr__(self) -> str:
        return f"AdminClient({self.base_url!r})"
