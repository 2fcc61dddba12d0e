"""How a run's memory grows with the mailbox: one traced ``analyzer run`` per size, in one table.

    .venv/bin/python bench/memory_curve.py [--sizes 16000,100000,500000] [--every 0.5]
                                           [--memory-limit MIB]

For each size, writes (or reuses) the project's bulk mailbox ``bench/out/run_<N>.mbox``
(``data/mailgen``, seed 0, as ``bench/bench_run.py --mail bulk`` writes it), runs ``analyzer run``
on it through ``bench/trace_run.py`` (fresh output folder, no cache) and prints a Markdown table:

- the peak of the whole process tree (main + workers at that moment) in **anonymous memory**, what
  the run cannot give back to the system without swap, and where it fell (the last log line before
  it); then the same in PSS, which also counts the pages of files the run reads in place
  (``analyzer/ingest/mapped.py``), pages the kernel drops and reads again as memory runs short;
- the growth between consecutive sizes, in MiB per thousand messages and as a ratio;
- with ``--memory-limit MIB``: whether each run finished inside a memory cgroup of that size
  (Linux, root; page cache counted against it), the plainest answer to "does it fit".

This is issue 15's curve (16k, 100k, 500k generated messages). A 500k run takes about five minutes
on two cores. Needs ``psutil``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_run import _mbox  # noqa: E402  (the bench folder is not a package)
from trace_run import MIB, peak, trace  # noqa: E402


def _peak(samples: list, main: int, workers: int) -> tuple:
    """(seconds, tree MiB, main MiB, workers MiB) at :func:`trace_run.peak`."""
    best = peak(samples, main, workers)
    return best[0], (best[main] + best[workers]) / MIB, best[main] / MIB, best[workers] / MIB


#: Log lines of a run that open its stages, in order (what the line says -> the stage it opens).
_STAGES = (("work units", "parsing"), ("inferred agency", "attribution"), ("to detect in", "signal detection"),
           ("signals:", "after detection (joining rows, scoring, writing)"))


def _stage(lines: list, at: float) -> str:
    """The stage a moment of the run was in, from the last stage-opening log line before it."""
    stage = "start-up"
    for t, line in lines:
        if t > at:
            break
        for marker, name in _STAGES:
            if marker in line and (marker != "signals:" or line.rstrip().endswith(" rows")):
                stage = name
    return stage


def curve(sizes: list[int], every: float, memory_limit: int | None) -> list[dict]:
    rows = []
    for n in sizes:
        mbox = _mbox(n, seed=0, mail="bulk")
        res = trace(str(mbox), HERE / "out" / f"curve_{n}", every, [], memory_limit)
        if not res["samples"]:
            raise SystemExit(f"bench/memory_curve.py: error: no samples for {n} messages")
        t_anon, anon, anon_main, anon_workers = _peak(res["samples"], 5, 6)
        _, pss, pss_main, pss_workers = _peak(res["samples"], 1, 2)
        rows.append({"messages": n, "seconds": res["seconds"], "exit": res["returncode"], "anon": anon,
                     "anon_main": anon_main, "anon_workers": anon_workers, "where": _stage(res["lines"], t_anon),
                     "pss": pss, "pss_main": pss_main, "pss_workers": pss_workers,
                     "fits": None if memory_limit is None else res["returncode"] == 0})
    return rows


def table(rows: list[dict], memory_limit: int | None) -> str:
    out = ["| messages | run | anonymous peak (main + workers) | where | PSS peak (main + workers) | growth since the last size"
           + (f" | fits in {memory_limit} MiB" if memory_limit else "") + " |",
           "|---|---|---|---|---|---" + ("|---" if memory_limit else "") + "|"]
    last = None
    for r in rows:
        growth = ""
        if last is not None:
            per = (r["anon"] - last["anon"]) / ((r["messages"] - last["messages"]) / 1000)
            growth = f"{per:+.2f} MiB per 1k messages ({r['anon'] / last['anon']:.2f}x for {r['messages'] / last['messages']:.1f}x)"
        out.append(f"| {r['messages']:,} | {r['seconds']:.0f} s (exit {r['exit']}) | **{r['anon']:.0f} MiB** "
                   f"({r['anon_main']:.0f} + {r['anon_workers']:.0f}) | {r['where']} | {r['pss']:.0f} MiB "
                   f"({r['pss_main']:.0f} + {r['pss_workers']:.0f}) | {growth}"
                   + (f" | {'yes' if r['fits'] else 'no'}" if memory_limit else "") + " |")
        last = r
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/memory_curve.py", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="16000,100000,500000", help="comma-separated message counts")
    ap.add_argument("--every", type=float, default=0.5, help="seconds between memory samples")
    ap.add_argument("--memory-limit", type=int, default=None, metavar="MIB",
                    help="run each size inside a memory cgroup of this many MiB (Linux, root)")
    args = ap.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        print(f"bench/memory_curve.py: error: --sizes takes whole numbers, not {args.sizes!r}", file=sys.stderr)
        return 2
    if not sizes or min(sizes) <= 0:
        print("bench/memory_curve.py: error: --sizes needs one or more positive counts", file=sys.stderr)
        return 2
    try:
        import psutil  # noqa: F401
    except ImportError:
        print("bench/memory_curve.py: error: needs psutil (pip install psutil)", file=sys.stderr)
        return 2
    print(table(curve(sorted(sizes), args.every, args.memory_limit), args.memory_limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
