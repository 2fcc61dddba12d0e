"""A local worker whose run is killed outright (out of memory, kill -9) ends itself
(analyzer.parallel.watch_parent) instead of holding its memory until someone kills it."""

import os
import signal
import subprocess
import sys
import time

import pytest

from analyzer.parallel import watch_parent

# A run that starts one loky worker on a task that watches its parent and then sleeps for a minute,
# prints the worker's process id and waits to be killed.
_RUN = """
import os, sys, time
from joblib import Parallel, delayed

def task(watch):
    from analyzer.parallel import watch_parent
    started = watch_parent() if watch else False
    print(os.getpid(), started, flush=True)
    time.sleep(60)

Parallel(n_jobs=2, backend="loky")(delayed(task)(sys.argv[1] == "watch") for _ in range(2))
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its (new) parent counts as gone
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _orphan(watch: bool) -> list[int]:
    """Start the run, kill it with SIGKILL once its workers are busy; the workers' process ids."""
    run = subprocess.Popen([sys.executable, "-c", _RUN, "watch" if watch else "no"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)  # its resource tracker's notes on the kill
    pids, started = [], []
    for _ in range(2):
        pid, flag = run.stdout.readline().split()
        pids.append(int(pid))
        started.append(flag == "True")
    assert started == [watch, watch]
    run.send_signal(signal.SIGKILL)
    run.wait()
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reparenting as on Linux")
def test_a_worker_ends_itself_when_its_run_is_killed():
    pids = _orphan(watch=True)
    deadline = time.monotonic() + 15
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reparenting as on Linux")
def test_without_the_watch_the_orphaned_worker_stays():  # the case the watch is for
    pids = _orphan(watch=False)
    time.sleep(3)
    try:
        assert all(_alive(p) for p in pids)
    finally:
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_the_main_process_is_never_watched():
    assert watch_parent() is False  # a run in this process (jobs=1) must outlive its own parent
