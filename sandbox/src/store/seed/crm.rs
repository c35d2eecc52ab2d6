//! The demo's client companies, their people, and what IT Glue knows about them.

use super::super::{Account, Contact, ItGlueContact, ItGlueOrganization, Location};
use super::{
    ACME_ACCOUNT_ID, ACME_HQ_LOCATION_ID, ACME_ITG_ORGANIZATION_ID, ALICE_CONTACT_ID,
    ALICE_ITG_CONTACT_ID, GLOBEX_ACCOUNT_ID, INITECH_ACCOUNT_ID, june,
};

/// `[street, city, state, zip, phone]`.
type Address<'a> = [&'a str; 5];

fn location(id: i32, name: &str, is_main: bool, address: Address<'_>) -> Location {
    let [street, city, state, zip, phone] = address;
    Location {
        id,
        name: name.into(),
        is_main,
        address1: street.into(),
        city: city.into(),
        state: state.into(),
        zip: zip.into(),
        phone: phone.into(),
    }
}

pub(super) fn accounts() -> Vec<Account> {
    let account = |id, name: &str, code: &str, active, website: &str, locations| Account {
        id,
        name: name.into(),
        code: code.into(),
        type_id: 1001,
        is_active: active,
        website: website.into(),
        created_on: june(1, 8) - 400 * 86_400,
        locations,
    };
    vec![
        account(
            ACME_ACCOUNT_ID,
            "Acme Corp",
            "ACME",
            true,
            "https://acme.example",
            vec![
                location(
                    ACME_HQ_LOCATION_ID,
                    "Acme HQ",
                    true,
                    [
                        "100 Main Street",
                        "Springfield",
                        "IL",
                        "62701",
                        "+1 217-555-0100",
                    ],
                ),
                location(
                    20002,
                    "Acme Warehouse",
                    false,
                    [
                        "2 Industrial Way",
                        "Springfield",
                        "IL",
                        "62702",
                        "+1 217-555-0150",
                    ],
                ),
            ],
        ),
        account(
            GLOBEX_ACCOUNT_ID,
            "Globex Ltd",
            "GLOBEX",
            true,
            "https://globex.example",
            vec![location(
                20003,
                "Globex Head Office",
                true,
                [
                    "15 Cypress Creek Road",
                    "Cypress Creek",
                    "OR",
                    "97001",
                    "+1 503-555-0120",
                ],
            )],
        ),
        account(
            INITECH_ACCOUNT_ID,
            "Initech",
            "INITECH",
            true,
            "https://initech.example",
            vec![location(
                20004,
                "Initech Austin",
                true,
                [
                    "4120 Freidrich Lane",
                    "Austin",
                    "TX",
                    "78744",
                    "+1 512-555-0199",
                ],
            )],
        ),
        account(
            10004,
            "Umbrella Health",
            "UMBRELLA",
            true,
            "https://umbrella-health.example",
            vec![location(
                20005,
                "Umbrella Clinic",
                true,
                [
                    "9 Raccoon Avenue",
                    "Portland",
                    "ME",
                    "04101",
                    "+1 207-555-0177",
                ],
            )],
        ),
        account(
            10005,
            "Hooli",
            "HOOLI",
            false,
            "https://hooli.example",
            vec![location(
                20006,
                "Hooli Campus",
                true,
                ["1 Hooli Way", "Palo Alto", "CA", "94301", "+1 650-555-0111"],
            )],
        ),
    ]
}

