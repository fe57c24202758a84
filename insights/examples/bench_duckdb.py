"""The three benchmark questions of bench.rs as DuckDB SQL over the same generated file.

Usage: python bench_duckdb.py FILE N   (N = 1, 2 or 3; run by bench.sh under /usr/bin/time -v)

Each reads the file with read_json (newline-delimited, the columns the question needs, lines
that are not JSON skipped: the file's plain-text WARN lines carry none of these fields) on two
threads, as our engine runs on two cores here. Question 2 is a text `parse` in Logs Insights;
its SQL reads the same `durationMs` value through JSON, which gives the same rows on this file.
Question 3's p99 is DuckDB's exact quantile_disc; ours is exact up to 10,000 values per group,
then a ~1% sketch.
"""
import sys
import time

import duckdb

FILE, N = sys.argv[1], int(sys.argv[2])


def src(columns):
    return f"read_json('{FILE}', format='newline_delimited', ignore_errors=true, columns={{{columns}}})"


LEVEL_USER = "level: 'VARCHAR', userId: 'VARCHAR'"
TS_DURATION = "\"timestamp\": 'VARCHAR', durationMs: 'BIGINT'"
TIME_DURATION = "\"timestamp\": 'TIMESTAMP', durationMs: 'DOUBLE'"
QUESTIONS = {
    # filter level = "error" | stats count(*) by userId
    1: f"SELECT userId, count(*) AS n FROM {src(LEVEL_USER)} WHERE level = 'error' GROUP BY userId",
    # parse @message '"durationMs":*,' as d | filter d > 1000 | sort d desc | limit 100
    2: f'SELECT "timestamp", durationMs AS d FROM {src(TS_DURATION)} WHERE durationMs > 1000 ORDER BY d DESC LIMIT 100',
    # stats pct(durationMs, 99), avg(durationMs) by bin(5m)
    3: f'SELECT time_bucket(INTERVAL 5 MINUTE, "timestamp") AS b, quantile_disc(durationMs, 0.99), avg(durationMs) '
    f"FROM {src(TIME_DURATION)} GROUP BY b ORDER BY b",
}

con = duckdb.connect()
con.execute("SET threads = 2")
start = time.time()
rows = con.execute(QUESTIONS[N]).fetchall()
print(f"duckdb {duckdb.__version__} q{N}: {len(rows)} rows in {time.time() - start:.2f}s", file=sys.stderr)
