//! `stackc eval`.

use super::{DataFormat, EvalArgs, Io, FAILED, OK};

pub fn run(args: &EvalArgs, io: &mut Io) -> miette::Result<i32> {
    let (_root, c) = super::compile_for_models(&args.path, args.env.as_deref())?;
    let color = super::use_color(args.color, io);
    if c.has_errors() {
        super::check_cmd::human(&c.program.map, &c.diagnostics, color, io);
        return Ok(super::failure_code(&c));
    }
    super::known_env(&c, args.env.as_deref())?;
    // Without --env, the stack's `default_env` (else the base).
    let env = args.env.clone().or_else(|| c.default_env());
    let model = match c.model(env.as_deref()) {
        Ok(m) => m,
        Err(d) => {
            super::check_cmd::human(&c.program.map, &[d], color, io);
            return Ok(FAILED);
        }
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
