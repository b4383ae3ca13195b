"""Prometheus metrics of one app: requests, latencies, verdicts (prometheus_client, own registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "compliance_http_requests_total", "HTTP requests answered", ["method", "route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "compliance_http_request_seconds", "Time to answer a request", ["route"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
        )  # fmt: skip
        self.verdicts = Counter(
            "compliance_check_verdicts_total", "Checks stored, by shipment verdict", ["verdict"],
            registry=self.registry,
        )  # fmt: skip
