use super::*;
use proptest::collection::vec;
use proptest::prelude::*;
use serde::Deserialize as _;
use serde_yaml::Value;

/// Strings that YAML 1.1/1.2 tools misread when written naively.
const TRICKY: &[&str] = &[
    "on",
    "off",
    "On",
    "OFF",
    "yes",
    "no",
    "Yes",
    "NO",
    "y",
    "n",
    "Y",
    "N",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "null",
    "Null",
    "NULL",
    "~",
    "",
    "0755",
    "0o17",
    "0x1F",
    "0b101",
    "-0x1F",
    "1e3",
    "1E3",
    "1e+3",
    "1_000",
    "1",
    "-1",
    "+1",
    "0",
    "00",
    "-0",
    "1.0",
    "1.",
    ".5",
    "-.5",
    ".inf",
    "-.inf",
    "+.INF",
    ".Inf",
    ".nan",
    ".NaN",
    "-.NaN",
    "inf",
    "nan",
    "Infinity",
    "12:30",
    "190:20:30",
    "190:20:30.15",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2001-12-14T21:59:43Z",
    " lead",
    "trail ",
    " ",
    "  ",
    "a: b",
    "a:",
    ":",
    "a #b",
    "#",
    "#a",
    "a#b",
    "- x",
    "-",
    "--",
    "---",
    "--- x",
    "...",
    ".",
    "..",
    "? x",
    "?",
    "?x",
    ":x",
    "!tag",
    "!",
    "&anchor",
    "*alias",
    "|",
    "|-",
    ">",
    ">-",
    "@at",
    "`tick",
    "%TAG",
    "%",
    "'single",
    "it's",
    "'",
    "\"double",
    "\"",
    "echo \"hi\"",
    "C:\\path",
    "\\",
    "{",
    "{a}",
    "[",
    "[a]",
    "]",
    "}",
    ",",
    ",a",
    "<<",
    "=",
    "a\tb",
    "\t",
    "\ta",
    "a\t",
    "\r",
    "a\rb",
    "a\r\nb",
    "\0",
    "\x07",
    "\x1b",
    "\x7f",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{fffe}",
    "é",
    "日本",
    "emoji 🎉",
    "a\nb",
    "a\nb\n",
    "a\nb\n\n",
    "\n",
    "\n\n",
    "\na",
    "\n\na\n",
    " a\nb",
    "a\n b",
    "a \nb",
    "a\n \nb",
    "a\n\nb",
    "a\t\nb",
    "é\nü\n",
    "# not a comment\nx",
    "- a\n- b",
    "key: \"v\"",
    "${{ github.sha }}",
    "*/5 * * * *",
    "nginx:1.25",
    "app=web,tier!=db",
    "http://x:80/p?q=1#f",
    "1Gi",
    "500m",
    "--port=80",
];

/// Converts the tree to what serde_yaml should read back.
fn to_value(y: &Yaml) -> Value {
    match y {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(*b),
        Yaml::Int(i) => Value::Number((*i).into()),
        Yaml::Float(f) => Value::Number((*f).into()),
        Yaml::Str(s) => Value::String(s.to_string()),
        Yaml::Seq(items) => Value::Sequence(items.iter().map(to_value).collect()),
        Yaml::Map(entries) => Value::Mapping(
            entries
                .iter()
                .map(|(k, v)| (Value::String(k.to_string()), to_value(v)))
                .collect(),
        ),
        Yaml::Tagged(t) => Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
            tag: serde_yaml::value::Tag::new(t.0.trim_start_matches('!')),
            value: to_value(&t.1),
        })),
    }
}

fn assert_round_trips(tree: &Yaml) {
    let text = to_string(tree);
    let parsed: Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("unparsable output for {tree:?}:\n{text}\n{e}"));
    assert_eq!(parsed, to_value(tree), "output:\n{text}");
}

/// The tricky string as a root scalar, a value, a seq item and a key.
fn tricky_contexts(s: &str) -> Vec<Yaml> {
    let item = Yaml::Seq(vec![Yaml::str(s), Yaml::Int(1)]);
    let map = Yaml::map()
        .with(s.to_string(), Yaml::str(s))
        .with("next", Yaml::Null);
    let nested = Yaml::map().with("k", Yaml::Seq(vec![map.clone()]));
    vec![Yaml::str(s), item, map, nested]
}

#[test]
fn tricky_strings_round_trip_in_every_position() {
    for s in TRICKY {
        for tree in tricky_contexts(s) {
            assert_round_trips(&tree);
        }
    }
}

