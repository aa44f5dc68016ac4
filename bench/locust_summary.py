"""Print a locust --csv run as a table: requests, failures, median and 95th percentile per page.

Usage: .venv/bin/python bench/locust_summary.py /tmp/load   (reads /tmp/load_stats.csv)
"""

import csv
import sys


def main(prefix: str) -> None:
    with open(f"{prefix}_stats.csv") as handle:
        rows = list(csv.DictReader(handle))
    print(f"{'page':28} {'requests':>8} {'failed':>6} {'median ms':>9} {'p95 ms':>7} {'req/s':>6}")
    for row in rows:
        name = (row["Type"] + " " + row["Name"]).strip()
        print(f"{name:28} {row['Request Count']:>8} {row['Failure Count']:>6} "
              f"{row['50%']:>9} {row['95%']:>7} {float(row['Requests/s']):6.1f}")


if __name__ == "__main__":
    main(sys.argv[1])
