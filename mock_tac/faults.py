"""Faults on demand: which requests go wrong, and how.

A fault is a rule (:class:`FaultSpec`) naming a *kind* of failure and the
requests it applies to: an action, a task, the n-th matching call, a
probability drawn from a seeded generator. Rules come from a scenario's
``faults:`` section, from the admin API or from Python; each engine keeps its
own :class:`FaultSet`, so namespaces never share counters.

Kinds fall into three layers, and this module decides for all of them:

* ``protocol``: TAC answers with an error code (the engine applies them);
* ``lifecycle``: an execution sticks in RUNNING or is stopped (the engine);
* ``transport``: latency, HTTP errors, resets, hangs and mangled bodies
  (the HTTP layer applies them; an in-process engine never sees them).
"""

from __future__ import annotations

import json
import random
import threading
from contextvars import ContextVar
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema

from . import codes
from .codes import ApiError
from .protocol import non_finite_paths, without_lone_surrogates

if TYPE_CHECKING:
    from .engine import Engine
    from .execution import Execution
    from .journal import Entry

PROTOCOL = "protocol"
LIFECYCLE = "lifecycle"
TRANSPORT = "transport"

#: protocol kinds: (returnCode, error text); None means "the dialect's text".
PROTOCOL_ERRORS: dict[str, tuple[int, str | None]] = {
    "auth_failure": (codes.AUTHENTICATION_ERROR, None),
    "insufficient_right": (
        codes.INSUFFICIENT_RIGHT,
        codes.GENERIC_CODES[codes.INSUFFICIENT_RIGHT],
    ),
    "no_right_to_run": (
        codes.NO_RIGHT_TO_RUN,
        codes.RUN_TASK_CODES[codes.NO_RIGHT_TO_RUN],
    ),
    "launch_error": (codes.LAUNCH_ERROR, codes.RUN_TASK_CODES[codes.LAUNCH_ERROR]),
    "thread_interrupted": (
        codes.THREAD_INTERRUPTED,
        codes.RUN_TASK_CODES[codes.THREAD_INTERRUPTED],
    ),
    "unknown_error": (codes.UNKNOWN_ERROR, codes.GENERIC_CODES[codes.UNKNOWN_ERROR]),
    "task_busy": (codes.LAUNCH_ERROR, None),
}
#: kinds that change what the engine does rather than what it answers.
ENGINE_EFFECTS = ("unknown_execution", "stuck", "stopped")
TRANSPORT_KINDS = (
    "latency",
    "http_error",
    "reset",
    "hang",
    "truncated",
    "not_json",
    "login_page",
    "empty",
)
LAYERS: dict[str, str] = {
    **{kind: PROTOCOL for kind in PROTOCOL_ERRORS},
    "unknown_execution": PROTOCOL,
    "stuck": LIFECYCLE,
    "stopped": LIFECYCLE,
    **{kind: TRANSPORT for kind in TRANSPORT_KINDS},
}
#: transport kinds whose request always reaches the engine: a slow or cut
#: reply is still TAC's reply.
REACHES_TAC_ALWAYS = frozenset({"latency", "truncated"})
#: the fields only some kinds take.
APPLIES_TO: dict[str, tuple[str, ...]] = {
    "message": tuple(PROTOCOL_ERRORS),
    "status": ("http_error",),
    "seconds": ("latency", "hang", "stopped"),
    "exit_code": ("stopped",),
    "reaches_tac": tuple(k for k in TRANSPORT_KINDS if k not in REACHES_TAC_ALWAYS),
}
#: how long a ``hang`` lasts when nobody gives up first (wall seconds).
DEFAULT_HANG_SECONDS = 300.0

#: faults fired for the request the current thread is answering.
ACTIVE: ContextVar[tuple[FaultSpec, ...]] = ContextVar("mock_tac_faults", default=())


@dataclass(frozen=True)
class FaultSpec:
    """One fault rule, as written in a scenario or sent to the admin API.

    Matching: ``action`` and ``task`` filter the requests the rule counts;
    of those, ``call`` picks the n-th ones (1 = first), ``from_call`` every
    call from the n-th on, ``probability`` fires at random from a generator
    seeded with ``seed``, and ``times`` caps how often it fires.
    """

    fault: str
    action: str | None = None
    task: int | None = None
    call: tuple[int, ...] = ()
    from_call: int | None = None
    times: int | None = None
    probability: float | None = None
    seed: int | None = None
    message: str | None = None
    status: int | None = None
    seconds: float | tuple[float, float] | None = None
    exit_code: int | None = None
    reaches_tac: bool | None = None

    @property
    def layer(self) -> str:
        return LAYERS[self.fault]

    @property
    def passes_to_engine(self) -> bool:
        """For a transport fault: does the engine still answer the request?"""
        if self.fault in REACHES_TAC_ALWAYS:
            return True
        return bool(self.reaches_tac)

    def as_dict(self) -> dict[str, Any]:
        """The rule as JSON, without the fields left at their default."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == ():
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


class FaultError(ValueError):
    """Fault rules are invalid; ``problems`` lists ``(path, message)``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p or '(top)'}: {m}" for p, m in problems))


