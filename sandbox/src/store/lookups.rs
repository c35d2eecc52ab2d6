//! The tenant's lookup tables: the names behind every ID a ticket or opportunity carries.
//! Both seeds have them; IDs sit in distinct ranges so a queue ID passed as a status ID fails.

use serde::Serialize;

/// A plain `{id, name}` lookup row.
#[derive(Debug, Clone, Serialize)]
pub struct LookupItem {
    pub id: i32,
    pub name: String,
    pub is_active: bool,
    pub is_default: bool,
}

/// A ticket status. `closed` statuses complete a ticket (`TypeId` 2 on the wire, 1 for open).
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub id: i32,
    pub name: String,
    pub color: String,
    pub font_color: String,
    pub order: i32,
    pub closed: bool,
}

/// A ticket priority.
#[derive(Debug, Clone, Serialize)]
pub struct Priority {
    pub id: i32,
    pub name: String,
    pub color: String,
    pub is_default: bool,
}

/// An issue type and its sub-issue types.
#[derive(Debug, Clone, Serialize)]
pub struct IssueType {
    pub id: i32,
    pub name: String,
    pub sub_types: Vec<LookupItem>,
}

/// A technician tickets can be assigned to.
#[derive(Debug, Clone, Serialize)]
pub struct Assignee {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub job_title: String,
}

/// An opportunity status.
#[derive(Debug, Clone, Serialize)]
pub struct OppStatus {
    pub id: i32,
    pub name: String,
    pub probability: f64,
    pub in_pipeline: bool,
    pub action_id: i32,
    pub action_name: String,
}

/// Every lookup table.
#[derive(Debug, Clone, Serialize)]
pub struct Lookups {
    pub queues: Vec<LookupItem>,
    pub priorities: Vec<Priority>,
    pub statuses: Vec<Status>,
    pub issue_types: Vec<IssueType>,
    pub note_types: Vec<LookupItem>,
    pub ticket_types: Vec<LookupItem>,
    pub sources: Vec<LookupItem>,
    pub assignees: Vec<Assignee>,
    pub work_types: Vec<LookupItem>,
    pub slas: Vec<LookupItem>,
    pub account_codes: Vec<LookupItem>,
    pub account_types: Vec<LookupItem>,
    pub opp_statuses: Vec<OppStatus>,
    pub opp_types: Vec<LookupItem>,
    pub ratings: Vec<LookupItem>,
    pub lead_sources: Vec<LookupItem>,
}

/// The table names `GET /v2/system/lookup/{tableName}` knows, matched case-insensitively.
pub const LOOKUP_TABLES: &[&str] = &[
    "NoteTypes",
    "TicketTypes",
    "TicketSources",
    "Queues",
    "WorkTypes",
    "SLAs",
    "AccountTypes",
    "OpportunityTypes",
    "OpportunityRatings",
    "LeadSources",
];

fn item(id: i32, name: &str) -> LookupItem {
    LookupItem {
        id,
        name: name.to_owned(),
        is_active: true,
        is_default: false,
    }
}

fn default_item(id: i32, name: &str) -> LookupItem {
    LookupItem {
        is_default: true,
        ..item(id, name)
    }
}

