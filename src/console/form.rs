//! `application/x-www-form-urlencoded` fields, as forms and query strings send them: in order,
//! with repeated names kept (one `methods` field per ticked checkbox).

use percent_encoding::percent_decode_str;

/// The fields of a form body or query string.
#[derive(Debug, Default, Clone)]
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// Parses `a=1&b=x+y&b=%C3%A9`. Undecodable bytes become U+FFFD; nothing fails.
    pub fn parse(bytes: &[u8]) -> FormFields {
        let text = String::from_utf8_lossy(bytes);
        let fields = text
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(name), decode(value))
            })
            .collect();
        FormFields(fields)
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// Every non-blank value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, value)| key == name && !value.trim().is_empty())
            .map(|(_, value)| value.trim().to_owned())
            .collect()
    }

    /// The first name given more than once, if any.
    pub fn repeated(&self) -> Option<&str> {
        self.0.iter().enumerate().find_map(|(i, (name, _))| {
            self.0[..i]
                .iter()
                .any(|(earlier, _)| earlier == name)
                .then_some(name.as_str())
        })
    }

    /// Whether a checkbox `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

fn decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_are_kept_in_order_and_decoded() {
        let form = FormFields::parse(b"methods=read&tags=crm&methods=get&name=a+b%21&empty=");
        assert_eq!(form.all("methods"), ["read", "get"]);
        assert_eq!(form.get("name"), Some("a b!"));
        assert_eq!(form.text("empty"), None);
        assert!(form.checked("empty"));
        assert!(!form.checked("absent"));
    }

    #[test]
    fn the_first_repeated_name_is_found() {
        assert_eq!(FormFields::parse(b"a=1&b=2&a=3&b=4").repeated(), Some("a"));
        assert_eq!(FormFields::parse(b"a=1&b=2").repeated(), None);
    }

    #[test]
    fn a_literal_plus_arrives_percent_encoded() {
        let form = FormFields::parse(b"secret=AB%2BCD&x");
        assert_eq!(form.get("secret"), Some("AB+CD"));
        assert_eq!(form.get("x"), Some(""));
    }
}
