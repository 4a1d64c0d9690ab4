//! WordPress eXtended RSS (WXR 1.1 and 1.2), the file WordPress's
//! Tools → Export writes: read as a stream of [`Record`]s — authors, terms,
//! then items (posts, pages, attachments) with their metadata and
//! comments — each complete or not at all.
//!
//! A broken or cut-short file stops with an error naming the element and
//! the byte where it went wrong ([`WxrError::locate`] turns that into a
//! line and column); the record being read is never handed over half-read.

mod records;
mod tree;

use std::io::{BufRead, Read};

pub use records::{
    Channel, CommentApproval, MenuLink, MenuTarget, Record, TermRef, WpAuthor, WpCategory,
    WpComment, WpItem, WpStatus, WpTag, percent_decode, php_serialized_string,
};
use tree::ChannelReader;
pub use tree::Node;

/// A WXR file that cannot be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}, in <{element}>: {message}", self.place())]
pub struct WxrError {
    /// Byte offset in the file.
    pub offset: u64,
    /// Line and column (from 1), once [`WxrError::locate`]d.
    pub line: Option<(u64, u64)>,
    /// The element being read (`item/wp:comment`).
    pub element: String,
    /// What is wrong.
    pub message: String,
}

impl WxrError {
    pub(crate) fn at(offset: u64, element: &str, message: &str) -> Self {
        WxrError {
            offset,
            line: None,
            element: element.to_owned(),
            message: message.to_owned(),
        }
    }

    pub(crate) fn xml(offset: u64, element: &str, error: &quick_xml::Error) -> Self {
        use quick_xml::errors::SyntaxError;
        match error {
            // Markup left open at the end of the input.
            quick_xml::Error::Syntax(syntax) if *syntax != SyntaxError::InvalidBangMarkup => {
                Self::at(
                    offset,
                    element,
                    &format!("{error}: the file ends there, it is cut short"),
                )
            }
            _ => Self::at(offset, element, &error.to_string()),
        }
    }

    /// Fills in the line and column of the error from the file it came
    /// from (read again up to the offset: errors are rare, lines are not
    /// counted on the way).
    pub fn locate(mut self, file: impl Read) -> Self {
        let mut line = 1u64;
        let mut column = 1u64;
        let mut left = self.offset;
        let mut reader = std::io::BufReader::new(file.take(self.offset));
        loop {
            let chunk = match reader.fill_buf() {
                Ok([]) | Err(_) => break,
                Ok(chunk) => chunk,
            };
            for &b in chunk {
                if b == b'\n' {
                    line += 1;
                    column = 1;
                } else if b & 0xC0 != 0x80 {
                    // Count characters, not UTF-8 continuation bytes.
                    column += 1;
                }
            }
            let n = chunk.len();
            left = left.saturating_sub(n as u64);
            reader.consume(n);
        }
        if left == 0 {
            self.line = Some((line, column));
        }
        self
    }

    fn place(&self) -> String {
        match self.line {
            Some((line, column)) => format!("line {line}, column {column}"),
            None => format!("byte {}", self.offset),
        }
    }
}

/// Reads a WXR file record by record.
pub struct WxrReader<R: BufRead> {
    channel: Channel,
    nodes: ChannelReader<R>,
}

impl<R: BufRead> WxrReader<R> {
    /// Reads from `input` (a buffered file).
    pub fn new(input: R) -> Self {
        WxrReader {
            channel: Channel::default(),
            nodes: ChannelReader::new(input),
        }
    }

    /// What the file says of the site, as far as read (WordPress writes it
    /// before the first author).
    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    /// How far into the file the reader is, in bytes (for a progress bar).
    pub fn position(&self) -> u64 {
        self.nodes.position()
    }

    /// The next record, `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Record>, WxrError> {
        while let Some(node) = self.nodes.next_node()? {
            let at = self.nodes.position();
            if let Some(record) = Record::from_node(&node, &mut self.channel)
                .map_err(|message| WxrError::at(at, &node.name, &message))?
            {
                return Ok(Some(record));
            }
        }
        if self.channel.wxr_version.is_empty() {
            return Err(WxrError::at(
                self.nodes.position(),
                "channel",
                "this is an RSS feed, not a WordPress export (no <wp:wxr_version>)",
            ));
        }
        Ok(None)
    }
}

impl<R: BufRead> Iterator for WxrReader<R> {
    type Item = Result<Record, WxrError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}