#[test]
fn tricky_strings_are_quoted() {
    let plain = [
        "a#b",
        "--",
        "it's",
        "echo \"hi\"",
        "C:\\path",
        "${{ github.sha }}",
        "nginx:1.25",
        "app=web,tier!=db",
        "http://x:80/p?q=1#f",
        "1Gi",
        "500m",
        "--port=80",
        "\\",
    ];
    for s in TRICKY.iter().filter(|s| !s.contains('\n')) {
        let out = to_string(&Yaml::str(*s));
        let quoted = out.starts_with(['"', '\'']);
        assert_eq!(quoted, !plain.contains(s), "{s:?} written as {out:?}");
    }
}

#[test]
fn brief_examples_exact() {
    let cases = [
        ("on", "\"on\""),
        ("off", "\"off\""),
        ("y", "\"y\""),
        ("~", "\"~\""),
        ("", "\"\""),
        ("0755", "\"0755\""),
        ("12:30", "\"12:30\""),
        ("2024-01-01", "\"2024-01-01\""),
        ("-.NaN", "\"-.NaN\""),
        (" x ", "\" x \""),
        ("\"q\" it's", "'\"q\" it''s'"),
        ("a\tb\r", "\"a\\tb\\r\""),
        ("\u{0}\u{85}\u{2028}\u{feff}", "\"\\0\\x85\\u2028\\uFEFF\""),
        ("café", "\"café\""),
        ("plain text", "plain text"),
        ("a:b", "a:b"),
    ];
    for (s, want) in cases {
        assert_eq!(to_string(&Yaml::str(s)), format!("{want}\n"), "{s:?}");
    }
}

#[test]
fn nested_maps() {
    let doc = Yaml::map()
        .with(
            "a",
            Yaml::map().with("b", Yaml::map().with("c", 1i64.into())),
        )
        .with("d", "x".into());
    assert_eq!(to_string(&doc), "a:\n  b:\n    c: 1\nd: x\n");
}

#[test]
fn seq_of_maps_kubectl_style() {
    let port = Yaml::map().with("containerPort", 80u32.into());
    let x = Yaml::map()
        .with("name", "x".into())
        .with("image", "nginx".into())
        .with("ports", vec![port].into());
    let z = Yaml::map().with("name", "z".into());
    let doc = Yaml::map().with("containers", vec![x, z].into());
    let want = "containers:\n  - name: x\n    image: nginx\n    ports:\n      - containerPort: 80\n  - name: z\n";
    assert_eq!(to_string(&doc), want);
}

#[test]
fn seq_of_seqs_and_empty_collections() {
    let inner = Yaml::from(vec![Yaml::Int(1), Yaml::Int(2)]);
    let deep = Yaml::from(vec![Yaml::from(vec![Yaml::lit("a")])]);
    let doc = Yaml::from(vec![inner, deep, Yaml::seq(), Yaml::map()]);
    assert_eq!(to_string(&doc), "- - 1\n  - 2\n- - - a\n- []\n- {}\n");
    let doc = Yaml::map().with("a", Yaml::map()).with("b", Yaml::seq());
    assert_eq!(to_string(&doc), "a: {}\nb: []\n");
    assert_eq!(to_string(&Yaml::map()), "{}\n");
    assert_eq!(to_string(&Yaml::seq()), "[]\n");
}

#[test]
fn scalars() {
    let doc = Yaml::from(vec![
        Yaml::Null,
        true.into(),
        false.into(),
        0i64.into(),
        i64::MIN.into(),
        i64::MAX.into(),
    ]);
    let want = "- null\n- true\n- false\n- 0\n- -9223372036854775808\n- 9223372036854775807\n";
    assert_eq!(to_string(&doc), want);
}

#[test]
fn floats_always_read_back_as_floats() {
    let cases = [
        (1.0, "1.0"),
        (-0.0, "-0.0"),
        (0.1, "0.1"),
        (1e300, "1.0e+300"),
        (-1.5e16, "-1.5e+16"),
        (1e-7, "1.0e-7"),
        (f64::NAN, ".nan"),
        (f64::INFINITY, ".inf"),
        (f64::NEG_INFINITY, "-.inf"),
    ];
    for (f, want) in cases {
        assert_eq!(to_string(&Yaml::Float(f)), format!("{want}\n"));
        assert_round_trips(&Yaml::Float(f));
    }
}

