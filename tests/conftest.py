"""Shared fixtures: the shipped workspace, and a writable copy of the shipped policy tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sc_policy.api import Workspace
from sc_policy.resources import shipped_policies

VERSION = "phase-1"
POLICY = "second-career-fast-track"


@pytest.fixture(scope="session")
def ws() -> Workspace:
    return Workspace()


@pytest.fixture(scope="session")
def opened(ws):
    return ws.open(VERSION)


@pytest.fixture()
def tree_copy(tmp_path) -> Path:
    """A fresh copy of the shipped policy tree that a test may edit."""
    dest = tmp_path / "policies"
    shutil.copytree(shipped_policies(), dest)
    return dest


def version_dir(root: Path) -> Path:
    return root / POLICY / VERSION
