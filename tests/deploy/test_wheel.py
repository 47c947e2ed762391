"""The wheel the Dockerfile installs: it carries the migrations, the message templates and
the dashboard's pages and assets, and a copy installed outside the source tree can migrate a
database."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.deploy.files import ROOT

pytestmark = pytest.mark.slow

TIMEOUT = 300


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built as the Dockerfile builds it (``pip wheel --no-deps``), without build isolation:
    hatchling comes with the dev extras, so no network is needed."""
    out = tmp_path_factory.mktemp("wheel")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*pip_wheel, "--quiet", "--wheel-dir", str(out), str(ROOT)],
        check=True,
        timeout=TIMEOUT,
    )
    [built] = out.glob("allocation_monitor-*.whl")
    return built


def test_the_wheel_carries_the_migrations_and_the_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"monitor/migrations/env.py", "monitor/migrations/script.py.mako"} <= names
    versions = {n for n in names if n.startswith("monitor/migrations/versions/")}
    in_tree = {
        f"monitor/migrations/versions/{p.name}" for p in (ROOT / "migrations/versions").glob("*.py")
    }
    assert versions >= in_tree and in_tree
    templates = {n for n in names if n.startswith("monitor/notify/templates/")}
    assert templates == {
        f"monitor/notify/templates/{p.name}"
        for p in (ROOT / "monitor/notify/templates").glob("*.j2")
    }
    assert not any("__pycache__" in n or n.startswith("tests/") for n in names)


def test_the_wheel_carries_the_dashboards_templates_and_vendored_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    dashboard = ROOT / "monitor" / "dashboard"
    files = [*(dashboard / "templates").glob("*.html"), *(dashboard / "static").rglob("*.*")]
    assert {f"monitor/api/dashboard/{p.relative_to(dashboard)}" for p in files} <= names
    assert "monitor/api/dashboard/static/vendor/uplot/LICENSE" in names


def test_an_installed_wheel_migrates_a_database_from_outside_the_source_tree(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip_install = [sys.executable, "-m", "pip", "--python", str(python), "install"]
    subprocess.run(
        [*pip_install, "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=TIMEOUT,
    )
    # The dependencies come from the project's venv; the package itself only from the wheel
    # (a path in a .pth file is not a site dir, so the editable install there is ignored).
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import monitor; print(monitor.__file__)"],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(venv)), where
    upgraded = subprocess.run(
        [str(venv / "bin" / "allocation-monitor"), "db", "upgrade"],
        cwd=work,
        env={"PATH": "/usr/bin:/bin", "MONITOR_DATABASE__URL": f"sqlite:///{work / 'm.db'}"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert "upgraded from an empty database to revision" in upgraded.stdout
    assert (work / "m.db").is_file()
