//! Names: argument names from wire names, tool names from records, and the camelCase that
//! live BMS uses on the wire.

use heck::ToSnakeCase;

/// The longest tool name any MCP client accepts (`^[a-zA-Z0-9_-]{1,64}$`).
pub const MAX_TOOL_NAME_LEN: usize = 64;

/// The snake_case argument name for a wire name: `Filter.QueueNames` → `filter_queue_names`,
/// `ticketId` → `ticket_id`, `Filter.IDs` → `filter_ids`.
pub fn arg_name(wire: &str) -> String {
    depluralize_acronyms(wire).to_snake_case()
}

/// heck splits a plural acronym (`IDs`) into `i_ds`; spell it as a word (`Ids`) first.
fn depluralize_acronyms(wire: &str) -> String {
    let chars: Vec<char> = wire.chars().collect();
    let mut out = String::with_capacity(wire.len());
    let mut i = 0;
    while i < chars.len() {
        let run_end = chars[i..]
            .iter()
            .position(|c| !c.is_ascii_uppercase())
            .map_or(chars.len(), |p| i + p);
        let run_len = run_end - i;
        let plural_s = chars.get(run_end) == Some(&'s')
            && chars
                .get(run_end + 1)
                .is_none_or(|c| !c.is_ascii_lowercase());
        if run_len >= 2 && plural_s {
            out.push(chars[i]);
            out.extend(chars[i + 1..run_end].iter().map(|c| c.to_ascii_lowercase()));
            i = run_end;
        } else if run_len > 0 {
            out.extend(&chars[i..run_end]);
            i = run_end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The camelCase form ASP.NET's default JSON policy produces from a PascalCase property name,
/// which is what live BMS sends: the leading run of capitals is lowered, except the last one
/// when a lowercase letter follows it (`IsITGEnabled` → `isITGEnabled`, `ID` → `id`,
/// `URLValue` → `urlValue`).
pub fn dotnet_camel_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.first().is_none_or(|c| !c.is_uppercase()) {
        return name.to_owned();
    }
    // A port of System.Text.Json's camel-case policy, so our names match byte for byte.
    let mut out: Vec<char> = chars.clone();
    for i in 0..chars.len() {
        if i == 1 && !chars[i].is_uppercase() {
            break;
        }
        let next = chars.get(i + 1);
        if i > 0 && next.is_some_and(|c| !c.is_uppercase()) {
            if next == Some(&' ') {
                out[i] = chars[i].to_ascii_lowercase();
            }
            break;
        }
        out[i] = chars[i].to_ascii_lowercase();
    }
    out.into_iter().collect()
}

/// What a tool does, as its name says it. The first five are the CRUD verbs of the naming
/// convention; anything else is a custom verb such as `search` or `merge`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    List,
    Get,
    Create,
    Update,
    Delete,
    Custom(String),
}

impl Verb {
    /// Parses a record's `verb` field.
    pub fn parse(word: &str) -> Option<Verb> {
        let valid = !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return None;
        }
        Some(match word {
            "list" => Verb::List,
            "get" => Verb::Get,
            "create" => Verb::Create,
            "update" => Verb::Update,
            "delete" => Verb::Delete,
            other => Verb::Custom(other.to_owned()),
        })
    }

    /// The verb an operation gets when its record names none.
    pub fn default_for(method: &str, path: &str) -> Verb {
        match method {
            "GET" if path.ends_with('}') => Verb::Get,
            "GET" => Verb::List,
            "POST" => Verb::Create,
            "PUT" | "PATCH" => Verb::Update,
            "DELETE" => Verb::Delete,
            other => Verb::Custom(other.to_ascii_lowercase()),
        }
    }

    /// The word used in MCP server configs (`methods: ["list", "search"]`).
    pub fn as_str(&self) -> &str {
        match self {
            Verb::List => "list",
            Verb::Get => "get",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Delete => "delete",
            Verb::Custom(word) => word,
        }
    }

    /// The method class this verb falls in unless a record overrides it.
    pub fn default_class(&self) -> &'static str {
        match self {
            Verb::List | Verb::Get => "read",
            Verb::Create | Verb::Update | Verb::Delete => "write",
            Verb::Custom(_) => "custom",
        }
    }
}

