"""How fast the command starts: prints figures, asserts nothing.

Times whole processes, as a person or a script runs them: ``allocation-monitor --help``,
``check`` of the example holdings (config/holdings.json, the seed's portfolio), and
``config validate`` of the example config, each against the floor of ``apprise --help`` (a
command line of a library the monitor uses, measured in the same run, interleaved, so the
machine's load falls on both alike). Each figure is the median of ``--runs`` runs, with
the peak memory (RSS) of the process.

    .venv/bin/python benchmarks/bench_cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MONITOR = str(BIN / "allocation-monitor")
HOLDINGS = ROOT / "config" / "holdings.json"
CONFIG = ROOT / "config" / "allocation-monitor.toml"

COMMANDS = {
    "apprise --help (floor)": [str(BIN / "apprise"), "--help"],
    "allocation-monitor --help": [MONITOR, "--help"],
    "check of the example holdings": [
        MONITOR,
        "check",
        "--holdings",
        str(HOLDINGS),
        "--portfolio-value",
        "183535.63",
    ],
    "config validate of the example config": [
        MONITOR,
        "--config",
        str(CONFIG),
        "config",
        "validate",
    ],
}
GOALS = {"allocation-monitor --help": 2.0, "check of the example holdings": 3.0}


def timed(command: list[str]) -> tuple[float, int]:
    """Seconds and peak RSS (MB) of one run of ``command``, as a fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    start = time.perf_counter()
    pid = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    ).pid
    _, _, usage = os.wait4(pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    seconds: dict[str, list[float]] = {name: [] for name in COMMANDS}
    memory: dict[str, int] = {}
    for command in COMMANDS.values():
        timed(command)  # warm the file cache: every run after this one reads the same files
    for _ in range(runs):
        for name, command in COMMANDS.items():  # interleaved: load falls on each alike
            took, rss = timed(command)
            seconds[name].append(took)
            memory[name] = max(memory.get(name, 0), rss)
    floor = statistics.median(seconds["apprise --help (floor)"])
    print(f"{runs} runs each, medians; Python {sys.version.split()[0]}")
    print(f"{'command':40} {'seconds':>8} {'x floor':>8} {'goal':>6} {'RSS MB':>7}")
    for name in COMMANDS:
        median = statistics.median(seconds[name])
        goal = f"{GOALS[name]:g}x" if name in GOALS else ""
        print(f"{name:40} {median:8.3f} {median / floor:7.2f}x {goal:>6} {memory[name]:7d}")


if __name__ == "__main__":
    main()
