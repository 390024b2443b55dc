"""Scenarios: the users and tasks a mock TAC serves, read from YAML or JSON.

A scenario is checked against ``schemas/scenario.schema.json`` and then for
what a schema cannot say (unique ids, labels and logins). Every problem is
reported with the file, the path to the field and what is wrong, before the
server starts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .faults import FaultSpec, parse_faults
from .protocol import non_finite_paths, without_lone_surrogates

DEFAULT_SCENARIO = "default.yaml"
DEFAULT_PHASE_SECONDS = 2.0
NOT_FINITE = "must be a finite number (not NaN or infinite)"


class ScenarioError(ValueError):
    """A scenario file is invalid; ``problems`` lists ``(path, message)``."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [
            f"{source}: {path or '(top)'}: {message}" for path, message in problems
        ]
        super().__init__("invalid scenario\n" + "\n".join(lines))


@dataclass(frozen=True)
class Phase:
    """One stretch of an execution: ``seconds`` of clock time or ``polls`` polls."""

    status: str = "RUNNING"
    seconds: float | None = None
    polls: int | None = None


@dataclass(frozen=True)
class Lifecycle:
    """How one execution unfolds: its phases, then how it ends."""

    phases: tuple[Phase, ...] = (Phase(seconds=DEFAULT_PHASE_SECONDS),)
    outcome: str = "ok"
    exit_code: int = 0

    @property
    def total_seconds(self) -> float:
        """The clock time of its timed phases (poll phases count as zero)."""
        return sum(p.seconds or 0.0 for p in self.phases)


@dataclass(frozen=True)
class DeploymentSpec:
    """Whether a task's job still needs generating or deploying before it runs.

    ``state`` is where the task starts: ``deployed`` (ready to run),
    ``ready_to_generate`` or ``ready_to_deploy``. ``requestGenerate`` and
    ``requestDeploy`` then take ``generate_seconds`` and ``deploy_seconds``;
    the first ``deploy_failures`` calls of ``requestDeploy`` answer 170.
    """

    state: str = "deployed"
    generate_seconds: float = 1.0
    deploy_seconds: float = 1.0
    deploy_failures: int = 0


@dataclass(frozen=True)
class User:
    """A TAC login.

    ``can_run=False`` is a user without the Job conductor management right
    (read-only): runTask answers 32, the other management commands 7 (from
    TAC 6.3 on); reading commands work.
    """

    login: str
    password: str
    can_run: bool = True

    def __repr__(self) -> str:
        return f"User(login={self.login!r}, password='***', can_run={self.can_run})"


@dataclass(frozen=True)
class TaskSpec:
    """A task of the Job Conductor as the scenario declares it."""

    id: int
    label: str
    project: str = "DEMO"
    job: str = ""
    job_version: str = "0.1"
    context: str = "Default"
    server: str = "JOB_SERVER_1"
    description: str = ""
    concurrent: bool = False
    triggers: int = 0
    deployment: DeploymentSpec = field(default_factory=DeploymentSpec)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    runs: dict[int, Lifecycle] = field(default_factory=dict)

    def lifecycle_for(self, run_number: int) -> Lifecycle:
        """The lifecycle of the task's ``run_number``-th run (1 = first)."""
        return self.runs.get(run_number, self.lifecycle)


@dataclass(frozen=True)
class Scenario:
    """Users and tasks, plus where they came from."""

    users: tuple[User, ...]
    tasks: tuple[TaskSpec, ...]
    source: str = "<built-in>"
    description: str = ""
    faults: tuple[FaultSpec, ...] = ()

    def task(self, task_id: int) -> TaskSpec | None:
        return next((t for t in self.tasks if t.id == task_id), None)


