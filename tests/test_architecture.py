"""The architecture contract (.importlinter): the real tree keeps it, and a broken tree fails it.

The second and third tests copy the package, add one forbidden import, and check that
``lint-imports`` names it, so the contract is known to be able to fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports")

pytestmark = pytest.mark.skipif(LINT is None, reason="import-linter is not installed (pip install -e '.[test]')")


def _lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([LINT, "--no-cache", "--no-logo", str(root / ".importlinter")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "toolkit", tmp_path / "toolkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_package_keeps_its_contract():
    done = _lint(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize("module, line, message", [
    ("distributed/runtime.py", "from toolkit.experiment import run_experiment",
     "toolkit.distributed is not allowed to import toolkit.experiment"),
    ("sweep/points.py", "from toolkit.cli import app", "toolkit.sweep is not allowed to import toolkit.cli"),
    ("corpus/model.py", "import toolkit.topics.result", "toolkit.corpus is not allowed to import toolkit.topics"),
])
def test_an_upward_import_breaks_the_layers(tmp_path, module, line, message):
    root = _copy(tmp_path)
    _append(root / "toolkit" / module, line)
    done = _lint(root)
    assert done.returncode == 1 and message in done.stdout, done.stdout


def test_an_import_cycle_breaks_the_contract(tmp_path):
    root = _copy(tmp_path)
    # report.data already reads runs' file list; runs importing report.data closes a loop
    _append(root / "toolkit" / "runs.py", "def _late():\n    from toolkit.report import data  # noqa")
    done = _lint(root)
    assert done.returncode == 1, done.stdout
    assert "No import cycle between the modules of any package BROKEN" in done.stdout


def test_a_new_top_level_module_must_be_placed(tmp_path):
    root = _copy(tmp_path)
    (root / "toolkit" / "stray.py").write_text("X = 1\n", encoding="utf-8")
    done = _lint(root)
    assert done.returncode != 0 and "stray" in done.stdout + done.stderr, done.stdout + done.stderr


def test_the_copy_itself_keeps_the_contract(tmp_path):
    """The failures above come from the added line, not from copying."""
    done = _lint(_copy(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
