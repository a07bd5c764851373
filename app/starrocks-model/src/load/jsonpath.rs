//! StarRocks JSON paths (`jsonpaths`, `json_root`).

#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    pub text: String,
    pieces: Vec<PathPiece>,
}

#[derive(Debug, Clone, PartialEq)]
struct PathPiece {
    key: Option<String>,
    selectors: Vec<Selector>,
}

#[derive(Debug, Clone, PartialEq)]
enum Selector {
    Index(usize),
    All,
}

impl JsonPath {
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let bad = || format!("Invalid json path: {text}");
        let mut raw: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        for c in text.trim().chars() {
            match c {
                '"' => quoted = !quoted,
                '.' if !quoted => raw.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        if quoted {
            return Err(bad());
        }
        raw.push(cur);
        if raw.first().map(String::as_str) != Some("$")
            && !raw.first().is_some_and(|p| p.starts_with("$["))
        {
            raw.insert(0, "$".into());
        }
        let mut pieces = Vec::new();
        for (i, part) in raw.iter().enumerate() {
            let (name, rest) = match part.find('[') {
                Some(b) => (&part[..b], &part[b..]),
                None => (part.as_str(), ""),
            };
            let key = if i == 0 {
                if !name.starts_with('$') {
                    return Err(bad());
                }
                None
            } else if name.is_empty() {
                return Err(bad());
            } else {
                Some(name.to_string())
            };
            let mut selectors = Vec::new();
            let mut rest = rest;
            while let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']').ok_or_else(bad)?;
                let sel = &r[..end];
                selectors.push(if sel == "*" {
                    Selector::All
                } else {
                    Selector::Index(sel.trim().parse().map_err(|_| bad())?)
                });
                rest = &r[end + 1..];
            }
            if !rest.is_empty() {
                return Err(bad());
            }
            pieces.push(PathPiece { key, selectors });
        }
        Ok(JsonPath {
            text: text.to_string(),
            pieces,
        })
    }

    /// The value at this path, or `None` when a key is missing.
    pub fn extract(&self, doc: &serde_json::Value) -> Option<serde_json::Value> {
        let mut cur = doc.clone();
        for piece in &self.pieces {
            if let Some(k) = &piece.key {
                cur = match cur {
                    serde_json::Value::Array(items) => {
                        // A key applied to an array maps over it (`$.a[*].b`).
                        serde_json::Value::Array(
                            items.iter().filter_map(|v| v.get(k).cloned()).collect(),
                        )
                    }
                    other => other.get(k)?.clone(),
                };
            }
            for sel in &piece.selectors {
                cur = match (sel, cur) {
                    (Selector::Index(i), serde_json::Value::Array(items)) => items.get(*i)?.clone(),
                    (Selector::All, v @ serde_json::Value::Array(_)) => v,
                    _ => return None,
                };
            }
        }
        Some(cur)
    }

    /// The chain of object keys of a path without array selectors (`$.a.b` → `["a", "b"]`);
    /// `None` when the path indexes an array or is the root itself.
    pub fn object_keys(&self) -> Option<Vec<&str>> {
        let (root, rest) = self.pieces.split_first()?;
        if !root.selectors.is_empty() || rest.is_empty() {
            return None;
        }
        rest.iter()
            .map(|p| match (&p.key, p.selectors.is_empty()) {
                (Some(k), true) => Some(k.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The top-level key of a simple `$.key` path.
    pub fn simple_key(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [
                _,
                PathPiece {
                    key: Some(k),
                    selectors,
                },
            ] if selectors.is_empty() => Some(k),
            _ => None,
        }
    }
}
