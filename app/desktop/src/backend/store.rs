//! Saved pipelines: one TOML file per pipeline, `<dir>/<name>.toml`. The password is never
//! written here (the config model has no field for it); it goes to the OS keyring.

use ks_core::PipelineConfig;
use std::path::{Path, PathBuf};

/// The config file of pipeline `name` in `dir`. The name is checked first (it becomes a file
/// name: no separators, no dots in front).
pub fn path_for(dir: &Path, name: &str) -> Result<PathBuf, String> {
    ks_core::config::validate_name(name).map_err(|e| format!("pipeline name {name:?}: {e}"))?;
    Ok(dir.join(format!("{name}.toml")))
}

/// Writes `config` as `<dir>/<name>.toml` (through a temporary file and a rename, so a crash
/// never leaves half a file).
pub fn save(dir: &Path, name: &str, config: &PipelineConfig) -> Result<PathBuf, String> {
    let path = path_for(dir, name)?;
    if let Err(errors) = config.validate() {
        let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        return Err(format!("the pipeline is not valid: {}", list.join("; ")));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let tmp = dir.join(format!(".{name}.toml.tmp"));
    std::fs::write(&tmp, config.to_toml_string())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Reads one saved pipeline.
pub fn load(dir: &Path, name: &str) -> Result<PipelineConfig, String> {
    let path = path_for(dir, name)?;
    PipelineConfig::load(&path).map_err(|e| e.to_string())
}

/// Every `*.toml` in `dir`, sorted by name, each with its config or why it could not be read.
/// A missing directory is an empty list.
pub fn list(dir: &Path) -> Vec<(String, PathBuf, Result<PipelineConfig, String>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_str()?.to_string();
            if name.starts_with('.') {
                return None;
            }
            let config = PipelineConfig::load(&p).map_err(|e| e.to_string());
            Some((name, p, config))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Removes `<dir>/<name>.toml`.
pub fn delete(dir: &Path, name: &str) -> Result<(), String> {
    let path = path_for(dir, name)?;
    std::fs::remove_file(&path).map_err(|e| format!("cannot delete {}: {e}", path.display()))
}
