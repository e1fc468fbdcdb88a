//! Quantities in the model: exact integers inside, canonical strings in
//! JSON (`"30s"`, `"512Mi"`, `"250m"`, `"70%"`).

use crate::units;
use crate::value::Quantity;
use serde::{Serialize, Serializer};

macro_rules! quantity {
    ($name:ident, $variant:ident, $inner:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
        pub struct $name(pub $inner);

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&units::format(Quantity::$variant(self.0)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&units::format(Quantity::$variant(self.0)))
            }
        }
    };
}

quantity!(Duration, Duration, u64, "A duration in milliseconds.");
quantity!(Bytes, Bytes, u64, "A size in bytes.");
quantity!(Cpu, Cpu, u64, "CPU in millicores.");
quantity!(Percent, Percent, f64, "A percentage (70.0 = 70%).");

impl Duration {
    /// Whole seconds, rounded up (Kubernetes probe fields are in seconds).
    pub fn seconds_ceil(self) -> u64 {
        self.0.div_ceil(1000)
    }

    pub fn millis(self) -> u64 {
        self.0
    }
}

impl Bytes {
    /// Kubernetes quantity (`512Mi`).
    pub fn k8s(self) -> String {
        units::format_bytes(self.0)
    }
}

impl Cpu {
    /// Kubernetes quantity (`250m`, `2`).
    pub fn k8s(self) -> String {
        units::format_cpu(self.0)
    }

    /// Decimal cores (`0.25`), as Compose and systemd want them.
    pub fn cores(self) -> String {
        let whole = self.0 / 1000;
        let frac = self.0 % 1000;
        if frac == 0 {
            return whole.to_string();
        }
        let f = format!("{frac:03}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    }
}