impl Lookups {
    /// The lookups of the sandbox tenant.
    pub fn sandbox() -> Lookups {
        let status = |id, name: &str, color: &str, order, closed| Status {
            id,
            name: name.to_owned(),
            color: color.to_owned(),
            font_color: "#FFFFFF".to_owned(),
            order,
            closed,
        };
        let priority = |id, name: &str, color: &str, is_default| Priority {
            id,
            name: name.to_owned(),
            color: color.to_owned(),
            is_default,
        };
        let assignee = |id, name: &str, email: &str, job: &str| Assignee {
            id,
            name: name.to_owned(),
            email: email.to_owned(),
            job_title: job.to_owned(),
        };
        let issue = |id, name: &str, subs: &[(i32, &str)]| IssueType {
            id,
            name: name.to_owned(),
            sub_types: subs.iter().map(|&(i, n)| item(i, n)).collect(),
        };
        let opp_status =
            |id, name: &str, probability, in_pipeline, action_id, action: &str| OppStatus {
                id,
                name: name.to_owned(),
                probability,
                in_pipeline,
                action_id,
                action_name: action.to_owned(),
            };
        Lookups {
            queues: vec![
                item(101, "Triage"),
                item(102, "Service Desk"),
                item(103, "Security"),
                item(104, "Projects"),
            ],
            priorities: vec![
                priority(201, "Low", "#8BC34A", false),
                priority(202, "Medium", "#FFC107", true),
                priority(203, "High", "#FF5722", false),
                priority(204, "Critical", "#B71C1C", false),
            ],
            statuses: vec![
                status(301, "New", "#2196F3", 1, false),
                status(302, "In Progress", "#3F51B5", 2, false),
                status(303, "Waiting on Customer", "#9C27B0", 3, false),
                status(304, "Scheduled", "#009688", 4, false),
                status(305, "Resolved", "#4CAF50", 5, true),
                status(306, "Closed", "#607D8B", 6, true),
            ],
            issue_types: vec![
                issue(
                    401,
                    "Account Access",
                    &[
                        (501, "Password Reset"),
                        (502, "MFA Reset"),
                        (503, "Account Lockout"),
                    ],
                ),
                issue(
                    402,
                    "Hardware",
                    &[
                        (504, "Laptop"),
                        (505, "Printer"),
                        (506, "Network Equipment"),
                    ],
                ),
                issue(
                    403,
                    "Software",
                    &[(507, "Email"), (508, "Line of Business App")],
                ),
                issue(
                    404,
                    "Network",
                    &[(509, "VPN"), (510, "Wi-Fi"), (511, "Firewall")],
                ),
                issue(
                    405,
                    "Security",
                    &[
                        (512, "Phishing"),
                        (513, "Malware"),
                        (514, "Suspicious Sign-in"),
                    ],
                ),
            ],
            note_types: vec![
                default_item(601, "Internal Note"),
                item(602, "Customer Note"),
                item(603, "Resolution"),
            ],
            ticket_types: vec![
                default_item(1201, "Service Request"),
                item(1202, "Incident"),
                item(1203, "Problem"),
                item(1204, "Change Request"),
            ],
            sources: vec![
                item(1301, "Email"),
                default_item(1302, "Phone"),
                item(1303, "Client Portal"),
                item(1304, "Monitoring Alert"),
            ],
            assignees: vec![
                assignee(
                    701,
                    "Taylor Brooks",
                    "taylor.brooks@sandbox-msp.example",
                    "Service Desk Lead",
                ),
                assignee(
                    702,
                    "Jordan Kim",
                    "jordan.kim@sandbox-msp.example",
                    "Security Engineer",
                ),
                assignee(
                    703,
                    "Riley Evans",
                    "riley.evans@sandbox-msp.example",
                    "Field Technician",
                ),
                assignee(
                    704,
                    "Morgan Lee",
                    "morgan.lee@sandbox-msp.example",
                    "Project Engineer",
                ),
                assignee(
                    705,
                    "Casey Morgan",
                    "casey.morgan@sandbox-msp.example",
                    "Account Manager",
                ),
            ],
            work_types: vec![
                default_item(801, "Remote Support"),
                item(802, "Onsite Support"),
                item(803, "Project Work"),
            ],
            slas: vec![default_item(901, "Standard SLA"), item(902, "Premium SLA")],
            account_codes: vec![
                item(1101, "ACME"),
                item(1102, "GLOBEX"),
                item(1103, "INITECH"),
                item(1104, "UMBRELLA"),
                item(1105, "HOOLI"),
            ],
            account_types: vec![
                default_item(1001, "Customer"),
                item(1002, "Prospect"),
                item(1003, "Vendor"),
            ],
            opp_statuses: vec![
                opp_status(1401, "Prospecting", 10.0, true, 1, "Open"),
                opp_status(1402, "Proposal", 50.0, true, 1, "Open"),
                opp_status(1403, "Negotiation", 75.0, true, 1, "Open"),
                opp_status(1404, "Closed Won", 100.0, false, 2, "Won"),
                opp_status(1405, "Closed Lost", 0.0, false, 3, "Lost"),
            ],
            opp_types: vec![
                default_item(1501, "New Business"),
                item(1502, "Upsell"),
                item(1503, "Renewal"),
            ],
            ratings: vec![item(1601, "Hot"), item(1602, "Warm"), item(1603, "Cold")],
            lead_sources: vec![
                item(1701, "Referral"),
                item(1702, "Website"),
                item(1703, "Existing Customer"),
            ],
        }
    }

    /// A `system/lookup/{tableName}` table, as generic rows.
    pub fn table(&self, name: &str) -> Option<Vec<LookupItem>> {
        let canonical = LOOKUP_TABLES
            .iter()
            .find(|t| t.eq_ignore_ascii_case(name))?;
        let rows = match *canonical {
            "NoteTypes" => self.note_types.clone(),
            "TicketTypes" => self.ticket_types.clone(),
            "TicketSources" => self.sources.clone(),
            "Queues" => self.queues.clone(),
            "WorkTypes" => self.work_types.clone(),
            "SLAs" => self.slas.clone(),
            "AccountTypes" => self.account_types.clone(),
            "OpportunityTypes" => self.opp_types.clone(),
            "OpportunityRatings" => self.ratings.clone(),
            _ => self.lead_sources.clone(),
        };
        Some(rows)
    }

    /// The status with `id`.
    pub fn status(&self, id: i32) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }

    /// The priority with `id`.
    pub fn priority(&self, id: i32) -> Option<&Priority> {
        self.priorities.iter().find(|p| p.id == id)
    }

    /// The technician with `id`.
    pub fn assignee(&self, id: i32) -> Option<&Assignee> {
        self.assignees.iter().find(|a| a.id == id)
    }

    /// The issue type with `id`.
    pub fn issue_type(&self, id: i32) -> Option<&IssueType> {
        self.issue_types.iter().find(|i| i.id == id)
    }

    /// The sub-issue type with `id`, from any issue type.
    pub fn sub_issue_type(&self, id: i32) -> Option<&LookupItem> {
        self.issue_types
            .iter()
            .flat_map(|i| &i.sub_types)
            .find(|s| s.id == id)
    }

    /// The opportunity status with `id`.
    pub fn opp_status(&self, id: i32) -> Option<&OppStatus> {
        self.opp_statuses.iter().find(|s| s.id == id)
    }

    /// The first closed status (what `resolve` sets when told no status).
    pub fn resolved_status(&self) -> Option<&Status> {
        self.statuses.iter().find(|s| s.closed)
    }
}

/// The name of the row with `id` in a plain table.
pub fn name_of(rows: &[LookupItem], id: i32) -> Option<&str> {
    rows.iter().find(|r| r.id == id).map(|r| r.name.as_str())
}
