"""Where a run's memory and CPU go, stage by stage: a timeline of one ``analyzer run``.

    .venv/bin/python bench/trace_run.py MBOX [--out DIR] [--every 0.25] [-- extra analyzer run options]

Runs ``analyzer -v run MBOX --out DIR`` (a fresh DIR, so the run cache starts empty) in a subprocess
and samples, every ``--every`` seconds, the proportional set size (PSS: shared pages split among the
processes) and the CPU seconds of the main process and of its workers. Prints:

- the peak of the whole process tree and of the main process, with the time they occurred;
- every log line of the run with the memory and CPU figures at that moment, so each stage's cost
  can be read off (the lines mark the stages: parsing, inferring the agency and clients, signal
  detection, scoring);
- a compact timeline ``seconds:main+workers`` in MiB, PSS and anonymous memory (PSS less the pages
  of files mapped in place, which the kernel drops and reads again as memory runs short);
- with ``--memory-limit MIB`` the run goes inside a new memory cgroup of that size (Linux, root; page
  cache counts against it but is reclaimed first): whether the run fits, and the group's peak.

This is how the fifth session found that the main process held the Arrow table of the whole mailbox
beside the messages frame through attribution (``analyzer/memory.py``), and that at 100k realistic
messages the peak falls in scoring, not in writing. ``bench_run.py`` gives the end-to-end figures
against the floor; this tool says where inside the run they come from. Needs ``psutil``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

MIB = 2 ** 20


def _anonymous(pid: int) -> float:
    """Process ``pid``'s anonymous memory in bytes (``Anonymous`` of /proc/PID/smaps_rollup): what it
    cannot hand back to the system without swap. File pages it maps (a scratch file read in place)
    are not in it: the kernel drops and re-reads them as memory runs short. 0 where unknown."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Anonymous:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return 0.0


def _sample(pid: int) -> tuple[float, float, float, float, float, float] | None:
    """(main PSS, workers' PSS, main CPU s, workers' CPU s, main anonymous, workers' anonymous) of
    process ``pid`` and its children."""
    import psutil

    try:
        main = psutil.Process(pid)
        kids = main.children(recursive=True)
        m_mem, m_cpu = main.memory_full_info().pss, sum(main.cpu_times()[:2])
    except psutil.Error:
        return None
    m_anon = _anonymous(pid)
    k_mem = k_cpu = k_anon = 0.0
    for k in kids:
        try:
            k_mem += k.memory_full_info().pss
            k_cpu += sum(k.cpu_times()[:2])
            k_anon += _anonymous(k.pid)
        except psutil.Error:
            pass
    return m_mem, k_mem, m_cpu, k_cpu, m_anon, k_anon


def _memory_cgroup(limit_mib: int) -> Path:
    """A new memory cgroup (v2 if the unified hierarchy is writable, else v1) that holds the run and
    everything it starts to ``limit_mib`` MiB: page cache counts but is reclaimed first, so a run
    that finishes inside it needs no more memory than that. Needs root and a writable cgroup mount."""
    name = f"analyzer-trace-{os.getpid()}"
    for root, limit_file in ((Path("/sys/fs/cgroup"), "memory.max"), (Path("/sys/fs/cgroup/unified"), "memory.max"),
                             (Path("/sys/fs/cgroup/memory"), "memory.limit_in_bytes")):
        if not (root / "cgroup.procs").exists() or (limit_file == "memory.max" and not (root / "cgroup.controllers").exists()):
            continue
        group = root / name
        try:
            group.mkdir()
            (group / limit_file).write_text(str(limit_mib * MIB))
            if limit_file == "memory.limit_in_bytes":  # v1: no swap to spill to either
                swap = group / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(str(limit_mib * MIB))
            return group
        except OSError:
            if group.exists():
                group.rmdir()
    raise SystemExit("bench/trace_run.py: error: --memory-limit needs a writable memory cgroup (root)")


