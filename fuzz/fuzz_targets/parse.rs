//! Parsing and formatting never panic; formatting never refuses a file that
//! parses and is idempotent on what it accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stackc::source::FileId;
use stackc::syntax::format::{format, FormatError};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = stackc::syntax::parse(FileId(0), &text);
    match format(&text, FileId(0)) {
        Ok(out) => assert_eq!(format(&out, FileId(0)).ok().as_deref(), Some(out.as_str())),
        Err(FormatError::Unsafe(why)) => panic!("formatter refused: {why}"),
        Err(FormatError::Syntax(_)) => {}
    }
});
