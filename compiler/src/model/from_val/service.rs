//! Service records from evaluated values (mirrors `model/service.rs`).
//!
//! Input: a service's evaluated record. Output: its [`Service`] before the
//! environment-dependent completion (`image_ref`, effective probes, default
//! probe and ingress ports), with the name it is declared under and where
//! each field was written.

use super::{keywords, Cx, FromVal, Rec, Res};
use crate::model::service::*;
use crate::value::Val;

/// The service declared as `name`.
pub fn service(name: &str, v: &Val, cx: &Cx) -> Res<Service> {
    let r = Rec::new(v, cx)?;
    Ok(Service {
        span: v.span,
        name: name.to_string(),
        image: r.opt("image")?,
        tag: r.opt("tag")?,
        image_ref: None,
        build: r.opt("build")?,
        command: r.opt("command")?,
        args: r.opt("args")?,
        workdir: r.opt("workdir")?,
        ports: r.map("port")?,
        env: r.map("env")?,
        env_from: r.opt("env_from")?,
        volumes: r.map("volume")?,
        files: r.map("file")?,
        health: r.opt("health")?,
        liveness: r.opt("liveness")?,
        readiness: r.opt("readiness")?,
        startup: r.opt("startup")?,
        resources: r.opt("resources")?,
        replicas: r.req("replicas")?,
        workload: r.req("workload")?,
        pod_management: r.opt("pod_management")?,
        autoscale: r.opt("autoscale")?,
        disruption: r.opt("disruption")?,
        restart: r.req("restart")?,
        rollout: r.opt("rollout")?,
        security: r.opt("security")?,
        depends_on: r.map("depends_on")?,
        expose: r.opt("expose")?,
        load_balancer: r.opt("load_balancer")?,
        ingress: r.opt("ingress")?,
        external: r.opt("external")?,
        host: r.opt("host")?,
        node_selector: r.map("node_selector")?,
        tolerations: r.map("toleration")?,
        spread: r.opt("spread")?,
        labels: r.map("labels")?,
        annotations: r.map("annotations")?,
        environments: r.opt("environments")?,
        init: r.map("init")?,
        pre_stop: r.opt("pre_stop")?,
        stop_grace: r.opt("stop_grace")?,
        pull: r.opt("pull")?,
        service_links: r.opt("service_links")?,
        container_name: r.opt("container_name")?,
        networks: r.map("network")?,
        field_spans: field_spans(v),
    })
}

/// Where each field of a record was written.
fn field_spans(v: &Val) -> crate::model::service::FieldSpans {
    let fields = v.as_map().into_iter().flatten();
    crate::model::service::FieldSpans(fields.map(|(k, x)| (k.clone(), x.span)).collect())
}

impl FromVal for Toleration {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Toleration {
            span: v.span,
            value: r.opt("value")?,
            effect: r.opt("effect")?,
            evict_after: r.opt("evict_after")?,
        })
    }
}

impl FromVal for Spread {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Spread {
            span: v.span,
            across: r.req("across")?,
            max_skew: r.req("max_skew")?,
            when_unsatisfiable: r.req("when_unsatisfiable")?,
        })
    }
}

impl FromVal for Init {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Init {
            span: v.span,
            image: r.opt("image")?,
            command: r.opt("command")?,
            args: r.opt("args")?,
            workdir: r.opt("workdir")?,
            env: r.map("env")?,
        })
    }
}

impl FromVal for PreStop {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(PreStop {
            span: v.span,
            exec: r.opt("exec")?,
            shell: r.opt("shell")?,
            sleep: r.opt("sleep")?,
        })
    }
}

impl FromVal for Build {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Build {
            context: r.req("context")?,
            dockerfile: r.opt("dockerfile")?,
            target: r.opt("target")?,
            args: r.map("args")?,
            platforms: r.opt("platforms")?,
            image: r.opt::<String>("image")?.unwrap_or_default(),
        })
    }
}

impl FromVal for Network {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Network {
            span: v.span,
            aliases: r.opt("aliases")?,
        })
    }
}

impl FromVal for Port {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Port {
            span: v.span,
            container: r.req("container")?,
            service: r.opt("service")?,
            node_port: r.opt("node_port")?,
            host: r.opt("host")?,
            protocol: r.req("protocol")?,
        })
    }
}

/// A file's content is filled here for `source` (from the files the driver
/// read) and `content`; for `config` when the model's configs are known
/// (they change per environment).
impl FromVal for File {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        let source: Option<String> = r.opt("source")?;
        let config = match v.get("config").map(|c| &c.kind) {
            Some(crate::value::ValKind::Ref(crate::value::Ref::ConfigKey(ck))) => {
                Some((ck.0.clone(), ck.1.clone()))
            }
            _ => None,
        };
        let content = match (&source, v.get("source")) {
            (Some(path), Some(at)) => cx
                .files
                .get(&(at.span.file, path.clone()))
                .cloned()
                .unwrap_or_default(),
            _ => r.opt("content")?.unwrap_or_default(),
        };
        Ok(File {
            span: v.span,
            source,
            config,
            content,
        })
    }
}

