use super::grants::{Grant, GrantVerdict, evaluate_grants};

fn v(rows: &[&str]) -> GrantVerdict {
    let rows: Vec<String> = rows.iter().map(|s| s.to_string()).collect();
    evaluate_grants(&rows, "example_db", "stock")
}

#[test]
fn starrocks_grant_shapes() {
    let r = v(&["GRANT 'root' TO 'root'@'%'"]);
    assert!(matches!(r.insert, Grant::Granted(_)) && matches!(r.create, Grant::Granted(_)));
    assert_eq!(r.identity.as_deref(), Some("'root'@'%'"));

    let r = v(&["GRANT SELECT, INSERT ON TABLE example_db.stock TO USER 'loader'@'%'"]);
    assert!(matches!(r.insert, Grant::Granted(_)));
    assert_eq!(r.create, Grant::Missing);
    assert_eq!(r.identity.as_deref(), Some("'loader'@'%'"));

    let r = v(&[
        "GRANT SELECT, INSERT ON TABLE example_db.* TO USER 'loader'@'%'",
        "GRANT CREATE TABLE ON DATABASE example_db TO USER 'loader'@'%'",
    ]);
    assert!(matches!(r.insert, Grant::Granted(_)) && matches!(r.create, Grant::Granted(_)));

    let r = v(&["GRANT INSERT ON ALL TABLES IN DATABASE example_db TO USER 'u'@'%'"]);
    assert!(matches!(r.insert, Grant::Granted(_)));
    let r = v(&["GRANT INSERT ON ALL TABLES IN ALL DATABASES TO USER 'u'@'%'"]);
    assert!(matches!(r.insert, Grant::Granted(_)));
    let r = v(&["GRANT SELECT ON TABLE example_db.stock TO USER 'u'@'%'"]);
    assert_eq!(r.insert, Grant::Missing);
    let r = v(&["GRANT INSERT ON TABLE example_db.other TO USER 'u'@'%'"]);
    assert_eq!(r.insert, Grant::Missing);
    let r = v(&["GRANT INSERT ON TABLE other_db.stock TO USER 'u'@'%'"]);
    assert_eq!(r.insert, Grant::Missing);
    // 2.x privilege names.
    let r = v(&["GRANT Select_priv, Load_priv, Create_priv ON example_db.* TO 'u'@'%'"]);
    assert!(matches!(r.insert, Grant::Granted(_)) && matches!(r.create, Grant::Granted(_)));
    // A custom role: cannot see into it.
    let r = v(&["GRANT 'loaders' TO 'u'@'%'"]);
    assert_eq!(r.insert, Grant::ViaRoles(vec!["loaders".into()]));
    assert_eq!(v(&[]).insert, Grant::Missing);
}
