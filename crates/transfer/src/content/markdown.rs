//! HTML into CommonMark, for the HTML WordPress writes.
//!
//! Written here rather than taken from a crate: the HTML-to-Markdown
//! crates build their own copy of html5ever (a second, older one beside
//! ammonia's), and what WordPress content needs is small — paragraphs,
//! headings, emphasis, links, images, lists, quotes, code — plus two
//! things Markdown cannot say, kept as HTML blocks of known tags: figures
//! with captions and tables. The HTML is read by html5ever's tokenizer
//! (the same parser ammonia uses), never by pattern matching.

use std::cell::RefCell;

use kiosque_core::markup::is_external_image;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Markdown for `html`. With `autop`, text follows WordPress's classic
/// editor: a blank line ends a paragraph, a line break is kept.
pub fn from_html(html: &str, media: &dyn Fn(&str) -> Option<String>, autop: bool) -> String {
    let mut writer = Writer::new(media, autop);
    for token in tokens(html) {
        match token {
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => writer.open(&tag),
                TagKind::EndTag => writer.close(&tag.name),
            },
            Token::CharacterTokens(text) => writer.text(&text),
            _ => {}
        }
    }
    writer.finish()
}

/// The text of `html`, tags dropped, spaces collapsed.
pub fn plain_text(html: &str) -> String {
    text_of(html, " ", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A reader's comment as plain text: WordPress keeps a little HTML in
/// comments (links, emphasis, its own paragraphs); Kiosque's comments are
/// text with their line breaks.
pub fn comment_text(html: &str) -> String {
    let text = text_of(html, "\n", "\n\n");
    let mut out = String::new();
    let mut blank = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank = false;
        out.push_str(&line.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    out
}

/// The character data of `html` outside skipped elements, with `br` for
/// each line break and `block` at each start and end of a block.
fn text_of(html: &str, br: &str, block: &str) -> String {
    let mut text = String::new();
    let mut skip = 0usize;
    for token in tokens(html) {
        match token {
            Token::TagToken(tag) if SKIPPED.contains(&&*tag.name) => match tag.kind {
                TagKind::StartTag => skip += 1,
                TagKind::EndTag => skip = skip.saturating_sub(1),
            },
            Token::TagToken(tag) if &*tag.name == "br" => text.push_str(br),
            Token::TagToken(tag) if BLOCKS.contains(&&*tag.name) => text.push_str(block),
            Token::CharacterTokens(t) if skip == 0 => text.push_str(&t),
            _ => {}
        }
    }
    text
}

struct Collect(RefCell<Vec<Token>>);

impl TokenSink for Collect {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        self.0.borrow_mut().push(token);
        TokenSinkResult::Continue
    }
}

pub(super) fn tokens(html: &str) -> Vec<Token> {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(Collect(RefCell::default()), TokenizerOpts::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.into_inner()
}

/// Elements whose content is not text of the article.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "math", "form", "button", "select",
    "textarea", "iframe", "object", "video", "audio",
];

/// Elements that end a paragraph.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "main",
    "nav",
    "address",
    "center",
    "dl",
    "dt",
    "dd",
    "details",
    "summary",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "li",
    "pre",
    "hr",
    "figure",
    "table",
];

/// Tags kept inside a figure or table (written back as HTML).
const KEPT_IN_HTML_BLOCKS: &[&str] = &[
    "figcaption",
    "em",
    "i",
    "strong",
    "b",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "figure",
];

struct List {
    /// Tells lists apart: two lists in a row are set apart by a blank line.
    serial: usize,
    ordered: bool,
    next: u64,
    /// Width of the current item's marker: its content is indented by it.
    width: usize,
}

/// A figure or table being copied as HTML.
struct HtmlBlock {
    root: &'static str,
    depth: usize,
    html: String,
    has_image: bool,
    text: String,
}

struct Writer<'m> {
    media: &'m dyn Fn(&str) -> Option<String>,
    autop: bool,
    /// Finished blocks.
    out: String,
    /// The block being written.
    line: String,
    /// Emphasis and link openers written with the next visible character.
    pending: String,
    /// A collapsed space is owed before the next word.
    space: bool,
    quote: usize,
    lists: Vec<List>,
    /// The marker of a list item whose first block is not written yet.
    item: Option<String>,
    /// The innermost list of the last block written, if it was in one.
    last_list: Option<usize>,
    lists_opened: usize,
    /// Quote depth of the last block written.
    last_quote: usize,
    links: Vec<Option<String>>,
    code: bool,
    pre: Option<String>,
    skip: usize,
    html_block: Option<HtmlBlock>,
    /// Markdown made by an earlier step (a gallery, an embed), copied as a
    /// block of its own.
    verbatim: Option<String>,
}