/// The tool name for a verb and resource, in the convention users of the seed integration
/// already know (`list_all_kaseya_bms_<resource>`, `get_single_kaseya_bms_<resource>_by_id`, ...).
pub fn tool_name(verb: &Verb, resource: &str) -> String {
    match verb {
        Verb::List => format!("list_all_kaseya_bms_{resource}"),
        Verb::Get => format!("get_single_kaseya_bms_{resource}_by_id"),
        Verb::Create => format!("create_a_kaseya_bms_{resource}"),
        Verb::Update => format!("update_a_kaseya_bms_{resource}_by_id"),
        Verb::Delete => format!("delete_a_kaseya_bms_{resource}_by_id"),
        Verb::Custom(word) => format!("{word}_kaseya_bms_{resource}"),
    }
}

/// Whether a name is acceptable to every MCP client we know of.
pub fn is_valid_tool_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_TOOL_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_arg(wire: &str, expect: &str) {
        assert_eq!(arg_name(wire), expect, "arg_name({wire:?})");
    }

    #[test]
    fn arg_names_are_snake_case_of_wire_names() {
        check_arg("Filter.QueueNames", "filter_queue_names");
        check_arg("ticketId", "ticket_id");
        check_arg("TicketId", "ticket_id");
        check_arg("ITGContactId", "itg_contact_id");
        check_arg("PageSize", "page_size");
        check_arg("Id", "id");
        check_arg("Address1", "address1");
        check_arg("ExternalTenantId", "external_tenant_id");
    }

    #[test]
    fn plural_acronyms_stay_one_word() {
        check_arg("Filter.IDs", "filter_ids");
        check_arg("SLAs", "slas");
        check_arg("AccountIDsList", "account_ids_list");
        check_arg("SLAName", "sla_name");
    }

    #[track_caller]
    fn check_camel(pascal: &str, expect: &str) {
        assert_eq!(
            dotnet_camel_case(pascal),
            expect,
            "dotnet_camel_case({pascal:?})"
        );
    }

    #[test]
    fn camel_case_matches_aspnet_policy() {
        check_camel("Success", "success");
        check_camel("TotalRecords", "totalRecords");
        check_camel("ID", "id");
        check_camel("IsITGEnabled", "isITGEnabled");
        check_camel("URLValue", "urlValue");
        check_camel("ITGContactId", "itgContactId");
        check_camel("already", "already");
        check_camel("A", "a");
        check_camel("ID2", "iD2");
        check_camel("", "");
    }

    #[test]
    fn default_verbs_follow_method_and_path() {
        assert_eq!(Verb::default_for("GET", "/v2/a/{id}"), Verb::Get);
        assert_eq!(Verb::default_for("GET", "/v2/a"), Verb::List);
        assert_eq!(Verb::default_for("POST", "/v2/a"), Verb::Create);
        assert_eq!(Verb::default_for("PATCH", "/v2/a/{id}"), Verb::Update);
        assert_eq!(Verb::default_for("DELETE", "/v2/a/{id}"), Verb::Delete);
    }

    #[test]
    fn tool_names_follow_the_convention() {
        let cases = [
            (
                Verb::List,
                "servicedesk_tickets",
                "list_all_kaseya_bms_servicedesk_tickets",
            ),
            (
                Verb::Get,
                "crm_opportunity",
                "get_single_kaseya_bms_crm_opportunity_by_id",
            ),
            (
                Verb::Create,
                "assignticket",
                "create_a_kaseya_bms_assignticket",
            ),
            (Verb::Update, "x", "update_a_kaseya_bms_x_by_id"),
            (Verb::Delete, "x", "delete_a_kaseya_bms_x_by_id"),
            (
                Verb::Custom("search".into()),
                "servicedesk_tickets",
                "search_kaseya_bms_servicedesk_tickets",
            ),
        ];
        for (verb, resource, expect) in cases {
            assert_eq!(tool_name(&verb, resource), expect);
        }
    }

    #[test]
    fn verbs_must_be_lowercase_words() {
        assert_eq!(Verb::parse("search"), Some(Verb::Custom("search".into())));
        assert_eq!(Verb::parse("list"), Some(Verb::List));
        assert_eq!(Verb::parse("Search"), None);
        assert_eq!(Verb::parse(""), None);
        assert_eq!(Verb::parse("a-b"), None);
    }

    #[test]
    fn tool_name_validity() {
        assert!(is_valid_tool_name("list_all_kaseya_bms_x"));
        assert!(!is_valid_tool_name(&"a".repeat(65)));
        assert!(is_valid_tool_name(&"a".repeat(64)));
        assert!(!is_valid_tool_name("List"));
        assert!(!is_valid_tool_name(""));
    }
}
