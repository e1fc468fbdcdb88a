//! `stackc eval`.

use super::{DataFormat, EvalArgs, Io, FAILED, OK};

pub fn run(args: &EvalArgs, io: &mut Io) -> miette::Result<i32> {
    let (_root, c) = super::compile_for_models(&args.path, args.env.as_deref())?;
    if c.has_errors() {
        super::check_cmd::human(&c.program.map, &c.diagnostics, io.err_is_tty, io);
        return Ok(FAILED);
    }
    super::known_env(&c, args.env.as_deref())?;
    let model = match model_to_print(&c, args.env.as_deref()) {
        Ok(m) => m,
        Err(d) => return Ok(super::emit_cmd::internal_error(&c, d, io.err_is_tty, io)),
    };
    let text = match args.format {
        DataFormat::Json => {
            serde_json::to_string_pretty(&model).map_err(|e| miette::miette!("{e}"))? + "\n"
        }
        DataFormat::Yaml => {
            let value = serde_json::to_value(&model).map_err(|e| miette::miette!("{e}"))?;
            crate::emit::yaml::to_string(&crate::emit::yaml::from_json(&value))
        }
    };
    let _ = io.out.write_all(text.as_bytes());
    Ok(OK)
}

/// The model of `--env`, else of the stack's `default_env`, else the base.
#[allow(clippy::result_large_err)] // E0900 is a compiler bug: the error path is cold.
fn model_to_print(
    c: &crate::Compilation,
    env: Option<&str>,
) -> Result<crate::model::Model, crate::diagnostics::Diagnostic> {
    let default_env = match env {
        Some(_) => None,
        None => c.model_shell()?.stack.default_env,
    };
    c.model(env.or(default_env.as_deref()))
}