impl<'m> Writer<'m> {
    fn new(media: &'m dyn Fn(&str) -> Option<String>, autop: bool) -> Self {
        Writer {
            media,
            autop,
            out: String::new(),
            line: String::new(),
            pending: String::new(),
            space: false,
            quote: 0,
            lists: Vec::new(),
            item: None,
            last_list: None,
            lists_opened: 0,
            last_quote: 0,
            links: Vec::new(),
            code: false,
            pre: None,
            skip: 0,
            html_block: None,
            verbatim: None,
        }
    }

    fn finish(mut self) -> String {
        self.paragraph();
        if let Some(pre) = self.pre.take() {
            self.code_block(&pre);
        }
        if let Some(block) = self.html_block.take() {
            self.end_html_block(block);
        }
        self.out.push('\n');
        self.out
    }

    fn open(&mut self, tag: &Tag) {
        let name: &str = &tag.name;
        if name == super::blocks::VERBATIM && self.skip == 0 && self.html_block.is_none() {
            self.paragraph();
            self.verbatim = Some(String::new());
            return;
        }
        if SKIPPED.contains(&name) {
            // An embedded player: its address is worth a link.
            if let Some(src) =
                attr(tag, "src").filter(|_| self.skip == 0 && self.html_block.is_none())
            {
                self.paragraph();
                let src = self.address(src);
                self.block(&format!("<{src}>"));
            }
            if !tag.self_closing {
                self.skip += 1;
            }
            return;
        }
        if self.skip > 0 {
            return;
        }
        if self.html_block.is_some() {
            self.open_in_html_block(tag);
            return;
        }
        if self.pre.is_some() {
            return;
        }
        match name {
            "figure" | "table" => {
                self.paragraph();
                let root = if name == "figure" { "figure" } else { "table" };
                self.html_block = Some(HtmlBlock {
                    root,
                    depth: 1,
                    html: format!("<{root}>"),
                    has_image: false,
                    text: String::new(),
                });
            }
            "ul" | "ol" => {
                self.paragraph();
                let start = attr(tag, "start").and_then(|s| s.parse().ok()).unwrap_or(1);
                self.lists_opened += 1;
                self.lists.push(List {
                    serial: self.lists_opened,
                    ordered: name == "ol",
                    next: start,
                    width: 2,
                });
            }
            "li" => {
                self.paragraph();
                if self.lists.is_empty() {
                    self.lists_opened += 1;
                    self.lists.push(List {
                        serial: self.lists_opened,
                        ordered: false,
                        next: 1,
                        width: 2,
                    });
                }
                let list = self.lists.last_mut().expect("a list is open");
                let marker = if list.ordered {
                    list.next += 1;
                    format!("{}. ", list.next - 1)
                } else {
                    "- ".to_owned()
                };
                list.width = marker.len();
                self.item = Some(marker);
            }
            "blockquote" => {
                self.paragraph();
                self.quote += 1;
            }
            "pre" => {
                self.paragraph();
                self.pre = Some(String::new());
            }
            "hr" => {
                self.paragraph();
                self.block("---");
            }
            "br" => self.hard_break(),
            "strong" | "b" => self.pending.push_str("**"),
            "em" | "i" => self.pending.push('*'),
            "s" | "del" | "strike" => self.pending.push_str("~~"),
            "code" | "kbd" | "samp" => {
                self.pending.push('`');
                self.code = true;
            }
            "a" => {
                let href = attr(tag, "href").filter(|h| safe_address(h));
                if href.is_some() {
                    self.pending.push('[');
                }
                self.links.push(href.map(|h| self.address(h)));
            }
            "img" => {
                if let Some(src) = attr(tag, "src").filter(|s| safe_address(s)) {
                    let alt = escape_text(attr(tag, "alt").unwrap_or_default());
                    let src = self.address(src);
                    // Another site's picture would be blocked on our pages
                    // (and refused at the next save): it stays a link.
                    if is_external_image(&src) {
                        let text = if alt.is_empty() {
                            escape_text(&src)
                        } else {
                            alt
                        };
                        if self.links.last().is_some_and(Option::is_some) {
                            self.write(&text);
                        } else {
                            self.write(&format!("[{text}]({})", destination(&src)));
                        }
                    } else {
                        self.write(&format!("![{alt}]({})", destination(&src)));
                    }
                }
            }
            _ if BLOCKS.contains(&name) => self.paragraph(),
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        if name == super::blocks::VERBATIM
            && let Some(markdown) = self.verbatim.take()
        {
            self.block(markdown.trim_end_matches('\n'));
            return;
        }
        if SKIPPED.contains(&name) {
            self.skip = self.skip.saturating_sub(1);
            return;
        }
        if self.skip > 0 {
            return;
        }
        if let Some(block) = &mut self.html_block {
            if name == block.root {
                block.depth -= 1;
            }
            if KEPT_IN_HTML_BLOCKS.contains(&name) || name == "a" {
                block.html.push_str(&format!("</{name}>"));
            }
            if block.depth == 0 {
                let block = self.html_block.take().expect("checked above");
                self.end_html_block(block);
            }
            return;
        }
        if name == "pre" {
            if let Some(pre) = self.pre.take() {
                self.code_block(&pre);
            }
            return;
        }
        if self.pre.is_some() {
            return;
        }
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = usize::from(name.as_bytes()[1] - b'0');
                self.pending.clear();
                let text = std::mem::take(&mut self.line).replace("\\\n", " ");
                let text = text.trim();
                self.space = false;
                if !text.is_empty() {
                    self.block(&format!("{} {text}", "#".repeat(level)));
                }
            }
            "ul" | "ol" => {
                self.paragraph();
                if let Some(list) = self.lists.pop()
                    && self.last_list == Some(list.serial)
                {
                    // The next item of the outer list follows on.
                    self.last_list = self.lists.last().map(|l| l.serial);
                }
            }
            "blockquote" => {
                self.paragraph();
                self.quote = self.quote.saturating_sub(1);
            }
            "strong" | "b" => self.close_marker("**"),
            "em" | "i" => self.close_marker("*"),
            "s" | "del" | "strike" => self.close_marker("~~"),
            "code" | "kbd" | "samp" => {
                self.code = false;
                self.close_marker("`");
            }
            "a" => {
                if let Some(href) = self.links.pop().flatten() {
                    if self.pending.ends_with('[') {
                        // A link around nothing: dropped.
                        self.pending.pop();
                    } else {
                        self.line.push_str(&format!("]({})", destination(&href)));
                    }
                }
            }
            _ if BLOCKS.contains(&name) => self.paragraph(),
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(markdown) = &mut self.verbatim {
            markdown.push_str(text);
            return;
        }
        if self.skip > 0 {
            return;
        }
        if let Some(pre) = &mut self.pre {
            pre.push_str(text);
            return;
        }
        if let Some(block) = &mut self.html_block {
            let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !words.is_empty() {
                if text.starts_with(char::is_whitespace) && !block.html.ends_with('>') {
                    block.html.push(' ');
                }
                block.html.push_str(&escape_html(&words));
                if text.ends_with(char::is_whitespace) {
                    block.html.push(' ');
                }
                if !block.text.is_empty() {
                    block.text.push(' ');
                }
                block.text.push_str(&words);
            }
            return;
        }
        if !self.autop {
            self.words(text);
            return;
        }
        // The classic editor: a blank line ends a paragraph, a single line
        // break is a break within it.
        for (i, paragraph) in split_paragraphs(text).into_iter().enumerate() {
            if i > 0 {
                self.paragraph();
            }
            for (j, line) in paragraph.split('\n').enumerate() {
                if j > 0 {
                    self.hard_break();
                }
                self.words(line);
            }
        }
    }

