//! The part of Ghost's `filter` language (NQL) its Content API clients
//! use: `key:value`, `key:-value` (not), `key:[a,b]` (any of),
//! `key:>'2024-01-01'` (and `>=`, `<`, `<=`), joined with `+` (and) and
//! `,` (or, weaker), with parentheses. Keys: `tag`/`tags.slug`,
//! `primary_tag`, `author`/`authors.slug`, `primary_author`, `featured`,
//! `published_at`, `slug`, `id`. Anything else is refused with a message,
//! never guessed.
//!
//! Written here: the npm parser (`@tryghost/nql`) is JavaScript, and no
//! crate reads NQL.

/// A comparison of one term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Is,
    Not,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filter {
    Term {
        key: String,
        op: Op,
        values: Vec<String>,
    },
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

const KEYS: &[&str] = &[
    "tag",
    "tags",
    "tags.slug",
    "primary_tag",
    "primary_tag.slug",
    "author",
    "authors",
    "authors.slug",
    "primary_author",
    "primary_author.slug",
    "featured",
    "published_at",
    "slug",
    "id",
];

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    fn expr(&mut self) -> Result<Filter, String> {
        let mut any = vec![self.all()?];
        while self.peek() == Some(b',') {
            self.at += 1;
            any.push(self.all()?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Filter::Or(any)
        })
    }

    fn all(&mut self) -> Result<Filter, String> {
        let mut every = vec![self.atom()?];
        while self.peek() == Some(b'+') {
            self.at += 1;
            every.push(self.atom()?);
        }
        Ok(if every.len() == 1 {
            every.remove(0)
        } else {
            Filter::And(every)
        })
    }

    fn atom(&mut self) -> Result<Filter, String> {
        self.skip_spaces();
        if self.peek() == Some(b'(') {
            self.at += 1;
            let inner = self.expr()?;
            self.skip_spaces();
            if self.peek() != Some(b')') {
                return Err("a `(` is not closed".into());
            }
            self.at += 1;
            return Ok(inner);
        }
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            self.at += 1;
        }
        let key = String::from_utf8_lossy(&self.text[start..self.at]).into_owned();
        if key.is_empty() || self.peek() != Some(b':') {
            return Err(format!("expected `key:value` at character {}", start + 1));
        }
        if !KEYS.contains(&key.as_str()) {
            return Err(format!("`{key}` cannot be filtered on here"));
        }
        self.at += 1;
        let op = match (self.peek(), self.text.get(self.at + 1).copied()) {
            (Some(b'-'), _) => {
                self.at += 1;
                Op::Not
            }
            (Some(b'>'), Some(b'=')) => {
                self.at += 2;
                Op::Gte
            }
            (Some(b'<'), Some(b'=')) => {
                self.at += 2;
                Op::Lte
            }
            (Some(b'>'), _) => {
                self.at += 1;
                Op::Gt
            }
            (Some(b'<'), _) => {
                self.at += 1;
                Op::Lt
            }
            _ => Op::Is,
        };
        let values = if self.peek() == Some(b'[') {
            self.at += 1;
            let mut values = vec![self.value()?];
            while self.peek() == Some(b',') {
                self.at += 1;
                values.push(self.value()?);
            }
            if self.peek() != Some(b']') {
                return Err("a `[` is not closed".into());
            }
            self.at += 1;
            values
        } else {
            vec![self.value()?]
        };
        Ok(Filter::Term { key, op, values })
    }

    fn value(&mut self) -> Result<String, String> {
        self.skip_spaces();
        if self.peek() == Some(b'\'') || self.peek() == Some(b'"') {
            let quote = self.peek();
            self.at += 1;
            let start = self.at;
            while self.peek().is_some_and(|c| Some(c) != quote) {
                self.at += 1;
            }
            if self.peek().is_none() {
                return Err("a quote is not closed".into());
            }
            let value = String::from_utf8_lossy(&self.text[start..self.at]).into_owned();
            self.at += 1;
            return Ok(value);
        }
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| !matches!(c, b',' | b'+' | b')' | b']' | b' '))
        {
            self.at += 1;
        }
        if start == self.at {
            return Err(format!("a value is missing at character {}", start + 1));
        }
        Ok(String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
    }
}

/// Reads a filter, or says what is wrong with it.
pub(crate) fn parse(text: &str) -> Result<Filter, String> {
    if text.len() > 1_000 {
        return Err("the filter is longer than 1,000 characters".into());
    }
    let mut parser = Parser {
        text: text.trim().as_bytes(),
        at: 0,
    };
    let filter = parser.expr()?;
    parser.skip_spaces();
    if parser.at != parser.text.len() {
        return Err(format!("unexpected text at character {}", parser.at + 1));
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(key: &str, op: Op, values: &[&str]) -> Filter {
        Filter::Term {
            key: key.into(),
            op,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_lists_quotes_and_parentheses_are_read() {
        assert_eq!(
            parse("tag:news+featured:true,author:awa").unwrap(),
            Filter::Or(vec![
                Filter::And(vec![
                    term("tag", Op::Is, &["news"]),
                    term("featured", Op::Is, &["true"])
                ]),
                term("author", Op::Is, &["awa"]),
            ])
        );
        assert_eq!(
            parse("tag:[a,b]+published_at:>'2024-01-01 10:00:00'").unwrap(),
            Filter::And(vec![
                term("tag", Op::Is, &["a", "b"]),
                term("published_at", Op::Gt, &["2024-01-01 10:00:00"]),
            ])
        );
        assert_eq!(
            parse("(tag:a,tag:b)+tag:-c").unwrap(),
            Filter::And(vec![
                Filter::Or(vec![
                    term("tag", Op::Is, &["a"]),
                    term("tag", Op::Is, &["b"])
                ]),
                term("tag", Op::Not, &["c"]),
            ])
        );
    }

    #[test]
    fn what_it_cannot_read_is_refused_with_a_reason() {
        for bad in [
            "tag",
            "tag:",
            "visibility:paid",
            "tag:[a,b",
            "(tag:a",
            "tag:'x",
            "tag:a)",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
