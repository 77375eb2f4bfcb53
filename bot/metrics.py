"""Prometheus metrics of one running bot (``GET /metrics``).

Each :class:`Metrics` has its own registry, so tests can run several servers in one process.
Labels never carry a user, a channel or question text.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.questions = Counter("grundlagbot_questions", "Questions received", ["platform"], registry=r)
        self.answers = Counter(
            "grundlagbot_answers", "Questions answered or declined", ["outcome"], registry=r
        )
        self.latency = Histogram(
            "grundlagbot_answer_seconds",
            "Time to compose an answer",
            registry=r,
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
        )
        self.reloads = Counter("grundlagbot_reloads", "Knowledge reloads", ["outcome"], registry=r)
        self.posts = Counter("grundlagbot_scheduled_posts", "Scheduled posts", ["job", "outcome"], registry=r)
        self.errors = Counter(
            "grundlagbot_errors", "Errors while handling a message or job", ["where"], registry=r
        )
        self.busy = Counter(
            "grundlagbot_busy",
            "Questions turned away with 'busy, try again' because the reply queue was full",
            ["platform"],
            registry=r,
        )
        self.entries = Gauge(
            "grundlagbot_knowledge_entries", "Entries in the serving knowledge base", registry=r
        )

        self.knowledge_in_sync = Gauge(
            "grundlagbot_knowledge_in_sync",
            "1 when this replica serves the knowledge version the replicas published, 0 when its files differ",
            registry=r,
        )
        self.knowledge_in_sync.set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)