    /// Running text, spaces collapsed, Markdown's characters escaped.
    fn words(&mut self, text: &str) {
        for c in text.chars() {
            if c.is_whitespace() {
                self.space = true;
                continue;
            }
            let mut buf = [0u8; 4];
            let s: &str = c.encode_utf8(&mut buf);
            if self.code {
                self.write(s);
            } else {
                self.write(&escape_text(s));
            }
        }
    }

    /// Writes visible text: an owed space first, then pending openers.
    fn write(&mut self, s: &str) {
        if self.space && !self.line.is_empty() && !self.line.ends_with('\n') {
            self.line.push(' ');
        }
        self.space = false;
        self.line.push_str(&self.pending);
        self.pending.clear();
        self.line.push_str(s);
    }

    fn close_marker(&mut self, marker: &str) {
        if let Some(stripped) = self.pending.strip_suffix(marker) {
            // Emphasis around nothing.
            self.pending.truncate(stripped.len());
        } else if !self.line.is_empty() {
            self.line.push_str(marker);
        }
    }

    fn hard_break(&mut self) {
        if !self.line.is_empty() && !self.line.ends_with('\n') {
            self.line.push_str("\\\n");
        }
        self.space = false;
    }

    /// Ends the paragraph being written.
    fn paragraph(&mut self) {
        self.pending.clear();
        self.space = false;
        let text = std::mem::take(&mut self.line);
        let text = text.trim_end_matches(|c: char| c == '\\' || c.is_whitespace());
        let text = text.trim_start();
        if text.is_empty() {
            return;
        }
        let escaped = text
            .split('\n')
            .map(escape_line_start)
            .collect::<Vec<_>>()
            .join("\n");
        self.block(&escaped);
    }

