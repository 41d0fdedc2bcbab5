"""Sea-routing peers for bench/routing: searoute and scgraph, timed on the same cases.

  peers.py cases LANES PORTS OUT.csv     write the cases (named ones + a seeded sample of port pairs)
  peers.py searoute CASES.csv RUNS       time searoute, one JSON line per case, then load/memory
  peers.py scgraph LANES CASES.csv RUNS  time scgraph on the lanes file, likewise
  peers.py compare KAIFANG.jsonl PEER.jsonl...   print the CASE and SUMMARY lines
  peers.py network NETWORK.jsonl          print the CASE line of the multimodal planner (no peer)

Each peer runs in its own process so that its peak memory is its own.
"""

import csv
import json
import math
import random
import resource
import statistics
import sys
import time

# Named cases: the corridor the issue is about, and the region's short hops.
NAMED = [
    ("shanghai-rotterdam", (121.497113, 31.400091), (4.442447, 51.904383)),
    ("vladivostok-busan", (131.883333, 43.116667), (129.035797, 35.098203)),
    ("dalian-hamburg", (121.65, 38.916667), (9.969406, 53.54772)),
    ("yingkou-niigata", (122.252422, 40.682157), (139.103387, 37.9102)),
    ("vostochny-losangeles", (133.05, 42.733333), (-118.2645, 33.7395)),
]
SAMPLE = 30
SEED = 20240601
# A port counts as covered by the network when a lane passes within this distance.
COVERED_KM = 50.0


