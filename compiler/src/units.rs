//! Units: literals like `30s`, `512Mi`, `250m`, `70%`.
//!
//! A leaf module shared by `check` (which parses literals), `eval` and
//! `model` (which print them) and the backends; it imports nothing but
//! the value type [`Quantity`].
//!
//! Parsing normalises to integers (milliseconds, bytes, millicores) so that
//! comparisons and lowering are exact; `format_*` print the canonical form
//! that `stackc eval` shows and the model reads back.

use crate::value::Quantity;

/// Scalar kinds with units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    Duration,
    Bytes,
    Cpu,
    Percent,
}

/// Why a literal does not fit a unit.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitError {
    /// The suffix is not a unit of this kind; carries the accepted suffixes.
    WrongUnit(&'static str),
    /// A bare number where a unit is needed.
    Missing(&'static str),
    /// Negative, fractional where not allowed, or too large.
    BadValue(String),
}

const DURATION_UNITS: &str = "ms, s, m, h, d";
const BYTES_UNITS: &str = "Ki, Mi, Gi, Ti (binary), k, M, G, T (decimal) or B";
const CPU_UNITS: &str = "m (millicores) or none (cores)";
const PERCENT_UNITS: &str = "%";

/// The accepted suffixes of a unit kind, for messages.
pub fn accepted(unit: Unit) -> &'static str {
    match unit {
        Unit::Duration => DURATION_UNITS,
        Unit::Bytes => BYTES_UNITS,
        Unit::Cpu => CPU_UNITS,
        Unit::Percent => PERCENT_UNITS,
    }
}

/// Whether a suffix is a unit of any kind (else E0004).
pub fn is_known_suffix(s: &str) -> bool {
    [Unit::Duration, Unit::Bytes, Unit::Cpu, Unit::Percent]
        .iter()
        .any(|u| factor(*u, s).is_some())
}

fn factor(unit: Unit, suffix: &str) -> Option<f64> {
    let f = match (unit, suffix) {
        (Unit::Duration, "ms") => 1.0,
        (Unit::Duration, "s") => 1e3,
        (Unit::Duration, "m") => 60e3,
        (Unit::Duration, "h") => 3600e3,
        (Unit::Duration, "d") => 86400e3,
        (Unit::Bytes, "B") => 1.0,
        (Unit::Bytes, "k" | "K") => 1e3,
        (Unit::Bytes, "M") => 1e6,
        (Unit::Bytes, "G") => 1e9,
        (Unit::Bytes, "T") => 1e12,
        (Unit::Bytes, "Ki") => 1024.0,
        (Unit::Bytes, "Mi") => 1024.0 * 1024.0,
        (Unit::Bytes, "Gi") => 1024.0 * 1024.0 * 1024.0,
        (Unit::Bytes, "Ti") => 1024.0f64.powi(4),
        (Unit::Cpu, "m") => 1.0,
        (Unit::Percent, "%") => 1.0,
        _ => return None,
    };
    Some(f)
}

/// Converts `value` written with `suffix` to a quantity of `unit`.
pub fn quantity(unit: Unit, value: f64, suffix: Option<&str>) -> Result<Quantity, UnitError> {
    if value < 0.0 {
        return Err(UnitError::BadValue("must not be negative".into()));
    }
    let scaled = match (unit, suffix) {
        (Unit::Cpu, None) => value * 1000.0,
        (_, None) => return Err(UnitError::Missing(accepted(unit))),
        (_, Some(s)) => value * factor(unit, s).ok_or(UnitError::WrongUnit(accepted(unit)))?,
    };
    if unit == Unit::Percent {
        return Ok(Quantity::Percent(value));
    }
    if scaled.fract() != 0.0 {
        let smallest = match unit {
            Unit::Duration => "a whole number of milliseconds",
            Unit::Bytes => "a whole number of bytes",
            _ => "a whole number of millicores",
        };
        return Err(UnitError::BadValue(format!("must be {smallest}")));
    }
    if scaled > 9.0e18 {
        return Err(UnitError::BadValue("is too large".into()));
    }
    let n = scaled as u64;
    Ok(match unit {
        Unit::Duration => Quantity::Duration(n),
        Unit::Bytes => Quantity::Bytes(n),
        _ => Quantity::Cpu(n),
    })
}

