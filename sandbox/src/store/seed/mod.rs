//! The seeds. `demo` is a small MSP tenant built for the workflows the gateway is tested on
//! (triaging password resets with IT Glue SSO notes, Acme's urgent tickets, the Q3 expansion
//! opportunity); `empty` has the lookups only. Same seed, same IDs, every time.

mod crm;
mod opportunities;
mod tickets;

use super::{Lookups, Store};

/// The user the sandbox's API login acts as (`CreatedBy` of objects made through the API).
pub const API_USER_ID: i32 = 700;
/// That user's display name.
pub const API_USER_NAME: &str = "Sandbox API User";

/// Acme Corp, the demo's main client.
pub const ACME_ACCOUNT_ID: i32 = 10001;
/// Globex Ltd.
pub const GLOBEX_ACCOUNT_ID: i32 = 10002;
/// Initech.
pub const INITECH_ACCOUNT_ID: i32 = 10003;
/// Acme's main location.
pub const ACME_HQ_LOCATION_ID: i32 = 20001;
/// Alice Johnson at Acme: her IT Glue notes require an SSO bypass for password resets.
pub const ALICE_CONTACT_ID: i32 = 30001;
/// Alice's IT Glue contact id (IT Glue ids are int64 and above `i32::MAX`).
pub const ALICE_ITG_CONTACT_ID: i64 = 9_000_000_001;
/// Acme's IT Glue organization id.
pub const ACME_ITG_ORGANIZATION_ID: i64 = 8_000_000_001;
/// Alice's password-reset ticket, in Triage, unassigned.
pub const PASSWORD_RESET_TICKET_ID: i32 = 50001;
/// Its first note.
pub const PASSWORD_RESET_NOTE_ID: i32 = 70001;
/// "Acme Corp Q3 Expansion", open.
pub const ACME_Q3_OPPORTUNITY_ID: i32 = 80001;
/// Its first note.
pub const ACME_Q3_NOTE_ID: i32 = 90001;
/// The Triage queue, where new unassigned tickets land.
pub const TRIAGE_QUEUE_ID: i32 = 101;
/// The Security queue.
pub const SECURITY_QUEUE_ID: i32 = 103;
/// Status "New".
pub const NEW_STATUS_ID: i32 = 301;
/// Status "In Progress".
pub const IN_PROGRESS_STATUS_ID: i32 = 302;
/// Status "Resolved" (closed).
pub const RESOLVED_STATUS_ID: i32 = 305;
/// Note type "Internal Note".
pub const INTERNAL_NOTE_TYPE_ID: i32 = 601;
/// Technician Jordan Kim (Security Engineer).
pub const JORDAN_KIM_ASSIGNEE_ID: i32 = 702;

/// Ids handed out when a table is empty (the `empty` seed).
pub const FIRST_TICKET_ID: i32 = 50001;
/// First ticket note id.
pub const FIRST_TICKET_NOTE_ID: i32 = 70001;
/// First contact id.
pub const FIRST_CONTACT_ID: i32 = 30001;
/// First opportunity id.
pub const FIRST_OPPORTUNITY_ID: i32 = 80001;
/// First opportunity note id.
pub const FIRST_OPPORTUNITY_NOTE_ID: i32 = 90001;
/// First merge job id; later merges count up from it.
pub const FIRST_MERGE_JOB_ID: i64 = 600_001;

/// 2026-06-01T00:00:00Z: the demo's history happens in June 2026.
const JUNE_1: i64 = 1_780_272_000;

/// Unix seconds for June `day`, `hour`:00 UTC.
pub(super) fn june(day: i64, hour: i64) -> i64 {
    JUNE_1 + (day - 1) * 86_400 + hour * 3600
}

/// The `empty` seed: lookups and nothing else.
pub fn empty() -> Store {
    Store {
        lookups: Lookups::sandbox(),
        accounts: Vec::new(),
        contacts: Vec::new(),
        tickets: Vec::new(),
        ticket_notes: Vec::new(),
        opportunities: Vec::new(),
        opportunity_notes: Vec::new(),
        itglue_contacts: Vec::new(),
        itglue_organizations: Vec::new(),
        merges: Vec::new(),
    }
}

/// The `demo` seed.
pub fn demo() -> Store {
    let mut store = empty();
    store.accounts = crm::accounts();
    store.contacts = crm::contacts();
    store.itglue_contacts = crm::itglue_contacts(&store.contacts);
    store.itglue_organizations = crm::itglue_organizations();
    store.tickets = tickets::tickets();
    store.ticket_notes = tickets::ticket_notes();
    // In id order: `Store::next_ticket_note_id` reads the last one.
    store.ticket_notes.sort_by_key(|n| n.id);
    store.opportunities = opportunities::opportunities();
    store.opportunity_notes = opportunities::opportunity_notes();
    store
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Ticket;

    #[test]
    fn the_demo_seed_is_deterministic() {
        let a = serde_json::to_value(demo()).expect("serialises");
        let b = serde_json::to_value(demo()).expect("serialises");
        assert_eq!(a, b);
    }

    #[test]
    fn triage_holds_unassigned_password_resets_with_and_without_sso_notes() {
        let store = demo();
        let resets: Vec<&Ticket> = store
            .tickets
            .iter()
            .filter(|t| t.queue_id == Some(TRIAGE_QUEUE_ID) && t.title.contains("assword"))
            .collect();
        assert!(resets.len() >= 5);
        assert!(resets.iter().all(|t| t.assignee_id.is_none()));
        let notes_of = |t: &Ticket| {
            store
                .itglue_contacts
                .iter()
                .find(|c| Some(c.contact_id) == t.contact_id)
                .and_then(|c| c.notes.clone())
        };
        let sso = resets
            .iter()
            .filter(|t| notes_of(t).is_some_and(|n| n.contains("SSO bypass")))
            .count();
        let without = resets.iter().filter(|t| notes_of(t).is_none()).count();
        assert!(sso >= 2, "{sso} SSO tickets");
        assert!(without >= 1);
    }
}
