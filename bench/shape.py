"""The shape of the synthetic benchmark stack, shared by bench/gen.py (the
.stack source) and its counterparts for peer tools (bench/peer/): which
service has what, and what each environment changes. Each generator writes
this one stack in its own language, so they cannot drift apart."""
from typing import Iterator, NamedTuple


class Service(NamedTuple):
    index: int
    name: str
    # The image's tag in the base.
    tag: str
    # The service it depends on and whose address it reads (its
    # predecessor), if any.
    upstream: str | None
    # A persistent volume on every 10th service, autoscaling on every 5th,
    # an ingress on every 20th.
    volume: bool
    autoscale: bool
    ingress: bool


class Environment(NamedTuple):
    name: str
    # What it sets on the services it changes.
    replicas: int
    tag: str


ENVIRONMENTS = [
    Environment("dev", 1, "dev"),
    Environment("staging", 2, "1.0.0-rc1"),
    Environment("prod", 3, "1.0.0"),
]


def name(i: int) -> str:
    return f"svc-{i:05d}"


def services(n: int) -> Iterator[Service]:
    for i in range(n):
        yield Service(
            index=i,
            name=name(i),
            tag=f"1.0.{i % 7}",
            upstream=name(i - 1) if i > 0 else None,
            volume=i % 10 == 0,
            autoscale=i % 5 == 0,
            ingress=i % 20 == 0,
        )


def changed(n: int) -> Iterator[tuple[str, bool]]:
    """The services every environment changes (every third: its image tag),
    and whether it sets their replicas (not where they autoscale)."""
    for s in services(n):
        if s.index % 3 == 0:
            yield s.name, not s.autoscale