def fault_schema() -> dict[str, Any]:
    """The JSON schema of one fault rule (from the scenario schema)."""
    text = resources.files("mock_tac").joinpath("schemas/scenario.schema.json")
    schema = json.loads(text.read_text(encoding="utf-8"))
    return {"$defs": schema["$defs"], "$ref": "#/$defs/fault"}


def parse_faults(
    data: list[dict[str, Any]], problems: list[tuple[str, str]], path: str = "faults"
) -> tuple[FaultSpec, ...]:
    """Build rules from schema-valid data, adding what the schema cannot check."""
    specs = []
    for index, item in enumerate(data):
        where = f"{path}[{index}]"
        for name, kinds in APPLIES_TO.items():
            if name in item and item["fault"] not in kinds:
                problems.append(
                    (
                        f"{where}.{name}",
                        f"does not apply to fault {item['fault']!r} "
                        f"(only to {', '.join(kinds)})",
                    )
                )
        seconds = item.get("seconds")
        if isinstance(seconds, list):
            if seconds[0] > seconds[1]:
                problems.append((f"{where}.seconds", "range must be [min, max]"))
            seconds = (float(seconds[0]), float(seconds[1]))
        call = item.get("call", ())
        specs.append(
            FaultSpec(
                fault=item["fault"],
                action=item.get("action"),
                task=item.get("task"),
                call=tuple(call) if isinstance(call, list) else (call,) if call else (),
                from_call=item.get("from_call"),
                times=item.get("times"),
                probability=item.get("probability"),
                seed=item.get("seed"),
                message=item.get("message"),
                status=item.get("status"),
                seconds=seconds,
                exit_code=item.get("exit_code"),
                reaches_tac=item.get("reaches_tac"),
            )
        )
    return tuple(specs)


def make_faults(data: Any, path: str = "faults") -> tuple[FaultSpec, ...]:
    """Validate and build rules from one rule object or a list of them.

    Raises:
        FaultError: listing every problem with its path.
    """
    items = data if isinstance(data, list) else [data]
    problems = [
        (f"{path}{where}", "must be a finite number (not NaN or infinite)")
        for where in non_finite_paths(items)
    ]
    if problems:
        raise FaultError(problems)
    validator = jsonschema.Draft202012Validator(fault_schema())
    for index, item in enumerate(items):
        for error in sorted(validator.iter_errors(item), key=lambda e: e.json_path):
            where = f"{path}[{index}]" + error.json_path[1:]
            problems.append((where, error.message))
    if problems:
        raise FaultError(problems)
    specs = parse_faults(items, problems, path)
    if problems:
        raise FaultError(problems)
    return specs


@dataclass
class _Rule:
    spec: FaultSpec
    seen: int = 0
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random)


