"""pytest fixtures for testing TAC clients against mock-tac.

Installed as a pytest plugin (entry point ``mock_tac``), so ``pip install
mock-tac`` makes these fixtures available in any test suite:

* ``mock_tac``: a fresh :class:`~mock_tac.MockTac` on the built-in scenario;
* ``mock_tac_server``: that mock served on 127.0.0.1 on a free port, for
  clients that do not use ``requests`` (any language, any HTTP library);
* ``mock_tac_inprocess``: that mock answering ``requests`` calls in this
  process through ``responses``, with no socket (``.url`` to configure the
  client with); other ``responses`` registrations keep working;
* ``mock_tac_admin``: an :class:`~mock_tac.admin.AdminClient` for
  ``mock_tac_server`` (faults, clock, executions, journal over HTTP);
* ``mock_tac_clock``: the default namespace's virtual clock, frozen until the
  test moves it (``advance``) or sets ``auto = True``;
* ``mock_tac_namespace``: a namespace name of this test's own, for tests that
  share one server.

A test, class or module can point them at another scenario with
``@pytest.mark.mock_tac_scenario("path/to/scenario.yaml")``. A relative path
is looked up next to the test file that carries the mark first, then in the
current directory, so the suite runs alike from any directory.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .admin import AdminClient
from .clock import VirtualClock
from .contract.inprocess import InProcessTac
from .mock import MockTac
from .scenario import ScenarioError
from .server import LiveServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mock_tac_scenario(path, **options): scenario file and MockTac options "
        "for the mock_tac fixtures",
    )


@pytest.fixture
def mock_tac(request: pytest.FixtureRequest) -> MockTac:
    """A fresh mock TAC (built-in scenario unless a mock_tac_scenario mark says)."""
    marker = request.node.get_closest_marker("mock_tac_scenario")
    if marker is None:
        return MockTac()
    scenario = marker.args[0] if marker.args else None
    if isinstance(scenario, str | os.PathLike):
        scenario = scenario_path(scenario, Path(request.node.path).parent)
    return MockTac(scenario, **marker.kwargs)


def scenario_path(path: str | os.PathLike[str], test_directory: Path) -> Path:
    """Where a ``mock_tac_scenario`` path points, seen from a test file.

    An absolute path is kept. A relative one is taken next to the test file
    when a file is there, else in the current directory when one is there.

    Raises:
        ScenarioError: neither place holds the file; the message names both.
    """
    path = Path(path)
    if path.is_absolute():
        return path
    beside = test_directory / path
    if beside.exists():
        return beside
    if path.exists():
        return path
    raise ScenarioError(
        str(path),
        [
            (
                "",
                f"no such scenario file next to the test file ({beside}) "
                f"nor in the current directory ({Path.cwd() / path})",
            )
        ],
    )


@pytest.fixture
def mock_tac_server(mock_tac: MockTac) -> Iterator[LiveServer]:
    """``mock_tac`` served on 127.0.0.1 on a free port; ``.url`` is its metaServlet."""
    with LiveServer(mock_tac) as server:
        yield server


@pytest.fixture
def mock_tac_inprocess(mock_tac: MockTac) -> Iterator[InProcessTac]:
    """``mock_tac`` answering ``requests`` in process, no socket; see ``.url``."""
    with InProcessTac(mock_tac) as tac:
        yield tac


@pytest.fixture
def mock_tac_admin(mock_tac_server: LiveServer) -> Iterator[AdminClient]:
    """The admin API of ``mock_tac_server``, as an :class:`AdminClient`."""
    admin = AdminClient(mock_tac_server.base_url)
    yield admin
    admin.close()


@pytest.fixture
def mock_tac_clock(mock_tac: MockTac) -> VirtualClock:
    """The default namespace's virtual clock, frozen: ``advance()`` moves it.

    A mock made with another clock is switched to a frozen virtual one, which
    only works before the default namespace has answered anything.
    """
    if mock_tac.clock_kind != "virtual":
        if "default" in mock_tac.namespaces:
            pytest.fail("mock_tac_clock must be requested before the mock is used")
        mock_tac.clock_kind = "virtual"
        mock_tac.clock_auto = False
    clock = mock_tac.engine().clock
    assert isinstance(clock, VirtualClock)
    clock.auto = False
    return clock


_namespace_numbers = itertools.count(1)


@pytest.fixture
def mock_tac_namespace(request: pytest.FixtureRequest) -> str:
    """A namespace name no other test uses (from the test's name, plus a number)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", request.node.name).strip("-._")[:48]
    return f"{stem or 'test'}-{next(_namespace_numbers)}"
