"""The http kind against a real HTTP server on 127.0.0.1: answers, failures and retries."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import ConfigError, SourceError
from monitor.sources.http import HttpSource
from tests.fixtures.holdings import SEED_HOLDINGS
from tests.fixtures.sources import LoadSource, failure, rows

TOKEN = "s3cret-token-value"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: str = json.dumps(SEED_HOLDINGS)
    content_type: str | None = "application/json"
    delay: float = 0.0
    location: str | None = None


class StubServer(ThreadingHTTPServer):
    """Answers each path with its queued replies in turn, the last one ever after."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), StubHandler)
        self.replies: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.server_address[1]}{path}"

    def serve(self, path: str, *replies: Reply) -> str:
        self.replies[path] = list(replies)
        return self.url(path)

    def next_reply(self, path: str, headers: dict[str, str]) -> Reply:
        with self.lock:
            self.requests.append((path, headers))
            queue = self.replies[path.partition("?")[0]]
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (the timeout test) is not a server failure


class StubHandler(BaseHTTPRequestHandler):
    server: StubServer

    def do_GET(self) -> None:
        reply = self.server.next_reply(self.path, dict(self.headers))
        threading.Event().wait(reply.delay)
        body = reply.body.encode()
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        if reply.location:
            self.send_header("Location", reply.location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx honours proxy variables; these tests talk to 127.0.0.1 and nothing else.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def server() -> Iterator[StubServer]:
    stub = StubServer()
    thread = threading.Thread(target=stub.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield stub
    stub.shutdown()
    stub.server_close()
    thread.join()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_json_answer_in_the_seed_shape_gives_the_holdings(server: StubServer) -> None:
    source = HttpSource(url=server.serve("/holdings", Reply()))
    assert [h.symbol for h in source.fetch()] == list(SEED_HOLDINGS)


def test_rows_with_accounts_give_each_holding_its_account(server: StubServer) -> None:
    body = json.dumps(
        {
            "holdings": [
                {"account": "a1", "symbol": "AAPL", "asset_class": "stocks", "value": "10.5"},
                {"account": "a2", "symbol": "AAPL", "asset_class": "stocks", "value": 20},
            ]
        }
    )
    source = HttpSource(url=server.serve("/h", Reply(body=body)))
    assert rows(source.fetch()) == [
        ("a1", "AAPL", "stocks", Decimal("10.5")),
        ("a2", "AAPL", "stocks", Decimal(20)),
    ]


def test_configured_headers_are_sent(server: StubServer) -> None:
    url = server.serve("/h", Reply())
    HttpSource(url=url, headers={"Authorization": f"Bearer {TOKEN}"}).fetch()
    assert server.requests[0][1]["Authorization"] == f"Bearer {TOKEN}"


def test_a_redirect_is_followed(server: StubServer) -> None:
    server.serve("/h", Reply())
    url = server.serve("/old", Reply(status=302, body="", location="/h"))
    assert len(HttpSource(url=url).fetch()) == len(SEED_HOLDINGS)


def test_describe_hides_the_url_password_and_query_values(server: StubServer) -> None:
    source = HttpSource(url=f"http://me:{TOKEN}@127.0.0.1:1/h?token={TOKEN}&page=1")
    assert source.describe() == "http http://me:****@127.0.0.1:1/h?token=****&page=****"


def test_neither_repr_nor_dump_shows_a_header_value_or_the_url() -> None:
    source = HttpSource(
        url=f"http://127.0.0.1:1/h?token={TOKEN}",
        headers={"Authorization": TOKEN},
    )
    assert TOKEN not in repr(source)
    assert TOKEN not in str(source.model_dump()["headers"])


def test_errors_and_retry_logs_never_show_the_secrets(caplog: pytest.LogCaptureFixture) -> None:
    source = HttpSource(
        url=f"http://me:{TOKEN}@127.0.0.1:{closed_port()}/h?key={TOKEN}",
        headers={"X-Api-Key": TOKEN},
    )
    with caplog.at_level(logging.WARNING), pytest.raises(SourceError) as caught:
        source.fetch()
    assert "key=****" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert TOKEN not in caplog.text


def test_a_slow_server_times_out_with_the_timeout_named(server: StubServer) -> None:
    source = HttpSource(url=server.serve("/slow", Reply(delay=2)), timeout=0.2)
    assert failure(source) == "timed out after 0.2s waiting for the response"


def test_a_closed_port_is_retried_then_reported_as_refused(server: StubServer) -> None:
    source = HttpSource(url=f"http://127.0.0.1:{closed_port()}/h")
    problem = failure(source)
    assert problem.startswith("cannot connect after 3 attempts: ")
    assert "refused" in problem.lower()


def test_a_503_then_a_200_succeeds_after_one_retry(server: StubServer) -> None:
    url = server.serve("/h", Reply(status=503, body="busy"), Reply())
    assert len(HttpSource(url=url).fetch()) == len(SEED_HOLDINGS)
    assert len(server.requests) == 2


def test_each_retry_is_logged_with_its_attempt_number(
    server: StubServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = server.serve("/h", Reply(status=502), Reply(status=504), Reply())
    with caplog.at_level(logging.WARNING, logger="monitor.sources.http"):
        HttpSource(url=url).fetch()
    assert [r.getMessage() for r in caplog.records] == [
        f"http {url}: attempt 1 of 3 failed (HTTP 502 Bad Gateway); retrying in 0.5s",
        f"http {url}: attempt 2 of 3 failed (HTTP 504 Gateway Timeout); retrying in 1.0s",
    ]


def test_a_503_that_lasts_fails_after_three_attempts(server: StubServer) -> None:
    source = HttpSource(url=server.serve("/h", Reply(status=503)))
    assert failure(source) == "HTTP 503 Service Unavailable after 3 attempts"
    assert len(server.requests) == 3


def test_a_404_fails_at_once_with_its_status(server: StubServer) -> None:
    source = HttpSource(url=server.serve("/h", Reply(status=404, body="no")))
    assert failure(source) == "HTTP 404 Not Found"
    assert len(server.requests) == 1


def test_a_401_names_its_status(server: StubServer) -> None:
    source = HttpSource(url=server.serve("/h", Reply(status=401, body="")))
    assert failure(source) == "HTTP 401 Unauthorized"


def test_an_html_page_is_reported_as_html_with_its_content_type(server: StubServer) -> None:
    page = Reply(
        body="<!doctype html><title>Sign in</title>", content_type="text/html; charset=utf-8"
    )
    source = HttpSource(url=server.serve("/login", page))
    assert (
        failure(source) == "the response is HTML, not JSON (content-type: text/html; charset=utf-8)"
    )


def test_html_sent_as_json_is_still_reported_as_html(server: StubServer) -> None:
    source = HttpSource(url=server.serve("/h", Reply(body="\n<html>oops</html>")))
    assert failure(source).startswith("the response is HTML, not JSON")


def test_text_that_is_not_json_says_so_with_its_content_type(server: StubServer) -> None:
    source = HttpSource(url=server.serve("/h", Reply(body="all good", content_type="text/plain")))
    assert failure(source) == (
        "the response is not JSON (content-type: text/plain): "
        "invalid JSON at line 1, column 1: Expecting value"
    )


def test_invalid_json_names_its_line_and_column(server: StubServer) -> None:
    source = HttpSource(url=server.serve("/h", Reply(body='{"AAPL": ')))
    assert failure(source) == "invalid JSON at line 1, column 10: Expecting value"


def test_an_empty_answer_is_reported_as_empty(server: StubServer) -> None:
    source = HttpSource(url=server.serve("/h", Reply(body="")))
    assert failure(source) == "the response is empty (content-type: application/json)"


def test_a_value_of_the_wrong_type_names_its_field(server: StubServer) -> None:
    body = json.dumps({"AAPL": {"asset_class": "stocks", "value": {"amount": 1}}})
    source = HttpSource(url=server.serve("/h", Reply(body=body)))
    assert failure(source) == "holdings.AAPL.value: expected a number, got {'amount': 1}"


def test_a_duplicate_symbol_is_rejected(server: StubServer) -> None:
    row = {"symbol": "AAPL", "asset_class": "stocks", "value": 1}
    source = HttpSource(url=server.serve("/h", Reply(body=json.dumps([row, row]))))
    assert failure(source) == "holdings[1]: symbol 'AAPL' already appears at holdings[0]"


def test_an_empty_set_is_rejected(server: StubServer) -> None:
    source = HttpSource(url=server.serve("/h", Reply(body="[]")))
    assert failure(source) == "no holdings: the source returned an empty set"


def test_a_url_that_is_not_http_is_a_config_error(configured_source: LoadSource) -> None:
    with pytest.raises(ConfigError) as caught:
        configured_source('{ kind = "http", url = "ftp://127.0.0.1/h" }')
    assert caught.value.problems == [
        "portfolios[p].source.url: must be an http:// or https:// URL with a host"
    ]


def test_the_config_sets_headers_and_timeout(
    server: StubServer, configured_source: LoadSource
) -> None:
    url = server.serve("/slow", Reply(delay=2))
    source = configured_source(
        f'{{ kind = "http", url = "{url}", timeout = 0.3, headers = {{ X-Key = "{TOKEN}" }} }}'
    )
    assert failure(source) == "timed out after 0.3s waiting for the response"
    assert server.requests[0][1]["X-Key"] == TOKEN


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert)),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def https_url(server: StubServer, certificate: tuple[Path, Path]) -> str:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve("/h", Reply())
    return server.url("/h", scheme="https")


def test_an_untrusted_certificate_is_refused_by_default(https_url: str) -> None:
    assert "CERTIFICATE_VERIFY_FAILED" in failure(HttpSource(url=https_url))


def test_verify_false_accepts_an_untrusted_certificate(https_url: str) -> None:
    assert len(HttpSource(url=https_url, verify=False).fetch()) == len(SEED_HOLDINGS)


def test_verify_names_a_ca_bundle_relative_to_the_config_file(
    https_url: str,
    certificate: tuple[Path, Path],
    tmp_path: Path,
    configured_source: LoadSource,
) -> None:
    shutil.copy(certificate[0], tmp_path / "ca.pem")
    source = configured_source(f'{{ kind = "http", url = "{https_url}", verify = "ca.pem" }}')
    assert len(source.fetch()) == len(SEED_HOLDINGS)


def test_a_missing_ca_bundle_is_reported(tmp_path: Path) -> None:
    source = HttpSource(url="https://127.0.0.1:1/h", verify=tmp_path / "none.pem")
    assert failure(source) == (
        f"cannot load the CA bundle {tmp_path / 'none.pem'}: No such file or directory"
    )
