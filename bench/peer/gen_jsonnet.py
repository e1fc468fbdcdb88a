#!/usr/bin/env python3
"""Writes the Jsonnet counterpart of `bench/gen.py N`: the same stack (a
template, N services, three environments) as Jsonnet data, and the
functions that turn it into the Kubernetes objects `stackc emit --target
k8s --env prod` writes for it (Namespace, the config's ConfigMap, and per
service a Deployment, a Service, a PersistentVolumeClaim on every 10th, a
HorizontalPodAutoscaler on every 5th, an Ingress on every 20th), with the
same fields: labels, the config checksum annotation, probes, resources,
security contexts, the environment's image tags and replicas, and the
upstream URL read off the previous service's port.

`bench/run.sh` times `jrsonnet -y` on it beside `stackc emit` (a peer
measured in the same run). The program is written as a Jsonnet user would
write it by hand: data first, then a library of functions. Unlike stackc,
it checks nothing (no types, no references, no rules): it is the work of
rendering alone.

The stack's shape is bench/shape.py's, as for bench/gen.py.

Usage: gen_jsonnet.py N > stack.jsonnet
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import shape  # noqa: E402

LIB = r'''
local env = environments.prod;

local labels(name) = (if name == null then {} else { 'app.kubernetes.io/name': name }) + {
  'app.kubernetes.io/instance': stack.name,
  'app.kubernetes.io/part-of': stack.name,
  'app.kubernetes.io/version': stack.version,
  'app.kubernetes.io/managed-by': 'stackc',
};
local selector(name) = {
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/instance': stack.name,
};
local metadata(name, owner) = {
  name: name,
  namespace: env.namespace,
  labels: labels(owner),
};

// A service with its template's settings and the environment's changes.
local resolved(name) =
  local s = services[name];
  local t = templates[s.template];
  local o = std.get(env.services, name, {});
  t + s + {
    replicas: std.get(o, 'replicas', 1),
    image: if std.objectHas(o, 'tag') then std.split(s.image, ':')[0] + ':' + o.tag else s.image,
  };

local host(name) = name;
local port(name, p) = local q = services[name].ports[p]; std.get(q, 'service', q.container);

local envValue(v) =
  if std.objectHas(v, 'config') then
    { valueFrom: { configMapKeyRef: { name: v.config[0], key: v.config[1] } } }
  else if std.objectHas(v, 'secret') then
    { valueFrom: { secretKeyRef: { name: std.strReplace(v.secret, '_', '-'), key: 'value' } } }
  else if std.objectHas(v, 'upstream') then
    { value: 'http://%s:%d/api' % [host(v.upstream), port(v.upstream, 'http')] }
  else if std.objectHas(v, 'environment') then
    { value: env.name }
  else { value: v.value };

local probe(h) = {
  httpGet: { path: h.http, port: 'http' },
  periodSeconds: h.interval,
  timeoutSeconds: h.timeout,
  failureThreshold: h.retries,
};

// Each config the service reads, once, in order of first use: its
// entries in declaration order, each part followed by a NUL.
local checksum(s) =
  local refs = [s.env[k].config[0] for k in s.env_order if std.objectHas(s.env[k], 'config')];
  local used = std.foldl(function(seen, c) if std.member(seen, c) then seen else seen + [c], refs, []);
  std.sha256(std.join('', [
    c + '\u0000' + k + '\u0000' + config[c][k] + '\u0000'
    for c in used
    for k in config_order[c]
  ]));

local deployment(name) =
  local s = resolved(name);
  local volumes = [{ name: v, persistentVolumeClaim: { claimName: name + '-' + v } } for v in std.objectFields(std.get(s, 'volumes', {}))];
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(name, name),
    spec: (if std.objectHas(s, 'autoscale') then {} else { replicas: s.replicas }) + {
      selector: { matchLabels: selector(name) },
      strategy: { type: 'RollingUpdate' },
      template: {
        metadata: { labels: labels(name), annotations: { 'checksum/config': checksum(s) } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: s.security.user, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: name,
            image: s.image,
            ports: [{ name: p, containerPort: s.ports[p].container, protocol: 'TCP' } for p in std.objectFields(s.ports)],
            env: [{ name: k } + envValue(s.env[k]) for k in s.env_order],
            resources: {
              requests: { cpu: s.resources.cpu[0], memory: s.resources.memory[0] },
              limits: { cpu: s.resources.cpu[1], memory: s.resources.memory[1] },
            },
            livenessProbe: probe(s.health),
            readinessProbe: probe(s.health),
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: s.security.read_only_root,
              capabilities: { drop: ['ALL'] },
            },
            volumeMounts: [{ name: v, mountPath: s.volumes[v].mount } for v in std.objectFields(std.get(s, 'volumes', {}))]
                          + [{ name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: volumes + [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };

local service(name) =
  local s = services[name];
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name, name),
    spec: {
      type: 'ClusterIP',
      selector: selector(name),
      ports: [{ name: p, port: port(name, p), targetPort: p, protocol: 'TCP' } for p in std.objectFields(s.ports)],
    },
  };

local claims(name) = [
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(name + '-' + v, name),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: services[name].volumes[v].size } } },
  }
  for v in std.objectFields(std.get(services[name], 'volumes', {}))
];

local hpa(name) =
  local a = services[name].autoscale;
  local metric(r, u) = { type: 'Resource', resource: { name: r, target: { type: 'Utilization', averageUtilization: u } } };
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: metadata(name, name),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: name },
      minReplicas: a.min,
      maxReplicas: a.max,
      metrics: [metric('cpu', a.cpu), metric('memory', a.memory)],
    },
  };

local ingress(name) =
  local i = services[name].ingress;
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadata(name, name),
    spec: {
      tls: [{ hosts: [i.host], secretName: name + '-tls' }],
      rules: [{ host: i.host, http: { paths: [{
        path: '/',
        pathType: 'Prefix',
        backend: { service: { name: name, port: { name: 'http' } } },
      }] } }],
    },
  };

local names = std.objectFields(services);
local of(f) = std.flattenArrays([f(n) for n in names]);

[{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: env.namespace, labels: labels(null) } }]
+ [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(c, null), data: config[c] } for c in std.objectFields(config)]
+ of(claims)
+ [service(n) for n in names]
+ [deployment(n) for n in names]
+ of(function(n) if std.objectHas(services[n], 'autoscale') then [hpa(n)] else [])
+ of(function(n) if std.objectHas(services[n], 'ingress') then [ingress(n)] else [])
'''


def main(n: int) -> None:
    w = sys.stdout.write
    w(f'// Synthetic stack with {n} services: the Jsonnet counterpart of bench/gen.py.\n')
    w("local stack = { name: 'bench', namespace: 'bench', registry: 'ghcr.io/acme/bench', version: '1.0.0' };\n")
    w("local config = { app: { LOG_LEVEL: 'info', FEATURE_X: 'on' } };\n")
    w("local config_order = { app: ['LOG_LEVEL', 'FEATURE_X'] };\n")
    w("local templates = { web: { restart: 'always', security: { user: 1000, read_only_root: true },\n")
    w("  resources: { cpu: ['100m', '500m'], memory: ['128Mi', '512Mi'] } } };\n")
    w('local services = {\n')
    for s in shape.services(n):
        w(f"  '{s.name}': {{\n    template: 'web',\n    image: 'acme/{s.name}:{s.tag}',\n")
        w("    ports: { http: { container: 8080, service: 80 }, metrics: { container: 9100 } },\n")
        w("    env: {\n      LOG_LEVEL: { config: ['app', 'LOG_LEVEL'] },\n      DATABASE_URL: { secret: 'db_url' },\n")
        order = ["'LOG_LEVEL'", "'DATABASE_URL'"]
        if s.upstream:
            w(f"      UPSTREAM: {{ upstream: '{s.upstream}' }},\n")
            order.append("'UPSTREAM'")
        w("      MODE: { environment: true },\n    },\n")
        order.append("'MODE'")
        w(f"    env_order: [{', '.join(order)}],\n")
        w("    health: { http: '/health', interval: 10, timeout: 3, retries: 3 },\n")
        if s.upstream:
            w(f"    depends_on: {{ '{s.upstream}': 'healthy' }},\n")
        if s.volume:
            w("    volumes: { data: { size: '1Gi', mount: '/data' } },\n")
        if s.autoscale:
            w("    autoscale: { min: 2, max: 10, cpu: 70, memory: 80 },\n")
        if s.ingress:
            w(f"    ingress: {{ host: '{s.name}.example.com', tls: true }},\n")
        w('  },\n')
    w('};\n')
    w('local environments = {\n')
    for env in shape.ENVIRONMENTS:
        w(f"  {env.name}: {{ name: '{env.name}', namespace: 'bench-{env.name}', services: {{\n")
        for name, replicas in shape.changed(n):
            extra = f", replicas: {env.replicas}" if replicas else ""
            w(f"    '{name}': {{ tag: '{env.tag}'{extra} }},\n")
        w('  } },\n')
    w('};\n')
    w(LIB)


if __name__ == "__main__":
    main(int(sys.argv[1]))
