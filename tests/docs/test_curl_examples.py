"""The README's curl examples of the allocation endpoints work as written, with the real curl.

The seed's own GET examples put JSON in the URL as it is, which curl refuses ("nested brace
in URL"); the README's must answer 200 from a real server.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from monitor.api.app import create_app
from monitor.settings import Settings

README = Path(__file__).parents[1] / "README.md"
SEED_GETS = {
    "/api/v1/allocation/targets",
    "/api/v1/allocation/check-rebalancing",
    "/api/v1/allocation/drift-analysis",
}
DOCUMENTED_SERVER = re.compile(r"^(http://)?(localhost|127\.0\.0\.1):8012")


def shell_commands(text: str) -> Iterator[list[str]]:
    """Each command of the README's ``sh`` blocks, as the shell would split it."""
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        pending = ""
        for line in block.replace("\\\n", " ").splitlines():
            pending = f"{pending}\n{line}" if pending else line
            try:
                words = shlex.split(pending, comments=True)
            except ValueError:  # a quoted argument goes on over the next line
                continue
            pending = ""
            if words:
                yield words


def url_of(words: list[str]) -> str:
    [url] = [word for word in words if DOCUMENTED_SERVER.match(word)]
    return url


def allocation_examples() -> list[list[str]]:
    return [
        words
        for words in shell_commands(README.read_text(encoding="utf-8"))
        if words[0] == "curl" and "/api/v1/allocation/" in url_of(words)
    ]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    config = uvicorn.Config(
        create_app(Settings()), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running.started, "the API did not start"
    port = running.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


def test_the_readme_shows_each_of_the_seeds_get_endpoints_with_curl() -> None:
    shown = {urlsplit(url_of(words)).path for words in allocation_examples()}
    assert shown >= SEED_GETS


@pytest.mark.slow
def test_the_readmes_allocation_examples_answer_200_from_the_real_curl(server: str) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    for words in allocation_examples():
        argv = [curl, *(DOCUMENTED_SERVER.sub(server, word) for word in words[1:])]
        result = subprocess.run(
            [*argv, "-o", "/dev/null", "-w", "%{http_code}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert (result.returncode, result.stdout) == (0, "200"), (shlex.join(words), result)