class FaultSet:
    """An engine's fault rules and their counters. Thread-safe."""

    def __init__(self, specs: tuple[FaultSpec, ...] | list[FaultSpec] = ()) -> None:
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self.released = threading.Event()
        self.add(*specs)

    def add(self, *specs: FaultSpec) -> None:
        """Append rules; their counters start at zero."""
        with self._lock:
            for spec in specs:
                message = without_lone_surrogates(spec.message)
                if message != spec.message:
                    spec = replace(spec, message=message)
                self._rules.append(_Rule(spec, rng=random.Random(spec.seed)))

    def clear(self) -> None:
        """Remove every rule and let requests held by ``hang`` go."""
        with self._lock:
            self._rules.clear()
        self.release()

    def release(self) -> None:
        """End every ``hang`` in progress."""
        self.released.set()
        self.released = threading.Event()

    def fire(self, layers: tuple[str, ...], action: Any, task_id: int | None) -> list:
        """Count one request against the rules of ``layers``; the rules that fire.

        Every rule whose filters match counts the call, whether or not an
        earlier rule fires, so "the third runTask" means the same thing
        whatever other rules say.
        """
        fired: list[FaultSpec] = []
        with self._lock:
            for rule in self._rules:
                spec = rule.spec
                if spec.layer not in layers:
                    continue
                if spec.action is not None and spec.action != action:
                    continue
                if spec.task is not None and spec.task != task_id:
                    continue
                rule.seen += 1
                if spec.call and rule.seen not in spec.call:
                    continue
                if spec.from_call is not None and rule.seen < spec.from_call:
                    continue
                if spec.times is not None and rule.fired >= spec.times:
                    continue
                if spec.probability is not None and (
                    rule.rng.random() >= spec.probability
                ):
                    continue
                rule.fired += 1
                fired.append(spec)
        return fired

    def draw_seconds(self, spec: FaultSpec) -> float:
        """A fault's duration: fixed, or uniform in its range (seeded)."""
        if isinstance(spec.seconds, tuple):
            with self._lock:
                rule = next((r for r in self._rules if r.spec is spec), None)
                rng = rule.rng if rule else random.Random(spec.seed)
                return rng.uniform(*spec.seconds)
        return float(spec.seconds or 0.0)

    def as_list(self) -> list[dict[str, Any]]:
        """Every rule with how many calls it counted and how often it fired."""
        with self._lock:
            return [
                {**r.spec.as_dict(), "seen": r.seen, "fired": r.fired}
                for r in self._rules
            ]

    def __len__(self) -> int:
        with self._lock:
            return len(self._rules)


# -- the engine's side --------------------------------------------------------


def task_of(engine: Engine, params: dict[str, Any] | None) -> int | None:
    """The task a request concerns: its ``taskId``, or its execution's task."""
    from .engine import parse_id

    if not params:
        return None
    if params.get("taskId") not in (None, ""):
        return parse_id(params["taskId"])
    exec_request_id = params.get("execRequestId")
    if isinstance(exec_request_id, str):
        with engine.store.transaction() as state:
            execution = state.executions.get(exec_request_id)
            return execution.task_id if execution else None
    return None


def apply_before_dispatch(
    engine: Engine, fired: list[FaultSpec], params: dict[str, Any]
) -> None:
    """Apply the protocol and lifecycle faults fired for a request.

    Raises:
        ApiError: the first protocol fault's code and text.
    """
    exec_request_id = params.get("execRequestId")
    for spec in fired:
        if spec.fault == "unknown_execution" and isinstance(exec_request_id, str):
            forget_executions(engine, [exec_request_id])
        elif spec.fault in ("stuck", "stopped") and isinstance(exec_request_id, str):
            with engine.store.transaction() as state:
                execution = state.executions.get(exec_request_id)
                if execution is not None:
                    _affect(engine, execution, spec, started=False)
    for spec in fired:
        if spec.fault in PROTOCOL_ERRORS:
            raise ApiError(*_protocol_error(engine, spec, params))


def on_execution_started(engine: Engine, execution: Execution) -> None:
    """Apply the lifecycle faults of the current request to a new execution."""
    for spec in ACTIVE.get():
        if spec.fault in ("stuck", "stopped"):
            _affect(engine, execution, spec, started=True)


def _affect(
    engine: Engine, execution: Execution, spec: FaultSpec, started: bool
) -> None:
    from .scenario import Lifecycle, Phase

    exit_code = 1 if spec.exit_code is None else spec.exit_code
    if spec.fault == "stuck":
        execution.held = True
    elif started:
        after = engine.faults.draw_seconds(spec)
        execution.lifecycle = Lifecycle(
            phases=(Phase(seconds=after),), outcome="stopped", exit_code=exit_code
        )
    else:
        execution.stop(engine.clock.now(), exit_code)


def _protocol_error(
    engine: Engine, spec: FaultSpec, params: dict[str, Any]
) -> tuple[int, str]:
    code, text = PROTOCOL_ERRORS[spec.fault]
    if spec.message is not None:
        return code, spec.message
    if spec.fault == "auth_failure":
        return code, engine.dialect.auth_error
    if spec.fault == "task_busy":
        task_id = task_of(engine, params) or spec.task
        spec_of_task = engine.scenario.task(task_id) if task_id else None
        name = f"'{spec_of_task.label}' " if spec_of_task else ""
        return code, (
            f"Task {name}(id={task_id}) is still processing; it cannot be run "
            "again before its current execution has ended"
        )
    assert text is not None
    return code, text


