"""``mock-tac check-client``: judge a TAC client program, in any language.

For each generated :class:`~mock_tac.contract.cases.CheckCase` the checker
starts a fresh mock on a free loopback port (virtual clock, so scripted
durations pass at once), runs the client once with ``{url}``, ``{task_id}``,
``{task_name}``, ``{user}`` and ``{password}`` filled in, and judges what it
did from the mock's journal and its exit status:

1. every request keeps the contract (Base64 of a JSON object, with the
   fields and types its action wants);
2. the exit status agrees with the outcome: 0 exactly when the execution
   ended OK with jobExitCode 0, and only after the client saw that end;
3. once it has seen an execution end, it asks no more about it;
4. optionally, it polls no faster than ``--max-poll-rate`` and finishes
   within ``--timeout``.

Hypothesis generates the cases and shrinks a failure to the simplest one,
which is printed with what the client sent (decoded, password masked), what
was expected, and a command that replays it.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from ..dialect import DEFAULT_VERSION, DIALECTS
from ..journal import MASK, Entry, Journal, mask_secrets
from ..mock import MockTac
from .cases import BUSY_TASK, CheckCase
from .schema import Contract, default_contract

DEFAULT_EXAMPLES = 25
DEFAULT_TIMEOUT = 30.0
#: Shrinking runs the client again and again; stop after this many runs.
SHRINK_BUDGET = 100
#: Searches a check makes at most to run as many distinct cases as asked.
SEARCH_ROUNDS = 10
PLACEHOLDERS = ("{url}", "{task_id}", "{task_name}", "{user}", "{password}")
#: ``{{word}}`` (the literal text ``{word}``) or ``{word}`` (a placeholder).
_BRACES = re.compile(r"\{\{(\w+)\}\}|\{(\w+)\}")
#: A word in three or more pairs of braces, which no rule reads without a guess.
_AMBIGUOUS = re.compile(r"\{{3,}(\w+)\}{3,}")
#: Exit statuses: every scenario passed; a fault was found; bad usage.
EXIT_PASSED, EXIT_FAULT, EXIT_USAGE = 0, 1, 2
#: Interrupted by SIGINT (Ctrl-C) or SIGTERM: 128 plus the signal's number.
EXIT_INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}


class UsageError(Exception):
    """The command line cannot run a check; the message says why."""


class ClientStartError(UsageError):
    """The client command cannot be started; the message names it and says why."""


class Interrupted(KeyboardInterrupt):
    """check-client received SIGINT or SIGTERM; ``signum`` says which.

    A ``KeyboardInterrupt``, so Hypothesis stops at once rather than
    shrinking it as a failure.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class ReplayError(ValueError):
    """A replay file cannot be read back as a case; the message says why."""


@dataclass(frozen=True)
class Finding:
    """One fault: the rule broken (``contract``, ``exit-status``, ``polling``,
    ``poll-rate``, ``timeout``) and what happened, in words."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass
class Result:
    """How one run of the client went, and the faults found."""

    case: CheckCase
    command: list[str]
    url: str
    exit_status: int | None
    entries: list[Entry]
    stdout: str
    stderr: str
    seconds: float
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    def masked(self, text: str) -> str:
        """``text`` (something the client wrote) with the case's password masked."""
        return mask_password(text, self.case.password)


def mask_password(text: str, password: str) -> str:
    """``text`` with every occurrence of ``password`` replaced by ``***``.

    The password's JSON-escaped forms (``\\n``, ``\\"``, ``\\u00e9``) are
    masked too, since a client may print the request it built. An empty
    password masks nothing. A short password masks every occurrence of those
    characters, wherever they stand.
    """
    if not password:
        return text
    forms = {
        password,
        json.dumps(password)[1:-1],
        json.dumps(password, ensure_ascii=False)[1:-1],
    }
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


