//! Compiling (parse, resolve, check, evaluate every environment), rendering
//! the diagnostics and, without errors, building every model never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stackc::diagnostics::render;
use stackc::source::MemoryLoader;
use stackc::EnvSelection;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loader = MemoryLoader::new().with("main.stack", &text);
    let c = stackc::compile("main.stack", &loader, &EnvSelection::All);
    let _ = render::human(&c.program.map, &c.diagnostics);
    let _ = render::json(&c.program.map, &c.diagnostics);
    let _ = render::github(&c.program.map, &c.diagnostics);
    if !c.has_errors() {
        // A model that cannot be built (E0900) is a compiler bug too.
        if let Err(d) = c.models(None) {
            panic!("{}: {}", d.code, d.primary.message);
        }
    }
});
