"""The dashboard's assets: vendored (no CDN), small, and shipped in the wheel."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.api.dashboard import STATIC

BUDGET_BYTES = 300 * 1024
UPLOT = STATIC / "vendor" / "uplot"


def assets() -> list[Path]:
    return [p for p in STATIC.rglob("*") if p.suffix in {".js", ".css"}]


def test_all_javascript_and_css_together_stay_under_300_kb() -> None:
    total = sum(p.stat().st_size for p in assets())
    assert total < BUDGET_BYTES, f"{total} bytes of JS and CSS"


def test_uplot_is_vendored_with_its_version_and_licence() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", (UPLOT / "VERSION").read_text().strip())
    assert (
        "MIT" in (UPLOT / "LICENSE").read_text()
        or "Permission is hereby granted" in (UPLOT / "LICENSE").read_text()
    )
    assert (UPLOT / "uPlot.iife.min.js").exists()


def test_no_page_loads_anything_from_another_host() -> None:
    templates = Path(STATIC).parent / "templates"
    for page in templates.glob("*.html"):
        assert not re.search(r"(src|href)=\"(https?:)?//", page.read_text()), page.name
