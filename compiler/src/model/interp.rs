//! The Kubernetes rendering of `${svc.host}` and `${svc.port.NAME}`, shared
//! by model building and the Kubernetes backends (k8s, kustomize, helm).
//!
//! Input: the parts of an interpolated string and a [`Services`] lookup: the
//! model's services, or the evaluated services while the model is built.
//! Output: the text a pod sees. A service with `external.host` /
//! `external.port` is reached there; any other service at its name and its
//! Service port (`service`, else `container`). A service or port the lookup
//! does not know renders as the service's name (host) or empty (port).
//! Compose renders its own way (container ports, lowering findings).

use super::{Part, Service};

/// What rendering needs to know about the services of one environment.
pub trait Services {
    /// `external.host` of `svc`, when it declares one.
    fn external_host(&self, svc: &str) -> Option<&str>;
    /// `external.port` of `svc`, when it declares one.
    fn external_port(&self, svc: &str) -> Option<u16>;
    /// The Service port of `svc.port.NAME`.
    fn service_port(&self, svc: &str, port: &str) -> Option<u16>;
}

/// An interpolated string as Kubernetes sees it.
pub fn k8s<S: Services + ?Sized>(services: &S, parts: &[Part]) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Host(svc) => out.push_str(host(services, svc)),
            Part::Port(svc, port) => out.push_str(&self::port(services, svc, port)),
        }
    }
    out
}

/// `${svc.host}`: the external host, else the service's name.
pub fn host<'a, S: Services + ?Sized>(services: &'a S, svc: &'a str) -> &'a str {
    services.external_host(svc).unwrap_or(svc)
}

/// `${svc.port.NAME}`: the external port, else the Service port, else empty.
pub fn port<S: Services + ?Sized>(services: &S, svc: &str, port: &str) -> String {
    services
        .external_port(svc)
        .or_else(|| services.service_port(svc, port))
        .map(|p| p.to_string())
        .unwrap_or_default()
}

impl Services for crate::model::FxIndexMap<String, Service> {
    fn external_host(&self, svc: &str) -> Option<&str> {
        self.get(svc)?.external.as_ref()?.host.as_deref()
    }

    fn external_port(&self, svc: &str) -> Option<u16> {
        self.get(svc)?.external.as_ref()?.port
    }

    fn service_port(&self, svc: &str, port: &str) -> Option<u16> {
        Some(self.get(svc)?.ports.get(port)?.service_port())
    }
}

/// The evaluated services, while their models are being built.
impl Services for crate::eval::Services {
    fn external_host(&self, svc: &str) -> Option<&str> {
        self.get(svc)?.get("external")?.get("host")?.str()
    }

    fn external_port(&self, svc: &str) -> Option<u16> {
        let p = self.get(svc)?.get("external")?.get("port")?;
        p.int().and_then(|p| u16::try_from(p).ok())
    }

    fn service_port(&self, svc: &str, port: &str) -> Option<u16> {
        let p = self.get(svc)?.get("port")?.get(port)?;
        let n = p.get("service").or(p.get("container"))?.int()?;
        u16::try_from(n).ok()
    }
}
