"""Replay recorded callback requests with random filters: page updates, cold and warm, and load.

The server-side time of a page update is measured as the HTTP round trip on loopback: the
filter-bar request (a control changed → the new URL), then the requests the new URL fires, sent
in parallel as a browser does (each on its own keep-alive connection), until the last answers.
"""

from __future__ import annotations

import copy
import http.client
import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.browser import UPDATE, Recorded
from bench.stats import percentile, summary

DROPDOWN_IDS: dict[str, str] = {}  # dropdown id → Filters dimension, filled by `vocabularies`


def vocabularies() -> dict[str, list[str]]:
    """Every filter dimension's codes (the real vocabularies), and the dropdown ids."""
    from dashboards import dimensions, ids

    DROPDOWN_IDS.update({v: k for k, v in ids.DROPDOWN.items()})
    return {d.key: d.codes() for d in dimensions.FILTERS}


class FilterSource:
    """Random filter combinations: 0–3 dimensions set (years among them), each new unless asked."""

    def __init__(self, vocab: dict[str, list[str]], years: tuple[int, int], seed: int = 7):
        from dashboards.filters import Filters

        self.Filters = Filters
        self.vocab = vocab
        self.years = years
        self.rng = random.Random(seed)
        self.seen: set[str] = {"?"}

    def draw(self):
        """A random `Filters` (not necessarily new)."""
        dims = [*self.vocab, "years"]
        chosen = self.rng.sample(dims, self.rng.choice([0, 1, 1, 2, 2, 3]))
        kwargs: dict = {}
        for dim in chosen:
            if dim == "years":
                lo, hi = self.years
                a = self.rng.randint(lo, hi)
                b = self.rng.randint(a, min(hi, a + self.rng.choice([0, 2, 5, 10])))
                if (a, b) != (lo, hi):
                    kwargs["years"] = (a, b)
            else:
                codes = self.vocab[dim]
                kwargs[dim] = tuple(self.rng.sample(codes, min(len(codes), self.rng.randint(1, 3))))
        f = self.Filters(**kwargs)
        return self.Filters.from_query(f.to_query())[0]  # canonical order

    def new(self):
        """A combination never drawn before (a cold cache on the server)."""
        for _ in range(1000):
            f = self.draw()
            if f.cache_key() not in self.seen:
                self.seen.add(f.cache_key())
                return f
        raise RuntimeError("ran out of new filter combinations")


def _walk_inputs(body: dict):
    for key in ("inputs", "state"):
        for item in body.get(key, []):
            yield from (item if isinstance(item, list) else [item])


def trigger_body(rec: Recorded, previous_search: str, filters, years: tuple[int, int]) -> dict:
    """The filter-bar request for a change from the URL `previous_search` to `filters`."""
    body = copy.deepcopy(rec.trigger)
    for item in _walk_inputs(body):
        cid, prop = item.get("id"), item.get("property")
        if cid == "url" and prop == "search":
            item["value"] = previous_search
        elif cid == "filter-years" and prop == "value":
            item["value"] = list(filters.years or years)
        elif isinstance(cid, str) and cid in DROPDOWN_IDS and prop == "value":
            values = list(getattr(filters, DROPDOWN_IDS[cid]))
            item["value"] = values or None
    return body


def dependent_bodies(rec: Recorded, search: str) -> list[dict]:
    """The requests the new URL fires, for the new query string."""
    out = []
    for dep in rec.dependents:
        body = copy.deepcopy(dep)
        for item in _walk_inputs(body):
            if item.get("id") == "url" and item.get("property") == "search":
                item["value"] = search
        out.append(body)
    return out


