"""What a command imports to start: only what it needs, never the daemon's whole stack.

Each check runs in a fresh interpreter, since this test process has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("fastapi", "sqlalchemy", "apprise", "uvicorn", "alembic")
# What running a command takes, not listing it: --help names every command without them.
RUNNING = ("pydantic_settings", "monitor.settings", "monitor.sources", "starlette")


def imported_after(code: str, watched: tuple[str, ...] = HEAVY) -> list[str]:
    """Which of ``watched`` a fresh interpreter holds after running ``code``."""
    report = f"import json, sys; print(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported: list[str] = json.loads(done.stdout.splitlines()[-1])
    return imported


@pytest.mark.parametrize(
    "code",
    [
        "import monitor.cli",
        "import monitor.cli, typer.main\n"
        "typer.main.get_command(monitor.cli.app).get_command(None, 'check')",
    ],
    ids=["import monitor.cli", "the check command built"],
)
def test_the_command_group_and_check_import_no_store_api_or_apprise(code: str) -> None:
    assert imported_after(code) == []


def test_the_command_group_loads_no_settings_sources_or_web_framework() -> None:
    assert imported_after("import monitor.cli", RUNNING) == []


def test_loading_a_config_imports_no_source_library_it_does_not_use() -> None:
    # The example's source is a JSON file: no statement, ledger or HTTP library is needed.
    config = Path(__file__).resolve().parents[2] / "config" / "allocation-monitor.toml"
    code = (
        "from pathlib import Path\n"
        "from monitor.settings import load_settings\n"
        f"load_settings(Path({str(config)!r}))"
    )
    assert imported_after(code, ("beancount", "ofxtools", "httpx")) == []
