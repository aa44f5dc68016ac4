"""The optimizer stands alone: its tests run with the web stack impossible to import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ["flask", "flask_sqlalchemy", "flask_migrate", "sqlalchemy", "alembic", "psycopg",
       "werkzeug", "placement", "partners"]

# Run in a fresh interpreter: any import of WEB fails, so a conftest, plugin or test module
# that reaches for the web stack makes collection fail.
RUN = """
import importlib.abc, sys

class NoWeb(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {web!r}:
            raise ImportError(f"the optimizer's tests imported {{name}}")
        return None

sys.meta_path.insert(0, NoWeb())
import pytest
code = pytest.main(["tests/optimizer", "-q", "-p", "no:cacheprovider",
                    "-k", "validator_imports_only"])
leaked = sorted(m for m in sys.modules if m.partition(".")[0] in {web!r})
print("leaked:", leaked)
sys.exit(code or bool(leaked))
"""


def test_the_optimizer_tests_import_no_flask_sqlalchemy_or_database_driver():
    run = subprocess.run([sys.executable, "-c", RUN.format(web=set(WEB))], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "leaked: []" in run.stdout
    assert "1 passed" in run.stdout
