"""Shared test set-up: offline, a private cache, the repository root."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Tests never touch the network or the user's cache.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
# Set at import, before any fixture (module-scoped ones included) can build a cache: tests
# must never read or write the user's cache.
_SESSION_CACHE = Path(tempfile.mkdtemp(prefix="topicbridge-test-cache-"))
os.environ["TOPICBRIDGE_CACHE"] = str(_SESSION_CACHE)


@pytest.fixture(scope="session")
def session_cache() -> Path:
    return _SESSION_CACHE


@pytest.fixture(autouse=True)
def _private_cache(session_cache, monkeypatch):
    monkeypatch.setenv("TOPICBRIDGE_CACHE", str(session_cache))


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def in_repo(monkeypatch) -> Path:
    """Run with the repository as the current directory (configs use relative paths)."""
    monkeypatch.chdir(ROOT)
    return ROOT


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    import shutil

    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)
