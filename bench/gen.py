#!/usr/bin/env python3
"""Generates a synthetic stack with N services for benchmarks.

Each service applies a template, declares ports, env (literals, secret and
config references, interpolation of another service's host/port), a health
check, resources, a persistent volume on every 10th service, autoscaling on
every 5th, an ingress on every 20th, and depends on its predecessor. Three
environments change replicas, tags, limits and namespaces; a pipeline builds
and deploys. Which service has what, and what the environments change, is
bench/shape.py's, shared with the generators of the same stack for peer
tools (bench/peer/). Usage: gen.py N > stack.stack
"""
import sys

import shape

def main(n: int) -> None:
    w = sys.stdout.write
    w(f'/// Synthetic stack with {n} services.\n')
    w('stack bench {\n    namespace = "bench"\n    registry = "ghcr.io/acme/bench"\n    version = "1.0.0"\n')
    w('    targets = [compose, k8s, kustomize, helm]\n}\n\n')
    w('let log_level = "info"\n\n')
    w('secret db_url {\n    description = "database URL"\n    kind = url\n}\n\n')
    w('secret kubeconfig {\n    description = "cluster credentials"\n}\n\n')
    w('config app {\n    LOG_LEVEL = "info"\n    FEATURE_X = "on"\n}\n\n')
    w('template web {\n    restart = always\n    security {\n        user = 1000\n        read_only_root = true\n    }\n')
    w('    resources {\n        cpu = 100m..500m\n        memory = 128Mi..512Mi\n    }\n}\n\n')
    for s in shape.services(n):
        w(f'/// Service number {s.index}.\nservice {s.name} : web {{\n')
        w(f'    image = "acme/{s.name}:{s.tag}"\n')
        w('    port http {\n        container = 8080\n        service = 80\n    }\n')
        w('    port metrics {\n        container = 9100\n    }\n')
        w('    env {\n        LOG_LEVEL = config.app.LOG_LEVEL\n        DATABASE_URL = secret.db_url\n')
        if s.upstream:
            w(f'        UPSTREAM = "http://${{{s.upstream}.host}}:${{{s.upstream}.port.http}}/api"\n')
        w('        MODE = "${environment.name}"\n    }\n')
        w('    health {\n        http = "/health"\n        interval = 10s\n        timeout = 3s\n        retries = 3\n    }\n')
        if s.upstream:
            w(f'    depends_on {{\n        {s.upstream} = healthy\n    }}\n')
        if s.volume:
            w('    volume data {\n        size = 1Gi\n        mount = "/data"\n    }\n')
        if s.autoscale:
            w('    autoscale {\n        min = 2\n        max = 10\n        cpu = 70%\n        memory = 80%\n    }\n')
        if s.ingress:
            w(f'    ingress {{\n        host = "{s.name}.example.com"\n        tls = true\n    }}\n')
        w('}\n\n')
    for env in shape.ENVIRONMENTS:
        w(f'environment {env.name} {{\n    namespace = "bench-{env.name}"\n')
        for name, replicas in shape.changed(n):
            w(f'    service {name} {{\n        tag = "{env.tag}"\n')
            if replicas:
                w(f'        replicas = {env.replicas}\n')
            w('    }\n')
        w('}\n\n')
    w('pipeline release {\n    on {\n        push {\n            branches = ["main"]\n        }\n    }\n')
    w('    job deploy {\n        environment = prod\n        steps {\n            checkout {}\n')
    w('            deploy {\n                environment = prod\n                kubeconfig = secret.kubeconfig\n            }\n')
    w('        }\n    }\n}\n')

if __name__ == "__main__":
    main(int(sys.argv[1]))
