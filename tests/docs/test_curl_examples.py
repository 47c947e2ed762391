"""The docs' curl examples of the allocation endpoints work as written, with the real curl.

The seed's own GET examples put JSON in the URL as it is, which curl refuses ("nested brace
in URL"); those of the docs (the HTTP API page, the plans page...) must answer 200 from a
real server.
"""

from __future__ import annotations

import json
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

DOCS = Path(__file__).parents[2] / "docs"
SEED_GETS = {
    "/api/v1/allocation/targets",
    "/api/v1/allocation/check-rebalancing",
    "/api/v1/allocation/drift-analysis",
}
DOCUMENTED_SERVER = re.compile(r"^(http://)?(localhost|127\.0\.0\.1):8012")


def shell_commands(text: str) -> Iterator[list[str]]:
    """Each command of the ``sh`` blocks of a page, as the shell would split it."""
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
    """Every page's curl commands of the allocation endpoints."""
    return [
        words
        for page in sorted(DOCS.glob("**/*.md"))
        for words in shell_commands(page.read_text(encoding="utf-8"))
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


def test_the_docs_show_each_of_the_seeds_endpoints_with_curl() -> None:
    examples = allocation_examples()
    # A URL may leave out the scheme (curl's default): ``localhost:8012/api/...``.
    urls = [DOCUMENTED_SERVER.sub("http://127.0.0.1:8012", url_of(words)) for words in examples]
    shown = {urlsplit(url).path for url in urls}
    assert shown >= SEED_GETS | {"/api/v1/allocation/calculate"}


def real_curl() -> str:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    return curl


def run_curl(words: list[str], server: str, *more: str) -> subprocess.CompletedProcess[str]:
    """The documented command, sent to ``server`` instead of the documented one."""
    argv = [real_curl(), *(DOCUMENTED_SERVER.sub(server, word) for word in words[1:]), *more]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.slow
def test_the_docs_allocation_examples_answer_200_from_the_real_curl(server: str) -> None:
    for words in allocation_examples():
        result = run_curl(words, server, "-o", "/dev/null", "-w", "%{http_code}")
        assert (result.returncode, result.stdout) == (0, "200"), (shlex.join(words), result)


@pytest.mark.slow
def test_the_plans_pages_calculate_example_buys_what_the_page_says(server: str) -> None:
    """ "The plan buys 2 VTI (500; a third would overshoot) and 4 BND (400), 100 left over."""
    page = (DOCS / "plans.md").read_text(encoding="utf-8")
    [words] = [w for w in shell_commands(page) if w[0] == "curl" and "/calculate" in url_of(w)]
    result = run_curl(words, server)
    plan = json.loads(result.stdout)["plan"]
    trades = [(t["side"], t["shares"], t["symbol"]) for a in plan["actions"] for t in a["trades"]]
    assert (trades, plan["leftover"]) == ([("BUY", 2, "VTI"), ("BUY", 4, "BND")], 100)
