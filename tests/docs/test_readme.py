"""The README stays a quick start: a pitch, the two commands, a picture and links into the
docs, each of which leads somewhere. (``mkdocs build --strict`` checks the pages' own links.)
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_the_readme_stays_short() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 150


def test_every_file_the_readme_links_to_exists() -> None:
    targets = LINK.findall(README.read_text(encoding="utf-8"))
    local = [target.split("#")[0] for target in targets if "://" not in target]
    assert local, "the README links into the docs"
    assert [target for target in local if not (ROOT / target).is_file()] == []


def test_the_readmes_two_commands_are_make_targets() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in README.read_text(encoding="utf-8")
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target


def test_every_page_of_the_docs_is_linked_from_the_readme() -> None:
    pages = {path.name for path in (ROOT / "docs").glob("*.md")}
    linked = {Path(target).name for target in LINK.findall(README.read_text(encoding="utf-8"))}
    # The architecture page is ARCHITECTURE.md itself, which the README links.
    assert sorted(pages - linked - {"architecture.md"}) == []
