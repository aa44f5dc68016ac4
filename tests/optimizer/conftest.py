"""Fixtures for the optimizer tests: the shared checker and instances when present."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from opt_support import SHARED


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return SHARED


@pytest.fixture(scope="session")
def checker(shared: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_plan", shared / "tools/check_plan.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