#[test]
fn multi_line_strings_use_literal_blocks() {
    let doc = Yaml::map()
        .with("clip", "echo a\necho b\n".into())
        .with("strip", "a\n\nb".into())
        .with("keep", "a\n\n".into())
        .with("items", vec![Yaml::str("x\n  y")].into());
    let want = "clip: |\n  echo a\n  echo b\nstrip: |-\n  a\n\n  b\nkeep: |+\n  a\n\n\
                items:\n  - |-\n    x\n      y\n";
    assert_eq!(to_string(&doc), want);
    assert_round_trips(&doc);
    assert_eq!(to_string(&Yaml::str("a\nb")), "|-\n  a\n  b\n");
}

#[test]
fn multi_line_strings_fall_back_to_double_quotes() {
    for (s, want) in [
        (" a\nb", "\" a\\nb\""),
        ("a \nb", "\"a \\nb\""),
        ("\n", "\"\\n\""),
    ] {
        assert_eq!(to_string(&Yaml::str(s)), format!("{want}\n"));
    }
    let doc = Yaml::map().with("a\nb", Yaml::Null);
    assert_eq!(to_string(&doc), "\"a\\nb\": null\n");
}

#[test]
fn long_keys_are_explicit() {
    let key = "k".repeat(1500);
    let doc = Yaml::from(vec![
        Yaml::map().with(key.clone(), vec![Yaml::Int(1)].into())
    ]);
    assert_eq!(to_string(&doc), format!("- ? {key}\n  :\n    - 1\n"));
    assert_round_trips(&doc);
    assert_round_trips(&Yaml::map().with(key, "v".into()).with("b", Yaml::Null));
}

#[test]
fn multiple_documents() {
    let mut out = String::new();
    write_documents(
        &mut out,
        &[Yaml::map().with("a", 1i64.into()), Yaml::lit("---")],
    );
    assert_eq!(out, "a: 1\n---\n\"---\"\n");
    let docs: Vec<Value> = serde_yaml::Deserializer::from_str(&out)
        .map(|d| Value::deserialize(d).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
}

#[test]
fn builder_helpers() {
    let mut m = Yaml::map().with("a", 1i64.into()).with("b", 2i64.into());
    m.insert("a", 3i64.into());
    m.push_entry("c", Yaml::Null);
    assert_eq!(to_string(&m), "a: 3\nb: 2\nc: null\n");
    *m.get_mut("b").unwrap() = "x".into();
    assert_eq!(m.get("b"), Some(&Yaml::lit("x")));
    assert_eq!(m.get("z"), None);
    assert!(Yaml::map().is_empty() && Yaml::seq().is_empty() && Yaml::Null.is_empty());
    assert!(!Yaml::lit("").is_empty() && !m.is_empty());
}

#[test]
fn converts_from_json_and_serde_yaml() {
    let json = serde_json::json!({"b": [1, 2.5, null, true, "on"], "a": {}});
    let want = Yaml::map()
        .with(
            "b",
            vec![
                1i64.into(),
                2.5.into(),
                Yaml::Null,
                true.into(),
                "on".into(),
            ]
            .into(),
        )
        .with("a", Yaml::map());
    assert_eq!(from_json(&json), want);
    let value: Value = serde_yaml::from_str(&to_string(&want)).unwrap();
    assert_eq!(from_serde_yaml(&value), want);
}

#[test]
fn tagged_nodes() {
    let doc = Yaml::map()
        .with("a", Yaml::tagged("!reset", Yaml::Null))
        .with("b", Yaml::tagged("!reset", Yaml::seq()))
        .with(
            "c",
            Yaml::tagged(
                "!override",
                vec![Yaml::lit("x"), Yaml::map().with("k", 1i64.into())].into(),
            ),
        )
        .with(
            "d",
            Yaml::tagged("!override", Yaml::map().with("k", "v".into())),
        )
        .with(
            "e",
            vec![Yaml::tagged("!t", Yaml::map().with("k", 2i64.into()))].into(),
        );
    let text = to_string(&doc);
    assert_eq!(
        text,
        "a: !reset null\nb: !reset []\nc: !override\n  - x\n  - k: 1\nd: !override\n  k: v\ne:\n  - !t\n    k: 2\n"
    );
    let value: Value = serde_yaml::from_str(&text).unwrap();
    let tag = |k: &str| match &value[k] {
        Value::Tagged(t) => t.tag.to_string(),
        other => panic!("{k} is not tagged: {other:?}"),
    };
    assert_eq!(
        (tag("a"), tag("c"), tag("d")),
        ("!reset".into(), "!override".into(), "!override".into())
    );
    assert_eq!(
        to_string(&Yaml::tagged("!t", Yaml::map().with("k", 1i64.into()))),
        "!t\nk: 1\n"
    );
}

// ---------------------------------------------------------------------------
// Property test

const FRAGMENTS: &[&str] = &[
    " ", "\n", ": ", " #", "#", "-", "- ", "'", "\"", "\\", "a", "0", "1", ".", "e", "\r", "\t",
    "\u{85}", "\u{2028}", "é", "~", ":", "?", "---", "|", "{", "0x", "\u{feff}",
];

fn text() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(TRICKY).prop_map(String::from);
    let fragment = prop::sample::select(FRAGMENTS);
    prop_oneof![
        any::<String>(),
        "[ -~]{0,12}",
        "[ -~\n]{0,24}",
        tricky.clone(),
        vec(fragment, 0..8).prop_map(|v| v.concat()),
        vec(tricky, 1..4).prop_map(|v| v.join("\n")),
    ]
}

