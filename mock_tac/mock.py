""":class:`MockTac`: one mock TAC, its namespaces and their engines.

A namespace is an isolated copy of the mock: its own tasks, executions,
clock and journal, made from the same scenario on first use. Clients reach a
namespace through a URL prefix (``/ns/<name>/<context>/metaServlet``); the
plain ``/<context>/metaServlet`` is the namespace ``default``.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from .clock import Clock, make_clock
from .dialect import DEFAULT_VERSION, get_dialect
from .engine import Engine
from .execution import Execution
from .faults import FaultSpec, describe_executions, describe_tasks
from .journal import Journal
from .scenario import Scenario, load_scenario
from .store import State

DEFAULT_CONTEXT_PATH = "org.talend.administrator"
DEFAULT_NAMESPACE = "default"
SERVLET = "metaServlet"
#: ``/ns/<name>/...`` addresses the namespace ``<name>``.
NAMESPACE_PREFIX = "ns"
#: first URL segments a context path may not take (the admin API's prefix).
RESERVED_CONTEXT_PATHS = frozenset({"_admin"})
NAMESPACE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,63}")


class MockTac:
    """A mock Talend Administration Center, without any transport.

    Args:
        scenario: a :class:`Scenario`, a path to a scenario file, or None for
            the built-in default.
        clock: ``wall``, ``virtual`` or ``scaled``; each namespace gets its own.
        clock_scale: how much faster than real time a ``scaled`` clock runs.
        clock_auto: a ``virtual`` clock jumps to what callers wait for (True)
            or stays frozen until moved (False).
        tac_version: the dialect to speak (``5.6``, ``6.3``, ``7.3``, ``8.0``).
        context_path: the web-app name in ``/<context>/metaServlet``.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        clock: str = "wall",
        clock_scale: float = 1.0,
        clock_auto: bool = True,
        tac_version: str = DEFAULT_VERSION,
        context_path: str = DEFAULT_CONTEXT_PATH,
    ) -> None:
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.scenario = scenario
        self.clock_kind = clock
        self.clock_scale = clock_scale
        self.clock_auto = clock_auto
        self.dialect = get_dialect(tac_version)
        self.context_path = validate_context_path(context_path)
        make_clock(clock, scale=clock_scale)  # fail now on a bad clock setting
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"MockTac(scenario={self.scenario.source!r}, clock={self.clock_kind!r}, "
            f"tac_version={self.dialect.version!r}, context_path={self.context_path!r})"
        )

    def servlet_path(self, namespace: str = DEFAULT_NAMESPACE) -> str:
        """The path of the metaServlet serving ``namespace``."""
        servlet = f"/{self.context_path}/{SERVLET}"
        if namespace == DEFAULT_NAMESPACE:
            return servlet
        return f"/{NAMESPACE_PREFIX}/{validate_namespace(namespace)}{servlet}"

    def engine(self, namespace: str = DEFAULT_NAMESPACE) -> Engine:
        """The engine of ``namespace``, made from the scenario on first use."""
        validate_namespace(namespace)
        with self._lock:
            engine = self._engines.get(namespace)
            if engine is None:
                engine = Engine(
                    self.scenario, clock=self._new_clock(), dialect=self.dialect
                )
                self._engines[namespace] = engine
            return engine

    @property
    def namespaces(self) -> list[str]:
        """The namespaces used so far."""
        with self._lock:
            return sorted(self._engines)

    def reset(self, namespace: str | None = None) -> None:
        """Forget executions, journal and clock of one namespace, or of all.

        A synchronous runTask still waiting in a namespace reset answers 31,
        as after a TAC restart, instead of waiting for ever.
        """
        with self._lock:
            if namespace is None:
                dropped = list(self._engines.values())
                self._engines.clear()
            else:
                dropped = (
                    [self._engines.pop(namespace)] if namespace in self._engines else []
                )
        for engine in dropped:
            engine.restart()
            engine.faults.release()

    def load(
        self, scenario: Scenario | str | Path, namespace: str | None = None
    ) -> None:
        """Replace the scenario of one namespace, or of the whole mock (and reset).

        Executions are forgotten: a synchronous runTask still waiting for one
        answers 31.
        """
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if namespace is None:
            self.scenario = scenario
            self.reset()
            return
        engine = self.engine(namespace)
        engine.scenario = scenario
        engine.store.replace(State.from_scenario(scenario))
        engine.journal.clear()
        engine.clear_faults()
        engine.faults.add(*scenario.faults)

    # -- controls, per namespace (the admin API offers the same) -------------

    def add_fault(self, namespace: str = DEFAULT_NAMESPACE, **fields: Any) -> FaultSpec:
        """Add a fault rule to a namespace (fields as in a scenario's ``faults:``)."""
        return self.engine(namespace).add_fault(**fields)

    def clear_faults(self, namespace: str = DEFAULT_NAMESPACE) -> None:
        """Remove a namespace's fault rules (those of its scenario too)."""
        self.engine(namespace).clear_faults()

    def restart(self, namespace: str = DEFAULT_NAMESPACE) -> int:
        """Forget a namespace's executions, as a TAC restart; returns how many."""
        return self.engine(namespace).restart()

    def advance_clock(
        self, seconds: float, namespace: str = DEFAULT_NAMESPACE
    ) -> float:
        """Move a namespace's virtual clock forward; returns the new time."""
        return self.engine(namespace).advance_clock(seconds)

    def set_execution_state(
        self,
        exec_request_id: str,
        state: str,
        exit_code: int | None = None,
        namespace: str = DEFAULT_NAMESPACE,
    ) -> Execution:
        """Force an execution into running, stuck, ok, error or stopped."""
        return self.engine(namespace).set_execution_state(
            exec_request_id, state, exit_code
        )

    def tasks(self, namespace: str = DEFAULT_NAMESPACE) -> list[dict[str, Any]]:
        """A namespace's tasks: runs, running executions, execRequestIds."""
        return describe_tasks(self.engine(namespace))

    def executions(self, namespace: str = DEFAULT_NAMESPACE) -> list[dict[str, Any]]:
        """A namespace's executions, as the admin API lists them."""
        return describe_executions(self.engine(namespace))

    def journal(self, namespace: str = DEFAULT_NAMESPACE) -> Journal:
        """The request journal of a namespace (passwords masked)."""
        return self.engine(namespace).journal

    def release_waiters(self) -> None:
        """End every request held by a ``hang`` fault, in every namespace."""
        with self._lock:
            engines = list(self._engines.values())
        for engine in engines:
            engine.faults.release()

    def _new_clock(self) -> Clock:
        return make_clock(self.clock_kind, scale=self.clock_scale, auto=self.clock_auto)


def validate_context_path(context_path: str) -> str:
    """A context path is one URL segment, such as ``tac`` or the default."""
    cleaned = context_path.strip("/")
    if not cleaned or not re.fullmatch(r"[A-Za-z0-9._~\-]+", cleaned):
        raise ValueError(
            f"invalid context path {context_path!r}: expected one URL segment of "
            "letters, digits, '.', '-', '_' or '~'"
        )
    if cleaned in RESERVED_CONTEXT_PATHS:
        raise ValueError(
            f"invalid context path {context_path!r}: reserved for the admin API"
        )
    return cleaned


def validate_namespace(namespace: str) -> str:
    """Namespace names: 1-64 letters, digits, '.', '_' or '-'."""
    if not NAMESPACE_PATTERN.fullmatch(namespace):
        raise ValueError(
            f"invalid namespace {namespace!r}: expected 1-64 letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return namespace
