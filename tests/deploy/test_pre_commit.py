"""The pre-commit hooks run what ``make lint`` runs, with the same tools."""

from __future__ import annotations

import yaml

from tests.deploy.files import ROOT


def lint_commands() -> list[str]:
    """The commands of the Makefile's ``lint`` recipe, ``$(BIN)`` spelled out."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("lint:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip().replace("$(BIN)", ".venv/bin"))
    return recipe


def test_the_hooks_run_the_commands_of_make_lint_in_its_order() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [local] = config["repos"]
    assert local["repo"] == "local"
    hooks = local["hooks"]
    assert all(hook["language"] == "system" for hook in hooks)
    # make lint names the whole tree ("."); pre-commit passes the files it checks, but to
    # mypy, which checks pyproject's files as make lint does.
    assert [hook["entry"] for hook in hooks] == [
        command.removesuffix(" .") for command in lint_commands()
    ]
    passes_files = {hook["entry"]: hook.get("pass_filenames", True) for hook in hooks}
    assert passes_files == {
        command.removesuffix(" ."): command.endswith(" .") for command in lint_commands()
    }
