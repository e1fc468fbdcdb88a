//! The registry of stable diagnostic codes.
//!
//! A code never changes meaning once released. Each code has a one-line
//! summary, a default severity and a long explanation in
//! `explain/E0xxx.md`, printed by `stackc explain`. The registry test in
//! `tests/diagnostics.rs` fails when a code lacks an explanation or a fixture.

use serde::{Serialize, Serializer};

macro_rules! codes {
    ($( $code:ident $sev:ident $summary:literal; )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $code, )* }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[ $( Code::$code, )* ];

            /// `E0123`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$code => stringify!($code), )* }
            }

            /// One line saying what the code is about.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$code => $summary, )* }
            }

            pub fn default_severity(self) -> super::Severity {
                match self { $( Code::$code => super::Severity::$sev, )* }
            }

            /// The long explanation (markdown).
            pub fn explanation(self) -> &'static str {
                match self {
                    $( Code::$code => include_str!(concat!("explain/", stringify!($code), ".md")), )*
                }
            }
        }
    };
}

codes! {
    // Syntax.
    E0001 Error "syntax error";
    E0002 Error "unterminated string or comment";
    E0003 Error "invalid escape or interpolation in a string";
    E0004 Error "unknown unit suffix on a number";
    E0005 Error "number out of the representable range";
    E0006 Error "unclosed delimiter";
    // Names, imports and items.
    E0100 Error "imported file cannot be read";
    E0101 Error "import cycle";
    E0102 Error "duplicate definition";
    E0103 Error "unknown name";
    E0104 Error "unknown service";
    E0105 Error "secret used but not declared";
    E0106 Error "unknown config or config key";
    E0107 Error "unknown environment";
    E0108 Error "unknown template";
    E0109 Error "no `stack` block";
    E0110 Error "more than one `stack` block";
    E0111 Error "template applies itself (cycle)";
    E0112 Error "`let` constants refer to each other in a cycle";
    E0113 Error "unknown item kind";
    // Types against the stdlib schema.
    E0200 Error "unknown field";
    E0201 Error "wrong type";
    E0202 Error "wrong unit";
    E0203 Error "value out of range";
    E0204 Error "missing required field";
    E0205 Error "unknown enum value";
    E0206 Error "field set twice";
    E0207 Error "name is not a valid DNS-1123 label";
    E0208 Error "invalid environment variable name";
    E0209 Error "fields that exclude each other";
    E0210 Error "service has nothing to run";
    // Services.
    E0300 Error "`depends_on` cycle";
    E0301 Error "probe on an undeclared port";
    E0302 Error "host port published twice";
    E0303 Error "resource request above its limit";
    E0304 Error "autoscale minimum above maximum";
    E0305 Error "NodePort outside 30000–32767";
    E0306 Error "unknown port";
    E0307 Error "`healthy` dependency on a service without a health check";
    E0308 Error "NodePort used twice";
    E0309 Warning "fixed replica count ignored by autoscaling";
    E0310 Error "HTTP path that does not start with `/`";
    E0311 Error "two declarations get the same Kubernetes name";
    E0312 Error "autoscaling on a resource without a request";
    E0313 Error "reference to a service that does not run in the environment";
    E0314 Error "Docker Compose keyword in a probe's `exec`";
    E0315 Error "mount path that is not absolute";
    E0316 Error "ingress host that is not a host name";
    E0317 Error "image reference no registry accepts";
    E0318 Error "probe timeout not shorter than its interval";
    E0319 Warning "liveness probe gives up before the service is ready";
    E0320 Warning "liveness probe identical to readiness on a slow starter";
    E0321 Error "pipeline pushes an image that names no registry";
    E0330 Error "`load_balancer` settings without `expose = load_balancer`";
    E0331 Error "`expose` that the service's ports contradict";
    E0332 Error "`pod_management` on a service that is not `stateful`";
    E0333 Warning "autoscaling a stateful service";
    E0334 Error "init container that runs the service's own program";
    E0335 Error "init container named like its service";
    E0336 Error "`evict_after` on a toleration that is not `no_execute`";
    E0337 Error "service address in a command";
    // Environment-wide defaults and Compose specifics.
    E0350 Warning "service named twice in an environment's `services` block";
    E0351 Error "`container_name` on a service with more than one replica";
    E0352 Error "two services with the same `container_name`";
    E0353 Error "address of a service on no shared Compose network";
    // Host targets.
    E0360 Error "init container whose container is named like another service";
    // Namespaces, files and configs.
    E0340 Error "`${stack.namespace}` in a stack without a namespace";
    E0341 Error "repository file that cannot be mounted";
    E0342 Error "`env_from` exports a config key that is not a variable name";
    // Secrets.
    E0400 Warning "secret declared but never used";
    E0401 Warning "literal looks like a credential";
    // Environments.
    E0500 Error "override of something the base does not declare";
    E0501 Warning "`latest` or missing image tag in production";
    E0502 Warning "environment overrides a service it does not run";
    // Pipelines.
    E0600 Error "`needs` cycle";
    E0601 Error "unknown job";
    E0602 Error "deploy step uses a mechanism the stack does not emit";
    E0603 Error "malformed cron expression";
    E0604 Error "unknown step kind";
    E0605 Error "image build for a service without `build`";
    E0606 Error "unknown matrix key";
    E0607 Error "deploy to an approval environment from a job without `environment`";
    E0608 Error "image push without the credentials it needs";
    E0609 Warning "deploy of an image the pipeline neither builds nor pins";
    E0610 Warning "untrusted input pasted into a script";
    E0611 Error "health check without a URL";
    E0612 Error "`docker_build` without exactly one of `service` and `services`";
    // Strings.
    E0700 Error "secret interpolated into a string";
    E0701 Error "value cannot be interpolated";
    E0702 Error "service address in a config value";
    // Lowering to targets (reported by `stackc emit`).
    E0800 Warning "feature not expressible by the target, dropped";
    E0801 Warning "feature approximated by the target";
    // Internal errors (compiler bugs; no input should produce them).
    E0900 Error "internal compiler error: an evaluated value does not fit the model";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Code {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let upper = s.trim().to_ascii_uppercase();
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == upper)
            .ok_or(())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
