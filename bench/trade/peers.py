"""DuckDB on the same Parquet files for bench/trade.

  peers.py duckdb DIR RUNS       time each dashboard query; one JSON line per case and table set
  peers.py compare KAIFANG.jsonl DUCKDB.jsonl IMPORT.jsonl DEMO.json [INCREMENT.jsonl]
                                 print CASE lines and the summary

Two versions of each query: on the aggregate tables Kaifang maintains at import
(`aggregates/*.parquet`, one file per table and year; the headline peer, `duckdb-agg`) and on the raw records
(`records/*.parquet`, what an analyst would point DuckDB at; `duckdb`). DuckDB loads each set into
its own in-memory tables once, timed as `load` beside Kaifang's `open_ms`, since Kaifang loads its
aggregates into memory when it opens the store. Every case's answer is checked against
Kaifang's. Medians of RUNS after a warm-up.
"""

import json
import statistics
import sys
import time

Y, M = 2025, 6
P = Y - 1
W = f"year IN ({Y}, {P}) AND month <= {M}"


def cur_prev(table, key, cond=""):
    return (
        f"SELECT {key} AS key, SUM(CASE WHEN year = {Y} THEN value_cny ELSE 0 END) AS cur, "
        f"SUM(CASE WHEN year = {P} THEN value_cny ELSE 0 END) AS prev "
        f"FROM {table} WHERE {W}{cond} AND {key} IS NOT NULL GROUP BY {key} ORDER BY cur DESC"
    )


DIMS = ["partner", "chapter", "trade_mode", "city", "ownership"]
# The pair tables Kaifang keeps (agg::PAIRS): each unordered pair once, named in this order.
PAIR_TABLE = {
    frozenset((a, b)): f"agg_{a}_{b}" for i, a in enumerate(DIMS) for b in DIMS[i + 1:]
}