@dataclass(frozen=True)
class Options:
    """The judging options of one check.

    Raises:
        ValueError: ``timeout`` or ``max_poll_rate`` is not a positive,
            finite number.
    """

    timeout: float = DEFAULT_TIMEOUT
    max_poll_rate: float | None = None
    tac_version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        _positive("timeout", self.timeout)
        if self.max_poll_rate is not None:
            _positive("max_poll_rate", self.max_poll_rate)


def _positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value:g}")


# -- running one case --------------------------------------------------------


def run_case(
    case: CheckCase,
    command: Sequence[str],
    options: Options,
    stopping: list[threading.Thread] | None = None,
) -> Result:
    """Serve ``case`` on a fresh mock, run the client once, judge it.

    With ``stopping``, the server is stopped in a background thread appended
    to that list (the caller joins them), so the next case need not wait.
    """
    from ..server import LiveServer

    mock = MockTac(case.scenario(), clock="virtual", tac_version=options.tac_version)
    engine = mock.engine()
    if case.situation == BUSY_TASK:
        engine.call(
            {
                "actionName": "runTask",
                "authUser": case.user,
                "authPass": case.password,
                "taskId": case.task_id,
                "mode": "asynchronous",
            }
        )
        engine.journal.clear()

    server = LiveServer(mock, threads=8).start()
    try:
        url = server.url
        argv = fill_placeholders(command, case.placeholders(url))
        started = time.monotonic()
        exit_status, stdout, stderr = _run(argv, options.timeout)
        seconds = time.monotonic() - started
    finally:
        if stopping is None:
            server.stop()
        else:
            stopper = threading.Thread(target=server.stop, daemon=True)
            stopper.start()
            stopping.append(stopper)

    result = Result(
        case=case,
        command=argv,
        url=url,
        exit_status=exit_status,
        entries=engine.journal.entries(),
        stdout=stdout,
        stderr=stderr,
        seconds=seconds,
    )
    result.findings = judge(result, engine.journal, options)
    return result


def fill_placeholders(command: Sequence[str], values: dict[str, str]) -> list[str]:
    """The command with every ``{name}`` placeholder replaced.

    ``{{name}}`` stands for the literal text ``{name}``; other braces (as in
    ``'{"a": {"b": 1}}'``) are kept as they are.

    Raises:
        ValueError: a ``{word}`` names no placeholder in ``values``, or a word
            stands in three or more pairs of braces (``{{{url}}}``).
    """
    for arg in command:
        ambiguous = _AMBIGUOUS.search(arg)
        if ambiguous:
            word = ambiguous.group(1)
            raise ValueError(
                f"ambiguous braces {ambiguous.group()} in the client command: "
                f"write {{{{{word}}}}} for the literal text {{{word}}}, "
                f"{{{word}}} for its value"
            )

    def fill(match: re.Match[str]) -> str:
        literal, name = match.groups()
        if literal is not None:
            return "{" + literal + "}"
        if name not in values:
            known = ", ".join("{" + n + "}" for n in values)
            raise ValueError(
                f"unknown placeholder {match.group()} in the client command; "
                f"known: {known} (write {{{{{name}}}}} for a literal {{{name}}})"
            )
        return values[name]

    return [_BRACES.sub(fill, arg) for arg in command]


def check_placeholders(command: Sequence[str]) -> None:
    """Raise ValueError if the command uses a placeholder check-client lacks."""
    fill_placeholders(command, {p.strip("{}"): "" for p in PLACEHOLDERS})


def check_startable(command: Sequence[str]) -> None:
    """Raise :class:`ClientStartError` if the client's program cannot be found.

    The program is looked up as the system would run it: a name with a
    ``/`` as that file, a bare name on ``PATH``. A program named by a
    placeholder is left for the runs to try.
    """
    if any(name for _, name in _BRACES.findall(command[0])):
        return
    program = fill_placeholders(command[:1], {})[0]
    if shutil.which(program) is not None:
        return
    path = Path(program)
    if os.sep not in program and not (os.altsep and os.altsep in program):
        problem = "not found on PATH"
    elif path.is_dir():
        problem = "a directory, not a program"
    elif path.exists():
        problem = "not executable"
    else:
        problem = "no such file"
    raise ClientStartError(f"cannot start the client: {program}: {problem}")


