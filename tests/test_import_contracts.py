"""The house's directions hold, checked on the code rather than trusted from a drawing: the
import-linter contracts in pyproject.toml ([tool.importlinter]).

- placement uses optimizer and partners; neither imports placement, nor each other;
- the optimizer imports no web stack and no database driver;
- inside placement, jobs -> planning -> bookings -> requests -> places, never upwards (the
  pages of requests and bookings reach the planner through placement.hooks);
- no import cycles in placement, between its packages or between the modules of one.
"""

import logging
import sys
from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_the_import_contracts_hold(monkeypatch, capsys):
    monkeypatch.setattr(sys, "path", list(sys.path))  # lint_imports adds the working folder
    # lint_imports configures logging with dictConfig, which disables every logger it does
    # not name (the app's among them) for the rest of the session: put them back after.
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            monkeypatch.setattr(logger, "disabled", logger.disabled)
    passed = lint_imports(str(PYPROJECT), no_cache=True, no_logo=True) == 0
    report = capsys.readouterr().out
    assert passed, report
    assert "0 broken" in report
