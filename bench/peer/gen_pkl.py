#!/usr/bin/env python3
"""Writes the Pkl counterpart of `bench/gen.py N`: the same stack (a
template, N services, three environments) as typed Pkl data (classes for
services, ports, environment values, probes, volumes, autoscaling and
ingresses), and the functions that render it into the Kubernetes objects
`stackc emit --target k8s --env prod` writes for it, with the same fields
as bench/peer/gen_jsonnet.py's (see there).

`bench/run.sh` times `pkl eval` on it beside `stackc emit` (a peer measured
in the same run). Pkl checks the data against its classes as it reads
them, but knows nothing of Kubernetes or of the stack's references, and
renders the one environment it is asked for.

The stack's shape is bench/shape.py's, as for bench/gen.py.

Usage: gen_pkl.py N > stack.pkl
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import shape  # noqa: E402

HEAD = r'''
class Port {
  container: Int
  service: Int?
}
class EnvValue {
  config: Pair<String, String>?
  secret: String?
  upstream: String?
  environment: Boolean = false
}
class Health {
  http: String
  interval: Int
  timeout: Int
  retries: Int
}
class Volume {
  size: String
  mount: String
}
class Autoscale {
  min: Int
  max: Int
  cpu: Int
  memory: Int
}
class Ingress {
  host: String
  tls: Boolean
}
class Template {
  restart: String
  user: Int
  readOnlyRoot: Boolean
  cpu: Pair<String, String>
  memory: Pair<String, String>
}
class Service {
  template: String
  image: String
  ports: Mapping<String, Port>
  env: Mapping<String, EnvValue>
  health: Health
  dependsOn: Mapping<String, String>
  volumes: Mapping<String, Volume>
  autoscale: Autoscale?
  ingress: Ingress?
}
class Override {
  tag: String?
  replicas: Int?
}
class Environment {
  name: String
  namespace: String
  services: Mapping<String, Override>
}

local stack = new Dynamic { name = "bench"; namespace = "bench"; registry = "ghcr.io/acme/bench"; version = "1.0.0" }
local config: Mapping<String, Mapping<String, String>> = new {
  ["app"] { ["LOG_LEVEL"] = "info"; ["FEATURE_X"] = "on" }
}
local templates: Mapping<String, Template> = new {
  ["web"] {
    restart = "always"
    user = 1000
    readOnlyRoot = true
    cpu = Pair("100m", "500m")
    memory = Pair("128Mi", "512Mi")
  }
}
'''

LIB = r'''
local env = environments["prod"]

local function labelsOf(owner: String?): Mapping<String, String> = new {
  when (owner != null) { ["app.kubernetes.io/name"] = owner }
  ["app.kubernetes.io/instance"] = stack.name
  ["app.kubernetes.io/part-of"] = stack.name
  ["app.kubernetes.io/version"] = stack.version
  ["app.kubernetes.io/managed-by"] = "stackc"
}
local function selectorOf(n: String): Mapping<String, String> = new {
  ["app.kubernetes.io/name"] = n
  ["app.kubernetes.io/instance"] = stack.name
}
local function metadataOf(n: String, owner: String?) = new Dynamic {
  name = n
  namespace = env.namespace
  labels = labelsOf(owner)
}

local function servicePort(n: String, p: String): Int =
  let (q = services[n].ports[p]) q.service ?? q.container

local function imageOf(n: String): String =
  let (s = services[n]) let (tag = env.services.getOrNull(n)?.tag)
    if (tag == null) s.image else s.image.split(":").first + ":" + tag

local function replicasOf(n: String): Int = env.services.getOrNull(n)?.replicas ?? 1

local function envEntry(k: String, v: EnvValue) = new Dynamic {
  name = k
  when (v.config != null) {
    valueFrom { configMapKeyRef { name = v.config.first; key = v.config.second } }
  } else {
    when (v.secret != null) {
      valueFrom { secretKeyRef { name = v.secret.replaceAll("_", "-"); key = "value" } }
    } else {
      value = if (v.upstream != null) "http://\(v.upstream):\(servicePort(v.upstream, "http"))/api" else env.name
    }
  }
}

local function probeOf(h: Health) = new Dynamic {
  httpGet { path = h.http; port = "http" }
  periodSeconds = h.interval
  timeoutSeconds = h.timeout
  failureThreshold = h.retries
}

// Each config the service reads, once, in order of first use: its entries
// in declaration order, each part followed by a NUL.
local function checksumOf(s: Service): String =
  let (used = s.env.toMap().values.filter((v) -> v.config != null).map((v) -> v.config.first).distinct)
    used.fold("", (acc, c) -> config[c].toMap().entries.fold(acc, (a, e) -> a + c + "\u{0}" + e.key + "\u{0}" + e.value + "\u{0}")).sha256

local function deploymentOf(n: String) = let (s = services[n]) let (t = templates[s.template]) new Dynamic {
  apiVersion = "apps/v1"
  kind = "Deployment"
  metadata = metadataOf(n, n)
  spec {
    when (s.autoscale == null) { replicas = replicasOf(n) }
    selector { matchLabels = selectorOf(n) }
    strategy { type = "RollingUpdate" }
    template {
      metadata {
        labels = labelsOf(n)
        annotations = new Mapping { ["checksum/config"] = checksumOf(s) }
      }
      spec {
        securityContext { runAsNonRoot = true; runAsUser = t.user; seccompProfile { type = "RuntimeDefault" } }
        containers {
          new {
            name = n
            image = imageOf(n)
            ports { for (p, q in s.ports) { new { name = p; containerPort = q.container; protocol = "TCP" } } }
            env { for (k, v in s.env) { envEntry(k, v) } }
            resources {
              requests { cpu = t.cpu.first; memory = t.memory.first }
              limits { cpu = t.cpu.second; memory = t.memory.second }
            }
            livenessProbe = probeOf(s.health)
            readinessProbe = probeOf(s.health)
            securityContext {
              allowPrivilegeEscalation = false
              readOnlyRootFilesystem = t.readOnlyRoot
              capabilities { drop { "ALL" } }
            }
            volumeMounts {
              for (v, vol in s.volumes) { new { name = v; mountPath = vol.mount } }
              new { name = "tmp"; mountPath = "/tmp" }
            }
          }
        }
        volumes {
          for (v, _ in s.volumes) { new { name = v; persistentVolumeClaim { claimName = "\(n)-\(v)" } } }
          new { name = "tmp"; emptyDir {} }
        }
      }
    }
  }
}

local function serviceOf(n: String) = new Dynamic {
  apiVersion = "v1"
  kind = "Service"
  metadata = metadataOf(n, n)
  spec {
    type = "ClusterIP"
    selector = selectorOf(n)
    ports { for (p, _ in services[n].ports) { new { name = p; port = servicePort(n, p); targetPort = p; protocol = "TCP" } } }
  }
}

local function claimsOf(n: String): Listing = new {
  for (v, vol in services[n].volumes) {
    new Dynamic {
      apiVersion = "v1"
      kind = "PersistentVolumeClaim"
      metadata = metadataOf("\(n)-\(v)", n)
      spec {
        accessModes { "ReadWriteOnce" }
        resources { requests { storage = vol.size } }
      }
    }
  }
}

local function metric(r: String, u: Int) = new Dynamic {
  type = "Resource"
  resource { name = r; target { type = "Utilization"; averageUtilization = u } }
}

local function hpaOf(n: String, a: Autoscale) = new Dynamic {
  apiVersion = "autoscaling/v2"
  kind = "HorizontalPodAutoscaler"
  metadata = metadataOf(n, n)
  spec {
    scaleTargetRef { apiVersion = "apps/v1"; kind = "Deployment"; name = n }
    minReplicas = a.min
    maxReplicas = a.max
    metrics { metric("cpu", a.cpu); metric("memory", a.memory) }
  }
}

local function ingressOf(n: String, i: Ingress) = new Dynamic {
  apiVersion = "networking.k8s.io/v1"
  kind = "Ingress"
  metadata = metadataOf(n, n)
  spec {
    tls { new { hosts { i.host }; secretName = "\(n)-tls" } }
    rules {
      new {
        host = i.host
        http { paths { new {
          path = "/"
          pathType = "Prefix"
          backend { service { name = n; port { name = "http" } } }
        } } }
      }
    }
  }
}

output {
  value = new Listing {
    new Dynamic { apiVersion = "v1"; kind = "Namespace"; metadata { name = env.namespace; labels = labelsOf(null) } }
    for (c, data in config) {
      new Dynamic { apiVersion = "v1"; kind = "ConfigMap"; metadata = metadataOf(c, null); ["data"] = data }
    }
    for (n, _ in services) { ...claimsOf(n) }
    for (n, _ in services) { serviceOf(n) }
    for (n, _ in services) { deploymentOf(n) }
    for (n, s in services) { when (s.autoscale != null) { hpaOf(n, s.autoscale) } }
    for (n, s in services) { when (s.ingress != null) { ingressOf(n, s.ingress) } }
  }
  renderer = new YamlRenderer { isStream = true }
}
'''


def main(n: int) -> None:
    w = sys.stdout.write
    w(f'// Synthetic stack with {n} services: the Pkl counterpart of bench/gen.py.\n')
    w(HEAD)
    w('local services: Mapping<String, Service> = new {\n')
    for s in shape.services(n):
        w(f'  ["{s.name}"] {{\n    template = "web"\n    image = "acme/{s.name}:{s.tag}"\n')
        w('    ports {\n      ["http"] { container = 8080; service = 80 }\n      ["metrics"] { container = 9100 }\n    }\n')
        w('    env {\n      ["LOG_LEVEL"] { config = Pair("app", "LOG_LEVEL") }\n      ["DATABASE_URL"] { secret = "db_url" }\n')
        if s.upstream:
            w(f'      ["UPSTREAM"] {{ upstream = "{s.upstream}" }}\n')
        w('      ["MODE"] { environment = true }\n    }\n')
        w('    health { http = "/health"; interval = 10; timeout = 3; retries = 3 }\n')
        if s.upstream:
            w(f'    dependsOn {{ ["{s.upstream}"] = "healthy" }}\n')
        if s.volume:
            w('    volumes { ["data"] { size = "1Gi"; mount = "/data" } }\n')
        if s.autoscale:
            w('    autoscale { min = 2; max = 10; cpu = 70; memory = 80 }\n')
        if s.ingress:
            w(f'    ingress {{ host = "{s.name}.example.com"; tls = true }}\n')
        w('  }\n')
    w('}\n')
    w('local environments: Mapping<String, Environment> = new {\n')
    for env in shape.ENVIRONMENTS:
        w(f'  ["{env.name}"] {{\n    name = "{env.name}"\n    namespace = "bench-{env.name}"\n    services {{\n')
        for name, replicas in shape.changed(n):
            extra = f"; replicas = {env.replicas}" if replicas else ""
            w(f'      ["{name}"] {{ tag = "{env.tag}"{extra} }}\n')
        w('    }\n  }\n')
    w('}\n')
    w(LIB)


if __name__ == "__main__":
    main(int(sys.argv[1]))