def queries(raw):
    """case -> list of SQL statements (a dashboard call may need more than one)."""
    t = (lambda dim: "records") if raw else (lambda dim: f"agg_{dim}")
    k = (lambda col: col) if raw else (lambda col: "key")
    total = (
        f"SELECT flow, SUM(CASE WHEN year = {Y} AND month = {M} THEN value_cny ELSE 0 END), "
        f"SUM(CASE WHEN year = {P} AND month = {M} THEN value_cny ELSE 0 END), "
        f"SUM(CASE WHEN year = {Y} THEN value_cny ELSE 0 END), "
        f"SUM(CASE WHEN year = {P} THEN value_cny ELSE 0 END) FROM {t('total')} WHERE {W} GROUP BY flow ORDER BY flow"
    )
    totals = f"SELECT SUM(CASE WHEN year = {Y} THEN value_cny ELSE 0 END), SUM(CASE WHEN year = {P} THEN value_cny ELSE 0 END) FROM {t('total')} WHERE {W}"
    dyn = (
        f"WITH e AS (SELECT flow, {k('uscc')} AS key, SUM(CASE WHEN year = {Y} THEN value_cny ELSE 0 END) c, "
        f"SUM(CASE WHEN year = {P} THEN value_cny ELSE 0 END) p FROM {t('enterprise')} WHERE {W} AND {k('uscc')} IS NOT NULL GROUP BY flow, {k('uscc')}) "
        f"SELECT flow, COUNT(*) FILTER (WHERE c > 0), COUNT(*) FILTER (WHERE p > 0), "
        f"COUNT(*) FILTER (WHERE c > 0 AND p <= 0), COUNT(*) FILTER (WHERE c <= 0 AND p > 0) FROM e GROUP BY flow ORDER BY flow"
    )
    hhi = lambda dim, col: (
        f"WITH s AS (SELECT {k(col)} AS key, SUM(value_cny) v FROM {t(dim)} WHERE year = {Y} AND month <= {M} AND {k(col)} IS NOT NULL GROUP BY {k(col)}) "
        f"SELECT SUM(POWER(v * 100.0 / (SELECT SUM(v) FROM s), 2)) FROM s"
    )
    trend = f"SELECT year, month, SUM(value_cny) FROM {t('total')} GROUP BY year, month ORDER BY year, month"

    def sliced(sdim, skey, by):
        """Total of the slice, then its breakdown: on the records, or on the slice dimension's
        own aggregate and the pair table of the two dimensions."""
        if raw:
            total = f"SELECT SUM(CASE WHEN year = {Y} THEN value_cny ELSE 0 END), SUM(CASE WHEN year = {P} THEN value_cny ELSE 0 END) FROM records WHERE {W} AND {sdim} = '{skey}'"
            rows = cur_prev("records", by, f" AND {sdim} = '{skey}'")
            return [total, rows]
        total = f"SELECT SUM(CASE WHEN year = {Y} THEN value_cny ELSE 0 END), SUM(CASE WHEN year = {P} THEN value_cny ELSE 0 END) FROM agg_{sdim} WHERE {W} AND key = '{skey}'"
        pair = PAIR_TABLE[frozenset((sdim, by))]
        rows = cur_prev(pair, by, f" AND {sdim} = '{skey}'")
        return [total, rows]

    def sliced_trend(sdim, skey):
        if raw:
            return [f"SELECT year, month, SUM(value_cny) FROM records WHERE {sdim} = '{skey}' GROUP BY year, month ORDER BY year, month"]
        return [f"SELECT year, month, SUM(value_cny) FROM agg_{sdim} WHERE key = '{skey}' GROUP BY year, month ORDER BY year, month"]

    # Single enterprises within a slice: on the records, or on the slice dimension's aggregate
    # and the enterprise slice files Kaifang writes per period and flow.
    if raw:
        ent_total = f"SELECT SUM(CASE WHEN year = {Y} THEN value_cny ELSE 0 END), SUM(CASE WHEN year = {P} THEN value_cny ELSE 0 END) FROM records WHERE {W} AND partner = '344'"
        ent_rows = cur_prev("records", "uscc", " AND partner = '344'") + " LIMIT 50"
    else:
        ent_total = f"SELECT SUM(CASE WHEN year = {Y} THEN value_cny ELSE 0 END), SUM(CASE WHEN year = {P} THEN value_cny ELSE 0 END) FROM agg_partner WHERE {W} AND key = '344'"
        ent_rows = cur_prev("enterprise_slices", "uscc", " AND dim = 'partner' AND code = '344'") + " LIMIT 50"
    return {
        "summary": [total, cur_prev(t("partner"), k("partner")) + " LIMIT 10", totals],
        "by_partner": [totals, cur_prev(t("partner"), k("partner"))],
        "by_chapter": [totals, cur_prev(t("chapter"), k("chapter"))],
        "by_city": [totals, cur_prev(t("city"), k("city"))],
        "by_trade_mode": [totals, cur_prev(t("trade_mode"), k("trade_mode"))],
        "by_enterprise": [totals, cur_prev(t("enterprise"), k("uscc")) + " LIMIT 50"],
        "trend": [trend],
        "enterprise_dynamics": [dyn, cur_prev(t("enterprise"), k("uscc")) + " LIMIT 10", totals],
        "concentration": [hhi("partner", "partner"), hhi("chapter", "chapter")],
        "slice_partner_by_chapter": sliced("partner", "344", "chapter"),
        "slice_chapter_by_partner": sliced("chapter", "87", "partner"),
        "slice_city_by_partner": sliced("city", "220100", "partner"),
        "slice_mode_by_chapter": sliced("trade_mode", "0110", "chapter"),
        "slice_partner_by_enterprise": [ent_total, ent_rows],
        "slice_partner_trend": sliced_trend("partner", "344"),
        "slice_chapter_trend": sliced_trend("chapter", "87"),
        "slice_city_trend": sliced_trend("city", "220100"),
        "slice_mode_trend": sliced_trend("trade_mode", "0110"),
    }


def check_of(case, res):
    """The figure Kaifang's bench prints for the case, from the results of its statements."""
    if case == "summary":
        return sum(r[3] for r in res[0])
    if case.endswith("trend"):
        return sum(r[2] for r in res[0])
    if case.startswith("by_"):
        return res[1][0][1] if res[1] else None  # the largest row's value this year
    if case.startswith("slice_"):
        return res[0][0][0]  # the slice's total this year
    if case == "enterprise_dynamics":
        return res[0][0][1]  # active exporters this year
    if case == "concentration":
        return res[0][0][0]  # HHI by partner
    raise ValueError(f"no check for {case}")


