//! Password sources.

use super::*;

fn sink() -> SinkConfig {
    ok(&with(
        "",
        "",
        "jdbc-url = \"jdbc:mysql://fe.example.com:9030\"",
    ))
    .sink
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn no_keyring(_: &str, _: &str) -> Result<Option<String>, String> {
    Ok(None)
}

#[test]
fn password_file_comes_first() {
    let dir = std::env::temp_dir().join(format!("ks-core-pw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pw");
    std::fs::write(&file, "s3cret\n").unwrap();
    let mut s = sink();
    s.password_file = Some(file.clone());
    let env = |_: &str| Some("from-env".to_string());
    let (pw, src) = resolve_password(&s, &env, &no_keyring).unwrap();
    assert_eq!(pw.expose(), "s3cret");
    assert_eq!(src, PasswordSource::File(file.clone()));
    std::fs::write(&file, "with space \r\n").unwrap();
    let (pw, _) = resolve_password(&s, &env, &no_keyring).unwrap();
    assert_eq!(pw.expose(), "with space ");

    // Unreadable file: an error naming the path (no fallback: the config asked for the file).
    s.password_file = Some(dir.join("missing"));
    let e = resolve_password(&s, &env, &no_keyring).unwrap_err();
    assert!(matches!(e, PasswordError::FileUnreadable { .. }));
    assert!(
        e.to_string()
            .contains(&dir.join("missing").display().to_string()),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn env_then_keyring_then_an_error_naming_all_three() {
    let s = sink();
    let env = |k: &str| (k == "STARROCKS_PASSWORD").then(|| "envpw".to_string());
    let asked = RefCell::new(Vec::new());
    let keyring = |svc: &str, acct: &str| {
        asked.borrow_mut().push((svc.to_string(), acct.to_string()));
        Ok(Some("kpw".to_string()))
    };
    let (pw, src) = resolve_password(&s, &env, &keyring).unwrap();
    assert_eq!((pw.expose(), src), ("envpw", PasswordSource::Env));
    assert!(
        asked.borrow().is_empty(),
        "the keyring is not asked when env has it"
    );

    let (pw, src) = resolve_password(&s, &no_env, &keyring).unwrap();
    assert_eq!(pw.expose(), "kpw");
    assert_eq!(
        src,
        PasswordSource::Keyring {
            service: "kinesis-starrocks".into(),
            account: "root@fe.example.com".into()
        }
    );
    assert_eq!(
        asked.borrow().as_slice(),
        [(
            "kinesis-starrocks".to_string(),
            "root@fe.example.com".to_string()
        )]
    );

    let e = resolve_password(&s, &no_env, &no_keyring).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("password-file"), "{m}");
    assert!(m.contains("STARROCKS_PASSWORD"), "{m}");
    assert!(m.contains("OS keyring"), "{m}");
    assert!(m.contains("root@fe.example.com"), "{m}");

    let broken = |_: &str, _: &str| Err("no D-Bus session bus".to_string());
    let m = resolve_password(&s, &no_env, &broken)
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("no D-Bus session bus") && m.contains("STARROCKS_PASSWORD"),
        "{m}"
    );
}

#[test]
fn keyring_account_uses_jdbc_host_else_load_url_host() {
    let mut s = sink();
    assert_eq!(keyring_account(&s), "root@fe.example.com");
    s.jdbc_url = None;
    assert_eq!(keyring_account(&s), "root@127.0.0.1");
}

#[test]
fn secrets_do_not_print() {
    let s = Secret::new("hunter2");
    assert!(!format!("{s:?} {s}").contains("hunter2"));
}

#[test]
fn a_systemd_credential_comes_before_the_environment() {
    let dir = std::env::temp_dir().join(format!("ks-core-cred-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir_text = dir.display().to_string();
    let env = |name: &str| match name {
        "CREDENTIALS_DIRECTORY" => Some(dir_text.clone()),
        "STARROCKS_PASSWORD" => Some("from-env".to_string()),
        _ => None,
    };
    // A credentials folder without the password (other credentials only): on to the environment.
    let (pw, src) = resolve_password(&sink(), &env, &no_keyring).unwrap();
    assert_eq!((pw.expose(), src), ("from-env", PasswordSource::Env));

    let file = dir.join(PASSWORD_CREDENTIAL);
    std::fs::write(&file, "from-systemd\n").unwrap();
    let (pw, src) = resolve_password(&sink(), &env, &no_keyring).unwrap();
    assert_eq!(pw.expose(), "from-systemd");
    assert_eq!(src, PasswordSource::Credential(file.clone()));
    assert!(src.to_string().contains("systemd credential"), "{src}");

    // password-file, named in the config, still wins.
    let mut s = sink();
    let named = dir.join("named");
    std::fs::write(&named, "from-file").unwrap();
    s.password_file = Some(named.clone());
    let (pw, _) = resolve_password(&s, &env, &no_keyring).unwrap();
    assert_eq!(pw.expose(), "from-file");
    std::fs::remove_dir_all(&dir).unwrap();
}
