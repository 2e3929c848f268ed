"""Prometheus metrics: request counts and latency by route template, plus gauges read from the
database and the queue at scrape time (so every API replica reports the same ingest numbers
without the worker having to expose its own endpoint).

Each app has its own registry, so tests can build many apps in one process.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "lgsco_api_requests", "HTTP requests served.", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "lgsco_api_request_duration_seconds",
            "Time to serve a request, by route template.",
            ["method", "route"],
            buckets=BUCKETS,
            registry=r,
        )
        self.up = Gauge(
            "lgsco_backend_up", "1 when a backing service answers.", ["service"], registry=r
        )
        self.decisions = Gauge(
            "lgsco_decisions_stored",
            "Decisions stored, by publication status.",
            ["status"],
            registry=r,
        )
        self.failures_24h = Gauge(
            "lgsco_ingest_failures_last_24h",
            "Ingest failures recorded in the last 24 hours.",
            registry=r,
        )
        self.results_24h = Gauge(
            "lgsco_ingest_results_last_24h",
            "Per-reference results of runs finished in the last 24 hours (new, changed, ...).",
            ["result"],
            registry=r,
        )
        self.runs = Gauge(
            "lgsco_ingest_runs_active", "Runs queued or running.", ["status"], registry=r
        )
        self.last_success = Gauge(
            "lgsco_ingest_last_success_timestamp_seconds",
            "When a run of each kind last succeeded (Unix time).",
            ["kind"],
            registry=r,
        )
        self.queue_depth = Gauge("lgsco_queue_depth", "Jobs waiting in the arq queue.", registry=r)
        self.lag = Gauge(
            "lgsco_publication_lag_days",
            "Days from decision date to first sight, over decisions the refresh found "
            "(p50, p95, max).",
            ["statistic"],
            registry=r,
        )
        self.late = Gauge(
            "lgsco_publication_late_decisions",
            "Decisions the refresh first saw more than 92 days after their decision date.",
            registry=r,
        )
        self.rate_limited = Counter(
            "lgsco_rate_limited",
            "Requests refused with 429, by what was counted (address or key).",
            ["by"],
            registry=r,
        )
        self.rate_limit_unchecked = Counter(
            "lgsco_rate_limit_unchecked",
            "Requests let through without a rate-limit check because Redis was unreachable.",
            registry=r,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
