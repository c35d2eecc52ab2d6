//! Ranking tools against what an agent asks for ("find a contact by email"), for discovery
//! mode's `search_tools`. BM25 over each tool's fields, weighted by where a word appears (name,
//! title, tags, the description's first sentence, the rest of it), plus the verb the request
//! implies: a request to find something prefers tools that read over tools that write, so
//! "find a contact by email" ranks the contact search above the tool that edits a contact's
//! email addresses. Measured on `search_intents.tsv` by a test (top three for 90% or more).

use std::collections::HashMap;

use crate::catalogue::{MethodClass, Tool};

/// Words that carry no meaning for picking a tool.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "to", "of", "for", "in", "on", "at", "by", "with", "from", "and", "or", "my",
    "me", "i", "we", "our", "us", "its", "it", "is", "are", "be", "do", "does", "that", "this",
    "there", "which", "what", "who", "whose", "can", "how", "exist", "exists", "please", "kaseya",
    "bms", "single", "id", "ids", "one", "some", "any", "all", "new", "detail", "details",
];

/// Verbs that say what kind of tool is wanted (`intent_of`) rather than what it is about:
/// "Find" in a title is no reason to rank a tool.
const PURE_VERBS: &[&str] = &[
    "find", "search", "list", "show", "get", "read", "look", "lookup", "add", "create", "update",
    "change", "edit", "modify", "delete", "remove",
];

/// Words a request may use for a thing, folded to the word tools use for it.
const SYNONYMS: &[(&str, &str)] = &[
    ("close", "resolve"),
    ("closed", "resolve"),
    ("e-mail", "email"),
    ("mail", "email"),
    ("customer", "account"),
    ("client", "account"),
    ("company", "account"),
    ("organisation", "account"),
    ("organization", "account"),
    ("device", "asset"),
    ("computer", "asset"),
    ("machine", "asset"),
    ("technician", "assignee"),
    ("tech", "assignee"),
    ("deal", "opportunity"),
    ("todo", "to-do"),
    ("summarize", "summary"),
    ("summarise", "summary"),
    ("online", "status"),
    ("phone", "phones"),
];

/// What a request's words say it wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    Read,
    Create,
    Change,
    Remove,
}

const INTENT_WORDS: &[(&str, Intent)] = &[
    ("find", Intent::Read),
    ("search", Intent::Read),
    ("list", Intent::Read),
    ("show", Intent::Read),
    ("get", Intent::Read),
    ("read", Intent::Read),
    ("look", Intent::Read),
    ("lookup", Intent::Read),
    ("which", Intent::Read),
    ("what", Intent::Read),
    ("who", Intent::Read),
    ("count", Intent::Read),
    ("details", Intent::Read),
    ("is", Intent::Read),
    ("add", Intent::Create),
    ("create", Intent::Create),
    ("new", Intent::Create),
    ("log", Intent::Create),
    ("raise", Intent::Create),
    ("schedule", Intent::Create),
    ("open", Intent::Create),
    ("update", Intent::Change),
    ("change", Intent::Change),
    ("edit", Intent::Change),
    ("set", Intent::Change),
    ("rename", Intent::Change),
    ("modify", Intent::Change),
    ("assign", Intent::Change),
    ("delete", Intent::Remove),
    ("remove", Intent::Remove),
    ("drop", Intent::Remove),
];

/// Field weights: a word in the name or title says more than one in the description.
const NAME: f64 = 3.0;
const TITLE: f64 = 2.5;
const TAGS: f64 = 1.0;
const FIRST_SENTENCE: f64 = 1.0;
const DESCRIPTION: f64 = 0.3;
/// BM25's term saturation, above the usual 1.2: a tool named for a word is about it more
/// than one that mentions it twice.
const K1: f64 = 2.0;
/// Length normalisation, lower than BM25's usual 0.75: a tool's description is long because
/// its arguments need explaining, not because it is about the words less.
const B: f64 = 0.4;

