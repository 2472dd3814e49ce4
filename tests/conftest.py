"""Shared test set-up: offline, a private cache, the repository root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Tests never touch the network or the user's cache.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tbcache")


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
