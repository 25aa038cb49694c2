"""Who holds the warehouse file, in words an analyst recognises: `tlkpi ingest (PID 123)`, `the DuckDB
CLI (PID 456)`, `a flow run of tlkpi serve (PID 789)`, never a wrapper's internals cut mid-word."""

from __future__ import annotations

import re
from pathlib import Path

_LOCK_PID = re.compile(r"\(PID (\d+)\)")
# a child of another program: Prefect runs a served deployment's flow in a spawned process, the
# quarter flow renders in fork-server workers
_CHILD = ("multiprocessing.spawn", "multiprocessing.forkserver", "--multiprocessing-fork")


def lock_holder(message: str) -> str:
    """Who holds the warehouse, from DuckDB's lock message: 'tlkpi ingest (PID 123)' when it says."""
    match = _LOCK_PID.search(message)
    if not match:
        return "another process"
    return describe_process(int(match[1]))


def describe_process(pid: int, proc: Path = Path("/proc")) -> str:
    """A process named by what it is to its user, with its PID."""
    argv = command_line(pid, proc)
    if argv is None:
        return f"PID {pid}"
    ancestor: int | None = pid
    for _ in range(4):  # a child: say whose (a fork server's worker is its grandchild)
        if ancestor is None or argv is None or not any(mark in part for mark in _CHILD for part in argv):
            break
        ancestor = parent_pid(ancestor, proc)
        argv = command_line(ancestor, proc) if ancestor else None
    if ancestor == pid and argv is not None:
        return f"{describe_command(argv)} (PID {pid})"
    owner = describe_command(argv) if argv else "another process"
    kind = "a flow run" if "serve" in owner or "Prefect" in owner else "a worker process"
    return f"{kind} of {owner} (PID {pid})"


def describe_command(argv: list[str]) -> str:
    """`tlkpi ingest`, `the DuckDB CLI`, `a Prefect worker`, `python script.py`, or the program's name."""
    names = [Path(part).name for part in argv]
    program = 1 if names and names[0].startswith("python") and len(names) > 1 else 0  # a script's own name
    if names and names[program] == "tlkpi":
        rest = [part for part in argv[program + 1 :] if not part.startswith("-")]
        return f"`tlkpi {rest[0]}`" if rest else "`tlkpi`"
    if names and names[0] == "duckdb":
        return "the DuckDB CLI"
    if (names and names[program] == "prefect") or "prefect.engine" in argv:
        return "a Prefect worker" if "worker" in argv else "a Prefect flow run"
    if any(name.startswith(("jupyter", "ipykernel")) for name in names) or "ipykernel_launcher" in argv:
        return "a Jupyter notebook"
    if names and names[0].startswith("python"):
        script = next((name for name in names[1:] if not name.startswith("-")), None)
        if "-m" in argv[1:] and argv.index("-m") + 1 < len(argv):
            return f"`python -m {argv[argv.index('-m') + 1]}`"
        return f"`python {script}`" if script and script.endswith(".py") else "a Python program"
    return f"`{names[0]}`" if names else "another process"


def command_line(pid: int, proc: Path = Path("/proc")) -> list[str] | None:
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def parent_pid(pid: int, proc: Path = Path("/proc")) -> int | None:
    try:
        stat = (proc / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # after the command name, which may hold spaces
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None
