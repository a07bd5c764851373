//! "Copy diagnostics": one text a user can paste into a support ticket — the config (it holds no
//! password by design), versions, the last snapshot and the recent errors with their ErrorURL
//! lines — with anything that looks like a credential masked on the way out.

use crate::PipelineConfig;
use crate::snapshot::Snapshot;
use std::fmt::Write as _;

/// What replaces a masked value.
pub const MASK: &str = "***";

/// The bundle. `app_version` is the app's own version; the OS comes from the build target.
pub fn bundle(
    app_version: &str,
    config: Option<&PipelineConfig>,
    snapshot: Option<&Snapshot>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# kinesis-starrocks diagnostics");
    let _ = writeln!(
        out,
        "version: {app_version} ({} {})",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    let _ = writeln!(
        out,
        "taken: {}",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let _ = writeln!(out, "\n## config (no password: it never lives in the file)");
    match config {
        Some(c) => out.push_str(&c.to_toml_string()),
        None => out.push_str("(not available)\n"),
    }
    let _ = writeln!(out, "\n## recent errors, newest first");
    match snapshot {
        Some(s) if !s.errors.is_empty() => {
            for e in &s.errors {
                let _ = writeln!(
                    out,
                    "- {} {}{}: {}",
                    chrono::DateTime::from_timestamp_millis(e.at_ms)
                        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                        .unwrap_or_default(),
                    e.context,
                    e.status
                        .as_deref()
                        .map(|s| format!(" [{s}]"))
                        .unwrap_or_default(),
                    e.message
                );
                if let Some(url) = &e.error_url {
                    let _ = writeln!(out, "  ErrorURL: {url}");
                }
                for line in &e.error_lines {
                    let _ = writeln!(out, "  | {line}");
                }
            }
        }
        Some(_) => out.push_str("(none)\n"),
        None => out.push_str("(the pipeline has not run in this session)\n"),
    }
    let _ = writeln!(out, "\n## last snapshot");
    match snapshot.map(serde_json::to_string_pretty) {
        Some(Ok(json)) => out.push_str(&json),
        Some(Err(e)) => {
            let _ = write!(out, "(cannot be written: {e})");
        }
        None => out.push_str("(none)"),
    }
    out.push('\n');
    redact(&out)
}

/// Masks credentials a message may carry: `user:password@` in URLs, `Authorization:` header
/// values, `password=`/`password:` pairs, AWS secret and session keys.
pub fn redact(text: &str) -> String {
    text.lines().map(redact_line).collect::<Vec<_>>().join("\n")
        + if text.ends_with('\n') { "\n" } else { "" }
}

fn redact_line(line: &str) -> String {
    let mut line = mask_url_passwords(line);
    for key in [
        "authorization",
        "password",
        "passwd",
        "aws_secret_access_key",
        "aws_session_token",
        "secret",
    ] {
        line = mask_after_key(&line, key);
    }
    line
}

/// `scheme://user:password@host` → `scheme://user:***@host`.
fn mask_url_passwords(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority.rfind('@') {
            Some(at) => match authority[..at].split_once(':') {
                Some((user, _)) => {
                    out.push_str(user);
                    out.push(':');
                    out.push_str(MASK);
                    out.push_str(&authority[at..]);
                }
                None => out.push_str(authority),
            },
            None => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// `key: value`, `key=value`, `"key": "value"` (any case) → the value masked up to the next
/// delimiter; an `Authorization` value keeps its scheme (`Basic ***`).
fn mask_after_key(line: &str, key: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let mut out = String::with_capacity(line.len());
    let mut from = 0;
    while let Some(found) = lower[from..].find(key) {
        let key_end = from + found + key.len();
        let after = &line[key_end..];
        // The separator: optional quote, spaces, ':' or '=', spaces, optional quote.
        let sep_len = after
            .char_indices()
            .find(|(_, c)| !matches!(c, '"' | '\'' | ' ' | ':' | '='))
            .map_or(after.len(), |(i, _)| i);
        let sep = &after[..sep_len];
        if !sep.contains([':', '=']) {
            out.push_str(&line[from..key_end]);
            from = key_end;
            continue;
        }
        out.push_str(&line[from..key_end + sep_len]);
        let value = &after[sep_len..];
        let mut value_end = value
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '&' | '}'))
            .unwrap_or(value.len());
        let scheme = &value[..value_end];
        if key == "authorization"
            && (scheme.eq_ignore_ascii_case("basic") || scheme.eq_ignore_ascii_case("bearer"))
        {
            out.push_str(scheme);
            out.push(' ');
            let credential = value[value_end..].trim_start();
            let skipped = value.len() - value_end - credential.len();
            value_end += skipped
                + credential
                    .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ','))
                    .unwrap_or(credential.len());
        }
        if value_end > 0 {
            out.push_str(MASK);
        }
        from = key_end + sep_len + value_end;
    }
    out.push_str(&line[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::ErrorEntry;

    #[test]
    fn credentials_are_masked_wherever_they_appear() {
        let cases = [
            (
                "GET http://root:s3cret@be1:8040/api/_load_error_log?file=x",
                "GET http://root:***@be1:8040/api/_load_error_log?file=x",
            ),
            (
                "Authorization: Basic cm9vdDpzM2NyZXQ=",
                "Authorization: Basic ***",
            ),
            (
                r#"{"password": "hunter2", "user": "root"}"#,
                r#"{"password": "***", "user": "root"}"#,
            ),
            ("password=hunter2&x=1", "password=***&x=1"),
            (
                "AWS_SECRET_ACCESS_KEY=abc/def AWS_SESSION_TOKEN=tok",
                "AWS_SECRET_ACCESS_KEY=*** AWS_SESSION_TOKEN=***",
            ),
            (
                "the password file /etc/ks/pw is empty",
                "the password file /etc/ks/pw is empty",
            ),
            (
                "https://fe.example.com:8443/api",
                "https://fe.example.com:8443/api",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "{input}");
        }
    }

    #[test]
    fn the_bundle_has_the_config_errors_and_snapshot_without_secrets() {
        let config = PipelineConfig::from_toml_str(
            r#"name = "stock"
[source]
stream = "s"
region = "us-east-1"
[sink]
load-url = "http://127.0.0.1:8030"
username = "root"
database-name = "db"
table-name = "t"
"#,
            std::path::Path::new("/etc/ks/stock.toml"),
        )
        .unwrap();
        let mut snapshot = Snapshot::new("stock");
        snapshot.errors.push_front(ErrorEntry {
            at_ms: 1_764_900_000_000,
            context: "load ks-stock-1-7".into(),
            status: Some("Fail".into()),
            message: "too many filtered rows; retried via http://root:pw123@be:8040".into(),
            error_url: Some("http://be:8040/api/_load_error_log?file=e1".into()),
            error_lines: vec!["Error: NULL value in non-nullable column 'ticker'".into()],
        });
        let text = bundle("0.1.0", Some(&config), Some(&snapshot));
        for part in [
            "version: 0.1.0",
            "## config",
            "table-name = \"t\"",
            "## recent errors",
            "load ks-stock-1-7 [Fail]: too many filtered rows",
            "  ErrorURL: http://be:8040/api/_load_error_log?file=e1",
            "  | Error: NULL value in non-nullable column 'ticker'",
            "## last snapshot",
            "\"pipeline\": \"stock\"",
        ] {
            assert!(text.contains(part), "{part} missing:\n{text}");
        }
        assert!(!text.contains("pw123"), "{text}");
        assert!(text.contains("http://root:***@be:8040"), "{text}");
        let empty = bundle("0.1.0", None, None);
        assert!(
            empty.contains("(the pipeline has not run in this session)"),
            "{empty}"
        );
    }
}