/// Ranks `tools` for `query`, best first, at most `limit`; ties keep catalogue order. Tools
/// matching no word of the query are left out.
pub fn search<'a>(tools: &[&'a Tool], query: &str, limit: usize) -> Vec<&'a Tool> {
    let terms = query_terms(query);
    if terms.is_empty() {
        return Vec::new();
    }
    let intent = intent_of(query);
    let shape = shape_of(query);
    let docs: Vec<Document> = tools.iter().map(|tool| Document::of(tool)).collect();
    let average = docs.iter().map(|d| d.length).sum::<f64>() / docs.len().max(1) as f64;
    // Each term's rarity over the scope, once per search rather than once per tool.
    let idfs: Vec<f64> = terms
        .iter()
        .map(|term| {
            let containing = docs.iter().filter(|d| d.weights.contains_key(term)).count();
            idf(containing, docs.len())
        })
        .collect();
    let mut scored: Vec<(f64, usize)> = docs
        .iter()
        .enumerate()
        .filter_map(|(i, doc)| {
            let mut matched = 0;
            let relevance: f64 = terms
                .iter()
                .zip(&idfs)
                .map(|(term, idf)| {
                    let score = doc.term_score(term, average);
                    if score > 0.0 {
                        matched += 1;
                    }
                    idf * score
                })
                .sum();
            // A tool that has every word of the request beats one that has its commonest
            // word many times ("note types": the type lookup, not every note tool).
            let coverage = matched as f64 / terms.len() as f64;
            // And a tool whose name is the request beats one whose name only contains it
            // ("list invoices": the invoice list, not the invoice line-item search).
            let named = doc.name_words.iter().filter(|w| terms.contains(w)).count();
            let precision = named as f64 / doc.name_words.len().max(1) as f64;
            let fit = intent_factor(intent, tools[i])
                * shape_factor(&shape, tools[i])
                * (0.5 + 0.5 * precision);
            (relevance > 0.0).then_some((relevance * coverage * fit, i))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, i)| tools[i])
        .collect()
}

/// A tool's words, each with its weighted frequency over the fields it appears in.
struct Document {
    weights: HashMap<String, f64>,
    length: f64,
    /// The words of the tool's name that say what it is about (no CRUD verbs).
    name_words: Vec<String>,
}

impl Document {
    fn of(tool: &Tool) -> Document {
        let def = tool.def;
        let mut weights: HashMap<String, f64> = HashMap::new();
        let mut length = 0.0;
        let (first, rest) = def
            .description
            .split_once(". ")
            .unwrap_or((def.description, ""));
        let tags = def.tags.join(" ");
        for (text, weight) in [
            (def.name, NAME),
            (def.title, TITLE),
            (tags.as_str(), TAGS),
            (first, FIRST_SENTENCE),
            (rest, DESCRIPTION),
        ] {
            for word in words(text) {
                *weights.entry(word).or_default() += weight;
                length += weight;
            }
        }
        let mut name_words: Vec<String> = words(def.name)
            .filter(|w| !PURE_VERBS.contains(&w.as_str()))
            .collect();
        name_words.dedup();
        Document {
            weights,
            length,
            name_words,
        }
    }

    fn term_score(&self, term: &str, average_length: f64) -> f64 {
        let Some(tf) = self.weights.get(term) else {
            return 0.0;
        };
        tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * self.length / average_length.max(1.0)))
    }
}

fn idf(containing: usize, total: usize) -> f64 {
    let (n, total) = (containing as f64, total as f64);
    ((total - n + 0.5) / (n + 0.5) + 1.0).ln()
}

/// How the request's verb fits the tool: reading requests prefer reading tools, writes prefer
/// the matching kind of write.
fn intent_factor(intent: Option<Intent>, tool: &Tool) -> f64 {
    let verb = tool.def.verb;
    let reads = tool.def.class == MethodClass::Read;
    match intent {
        None => 1.0,
        Some(Intent::Read) if reads => 1.3,
        Some(Intent::Read) => 0.5,
        Some(Intent::Create) if verb == "create" || verb.starts_with("generate") => 1.3,
        Some(Intent::Change) if matches!(verb, "update" | "patch" | "set") => 1.3,
        Some(Intent::Remove) if verb.contains("delete") => 1.3,
        Some(_) if reads => 0.8,
        Some(_) => 1.0,
    }
}

/// Whether the request asks for one thing or several: "the notes on a ticket" wants a list,
/// "a ticket's details" one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Many,
    One,
    Either,
}

fn shape_of(query: &str) -> Shape {
    let lower = query.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).collect();
    if words
        .iter()
        .any(|w| matches!(*w, "details" | "detail" | "one" | "single"))
    {
        return Shape::One;
    }
    let plural = words
        .iter()
        .any(|w| w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us"));
    if plural { Shape::Many } else { Shape::Either }
}

fn shape_factor(shape: &Shape, tool: &Tool) -> f64 {
    let lists = matches!(tool.def.verb, "list" | "search");
    match (shape, tool.def.class == MethodClass::Read) {
        (Shape::Many, true) if lists => 1.2,
        (Shape::One, true) if tool.def.verb == "get" => 1.2,
        _ => 1.0,
    }
}

