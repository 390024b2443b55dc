"""Check cases: one situation a client is put in, and what it should do.

A :class:`CheckCase` says what the client is told (URL, task id and name,
login, password), what the mock it talks to holds, and therefore how the
client must end: exit status 0 exactly when the task ran and its execution
ended OK with jobExitCode 0. A case is plain data, so a failing one can be
written to a file and replayed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from ..scenario import Scenario, parse_scenario

RUN = "run"
WRONG_PASSWORD = "wrong_password"
UNKNOWN_TASK = "unknown_task"
BUSY_TASK = "busy_task"
NO_RIGHT = "no_right"

#: Simplest first: shrinking moves towards a plain run.
SITUATIONS = (RUN, WRONG_PASSWORD, UNKNOWN_TASK, BUSY_TASK, NO_RIGHT)

_REFUSALS = {
    WRONG_PASSWORD: "the password is wrong (authentication error, returnCode 3)",
    UNKNOWN_TASK: "no task has that id or name (returnCode 5)",
    BUSY_TASK: "the task is still running (runTask refused, returnCode 30)",
    NO_RIGHT: "the user may not run tasks (runTask refused, returnCode 32)",
}
#: Polls the blocking execution of a busy task needs: it outlives any client.
BUSY_POLLS = 1_000_000


@dataclass(frozen=True)
class CheckCase:
    """One situation for a client under check.

    ``phases`` and ``outcome`` (``(outcome, exit_code)``) describe the task's
    execution when ``situation`` is ``run``; the refusals ignore them.
    """

    situation: str
    task_id: int
    task_name: str
    user: str
    password: str
    phases: tuple[dict[str, Any], ...] = ({"seconds": 0.0},)
    outcome: tuple[str, int] = ("ok", 0)

    @property
    def expects_success(self) -> bool:
        """The client must exit 0 (and only then)."""
        return self.situation == RUN and self.outcome == ("ok", 0)

    @property
    def refusal(self) -> str | None:
        """Why the API refuses the client, or None for a plain run."""
        return _REFUSALS.get(self.situation)

    def placeholders(self, url: str) -> dict[str, str]:
        """The values of ``{url}``, ``{task_id}``, ... in the client's command."""
        return {
            "url": url,
            "task_id": str(self.task_id),
            "task_name": self.task_name,
            "user": self.user,
            "password": self.password,
        }

    def scenario(self) -> Scenario:
        """The scenario the mock serves for this case."""
        return parse_scenario(self.scenario_data(), f"check case: {self.summary()}")

    def scenario_data(self) -> dict[str, Any]:
        password = self.password + "-not" if self.situation == WRONG_PASSWORD else None
        user = {"login": self.user, "password": password or self.password}
        if self.situation == NO_RIGHT:
            user["can_run"] = False
        task_id, label = self.task_id, self.task_name
        if self.situation == UNKNOWN_TASK:
            task_id, label = self.task_id + 1, self.task_name + "_other"
        outcome, exit_code = self.outcome
        task: dict[str, Any] = {
            "id": task_id,
            "label": label,
            "lifecycle": {
                "phases": [dict(p) for p in self.phases],
                "outcome": outcome,
                "exit_code": exit_code,
            },
        }
        if self.situation == BUSY_TASK:
            task["runs"] = [{"run": 1, "phases": [{"polls": BUSY_POLLS}]}]
        return {"description": self.summary(), "users": [user], "tasks": [task]}

    def expectation(self) -> str:
        """What a correct client does, in words."""
        if self.refusal:
            return f"exit non-zero: {self.refusal}"
        outcome, exit_code = self.outcome
        if self.expects_success:
            return "exit 0: the execution ends OK with jobExitCode 0"
        ended = "OK" if outcome == "ok" else "in error"
        return f"exit non-zero: the execution ends {ended} with jobExitCode {exit_code}"

    def summary(self) -> str:
        """One line naming the situation, for reports."""
        who = f"task {self.task_id} '{self.task_name}' as {self.user}"
        if self.situation != RUN:
            return f"{self.situation.replace('_', ' ')}: {who}"
        steps = ", ".join(
            f"{p['seconds']:g}s" if "seconds" in p else f"{p['polls']} poll(s)"
            for p in self.phases
        )
        outcome, exit_code = self.outcome
        return (
            f"run {who}: RUNNING for {steps}, ends {outcome} (jobExitCode {exit_code})"
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["phases"] = [dict(p) for p in self.phases]
        data["outcome"] = list(self.outcome)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckCase:
        """The inverse of :meth:`as_dict` (a replay file's ``case``)."""
        situation = data["situation"]
        if situation not in SITUATIONS:
            raise ValueError(
                f"unknown situation {situation!r}: expected one of {SITUATIONS}"
            )
        return cls(
            situation=situation,
            task_id=int(data["task_id"]),
            task_name=str(data["task_name"]),
            user=str(data["user"]),
            password=str(data["password"]),
            phases=tuple(dict(p) for p in data.get("phases", [{"seconds": 0.0}])),
            outcome=(str(data["outcome"][0]), int(data["outcome"][1])),
        )

    def key(self) -> str:
        """A stable text identifying the case (for caching runs)."""
        return json.dumps(self.as_dict(), sort_keys=True)