def _start_problem(program: str, exc: OSError) -> str:
    return f"cannot start the client: {program}: {exc.strerror or exc}"


def _run(argv: list[str], timeout: float) -> tuple[int | None, str, str]:
    """Run the client in a process group of its own; None as status on timeout.

    The client's exit decides, not the end of its output: it writes to
    temporary files, so a process it leaves running with its stdout or
    stderr open cannot hold the run up. Whatever the client started is
    killed with it: on the timeout, when it exits leaving processes behind,
    and when check-client itself is interrupted (the exception is re-raised
    once the group is gone).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        except OSError as exc:
            raise ClientStartError(_start_problem(argv[0], exc)) from None

        try:
            status: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            status = None
        finally:
            _kill_group(process)
            process.wait()
        return status, _read(out), _read(err)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the client's process group (the client and what it started)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already
    except AttributeError:  # no process groups on this platform
        process.kill()


def _read(output: IO[bytes]) -> str:
    """All a client wrote to one of its temporary output files."""
    output.seek(0)
    return _text(output.read())


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data


# -- judging -----------------------------------------------------------------


def judge(
    result: Result,
    journal: Journal,
    options: Options,
    contract: Contract | None = None,
) -> list[Finding]:
    """Every fault of one run, in the order of the rules."""
    contract = contract or default_contract()
    findings = _contract_findings(result, contract)
    findings += _exit_findings(result, journal, options)
    findings += _polling_findings(journal)
    if options.max_poll_rate is not None:
        findings += _rate_findings(journal, options.max_poll_rate)
    return findings


def _contract_findings(result: Result, contract: Contract) -> list[Finding]:
    found = []
    for entry in result.entries:
        if entry.params is None:
            raw = result.masked(entry.raw or "")
            reason = entry.reply.get("error", "undecodable")
            found.append(
                Finding(
                    "contract",
                    f"request #{entry.seq} is not Base64 of a JSON object "
                    f"({reason}); received: {raw!r}",
                )
            )
            continue
        violations = contract.validate_request(entry.params)
        if violations:
            problems = "; ".join(str(v) for v in violations)
            found.append(
                Finding(
                    "contract",
                    f"request #{entry.seq} ({entry.action or 'no actionName'}) "
                    f"breaks the contract: {problems}; sent: {_shown(entry.params)}",
                )
            )
    return found


def _exit_findings(result: Result, journal: Journal, options: Options) -> list[Finding]:
    case, status = result.case, result.exit_status
    if status is None:
        return [
            Finding(
                "timeout",
                f"did not exit within {options.timeout:g} s (killed); "
                f"expected it to {case.expectation()}",
            )
        ]

    refused = [e for e in result.entries if e.return_code not in (0, None)]
    if status == 0 and not case.expects_success:
        if case.refusal:
            if refused:
                first = refused[0]
                why = (
                    f"request #{first.seq} ({first.action}) was refused with "
                    f"returnCode {first.return_code} ({first.reply.get('error')!r})"
                )
            else:
                why = "it never got its task run"
            return [Finding("exit-status", f"exited 0 although {why}")]
        return [Finding("exit-status", f"exited 0 although {_ending(journal, case)}")]

    if status != 0 and case.expects_success:
        ended = "the execution ended OK with jobExitCode 0"
        if not result.entries:
            ended = (
                "the task would have ended OK with jobExitCode 0; the servlet "
                "received no request (wrong URL?)"
            )
        return [
            Finding(
                "exit-status",
                f"exited {status} although {ended}"
                f"{_stderr_tail(result.masked(result.stderr))}",
            )
        ]

    if status == 0 and case.expects_success:
        ended = [rid for rid in journal.execution_ids() if journal.end_seen(rid)]
        if not ended:
            return [
                Finding(
                    "exit-status",
                    "exited 0 before it had seen the execution end "
                    f"({_last_status(result.entries)})",
                )
            ]
    return []


def _ending(journal: Journal, case: CheckCase) -> str:
    outcome, exit_code = case.outcome
    basic = "OK" if outcome == "ok" else "ERROR"
    seen = any(journal.end_seen(rid) for rid in journal.execution_ids())
    told = "" if seen else ", and it exited before it had seen the end"
    return (
        f"the execution ended with execBasicStatus {basic} and jobExitCode "
        f"{exit_code}{told}"
    )


def _last_status(entries: list[Entry]) -> str:
    for entry in reversed(entries):
        if "execBasicStatus" in entry.reply:
            return f"the last status it received was {entry.reply['execBasicStatus']}"
    if not entries:
        return "it sent no request at all"
    return "it never received an execution status"


def _polling_findings(journal: Journal) -> list[Finding]:
    found = []
    for rid in journal.execution_ids():
        extra = journal.polls_after_end(rid)
        if extra:
            end = journal.end_seen(rid)
            shown_at = f"#{end.seq}" if end else "?"
            seqs = ", ".join(f"#{e.seq}" for e in extra)
            found.append(
                Finding(
                    "polling",
                    f"kept polling execution {rid} after request {shown_at}"
                    f" had shown it ended: {len(extra)} more getTaskExecutionStatus "
                    f"request(s) ({seqs})",
                )
            )
    return found


def _rate_findings(journal: Journal, limit: float) -> list[Finding]:
    found = []
    for rid in journal.execution_ids():
        rate = journal.poll_rate(rid)
        if rate is not None and rate > limit:
            polls = len(journal.status_polls(rid))
            found.append(
                Finding(
                    "poll-rate",
                    f"polled execution {rid} at {rate:.1f} requests/s over {polls} "
                    f"polls, above --max-poll-rate {limit:g}",
                )
            )
    return found


def _shown(params: Any) -> str:
    return json.dumps(mask_secrets(params), ensure_ascii=False, sort_keys=True)


def _stderr_tail(stderr: str, lines: int = 3) -> str:
    tail = [line for line in stderr.strip().splitlines() if line.strip()][-lines:]
    return f"; its stderr ends: {' | '.join(tail)}" if tail else ""


# -- driving many cases ------------------------------------------------------


class _CaseFailed(AssertionError):
    def __init__(self, result: Result) -> None:
        super().__init__(result.case.summary())
        self.result = result


@dataclass
class Report:
    """The outcome of a whole check: every generated run, and the minimal failure."""

    seed: int
    runs: list[Result]
    failure: Result | None

    @property
    def passed(self) -> bool:
        return self.failure is None


def check_client(
    command: Sequence[str],
    *,
    examples: int = DEFAULT_EXAMPLES,
    seed: int | None = None,
    options: Options | None = None,
    on_result: Callable[[Result], None] | None = None,
    shrink_budget: int = SHRINK_BUDGET,
) -> Report:
    """Run the client against ``examples`` distinct generated cases; shrink a failure.

    Returns a :class:`Report`; ``report.failure`` is the smallest failing
    case found (None when every case passed). ``on_result`` sees each run
    made while generating (not those made while shrinking); shrinking
    stops after ``shrink_budget`` runs of the client.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as hypothesis_seed

    from .strategies import check_cases

    if examples < 1:
        raise ValueError(f"examples must be at least 1, got {examples}")
    check_placeholders(command)
    check_startable(command)
    options = options or Options()
    seed = random.randrange(2**32) if seed is None else seed
    runs: list[Result] = []
    cache: dict[str, Result] = {}
    shrink_runs = 0
    stopping: list[threading.Thread] = []
    start_error: ClientStartError | None = None

    def attempt(case: CheckCase) -> None:
        nonlocal shrink_runs, start_error
        if start_error is not None:
            raise start_error  # no case can run: let Hypothesis give up at once
        result = cache.get(case.key())
        if result is None:
            shrinking = any(not r.passed for r in cache.values())
            if shrinking:
                if shrink_runs >= shrink_budget:
                    return  # out of budget: keep the smallest failure so far
                shrink_runs += 1
            elif len(runs) >= examples:
                return  # enough distinct cases run; let Hypothesis finish
            try:
                result = run_case(case, command, options, stopping)
            except ClientStartError as exc:
                start_error = exc
                raise
            cache[case.key()] = result
            if not shrinking:
                runs.append(result)
                if on_result is not None:
                    on_result(result)
        if not result.passed:
            raise _CaseFailed(result)

    def search(draws: int, round_seed: int) -> Result | None:
        prop = settings(
            max_examples=draws,
            database=None,
            deadline=None,
            derandomize=False,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            verbosity=Verbosity.quiet,
        )(given(check_cases())(attempt))
        try:
            hypothesis_seed(round_seed)(prop)()
        except _CaseFailed as exc:
            return exc.result
        except ClientStartError:
            raise
        except Exception:  # hypothesis gave up on a flaky client: keep the smallest
            failing = [r for r in cache.values() if not r.passed]
            if not failing:
                raise
            return min(failing, key=lambda r: len(r.case.key()))
        return None

    # Hypothesis counts a case it draws twice as two examples, while the
    # client runs once per distinct case: top up with more rounds, each with
    # a seed derived from the run's, until ``examples`` distinct cases ran.
    failure = None
    try:
        for round_ in range(SEARCH_ROUNDS):
            missing = examples - len(runs)
            if missing <= 0:
                break
            draws = examples if round_ == 0 else 2 * missing + 2
            failure = search(draws, (seed + round_) % 2**32)
            if failure is not None:
                break
    finally:
        for stopper in stopping:
            stopper.join()
    return Report(seed=seed, runs=runs, failure=failure)


