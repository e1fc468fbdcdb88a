use super::*;

#[test]
fn literals_escape_every_dollar() {
    assert_eq!(lit("a$b ${c} $$"), "a$$b $${c} $$$$");
    assert_eq!(lit("plain"), "plain");
}

#[test]
fn bytes_use_the_largest_binary_unit_that_divides() {
    let b = |n: u64| bytes(Bytes(n));
    assert_eq!(b(512 << 20), Yaml::lit("512m"));
    assert_eq!(b(1 << 30), Yaml::lit("1g"));
    assert_eq!(b(3 << 29), Yaml::lit("1536m"));
    assert_eq!(b(64 << 10), Yaml::lit("64k"));
    assert_eq!(b(100_000_000), Yaml::lit("100000000"));
    assert_eq!(b(0), Yaml::lit("0"));
}

#[test]
fn variable_names_are_made_valid() {
    assert_eq!(var_name("DATABASE_URL"), "DATABASE_URL");
    assert_eq!(var_name("signing-key.v2"), "signing_key_v2");
    assert_eq!(var_name("9LIVES"), "_9LIVES");
    assert_eq!(required_var("X"), "${X:?set X in .env (see .env.example)}");
}

#[test]
fn durations_are_go_durations() {
    assert_eq!(duration(Duration(90_000)), Yaml::lit("1m30s"));
    assert_eq!(duration(Duration(250)), Yaml::lit("250ms"));
}