def forget_executions(engine: Engine, exec_request_ids: list[str] | None = None) -> int:
    """Forget executions (all when None), as a TAC restart does; how many went.

    Their tasks keep them as history: dates, errorStatus and log stay.
    """
    with engine.store.transaction() as state:
        gone = (
            list(state.executions)
            if exec_request_ids is None
            else [i for i in exec_request_ids if i in state.executions]
        )
        for exec_request_id in gone:
            execution = state.executions.pop(exec_request_id)
            task = state.tasks.get(execution.task_id)
            if task is not None and exec_request_id in task.execution_ids:
                engine.refresh(execution)
                task.execution_ids.remove(exec_request_id)
                task.history.append(execution)
        return len(gone)


def note(transport: dict[str, Any] | None, fired: list[FaultSpec]) -> dict | None:
    """The transport record of a request, with the names of faults that fired."""
    if not fired:
        return transport
    out = dict(transport or {})
    out["faults"] = [*out.get("faults", []), *(spec.fault for spec in fired)]
    return out


#: states an execution can be forced into (admin API, Engine.set_execution_state).
EXECUTION_STATES = ("running", "stuck", "ok", "error", "stopped")


def set_execution_state(
    engine: Engine, exec_request_id: str, state: str, exit_code: int | None = None
) -> Execution:
    """Force an execution into ``state`` (see :data:`EXECUTION_STATES`).

    ``running`` lets a stuck execution go on with its lifecycle, ``stuck``
    holds it in RUNNING, the others end it now. ``exit_code`` defaults to 0
    for ``ok``, else to the scripted exit code, or 1 if that is 0.

    Raises:
        KeyError: no such execution.
        ValueError: an unknown state, or an ended execution asked to run.
    """
    if state not in EXECUTION_STATES:
        raise ValueError(
            f"unknown state {state!r}: expected one of {', '.join(EXECUTION_STATES)}"
        )
    with engine.store.transaction() as store_state:
        execution = store_state.executions.get(exec_request_id)
        if execution is None:
            raise KeyError(exec_request_id)
        engine.refresh(execution)
        if state in ("running", "stuck"):
            if execution.ended:
                raise ValueError(
                    f"execution {exec_request_id} has ended ({execution.outcome}); "
                    f"it cannot be {state} again"
                )
            execution.held = state == "stuck"
        elif not execution.ended:
            if exit_code is None:
                scripted = execution.lifecycle.exit_code
                exit_code = 0 if state == "ok" else (scripted or 1)
            execution.finish(engine.clock.now(), state, exit_code)
        return execution


def describe_execution(execution: Execution) -> dict[str, Any]:
    """An execution as the admin API shows it (times are engine-clock epochs)."""
    if execution.ended:
        state = execution.outcome
    else:
        state = "stuck" if execution.held else "running"
    return {
        "execRequestId": execution.exec_request_id,
        "taskId": execution.task_id,
        "run": execution.run_number,
        "mode": execution.mode,
        "state": state,
        "startedAt": execution.started_at,
        "endedAt": execution.ended_at,
        "polls": execution.polls,
        "context": execution.context,
        **execution.status_fields(),
    }


# -- the transport's side -------------------------------------------------------


def fire_transport(engine: Engine, params: dict[str, Any] | None) -> list[FaultSpec]:
    """The transport faults that fire for a request (params None: undecodable)."""
    if not len(engine.faults):
        return []
    action = params.get("actionName") if params else None
    return engine.faults.fire((TRANSPORT,), action, task_of(engine, params))


def journal_unanswered(
    engine: Engine, params: dict[str, Any] | None, transport: dict[str, Any] | None
) -> Entry:
    """Journal a request a transport fault kept from the engine (empty reply)."""
    action = params.get("actionName") if params else None
    return engine.journal.record(
        time=engine.clock.now(),
        action=action if isinstance(action, str) else None,
        params=params,
        encoding=None,
        reply={},
        duration_ms=0,
        transport=transport,
    )


def describe_executions(engine: Engine) -> list[dict[str, Any]]:
    """Every execution the engine knows, brought up to the clock's time."""
    with engine.store.transaction() as state:
        found = []
        for execution in state.executions.values():
            engine.refresh(execution)
            found.append(describe_execution(execution))
        return found


def describe_tasks(engine: Engine) -> list[dict[str, Any]]:
    """Every task with its run count, running executions and execRequestIds."""
    tasks = []
    with engine.store.transaction() as state:
        for task in state.tasks.values():
            running = 0
            for exec_request_id in task.execution_ids:
                execution = state.executions[exec_request_id]
                engine.refresh(execution)
                running += not execution.ended
            tasks.append(
                {
                    "id": task.id,
                    "label": task.spec.label,
                    "project": task.spec.project,
                    "concurrent": task.spec.concurrent,
                    "runs": task.runs,
                    "running": running,
                    "executions": list(task.execution_ids),
                }
            )
    return tasks
