"""No mutable global state (CONVENTIONS.md, rule 3): every object in the engine, the core
library and the command has no writable data symbol except the documented SIGINT flag.
Relocated constant tables live in .data.rel.ro and are read-only after start-up; .data and
.bss symbols are what could make two simulations in one process interfere."""
import subprocess
import sys

from common import check, finish, test

ALLOWED = {"interrupt_requested"}  # src/cli/progress.c: a signal handler reaches nothing else


@test
def no_writable_globals():
    files = [f for a in sys.argv[1:] for f in a.split(";") if f]
    check(files, "no object files given")
    out = subprocess.run(["objdump", "-t", *files], capture_output=True, text=True,
                         check=True).stdout
    found = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 6 or f[-3] == "*UND*":
            continue
        section, kind, name = None, None, f[-1]
        for i, tok in enumerate(f):
            if tok.startswith(".data") or tok.startswith(".bss"):
                section = tok
                kind = f[i - 1] if i > 0 else ""
        if not section or "rel.ro" in section or kind != "O":
            continue
        if name.startswith((".", "__asan", "__ubsan", "__odr_asan")) or ".L" in name:
            continue
        found.add(name)
    extra = sorted(found - ALLOWED)
    check(not extra, f"mutable globals: {extra}")


finish()
