"""Start a command and report its rusage: ``python -S _spawn.py STDOUT STDERR COMMAND...``.

A tiny process between the benchmark and a contender. Linux starts a child's
``ru_maxrss`` from the RSS of the process that forked it, so a contender forked
by the (large) benchmark process would report at least the benchmark's own
memory; forked by this stub (a few MiB, no site imports), it reports its own.
Prints one JSON line: wall seconds, exit status, user and system CPU seconds,
and ``ru_maxrss`` (KiB) of the command and its waited-for descendants.
"""

import json
import os
import sys
import time


def main() -> None:
    """Spawn, wait, report."""
    stdout, stderr, *command = sys.argv[1:]
    actions = [
        (os.POSIX_SPAWN_OPEN, 1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    report = {
        "wall": wall,
        "exit": os.waitstatus_to_exitcode(status),
        "user": usage.ru_utime,
        "system": usage.ru_stime,
        "maxrss_kib": usage.ru_maxrss,
    }
    print(json.dumps(report))


main()
