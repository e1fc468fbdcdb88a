//! Services (ClusterIP, NodePort, ExternalName) and Ingresses.

use super::meta::{labels, metadata, object, selector_labels};
use super::Object;
use crate::emit::output::Output;
use crate::emit::yaml::Yaml;
use crate::model::{Expose, External, LoadBalancer, Model, Service};

/// The Service in front of a workload; none when it has no ports.
pub fn service(m: &Model, name: &str, s: &Service, out: &mut Output) -> Option<Object> {
    if s.ports.is_empty() {
        return None;
    }
    let ty = s.exposure();
    let mut ports = Vec::new();
    for (pname, p) in &s.ports {
        let mut y = Yaml::map();
        y.push_entry("name", Yaml::str(pname));
        y.push_entry("port", Yaml::Int(p.service_port() as i64));
        y.push_entry("targetPort", Yaml::str(pname));
        y.push_entry("protocol", Yaml::lit(p.protocol.upper()));
        if let Some(np) = p.node_port.filter(|_| ty != Expose::ClusterIp) {
            y.push_entry("nodePort", Yaml::Int(np as i64));
        }
        ports.push(y);
        out.exact += 1;
    }
    let mut spec = Yaml::map();
    spec.push_entry("type", Yaml::lit(ty.k8s()));
    let mut md = metadata(m, name, labels(m, name, Some(s)));
    if let Some(lb) = s
        .load_balancer
        .as_ref()
        .filter(|_| ty == Expose::LoadBalancer)
    {
        load_balancer(&mut md, &mut spec, lb);
        out.exact += 1;
    }
    spec.push_entry("selector", selector_labels(m, name));
    spec.push_entry("ports", Yaml::Seq(ports));
    Some(object(
        "v1",
        "Service",
        name,
        Some(name),
        md,
        vec![("spec", spec)],
    ))
}

/// The headless Service of a stateful service (`clusterIP: None`): the
/// StatefulSet's `serviceName`, which gives each pod the DNS name
/// `<pod>.<service>-headless`. It lists pods before they are ready, so
/// that peers can find each other while they start.
pub fn headless_service(m: &Model, name: &str, s: &Service) -> Option<Object> {
    if !s.is_stateful() {
        return None;
    }
    let headless = super::workload::headless_name(name);
    let ports: Vec<Yaml> = s
        .ports
        .iter()
        .map(|(pname, p)| {
            Yaml::map()
                .with("name", Yaml::str(pname))
                .with("port", Yaml::Int(p.container as i64))
                .with("targetPort", Yaml::str(pname))
                .with("protocol", Yaml::lit(p.protocol.upper()))
        })
        .collect();
    let mut spec = Yaml::map()
        .with("clusterIP", Yaml::lit("None"))
        .with("publishNotReadyAddresses", Yaml::Bool(true))
        .with("selector", selector_labels(m, name));
    if !ports.is_empty() {
        spec.push_entry("ports", Yaml::Seq(ports));
    }
    Some(object(
        "v1",
        "Service",
        &headless,
        Some(name),
        metadata(m, &headless, labels(m, name, Some(s))),
        vec![("spec", spec)],
    ))
}

/// A LoadBalancer's annotations, class, source ranges and traffic policy.
fn load_balancer(md: &mut Yaml, spec: &mut Yaml, lb: &LoadBalancer) {
    if !lb.annotations.is_empty() {
        let mut a = Yaml::map();
        for (k, v) in &lb.annotations {
            a.push_entry(k.clone(), Yaml::str(v));
        }
        md.push_entry("annotations", a);
    }
    if let Some(c) = &lb.class {
        spec.push_entry("loadBalancerClass", Yaml::str(c));
    }
    if let Some(r) = &lb.source_ranges {
        spec.push_entry("loadBalancerSourceRanges", super::workload::strings(r));
    }
    if lb.preserve_client_ip {
        spec.push_entry("externalTrafficPolicy", Yaml::lit("Local"));
    }
}

/// An external service with a host becomes an ExternalName Service.
pub fn external_service(
    m: &Model,
    name: &str,
    s: &Service,
    ext: &External,
    out: &mut Output,
) -> Option<Object> {
    let host = ext.host.as_ref()?;
    let mut spec = Yaml::map()
        .with("type", Yaml::lit("ExternalName"))
        .with("externalName", Yaml::str(host));
    if let Some(p) = ext.port {
        let port = Yaml::map()
            .with("name", Yaml::lit("default"))
            .with("port", Yaml::Int(p as i64))
            .with("protocol", Yaml::lit("TCP"));
        spec.push_entry("ports", Yaml::Seq(vec![port]));
    }
    out.exact += 1;
    Some(object(
        "v1",
        "Service",
        name,
        Some(name),
        metadata(m, name, labels(m, name, Some(s))),
        vec![("spec", spec)],
    ))
}

pub fn ingress(m: &Model, name: &str, s: &Service, out: &mut Output) -> Option<Object> {
    let ing = s.ingress.as_ref()?;
    let port = ing
        .port
        .clone()
        .or_else(|| s.ports.keys().next().cloned())?;
    let backend = Yaml::map().with(
        "service",
        Yaml::map()
            .with("name", Yaml::str(name))
            .with("port", Yaml::map().with("name", Yaml::str(&port))),
    );
    let paths = ing
        .paths
        .iter()
        .map(|p| {
            Yaml::map()
                .with("path", Yaml::str(p))
                .with("pathType", Yaml::lit("Prefix"))
                .with("backend", backend.clone())
        })
        .collect();
    let rule = Yaml::map()
        .with("host", Yaml::str(&ing.host))
        .with("http", Yaml::map().with("paths", Yaml::Seq(paths)));
    let mut spec = Yaml::map();
    if let Some(c) = &ing.class {
        spec.push_entry("ingressClassName", Yaml::str(c));
    }
    if ing.tls {
        let secret = ing
            .tls_secret
            .clone()
            .unwrap_or_else(|| format!("{name}-tls"));
        let tls = Yaml::map()
            .with("hosts", Yaml::Seq(vec![Yaml::str(&ing.host)]))
            .with("secretName", Yaml::str(secret));
        spec.push_entry("tls", Yaml::Seq(vec![tls]));
    }
    spec.push_entry("rules", Yaml::Seq(vec![rule]));
    let mut md = metadata(m, name, labels(m, name, Some(s)));
    if !ing.annotations.is_empty() {
        let mut a = Yaml::map();
        for (k, v) in &ing.annotations {
            a.push_entry(k.clone(), Yaml::str(v));
        }
        md.push_entry("annotations", a);
    }
    out.exact += 1;
    Some(object(
        "networking.k8s.io/v1",
        "Ingress",
        name,
        Some(name),
        md,
        vec![("spec", spec)],
    ))
}
