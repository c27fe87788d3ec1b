//! Property-test generators shared by the tracker's modules.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::model::{Advisory, Affected, BulletinRef, Tracker};

fn arb_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("\\PC{1,40}").prop_map(|t| {
        t.map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty())
    })
}

fn arb_row() -> impl Strategy<Value = Advisory> {
    (
        0u32..2000,
        proptest::option::of((1970i32..2100, 1u32..13, 1u32..29)),
        prop_oneof![Just(Affected::Yes), Just(Affected::No), Just(Affected::Tba)],
        proptest::option::of((0u32..1000, 2000i32..2100)),
        any::<bool>(),
        arb_text(),
        arb_text(),
        proptest::collection::btree_set((1999u32..2100, 1u32..200_000), 0..4),
    )
        .prop_map(
            |(number, date, affected, bulletin, unused, mitigation, title, cves)| Advisory {
                number,
                date: date.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
                affected,
                bulletin: bulletin.map(|(number, year)| BulletinRef { number, year }),
                unused,
                mitigation,
                title,
                cves: cves
                    .into_iter()
                    .map(|(y, n)| format!("CVE-{y}-{n:04}"))
                    .collect(),
            },
        )
}

/// Any valid tracker of up to 30 rows.
pub fn arb_tracker() -> impl Strategy<Value = Tracker> {
    proptest::collection::btree_map(0u32..2000, arb_row(), 0..30).prop_map(|rows| {
        let rows = rows
            .into_iter()
            .map(|(number, row)| Advisory { number, ..row })
            .collect();
        Tracker::from_rows(rows).expect("generated rows are valid")
    })
}