/// Canonical text of a quantity (`1m30s`, `512Mi`, `250m`, `70%`).
pub fn format(q: Quantity) -> String {
    match q {
        Quantity::Duration(ms) => format_duration(ms),
        Quantity::Bytes(b) => format_bytes(b),
        Quantity::Cpu(m) => format_cpu(m),
        Quantity::Percent(p) => format!("{}%", trim_float(p)),
    }
}

pub fn format_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let mut s = ms / 1000;
    let mut out = String::new();
    for (unit, size) in [("h", 3600), ("m", 60)] {
        if s >= size {
            out.push_str(&format!("{}{unit}", s / size));
            s %= size;
        }
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// Kubernetes-style quantity: the largest binary or decimal suffix that divides evenly.
pub fn format_bytes(b: u64) -> String {
    if b == 0 {
        return "0".into();
    }
    for (suffix, size) in [
        ("Ti", 1u64 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        if b.is_multiple_of(size) {
            return format!("{}{suffix}", b / size);
        }
    }
    for (suffix, size) in [
        ("T", 1_000_000_000_000u64),
        ("G", 1_000_000_000),
        ("M", 1_000_000),
        ("k", 1000),
    ] {
        if b.is_multiple_of(size) {
            return format!("{}{suffix}", b / size);
        }
    }
    b.to_string()
}

/// `250m`, or whole cores as a plain number (`2`).
pub fn format_cpu(m: u64) -> String {
    if m.is_multiple_of(1000) {
        (m / 1000).to_string()
    } else {
        format!("{m}m")
    }
}

pub fn trim_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Parses a canonical quantity string back (used by the model).
pub fn parse(unit: Unit, text: &str) -> Option<Quantity> {
    if unit == Unit::Duration {
        return parse_duration(text).map(Quantity::Duration);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (num, suffix) = text.split_at(split);
    let value: f64 = num.parse().ok()?;
    let suffix = if suffix.is_empty() {
        None
    } else {
        Some(suffix)
    };
    let suffix = if unit == Unit::Bytes && suffix.is_none() {
        Some("B")
    } else {
        suffix
    };
    quantity(unit, value, suffix).ok()
}

/// `1h2m3s`, `250ms`.
pub fn parse_duration(text: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let n: u64 = rest[..digits].parse().ok()?;
        let unit_len = rest[digits..]
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len() - digits);
        let f = factor(Unit::Duration, &rest[digits..digits + unit_len])?;
        total += n * f as u64;
        rest = &rest[digits + unit_len..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(
            quantity(Unit::Duration, 30.0, Some("s")),
            Ok(Quantity::Duration(30_000))
        );
        assert_eq!(
            quantity(Unit::Bytes, 512.0, Some("Mi")),
            Ok(Quantity::Bytes(512 << 20))
        );
        assert_eq!(
            quantity(Unit::Cpu, 250.0, Some("m")),
            Ok(Quantity::Cpu(250))
        );
        assert_eq!(quantity(Unit::Cpu, 0.5, None), Ok(Quantity::Cpu(500)));
        assert_eq!(
            quantity(Unit::Bytes, 512.0, None),
            Err(UnitError::Missing(BYTES_UNITS))
        );
        assert!(matches!(
            quantity(Unit::Bytes, 1.0, Some("s")),
            Err(UnitError::WrongUnit(_))
        ));
        assert_eq!(format(Quantity::Duration(90_000)), "1m30s");
        assert_eq!(format(Quantity::Duration(250)), "250ms");
        assert_eq!(format(Quantity::Bytes(512 << 20)), "512Mi");
        assert_eq!(format(Quantity::Bytes(100_000_000)), "100M");
        assert_eq!(format(Quantity::Cpu(2000)), "2");
        assert_eq!(format(Quantity::Cpu(250)), "250m");
        assert_eq!(
            parse(Unit::Duration, "1m30s"),
            Some(Quantity::Duration(90_000))
        );
        assert_eq!(
            parse(Unit::Bytes, "512Mi"),
            Some(Quantity::Bytes(512 << 20))
        );
        assert_eq!(parse(Unit::Cpu, "2"), Some(Quantity::Cpu(2000)));
        assert_eq!(parse(Unit::Percent, "70%"), Some(Quantity::Percent(70.0)));
    }
}
