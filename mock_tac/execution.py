"""The execution state machine.

An execution walks through its lifecycle's phases (each lasting some clock
time or some number of status polls) and then ends OK or in error. Time is
never read here: callers pass ``now``, so the same code serves the wall
clock and a virtual one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .scenario import Lifecycle

RUNNING = "RUNNING"
OK = "OK"
ERROR = "ERROR"

#: (execBasicStatus, execDetailedStatus, execDetailedStatusLabel, errorStatus)
#: for each way an execution can end. ``stopped`` is not documented by TAC:
#: see the fidelity notes.
ENDINGS: dict[str, tuple[str, str, str, str]] = {
    "ok": (OK, "ENDED_OK", "Ok", "NO_ERROR"),
    "error": (ERROR, "JOB_ERROR", "Job ended with error(s)", "JOB_ERROR"),
    "stopped": (ERROR, "JOB_ERROR", "Job ended with error(s)", "JOB_ERROR"),
}
RUNNING_LABEL = "Running..."


@dataclass
class Execution:
    """One run of a task, identified by its ``execRequestId``."""

    exec_request_id: str
    task_id: int
    run_number: int
    mode: str
    lifecycle: Lifecycle
    started_at: float
    context: dict[str, str] = field(default_factory=dict)
    jvm_params: list[str] = field(default_factory=list)
    phase_index: int = 0
    phase_started_at: float = 0.0
    polls_in_phase: int = 0
    polls: int = 0
    ended_at: float | None = None
    outcome: str | None = None
    exit_code: int | None = None
    #: held in its current phase for ever (a stuck execution, see faults)
    held: bool = False

    def __post_init__(self) -> None:
        self.phase_started_at = self.started_at

    @property
    def ended(self) -> bool:
        return self.outcome is not None

    @property
    def current_status(self) -> str:
        """execDetailedStatus while running (the current phase's status)."""
        return self.lifecycle.phases[self.phase_index].status

    def advance(self, now: float) -> None:
        """Move through every timed phase that has elapsed by ``now``.

        Poll-counted phases end only through :meth:`observe_poll`, except in
        synchronous mode, where nobody polls and they take no time.
        """
        phases = self.lifecycle.phases
        while not self.ended and not self.held:
            if self.phase_index >= len(phases):
                self._end(self.phase_started_at, self.lifecycle.outcome)
                return
            phase = phases[self.phase_index]
            if phase.seconds is not None:
                end = self.phase_started_at + phase.seconds
                if now < end:
                    return
            elif self.mode != "synchronous":
                return
            else:
                end = self.phase_started_at
            self._next_phase(end)

    def observe_poll(self, now: float) -> None:
        """Count one status poll.

        A phase of ``polls: N`` answers its first N polls; the poll after
        those finds the execution in the next phase (or ended).
        """
        self.advance(now)
        if self.ended:
            return
        if self.held:
            self.polls += 1
            return
        phase = self.lifecycle.phases[self.phase_index]
        if phase.polls is not None and self.polls_in_phase >= phase.polls:
            self._next_phase(now)
            self.advance(now)
            if self.ended:
                return
        self.polls += 1
        self.polls_in_phase += 1

    def next_transition(self) -> float | None:
        """When the current timed phase ends, or None (ended, or waits for polls)."""
        if self.ended or self.held or self.phase_index >= len(self.lifecycle.phases):
            return None
        phase = self.lifecycle.phases[self.phase_index]
        if phase.seconds is None:
            return None if self.mode != "synchronous" else self.phase_started_at
        return self.phase_started_at + phase.seconds

    def stop(self, now: float, exit_code: int = 1) -> None:
        """End a running execution early, as ``stopTask`` does."""
        if not self.ended:
            self._end(now, "stopped", exit_code)

    def finish(self, now: float, outcome: str, exit_code: int | None = None) -> None:
        """End the execution now with ``outcome`` (``ok``, ``error``, ``stopped``)."""
        if outcome not in ENDINGS:
            raise ValueError(f"unknown outcome {outcome!r}: expected {list(ENDINGS)}")
        if not self.ended:
            self.held = False
            self._end(now, outcome, exit_code)

    def status_fields(self) -> dict[str, Any]:
        """The fields of ``getTaskExecutionStatus`` for the current state."""
        if not self.ended:
            return {
                "execBasicStatus": RUNNING,
                "execDetailedStatus": self.current_status,
                "execDetailedStatusLabel": RUNNING_LABEL,
            }
        basic, detailed, label, _ = ENDINGS[self.outcome or "error"]
        return {
            "execBasicStatus": basic,
            "execDetailedStatus": detailed,
            "execDetailedStatusLabel": label,
            "jobExitCode": self.exit_code,
        }

    @property
    def error_status(self) -> str:
        """``errorStatus``: NO_ERROR unless the execution ended badly."""
        if not self.ended:
            return "NO_ERROR"
        return ENDINGS[self.outcome or "error"][3]

    def _next_phase(self, at: float) -> None:
        self.phase_index += 1
        self.phase_started_at = at
        self.polls_in_phase = 0

    def _end(self, at: float, outcome: str, exit_code: int | None = None) -> None:
        self.ended_at = at
        self.outcome = outcome
        self.exit_code = self.lifecycle.exit_code if exit_code is None else exit_code
