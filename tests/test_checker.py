"""check-client passes a correct client and names the fault of each faulty one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import Phase, find, settings

from mock_tac.cli import main
from mock_tac.contract.cases import RUN, WRONG_PASSWORD, CheckCase
from mock_tac.contract.checker import (
    Options,
    check_client,
    describe_failure,
    fill_placeholders,
    run_case,
)
from mock_tac.contract.strategies import check_cases, passwords

CLIENTS = Path(__file__).parent / "clients"
PLACEHOLDERS = ["{url}", "{task_id}", "{user}", "{password}"]
PYTHON_CLIENT = [sys.executable, str(CLIENTS / "tac_client.py"), *PLACEHOLDERS]
SHELL_CLIENT = ["sh", str(CLIENTS / "tac_client.sh"), *PLACEHOLDERS]
EXAMPLES = 15
SEED = 1
#: Enough shrinking to name the fault; the test of shrinking itself uses more.
SHRINKS = 20


def python_client(*extra: str) -> list[str]:
    return [*PYTHON_CLIENT, *extra]


class TestCorrectClients:
    def test_the_reference_client_passes_in_async_mode(self) -> None:
        """Every generated scenario passes for a client that follows the contract."""
        report = check_client(python_client(), examples=EXAMPLES, seed=SEED)

        assert report.passed, report.failure and report.failure.findings
        assert len(report.runs) > 10
        situations = {r.case.situation for r in report.runs}
        assert {RUN, WRONG_PASSWORD} <= situations

    def test_the_reference_client_passes_in_sync_mode(self) -> None:
        report = check_client(python_client("--mode", "sync"), examples=15, seed=SEED)

        assert report.passed, report.failure and report.failure.findings

    def test_a_client_finding_the_task_by_name_passes(self) -> None:
        command = [*PYTHON_CLIENT, "--by-name"]
        command[3] = "{task_name}"

        report = check_client(command, examples=EXAMPLES, seed=SEED)

        assert report.passed, report.failure and report.failure.findings
        assert any(
            r.entries and r.entries[0].action == "getTaskIdByName" for r in report.runs
        )

    @pytest.mark.skipif(
        not (shutil.which("curl") and shutil.which("base64")),
        reason="the shell client needs curl and base64",
    )
    def test_the_shell_client_passes(self) -> None:
        """A curl + base64 client, passwords with quotes and backslashes included."""
        report = check_client(SHELL_CLIENT, examples=EXAMPLES, seed=SEED)

        assert report.passed, report.failure and report.failure.findings


#: Passwords a client must escape in JSON: controls, quotes, non-BMP, a final \n.
AWKWARD_PASSWORDS = ["a\nb", "tab\there", "x\n", 'q"\\', "\x01\x1f\r", "😀𝄞é"]


class TestAwkwardPasswords:
    @pytest.mark.parametrize("password", AWKWARD_PASSWORDS)
    @pytest.mark.parametrize(
        "client",
        [
            pytest.param(PYTHON_CLIENT, id="python"),
            pytest.param(
                SHELL_CLIENT,
                id="shell",
                marks=pytest.mark.skipif(
                    not (shutil.which("curl") and shutil.which("base64")),
                    reason="the shell client needs curl and base64",
                ),
            ),
        ],
    )
    def test_the_correct_clients_escape_them(
        self, client: list[str], password: str
    ) -> None:
        case = CheckCase(RUN, 1, "a", "admin@company.com", password)

        result = run_case(case, client, Options(timeout=20))

        assert result.passed, result.findings

    def test_the_generator_draws_them_and_shrinks_to_a_plain_one(self) -> None:
        def drawn(condition: Callable[[str], bool]) -> str:
            settings_ = settings(
                database=None, max_examples=2000, phases=[Phase.generate]
            )
            return find(passwords(), condition, settings=settings_)

        assert drawn(lambda p: "\n" in p)
        assert drawn(lambda p: "\t" in p)
        assert drawn(lambda p: any(ord(c) > 0xFFFF for c in p))
        assert find(passwords(), lambda p: True) == "0"
        simplest = find(check_cases(), lambda c: True)
        assert simplest.password == "0"


#: Each faulty client, the rule it breaks and words its report must contain.
FAULTS = {
    "running-is-done": ("exit-status", "before it had seen the execution end"),
    "ignores-exit-code": ("exit-status", "execBasicStatus OK and jobExitCode"),
    "ignores-return-code": ("exit-status", "was refused with returnCode"),
    "polls-after-end": ("polling", "kept polling execution"),
    "unencoded-json": ("contract", "is not Base64 of a JSON object"),
    "wrong-field": ("exit-status", "execBasicStatus ERROR and jobExitCode"),
    "bad-mode": ("contract", "field 'mode': expected one of"),
}


class TestFaultyClients:
    @pytest.mark.parametrize("bug", sorted(FAULTS))
    def test_each_fault_is_found_and_named(self, bug: str) -> None:
        rule, words = FAULTS[bug]

        report = check_client(
            python_client("--bug", bug),
            examples=EXAMPLES,
            seed=SEED,
            shrink_budget=SHRINKS,
        )

        assert not report.passed, f"{bug} went unnoticed"
        findings = report.failure.findings
        assert any(f.rule == rule and words in f.message for f in findings), findings

    def test_a_failure_is_shrunk_to_the_simplest_case(self) -> None:
        """Ignoring returnCode shows first on the simplest refusal: a bad password."""
        report = check_client(
            python_client("--bug", "ignores-return-code"), examples=EXAMPLES, seed=SEED
        )

        case = report.failure.case
        assert case.situation == WRONG_PASSWORD
        assert (case.task_id, case.task_name) == (1, "a")

    def test_a_client_that_polls_too_fast_is_flagged(self) -> None:
        options = Options(max_poll_rate=10)
        case = CheckCase(RUN, 1, "a", "admin@company.com", "admin", ({"polls": 4},))

        fast = run_case(case, python_client("--bug", "polls-too-fast"), options)
        # Sleeping 0.2 s between polls bounds the rate at 5/s, whatever the load.
        patient = run_case(case, python_client("--poll-interval", "0.2"), options)

        assert [f.rule for f in fast.findings] == ["poll-rate"]
        assert "above --max-poll-rate 10" in fast.findings[0].message
        assert patient.passed, patient.findings

    def test_a_client_that_never_ends_is_killed_and_flagged(self) -> None:
        case = CheckCase(RUN, 1, "a", "admin@company.com", "admin", ({"polls": 1},))

        result = run_case(case, python_client("--bug", "hangs"), Options(timeout=1))

        assert result.exit_status is None
        assert [f.rule for f in result.findings] == ["timeout"]


class TestCommandLine:
    def test_exit_status_and_junit_report_of_a_passing_client(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        junit = tmp_path / "check.xml"

        status = main(
            [
                "check-client",
                "--examples",
                "5",
                "--seed",
                "2",
                "--junit-xml",
                str(junit),
                "--",
                *python_client(),
            ]
        )

        assert status == 0
        assert "5 scenario(s) passed (seed 2)" in capsys.readouterr().out
        suite = ElementTree.parse(junit).getroot()
        assert suite.get("failures") == "0"
        assert int(suite.get("tests")) == len(suite.findall("testcase")) == 5

    def test_examples_n_runs_exactly_n_distinct_scenarios(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Hypothesis may draw a case twice; the client still runs N distinct ones."""
        argv = ["check-client", "--examples", "10", "--seed", "1", "--"]

        assert main([*argv, *python_client()]) == 0

        out = capsys.readouterr().out
        assert out.splitlines()[0] == "." * 10
        assert "10 scenario(s) passed (seed 1)" in out

    def test_a_failure_prints_the_case_the_requests_and_a_replay_command(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        junit = tmp_path / "check.xml"
        replays = tmp_path / "replays"
        replays.mkdir()
        argv = ["--", *python_client("--bug", "ignores-return-code")]

        status = main(
            [
                "check-client",
                "--examples",
                "10",
                "--seed",
                "1",
                "--junit-xml",
                str(junit),
                "--replay-dir",
                str(replays),
                *argv,
            ]
        )
        out = capsys.readouterr().out

        assert status == 1
        assert "FAIL  wrong password" in out
        assert '"authPass": "***"' in out
        assert "returnCode 3" in out
        replay_file = out.split("--replay ", 1)[1].split(" ", 1)[0]
        assert list(replays.iterdir()) == [Path(replay_file)]
        assert json.loads(Path(replay_file).read_text())["case"]["situation"] == (
            WRONG_PASSWORD
        )
        failures = ElementTree.parse(junit).getroot().findall("testcase/failure")
        assert failures and "refused with returnCode 3" in failures[-1].get("message")

        replayed = main(["check-client", "--replay", replay_file, *argv])
        out = capsys.readouterr().out
        assert replayed == 1
        assert "FAIL  wrong password" in out
        assert f"--replay {replay_file} " in out
        assert list(replays.iterdir()) == [Path(replay_file)]

    def test_replay_files_go_to_the_temporary_directory_one_per_failing_case(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A passing check writes none; the same failure found twice, one file."""
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        check = ["check-client", "--examples", "2", "--seed", "3", "--"]

        assert main([*check, *python_client()]) == 0
        assert list(tmp_path.iterdir()) == []

        assert main([*check, "sh", "-c", "exit 1"]) == 1
        assert main([*check, "sh", "-c", "exit 1"]) == 1
        written = list(tmp_path.iterdir())
        assert [p.name[:14] for p in written] == ["mock-tac-case-"]
        assert f"--replay {written[0]} " in capsys.readouterr().out

    def test_no_client_command_is_a_usage_error(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["check-client", "--examples", "1"]) == 2
        assert "after --" in capsys.readouterr().err


#: A client that prints the password it got, as is and JSON-escaped, then fails.
LEAKING_CLIENT = [
    sys.executable,
    "-c",
    "import json, sys; p = sys.argv[1]; "
    "print('login with', p, file=sys.stderr); "
    "print('sent', json.dumps({'authPass': p}), file=sys.stderr); "
    "print('sent', json.dumps({'authPass': p}, ensure_ascii=False), file=sys.stderr); "
    "sys.exit(1)",
    "{password}",
]


class TestPasswordsInReports:
    """A report never shows the case's password; only the replay file holds it."""

    @pytest.mark.parametrize("password", ["s3cr3t-pw", 'q"\\ \n é😀'])
    def test_the_client_output_and_the_case_are_masked(self, password: str) -> None:
        case = CheckCase(RUN, 1, "a", "admin@company.com", password)

        result = run_case(case, LEAKING_CLIENT, Options(timeout=20))
        text = describe_failure(result, "/tmp/case.json", LEAKING_CLIENT)

        assert password in result.stderr
        forms = {password, json.dumps(password)[1:-1]}
        forms.add(json.dumps(password, ensure_ascii=False)[1:-1])
        for form in forms:
            assert form not in text
            assert all(form not in f.message for f in result.findings)
        assert "its stderr ends: login with *** | sent" in result.findings[0].message
        assert '  case: {"outcome"' in text
        assert '"password": "***"' in text

    def test_an_undecodable_request_is_masked(self) -> None:
        case = CheckCase(RUN, 1, "a", "admin@company.com", "s3cr3t-pw")
        command = python_client("--bug", "unencoded-json")

        result = run_case(case, command, Options(timeout=20))
        text = describe_failure(result, None, command)

        assert [f.rule for f in result.findings][:1] == ["contract"]
        assert "s3cr3t-pw" not in text


#: A client command that is never run: usage errors stop check-client first.
NEVER_RUN = ["--", "sh", "-c", "exit 0"]


class TestUsageErrors:
    """Bad options end with exit 2 and one line on stderr, before any run."""

    @pytest.mark.parametrize(
        ("options", "words"),
        [
            (["--examples", "0"], "--examples must be at least 1, got 0"),
            (["--examples", "-3"], "--examples must be at least 1, got -3"),
            (["--timeout", "0"], "--timeout must be a positive number, got 0"),
            (["--timeout", "-1"], "--timeout must be a positive number, got -1"),
            (["--timeout", "nan"], "--timeout must be a positive number, got nan"),
            (["--max-poll-rate", "0"], "--max-poll-rate must be a positive number"),
            (["--max-poll-rate", "-2"], "--max-poll-rate must be a positive number"),
            (
                ["--junit-xml", "/nonexistent/dir/x.xml"],
                "--junit-xml /nonexistent/dir/x.xml: no such directory",
            ),
            (
                ["--replay-dir", "/nonexistent/dir"],
                "--replay-dir /nonexistent/dir: no such directory",
            ),
        ],
    )
    def test_bad_option_values(
        self, options: list[str], words: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["check-client", *options, *NEVER_RUN]) == 2
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("mock-tac check-client: ")
        assert words in captured.err
        assert captured.out == ""

    @pytest.mark.parametrize(
        ("program", "words"),
        [
            ("/nonexistent/client", "/nonexistent/client: no such file"),
            ("no-such-tac-client", "no-such-tac-client: not found on PATH"),
            ("/", "/: a directory, not a program"),
            (__file__, f"{__file__}: not executable"),
        ],
    )
    def test_a_client_that_cannot_be_started(
        self, program: str, words: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        argv = ["check-client", "--examples", "1", "--", program, "{url}"]

        assert main(argv) == 2
        captured = capsys.readouterr()
        assert captured.err.splitlines() == [
            f"mock-tac check-client: cannot start the client: {words}"
        ]
        assert captured.out == ""

    def test_a_client_the_system_cannot_execute(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An executable file in no format the system runs fails on the first run."""
        program = tmp_path / "client"
        program.write_bytes(b"\x00\x01 not a program\n")
        program.chmod(0o755)
        argv = ["check-client", "--examples", "3", "--", str(program), "{url}"]

        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.splitlines() == [
            f"mock-tac check-client: cannot start the client: {program}: "
            "Exec format error"
        ]

    @pytest.mark.parametrize(
        ("content", "words"),
        [
            (None, "cannot read it: No such file"),
            ("not json {", "not a JSON replay file"),
            ('{"case": {}}', "the case is not valid: missing field 'situation'"),
            ('{"case": {"situation": "run"}}', "missing field 'task_id'"),
            ("[1]", 'no "case" object'),
            (
                '{"case": {"situation": "dance", "task_id": 1, "task_name": "a",'
                ' "user": "u", "password": "p", "outcome": ["ok", 0]}}',
                "unknown situation 'dance'",
            ),
        ],
    )
    def test_a_replay_file_that_holds_no_case(
        self,
        content: str | None,
        words: str,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        replay = tmp_path / "case.json"
        if content is not None:
            replay.write_text(content)

        assert main(["check-client", "--replay", str(replay), *NEVER_RUN]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1
        assert err.startswith(f"mock-tac check-client: --replay {replay}")
        assert words in err

    def test_the_api_refuses_what_the_command_line_refuses(self) -> None:
        with pytest.raises(ValueError, match="examples must be at least 1"):
            check_client(["true"], examples=0)
        with pytest.raises(ValueError, match="timeout must be a positive number"):
            Options(timeout=0)
        with pytest.raises(ValueError, match="max_poll_rate must be a positive"):
            Options(max_poll_rate=float("inf"))


class TestPlaceholders:
    def test_an_unknown_placeholder_is_a_usage_error(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        status = main(["check-client", "--", "client", "{url}", "{foo}"])

        err = capsys.readouterr().err
        assert status == 2
        assert len(err.strip().splitlines()) == 1
        assert "unknown placeholder {foo}" in err
        assert "{url}, {task_id}, {task_name}, {user}, {password}" in err
        assert "write {{foo}} for a literal {foo}" in err

    def test_doubled_braces_are_literal_and_other_braces_are_kept(self) -> None:
        command = ["{{url}}", "{url}/{{foo}}", '{"a": {"b": 1}}', "{{", "}}", "{ x; }"]

        filled = fill_placeholders(command, {"url": "U"})

        assert filled == ["{url}", "U/{foo}", '{"a": {"b": 1}}', "{{", "}}", "{ x; }"]

    @pytest.mark.parametrize("arg", ["{{{url}}}", "x{{{{url}}}}y"])
    def test_a_placeholder_in_three_pairs_of_braces_is_a_usage_error(
        self, arg: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``{{{url}}}`` could mean ``{<url>}`` or ``{{url}}``: neither is guessed."""
        with pytest.raises(ValueError, match="ambiguous braces"):
            fill_placeholders([arg], {"url": "U"})

        assert main(["check-client", "--", "sh", arg]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1
        assert "write {{url}} for the literal text {url}" in err

    def test_the_client_receives_literal_braces(self) -> None:
        case = CheckCase(RUN, 1, "a", "admin@company.com", "admin")
        script = 'test "$1" = "$(printf "%stask_id}" "{")" && shift && exec "$@"'
        command = ["sh", "-c", script, "sh", "{{task_id}}"]

        result = run_case(case, [*command, *python_client()], Options())

        assert result.passed, result.findings


#: A client that records its pid and its child's, then waits for the child.
SPAWNING_CLIENT = ["sh", "-c", 'echo $$ >> "$1"; sleep 60 & echo $! >> "$1"; wait']


def started_pids(pid_file: Path, deadline: float = 20) -> list[int]:
    """The pids a SPAWNING_CLIENT wrote, once it has written both."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if pid_file.exists():
            pids = pid_file.read_text().split()
            if len(pids) == 2:
                return [int(p) for p in pids]
        time.sleep(0.05)
    raise AssertionError("the client did not start its child")


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def all_gone(pids: list[int], deadline: float = 5) -> bool:
    """Whether every pid is gone (waiting a little); kills any that is not."""
    end = time.monotonic() + deadline
    while any(alive(p) for p in pids) and time.monotonic() < end:
        time.sleep(0.05)
    survivors = [p for p in pids if alive(p)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    return not survivors


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
class TestStopping:
    """The client's whole process group goes when check-client stops it or stops."""

    def test_the_timeout_kills_what_the_client_started(self, tmp_path: Path) -> None:
        pid_file = tmp_path / "pids"
        case = CheckCase(RUN, 1, "a", "admin@company.com", "admin")

        result = run_case(case, [*SPAWNING_CLIENT, "sh", str(pid_file)], Options(1))

        pids = [int(p) for p in pid_file.read_text().split()]
        assert result.exit_status is None
        assert all_gone(pids), "the client's child outlived the timeout"

    def test_a_child_left_holding_the_output_neither_delays_nor_fails_it(
        self, tmp_path: Path
    ) -> None:
        """The client's exit decides; the child it left running is killed."""
        pid_file = tmp_path / "pids"
        script = 'sleep 30 & echo $! > "$1"; shift; exec "$@"'
        command = ["sh", "-c", script, "sh", str(pid_file), *PYTHON_CLIENT]
        case = CheckCase(RUN, 1, "a", "admin@company.com", "admin")

        started = time.monotonic()
        result = run_case(case, command, Options(timeout=5))
        seconds = time.monotonic() - started

        assert result.passed, result.findings
        assert seconds < 5
        assert all_gone([int(pid_file.read_text())]), "the child outlived the run"

    @pytest.mark.parametrize(
        ("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)]
    )
    def test_a_signal_stops_the_client_and_ends_with_one_line(
        self, signum: int, status: int, tmp_path: Path
    ) -> None:
        pid_file = tmp_path / "pids"
        checker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mock_tac",
                "check-client",
                "--examples",
                "1",
                "--",
                *SPAWNING_CLIENT,
                "sh",
                str(pid_file),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            pids = started_pids(pid_file)
            checker.send_signal(signum)
            out, err = checker.communicate(timeout=20)
        finally:
            checker.kill()
            checker.wait()
        gone = all_gone(pids)

        assert checker.returncode == status, err
        name = signal.Signals(signum).name
        assert err.strip().splitlines() == [
            f"mock-tac check-client: interrupted by {name}; the client was stopped"
        ]
        assert gone, "the client or its child outlived check-client"