fn leaf(finite: bool) -> BoxedStrategy<Yaml> {
    let float = if finite {
        (-1e300..1e300f64).boxed()
    } else {
        prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-0.0)
        ]
        .boxed()
    };
    prop_oneof![
        Just(Yaml::Null),
        any::<bool>().prop_map(Yaml::Bool),
        any::<i64>().prop_map(Yaml::Int),
        float.prop_map(Yaml::Float),
        text().prop_map(Yaml::str),
        text().prop_map(Yaml::str),
    ]
    .boxed()
}

fn unique_keys(entries: Vec<(String, Yaml)>) -> Yaml {
    let mut map = Yaml::map();
    for (k, v) in entries {
        if map.get(&k).is_none() {
            map.push_entry(k, v);
        }
    }
    map
}

fn tree(finite: bool) -> impl Strategy<Value = Yaml> {
    leaf(finite).prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Yaml::Seq),
            vec((text(), inner), 0..6).prop_map(unique_keys),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn serde_yaml_reads_back_the_tree(t in tree(false)) {
        let text = to_string(&t);
        let parsed: Value = serde_yaml::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(parsed, to_value(&t), "output:\n{}", text);
    }

    /// `write_entry` at an indent is the one-entry document shifted right.
    #[test]
    fn an_indented_entry_is_the_shifted_document(
        key in text(),
        value in tree(false),
        indent in 0usize..5,
    ) {
        let doc = to_string(&Yaml::Map(vec![(key.clone().into(), value.clone())]));
        let mut shifted = String::new();
        for line in doc.lines() {
            if !line.is_empty() {
                shifted.push_str(&" ".repeat(indent));
            }
            shifted.push_str(line);
            shifted.push('\n');
        }
        let mut direct = String::new();
        write_entry(&mut direct, &key, &value, indent);
        prop_assert_eq!(direct, shifted);
    }
}

// ---------------------------------------------------------------------------
// One-off YAML 1.1 check (PyYAML). Run with `cargo test -- --ignored`.

fn to_json(y: &Yaml) -> serde_json::Value {
    use serde_json::Value as J;
    match y {
        Yaml::Null => J::Null,
        Yaml::Bool(b) => J::Bool(*b),
        Yaml::Int(i) => J::from(*i),
        Yaml::Float(f) => J::from(*f),
        Yaml::Str(s) => J::String(s.to_string()),
        Yaml::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Yaml::Map(e) => J::Object(e.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
        Yaml::Tagged(t) => to_json(&t.1),
    }
}

fn pyyaml_to_json(text: &str) -> serde_json::Value {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let script = "import sys, json, yaml\n\
                  docs = list(yaml.safe_load_all(sys.stdin.buffer))\n\
                  print(json.dumps(docs))";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with PyYAML");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "PyYAML rejected the output");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Equality up to 1 ulp for floats: serde_json (without `float_roundtrip`)
/// may misround the digits Python prints; serde_yaml checks exactness.
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(x), J::Number(y)) if x.is_f64() && y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= x.abs() * 4.0 * f64::EPSILON
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

#[test]
#[ignore = "needs python3 with PyYAML (YAML 1.1)"]
fn pyyaml_reads_back_tricky_strings_and_random_trees() {
    use proptest::strategy::ValueTree as _;
    let mut docs: Vec<Yaml> = TRICKY.iter().flat_map(|s| tricky_contexts(s)).collect();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = tree(true);
    docs.extend((0..2000).map(|_| strategy.new_tree(&mut runner).unwrap().current()));
    let mut text = String::new();
    write_documents(&mut text, &docs);
    let got = pyyaml_to_json(&text);
    let want = serde_json::Value::Array(docs.iter().map(to_json).collect());
    let (got, want) = (got.as_array().unwrap(), want.as_array().unwrap());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            same_json(g, w),
            "document {i}: {g:?}\n{}",
            to_string(&docs[i])
        );
    }
    assert_eq!(got.len(), want.len());
}
