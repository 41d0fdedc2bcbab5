"""Forecast peers for bench/forecast: Nixtla statsforecast on the same series as Kaifang.

  peers.py data OUTDIR             write the cases, one CSV of unique_id,ds,y each
  peers.py statsforecast autoets|mstl CASE.csv OUT.csv HOLDOUT RUNS
                                   forecast with AutoETS or MSTL, print one JSON timing line
  peers.py report HOLDOUT CASE.csv KAIFANG,... PEER,... WORKDIR
                                   print the CASE and ACCURACY lines of one case from
                                   WORKDIR/CASE.METHOD.{csv,json}
  peers.py summary WORKDIR         print the SUMMARY lines (targets judged on the synthetic case)

The cases: AirPassengers (shipped by statsforecast), Mauna Loa CO2 and El Nino sea surface
temperatures (shipped by statsmodels), and 1,000 synthetic monthly trade-like series generated
here from a fixed seed. Every series holds out its last HOLDOUT months.
"""

import json
import math
import statistics
import sys
import time

import numpy as np
import pandas as pd

SEED = 20260601
SYNTHETIC = 1000
# Spring Festival dates 2000-2040 (month, day): the Hong Kong Observatory's Gregorian-lunar
# conversion tables, the same facts the Rust side embeds.
FESTIVAL = {
    2000: (2, 5), 2001: (1, 24), 2002: (2, 12), 2003: (2, 1), 2004: (1, 22), 2005: (2, 9),
    2006: (1, 29), 2007: (2, 18), 2008: (2, 7), 2009: (1, 26), 2010: (2, 14), 2011: (2, 3),
    2012: (1, 23), 2013: (2, 10), 2014: (1, 31), 2015: (2, 19), 2016: (2, 8), 2017: (1, 28),
    2018: (2, 16), 2019: (2, 5), 2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22),
    2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13),
    2030: (2, 3), 2031: (1, 23), 2032: (2, 11), 2033: (1, 31), 2034: (2, 19), 2035: (2, 8),
    2036: (1, 28), 2037: (2, 15), 2038: (2, 4), 2039: (1, 24), 2040: (2, 12),
}


def write(df, path):
    df = df[["unique_id", "ds", "y"]].copy()
    df["ds"] = pd.to_datetime(df["ds"]).dt.strftime("%Y-%m-%d")
    df.to_csv(path, index=False)


def real_cases(outdir):
    from statsforecast.utils import AirPassengersDF
    import statsmodels.datasets as smd

    air = AirPassengersDF.copy()
    air["unique_id"] = "airpassengers"
    # Month-end dates in the package; month starts here, like every other case.
    air["ds"] = pd.to_datetime(air["ds"]).dt.to_period("M").dt.to_timestamp()
    write(air, f"{outdir}/airpassengers.csv")

    # Weekly Mauna Loa readings 1958-2001: monthly means, the few empty months interpolated.
    co2 = smd.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    write(pd.DataFrame({"unique_id": "co2", "ds": co2.index, "y": co2.values}), f"{outdir}/co2.csv")

    # Nino 1+2 sea surface temperature by month, 1950-2010; the last 480 months (40 years),
    # as the Rust side accepts at most 600 values.
    el = smd.elnino.load_pandas().data
    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    rows = [(pd.Timestamp(int(r.YEAR), i + 1, 1), getattr(r, m)) for r in el.itertuples() for i, m in enumerate(months)]
    rows = rows[-480:]
    write(pd.DataFrame({"unique_id": "elnino", "ds": [d for d, _ in rows], "y": [v for _, v in rows]}),
          f"{outdir}/elnino.csv")


def january_exposure(year, before=7, after=14):
    """Share of a slowdown window (a week before the festival, two after) in January."""
    m, d = FESTIVAL[year]
    day = d if m == 1 else 31 + d
    start = day - before
    return min(max(31 - start + 1, 0), before + after) / (before + after)


