//! StarRocks clients: MySQL-protocol admin (version, DDL, schema, grants) and the Stream Load client. Filled by the engine issue (#3).