def haversine_km(a, b):
    """Great-circle distance between (lon, lat) points, same sphere as Kaifang."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def write_cases(lanes, ports, out):
    # A sample of port pairs from the port list: seeded, so every run times the same pairs.
    with open(ports) as f:
        features = json.load(f)["features"]
    pts = sorted({(f["properties"]["port"], tuple(f["geometry"]["coordinates"][:2])) for f in features})
    rng = random.Random(SEED)
    rows = [(n, o, d) for n, o, d in NAMED]
    while len(rows) < len(NAMED) + SAMPLE:
        (a, pa), (b, pb) = rng.sample(pts, 2)
        rows.append((f"{a}-{b}", pa, pb))
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "from_lon", "from_lat", "to_lon", "to_lat"])
        for n, o, d in rows:
            w.writerow([n, o[0], o[1], d[0], d[1]])


def read_cases(path):
    with open(path) as f:
        return [(r["name"], (float(r["from_lon"]), float(r["from_lat"])), (float(r["to_lon"]), float(r["to_lat"])))
                for r in csv.DictReader(f)]


def line_km(coords):
    return sum(haversine_km(coords[i], coords[i + 1]) for i in range(len(coords) - 1))


def timed(fn, runs, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def run_searoute(cases, runs):
    import searoute as sr
    from searoute.searoute import setup_M, setup_P

    # Its default network: the same marnet lanes, plus its own joins across the antimeridian.
    # Built once here (searoute caches it) so that queries are timed without the build.
    t = time.perf_counter()
    setup_M(None)
    setup_P(None)
    load_ms = (time.perf_counter() - t) * 1e3
    for name, o, d in cases:
        # Default restrictions (the Northwest Passage closed), like Kaifang's default query.
        q = lambda: sr.searoute(list(o), list(d), units="km")
        try:
            feat = q()
        except Exception as e:  # an unreachable pair is reported, not fatal
            print(json.dumps({"case": name, "error": repr(e)}))
            continue
        coords = feat["geometry"]["coordinates"]
        ms = timed(q, runs)
        print(json.dumps({"case": name, "ms": ms, "network_km": feat["properties"]["length"],
                          "remeasured_km": line_km(coords)}), flush=True)
    print(json.dumps({"load_ms": load_ms, "peak_rss_mb": peak_rss_mb(), "network": "searoute default (marnet + antimeridian joins)"}))


def run_scgraph(lanes, cases, runs):
    from scgraph import GeoGraph

    # scgraph's built-in marnet is downloaded on first use; we load the same lanes file
    # instead, so both tools route on the same network (and no download is needed).
    t = time.perf_counter()
    g = GeoGraph.load_from_geojson(lanes, silent=True)
    load_ms = (time.perf_counter() - t) * 1e3
    for name, o, d in cases:
        origin = {"latitude": o[1], "longitude": o[0]}
        dest = {"latitude": d[1], "longitude": d[0]}
        q = lambda: g.get_shortest_path(origin, dest)  # the default query
        try:
            out = q()
        except Exception as e:
            print(json.dumps({"case": name, "error": repr(e)}))
            continue
        # coordinate_path is [lat, lon]; its reported length uses its own constants, so we
        # also re-measure the path on Kaifang's sphere to compare like with like.
        coords = [(p[1], p[0]) for p in out["coordinate_path"]]
        ms = timed(q, runs)
        print(json.dumps({"case": name, "ms": ms, "total_km": out["length"], "remeasured_km": line_km(coords)}),
              flush=True)
    print(json.dumps({"load_ms": load_ms, "peak_rss_mb": peak_rss_mb(), "network": "the same marnet lanes file (load_from_geojson)"}))


def read_jsonl(path):
    cases, meta = {}, {}
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if "case" in rec:
                cases[rec["case"]] = rec
            else:
                meta = rec
    return cases, meta


def compare(kaifang_path, peer_paths, tolerance=0.03):
    ours, ours_meta = read_jsonl(kaifang_path)
    summary = []
    for peer_path in peer_paths:
        peer = peer_path.rsplit("/", 1)[-1].split(".")[0]
        theirs, meta = read_jsonl(peer_path)
        ratios, agree, n, key = [], 0, 0, None
        for name, k in ours.items():
            p = theirs.get(name)
            if p is None or "error" in p or "error" in k:
                why = (p or {}).get("error") or k.get("error") or "missing"
                print(f"CASE {name} kaifang_ms=- peer={peer} peer_ms=- ratio=- note={why!r}")
                continue
            # A port the lanes pass far from (a mislocated entry, an inland river port) snaps
            # wherever each tool's nearest-node rule puts it: not a comparison of routing.
            if max(k["snap_km"]) > COVERED_KM:
                print(f"CASE {name} kaifang_ms={k['ms']:.4f} peer={peer} peer_ms={p['ms']:.3f} "
                      f"ratio={p['ms'] / k['ms']:.0f} note=not-covered(snap {max(k['snap_km']):.0f} km)")
                continue
            # searoute's length is over the lanes only; scgraph's includes the legs to the lanes.
            ours_km = k["network_km"] if peer == "searoute" else k["total_km"]
            peer_km = p["remeasured_km"]
            diff = (peer_km - ours_km) / ours_km
            ok = abs(diff) <= tolerance
            agree += ok
            n += 1
            ratio = p["ms"] / k["ms"]
            ratios.append(ratio)
            if name == "shanghai-rotterdam":
                key = ratio
            print(f"CASE {name} kaifang_ms={k['ms']:.4f} peer={peer} peer_ms={p['ms']:.3f} ratio={ratio:.0f} "
                  f"kaifang_km={ours_km:.1f} peer_km={peer_km:.1f} diff={diff * 100:+.2f}% agree={'yes' if ok else 'NO'}")
        summary.append(
            f"SUMMARY peer={peer} compared={n} agree={agree}/{n} median_ratio={statistics.median(ratios):.0f} "
            f"shanghai_rotterdam_ratio={key:.0f} peer_load_ms={meta.get('load_ms', 0):.0f} "
            f"peer_peak_rss_mb={meta.get('peak_rss_mb', 0):.0f} network={meta.get('network')!r}")
    for line in summary:
        print(line)
    print(f"SUMMARY kaifang load_ms={ours_meta.get('load_ms', 0):.0f} peak_rss_mb={ours_meta.get('peak_rss_mb', 0):.1f} "
          f"nodes={ours_meta.get('nodes')} directed_edges={ours_meta.get('directed_edges')} ports={ours_meta.get('ports')}")


def network_line(path):
    """The multimodal case has no peer: the line states the issue's target instead."""
    with open(path) as f:
        r = json.loads(f.readline())
    print(f"CASE {r['case']} kaifang_ms={r['p50_ms']:.3f} p90_ms={r['p90_ms']:.3f} peer=- target_ms=5 "
          f"routes={r['routes']} pareto_routes={r['pareto_routes']} load_ms={r['load_ms']:.1f} "
          f"network={r['nodes']}_nodes/{r['links']}_links")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "cases":
        write_cases(*args)
    elif cmd == "searoute":
        run_searoute(read_cases(args[0]), int(args[1]))
    elif cmd == "scgraph":
        run_scgraph(args[0], read_cases(args[1]), int(args[2]))
    elif cmd == "compare":
        compare(args[0], args[1:])
    elif cmd == "network":
        network_line(args[0])
    else:
        sys.exit(__doc__)
