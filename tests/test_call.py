"""mock-tac call: MetaServletCaller's options against a live mock."""

from __future__ import annotations

import base64
import json
import socket
import sys
from pathlib import Path

import pytest

from mock_tac import cli
from mock_tac.call import UsageError, _print_reply, encode_params, main, servlet_url
from mock_tac.server import LiveServer

CREDS = "'authUser':'admin@company.com','authPass':'admin'"


@pytest.fixture
def root(quick_server: LiveServer) -> str:
    """The web-app root, as --tac-url takes it (trailing slash, as in TAC docs)."""
    return f"{quick_server.base_url}/{quick_server.mock.context_path}/"


def first_line(out: str) -> dict:
    return json.loads(out.splitlines()[0])


class TestRequests:
    def test_single_quoted_json_as_tac_8_docs_write_it(
        self, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        params = "{'actionName':'getTaskIdByName'," + CREDS + ",'taskName':'counted'}"
        assert main(["--tac-url", root, "--json-params", params]) == 0
        reply = first_line(capsys.readouterr().out)
        assert (reply["taskId"], reply["returnCode"]) == (3, 0)

    def test_single_dash_long_forms_with_equals(
        self, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        params = '{"actionName":"getNameByTaskId",' + CREDS + ',"taskId":2}'
        assert main([f"-tac-url={root}", f"-json-params={params}"]) == 0
        assert first_line(capsys.readouterr().out)["taskName"] == "quick_error"

    def test_short_forms(self, root: str, capsys: pytest.CaptureFixture[str]) -> None:
        params = "{'actionName':'getTaskStatus'," + CREDS + ",'taskId':1}"
        assert main(["-url", root, "-json", params]) == 0
        assert first_line(capsys.readouterr().out)["status"] == "READY_TO_RUN"

    @pytest.mark.parametrize("option", ["--json-file", "--file", "-json-file"])
    def test_request_from_a_file(
        self,
        option: str,
        root: str,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        request = tmp_path / "request.json"
        request.write_text("{'actionName':'listTasks'," + CREDS + "}\n")
        assert main(["--tac-url", root, f"{option}={request}"]) == 0
        labels = [t["label"] for t in first_line(capsys.readouterr().out)["result"]]
        assert "quick_ok" in labels

    def test_format_output_indents_the_reply(
        self, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        params = "{'actionName':'getTaskStatus'," + CREDS + ",'taskId':1}"
        assert main(["-f", "--tac-url", root, "--json-params", params]) == 0
        out = capsys.readouterr().out
        assert len(out.splitlines()) > 3
        assert json.loads(out)["status"] == "READY_TO_RUN"

    def test_verbose_goes_to_stderr_and_masks_the_password(
        self, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        params = "{'actionName':'getTaskStatus'," + CREDS + ",'taskId':1}"
        assert main(["-v", "--tac-url", root, "--json-params", params]) == 0
        captured = capsys.readouterr()
        assert first_line(captured.out)["returnCode"] == 0
        assert "/metaServlet" in captured.err
        assert '"authPass": "***"' in captured.err
        assert '"authPass": "admin"' not in captured.err

    def test_error_reply_is_printed_like_any_reply(
        self, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        params = "{'actionName':'getTaskIdByName'," + CREDS + ",'taskName':'nope'}"
        assert main(["--tac-url", root, "--json-params", params]) == 0
        reply = first_line(capsys.readouterr().out)
        assert reply["returnCode"] == 5
        assert "nope" in reply["error"]

    def test_servlet_url_is_accepted_as_given(
        self, quick_server: LiveServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert (
            main(["--tac-url", quick_server.url, "-json", "{actionName:'help'}"]) == 0
        )
        assert "Generic return codes" in first_line(capsys.readouterr().out)["help"]

    def test_mock_tac_call_subcommand(
        self, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        params = "{'actionName':'getTaskIdByName'," + CREDS + ",'taskName':'parallel'}"
        assert cli.main(["call", f"-tac-url={root}", f"-json-params={params}"]) == 0
        assert first_line(capsys.readouterr().out)["taskId"] == 5


class TestHelp:
    def test_help_alone_without_url_prints_the_options(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["-h"]) == 0
        out = capsys.readouterr().out
        for option in ("--tac-url", "--json-params", "--json-file", "--format-output"):
            assert option in out

    def test_help_with_url_lists_the_servers_commands(
        self, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["--tac-url", root, "-h"]) == 0
        out = capsys.readouterr().out
        names = [ln.split()[1] for ln in out.splitlines() if ln.lstrip()[:1] == "*"]
        assert "runTask" in names and "taskLog" in names

    def test_help_of_one_command(
        self, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["--tac-url", root, "--help", "taskLog"]) == 0
        out = capsys.readouterr().out
        assert "  Command: taskLog" in out
        assert "       226: Error appears when parsing the date." in out

    def test_help_all_needs_the_url(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["--help", "all"]) == 2
        assert "--tac-url" in capsys.readouterr().err


class TestUsageErrors:
    def test_missing_url(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["--json-params", "{'actionName':'help'}"]) == 2
        assert "Missing required option: url" in capsys.readouterr().err

    def test_missing_request(
        self, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["--tac-url", root]) == 2
        assert "json-params" in capsys.readouterr().err

    @pytest.mark.parametrize("bad", ["{'actionName':", "[1, 2]", "help"])
    def test_request_that_is_not_a_json_object(
        self, bad: str, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["--tac-url", root, "--json-params", bad]) == 2
        assert capsys.readouterr().out == ""

    def test_both_request_options(
        self, root: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        request = tmp_path / "r.json"
        request.write_text("{}")
        argv = ["--tac-url", root, "-json", "{}", "--json-file", str(request)]
        assert main(argv) == 2
        assert "not both" in capsys.readouterr().err

    @pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf", "-inf"])
    def test_a_timeout_that_is_not_a_positive_number(
        self, timeout: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        argv = [
            "--tac-url",
            "http://127.0.0.1:1/",
            "-json",
            "{}",
            f"--timeout={timeout}",
        ]

        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(
            f"usage: --timeout must be a positive number of seconds, got {timeout}"
        )
        assert "Traceback" not in err

    @pytest.mark.parametrize(
        ("url", "words"),
        [
            ("http://[::1", "is not a valid URL: Invalid IPv6 URL"),
            ("http://h:99999/tac", "is not a valid URL: Port out of range"),
            ("http://:8080/tac", "must be an http:// or https:// URL"),
            ("http://h:0/tac", "names port 0"),
        ],
    )
    def test_a_url_that_cannot_be_requested(
        self, url: str, words: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["--tac-url", url, "-json", "{'actionName':'help'}"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("usage: --tac-url ")
        assert words in err.splitlines()[0]


class TestLoneSurrogates:
    """A lone surrogate escape is sent as written, as a JSON escape."""

    def test_it_goes_out_as_its_json_escape(self) -> None:
        params = json.loads(
            '{"actionName":"help","commandName":"x\\ud800\\ud83d\\ude00"}'
        )

        wire = base64.b64decode(encode_params(params)).decode("utf-8")

        assert wire == '{"actionName":"help","commandName":"x\\ud800\U0001f600"}'

    def test_the_request_is_sent_and_the_reply_printed(
        self, root: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        params = '{"actionName":"getTaskIdByName",' + CREDS.replace("'", '"')
        params += ',"taskName":"x\\ud800"}'

        assert main(["--tac-url", root, "--json-params", params]) == 0
        reply = first_line(capsys.readouterr().out)
        assert reply["returnCode"] == 5

    def test_a_reply_holding_one_is_printed_escaped(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        _print_reply({"error": "x\ud800"}, False, sys.stdout)

        assert capsys.readouterr().out == '{"error":"x\\ud800"}\n'


class TestTransportFailures:
    def test_wrong_web_app_is_reported_without_a_reply_line(
        self, quick_server: LiveServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        url = f"{quick_server.base_url}/tac/"
        assert main(["--tac-url", url, "-json", "{'actionName':'help'}"]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert "HTTP 404" in captured.err

    def test_nothing_listening(self, capsys: pytest.CaptureFixture[str]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        url = f"http://127.0.0.1:{port}/org.talend.administrator/"
        argv = ["--tac-url", url, "-json", "{'actionName':'help'}", "--timeout", "5"]
        assert main(argv) == 1
        assert "no reply" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "http://h:8080/org.talend.administrator/",
            "http://h:8080/org.talend.administrator/metaServlet",
        ),
        ("http://h:8080/tac", "http://h:8080/tac/metaServlet"),
        ("http://h/tac/metaServlet", "http://h/tac/metaServlet"),
        ("https://h/tac/metaServlet/", "https://h/tac/metaServlet"),
        ("http://h:8080", "http://h:8080/metaServlet"),
    ],
)
def test_servlet_url(given: str, expected: str) -> None:
    assert servlet_url(given) == expected


@pytest.mark.parametrize("bad", ["localhost:8080/tac", "ftp://h/tac", "http://"])
def test_servlet_url_refuses_non_http(bad: str) -> None:
    with pytest.raises(UsageError):
        servlet_url(bad)


def test_no_reply_message_never_carries_the_request(capsys) -> None:
    """The query string is the request in Base64, password included."""
    import socket

    from mock_tac.call import main as call_main

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = call_main(
        [
            f"--tac-url=http://127.0.0.1:{port}/org.talend.administrator/",
            "--json-params={'actionName':'listTasks','authUser':'a',"
            "'authPass':'SECRETPW99'}",
            "--timeout=5",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "no reply" in err
    assert "eyJ" not in err and "SECRETPW99" not in err


def test_verbose_url_masks_a_password_in_the_url(capsys, quick_server) -> None:
    from mock_tac.call import main as call_main

    root = quick_server.url.rsplit("/", 1)[0].replace("http://", "http://u:SECRETx@")
    call_main([f"--tac-url={root}/", "-v", "--json-params={'actionName':'help'}"])
    err = capsys.readouterr().err
    assert "SECRETx" not in err and "u:***@" in err