def run_duckdb(d, runs):
    """DuckDB with its tables loaded into memory once, as Kaifang loads its aggregates when it
    opens the store: the load is timed on its own (`load`), then the queries."""
    import duckdb

    con = duckdb.connect()

    def load(tables):
        t = time.perf_counter()
        for name, glob in tables:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{d}/trade/{glob}')")
        return (time.perf_counter() - t) * 1e3

    aggregates = [(f"agg_{dim}", f"aggregates/{dim}-????-g*.parquet")
                  for dim in ["total", "partner", "chapter", "trade_mode", "city", "ownership", "enterprise", "hs6"]]
    aggregates += [(table, f"aggregates/{table[len('agg_'):]}-????-g*.parquet") for table in PAIR_TABLE.values()]
    aggregates.append(("enterprise_slices", "slices/*.parquet"))
    loads = {"duckdb-agg": load(aggregates), "duckdb": load([("records", "records/*.parquet")])}
    for raw, peer in [(False, "duckdb-agg"), (True, "duckdb")]:
        print(json.dumps({"peer": peer, "case": "load", "ms": loads[peer]}), flush=True)
        for case, stmts in queries(raw).items():
            def once():
                return [con.execute(s).fetchall() for s in stmts]

            res = once()
            ms = []
            for _ in range(runs):
                t = time.perf_counter()
                res = once()
                ms.append((time.perf_counter() - t) * 1e3)
            print(json.dumps({"peer": peer, "case": case, "ms": statistics.median(ms), "check": check_of(case, res)}), flush=True)


def compare(kf, df, imp, demo, inc=None):
    k = {}
    for line in open(kf):
        r = json.loads(line)
        k[r["case"]] = r
    peers = [json.loads(line) for line in open(df)]
    ratios = {}
    loads = {}
    worst = 0.0
    disagree = []
    for p in peers:
        c = p["case"]
        if c == "load":
            loads[p["peer"]] = p["ms"]
            continue
        if c not in k:
            continue
        x, y = k[c]["ms"], p["ms"]
        ratio = y / x if x > 0 else float("inf")
        ratios.setdefault(p["peer"], []).append(ratio)
        worst = max(worst, x)
        same = p["check"] is not None and k[c]["check"] is not None and (
            abs(p["check"] - k[c]["check"]) / max(abs(k[c]["check"]), 1e-9) < 1e-9)
        if not same:
            disagree.append(f"{p['peer']}:{c}")
        print(f"CASE {c} kaifang_ms={x:.2f} peer={p['peer']} peer_ms={y:.2f} ratio={ratio:.2f} "
              f"same_answer={'yes' if same else 'NO'}")
    if "sizes" in k:
        print(
            f"SUMMARY pair_tables rows={k['sizes']['pair_rows']:.0f} records={k['sizes']['records']:.0f} "
            f"ratio={k['sizes']['pair_rows'] / max(k['sizes']['records'], 1):.3f}"
        )
    # The headline: DuckDB on the same aggregates, in memory; the raw-records figures show
    # what an analyst pointing DuckDB at the records would see.
    for peer in sorted(ratios, key=lambda p: p != "duckdb-agg"):
        rs = ratios[peer]
        print(
            f"SUMMARY peer={peer} cases={len(rs)} median_ratio={statistics.median(rs):.2f} "
            f"min_ratio={min(rs):.2f} kaifang_slowest_p50_ms={worst:.2f} "
            f"kaifang_open_ms={k['open']['ms']:.0f} peer_load_ms={loads.get(peer, float('nan')):.0f}"
        )
    print(f"SUMMARY answers_checked={sum(len(r) for r in ratios.values())} disagree={','.join(disagree) or 'none'}")
    demo = json.load(open(demo))
    for line in open(imp):
        i = json.loads(line)
        print(
            f"SUMMARY import rows={i['rows']} seconds={i['seconds']:.2f} rows_per_s={i['rows_per_second']:.0f} "
            f"mb_per_s={i.get('mb_per_second', 0):.1f} file_mb={i.get('file_mb', 0):.0f} "
            f"parse_seconds={i['parse_seconds']:.2f} peak_rss_mb={i['peak_rss_mb']:.0f}"
        )
    print(
        f"SUMMARY demo rows={demo['rows']} seconds={demo['seconds']:.1f} "
        f"rows_per_s={demo['rows'] / demo['seconds']:.0f} peak_rss_mb={demo['peak_rss_mb']:.0f}"
    )
    for line in open(inc) if inc else []:
        i = json.loads(line)
        print(
            f"SUMMARY increment month={i.get('label', '')} store_rows={demo['rows']} month_rows={i['rows']} "
            f"seconds={i['seconds']:.2f} "
            f"parse_seconds={i['parse_seconds']:.2f} peak_rss_mb={i['peak_rss_mb']:.0f}"
        )


if __name__ == "__main__":
    if sys.argv[1] == "duckdb":
        run_duckdb(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "compare":
        compare(*sys.argv[2:7])
    else:
        sys.exit(__doc__)
