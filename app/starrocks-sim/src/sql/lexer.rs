//! The tokenizer, and the StarRocks-style syntax error that points at a line and column.

use super::SqlError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// A bare word (identifier or keyword).
    Word(String),
    /// A `backquoted` identifier.
    Quoted(String),
    /// A '…' or "…" literal.
    Str(String),
    Num(String),
    /// `@@name` (the name may carry `session.`/`global.`).
    SysVar(String),
    /// `@name`.
    UserVar(String),
    Param,
    Sym(&'static str),
    Eof,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) start: usize,
    pub(super) end: usize,
}

const SYMBOLS: &[&str] = &[
    "<=>", "!=", "<>", "<=", ">=", "||", "&&", "(", ")", ",", ";", ".", "=", "<", ">", "*", "+",
    "-", "/", "%", "[", "]", ":", "{", "}", "!",
];

fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
    (line, col)
}

pub(super) fn syntax_error_at(src: &str, offset: usize, found: &str, expected: &str) -> SqlError {
    let (line, col) = line_col(src, offset);
    SqlError::new(
        1064,
        "42000",
        format!(
            "Getting syntax error at line {line}, column {col}. Detail message: Unexpected input \
             '{found}', the most similar input is {{{expected}}}."
        ),
    )
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

pub(super) fn tokenize(src: &str) -> Result<Vec<Token>, SqlError> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|(_, c)| *c);
    let off = |i: usize| chars.get(i).map_or(src.len(), |(o, _)| *o);
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let start = off(i);
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Comments: `-- …`, `# …`, `/* … */`.
        if (c == '-' && at(i + 1) == Some('-')) || c == '#' {
            while i < chars.len() && chars[i].1 != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && at(i + 1) == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i].1 == '*' && at(i + 1) == Some('/')) {
                i += 1;
            }
            if i >= chars.len() {
                return Err(syntax_error_at(src, start, "/*", "'*/'"));
            }
            i += 2;
            continue;
        }
        let tok = if c == '\'' || c == '"' || c == '`' {
            let quote = c;
            let mut s = String::new();
            i += 1;
            loop {
                match at(i) {
                    None => {
                        return Err(syntax_error_at(
                            src,
                            start,
                            &src[start..],
                            &format!("'{quote}'"),
                        ));
                    }
                    Some(ch) if ch == quote => {
                        if at(i + 1) == Some(quote) {
                            s.push(quote);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some('\\') if quote != '`' => {
                        let esc = at(i + 1).unwrap_or('\\');
                        s.push(match esc {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            '0' => '\0',
                            other => other,
                        });
                        i += 2;
                    }
                    Some(ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            if quote == '`' {
                Tok::Quoted(s)
            } else {
                Tok::Str(s)
            }
        } else if c.is_ascii_digit() {
            let mut j = i;
            while at(j).is_some_and(|d| d.is_ascii_digit()) {
                j += 1;
            }
            if at(j) == Some('.') && at(j + 1).is_some_and(|d| d.is_ascii_digit()) {
                j += 1;
                while at(j).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1;
                }
            }
            if matches!(at(j), Some('e' | 'E'))
                && (at(j + 1).is_some_and(|d| d.is_ascii_digit())
                    || (matches!(at(j + 1), Some('+' | '-'))
                        && at(j + 2).is_some_and(|d| d.is_ascii_digit())))
            {
                j += 2;
                while at(j).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1;
                }
            }
            if at(j).is_some_and(is_ident_char) {
                // `2024_events`: an identifier that starts with digits.
                while at(j).is_some_and(is_ident_char) {
                    j += 1;
                }
                i = j;
                Tok::Word(src[start..off(j)].to_string())
            } else {
                i = j;
                Tok::Num(src[start..off(j)].to_string())
            }
        } else if is_ident_char(c) {
            let mut j = i;
            while at(j).is_some_and(is_ident_char) {
                j += 1;
            }
            i = j;
            Tok::Word(src[start..off(j)].to_string())
        } else if c == '@' {
            let sys = at(i + 1) == Some('@');
            let mut j = if sys { i + 2 } else { i + 1 };
            let name_start = j;
            if at(j) == Some('`') {
                return Err(syntax_error_at(src, start, "@`", "a variable name"));
            }
            while at(j).is_some_and(|ch| is_ident_char(ch) || ch == '.') {
                j += 1;
            }
            if j == name_start {
                return Err(syntax_error_at(src, start, "@", "a variable name"));
            }
            let name = src[off(name_start)..off(j)].to_string();
            i = j;
            if sys {
                Tok::SysVar(name)
            } else {
                Tok::UserVar(name)
            }
        } else if c == '?' {
            i += 1;
            Tok::Param
        } else {
            let rest = &src[start..];
            match SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
                Some(s) => {
                    i += s.chars().count();
                    Tok::Sym(s)
                }
                None => {
                    return Err(syntax_error_at(src, start, &c.to_string(), "a legal token"));
                }
            }
        };
        toks.push(Token {
            tok,
            start,
            end: off(i),
        });
    }
    toks.push(Token {
        tok: Tok::Eof,
        start: src.len(),
        end: src.len(),
    });
    Ok(toks)
}