# -- reporting ---------------------------------------------------------------


def describe_failure(
    result: Result, replay_file: str | None, command: list[str]
) -> str:
    """The full account of a failing case, for a terminal or a CI log."""
    case = result.case
    lines = [
        f"FAIL  {case.summary()}",
        f"  expected: {case.expectation()}",
        f"  got:      {_status_text(result.exit_status)}",
        "  faults:",
        *(f"    - {f}" for f in result.findings),
        "  the client sent:",
    ]
    if not result.entries:
        lines.append("    (no request)")
    for entry in result.entries:
        method = entry.transport.get("method", "?")
        if entry.params is not None:
            sent = _shown(entry.params)
        else:
            sent = repr(result.masked(entry.raw or ""))
        reply = json.dumps(entry.reply, sort_keys=True)
        lines.append(f"    #{entry.seq} {method} {sent}")
        lines.append(f"        -> {reply}")
    lines.append(f"  command: {shlex.join(_masked_command(result, command))}")
    stderr = result.masked(result.stderr)
    tail = [line for line in stderr.strip().splitlines() if line.strip()]
    if tail:
        lines.append("  client stderr (last lines):")
        lines += [f"    {line}" for line in tail[-5:]]
    shown_case = {**case.as_dict(), "password": MASK}
    case_json = json.dumps(shown_case, sort_keys=True, ensure_ascii=False)
    lines.append(f"  case: {case_json}")
    if replay_file:
        replay = ["mock-tac", "check-client", "--replay", replay_file, "--", *command]
        lines.append(f"  replay: {shlex.join(replay)}")
    return "\n".join(lines)


