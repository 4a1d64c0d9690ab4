//! How text becomes searchable terms, the same way for articles and for
//! what readers type: "Sergueï", "serguei" and "SERGUEI" are one word, and
//! "soldats" finds "soldat".

use kiosque_core::types::Locale;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};

/// The name the analyzer is registered under in the index.
pub(crate) const NAME: &str = "kiosque";

/// Words split at anything not a letter or digit (apostrophes and hyphens
/// included: "l'armée" is "l" + "armée"), lower-cased, the language's
/// stop words dropped, accents folded, then stemmed. Folding comes before
/// stemming so a word typed without its accents stems exactly like the
/// accented one in the article.
pub(crate) fn analyzer(locale: Locale) -> TextAnalyzer {
    let language = match locale {
        Locale::Fr => Language::French,
        Locale::En => Language::English,
    };
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(language).unwrap_or_else(|| StopWordFilter::remove([])))
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(language))
        .build()
}

/// The terms `analyzer` makes of a text.
pub(crate) fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        terms.push(stream.token().text.clone());
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_words_match_without_accents_case_or_plural() {
        let fr = |t| terms(&mut analyzer(Locale::Fr), t);
        assert_eq!(fr("Sergueï Lavrov"), fr("serguei lavrov"));
        assert_eq!(fr("soldats"), fr("soldat"));
        assert_eq!(fr("Corée du Nord"), fr("coree du nord"));
        assert_eq!(fr("Corée du Nord").len(), 2, "« du » is a stop word");
        assert_eq!(fr("l’armée"), fr("armee"));
    }

    #[test]
    fn english_words_are_stemmed_in_english() {
        let en = |t| terms(&mut analyzer(Locale::En), t);
        assert_eq!(en("soldiers"), en("soldier"));
        assert_eq!(en("the talks"), en("talk"));
    }
}