    /// Writes a finished block under the open quotes and lists.
    fn block(&mut self, text: &str) {
        let quote = "> ".repeat(self.quote);
        let indent: usize = self.lists.iter().map(|l| l.width).sum();
        let marker = self.item.take();
        let first = match &marker {
            Some(marker) => format!(
                "{quote}{}{marker}",
                " ".repeat(indent.saturating_sub(marker.len()))
            ),
            None => format!("{quote}{}", " ".repeat(indent)),
        };
        let rest = format!("{quote}{}", " ".repeat(indent));
        if !self.out.is_empty() {
            let same_list = self
                .last_list
                .is_some_and(|serial| self.lists.iter().any(|l| l.serial == serial));
            if marker.is_some() && same_list {
                self.out.push('\n');
            } else {
                // The blank line between two blocks of one quote is `>`;
                // a block leaving or entering a quote is set apart by a
                // truly blank line (an HTML block would run on otherwise).
                self.out.push('\n');
                self.out
                    .push_str("> ".repeat(self.quote.min(self.last_quote)).trim_end());
                self.out.push('\n');
            }
        }
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.out.push('\n');
                self.out.push_str(if line.is_empty() {
                    rest.trim_end()
                } else {
                    &rest
                });
            } else {
                self.out.push_str(&first);
            }
            self.out.push_str(line);
        }
        self.last_list = self.lists.last().map(|l| l.serial);
        self.last_quote = self.quote;
    }

    fn code_block(&mut self, code: &str) {
        let code = code.trim_matches('\n');
        if code.trim().is_empty() {
            return;
        }
        let mut fence = "```".to_owned();
        while code.contains(&fence) {
            fence.push('`');
        }
        self.block(&format!("{fence}\n{code}\n{fence}"));
    }

    fn open_in_html_block(&mut self, tag: &Tag) {
        let name: &str = &tag.name;
        let address = |w: &Self, key: &str| {
            attr(tag, key)
                .filter(|a| safe_address(a))
                .map(|a| escape_html(&w.address(a)))
        };
        let piece = match name {
            "img" => attr(tag, "src").filter(|a| safe_address(a)).map(|src| {
                let src = self.address(src);
                let alt = escape_html(attr(tag, "alt").unwrap_or_default());
                if is_external_image(&src) {
                    let text = if alt.is_empty() {
                        escape_html(&src)
                    } else {
                        alt
                    };
                    format!("<a href=\"{}\">{text}</a>", escape_html(&src))
                } else {
                    format!("<img src=\"{}\" alt=\"{alt}\">", escape_html(&src))
                }
            }),
            "a" => Some(match address(self, "href") {
                Some(href) => format!("<a href=\"{href}\">"),
                None => "<a>".to_owned(),
            }),
            "br" => Some("<br>".to_owned()),
            _ if KEPT_IN_HTML_BLOCKS.contains(&name) => Some(format!("<{name}>")),
            _ => None,
        };
        let block = self.html_block.as_mut().expect("called inside a block");
        if name == block.root {
            block.depth += 1;
        }
        if name == "img" && piece.is_some() {
            block.has_image = true;
        }
        if let Some(piece) = piece {
            block.html.push_str(&piece);
        }
    }

    fn end_html_block(&mut self, block: HtmlBlock) {
        if block.root == "figure" && !block.has_image {
            // A block-editor embed: a figure around the address of a video
            // or a post elsewhere. Its address is kept as a link.
            let text = block.text.trim();
            if (text.starts_with("https://") || text.starts_with("http://"))
                && !text.contains(char::is_whitespace)
            {
                self.block(&format!("<{text}>"));
                return;
            }
            if !text.is_empty() {
                self.block(&escape_line_start(&escape_text(text)));
            }
            return;
        }
        // An HTML block must not hold a blank line: it would end there.
        self.block(block.html.trim());
    }

    fn address(&self, url: &str) -> String {
        (self.media)(url).unwrap_or_else(|| url.to_owned())
    }
}

