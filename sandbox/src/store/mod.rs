//! The sandbox's tenant: lookups and the objects the stateful operations read and change.
//!
//! Plain data behind one lock in `AppState` (`app.rs`); handlers take `&mut Store`, so
//! every operation is atomic. Serialises (snake_case) for `GET /_sandbox/state`.

mod lookups;
pub mod seed;

use serde::Serialize;

pub use lookups::{LOOKUP_TABLES, LookupItem, Lookups, name_of};

use crate::config::Seed;

/// A client company.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: i32,
    pub name: String,
    pub code: String,
    pub type_id: i32,
    pub is_active: bool,
    pub website: String,
    pub created_on: i64,
    pub locations: Vec<Location>,
}

/// A site of an account.
#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub id: i32,
    pub name: String,
    pub is_main: bool,
    pub address1: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub phone: String,
}

/// A person at an account.
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub id: i32,
    pub account_id: i32,
    pub location_id: i32,
    pub first_name: String,
    pub last_name: String,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_poc: bool,
    pub is_active: bool,
    pub created_on: i64,
}

impl Contact {
    /// `First Last`, as BMS shows contact names.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned()
    }
}

/// A service ticket.
#[derive(Debug, Clone, Serialize)]
pub struct Ticket {
    pub id: i32,
    pub number: String,
    pub title: String,
    pub details: String,
    pub account_id: i32,
    pub location_id: i32,
    pub contact_id: Option<i32>,
    pub queue_id: Option<i32>,
    pub status_id: i32,
    pub priority_id: i32,
    pub type_id: i32,
    pub issue_type_id: Option<i32>,
    pub sub_issue_type_id: Option<i32>,
    pub assignee_id: Option<i32>,
    pub work_type_id: Option<i32>,
    pub source_id: i32,
    pub sla_id: Option<i32>,
    pub open_date: i64,
    pub due_date: Option<i64>,
    pub completed_date: Option<i64>,
    pub created_by: i32,
    pub created_on: i64,
    pub modified_on: i64,
    pub last_status_update: i64,
    pub last_priority_update: i64,
    pub last_queue_update: i64,
    pub last_activity_update: i64,
    /// Set when the ticket was merged into another.
    pub merged_into: Option<i32>,
}

/// A note (activity) on a ticket.
#[derive(Debug, Clone, Serialize)]
pub struct TicketNote {
    pub id: i32,
    pub ticket_id: i32,
    pub details: String,
    pub is_internal: bool,
    pub type_id: i32,
    pub note_date: i64,
    pub created_by: i32,
    pub created_on: i64,
}

/// A sales opportunity.
#[derive(Debug, Clone, Serialize)]
pub struct Opportunity {
    pub id: i32,
    pub subject: String,
    pub status_id: i32,
    pub account_id: i32,
    pub location_id: i32,
    pub contact_id: Option<i32>,
    pub type_id: i32,
    pub probability: f64,
    pub rating_id: i32,
    pub lead_source_id: Option<i32>,
    pub sales_rep_id: i32,
    pub amount: f64,
    pub description: Option<String>,
    pub customer_po: Option<String>,
    pub close_date: i64,
    pub created_on: i64,
    pub modified_on: i64,
}

/// A note on an opportunity.
#[derive(Debug, Clone, Serialize)]
pub struct OpportunityNote {
    pub id: i32,
    pub opportunity_id: i32,
    pub note: String,
    pub created_by: i32,
    pub created_on: i64,
    pub modified_on: i64,
}

/// An IT Glue contact linked to a BMS contact, with its notes.
#[derive(Debug, Clone, Serialize)]
pub struct ItGlueContact {
    pub id: i64,
    pub contact_id: i32,
    pub name: String,
    pub notes: Option<String>,
}

/// An IT Glue organization linked to a BMS account, with its notes.
#[derive(Debug, Clone, Serialize)]
pub struct ItGlueOrganization {
    pub id: i64,
    pub account_id: i32,
    pub name: String,
    pub notes: Option<String>,
}

/// A ticket merge job and its log.
#[derive(Debug, Clone, Serialize)]
pub struct Merge {
    pub job_id: i64,
    pub destination_ticket_id: i32,
    pub source_ticket_ids: Vec<i32>,
    pub logs: Vec<JobLog>,
}

