//! Splitting a Stream Load body into rows: CSV lines and their fields, JSON documents.

use super::LoadParams;

pub(super) fn split_rows<'a>(body: &'a [u8], delim: &[u8]) -> Vec<&'a [u8]> {
    let mut rows = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + delim.len() <= body.len() {
        if &body[i..i + delim.len()] == delim {
            rows.push(&body[start..i]);
            i += delim.len();
            start = i;
        } else {
            i += 1;
        }
    }
    if start < body.len() {
        rows.push(&body[start..]);
    }
    // A trailing empty line (body ends with the delimiter) is not a row; blank lines inside are.
    rows
}

/// Splits a CSV row into fields; `\N` is NULL; `enclose`/`escape` as StarRocks' CSV options.
pub(super) fn split_fields(row: &[u8], params: &LoadParams) -> Vec<Option<String>> {
    let sep = &params.column_separator;
    let mut fields = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut in_quotes = false;
    let mut i = 0;
    while i < row.len() {
        let b = row[i];
        if Some(b) == params.escape && i + 1 < row.len() {
            cur.push(row[i + 1]);
            i += 2;
            continue;
        }
        if Some(b) == params.enclose {
            if in_quotes && row.get(i + 1) == Some(&b) {
                cur.push(b);
                i += 2;
                continue;
            }
            in_quotes = !in_quotes;
            i += 1;
            continue;
        }
        if !in_quotes && row[i..].starts_with(sep) {
            fields.push(std::mem::take(&mut cur));
            i += sep.len();
            continue;
        }
        cur.push(b);
        i += 1;
    }
    fields.push(cur);
    fields
        .into_iter()
        .map(|f| {
            let s = String::from_utf8_lossy(&f).into_owned();
            let s = if params.trim_space {
                s.trim().to_string()
            } else {
                s
            };
            if s == "\\N" { None } else { Some(s) }
        })
        .collect()
}

pub(super) type JsonDoc = Result<(serde_json::Value, String), (String, String)>;

/// Splits a JSON body into row documents: the elements of the outer array(s) with
/// `strip_outer_array`, else each top-level value (NDJSON works too). A part that does not parse
/// becomes one filtered row with the parser's reason.
pub(super) fn json_documents(body: &[u8], strip_outer_array: bool) -> Vec<JsonDoc> {
    let mut docs = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<serde_json::Value>();
    let mut offset = 0;
    loop {
        match stream.next() {
            None => break,
            Some(Ok(v)) => {
                offset = stream.byte_offset();
                if strip_outer_array {
                    match v {
                        serde_json::Value::Array(items) => {
                            for item in items {
                                let text = item.to_string();
                                docs.push(Ok((item, text)));
                            }
                        }
                        other => {
                            let text = other.to_string();
                            docs.push(Err((
                                "JSON data is not an array, but strip_outer_array is true".into(),
                                text,
                            )));
                        }
                    }
                } else {
                    let text = v.to_string();
                    docs.push(Ok((v, text)));
                }
            }
            Some(Err(e)) => {
                // Skip to the next line and carry on; the broken part is one filtered row.
                let skip = body[offset..]
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .unwrap_or(body.len() - offset);
                let offset = offset + skip;
                let rest = &body[offset..];
                let line_end = rest
                    .iter()
                    .position(|b| *b == b'\n')
                    .map(|p| p + 1)
                    .unwrap_or(rest.len());
                let bad = String::from_utf8_lossy(&rest[..line_end])
                    .trim()
                    .to_string();
                docs.push(Err((
                    format!("parse json failed: {e}"),
                    truncate(&bad, 1000),
                )));
                let next = offset + line_end;
                if next >= body.len() {
                    break;
                }
                let tail = json_documents(&body[next..], strip_outer_array);
                docs.extend(tail);
                break;
            }
        }
    }
    docs
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}
