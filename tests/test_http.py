"""The HTTP transport: paths, methods, headers and encodings over a live server."""

from __future__ import annotations

import base64
import http.client
import json
import logging
import time
from urllib.parse import urlsplit

import pytest
import requests

from mock_tac import MockTac
from mock_tac.protocol import encode_request
from mock_tac.server import LiveServer

from .conftest import ADMIN

RUN = {"actionName": "runTask", **ADMIN, "taskId": 5, "mode": "asynchronous"}


def raw_get(url: str, raw_query: str) -> http.client.HTTPResponse:
    """GET with the query string sent byte for byte, as a shell client does."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", f"{parts.path}?{raw_query}")
    return conn.getresponse()


class TestEncodingsOverHttp:
    @pytest.mark.parametrize(
        "options",
        [
            {},
            {"urlsafe": True},
            {"padded": False},
            {"urlsafe": True, "padded": False},
            {"percent": True},
        ],
    )
    def test_get_variants(self, quick_server: LiveServer, options: dict) -> None:
        response = raw_get(quick_server.url, encode_request(RUN, **options))
        assert response.status == 200
        assert json.loads(response.read())["returnCode"] == 0

    def test_raw_plus_in_query_is_kept(self, quick_server: LiveServer) -> None:
        params = {**RUN, "context": {"k": ">>>???"}}
        query = encode_request(params)
        assert "+" in query or "/" in query
        reply = json.loads(raw_get(quick_server.url, query).read())
        assert reply["returnCode"] == 0
        entry = quick_server.mock.engine().journal.entries()[-1]
        assert entry.params["context"] == {"k": ">>>???"}

    @pytest.mark.parametrize(
        "content_type",
        [None, "text/plain", "application/json", "application/x-www-form-urlencoded"],
    )
    def test_post_body_with_any_content_type(
        self, quick_server: LiveServer, content_type: str | None
    ) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        body = encode_request(RUN, wrap=76)
        response = requests.post(
            quick_server.url, data=body, headers=headers, timeout=10
        )
        assert response.status_code == 200
        assert response.json()["returnCode"] == 0

    def test_post_with_empty_body_reads_the_query(
        self, quick_server: LiveServer
    ) -> None:
        response = requests.post(
            f"{quick_server.url}?{encode_request(RUN)}", timeout=10
        )
        assert response.json()["returnCode"] == 0

    def test_request_headers_are_ignored(self, quick_server: LiveServer) -> None:
        headers = {"Authorization": "Bearer x", "Cookie": "JSESSIONID=1", "X-A": "b"}
        response = requests.get(
            f"{quick_server.url}?{encode_request(RUN)}", headers=headers, timeout=10
        )
        assert response.json()["returnCode"] == 0


class TestReplies:
    def test_reply_is_compact_sorted_json(self, quick_server: LiveServer) -> None:
        response = raw_get(quick_server.url, encode_request(RUN))
        assert response.getheader("Content-Type") == "application/json;charset=UTF-8"
        body = response.read().decode()
        parsed = json.loads(body)
        assert body == json.dumps(parsed, sort_keys=True, separators=(",", ":"))
        assert list(parsed) == sorted(parsed)

    def test_no_cors_headers(self, quick_server: LiveServer) -> None:
        response = requests.get(
            f"{quick_server.url}?{encode_request(RUN)}",
            headers={"Origin": "http://example.invalid"},
            timeout=10,
        )
        assert not [
            h for h in response.headers if h.lower().startswith("access-control")
        ]

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "%%%",
            "not-base64!",
            base64.b64encode(b"{oops").decode(),
            base64.b64encode(b"[1]").decode(),
            base64.b64encode(b'{"actionName":"nope"}').decode(),
            base64.b64encode('{"actionName":"é"}'.encode()).decode(),
        ],
    )
    def test_bad_input_gets_a_json_error(
        self, quick_server: LiveServer, raw: str
    ) -> None:
        response = raw_get(quick_server.url, raw)
        assert response.status == 200
        reply = json.loads(response.read())
        assert reply["returnCode"] == 2
        assert reply["error"]
        assert set(reply["executionTime"]) == {"millis", "seconds"}

    def test_bad_input_does_not_lose_recorded_state(
        self, quick_server: LiveServer
    ) -> None:
        started = requests.get(
            f"{quick_server.url}?{encode_request(RUN)}", timeout=10
        ).json()
        raw_get(quick_server.url, "garbage!!").read()
        status = {
            "actionName": "getTaskExecutionStatus",
            **ADMIN,
            "execRequestId": started["execRequestId"],
        }
        reply = requests.get(
            f"{quick_server.url}?{encode_request(status)}", timeout=10
        ).json()
        assert reply["returnCode"] == 0
        assert len(quick_server.mock.engine().journal) == 3


class TestPaths:
    @pytest.mark.parametrize(
        "path",
        [
            "/",
            "/metaServlet",
            "/org.talend.administrator/",
            "/org.talend.administrator/metaservlet",
            "/other/metaServlet",
            "/org.talend.administrator/metaServlet/extra",
            "/a/org.talend.administrator/metaServlet",
        ],
    )
    def test_other_paths_are_404_html(
        self, quick_server: LiveServer, path: str
    ) -> None:
        response = requests.get(quick_server.base_url + path, timeout=10)
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/html")
        with pytest.raises(ValueError):
            response.json()

    @pytest.mark.parametrize(
        "context", ["tac", "org.talend.administrator-8.0.1", "tac_560"]
    )
    def test_configurable_context_path(self, context: str) -> None:
        with LiveServer(MockTac(context_path=context)) as server:
            assert server.url.endswith(f"/{context}/metaServlet")
            reply = requests.get(
                f"{server.url}?{encode_request({'actionName': 'x'})}", timeout=10
            ).json()
            assert reply["returnCode"] == 2
            default = f"{server.base_url}/org.talend.administrator/metaServlet"
            assert requests.get(default, timeout=10).status_code == 404

    @pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE"])
    def test_other_methods_are_405(self, quick_server: LiveServer, method) -> None:
        response = requests.request(method, quick_server.url, data="x", timeout=10)
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"

    def test_options_lists_the_methods_without_cors(
        self, quick_server: LiveServer
    ) -> None:
        response = requests.options(
            quick_server.url, headers={"Origin": "http://x.invalid"}, timeout=10
        )
        assert response.status_code == 200
        assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
        assert not response.content
        assert not [h for h in response.headers if h.lower().startswith("access-")]

    def test_head_is_answered_like_get_without_body(
        self, quick_server: LiveServer
    ) -> None:
        """A servlet answers HEAD by running doGet: the request takes effect."""
        response = requests.head(
            f"{quick_server.url}?{encode_request(RUN)}", timeout=10
        )
        assert response.status_code == 200
        assert not response.content
        assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
        assert quick_server.mock.engine().journal.entries()[-1].return_code == 0

    @pytest.mark.parametrize("bad", ["", "a/b", "with space", "?"])
    def test_invalid_context_path_is_refused(self, bad: str) -> None:
        with pytest.raises(ValueError, match="context path"):
            MockTac(context_path=bad)


def test_log_line_of_a_faulted_request_names_the_fault(
    quick_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A request kept from the engine has no returnCode; its line says why."""
    caplog.set_level(logging.INFO, logger="mock_tac")
    quick_server.mock.add_fault(fault="empty", action="runTask")
    response = requests.get(f"{quick_server.url}?{encode_request(RUN)}", timeout=10)
    assert response.content == b""
    lines = [r.getMessage() for r in caplog.records if r.name == "mock_tac.http"]
    assert lines and "faults=empty" in lines[-1]
    assert "returnCode=None" not in lines[-1]
    assert "admin" not in lines[-1].replace("admin@company.com", "")


def test_abandoned_synchronous_run_frees_its_thread() -> None:
    """A client that gives up on a held run no longer costs the server a thread."""
    mock = MockTac(clock="virtual", clock_auto=False)
    with LiveServer(mock, threads=2) as server:
        sync = {"actionName": "runTask", **ADMIN, "taskId": 6, "mode": "synchronous"}
        for _ in range(2):
            with pytest.raises(requests.Timeout):
                requests.get(f"{server.url}?{encode_request(sync)}", timeout=0.5)
        health = requests.get(f"{server.base_url}/_admin/health", timeout=5)
        assert health.status_code == 200
        deadline = time.monotonic() + 5
        while len(mock.engine().journal.entries(action="runTask")) < 2:
            assert time.monotonic() < deadline, "a held run was never released"
            time.sleep(0.05)
        entries = mock.engine().journal.entries(action="runTask")
        assert [e.return_code for e in entries] == [31, 31]
        assert "disconnected" in entries[0].reply["error"]
