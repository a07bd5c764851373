//! The system variables `@@` reads and `SHOW VARIABLES` lists.

/// The handshake version and `select version()` (FE `Config.mysql_server_version`).
pub const MYSQL_SERVER_VERSION: &str = "5.1.0";

pub(super) enum SysVal {
    Int(i64),
    Text(&'static str),
    VersionComment,
    Port,
    HaveSsl,
    RequireSecure,
}

/// `@@session.x` / `@@global.x` / `@@X` → `x`.
pub(super) fn sysvar_name(raw: &str) -> String {
    let lower = raw.to_ascii_lowercase();
    for scope in ["session.", "global.", "local."] {
        if let Some(rest) = lower.strip_prefix(scope) {
            return rest.to_string();
        }
    }
    lower
}

/// The variables `@@` reads and `SHOW VARIABLES` answer, sorted by name.
pub(super) const SYSVARS: &[(&str, SysVal)] = &[
    ("auto_increment_increment", SysVal::Int(1)),
    ("autocommit", SysVal::Int(1)),
    ("character_set_client", SysVal::Text("utf8")),
    ("character_set_connection", SysVal::Text("utf8")),
    ("character_set_database", SysVal::Text("utf8")),
    ("character_set_results", SysVal::Text("utf8")),
    ("character_set_server", SysVal::Text("utf8")),
    ("collation_connection", SysVal::Text("utf8_general_ci")),
    ("collation_database", SysVal::Text("utf8_general_ci")),
    ("collation_server", SysVal::Text("utf8_general_ci")),
    ("default_storage_engine", SysVal::Text("olap")),
    ("div_precision_increment", SysVal::Int(4)),
    ("error_count", SysVal::Int(0)),
    ("have_ssl", SysVal::HaveSsl),
    ("init_connect", SysVal::Text("")),
    ("interactive_timeout", SysVal::Int(3600)),
    ("language", SysVal::Text("/starrocks/share/english/")),
    ("license", SysVal::Text("Apache License 2.0")),
    ("lower_case_table_names", SysVal::Int(0)),
    ("max_allowed_packet", SysVal::Int(67_108_864)),
    ("max_execution_time", SysVal::Int(3_000_000)),
    ("net_buffer_length", SysVal::Int(16384)),
    ("net_read_timeout", SysVal::Int(60)),
    ("net_write_timeout", SysVal::Int(60)),
    ("performance_schema", SysVal::Int(0)),
    ("port", SysVal::Port),
    ("query_cache_size", SysVal::Int(0)),
    ("query_cache_type", SysVal::Text("OFF")),
    ("query_timeout", SysVal::Int(300)),
    ("require_secure_transport", SysVal::RequireSecure),
    // Empty, not NULL: the `mysql` crate reads it as a String (and skips an empty one).
    ("socket", SysVal::Text("")),
    ("sql_auto_is_null", SysVal::Int(0)),
    ("sql_mode", SysVal::Text("")),
    ("sql_select_limit", SysVal::Int(i64::MAX)),
    ("system_time_zone", SysVal::Text("UTC")),
    ("time_zone", SysVal::Text("Asia/Shanghai")),
    ("transaction_isolation", SysVal::Text("REPEATABLE-READ")),
    ("transaction_read_only", SysVal::Int(0)),
    ("tx_isolation", SysVal::Text("REPEATABLE-READ")),
    ("tx_read_only", SysVal::Int(0)),
    ("version", SysVal::Text(MYSQL_SERVER_VERSION)),
    ("version_comment", SysVal::VersionComment),
    ("wait_timeout", SysVal::Int(28800)),
    ("warning_count", SysVal::Int(0)),
];