def synthetic(outdir):
    """Monthly trade-like series (synthetic): a level between 50 and 5,000 growing or
    shrinking by up to a few percent a year with a change of slope, a yearly pattern of 5-30 %
    that drifts slowly, multiplicative noise of 3-12 %, and in 40 % of them a Spring Festival
    slowdown of 20-50 % that falls on January or February by the festival's date."""
    rng = np.random.default_rng(SEED)
    frames = []
    for k in range(SYNTHETIC):
        n = int(rng.integers(60, 181))
        end = pd.Timestamp(2025, 12, 1)
        ds = pd.date_range(end=end, periods=n, freq="MS")
        t = np.arange(n)
        level = rng.uniform(math.log(50), math.log(5000))
        g1, g2 = rng.normal(0.004, 0.006, 2)
        brk = int(rng.integers(n // 3, n))
        log_level = level + np.where(t < brk, g1 * t, g1 * brk + g2 * (t - brk))
        amp = rng.uniform(0.05, 0.3)
        harmonics = rng.normal(0, 1, (3, 2))
        pattern = np.zeros((n,))
        drift = np.cumsum(rng.normal(0, 0.02, (n, 3, 2)), axis=0)
        for h in range(3):
            a = harmonics[h, 0] + drift[:, h, 0]
            b = harmonics[h, 1] + drift[:, h, 1]
            w = 2 * math.pi * (h + 1) * (ds.month.values - 1) / 12
            pattern += (a * np.cos(w) + b * np.sin(w)) / (h + 1)
        pattern = amp * pattern / max(np.std(pattern), 1e-9)
        noise = rng.normal(0, rng.uniform(0.03, 0.12), n)
        y = np.exp(log_level + pattern + noise)
        festive = rng.uniform() < 0.4
        if festive:
            depth = rng.uniform(0.2, 0.5)
            for i, d in enumerate(ds):
                if d.month in (1, 2):
                    x = january_exposure(d.year)
                    y[i] *= 1 - depth * (x if d.month == 1 else 1 - x)
        frames.append(pd.DataFrame({"unique_id": f"syn{k:04d}{'-sf' if festive else ''}", "ds": ds, "y": y}))
    write(pd.concat(frames), f"{outdir}/synthetic.csv")


def read_case(path):
    df = pd.read_csv(path, parse_dates=["ds"])
    return df


def split(df, holdout):
    test = df.groupby("unique_id", sort=False).tail(holdout)
    train = df.drop(test.index)
    return train, test


def run_statsforecast(model, case, out, holdout, runs):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, MSTL
    from statsforecast.utils import AirPassengersDF

    make = {
        "autoets": lambda: AutoETS(season_length=12),
        # MSTL with one period and AutoETS on the adjusted series: Kaifang's method.
        "mstl": lambda: MSTL(season_length=12, trend_forecaster=AutoETS(model="ZZN")),
    }[model]
    name = {"autoets": "AutoETS", "mstl": "MSTL"}[model]
    # One thread, like Kaifang's side.
    sf = StatsForecast(models=[make()], freq="MS", n_jobs=1)
    # Warm-up: the first fit pays for imports and any compilation (statsforecast 2.x runs its
    # ETS in compiled code, without numba JIT; the warm-up is kept all the same).
    warm = AirPassengersDF.copy()
    warm["ds"] = pd.to_datetime(warm["ds"]).dt.to_period("M").dt.to_timestamp()
    sf.forecast(df=warm, h=holdout, level=[80, 95])

    train, _ = split(read_case(case), holdout)
    times, fc = [], None
    for _ in range(runs):
        t = time.perf_counter()
        fc = sf.forecast(df=train, h=holdout, level=[80, 95])
        times.append((time.perf_counter() - t) * 1e3)
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    fc["step"] = fc.groupby("unique_id", sort=False).cumcount() + 1
    pd.DataFrame({
        "unique_id": fc["unique_id"], "step": fc["step"], "mean": fc[name],
        "lo80": fc[f"{name}-lo-80"], "hi80": fc[f"{name}-hi-80"],
        "lo95": fc[f"{name}-lo-95"], "hi95": fc[f"{name}-hi-95"],
    }).to_csv(out, index=False)
    print(json.dumps({"series": int(train["unique_id"].nunique()), "ms": statistics.median(times), "runs": runs}))


def measures(train, actual, fc, season=12):
    """MASE (scaled by the in-sample seasonal naive MAE), sMAPE in percent, interval hits:
    the same definitions as kaifang_risk::forecast::accuracy."""
    scale = np.mean(np.abs(train[season:] - train[:-season]))
    mase = np.mean(np.abs(actual - fc["mean"])) / scale if scale > 0 else float("nan")
    denom = np.abs(actual) + np.abs(fc["mean"])
    terms = np.where(denom == 0, 0.0, 200 * np.abs(actual - fc["mean"]) / np.where(denom == 0, 1, denom))
    in80 = np.sum((fc["lo80"] <= actual) & (actual <= fc["hi80"]))
    in95 = np.sum((fc["lo95"] <= actual) & (actual <= fc["hi95"]))
    return mase, float(np.mean(terms)), int(in80), int(in95)


def compare(holdout, case, methods):
    df = read_case(case)
    train, test = split(df, holdout)
    trains = {k: g["y"].to_numpy() for k, g in train.groupby("unique_id", sort=False)}
    tests = {k: g["y"].to_numpy() for k, g in test.groupby("unique_id", sort=False)}
    name = case.rsplit("/", 1)[-1].removesuffix(".csv")
    results = {}
    for spec in methods:
        method, path = spec.split("=", 1)
        fc = pd.read_csv(path)
        groups = {k: g.sort_values("step") for k, g in fc.groupby("unique_id", sort=False)}
        per = {}
        for k, actual in tests.items():
            g = groups[k]
            per[k] = measures(trains[k], actual, {c: g[c].to_numpy() for c in ["mean", "lo80", "hi80", "lo95", "hi95"]})
        points = holdout * len(per)
        res = {
            "mase": statistics.median(v[0] for v in per.values()),
            "smape": statistics.median(v[1] for v in per.values()),
            "coverage_80": 100 * sum(v[2] for v in per.values()) / points,
            "coverage_95": 100 * sum(v[3] for v in per.values()) / points,
            "series": len(per),
        }
        festive = [v for k, v in per.items() if k.endswith("-sf")]
        if festive:
            res["festival_mase"] = statistics.median(v[0] for v in festive)
            res["festival_series"] = len(festive)
        results[method] = res
        extra = (f" festival_series={res['festival_series']} festival_median_mase={res['festival_mase']:.3f}"
                 if festive else "")
        print(f"ACCURACY {name} method={method} series={res['series']} median_mase={res['mase']:.3f} "
              f"median_smape={res['smape']:.2f} coverage_80={res['coverage_80']:.1f} "
              f"coverage_95={res['coverage_95']:.1f}{extra}")
    return results


def case_lines(holdout, case, kaifang, peers, timings):
    """CASE lines (Kaifang against each peer) and the ACCURACY lines of one case."""
    name = case.rsplit("/", 1)[-1].removesuffix(".csv")
    for k_method in kaifang:
        for p_method in peers:
            k_ms, p_ms = timings[k_method]["ms"], timings[p_method]["ms"]
            label = name if k_method == "kaifang" else f"{name}[{k_method}]"
            print(f"CASE {label} kaifang_ms={k_ms:.1f} peer={p_method} peer_ms={p_ms:.1f} ratio={p_ms / k_ms:.1f} "
                  f"series={timings[k_method]['series']} threads=1")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "data":
        real_cases(args[0])
        synthetic(args[0])
    elif cmd == "statsforecast":
        run_statsforecast(args[0], args[1], args[2], int(args[3]), int(args[4]))
    elif cmd == "report":
        # report HOLDOUT CASE.csv kaifang-methods peer-methods WORKDIR: reads WORKDIR/CASE.METHOD.{csv,json}
        holdout, case, kaifang, peers, work = int(args[0]), args[1], args[2].split(","), args[3].split(","), args[4]
        name = case.rsplit("/", 1)[-1].removesuffix(".csv")
        timings = {}
        for m in kaifang + peers:
            with open(f"{work}/{name}.{m}.json") as f:
                timings[m] = json.loads(f.readline())
        case_lines(holdout, case, kaifang, peers, timings)
        res = compare(holdout, case, [f"{m}={work}/{name}.{m}.csv" for m in kaifang + peers])
        with open(f"{work}/{name}.results.json", "w") as f:
            json.dump({"accuracy": res, "timings": timings}, f)
    elif cmd == "summary":
        # summary WORKDIR: the targets, judged on the synthetic case
        work = args[0]
        with open(f"{work}/synthetic.results.json") as f:
            r = json.load(f)
        acc, tim = r["accuracy"], r["timings"]
        peer = acc["statsforecast-autoets"]
        for m in ["kaifang", "kaifang-festival"]:
            a = acc[m]
            accurate = a["mase"] <= peer["mase"] and a["smape"] <= peer["smape"]
            speed = tim["statsforecast-autoets"]["ms"] / tim[m]["ms"]
            print(f"SUMMARY forecast: method={m} on {a['series']} synthetic series: median MASE {a['mase']:.3f} "
                  f"vs AutoETS {peer['mase']:.3f}, median sMAPE {a['smape']:.2f} vs {peer['smape']:.2f} -> "
                  f"accuracy target {'MET' if accurate else 'MISSED'}; {speed:.1f}x AutoETS's speed "
                  f"(target 5x) -> speed target {'MET' if speed >= 5 else 'MISSED'}")
    else:
        sys.exit(__doc__)
