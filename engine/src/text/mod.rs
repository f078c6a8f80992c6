//! Text helpers every part reads, at the bottom of the crate (they import nothing of it):
//! [`normalize`] (width folding, Chinese numerals, search terms) and [`lexicon`] (emotion cues,
//! filler, colours, bilingual synonyms). The understanding backends, the index, the resolver,
//! the preferences and assembly all use them; none of those is needed here, so no module
//! reaches back.

pub mod lexicon;
pub mod normalize;