pub(super) fn attr<'t>(tag: &'t Tag, name: &str) -> Option<&'t str> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| a.value.as_ref())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Not a script address.
fn safe_address(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    !(lower.starts_with("javascript:")
        || lower.starts_with("vbscript:")
        || lower.starts_with("data:"))
}

/// A link destination that Markdown reads whole.
fn destination(url: &str) -> String {
    url.replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
        .replace('<', "%3C")
        .replace('>', "%3E")
}

fn split_paragraphs(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t' || bytes[j] == b'\r') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'\n' {
                parts.push(&text[start..i]);
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                start = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    parts.push(&text[start..]);
    parts
}

/// Escapes the characters Markdown reads as markup inside a line.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes what would make a line a heading, list item, quote or rule.
fn escape_line_start(line: &str) -> String {
    let trimmed = line.trim_start();
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    let numbered = digits > 0
        && trimmed[digits..].starts_with(['.', ')'])
        && trimmed[digits + 1..].starts_with([' ', '\t']);
    if numbered {
        return format!("{}\\{}", &trimmed[..digits], &trimmed[digits..]);
    }
    let starts_block = trimmed.starts_with('#')
        || trimmed.starts_with('=')
        || ((trimmed.starts_with('-') || trimmed.starts_with('+'))
            && (trimmed.len() == 1
                || trimmed[1..].starts_with([' ', '\t'])
                || trimmed.chars().all(|c| c == '-' || c == ' ')));
    if starts_block {
        format!("\\{trimmed}")
    } else {
        trimmed.to_owned()
    }
}

pub(super) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
