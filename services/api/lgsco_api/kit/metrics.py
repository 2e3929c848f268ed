"""Prometheus metrics: request counts and latency by route template, plus figures read from the
database and Redis at scrape time (so every API replica reports the same ingest, site-fetch and
webhook numbers without the worker having to expose its own endpoint).

Each app has its own registry, so tests can build many apps in one process.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from lgsco_shared.sitemetrics import OUTCOMES, SiteFigures

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

        self.webhook_deliveries = Gauge(
            "lgsco_webhook_deliveries",
            "Webhook deliveries by status: pending (to send or retry), delivered, dead (given up).",
            ["status"],
            registry=r,
        )
        self.webhook_failed_24h = Gauge(
            "lgsco_webhook_failed_attempts_last_24h",
            "Delivery attempts in the last 24 hours that got no 2xx answer.",
            registry=r,
        )
        self.webhook_subscriptions = Gauge(
            "lgsco_webhook_subscriptions",
            "Webhook subscriptions by status (active, suspended after failing for too long).",
            ["status"],
            registry=r,
        )
        self.site = SiteFigures()  # the workers' requests to the site, read at scrape time
        r.register(_SiteCollector(self))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _SiteCollector(Collector):
    """The workers' counts of requests to the LGSCO site (lgsco_shared.sitemetrics) as counters
    and a histogram, from the figures read at the start of the scrape."""

    def __init__(self, metrics: ApiMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        figures = self._metrics.site
        requests = CounterMetricFamily(
            "lgsco_site_requests",
            "Requests sent to the LGSCO site by all workers (every try), by outcome.",
            labels=["outcome"],
        )
        for outcome in OUTCOMES:
            requests.add_metric([outcome], figures.requests.get(outcome, 0))
        yield requests
        yield CounterMetricFamily(
            "lgsco_site_retries",
            "Tries that repeated a failed request to the site.",
            value=figures.retries,
        )
        yield HistogramMetricFamily(
            "lgsco_site_request_duration_seconds",
            "Time the LGSCO site took to answer one try.",
            buckets=figures.cumulative(),
            sum_value=figures.seconds_sum,
        )
