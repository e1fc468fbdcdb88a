//! Cron expressions: five fields, as GitHub Actions and Kubernetes accept them.

const FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
];
const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Ok, or a message saying which field is wrong and why.
pub fn validate(expr: &str) -> Result<(), String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!("expected 5 fields, found {}", fields.len()));
    }
    for (i, f) in fields.iter().enumerate() {
        let (name, lo, hi) = FIELDS[i];
        field(f, i, lo, hi).map_err(|e| format!("{name} field `{f}`: {e}"))?;
    }
    Ok(())
}

fn field(f: &str, index: usize, lo: u32, hi: u32) -> Result<(), String> {
    for part in f.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if let Some(s) = step {
            match s.parse::<u32>() {
                Ok(n) if n >= 1 && n <= hi.max(1) => {}
                _ => return Err(format!("step `{s}` must be a number from 1 to {hi}")),
            }
        }
        if range == "*" {
            continue;
        }
        let (a, b) = match range.split_once('-') {
            Some((a, b)) => (value(a, index)?, value(b, index)?),
            None => {
                let v = value(range, index)?;
                (v, v)
            }
        };
        for v in [a, b] {
            if v < lo || v > hi {
                return Err(format!("{v} is outside {lo}–{hi}"));
            }
        }
        if a > b {
            return Err(format!("range {a}-{b} runs backwards"));
        }
    }
    Ok(())
}

fn value(s: &str, index: usize) -> Result<u32, String> {
    if let Ok(n) = s.parse::<u32>() {
        return Ok(n);
    }
    let upper = s.to_ascii_uppercase();
    let names: &[&str] = match index {
        3 => &MONTHS,
        4 => &DAYS,
        _ => &[],
    };
    let base = if index == 3 { 1 } else { 0 };
    names
        .iter()
        .position(|n| *n == upper)
        .map(|i| i as u32 + base)
        .ok_or_else(|| {
            if s.is_empty() {
                "empty value".to_string()
            } else {
                format!("`{s}` is not a number")
            }
        })
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn cron() {
        assert!(validate("0 3 * * 1").is_ok());
        assert!(validate("*/15 0-6 1,15 JAN-MAR MON-FRI").is_ok());
        assert!(validate("0 3 * *").is_err());
        assert!(validate("60 3 * * 1").is_err());
        assert!(validate("0 25 * * 1").is_err());
        assert!(validate("0 3 * * 8").is_err());
        assert!(validate("a b c d e").is_err());
        assert!(validate("*/0 * * * *").is_err());
    }
}
