"""Run the benchmarks and print their tables (markdown).

    python -m tests.perf                       # all, in the order below (about 13 minutes)
    python -m tests.perf fanout latency        # some
    python -m tests.perf intake                # the intake reader's bench (seconds, no database)
    python -m tests.perf --quick               # small sizes (about 4 minutes), to check the suite itself
    python -m tests.perf --out results.md      # also write the tables to a file

Each benchmark starts its own embedded PostgreSQL in a temp dir (or uses DATABASE_URL) and its
own server processes on 127.0.0.1, and stops them by pid; `pooler` (about 4 minutes) starts the
distribution's PostgreSQL and PgBouncer instead (Debian's postgresql and pgbouncer packages).
Logs of the started processes go to $NOWVA_PERF_LOG_DIR (default: /tmp/nowva-perf).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import time
from pathlib import Path

from tests.perf.harness import Table, machine_table

BENCHMARKS = ("latency", "fanout", "throughput", "concurrency", "status_reads", "first_news", "stepwise",
              "concurrency_blocks", "checkpoints", "pooler", "tracing", "writers", "intake", "revision")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.perf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", choices=[[], *BENCHMARKS], metavar="name",
                        help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--out", type=Path, help="also write the tables here (markdown; .json for JSON)")
    args = parser.parse_args()
    tables: list[Table] = [asyncio.run(machine_table())]
    print(tables[0].markdown(), flush=True)
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"tests.perf.{name}")
        started = time.monotonic()
        for table in asyncio.run(module.run(args.quick)):
            table.notes.append(f"`python -m tests.perf {name}` took {time.monotonic() - started:.0f} s")
            tables.append(table)
            print(table.markdown(), flush=True)
    if args.out is not None:
        if args.out.suffix == ".json":
            args.out.write_text(json.dumps([t.to_json() for t in tables], indent=2))
        else:
            args.out.write_text("\n".join(t.markdown() for t in tables))


if __name__ == "__main__":
    main()
