"""The admin API: routes, errors, token, OpenAPI document and schemathesis."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import requests
import schemathesis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from mock_tac import MockTac
from mock_tac.admin import TOKEN_HEADER, AdminClient, openapi_document
from mock_tac.http import create_app
from mock_tac.mock import validate_context_path
from mock_tac.protocol import encode_request
from mock_tac.server import LiveServer, is_loopback

ADMIN = {"authUser": "admin@company.com", "authPass": "admin"}


@pytest.fixture
def mock() -> MockTac:
    return MockTac(clock="virtual", clock_auto=False)


@pytest.fixture
def client(mock: MockTac) -> FlaskClient:
    return create_app(mock).test_client()


def servlet(client: FlaskClient, namespace: str | None = None, **params: Any) -> dict:
    prefix = f"/ns/{namespace}" if namespace else ""
    query = encode_request({**ADMIN, **params})
    return client.get(f"{prefix}/org.talend.administrator/metaServlet?{query}").json


def start(client: FlaskClient, task: int = 4, namespace: str | None = None) -> str:
    reply = servlet(
        client, namespace, actionName="runTask", taskId=task, mode="asynchronous"
    )
    return reply["execRequestId"]


class TestRoutes:
    """Each route does what the OpenAPI document says."""

    def test_health(self, client: FlaskClient):
        response = client.get("/_admin/health")
        assert response.status_code == 200
        assert response.content_type == "application/json"
        assert response.json["status"] == "ok"
        assert response.json["contextPath"] == "org.talend.administrator"

    def test_openapi_is_the_shipped_document(self, client: FlaskClient):
        document = client.get("/_admin/openapi.json").json
        assert document == openapi_document()
        assert document["openapi"].startswith("3.")

    def test_fault_schema_matches_the_scenario_schema(self):
        """The admin API and scenario files accept the same fault rules."""
        text = resources.files("mock_tac").joinpath("schemas/scenario.schema.json")
        scenario_schema = json.loads(text.read_text("utf-8"))
        fault = openapi_document()["components"]["schemas"]["Fault"]
        assert fault == scenario_schema["$defs"]["fault"]

    def test_executions_and_their_state(self, client: FlaskClient):
        rid = start(client)
        (listed,) = client.get("/_admin/ns/default/executions").json["executions"]
        assert listed["execRequestId"] == rid
        assert listed["state"] == "running"

        url = f"/_admin/ns/default/executions/{rid}/state"
        changed = client.put(url, json={"state": "error", "exit_code": 7})
        assert changed.status_code == 200
        assert changed.json["state"] == "error"
        reply = servlet(client, actionName="getTaskExecutionStatus", execRequestId=rid)
        assert (reply["execBasicStatus"], reply["jobExitCode"]) == ("ERROR", 7)

        again = client.put(url, json={"state": "running"})
        assert again.status_code == 409
        assert "has ended" in again.json["error"]

    def test_unknown_execution_is_404(self, client: FlaskClient):
        response = client.get("/_admin/ns/default/executions/1_nope")
        assert response.status_code == 404
        assert response.json == {"error": "no execution 1_nope"}

    def test_bad_state_is_400(self, client: FlaskClient):
        rid = start(client)
        url = f"/_admin/ns/default/executions/{rid}/state"
        response = client.put(url, json={"state": "exploded"})
        assert response.status_code == 400
        assert "'state' must be one of" in response.json["error"]

    def test_tasks_count_runs(self, client: FlaskClient):
        start(client, 6)
        start(client, 6)
        tasks = {
            t["id"]: t for t in client.get("/_admin/ns/default/tasks").json["tasks"]
        }
        assert tasks[6]["runs"] == 2
        assert tasks[6]["running"] == 2
        assert tasks[1]["runs"] == 0

    def test_clock_advance_ends_a_job(self, client: FlaskClient):
        rid = start(client, 4)
        before = client.get("/_admin/ns/default/clock").json
        assert (before["kind"], before["auto"]) == ("virtual", False)
        moved = client.post("/_admin/ns/default/clock", json={"advance": 3600})
        assert moved.json["now"] == pytest.approx(before["now"] + 3600)
        reply = servlet(client, actionName="getTaskExecutionStatus", execRequestId=rid)
        assert reply["execDetailedStatus"] == "ENDED_OK"

    def test_wall_clock_cannot_move(self):
        client = create_app(MockTac()).test_client()
        response = client.post("/_admin/ns/default/clock", json={"advance": 1})
        assert response.status_code == 409
        assert "only a virtual clock" in response.json["error"]

    def test_faults_add_list_clear(self, client: FlaskClient):
        added = client.post(
            "/_admin/ns/default/faults",
            json=[
                {"fault": "launch_error", "action": "runTask"},
                {"fault": "empty", "action": "help"},
            ],
        )
        assert added.status_code == 201
        assert [f["fault"] for f in added.json["faults"]] == ["launch_error", "empty"]
        run = {"actionName": "runTask", "taskId": 1, "mode": "asynchronous"}
        assert servlet(client, **run)["returnCode"] == 30
        listed = client.get("/_admin/ns/default/faults").json["faults"]
        assert [(f["seen"], f["fired"]) for f in listed] == [(1, 1), (0, 0)]

        assert client.delete("/_admin/ns/default/faults").json == {"faults": []}
        assert client.get("/_admin/ns/default/faults").json == {"faults": []}
        assert servlet(client, **run)["returnCode"] == 0

    def test_invalid_fault_names_the_field(self, client: FlaskClient):
        response = client.post(
            "/_admin/ns/default/faults", json={"fault": "http_error", "status": 404}
        )
        assert response.status_code == 400
        assert response.json["problems"][0]["path"] == "faults[0].status"

    def test_restart_forgets_executions(self, client: FlaskClient):
        rid = start(client)
        assert client.post("/_admin/ns/default/restart").json == {"forgotten": 1}
        reply = servlet(client, actionName="getTaskExecutionStatus", execRequestId=rid)
        assert reply["returnCode"] == 5

    def test_journal_masks_passwords(self, client: FlaskClient):
        start(client)
        servlet(client, actionName="listTasks")
        journal = client.get("/_admin/ns/default/journal?action=runTask").json
        assert journal["count"] == 1
        (entry,) = journal["entries"]
        assert entry["params"]["authPass"] == "***"
        assert "admin" not in json.dumps(entry["params"]["authPass"])
        limited = client.get("/_admin/ns/default/journal?limit=1").json
        assert [e["action"] for e in limited["entries"]] == ["listTasks"]

    def test_scenario_replace_and_errors(self, client: FlaskClient):
        scenario = {"tasks": [{"id": 9, "label": "only_one"}]}
        replaced = client.put("/_admin/scenario", json=scenario)
        assert replaced.status_code == 200
        assert replaced.json["tasks"] == [
            {"id": 9, "label": "only_one", "concurrent": False}
        ]
        bad = client.put("/_admin/scenario", json={"tasks": [{"id": 0}]})
        assert bad.status_code == 400
        paths = {p["path"] for p in bad.json["problems"]}
        assert {"tasks[0]", "tasks[0].id"} <= paths

    def test_reset_all(self, client: FlaskClient):
        start(client)
        start(client, namespace="other")
        assert set(client.post("/_admin/reset").json["reset"]) == {"default", "other"}
        assert client.get("/_admin/ns/default/executions").json["executions"] == []

    def test_errors_are_json(self, client: FlaskClient):
        for method, url, status in [
            ("get", "/_admin/nowhere", 404),
            ("delete", "/_admin/health", 405),
            ("post", "/_admin/ns/bad name/reset", 400),
            ("get", "/_admin/ns/a%0Ab/tasks", 404),
        ]:
            response = getattr(client, method)(url)
            assert response.status_code == status, url
            assert response.content_type == "application/json"
            assert "error" in response.json
        assert client.delete("/_admin/health").headers["Allow"] == "GET, HEAD"
        body = client.post(
            "/_admin/ns/default/clock", data="{", content_type="application/json"
        )
        assert body.status_code == 400
        assert "not JSON" in body.json["error"]


class TestPrefix:
    """The admin prefix never collides with a MetaServlet URL."""

    def test_no_admin_route_ends_in_metaservlet(self, client: FlaskClient):
        from mock_tac.admin import _ROUTES

        assert all(not path.endswith("metaServlet") for path, _, _ in _ROUTES)
        response = client.get("/_admin/metaServlet")
        assert response.status_code == 404
        assert response.content_type == "application/json"

    def test_admin_is_not_a_context_path(self):
        with pytest.raises(ValueError, match="reserved"):
            validate_context_path("_admin")

    def test_context_path_named_like_a_route(self):
        """A context called ``health`` still serves MetaServlet."""
        client = create_app(MockTac(context_path="health")).test_client()
        query = encode_request({"actionName": "help"})
        assert client.get(f"/health/metaServlet?{query}").json["returnCode"] == 0
        assert client.get("/_admin/health").json["contextPath"] == "health"


class TestAccess:
    """The admin API is off on public addresses unless a token is set."""

    @pytest.mark.parametrize(
        ("host", "loopback"),
        [
            ("127.0.0.1", True),
            ("::1", True),
            ("localhost", True),
            ("0.0.0.0", False),
            ("192.168.1.10", False),
        ],
    )
    def test_loopback(self, host: str, loopback: bool):
        assert is_loopback(host) is loopback

    def test_disabled(self, mock: MockTac):
        client = create_app(mock, admin_enabled=False).test_client()
        response = client.get("/_admin/health")
        assert response.status_code == 404
        assert "--admin-token" in response.json["error"]
        query = encode_request({"actionName": "help"})
        assert client.get(f"/org.talend.administrator/metaServlet?{query}").json

    def test_token(self, mock: MockTac):
        client = create_app(mock, admin_token="s3cret").test_client()
        assert client.get("/_admin/health").status_code == 401
        wrong = client.get("/_admin/health", headers={TOKEN_HEADER: "nope"})
        assert wrong.status_code == 401
        right = client.get("/_admin/health", headers={TOKEN_HEADER: "s3cret"})
        assert right.status_code == 200

    @pytest.mark.parametrize("token", ["", " "])
    def test_empty_token_is_refused(self, mock: MockTac, token: str):
        """An empty token would open the admin API to anyone."""
        with pytest.raises(ValueError, match="admin token must not be empty"):
            create_app(mock, admin_token=token)
        with pytest.raises(ValueError, match="admin token must not be empty"):
            LiveServer(mock, host="0.0.0.0", admin_token=token)

    def test_missing_or_empty_header_never_matches(self, mock: MockTac):
        client = create_app(mock, admin_token="s3cret").test_client()
        for headers in [{}, {TOKEN_HEADER: ""}, {TOKEN_HEADER: " "}]:
            assert client.get("/_admin/health", headers=headers).status_code == 401

    def test_live_server_with_token(self):
        with LiveServer(MockTac(), admin_token="t0ken") as server:
            assert server.admin_enabled
            denied = requests.get(f"{server.admin_url}/health", timeout=5)
            assert denied.status_code == 401
            admin = AdminClient(server.base_url, token="t0ken")
            assert admin.health()["status"] == "ok"


class TestAdminClient:
    """AdminClient drives a live server."""

    @pytest.fixture
    def server(self) -> Iterator[LiveServer]:
        with LiveServer(MockTac(clock="virtual", clock_auto=False)) as live:
            yield live

    def test_flow(self, server: LiveServer):
        admin = AdminClient(server.base_url)
        query = encode_request(
            {**ADMIN, "actionName": "runTask", "taskId": 4, "mode": "asynchronous"}
        )
        rid = requests.get(f"{server.url}?{query}", timeout=5).json()["execRequestId"]
        assert [e["execRequestId"] for e in admin.executions()] == [rid]
        admin.advance_clock(3600)
        assert admin.executions()[0]["state"] == "ok"
        admin.add_fault(fault="http_error", status=503)
        assert requests.get(f"{server.url}?{query}", timeout=5).status_code == 503
        assert admin.journal()["entries"][-1]["transport"]["faults"] == ["http_error"]
        admin.clear_faults()
        assert admin.restart() == 1
        admin.reset()
        assert admin.executions() == []
        with pytest.raises(requests.HTTPError, match="400"):
            admin.advance_clock(-1)


# -- schemathesis --------------------------------------------------------------

#: Operations whose input has rules JSON Schema cannot state (unique task ids
#: and labels, which fields apply to which fault kind): a schema-valid body may
#: still be refused with a 400 naming the problem.
SEMANTIC_CHECKS = {"putScenario", "putNamespaceScenario", "addFaults"}

schema = schemathesis.openapi.from_wsgi(
    "/_admin/openapi.json", create_app(MockTac(clock="virtual"))
)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_admin_api_conforms_to_its_openapi_document(case: Any) -> None:
    """Every admin route answers as documented, for valid and invalid input."""
    operation_id = case.operation.definition.raw.get("operationId")
    excluded = [positive_data_acceptance] if operation_id in SEMANTIC_CHECKS else []
    case.call_and_validate(excluded_checks=excluded)


class TestFixtures:
    """The pytest fixtures for admin controls."""

    def test_admin_fixture(self, mock_tac_admin: AdminClient, mock_tac_server):
        mock_tac_admin.add_fault(fault="http_error", status=500)
        query = encode_request({"actionName": "help"})
        response = requests.get(f"{mock_tac_server.url}?{query}", timeout=5)
        assert response.status_code == 500

    def test_clock_fixture(self, mock_tac: MockTac, mock_tac_clock):
        run = {**ADMIN, "actionName": "runTask", "taskId": 4, "mode": "asynchronous"}
        rid = mock_tac.engine().call(run)["execRequestId"]
        status = {**ADMIN, "actionName": "getTaskExecutionStatus", "execRequestId": rid}
        assert mock_tac.engine().call(status)["execBasicStatus"] == "RUNNING"
        mock_tac_clock.advance(3600)
        assert mock_tac.engine().call(status)["execBasicStatus"] == "OK"

    def test_namespace_fixture(self, mock_tac: MockTac, mock_tac_namespace: str):
        assert mock_tac_namespace.startswith("test_namespace_fixture-")
        assert mock_tac.engine(mock_tac_namespace) is not mock_tac.engine()


class TestUntrustedInput:
    """Hostile input gets a JSON answer and leaves nothing unserialisable stored."""

    def test_lone_surrogate_echoed_in_a_metaservlet_error(self, client: FlaskClient):
        for params in [
            {"actionName": "getTaskStatus", "taskId": "\ud800"},
            {"actionName": "getTaskIdByName", "taskName": "x\udfff"},
            {"actionName": "help", "commandName": "\ud800"},
            {"actionName": "\ud800"},
        ]:
            query = encode_request({**ADMIN, **params})
            response = client.get(f"/org.talend.administrator/metaServlet?{query}")
            assert response.status_code == 200
            assert "\ufffd" in response.json["error"]
        journal = client.get("/_admin/ns/default/journal")
        assert journal.status_code == 200
        assert journal.json["count"] == 4

    def test_lone_surrogate_in_a_run_context(self, client: FlaskClient):
        reply = servlet(
            client,
            actionName="runTask",
            taskId=4,
            mode="asynchronous",
            context={"\udc00": "a\ud800"},
        )
        assert reply["returnCode"] == 0
        (execution,) = client.get("/_admin/ns/default/executions").json["executions"]
        assert execution["context"] == {"\ufffd": "a\ufffd"}

    def test_lone_surrogate_in_a_scenario(self, client: FlaskClient):
        body = '{"users": [{"login": "u\\ud800", "password": "p"}],'
        body += ' "tasks": [{"id": 1, "label": "t\\udc00"}]}'
        for url in ["/_admin/scenario", "/_admin/ns/other/scenario"]:
            response = client.put(url, data=body, content_type="application/json")
            assert response.status_code == 200
            assert response.json["tasks"][0]["label"] == "t\ufffd"
            assert response.json["users"] == ["u\ufffd"]
        reply = servlet(client, "other", actionName="listTasks")
        assert reply["returnCode"] == 3
        auth = {"authUser": "u\ufffd", "authPass": "p", "actionName": "listTasks"}
        query = encode_request(auth)
        listed = client.get(f"/ns/other/org.talend.administrator/metaServlet?{query}")
        assert listed.json["result"][0]["label"] == "t\ufffd"

    def test_lone_surrogate_in_a_fault_message(self, client: FlaskClient):
        body = '{"fault": "unknown_error", "message": "\\ud800"}'
        added = client.post(
            "/_admin/ns/default/faults", data=body, content_type="application/json"
        )
        assert added.status_code == 201
        assert added.json["faults"][0]["message"] == "\ufffd"
        assert servlet(client, actionName="listTasks")["error"] == "\ufffd"
        assert client.get("/_admin/ns/default/faults").status_code == 200

    def test_deeply_nested_request(self, client: FlaskClient):
        for text in [
            '{"actionName": "help", "x": ' + "[" * 600 + "]" * 600 + "}",
            "{'actionName': 'help', 'x': " + "[" * 120 + "]" * 120 + "}",
        ]:
            query = base64.b64encode(text.encode()).decode()
            response = client.get(f"/org.talend.administrator/metaServlet?{query}")
            assert response.status_code == 200
            assert response.json["returnCode"] == 2
            assert "nested too deeply" in response.json["error"]
        assert client.get("/_admin/ns/default/journal").json["count"] == 2

    def test_deeply_nested_admin_body(self, client: FlaskClient):
        body = '{"fault": "unknown_error", "x": ' + "[" * 2000 + "]" * 2000 + "}"
        response = client.post(
            "/_admin/ns/default/faults", data=body, content_type="application/json"
        )
        assert response.status_code == 400
        assert "nested too deeply" in response.json["error"]
        assert client.get("/_admin/ns/default/faults").json == {"faults": []}

    @pytest.mark.parametrize(
        "body",
        [
            '{"tasks": [{"id": 1, "label": "a", "lifecycle": '
            '{"phases": [{"seconds": NaN}]}}]}',
            '{"tasks": [{"id": 1, "label": "a", "lifecycle": '
            '{"phases": [{"seconds": 1e400}]}}]}',
        ],
    )
    def test_non_finite_scenario_is_refused(self, client: FlaskClient, body: str):
        before = client.get("/_admin/scenario").json
        response = client.put(
            "/_admin/scenario", data=body, content_type="application/json"
        )
        assert response.status_code == 400
        assert "tasks[0].lifecycle.phases[0].seconds" in response.json["error"]
        assert client.get("/_admin/scenario").json == before
        assert servlet(client, actionName="listTasks")["returnCode"] == 0

    @pytest.mark.parametrize(
        "body",
        [
            '{"fault": "latency", "seconds": NaN}',
            '{"fault": "unknown_error", "probability": NaN}',
            '[{"fault": "latency", "seconds": Infinity}]',
        ],
    )
    def test_non_finite_fault_is_refused(self, client: FlaskClient, body: str):
        response = client.post(
            "/_admin/ns/default/faults", data=body, content_type="application/json"
        )
        assert response.status_code == 400
        assert "not finite" in response.json["error"]
        assert client.get("/_admin/ns/default/faults").json == {"faults": []}

    def test_non_finite_request_leaves_the_journal_readable(self, client: FlaskClient):
        text = '{"actionName": "getTaskStatus", "taskId": NaN}'
        query = base64.b64encode(text.encode()).decode()
        reply = client.get(f"/org.talend.administrator/metaServlet?{query}").json
        assert reply["returnCode"] == 2
        mock_engine_call = client.application.config["MOCK_TAC"].engine().call
        assert (
            mock_engine_call({"actionName": "help", "x": float("inf")})["returnCode"]
            == 2
        )
        assert client.get("/_admin/ns/default/journal").json["count"] == 2
