//! What StarRocks is, as far as loading data goes: column types and their one parser, stored
//! values, the conversion rules a Stream Load applies (protocol reference §5), the expressions of
//! the `columns`/`where` parameters, the load parameters and the body → rows conversion, and a
//! table definition. Pure logic — no I/O, no async — shared by the stand-in (`starrocks-sim`),
//! the mapping preview (`ks-preflight`) and the schema tools (`ks-core::schema`), so what a
//! preview or the grid says is what a load does.

pub mod cell;
pub mod convert;
pub mod expr;
pub mod literals;
pub mod load;
pub mod sql_type;
pub mod table;
pub mod type_parser;

pub use cell::Cell;
pub use convert::{ConvertError, SourceValue, convert, convert_json, convert_text};
pub use literals::{parse_datetime, parse_decimal};
pub use sql_type::{MAX_VARCHAR_BYTES, SqlType};
pub use type_parser::{TYPE_NAMES, TypeArgsError, parse_type, type_from_parts};
