//! The TOML header of a diagnostics fixture: the leading `//` lines of its
//! root file (see `tests/diagnostics.rs` for the keys). A hand-written
//! parser for the subset used (`[[expect]]` tables, `key = "string" |
//! integer | bool`, `#` comments) keeps the test free of a TOML dependency.

/// What a fixture's header says must be true.
#[derive(Debug, Default)]
pub struct Header {
    pub env: Option<String>,
    /// Also run this backend and report its lowerings (E08xx).
    pub emit: Option<String>,
    pub allow_others: bool,
    pub expect: Vec<Expect>,
}

#[derive(Debug, Default)]
pub struct Expect {
    pub code: String,
    pub line: usize,
    pub severity: Option<String>,
    pub file: Option<String>,
}

impl Header {
    /// Parses the TOML subset the headers use: `[[expect]]` tables and
    /// `key = "string" | integer | bool` pairs, `#` comments.
    pub fn parse(text: &str) -> Result<Header, String> {
        let mut h = Header::default();
        let lines = text.lines().map_while(|l| l.strip_prefix("//"));
        for raw in lines {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line == "[[expect]]" {
                h.expect.push(Expect::default());
                continue;
            }
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| format!("not `key = value`: {line}"))?;
            h.set(key.trim(), Value::parse(value.trim())?)?;
        }
        for e in &h.expect {
            if e.code.is_empty() || e.line == 0 {
                return Err("every [[expect]] needs `code` and `line`".into());
            }
        }
        Ok(h)
    }

    fn set(&mut self, key: &str, v: Value) -> Result<(), String> {
        let Some(e) = self.expect.last_mut() else {
            match key {
                "env" => self.env = Some(v.string()?),
                "emit" => self.emit = Some(v.string()?),
                "allow_others" => self.allow_others = v.boolean()?,
                _ => return Err(format!("unknown top-level key `{key}`")),
            }
            return Ok(());
        };
        match key {
            "code" => e.code = v.string()?,
            "line" => e.line = v.integer()?,
            "severity" => e.severity = Some(v.string()?),
            "file" => e.file = Some(v.string()?),
            _ => return Err(format!("unknown [[expect]] key `{key}`")),
        }
        Ok(())
    }
}

enum Value {
    Str(String),
    Int(usize),
    Bool(bool),
}

impl Value {
    fn parse(s: &str) -> Result<Value, String> {
        if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            return Ok(Value::Str(inner.replace("\\\"", "\"")));
        }
        match s {
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            _ => {}
        }
        s.parse()
            .map(Value::Int)
            .map_err(|_| format!("unsupported value `{s}`"))
    }

    fn string(self) -> Result<String, String> {
        match self {
            Value::Str(s) => Ok(s),
            _ => Err("expected a string".into()),
        }
    }

    fn integer(self) -> Result<usize, String> {
        match self {
            Value::Int(n) => Ok(n),
            _ => Err("expected an integer".into()),
        }
    }

    fn boolean(self) -> Result<bool, String> {
        match self {
            Value::Bool(b) => Ok(b),
            _ => Err("expected `true` or `false`".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Header;

    #[test]
    fn parses_expectations_and_rejects_unknown_keys() {
        let text = "// # comment\n// env = \"prod\"\n// [[expect]]\n// code = \"E0303\"\n// line = 12\n// severity = \"error\"\n\nservice x {}\n// code = \"E9999\"\n";
        let h = Header::parse(text).unwrap();
        assert_eq!(h.env.as_deref(), Some("prod"));
        assert_eq!(
            h.expect.len(),
            1,
            "the header ends at the first non-comment line"
        );
        assert_eq!(h.expect[0].code, "E0303");
        assert_eq!(h.expect[0].line, 12);
        assert!(Header::parse("// [[expect]]\n// cod = \"E0001\"\n").is_err());
        assert!(Header::parse("// [[expect]]\n// code = \"E0001\"\n").is_err());
        assert!(Header::parse("// colour = true\n").is_err());
    }
}
