"""Generating and deploying a task's job: what happens before it can run.

A task the scenario marks as not deployed rests in ``READY_TO_GENERATE`` or
``READY_TO_SEND``; ``requestGenerate`` and ``requestDeploy`` walk it through
timed ``GENERATING`` and ``DEPLOYING`` steps to ``READY_TO_RUN``. As in
:mod:`mock_tac.execution`, time is never read here: callers pass ``now``.

Only ``READY_TO_RUN`` and ``READY_TO_SEND`` have been seen from a real TAC;
the other three names are assumed (see the fidelity notes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .scenario import DeploymentSpec

READY_TO_GENERATE = "READY_TO_GENERATE"
GENERATING = "GENERATING"
READY_TO_SEND = "READY_TO_SEND"
DEPLOYING = "DEPLOYING"
READY_TO_RUN = "READY_TO_RUN"

#: The task status each scenario ``deployment.state`` starts in.
INITIAL_STATUS = {
    "deployed": READY_TO_RUN,
    "ready_to_generate": READY_TO_GENERATE,
    "ready_to_deploy": READY_TO_SEND,
}


@dataclass
class Step:
    """A generation or deployment under way: its status until ``ends_at``."""

    status: str
    ends_at: float
    then: str


@dataclass
class Deployment:
    """Where a task's job stands between generation and being ready to run."""

    spec: DeploymentSpec
    resting: str = READY_TO_RUN
    steps: list[Step] = field(default_factory=list)
    generated_at: float | None = None
    deployed_at: float | None = None
    failures_left: int = 0
    #: False until the first :meth:`advance`, which dates the job's state
    #: before the mock knew the task (see :meth:`advance`).
    dated: bool = False

    @classmethod
    def from_spec(cls, spec: DeploymentSpec) -> Deployment:
        return cls(
            spec=spec,
            resting=INITIAL_STATUS[spec.state],
            failures_left=spec.deploy_failures,
        )

    @property
    def busy(self) -> bool:
        """True while a generation or deployment is under way."""
        return bool(self.steps)

    @property
    def status(self) -> str:
        """The task status this deployment shows (call :meth:`advance` first)."""
        return self.steps[0].status if self.steps else self.resting

    def advance(self, now: float) -> None:
        """Finish every step that has ended by ``now``.

        The first call also dates what the task's job was when the mock first
        saw it: a deployed job generated and deployed then, a job ready to
        deploy generated then. So a listed task never shows an archive file
        without the dates that made it.
        """
        if not self.dated:
            self.dated = True
            if self.resting != READY_TO_GENERATE:
                self.generated_at = now
            if self.resting == READY_TO_RUN:
                self.deployed_at = now
        while self.steps and self.steps[0].ends_at <= now:
            step = self.steps.pop(0)
            self.resting = step.then
            if step.status == GENERATING:
                self.generated_at = step.ends_at
            else:
                self.deployed_at = step.ends_at

    def next_transition(self) -> float | None:
        """When the current step ends, or None when nothing is under way."""
        return self.steps[0].ends_at if self.steps else None

    def request_generate(self, now: float) -> None:
        """Start generating; a generated job then waits to be deployed.

        Ignored while a generation or deployment is already under way.
        """
        self.advance(now)
        if self.busy:
            return
        self.steps = [Step(GENERATING, now + self.spec.generate_seconds, READY_TO_SEND)]

    def request_deploy(self, now: float) -> bool:
        """Start deploying, generating first if the job was never generated.

        Returns False (and changes nothing) while scripted failures remain.
        Ignored while a generation or deployment is already under way.
        """
        self.advance(now)
        if self.busy:
            return True
        if self.failures_left > 0:
            self.failures_left -= 1
            return False
        at = now
        if self.resting == READY_TO_GENERATE:
            at += self.spec.generate_seconds
            self.steps.append(Step(GENERATING, at, READY_TO_SEND))
        self.steps.append(Step(DEPLOYING, at + self.spec.deploy_seconds, READY_TO_RUN))
        return True

    def mark_deployed(self, now: float) -> None:
        """The job was generated and deployed by a run of the task.

        A generation or deployment under way is cut short: the run does it.
        """
        self.advance(now)
        if self.resting == READY_TO_GENERATE or any(
            step.status == GENERATING for step in self.steps
        ):
            self.generated_at = now
        if self.resting != READY_TO_RUN or self.steps:
            self.deployed_at = now
        self.steps = []
        self.resting = READY_TO_RUN