def _schema() -> dict[str, Any]:
    text = resources.files("mock_tac").joinpath("schemas/scenario.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


def _format_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate already-parsed scenario data and build a :class:`Scenario`.

    Raises:
        ScenarioError: listing every problem found.
    """
    if data is None:
        data = {}
    data = without_lone_surrogates(data)
    not_finite = [(path, NOT_FINITE) for path in non_finite_paths(data)]
    if not_finite:
        raise ScenarioError(source, not_finite)
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        problems = [(_format_path(e.absolute_path), _describe(e)) for e in errors]
        raise ScenarioError(source, problems)

    problems: list[tuple[str, str]] = []
    users = tuple(User(**u) for u in data.get("users", [])) or (
        User("admin@company.com", "admin"),
    )
    _check_unique([u.login for u in users], "users", "login", problems)

    tasks = tuple(_task(t, i, problems) for i, t in enumerate(data.get("tasks", [])))
    _check_unique([t.id for t in tasks], "tasks", "id", problems)
    _check_unique([t.label for t in tasks], "tasks", "label", problems)
    faults = parse_faults(data.get("faults", []), problems)
    if problems:
        raise ScenarioError(source, problems)
    return Scenario(
        users=users,
        tasks=tasks,
        source=source,
        description=data.get("description", ""),
        faults=faults,
    )


def _describe(error: jsonschema.ValidationError) -> str:
    if (
        error.validator == "oneOf"
        and error.schema.get("oneOf")
        and "seconds" in str(error.schema)
    ):
        return "a phase needs exactly one of 'seconds' or 'polls'"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties", "unknown field(s)")
    return error.message


def _check_unique(
    values: list[Any], section: str, name: str, problems: list[tuple[str, str]]
) -> None:
    seen: set[Any] = set()
    for index, value in enumerate(values):
        if value in seen:
            problems.append(
                (f"{section}[{index}].{name}", f"duplicate {name} {value!r}")
            )
        seen.add(value)


def _lifecycle(data: dict[str, Any], base: Lifecycle | None = None) -> Lifecycle:
    base = base or Lifecycle()
    phases = base.phases
    if "phases" in data:
        phases = tuple(Phase(**p) for p in data["phases"])
    outcome = data.get("outcome", base.outcome)
    if "exit_code" in data:
        exit_code = data["exit_code"]
    elif outcome == base.outcome:
        exit_code = base.exit_code
    else:
        exit_code = 0 if outcome == "ok" else 1
    return Lifecycle(phases=phases, outcome=outcome, exit_code=exit_code)


def _task(
    data: dict[str, Any], index: int, problems: list[tuple[str, str]]
) -> TaskSpec:
    lifecycle = _lifecycle(data.get("lifecycle", {}))
    runs: dict[int, Lifecycle] = {}
    for n, override in enumerate(data.get("runs", [])):
        if override["run"] in runs:
            problems.append(
                (f"tasks[{index}].runs[{n}].run", f"duplicate run {override['run']}")
            )
        runs[override["run"]] = _lifecycle(override, lifecycle)
    return TaskSpec(
        id=data["id"],
        label=data["label"],
        project=data.get("project", "DEMO"),
        job=data.get("job", data["label"]),
        job_version=data.get("job_version", "0.1"),
        context=data.get("context", "Default"),
        server=data.get("server", "JOB_SERVER_1"),
        description=data.get("description", ""),
        concurrent=data.get("concurrent", False),
        triggers=data.get("triggers", 0),
        deployment=DeploymentSpec(**data.get("deployment", {})),
        lifecycle=lifecycle,
        runs=runs,
    )


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read a scenario file (YAML, or JSON), or the built-in default.

    Raises:
        ScenarioError: the file cannot be read, is not YAML/JSON, or is invalid.
    """
    if path is None:
        text = resources.files("mock_tac").joinpath("scenarios", DEFAULT_SCENARIO)
        return parse_scenario(yaml.safe_load(text.read_text("utf-8")), "<built-in>")

    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(source, [("", f"cannot read the file: {exc}")]) from None
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        raise ScenarioError(source, [("", "nested too deeply")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(
            source, [(where, f"not valid YAML or JSON: {exc}")]
        ) from None
    return parse_scenario(data, source)
