//! Unit tests of expression parsing and evaluation.

use super::*;

fn eval(text: &str, vals: &[(&str, Val)]) -> Val {
    let values: HashMap<String, Val> = vals
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let row = Row {
        values: &values,
        tz: parse_timezone("UTC").unwrap(),
    };
    parse_expr(text).unwrap().eval(&row).unwrap()
}

#[test]
fn columns_header_with_from_unixtime() {
    let items = parse_columns("ts, ticker, price, event_time = from_unixtime(ts / 1000)").unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[3].name(), "event_time");
    let v = eval(
        "from_unixtime(ts / 1000)",
        &[("ts", Val::Int(1716925997497))],
    );
    assert_eq!(v, Val::Str("2024-05-28 19:53:17".into()));
}

#[test]
fn where_expressions_compare_and_combine() {
    assert_eq!(
        eval(
            "price > 10 and ticker = 'AAPL'",
            &[
                ("price", Val::Float(12.5)),
                ("ticker", Val::Str("AAPL".into()))
            ]
        ),
        Val::Bool(true)
    );
    assert_eq!(
        eval("x in (1, 2, 3)", &[("x", Val::Int(4))]),
        Val::Bool(false)
    );
    assert_eq!(
        eval("ifnull(x, 'd')", &[("x", Val::Null)]),
        Val::Str("d".into())
    );
    assert_eq!(
        eval("trim(x)", &[("x", Val::Str("  a ".into()))]),
        Val::Str("a".into())
    );
}

#[test]
fn convert_tz_reads_offsets_names_and_daylight_saving() {
    let at = |s: &str| Val::Str(s.into());
    let dt = |s: &str| Val::DateTime(crate::literals::parse_datetime(s).unwrap());
    assert_eq!(
        eval(
            "convert_tz(t, '+08:00', 'UTC')",
            &[("t", at("2024-05-28 20:00:00"))]
        ),
        dt("2024-05-28 12:00:00")
    );
    assert_eq!(
        eval(
            "convert_tz(t, '-05:00', '+00:00')",
            &[("t", at("2024-05-28T07:00:00.25"))]
        ),
        dt("2024-05-28 12:00:00.25")
    );
    // New York is UTC-4 in May (daylight saving) and UTC-5 in January.
    assert_eq!(
        eval(
            "convert_tz(t, 'America/New_York', 'UTC')",
            &[("t", at("2024-05-28 08:00:00"))]
        ),
        dt("2024-05-28 12:00:00")
    );
    assert_eq!(
        eval(
            "convert_tz(t, 'America/New_York', 'Asia/Shanghai')",
            &[("t", at("2024-01-15 07:00:00"))]
        ),
        dt("2024-01-15 20:00:00")
    );
    assert_eq!(
        eval(
            "convert_tz(t, 'Mars/Olympus', 'UTC')",
            &[("t", at("2024-01-15 07:00:00"))]
        ),
        Val::Null
    );
    assert_eq!(
        eval("convert_tz(t, 'UTC', 'UTC')", &[("t", at("not a time"))]),
        Val::Null
    );
}

#[test]
fn regexp_extract_and_replace() {
    let t = |s: &str| ("t", Val::Str(s.into()));
    let p = "'(Z|[+-][0-9]{2}:[0-9]{2})$'";
    assert_eq!(
        eval(
            &format!("regexp_extract(t, {p}, 1)"),
            &[t("2024-05-28T20:00:00+08:00")]
        ),
        Val::Str("+08:00".into())
    );
    assert_eq!(
        eval(
            &format!("regexp_extract(t, {p}, 1)"),
            &[t("2024-05-28 20:00:00")]
        ),
        Val::Str(String::new())
    );
    assert_eq!(
        eval(
            &format!("regexp_replace(t, {p}, '')"),
            &[t("2024-05-28T12:00:00Z")]
        ),
        Val::Str("2024-05-28T12:00:00".into())
    );
}
