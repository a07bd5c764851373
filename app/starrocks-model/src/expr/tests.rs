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
