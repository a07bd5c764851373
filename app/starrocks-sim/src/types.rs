//! Column types, stored values and the conversion rules: they live in `starrocks_model` (the
//! app's mapping preview and schema tools use the same ones); re-exported at their old path.

pub use starrocks_model::cell::Cell;
pub use starrocks_model::convert::{
    ConvertError, SourceValue, convert, convert_json, convert_text,
};
pub use starrocks_model::literals::{parse_datetime, parse_decimal};
pub use starrocks_model::sql_type::{MAX_VARCHAR_BYTES, SqlType};
