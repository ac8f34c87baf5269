#!/usr/bin/env python3
"""Turns the results.tsv of one bench/run into a Markdown summary: the run's
environment, every measurement, and the ratios against the targets.

  report.py RESULTS_DIR

A target or baseline that the run did not measure (PARTS left it out) shows
as "-" and is not judged.
"""

import csv
import os
import sys

# (label, Satchel measurement, baseline measurement, lowest acceptable ratio).
# A ratio is Satchel's value divided by the baseline's; None means the row is
# shown for information and has no target.
RATIO_TARGETS = [
    ("presign /presign/upload, 16 conn. vs Node 2 workers",
     "satchel.presign_upload.c16", "node.w2.presign_upload.c16", 30),
    ("presign /presign/upload, 64 conn. vs Node 2 workers",
     "satchel.presign_upload.c64", "node.w2.presign_upload.c64", 30),
    ("presign /v1/uploads, 16 conn. vs Node 2 workers",
     "satchel.v1_uploads.c16", "node.w2.presign_upload.c16", 30),
    ("presign /v1/uploads, 64 conn. vs Node 2 workers",
     "satchel.v1_uploads.c64", "node.w2.presign_upload.c64", 30),
    ("presign /presign/upload, 64 conn. vs Node 1 process",
     "satchel.presign_upload.c64", "node.w1.presign_upload.c64", None),
    ("presign /presign/upload, 16 conn. vs nginx return 200",
     "satchel.presign_upload.c16", "nginx.return200.c16", 0.5),
    ("presign /presign/upload, 64 conn. vs nginx return 200",
     "satchel.presign_upload.c64", "nginx.return200.c64", 0.5),
    ("presign /v1/uploads, 16 conn. vs nginx return 200",
     "satchel.v1_uploads.c16", "nginx.return200.c16", 0.5),
    ("presign /v1/uploads, 64 conn. vs nginx return 200",
     "satchel.v1_uploads.c64", "nginx.return200.c64", 0.5),
    ("GET 4 KiB, 16 conn. vs nginx same file", "satchel.get_4k.c16", "nginx.get_4k.c16", 0.6),
    ("GET 4 KiB, 64 conn. vs nginx same file", "satchel.get_4k.c64", "nginx.get_4k.c64", 0.6),
    ("GET 1 MiB, 16 conn. vs nginx same file", "satchel.get_1m.c16", "nginx.get_1m.c16", None),
    ("GET 1 MiB, 64 conn. vs nginx same file", "satchel.get_1m.c64", "nginx.get_1m.c64", None),
    ("durable PUT 4 KiB, 1 conn. vs fsync loop, 1 thread",
     "satchel.put_4k.c1", "fsync.4k.t1", 0.8),
    ("durable PUT 4 KiB, 16 conn. vs fsync loop, 16 threads",
     "satchel.put_4k.c16", "fsync.4k.t16", 0.8),
    ("durable PUT 4 KiB, 1 conn. vs fsync loop with folder fsync, 1 thread",
     "satchel.put_4k.c1", "fsync_dir.4k.t1", None),
    ("durable PUT 4 KiB, 16 conn. vs fsync loop with folder fsync, 16 threads",
     "satchel.put_4k.c16", "fsync_dir.4k.t16", None),
    ("durable PUT 1 MiB, 1 conn. vs fsync loop, 1 thread", "satchel.put_1m.c1", "fsync.1m.t1",
     None),
    ("durable PUT 1 MiB, 16 conn. vs fsync loop, 16 threads",
     "satchel.put_1m.c16", "fsync.1m.t16", None),
    ("GET 256 MiB vs nginx same file", "satchel.get_256m", "nginx.get_256m", 0.7),
    ("PUT 256 MiB vs nginx GET of the same file", "satchel.put_256m", "nginx.get_256m", 0.7),
    ("PUT 256 MiB vs fsync loop, 256 MiB files", "satchel.put_256m", "fsync.256m", None),
]

# (label, measurement, column, highest acceptable value, unit).
LIMIT_TARGETS = [
    ("p99 of /presign/upload at 64 conn.", "satchel.presign_upload.c64", "p99_ms", 2.0, "ms"),
    ("p99 of /v1/uploads at 64 conn.", "satchel.v1_uploads.c64", "p99_ms", 2.0, "ms"),
    ("cold start, median of the runs", "satchel.cold_start_median", "value", 20.0, "ms"),
    ("RSS under presign load (max of samples)", "satchel.rss_under_load", "value", 65536, "KiB"),
    ("RSS idle after start", "satchel.rss_idle", "value", None, "KiB"),
]


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def load_rows(results_dir):
    with open(os.path.join(results_dir, "results.tsv"), encoding="utf-8") as handle:
        return {row["name"]: row for row in csv.DictReader(handle, delimiter="\t")}


def verdict(met):
    if met is None:
        return "-"
    return "met" if met else "NOT met"


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    results_dir = sys.argv[1]
    rows = load_rows(results_dir)
    lines = ["## Environment", ""]
    with open(os.path.join(results_dir, "env.txt"), encoding="utf-8") as env:
        lines += [f"- {line.strip()}" for line in env if line.strip()]

    lines += ["", "## Measurements", "",
              "| name | value | unit | p50 ms | p99 ms | bad responses | server CPU us/request "
              "| load (1 min) |",
              "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows.values():
        lines.append(f"| {row['name']} | {row['value']} | {row['unit']} | {row['p50_ms']} "
                     f"| {row['p99_ms']} | {row['bad']} | {row['server_cpu_us_per_request']} "
                     f"| {row['load']} |")

    lines += ["", "## Ratios and targets", "",
              "| comparison | Satchel | baseline | ratio | target | result |",
              "| --- | ---: | ---: | ---: | ---: | --- |"]
    for label, ours, theirs, target in RATIO_TARGETS:
        mine = number(rows.get(ours, {}).get("value"))
        base = number(rows.get(theirs, {}).get("value"))
        ratio = mine / base if mine is not None and base else None
        met = None if ratio is None or target is None else ratio >= target
        lines.append(f"| {label} | {mine if mine is not None else '-'} "
                     f"| {base if base is not None else '-'} "
                     f"| {f'{ratio:.2f}' if ratio is not None else '-'} "
                     f"| {f'>= {target}' if target is not None else '-'} | {verdict(met)} |")
    for label, name, column, limit, unit in LIMIT_TARGETS:
        value = number(rows.get(name, {}).get(column))
        met = None if value is None or limit is None else value < limit
        lines.append(f"| {label} | {value if value is not None else '-'} {unit} | - | - "
                     f"| {f'< {limit} {unit}' if limit is not None else '-'} | {verdict(met)} |")

    bad = [(name, row["bad"]) for name, row in rows.items()
           if name.startswith("satchel.") and row["bad"] not in ("-", "0")]
    lines += ["", "Unexpected responses or socket errors in Satchel runs: "
              + (", ".join(f"{name} {count}" for name, count in bad) if bad else "none")]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
