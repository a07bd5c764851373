//! The keys a commented TOML example shows (`packaging/example-pipeline.toml`): active lines and
//! commented-out ones (`# key = value`), as dotted paths. The config tests of ks-core (against the
//! key table) and of the app (every key has a check) read the example through this one parser.

/// One key line of the example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownKey {
    /// `section.key`, or `key` at the top level (`sink.buffer-flush.max-rows`).
    pub path: String,
    /// The value text, before any trailing ` #` comment.
    pub value: String,
    /// The line is commented out.
    pub commented: bool,
}

/// Every key line of `text`, in file order.
pub fn keys_shown_in(text: &str) -> Vec<ShownKey> {
    let mut section = String::new();
    let mut keys = Vec::new();
    for raw in text.lines() {
        let commented = raw.trim_start().starts_with('#');
        let line = raw.trim_start_matches('#').trim();
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            continue;
        }
        let Some((key, value)) = line.split_once(" = ") else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            continue;
        }
        let path = if section.is_empty() {
            key.to_string()
        } else {
            format!("{section}.{key}")
        };
        keys.push(ShownKey {
            path,
            value: value.split(" #").next().unwrap_or("").trim().to_string(),
            commented,
        });
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_active_and_commented_keys_with_their_sections() {
        let text = "name = \"stock\"\n# state-dir = \"/var/lib\"  # why\n\n[sink]\n\
                    # buffer-flush.max-rows = 500000\n# a comment = not a key\nusername = \"admin\"\n";
        let keys = keys_shown_in(text);
        let shown: Vec<(&str, &str, bool)> = keys
            .iter()
            .map(|k| (k.path.as_str(), k.value.as_str(), k.commented))
            .collect();
        assert_eq!(
            shown,
            [
                ("name", "\"stock\"", false),
                ("state-dir", "\"/var/lib\"", true),
                ("sink.buffer-flush.max-rows", "500000", true),
                ("sink.username", "\"admin\"", false),
            ]
        );
    }
}
