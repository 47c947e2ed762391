"""Writes the CLI reference into ``cli.md`` at build time, from the Typer app itself.

Typer's own generator (``typer monitor.cli utils docs``) renders every command's help,
options and arguments as Markdown, so the reference is never written by hand and cannot
drift from ``--help``. (mkdocs-click reads click's classes; Typer now carries its own copy
of click, whose options mkdocs-click does not recognise, and leaves out.)
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

MARKER = "<!-- cli-reference -->"
TYPER_DOCS = ("-m", "typer", "monitor.cli", "utils", "docs", "--name", "allocation-monitor")
PAGE = "cli.md"
HEADING = re.compile(r"^(#+) ", flags=re.MULTILINE)


def generated() -> str:
    """Typer's Markdown for the ``allocation-monitor`` command, every command below it."""
    result = subprocess.run(
        [sys.executable, *TYPER_DOCS],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the CLI reference could not be generated:\n{result.stderr}")
    # Under the page's own title: every heading one level down.
    return HEADING.sub(r"#\1 ", result.stdout)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise RuntimeError(f"{PAGE} lacks the line {MARKER} where the reference goes")
    return markdown.replace(MARKER, generated())
