//! The streaming half of the WXR reader: the file is read event by event
//! and each child of `<channel>` (an item, an author, a term…) is gathered
//! into a small tree of its own, handed over whole, then dropped. Memory is
//! bounded by the largest item (a post and its comments), not the file.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::WxrError;

/// One element with its attributes, text and children, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Qualified name as written (`wp:post_id`).
    pub name: String,
    /// Attributes, unescaped, in document order.
    pub attrs: Vec<(String, String)>,
    /// The element's own text (character data and CDATA), unescaped.
    pub text: String,
    /// Child elements.
    pub children: Vec<Node>,
}

impl Node {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child named `name`, trimmed; empty if none.
    pub fn text_of(&self, name: &str) -> &str {
        self.child(name).map_or("", |c| c.text.trim())
    }

    /// The children named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads `<rss><channel>…</channel></rss>` and yields the channel's
/// children one at a time, each as a whole [`Node`].
pub struct ChannelReader<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    /// Inside `<channel>` (its children are what is yielded).
    in_channel: bool,
    finished: bool,
}

impl<R: BufRead> ChannelReader<R> {
    /// Reads from `input`.
    pub fn new(input: R) -> Self {
        let mut reader = Reader::from_reader(input);
        // Every tag must be closed by its own name: a mismatch is a broken
        // file, not something to guess around.
        reader.config_mut().check_end_names = true;
        ChannelReader {
            reader,
            buf: Vec::new(),
            in_channel: false,
            finished: false,
        }
    }

    /// Where the reader is in the input, in bytes.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// The next child of `<channel>`, `None` after `</channel>`.
    pub fn next_node(&mut self) -> Result<Option<Node>, WxrError> {
        if self.finished {
            return Ok(None);
        }
        loop {
            self.buf.clear();
            let event = self
                .reader
                .read_event_into(&mut self.buf)
                .map_err(|e| WxrError::xml(self.reader.error_position(), "", &e))?;
            match event {
                Event::Start(start) => {
                    let name = qname(&start);
                    if self.in_channel {
                        let node = start_node(&start, self.reader.buffer_position())?;
                        return self.read_children(node).map(Some);
                    }
                    match name.as_str() {
                        "rss" => {}
                        "channel" => self.in_channel = true,
                        other => {
                            return Err(WxrError::at(
                                self.reader.buffer_position(),
                                other,
                                "this is not a WordPress export: it does not start with <rss><channel>",
                            ));
                        }
                    }
                }
                Event::Empty(start) if self.in_channel => {
                    return Ok(Some(start_node(&start, self.reader.buffer_position())?));
                }
                Event::End(end) if end.name().as_ref() == b"channel" => {
                    self.finished = true;
                    return Ok(None);
                }
                Event::Eof => {
                    return Err(WxrError::at(
                        self.reader.buffer_position(),
                        if self.in_channel { "channel" } else { "rss" },
                        if self.in_channel {
                            "the file ends before </channel>: it is cut short"
                        } else {
                            "this is not a WordPress export: no <rss><channel> in it"
                        },
                    ));
                }
                _ => {}
            }
        }
    }

    /// Reads `node`'s content up to its end tag.
    fn read_children(&mut self, node: Node) -> Result<Node, WxrError> {
        let mut stack = vec![node];
        loop {
            self.buf.clear();
            let at = self.reader.buffer_position();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => event,
                Err(e) => {
                    let element = path(&stack);
                    return Err(WxrError::xml(self.reader.error_position(), &element, &e));
                }
            };
            let fail = |stack: &[Node], message: &str| WxrError::at(at, &path(stack), message);
            let text = match event {
                Event::Start(start) => {
                    stack.push(start_node(&start, at)?);
                    continue;
                }
                Event::Empty(start) => {
                    let node = start_node(&start, at)?;
                    top(&mut stack).children.push(node);
                    continue;
                }
                Event::Text(text) => text
                    .xml10_content()
                    .map_err(|e| fail(&stack, &e.to_string()))?
                    .into_owned(),
                Event::CData(data) => data
                    .xml10_content()
                    .map_err(|e| fail(&stack, &e.to_string()))?
                    .into_owned(),
                Event::GeneralRef(reference) => resolve_reference(&reference).ok_or_else(|| {
                    fail(
                        &stack,
                        &format!("unknown entity &{};", String::from_utf8_lossy(&reference)),
                    )
                })?,
                Event::End(_) => {
                    let done = stack.pop().expect("an end closes an open element");
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                    continue;
                }
                Event::Eof => {
                    return Err(fail(
                        &stack,
                        "the file ends inside this element: it is cut short",
                    ));
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => continue,
            };
            top(&mut stack).text.push_str(&text);
        }
    }
}

fn top(stack: &mut [Node]) -> &mut Node {
    stack
        .last_mut()
        .expect("the stack holds the node being read")
}

fn qname(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.name().as_ref()).into_owned()
}

fn start_node(start: &BytesStart<'_>, at: u64) -> Result<Node, WxrError> {
    let name = qname(start);
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| WxrError::at(at, &name, &e.to_string()))?;
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| WxrError::at(at, &name, &e.to_string()))?;
        attrs.push((
            String::from_utf8_lossy(attr.key.as_ref()).into_owned(),
            value.into_owned(),
        ));
    }
    Ok(Node {
        name,
        attrs,
        ..Node::default()
    })
}

/// `&amp;` and `&#233;`. HTML names (`&nbsp;`) are not XML: WordPress
/// puts HTML in CDATA, and its own importer (libxml) refuses them too.
fn resolve_reference(reference: &quick_xml::events::BytesRef<'_>) -> Option<String> {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        return Some(c.to_string());
    }
    let name = reference.decode().ok()?;
    quick_xml::escape::resolve_xml_entity(&name).map(str::to_owned)
}

/// `item/wp:comment/wp:comment_content`, for messages.
fn path(stack: &[Node]) -> String {
    stack
        .iter()
        .map(|n| n.name.as_str())
        .collect::<Vec<_>>()
        .join("/")
}