/// One line of a batch job's log (`JobLogsDto`).
#[derive(Debug, Clone, Serialize)]
pub struct JobLog {
    pub id: String,
    /// `LogTypeEnum`: 0 information, 1 warning, 2 error.
    pub log_type: i32,
    pub action: String,
    pub message: String,
    pub date: i64,
}

/// The whole tenant.
#[derive(Debug, Clone, Serialize)]
pub struct Store {
    #[serde(skip)]
    pub lookups: Lookups,
    pub accounts: Vec<Account>,
    pub contacts: Vec<Contact>,
    pub tickets: Vec<Ticket>,
    pub ticket_notes: Vec<TicketNote>,
    pub opportunities: Vec<Opportunity>,
    pub opportunity_notes: Vec<OpportunityNote>,
    pub itglue_contacts: Vec<ItGlueContact>,
    pub itglue_organizations: Vec<ItGlueOrganization>,
    pub merges: Vec<Merge>,
}

impl Store {
    /// The tenant a seed describes.
    pub fn seeded(seed: Seed) -> Store {
        match seed {
            Seed::Demo => seed::demo(),
            Seed::Empty => seed::empty(),
        }
    }

    /// The account with `id`.
    pub fn account(&self, id: i32) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The location with `id` and the account that has it.
    pub fn location(&self, id: i32) -> Option<(&Account, &Location)> {
        self.accounts
            .iter()
            .find_map(|a| a.locations.iter().find(|l| l.id == id).map(|l| (a, l)))
    }

    /// The contact with `id`.
    pub fn contact(&self, id: i32) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }

    /// The ticket with `id`.
    pub fn ticket(&self, id: i32) -> Option<&Ticket> {
        self.tickets.iter().find(|t| t.id == id)
    }

    /// The ticket with `id`, to change.
    pub fn ticket_mut(&mut self, id: i32) -> Option<&mut Ticket> {
        self.tickets.iter_mut().find(|t| t.id == id)
    }

    /// The opportunity with `id`.
    pub fn opportunity(&self, id: i32) -> Option<&Opportunity> {
        self.opportunities.iter().find(|o| o.id == id)
    }

    /// The next free ticket id (deterministic: one past the highest).
    pub fn next_ticket_id(&self) -> i32 {
        next(self.tickets.iter().map(|t| t.id), seed::FIRST_TICKET_ID)
    }

    /// The next free ticket note id. `ticket_notes` is kept in id order (seeded so, and each
    /// new note takes the next id), so this reads the last note only: a scan of every note
    /// made each new note slower than the one before, and a bench that writes notes for
    /// seconds measured the sandbox slowing down instead of what was in front of it.
    pub fn next_ticket_note_id(&self) -> i32 {
        next(
            self.ticket_notes.last().map(|n| n.id).into_iter(),
            seed::FIRST_TICKET_NOTE_ID,
        )
    }

    /// The next free contact id.
    pub fn next_contact_id(&self) -> i32 {
        next(self.contacts.iter().map(|c| c.id), seed::FIRST_CONTACT_ID)
    }

    /// The next free opportunity id.
    pub fn next_opportunity_id(&self) -> i32 {
        next(
            self.opportunities.iter().map(|o| o.id),
            seed::FIRST_OPPORTUNITY_ID,
        )
    }

    /// The next free opportunity note id.
    pub fn next_opportunity_note_id(&self) -> i32 {
        next(
            self.opportunity_notes.iter().map(|n| n.id),
            seed::FIRST_OPPORTUNITY_NOTE_ID,
        )
    }

    /// The next merge job id.
    pub fn next_job_id(&self) -> i64 {
        seed::FIRST_MERGE_JOB_ID + self.merges.len() as i64
    }

    /// The display name of a user (the API user or a technician).
    pub fn user_name(&self, id: i32) -> Option<String> {
        if id == seed::API_USER_ID {
            return Some(seed::API_USER_NAME.to_owned());
        }
        self.lookups.assignee(id).map(|a| a.name.clone())
    }
}

fn next(ids: impl Iterator<Item = i32>, first: i32) -> i32 {
    ids.max().map_or(first, |max| max + 1)
}