class Client:
    """Keep-alive HTTP connections to the app, one per thread."""

    def __init__(self, base: str, timeout: float = 120):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.timeout = timeout
        self._local = threading.local()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def post(self, body: dict) -> tuple[float, int, int, bytes]:
        """POST a callback request: (ms, status, response bytes, response body)."""
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        for attempt in (0, 1):
            conn = self._conn()
            started = time.perf_counter()
            try:
                conn.request("POST", UPDATE, body=data, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                ms = (time.perf_counter() - started) * 1000
                return ms, resp.status, len(payload), payload
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


@dataclass
class Update:
    """One page update: total ms, per-request ms and bytes, and failures."""

    ms: float
    requests: list[tuple[str, float, int]] = field(default_factory=list)  # (output, ms, bytes)
    errors: int = 0
    search: str = ""
    failed: list[str] = field(default_factory=list)  # "status output" of each failed request

    @property
    def charts_ms(self) -> float | None:
        """Time of the request that returns every chart's figure."""
        return next(
            (ms for out, ms, _ in self.requests if "chart-graph" in out and "figure" in out), None
        )


class Updater:
    """Sends the requests of one filter change: the filter-bar request, then its dependents."""

    def __init__(self, client: Client, parallel: int = 6):
        self.client = client
        self.pool = ThreadPoolExecutor(max_workers=parallel)

    def close(self) -> None:
        """Stop the pool."""
        self.pool.shutdown(wait=True)

    def update(self, rec: Recorded, previous_search: str, filters, years) -> Update:
        """One filter change on the page `rec` (from `previous_search` to `filters`)."""
        errors = 0
        failed: list[str] = []
        started = time.perf_counter()
        trig = trigger_body(rec, previous_search, filters, years)
        t_ms, status, nbytes, payload = self.client.post(trig)
        search = filters.to_query()
        if status == 200:
            try:
                search = json.loads(payload)["response"]["url"]["search"] or ""
            except (ValueError, KeyError, TypeError):
                pass
        else:
            errors += 1
            failed.append(f"{status} {rec.trigger['output'][:60]}")
        requests = [(rec.trigger["output"], t_ms, nbytes)]
        bodies = dependent_bodies(rec, search)
        results = list(self.pool.map(self._post_safe, bodies))
        for body, (ms, status, nb) in zip(bodies, results, strict=True):
            requests.append((body["output"], ms, nb))
            if status not in (200, 204):
                errors += 1
                failed.append(f"{status} {body['output'][:60]}")
        total = (time.perf_counter() - started) * 1000
        return Update(total, requests, errors, search, failed)

    def _post_safe(self, body: dict) -> tuple[float, int, int]:
        try:
            ms, status, nb, _ = self.client.post(body)
            return ms, status, nb
        except (http.client.HTTPException, OSError):
            return 0.0, 599, 0


def concurrency(
    base: str,
    recorded: list[Recorded],
    source: FilterSource,
    years: tuple[int, int],
    users: int,
    seconds: float,
    think_s: float = 0.0,
    pool: int | None = None,
) -> dict:
    """N simulated users, each changing filters on random pages as fast as answers come back
    (no think time) for a bounded time: page updates/s, requests/s, p95 and errors.

    `think_s`: each user pauses a uniform 0.5–1.5 × think_s after each answer (a person
    reading the page). `pool`: filter combinations to draw from (default 20 per user, at least
    200); give the same pool at every user count to compare equal work."""
    lock = threading.Lock()
    latencies: list[float] = []
    request_ms: list[float] = []
    errors = 0
    failures: Counter = Counter()
    stop_at = time.perf_counter() + seconds
    rngs = [random.Random(1000 + i) for i in range(users)]
    filters_pool = [source.draw() for _ in range(pool or max(200, users * 20))]

    def user(i: int) -> None:
        nonlocal errors
        client = Client(base, timeout=60)
        updater = Updater(client, parallel=3)
        previous = ""
        try:
            while time.perf_counter() < stop_at:
                rec = rngs[i].choice(recorded)
                f = rngs[i].choice(filters_pool)
                try:
                    u = updater.update(rec, previous, f, years)
                except (http.client.HTTPException, OSError) as e:
                    with lock:
                        errors += 1
                        failures[f"connection {type(e).__name__}"] += 1
                    continue
                previous = u.search
                if think_s:
                    time.sleep(think_s * rngs[i].uniform(0.5, 1.5))
                with lock:
                    latencies.append(u.ms)
                    request_ms.extend(ms for _, ms, _ in u.requests)
                    errors += u.errors
                    failures.update(u.failed)
        finally:
            updater.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 180)
    elapsed = time.perf_counter() - started
    lat = summary(latencies, 1)
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "updates": len(latencies),
        "updates_per_s": round(len(latencies) / elapsed, 2),
        "rps": round(len(request_ms) / elapsed, 1),
        "p50_ms": lat["p50"],
        "p95_ms": lat["p95"],
        "request_p95_ms": round(percentile(request_ms, 95) or 0, 1) if request_ms else None,
        "errors": errors,
        "error_detail": dict(failures.most_common(5)),
    }
