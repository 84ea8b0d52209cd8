"""`make bench`: run every benchmark in turn; each prints its own figures.

Benchmarks are never timed assertions in the test suite: these machines are noisy, so the
figures are read by people and written down in docs/benchmarks.md with the date.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "bench_engine.py",
    "bench_slots.py",
    "bench_booking.py",
    "bench_metrics.py",
    "bench_reminders.py",
    "bench_waitlist.py",
    "bench_waitlist_tick.py",
]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        path = HERE / name
        if not path.exists():
            print(f"== {name}: missing", flush=True)
            failed.append(name)
            continue
        print(f"\n== {name}", flush=True)
        if subprocess.run([sys.executable, str(path)], cwd=HERE.parent).returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
