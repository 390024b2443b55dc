"""Where an engine keeps its state, behind one narrow interface.

The engine reads and changes state only inside ``with store.transaction() as
state:``; a transaction is atomic with respect to every other one. Blocking
callers (a synchronous ``runTask``) use :meth:`Store.wait` to sleep until some
transaction has changed something. :class:`MemoryStore` keeps the state in
this process; a store shared by several processes would implement the same
two methods.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from .deployment import Deployment
from .execution import Execution
from .scenario import Scenario, TaskSpec


@dataclass
class TaskState:
    """A task's definition plus what has happened to it."""

    spec: TaskSpec
    runs: int = 0
    execution_ids: list[str] = field(default_factory=list)
    #: Executions a restart forgot: unknown by execRequestId, yet still the
    #: task's history (its dates, errorStatus and log), as TAC's database is.
    history: list[Execution] = field(default_factory=list)
    triggers_paused: bool = False
    #: TAC task settings the scenario does not model, as set by createTask
    #: and updateTask (``active``, ``branch``, ``onUnknownStateJob``...).
    settings: dict[str, str] = field(default_factory=dict)
    deployment: Deployment = field(init=False)

    def __post_init__(self) -> None:
        self.deployment = Deployment.from_spec(self.spec.deployment)

    @property
    def id(self) -> int:
        return self.spec.id

    @property
    def last_execution_id(self) -> str | None:
        return self.execution_ids[-1] if self.execution_ids else None


@dataclass
class State:
    """Everything one engine knows: its scenario, tasks and executions."""

    scenario: Scenario
    tasks: dict[int, TaskState] = field(default_factory=dict)
    executions: dict[str, Execution] = field(default_factory=dict)
    #: The highest task id ever used, so createTask never reuses a deleted id.
    highest_task_id: int = 0

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> State:
        return cls(scenario, tasks={t.id: TaskState(t) for t in scenario.tasks})


class Store(Protocol):
    """The state interface the engine relies on."""

    def transaction(self) -> Iterator[State]:
        """A context manager giving exclusive access to the state."""

    def wait(self, timeout: float) -> None:
        """Block up to ``timeout`` seconds, or until a transaction ends."""

    def replace(self, state: State) -> None:
        """Swap in a whole new state (reset, new scenario)."""


class MemoryStore:
    """State held in this process, guarded by one re-entrant lock."""

    def __init__(self, state: State) -> None:
        self._state = state
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)

    @contextmanager
    def transaction(self) -> Iterator[State]:
        with self._changed:
            try:
                yield self._state
            finally:
                self._changed.notify_all()

    def wait(self, timeout: float) -> None:
        with self._changed:
            self._changed.wait(timeout)

    def replace(self, state: State) -> None:
        with self._changed:
            self._state = state
            self._changed.notify_all()