pub(super) fn contacts() -> Vec<Contact> {
    let contact = |id,
                   account_id,
                   location_id,
                   first: &str,
                   last: &str,
                   job: &str,
                   email: &str,
                   is_poc,
                   is_active| Contact {
        id,
        account_id,
        location_id,
        first_name: first.into(),
        last_name: last.into(),
        job_title: Some(job.into()),
        email: Some(email.into()),
        phone: Some(format!("+1 555-01{:02}", id % 100)),
        is_poc,
        is_active,
        created_on: june(1, 9) - 300 * 86_400,
    };
    vec![
        contact(
            ALICE_CONTACT_ID,
            ACME_ACCOUNT_ID,
            ACME_HQ_LOCATION_ID,
            "Alice",
            "Johnson",
            "Office Manager",
            "alice.johnson@acme.example",
            true,
            true,
        ),
        contact(
            30002,
            ACME_ACCOUNT_ID,
            ACME_HQ_LOCATION_ID,
            "Bob",
            "Martinez",
            "Accountant",
            "bob.martinez@acme.example",
            false,
            true,
        ),
        contact(
            30003,
            ACME_ACCOUNT_ID,
            20002,
            "Carol",
            "Chen",
            "Warehouse Supervisor",
            "carol.chen@acme.example",
            false,
            true,
        ),
        contact(
            30004,
            ACME_ACCOUNT_ID,
            ACME_HQ_LOCATION_ID,
            "Dan",
            "Wright",
            "IT Coordinator",
            "dan.wright@acme.example",
            false,
            true,
        ),
        contact(
            30005,
            GLOBEX_ACCOUNT_ID,
            20003,
            "Hank",
            "Scorpio",
            "Chief Executive Officer",
            "hank.scorpio@globex.example",
            true,
            true,
        ),
        contact(
            30006,
            GLOBEX_ACCOUNT_ID,
            20003,
            "Maria",
            "Lopez",
            "Office Administrator",
            "maria.lopez@globex.example",
            false,
            true,
        ),
        contact(
            30007,
            INITECH_ACCOUNT_ID,
            20004,
            "Peter",
            "Gibbons",
            "Software Engineer",
            "peter.gibbons@initech.example",
            true,
            true,
        ),
        contact(
            30008,
            INITECH_ACCOUNT_ID,
            20004,
            "Milton",
            "Waddams",
            "Collator",
            "milton.waddams@initech.example",
            false,
            true,
        ),
        contact(
            30009,
            INITECH_ACCOUNT_ID,
            20004,
            "Samir",
            "Nagheenanajar",
            "Software Engineer",
            "samir.n@initech.example",
            false,
            true,
        ),
        contact(
            30010,
            10004,
            20005,
            "Nina",
            "Patel",
            "Practice Manager",
            "nina.patel@umbrella-health.example",
            true,
            true,
        ),
        contact(
            30011,
            10005,
            20006,
            "Gavin",
            "Belson",
            "Former CEO",
            "gavin.belson@hooli.example",
            true,
            false,
        ),
    ]
}

/// IT Glue contacts: three whose notes demand an SSO bypass for password resets, some with
/// ordinary notes, Milton with none, and Samir and Gavin not in IT Glue at all.
pub(super) fn itglue_contacts(contacts: &[Contact]) -> Vec<ItGlueContact> {
    let notes: [(i32, Option<&str>); 9] = [
        (
            ALICE_CONTACT_ID,
            Some(
                "SSO bypass required for password resets: Acme signs in through Okta. Reset the password in the Okta admin console (not Active Directory), then verify by calling Alice's desk phone.",
            ),
        ),
        (
            30002,
            Some(
                "Prefers email over phone. Works 7am-3pm Central. Uses the shared accounting workstation ACME-ACC-01.",
            ),
        ),
        (
            30003,
            Some(
                "Warehouse scanner accounts are managed by Carol; do not reset scanner PINs without her approval.",
            ),
        ),
        (
            30004,
            Some(
                "Has local admin rights on Acme HQ machines. Escalation contact for after-hours outages.",
            ),
        ),
        (
            30005,
            Some(
                "VIP: always escalate to the account manager. Executive assistant handles scheduling.",
            ),
        ),
        (
            30006,
            Some(
                "Standard Active Directory account; self-service password reset is enrolled. No special handling.",
            ),
        ),
        (
            30007,
            Some(
                "SSO bypass required for password resets: Initech federates with Entra ID; use the break-glass procedure documented in IT Glue before resetting.",
            ),
        ),
        (30008, None),
        (
            30010,
            Some(
                "SSO bypass required for password resets: Umbrella's EHR portal uses SAML SSO; reset through the identity provider and notify the practice manager.",
            ),
        ),
    ];
    notes
        .iter()
        .enumerate()
        .filter_map(|(i, (contact_id, text))| {
            let contact = contacts.iter().find(|c| c.id == *contact_id)?;
            Some(ItGlueContact {
                id: ALICE_ITG_CONTACT_ID + i as i64,
                contact_id: *contact_id,
                name: contact.full_name(),
                notes: text.map(str::to_owned),
            })
        })
        .collect()
}

pub(super) fn itglue_organizations() -> Vec<ItGlueOrganization> {
    let org = |id, account_id, name: &str, notes: Option<&str>| ItGlueOrganization {
        id,
        account_id,
        name: name.into(),
        notes: notes.map(str::to_owned),
    };
    vec![
        org(
            ACME_ITG_ORGANIZATION_ID,
            ACME_ACCOUNT_ID,
            "Acme Corp",
            Some("Okta SSO tenant: acme.okta.com. After-hours escalation: Dan Wright."),
        ),
        org(
            8_000_000_002,
            GLOBEX_ACCOUNT_ID,
            "Globex Ltd",
            Some("Managed firewall: quarterly review with Hank Scorpio's office."),
        ),
        org(
            8_000_000_003,
            INITECH_ACCOUNT_ID,
            "Initech",
            Some(
                "Entra ID tenant initech.onmicrosoft.com; break-glass account in IT Glue passwords.",
            ),
        ),
        org(8_000_000_004, 10004, "Umbrella Health", None),
    ]
}
