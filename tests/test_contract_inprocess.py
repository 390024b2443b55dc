"""The in-process adapter: requests reach the mock with no socket, other mocks stay."""

from __future__ import annotations

import pytest
import requests
import responses

from mock_tac import MockTac, encode_request
from mock_tac.contract.inprocess import InProcessTac

ADMIN = {"authUser": "admin@company.com", "authPass": "admin"}


def run_task(task_id: int, mode: str = "synchronous") -> str:
    return encode_request(
        {"actionName": "runTask", **ADMIN, "taskId": task_id, "mode": mode}
    )


class TestInProcessTac:
    def test_a_get_and_a_post_are_answered_by_the_engine(self) -> None:
        with InProcessTac(MockTac(clock="virtual")) as tac:
            got = requests.get(f"{tac.url}?{run_task(1)}", timeout=5)
            posted = requests.post(tac.url, data=run_task(2), timeout=5)

            assert got.status_code == 200
            assert got.headers["Content-Type"] == "application/json;charset=UTF-8"
            assert got.json()["jobExitCode"] == 0
            assert posted.json()["jobExitCode"] == 1
            assert [e.encoding["method"] for e in tac.journal] == ["GET", "POST"]

    def test_other_paths_get_the_servlet_container_404(self) -> None:
        with InProcessTac() as tac:
            assert requests.get(f"{tac.base_url}/other", timeout=5).status_code == 404

    def test_the_users_own_responses_registrations_keep_working(self) -> None:
        """A test's own responses for other URLs answer while and after we serve."""

        @responses.activate
        def scenario() -> None:
            responses.add(responses.GET, "http://other.invalid/api", json={"own": 1})
            with InProcessTac(MockTac(clock="virtual")) as tac:
                assert requests.get("http://other.invalid/api").json() == {"own": 1}
                assert (
                    requests.post(tac.url, data=run_task(1)).json()["returnCode"] == 0
                )
            assert requests.get("http://other.invalid/api").json() == {"own": 1}
            with pytest.raises(requests.ConnectionError):
                requests.post(tac.url, data=run_task(1))

        scenario()

    def test_it_can_join_an_explicit_requests_mock(self) -> None:
        with responses.RequestsMock() as own:
            own.add(responses.GET, "http://other.invalid/x", body="mine")
            with InProcessTac(MockTac(clock="virtual"), requests_mock=own) as tac:
                assert (
                    requests.post(tac.url, data=run_task(1)).json()["returnCode"] == 0
                )
                assert requests.get("http://other.invalid/x").text == "mine"
            assert len(own.registered()) == 1

    def test_nothing_is_intercepted_once_stopped(self) -> None:
        tac = InProcessTac().start()
        tac.stop()

        assert responses.mock.registered() == []
        assert getattr(responses.mock, "_patcher", None) is None


def test_the_fixture_serves_the_fixture_mock(mock_tac_inprocess: InProcessTac) -> None:
    """The plugin's fixture: ``.url`` to configure a requests-based client."""
    reply = requests.post(mock_tac_inprocess.url, data=run_task(9), timeout=5).json()

    assert reply["returnCode"] == 5
    assert mock_tac_inprocess.journal.entries()[0].reply == reply