/// The first intent word of the request, if any.
fn intent_of(query: &str) -> Option<Intent> {
    query
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .map(str::to_lowercase)
        .find_map(|word| {
            INTENT_WORDS
                .iter()
                .find(|(w, _)| *w == word)
                .map(|(_, intent)| *intent)
        })
}

/// The request's meaningful words, folded as tool texts are.
fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = words(query)
        .filter(|w| !PURE_VERBS.contains(&w.as_str()))
        .collect();
    terms.dedup();
    terms
}

/// Lower-case word stems of `text`: split at anything but letters, digits and hyphens and at
/// camelCase humps (`NoteTypes` is "note types"), stop words dropped, synonyms folded,
/// plurals and common endings stripped.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    split_humps(text)
        .into_iter()
        .flat_map(|part| {
            part.split(|c: char| !c.is_alphanumeric() && c != '-')
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .filter(|w| w.len() > 1 && !STOP_WORDS.contains(&w.as_str()))
        .map(|w| {
            let folded = SYNONYMS
                .iter()
                .find(|(from, _)| *from == w)
                .map_or(w.as_str(), |(_, to)| to);
            stem(folded)
        })
}

/// `NoteTypes` → `Note Types`; other text unchanged.
fn split_humps(text: &str) -> Vec<String> {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous_lower = false;
    for c in text.chars() {
        if c.is_uppercase() && previous_lower {
            out.push(' ');
        }
        previous_lower = c.is_lowercase();
        out.push(c);
    }
    vec![out]
}

/// A light English stemmer: enough that "tickets", "ticket's" and "ticket" meet, and
/// "assigned", "assignees" and "assign".
fn stem(word: &str) -> String {
    let word = singular(word.trim_end_matches("'s").trim_end_matches('\''));
    match word.strip_suffix("ee").or_else(|| word.strip_suffix("ed")) {
        Some(base) if base.len() >= 4 && !base.ends_with('e') => base.to_owned(),
        _ => word,
    }
}

fn singular(word: &str) -> String {
    for suffix in ["ies", "es", "s"] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 3
            // "status" and "address" are singular.
            && !(suffix == "s" && base.ends_with(['s', 'u']))
        {
            return match suffix {
                "ies" => format!("{base}y"),
                "es" if !base.ends_with(['s', 'x', 'h']) => format!("{base}e"),
                _ => base.to_owned(),
            };
        }
    }
    word.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    /// The held set: what agents ask for, and the tools that do it.
    const INTENTS: &str = include_str!("search_intents.tsv");

    #[test]
    fn the_held_intents_find_their_tool_in_the_top_three_nine_times_in_ten() {
        let tools: Vec<&Tool> = Catalogue::global().tools().iter().collect();
        let mut misses = Vec::new();
        let mut total = 0;
        for line in INTENTS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let (query, expected) = line.split_once('\t').expect("query<TAB>tools");
            let expected: Vec<&str> = expected.split('|').collect();
            for name in &expected {
                assert!(Catalogue::global().get(name).is_some(), "{name} is no tool");
            }
            total += 1;
            let top: Vec<&str> = search(&tools, query, 3).iter().map(|t| t.name()).collect();
            if !top.iter().any(|name| expected.contains(name)) {
                misses.push(format!("{query:?}: got {top:?}, want one of {expected:?}"));
            }
        }
        assert_eq!(total, 50, "the held set has 50 intents");
        let hits = total - misses.len();
        println!("search ranking: {hits} of {total} intents in the top three");
        for miss in &misses {
            println!("  missed {miss}");
        }
        assert!(
            hits * 10 >= total * 9,
            "{hits} of {total}; misses:\n{}",
            misses.join("\n")
        );
    }

    #[test]
    fn stems_and_humps_meet() {
        assert_eq!(
            words("NoteTypes tickets ticket's").collect::<Vec<_>>(),
            ["note", "type", "ticket", "ticket"]
        );
        assert_eq!(
            words("Close the ticket").collect::<Vec<_>>(),
            ["resolve", "ticket"]
        );
        assert_eq!(stem("priorities"), "priority");
        assert_eq!(stem("statuses"), "status");
    }

    #[test]
    fn a_query_of_stop_words_finds_nothing() {
        let tools: Vec<&Tool> = Catalogue::global().tools().iter().collect();
        assert!(search(&tools, "what is the", 5).is_empty());
    }
}
