//! Date-times with a zone (`Z`, `+08:00`) and without one, into DATETIME columns, which have no
//! zone (user reports: the recurring "+8 hours"). StarRocks' Stream Load keeps the wall clock of
//! a value ending in `Z` and cannot parse one ending in an offset (NULL), and its `timezone`
//! property only steers functions (`from_unixtime`, `convert_tz`'s callers), not that parsing
//! (docs/starrocks-protocol.md). So the mapping converts in StarRocks, with a `columns`
//! expression: each value from its own zone, or from the zone the user names for values without
//! one, into the zone the table's DATETIMEs are in.

use chrono::NaiveDateTime;
use starrocks_model::expr::convert_tz;
use starrocks_model::parse_datetime;

/// The end of a date-time string that names its zone (RE2 syntax, as StarRocks' `regexp_*`).
pub const ZONE_SUFFIX_PATTERN: &str = "(Z|[+-][0-9]{2}:[0-9]{2})$";

/// StarRocks' zone when the load sets no `timezone` property.
pub const STARROCKS_DEFAULT_ZONE: &str = "Asia/Shanghai";

/// Zones the wizard offers (any IANA name or `±hh:mm` works in the config).
pub const COMMON_ZONES: &[&str] = &[
    "UTC",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Australia/Sydney",
];

/// A date-time string split into its wall clock and its zone (`Z` becomes `+00:00`); `None`
/// for a value without a zone.
pub fn split_zone(value: &str) -> (&str, Option<String>) {
    let t = value.trim();
    if let Some(wall) = t.strip_suffix('Z') {
        return (wall, Some("+00:00".into()));
    }
    let b = t.as_bytes();
    if b.len() > 6 {
        let (wall, zone) = t.split_at(t.len() - 6);
        let z = zone.as_bytes();
        if (z[0] == b'+' || z[0] == b'-')
            && z[3] == b':'
            && [1, 2, 4, 5].iter().all(|&i| z[i].is_ascii_digit())
            && wall
                .as_bytes()
                .get(10)
                .is_some_and(|&c| c == b'T' || c == b' ')
        {
            return (wall, Some(zone.to_string()));
        }
    }
    (t, None)
}

/// A zone name is safe in a `columns` expression and known: an IANA name or `±hh:mm`.
pub fn valid_zone(zone: &str) -> bool {
    !zone.is_empty()
        && zone
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+-/:".contains(&b))
        && convert_tz(NaiveDateTime::default(), zone, "UTC").is_some()
}

/// The `columns` expression that lands `source` (a date-time string, with or without a zone)
/// as its wall-clock time in `table_zone`; a value without a zone is read in `naive_zone`.
pub fn zoned_datetime_expr(source: &str, naive_zone: &str, table_zone: &str) -> String {
    let p = ZONE_SUFFIX_PATTERN;
    format!(
        "convert_tz(regexp_replace({source}, '{p}', ''), \
         coalesce(nullif(replace(regexp_extract({source}, '{p}', 1), 'Z', '+00:00'), ''), \
         '{naive_zone}'), '{table_zone}')"
    )
}

/// What a date-time string lands as in a DATETIME column: `as_is` without a conversion (a
/// `Z` is dropped, an offset makes it NULL), `converted` through [`zoned_datetime_expr`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landing {
    pub as_is: Option<NaiveDateTime>,
    pub converted: Option<NaiveDateTime>,
}

/// How `value` lands without and with the conversion; `None` when it is no date-time at all.
pub fn landing(value: &str, naive_zone: &str, table_zone: &str) -> Option<Landing> {
    let (wall, zone) = split_zone(value);
    let at = parse_datetime(wall)?;
    // StarRocks drops a `Z` and keeps the wall clock; it cannot parse an offset (NULL).
    let as_is = (zone.is_none() || value.trim().ends_with('Z')).then_some(at);
    let converted = convert_tz(at, zone.as_deref().unwrap_or(naive_zone), table_zone);
    Some(Landing { as_is, converted })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> Option<NaiveDateTime> {
        parse_datetime(s)
    }

    #[test]
    fn splits_z_offsets_and_naive_values() {
        assert_eq!(
            split_zone("2024-05-28T12:00:00Z"),
            ("2024-05-28T12:00:00", Some("+00:00".into()))
        );
        assert_eq!(
            split_zone("2024-05-28T20:00:00.5+08:00"),
            ("2024-05-28T20:00:00.5", Some("+08:00".into()))
        );
        assert_eq!(
            split_zone("2024-05-28 07:00:00-05:00"),
            ("2024-05-28 07:00:00", Some("-05:00".into()))
        );
        assert_eq!(
            split_zone("2024-05-28 08:00:00"),
            ("2024-05-28 08:00:00", None)
        );
        // A date alone is not cut at its day ("-05-28").
        assert_eq!(split_zone("2024-05-28"), ("2024-05-28", None));
    }

    #[test]
    fn the_four_shapes_land_at_one_instant() {
        // 12:00 UTC, written four ways; naive values are New York time (UTC-4 in May).
        for v in [
            "2024-05-28T20:00:00+08:00",
            "2024-05-28T07:00:00-05:00",
            "2024-05-28T12:00:00Z",
            "2024-05-28 08:00:00",
        ] {
            let l = landing(v, "America/New_York", "UTC").unwrap();
            assert_eq!(l.converted, dt("2024-05-28 12:00:00"), "{v}");
        }
        let l = |v| landing(v, "America/New_York", "UTC").unwrap().as_is;
        assert_eq!(l("2024-05-28T20:00:00+08:00"), None, "StarRocks: NULL");
        assert_eq!(l("2024-05-28T12:00:00Z"), dt("2024-05-28 12:00:00"));
        assert_eq!(l("2024-05-28 08:00:00"), dt("2024-05-28 08:00:00"));
        assert_eq!(landing("soon", "UTC", "UTC"), None);
    }

    #[test]
    fn zones_are_names_or_offsets() {
        assert!(valid_zone("UTC"));
        assert!(valid_zone("Asia/Shanghai"));
        assert!(valid_zone("+05:30"));
        assert!(!valid_zone("Mars/Olympus"));
        assert!(!valid_zone("UTC'); drop table t; --"));
        assert!(!valid_zone(""));
    }
}
