"""The examples of docs/contract-kit.md run as written."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "contract-kit.md").read_text("utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.DOTALL)


def test_the_python_test_examples_pass(tmp_path: Path) -> None:
    """Each block defining a test is a test module that passes with the plugin."""
    blocks = [b for b in code_blocks("python") if "def test_" in b]
    assert len(blocks) >= 2
    for index, block in enumerate(blocks):
        (tmp_path / f"test_doc_{index}.py").write_text(block, "utf-8")

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-3000:]
    assert f"{len(blocks)} passed" in done.stdout


def test_the_try_it_commands_pass_and_fail_as_described() -> None:
    (block,) = [b for b in code_blocks("sh") if "tests/clients/tac_client.py" in b]
    commands = [
        shlex.split(line.replace("\\\n", " ").replace("python ", f"{sys.executable} "))
        for line in block.replace("\\\n", " ").strip().splitlines()
    ]
    statuses = []
    for argv in commands:
        assert argv[0] == "mock-tac"
        run = [sys.executable, "-m", "mock_tac", *argv[1:]]
        done = subprocess.run(
            run, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        statuses.append(done.returncode)

    assert statuses == [0, 1]
