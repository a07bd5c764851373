//! The key table against the parser, the writer, the struct fields and the example file.
