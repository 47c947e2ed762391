"""Holdings printed as JSON on stdout by a program the config names (argv, never a shell).

Secrets for the program belong in ``env``, which is never shown; ``argv`` is, in messages.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr

from monitor.domain.allocation import Holding
from monitor.errors import SourceError
from monitor.masking import mask_secrets
from monitor.sources.base import SourceOptions, resolve_path
from monitor.sources.json import parse_json_holdings

STDERR_LINES = 5  # the end of stderr is where a program says why it failed
STDERR_LINE_WIDTH = 300


def exit_reason(status: int) -> str:
    if status < 0:
        return f"was killed by signal {signal.Signals(-status).name}"
    return f"exited with status {status}"


def stderr_tail(stderr: str) -> str:
    lines = [line.rstrip()[:STDERR_LINE_WIDTH] for line in stderr.splitlines() if line.strip()]
    if not lines:
        return " and printed nothing on stderr"
    return "; stderr ends with:\n" + "\n".join(f"    {line}" for line in lines[-STDERR_LINES:])


class CommandSource(SourceOptions):
    kind: Literal["command"] = "command"
    argv: list[str] = Field(min_length=1)
    timeout: float = Field(30.0, gt=0)  # seconds before the program is killed
    cwd: Path | None = None  # relative to the config file's folder, which is also the default
    env: dict[str, SecretStr] = Field(default_factory=dict)  # added to the daemon's environment

    def describe(self) -> str:
        return f"command {shlex.join(self.argv)}"

    def resolve_paths(self, base: Path) -> Self:
        # So that argv = ["./export.py"] finds the script beside the config, as paths do.
        cwd = base if self.cwd is None else resolve_path(self.cwd, base)
        return self.model_copy(update={"cwd": cwd})

    def preflight(self) -> list[tuple[str, str]]:
        if self.cwd is not None and not self.cwd.is_dir():
            return [("cwd", f"working folder not found: {self.cwd}")]
        program = self.argv[0]
        if os.sep in program:  # a path, which Popen resolves from the working folder
            path = resolve_path(Path(program), self.cwd or Path.cwd())
            if not path.is_file():
                return [("argv", f"program not found: {path}")]
            if not os.access(path, os.X_OK):
                return [("argv", f"program is not executable: {path}")]
            return []
        env_path = self.env.get("PATH")
        search = env_path.get_secret_value() if env_path else os.environ.get("PATH")
        if shutil.which(program, path=search) is None:
            return [("argv", f"program not found on PATH: {program}")]
        return []

    def fetch(self) -> list[Holding]:
        source = self.describe()
        text = self.fetch_text()
        if not text.strip():
            raise SourceError(source, "printed nothing on stdout; it should print holdings as JSON")
        return parse_json_holdings(text, source)

    def fetch_text(self) -> str:
        """What the program printed on stdout, if it succeeded."""
        source = self.describe()
        stdout, stderr, status = self._run()
        if status != 0:
            raise SourceError(source, exit_reason(status) + self._scrub(stderr_tail(stderr)))
        try:
            return stdout.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise SourceError(source, f"stdout is not UTF-8 text ({error.reason})") from None

    def _run(self) -> tuple[bytes, str, int]:
        """The program's stdout, stderr and exit status; it is killed if it overruns."""
        source = self.describe()
        if self.cwd is not None and not self.cwd.is_dir():
            raise SourceError(source, f"working folder not found: {self.cwd}")
        env = {**os.environ, **{k: v.get_secret_value() for k, v in self.env.items()}}
        try:
            process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=self.cwd,
                env=env,
                # Its own process group: a timeout kills whatever it started too, and the
                # daemon's Ctrl-C does not reach it, so a tick in flight can still finish.
                start_new_session=True,
            )
        except FileNotFoundError:
            raise SourceError(source, f"program not found: {self.argv[0]}") from None
        except PermissionError:
            raise SourceError(source, f"permission denied running {self.argv[0]}") from None
        except OSError as error:
            raise SourceError(source, f"cannot start {self.argv[0]}: {error.strerror}") from None
        with process:
            try:
                stdout, stderr = process.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):  # it may have just ended
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise SourceError(
                    source, f"timed out after {self.timeout:g}s; the program was killed"
                ) from None
        return stdout, stderr.decode("utf-8", errors="replace"), process.returncode

    def _scrub(self, text: str) -> str:
        return mask_secrets(text, (value.get_secret_value() for value in self.env.values()))