def trace(mbox: str, out: Path, every: float, extra: list[str], memory_limit: int | None = None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    exe = Path(sys.executable).with_name("analyzer")
    group = _memory_cgroup(memory_limit) if memory_limit else None

    def enter_group() -> None:  # in the child, before it runs analyzer: its workers inherit the group
        (group / "cgroup.procs").write_text(str(os.getpid()))

    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "-v", "run", mbox, "--out", str(out), *extra],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            preexec_fn=enter_group if group is not None else None)
    samples: list[tuple[float, ...]] = []
    worker_cpu: dict[str, float] = {"max": 0.0}  # workers exit before the end: keep the highest sum seen

    def sampler() -> None:
        while proc.poll() is None:
            s = _sample(proc.pid)
            if s is not None:
                worker_cpu["max"] = max(worker_cpu["max"], s[3])
                samples.append((time.perf_counter() - t0, s[0], s[1], s[2], worker_cpu["max"], s[4], s[5]))
            time.sleep(every)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    try:
        lines = [(time.perf_counter() - t0, line.rstrip()) for line in proc.stderr]
        proc.wait()
        thread.join()
        res = {"samples": samples, "lines": lines, "seconds": time.perf_counter() - t0, "returncode": proc.returncode}
        if group is not None:
            res["memory_limit"] = memory_limit
            for name in ("memory.peak", "memory.max_usage_in_bytes"):
                if (group / name).exists():
                    res["group_peak"] = int((group / name).read_text().split()[0])
            for name in ("memory.events", "memory.oom_control"):
                if (group / name).exists():
                    res["group_events"] = " ".join((group / name).read_text().split())
    finally:
        if proc.poll() is None:  # interrupted: the run goes too
            proc.kill()
            proc.wait()
        if group is not None:
            try:
                group.rmdir()
            except OSError:  # a worker still exiting: the empty group can be removed by hand
                print(f"bench/trace_run.py: could not remove {group}", file=sys.stderr)
    return res


def peak(samples: list, main: int, workers: int) -> tuple:
    """The sample where the main process's and the workers' figures at indices ``main`` and
    ``workers`` (1, 2: PSS; 5, 6: anonymous) sum highest."""
    return max(samples, key=lambda s: s[main] + s[workers])


def report(res: dict) -> str:
    samples, lines = res["samples"], res["lines"]
    if not samples:
        return "no samples (the run ended at once?)"
    tree = peak(samples, 1, 2)
    main = max(samples, key=lambda s: s[1])
    anon = peak(samples, 5, 6)
    out = [f"run {res['seconds']:.1f} s (exit {res['returncode']}); peak of the process tree "
           f"{(tree[1] + tree[2]) / MIB:.0f} MiB at {tree[0]:.1f} s (main {tree[1] / MIB:.0f}, workers "
           f"{tree[2] / MIB:.0f}); peak of the main process {main[1] / MIB:.0f} MiB at {main[0]:.1f} s",
           f"anonymous memory (PSS less the mapped files the kernel can drop and read again): peak of the tree "
           f"{(anon[5] + anon[6]) / MIB:.0f} MiB at {anon[0]:.1f} s (main {anon[5] / MIB:.0f}, workers "
           f"{anon[6] / MIB:.0f})"]
    if "memory_limit" in res:
        out.append(f"memory cgroup limit {res['memory_limit']} MiB: peak usage of the group "
                   f"{res.get('group_peak', 0) / MIB:.0f} MiB (page cache included); {res.get('group_events', '')}")
    out.append("")
    for t, line in lines:
        before = [s for s in samples if s[0] <= t]
        s = before[-1] if before else (0.0, 0.0, 0.0, 0.0, 0.0)
        out.append(f"{t:7.1f} s  main {s[1] / MIB:6.0f} MiB {s[3]:6.1f} cpu-s | workers {s[2] / MIB:6.0f} MiB "
                   f"{s[4]:6.1f} cpu-s | {line[:140]}")
    step = max(1, len(samples) // 60)
    out += ["", "timeline (s:main+workers MiB, PSS/anonymous): " + " ".join(
        f"{s[0]:.0f}:{s[1] / MIB:.0f}+{s[2] / MIB:.0f}/{s[5] / MIB:.0f}+{s[6] / MIB:.0f}" for s in samples[::step])]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(prog="bench/trace_run.py", description=__doc__.splitlines()[0])
    ap.add_argument("mbox")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "trace_run")
    ap.add_argument("--every", type=float, default=0.25, help="seconds between samples")
    ap.add_argument("--memory-limit", type=int, default=None, metavar="MIB",
                    help="run inside a new memory cgroup of this many MiB (Linux, root): does the run fit?")
    args = ap.parse_args(argv)
    try:
        import psutil  # noqa: F401
    except ImportError:
        print("bench/trace_run.py: error: needs psutil (pip install psutil)", file=sys.stderr)
        return 2
    if not os.path.exists(args.mbox):
        print(f"bench/trace_run.py: error: no such file: {args.mbox}", file=sys.stderr)
        return 2
    print(report(trace(args.mbox, args.out, args.every, extra, args.memory_limit)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