impl FromVal for Volume {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Volume {
            span: v.span,
            mount: r.req("mount")?,
            size: r.opt("size")?,
            bind: r.opt("bind")?,
            tmpfs: r.opt("tmpfs")?,
            read_only: r.req("read_only")?,
            storage_class: r.opt("storage_class")?,
            access: r.req("access")?,
        })
    }
}

impl FromVal for Probe {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Probe {
            span: v.span,
            http: r.opt("http")?,
            tcp: r.opt("tcp")?,
            exec: r.opt("exec")?,
            shell: r.opt("shell")?,
            port: r.opt("port")?,
            interval: r.req("interval")?,
            timeout: r.req("timeout")?,
            retries: r.req("retries")?,
            start_period: r.opt("start_period")?,
            initial_delay: r.opt("initial_delay")?,
            success_threshold: r.opt("success_threshold")?,
        })
    }
}

impl FromVal for Resources {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Resources {
            cpu: r.opt("cpu")?,
            memory: r.opt("memory")?,
        })
    }
}

impl FromVal for Autoscale {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Autoscale {
            span: v.span,
            min: r.req("min")?,
            max: r.req("max")?,
            cpu: r.opt("cpu")?,
            memory: r.opt("memory")?,
        })
    }
}

impl FromVal for Disruption {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Disruption {
            span: v.span,
            min_available: r.opt("min_available")?,
            max_unavailable: r.opt("max_unavailable")?,
        })
    }
}

impl FromVal for Rollout {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Rollout {
            span: v.span,
            strategy: r.req("strategy")?,
            max_surge: r.opt("max_surge")?,
            max_unavailable: r.opt("max_unavailable")?,
            deadline: r.opt("deadline")?,
        })
    }
}

impl FromVal for Security {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Security {
            span: v.span,
            non_root: r.req("non_root")?,
            user: r.opt("user")?,
            group: r.opt("group")?,
            read_only_root: r.req("read_only_root")?,
            no_new_privileges: r.req("no_new_privileges")?,
            drop_capabilities: r.req("drop_capabilities")?,
            add_capabilities: r.opt("add_capabilities")?,
        })
    }
}

impl FromVal for Ingress {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Ingress {
            span: v.span,
            host: r.req("host")?,
            paths: r.req("paths")?,
            port: r.opt("port")?,
            class: r.opt("class")?,
            tls: r.req("tls")?,
            tls_secret: r.opt("tls_secret")?,
            annotations: r.map("annotations")?,
        })
    }
}

impl FromVal for LoadBalancer {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(LoadBalancer {
            span: v.span,
            annotations: r.map("annotations")?,
            source_ranges: r.opt("source_ranges")?,
            class: r.opt("class")?,
            preserve_client_ip: r.req("preserve_client_ip")?,
        })
    }
}

impl FromVal for External {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(External {
            span: v.span,
            host: r.opt("host")?,
            port: r.opt("port")?,
            url: r.opt("url")?,
        })
    }
}

impl FromVal for Host {
    fn from_val(v: &Val, cx: &Cx) -> Res<Self> {
        let r = Rec::new(v, cx)?;
        Ok(Host {
            span: v.span,
            exec: r.req("exec")?,
            args: r.opt("args")?,
            user: r.opt("user")?,
            group: r.opt("group")?,
            working_dir: r.opt("working_dir")?,
            environment_file: r.opt("environment_file")?,
            hardening: r.req("hardening")?,
            after: r.opt("after")?,
        })
    }
}

keywords! {
    Protocol { "tcp" => Tcp, "udp" => Udp }
    AccessMode {
        "read_write_once" => ReadWriteOnce,
        "read_only_many" => ReadOnlyMany,
        "read_write_many" => ReadWriteMany,
    }
    Restart {
        "always" => Always,
        "on_failure" => OnFailure,
        "unless_stopped" => UnlessStopped,
        "never" => Never,
    }
    RolloutStrategy { "rolling" => Rolling, "recreate" => Recreate }
    Workload { "deployment" => Deployment, "stateful" => Stateful }
    TaintEffect {
        "no_schedule" => NoSchedule,
        "prefer_no_schedule" => PreferNoSchedule,
        "no_execute" => NoExecute,
    }
    SpreadDomain { "nodes" => Nodes, "zones" => Zones }
    Unsatisfiable { "schedule_anyway" => ScheduleAnyway, "do_not_schedule" => DoNotSchedule }
    PodManagement { "ordered" => Ordered, "parallel" => Parallel }
    Expose {
        "cluster_ip" => ClusterIp,
        "node_port" => NodePort,
        "load_balancer" => LoadBalancer,
    }
    PullPolicy { "always" => Always, "if_not_present" => IfNotPresent, "never" => Never }
    Condition { "started" => Started, "healthy" => Healthy, "completed" => Completed }
    Hardening { "none" => None, "standard" => Standard, "strict" => Strict }
}
