"""The pytest plugin finds a marked scenario file from wherever pytest runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mock_tac.pytest_plugin import scenario_path
from mock_tac.scenario import ScenarioError

SCENARIO = "tasks:\n  - id: 7\n    label: {label}\n"

TEST_MODULE = """
import pytest


@pytest.mark.mock_tac_scenario("scenarios/mine.yaml", clock="virtual")
def test_the_marked_scenario_is_served(mock_tac):
    assert [t.label for t in mock_tac.scenario.tasks] == ["{label}"]
"""


def run_pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_suite(root: Path, label: str) -> Path:
    """A test directory holding a test module and its scenario file."""
    tests = root / "project" / "tests"
    (tests / "scenarios").mkdir(parents=True)
    (tests / "scenarios" / "mine.yaml").write_text(SCENARIO.format(label=label))
    (tests / "test_marked.py").write_text(TEST_MODULE.format(label=label))
    return tests


class TestScenarioMark:
    def test_a_relative_path_is_found_next_to_the_test_file(
        self, tmp_path: Path
    ) -> None:
        """Run from two directories above the tests: the file is still found."""
        write_suite(tmp_path, "beside_the_test")

        done = run_pytest(tmp_path, "project/tests/test_marked.py")

        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert "1 passed" in done.stdout

    def test_the_current_directory_is_the_fallback(self, tmp_path: Path) -> None:
        tests = write_suite(tmp_path, "in_the_cwd")
        (tests / "scenarios").rename(tmp_path / "scenarios")

        done = run_pytest(tmp_path, "project/tests/test_marked.py")

        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


class TestScenarioPath:
    def test_the_file_beside_the_test_wins(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (tmp_path / "tests").mkdir()
        (tmp_path / "tests" / "s.yaml").write_text("{}")
        (tmp_path / "s.yaml").write_text("{}")
        monkeypatch.chdir(tmp_path)

        assert scenario_path("s.yaml", tmp_path / "tests") == tmp_path / "tests/s.yaml"

    def test_an_absolute_path_is_kept(self, tmp_path: Path) -> None:
        absolute = tmp_path / "elsewhere.yaml"

        assert scenario_path(str(absolute), tmp_path / "tests") == absolute

    def test_a_missing_file_names_both_places_tried(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)

        with pytest.raises(ScenarioError) as raised:
            scenario_path("nope.yaml", tmp_path / "tests")

        message = str(raised.value)
        assert str(tmp_path / "tests" / "nope.yaml") in message
        assert str(tmp_path / "nope.yaml") in message
