//! The AWS profile names the wizard offers, read from the shared config and credentials files.

use std::path::{Path, PathBuf};

/// Profile names from the shared config file (`AWS_CONFIG_FILE`, else ~/.aws/config) and the
/// credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else ~/.aws/credentials), sorted, no repeats.
/// Missing files give no names, not an error.
pub fn list_profiles() -> Vec<String> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let from_env = |var: &str, default: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    let config = from_env("AWS_CONFIG_FILE", "config");
    let credentials = from_env("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    list_profiles_in(config.as_deref(), credentials.as_deref())
}

/// [`list_profiles`] over explicit files.
pub fn list_profiles_in(config: Option<&Path>, credentials: Option<&Path>) -> Vec<String> {
    let mut names = Vec::new();
    let read = |p: Option<&Path>| p.and_then(|p| std::fs::read_to_string(p).ok());
    if let Some(text) = read(config) {
        for section in ini_sections(&text) {
            // The config file names profiles `[profile x]` (and `[default]`); `[sso-session x]`
            // and `[services x]` are not profiles.
            if section == "default" {
                names.push(section);
            } else if let Some(name) = section.strip_prefix("profile ") {
                names.push(name.trim().to_string());
            }
        }
    }
    if let Some(text) = read(credentials) {
        names.extend(ini_sections(&text));
    }
    names.retain(|n| !n.is_empty());
    names.sort();
    names.dedup();
    names
}

fn ini_sections(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix('[').and_then(|l| l.strip_suffix(']')))
        .map(|s| s.trim().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_from_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let creds = dir.path().join("credentials");
        std::fs::write(
            &config,
            "[default]\nregion = us-east-1\n\n[profile dev]\nsso_session = corp\n[sso-session corp]\n\
             sso_region = us-east-1\n[services local]\n[ profile  staging ]\n",
        )
        .unwrap();
        std::fs::write(&creds, "[default]\naws_access_key_id = x\n[ci]\n").unwrap();
        assert_eq!(
            list_profiles_in(Some(&config), Some(&creds)),
            ["ci", "default", "dev", "staging"]
        );
        assert!(list_profiles_in(Some(&dir.path().join("nope")), None).is_empty());
    }
}
