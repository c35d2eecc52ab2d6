//! The demo's sales opportunities and their notes.

use super::super::{Opportunity, OpportunityNote};
use super::{
    ACME_ACCOUNT_ID, ACME_HQ_LOCATION_ID, ACME_Q3_NOTE_ID, ACME_Q3_OPPORTUNITY_ID,
    ALICE_CONTACT_ID, GLOBEX_ACCOUNT_ID, INITECH_ACCOUNT_ID, june,
};

pub(super) fn opportunities() -> Vec<Opportunity> {
    let opp = |id,
               subject: &str,
               status_id,
               account_id,
               location_id,
               contact_id,
               type_id,
               probability,
               rating_id,
               lead,
               amount,
               close: i64,
               description: &str| Opportunity {
        id,
        subject: subject.into(),
        status_id,
        account_id,
        location_id,
        contact_id: Some(contact_id),
        type_id,
        probability,
        rating_id,
        lead_source_id: Some(lead),
        sales_rep_id: 705,
        amount,
        description: Some(description.into()),
        customer_po: None,
        close_date: close,
        created_on: june(2, 10),
        modified_on: june(20, 10),
    };
    vec![
        opp(
            ACME_Q3_OPPORTUNITY_ID,
            "Acme Corp Q3 Expansion",
            1402,
            ACME_ACCOUNT_ID,
            ACME_HQ_LOCATION_ID,
            ALICE_CONTACT_ID,
            1502,
            50.0,
            1601,
            1703,
            48_000.0,
            june(30, 0) + 92 * 86_400,
            "25 new seats, managed endpoints and security awareness training for the Q3 hiring wave.",
        ),
        opp(
            80002,
            "Globex Managed Security Upgrade",
            1403,
            GLOBEX_ACCOUNT_ID,
            20003,
            30005,
            1501,
            75.0,
            1602,
            1701,
            36_000.0,
            june(30, 0) + 46 * 86_400,
            "Move Globex to the premium managed firewall and SOC plan.",
        ),
        opp(
            80003,
            "Initech Microsoft 365 Migration",
            1404,
            INITECH_ACCOUNT_ID,
            20004,
            30007,
            1501,
            100.0,
            1601,
            1702,
            22_000.0,
            june(1, 0) - 12 * 86_400,
            "Migrate Initech from on-premises Exchange to Microsoft 365.",
        ),
        opp(
            80004,
            "Umbrella Backup Renewal",
            1401,
            10004,
            20005,
            30010,
            1503,
            10.0,
            1603,
            1703,
            12_000.0,
            june(30, 0) + 123 * 86_400,
            "Annual renewal of the clinic's cloud backup service.",
        ),
    ]
}

pub(super) fn opportunity_notes() -> Vec<OpportunityNote> {
    let note = |id, opportunity_id, text: &str, at| OpportunityNote {
        id,
        opportunity_id,
        note: text.into(),
        created_by: 705,
        created_on: at,
        modified_on: at,
    };
    vec![
        note(
            ACME_Q3_NOTE_ID,
            ACME_Q3_OPPORTUNITY_ID,
            "Alice confirmed budget approval for 25 new seats in Q3.",
            june(10, 14),
        ),
        note(
            90002,
            ACME_Q3_OPPORTUNITY_ID,
            "Proposal v2 sent with the security awareness add-on.",
            june(18, 9),
        ),
        note(
            90003,
            80002,
            "Hank wants the SOC plan to include weekend coverage.",
            june(16, 11),
        ),
    ]
}