def _masked_command(result: Result, template: list[str]) -> list[str]:
    """The command as run, with ``{password}`` filled in as ``***``."""
    values = result.case.placeholders(result.url)
    values["password"] = "***"
    return fill_placeholders(template, values)


def _status_text(status: int | None) -> str:
    return "killed after the timeout" if status is None else f"exit status {status}"


def write_replay(result: Result, directory: str | None = None) -> str:
    """Write the failing case to a JSON file in ``directory``; returns its path.

    The directory defaults to the system's temporary one. The file is named
    after the case, so the same failure found again rewrites its own file
    rather than adding one.
    """
    digest = hashlib.sha256(result.case.key().encode("utf-8")).hexdigest()[:12]
    path = Path(directory or tempfile.gettempdir()) / f"mock-tac-case-{digest}.json"
    data = {
        "case": result.case.as_dict(),
        "scenario": result.case.scenario_data(),
        "findings": [str(f) for f in result.findings],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return str(path)


def read_replay(path: str) -> CheckCase:
    """The case of a replay file written by :func:`write_replay`.

    Raises:
        ReplayError: the file cannot be read, is not JSON, or holds no valid
            case; the message names the file and the problem.
    """
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise ReplayError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReplayError(f"{path}: not a JSON replay file: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("case"), dict):
        raise ReplayError(f'{path} holds no "case" object: not a replay file')
    try:
        case = CheckCase.from_dict(data["case"])
        case.scenario()
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        problem = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        problem = "; ".join(problem.splitlines())
        raise ReplayError(f"{path}: the case is not valid: {problem}") from None
    return case


def write_junit(report: Report, path: str) -> None:
    """A JUnit XML file: one test case per generated run, plus the minimal failure."""
    suite = ElementTree.Element("testsuite", name="mock-tac check-client")
    results = list(report.runs)
    if report.failure is not None and report.failure not in results:
        results.append(report.failure)
    failures = 0
    for index, result in enumerate(results, 1):
        name = f"case {index}: {result.case.summary()}"
        if result is report.failure:
            name = f"minimal failing case: {result.case.summary()}"
        element = ElementTree.SubElement(
            suite,
            "testcase",
            classname="check-client",
            name=name,
            time=f"{result.seconds:.3f}",
        )
        if not result.passed:
            failures += 1
            failure = ElementTree.SubElement(
                element, "failure", message=str(result.findings[0])
            )
            failure.text = "\n".join(str(f) for f in result.findings)
    suite.set("tests", str(len(results)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


# -- command line ------------------------------------------------------------


def add_check_client(commands: argparse._SubParsersAction) -> None:
    """Add the ``check-client`` sub-command to ``mock-tac``'s parser."""
    parser = commands.add_parser(
        "check-client",
        help="judge a TAC client program against generated scenarios",
        description=(
            "Run a TAC client once per generated scenario, each against a fresh "
            "mock on a free loopback port, and judge its requests, its polling "
            "and its exit status. The command may use the placeholders "
            + ", ".join(PLACEHOLDERS)
            + " ({{word}} passes a literal {word}). Exits 0 only when every "
            "scenario passes, 1 when a fault was found, 2 on a usage error."
        ),
    )
    parser.add_argument(
        "--examples",
        type=int,
        default=DEFAULT_EXAMPLES,
        metavar="N",
        help="scenarios to generate (%(default)s)",
    )
    parser.add_argument("--seed", type=int, help="random seed, to repeat a run")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="T",
        help="seconds one client run may take (%(default)s)",
    )
    parser.add_argument(
        "--max-poll-rate",
        type=float,
        metavar="R",
        help="flag a client that polls one execution faster than R requests/s",
    )
    parser.add_argument("--junit-xml", metavar="FILE", help="write a JUnit XML report")
    parser.add_argument(
        "--replay", metavar="FILE", help="run only the case of a replay file"
    )
    parser.add_argument(
        "--replay-dir",
        metavar="DIR",
        help="where to write the replay file of a failure (the system's "
        "temporary directory)",
    )
    parser.add_argument(
        "--tac-version",
        choices=sorted(DIALECTS),
        default=DEFAULT_VERSION,
        help="TAC dialect of the mock (%(default)s)",
    )
    parser.add_argument(
        "client",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND ARGS",
        help="the client to run, after --",
    )
    parser.set_defaults(func=run_check_client)


def run_check_client(args: argparse.Namespace) -> int:
    """The ``check-client`` sub-command; returns the exit status."""
    try:
        command = _client_command(args.client)
        options = _options(args)
        _check_writable(args.junit_xml, "--junit-xml")
        _check_directory(args.replay_dir, "--replay-dir")
        case = _replay_case(args.replay) if args.replay else None
    except UsageError as exc:
        print(f"mock-tac check-client: {exc}", file=sys.stderr)
        return EXIT_USAGE

    try:
        with _signals_interrupt():
            report = _check(args, command, options, case)
    except ClientStartError as exc:
        print(f"mock-tac check-client: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Interrupted as exc:
        name = signal.Signals(exc.signum).name
        print(
            f"\nmock-tac check-client: interrupted by {name}; the client was stopped",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED[exc.signum]

    if args.junit_xml:
        try:
            write_junit(report, args.junit_xml)
        except OSError as exc:
            print(
                f"mock-tac check-client: cannot write --junit-xml {args.junit_xml}: "
                f"{exc.strerror or exc}",
                file=sys.stderr,
            )
            return EXIT_USAGE
    if report.passed:
        print(
            f"check-client: {len(report.runs)} scenario(s) passed (seed {report.seed})"
        )
        return EXIT_PASSED
    failure = report.failure
    assert failure is not None
    # A replayed case already has its file; a new failure gets one.
    replay_file = args.replay or _written_replay(failure, args.replay_dir)
    print(describe_failure(failure, replay_file, command))
    if not args.replay:
        print(f"  seed: {report.seed} (--seed {report.seed} repeats this run)")
    return EXIT_FAULT


def _check(
    args: argparse.Namespace,
    command: list[str],
    options: Options,
    case: CheckCase | None,
) -> Report:
    if case is not None:
        result = run_case(case, command, options)
        return Report(
            seed=args.seed or 0,
            runs=[result],
            failure=None if result.passed else result,
        )

    def progress(result: Result) -> None:
        mark = "." if result.passed else "F"
        print(mark, end="", flush=True)

    try:
        return check_client(
            command,
            examples=args.examples,
            seed=args.seed,
            options=options,
            on_result=progress,
        )
    finally:
        print()  # ends the line of progress marks


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` while checking."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, interrupt) for signum in EXIT_INTERRUPTED}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _client_command(client: Sequence[str]) -> list[str]:
    command = list(client)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise UsageError("give the client command after --")
    try:
        check_placeholders(command)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    check_startable(command)
    return command


def _options(args: argparse.Namespace) -> Options:
    if args.examples < 1:
        raise UsageError(f"--examples must be at least 1, got {args.examples}")
    for flag, value in (
        ("--timeout", args.timeout),
        ("--max-poll-rate", args.max_poll_rate),
    ):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise UsageError(f"{flag} must be a positive number, got {value:g}")
    return Options(
        timeout=args.timeout,
        max_poll_rate=args.max_poll_rate,
        tac_version=args.tac_version,
    )


def _check_writable(path: str | None, flag: str) -> None:
    """Refuse, before any run, an output file that cannot be written."""
    if path is None:
        return
    target = Path(path)
    directory = target.parent
    if target.is_dir():
        raise UsageError(f"{flag} {path} is a directory, not a file")
    if not directory.is_dir():
        raise UsageError(f"{flag} {path}: no such directory {str(directory)!r}")
    if not os.access(directory, os.W_OK):
        raise UsageError(f"{flag} {path}: directory {str(directory)!r} is not writable")


def _check_directory(path: str | None, flag: str) -> None:
    if path is None:
        return
    if not Path(path).is_dir():
        raise UsageError(f"{flag} {path}: no such directory")
    if not os.access(path, os.W_OK):
        raise UsageError(f"{flag} {path}: the directory is not writable")


def _written_replay(failure: Result, directory: str | None) -> str | None:
    try:
        return write_replay(failure, directory)
    except OSError as exc:
        print(
            f"mock-tac check-client: cannot write the replay file: "
            f"{exc.strerror or exc}",
            file=sys.stderr,
        )
        return None


def _replay_case(path: str) -> CheckCase:
    try:
        return read_replay(path)
    except ReplayError as exc:
        raise UsageError(f"--replay {exc}") from None
