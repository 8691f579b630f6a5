//! The enrichment cache and budget: answers per domain until they expire, and a monthly
//! call count that concurrent takers never push past the budget.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use switchboard_routing::Scalar;
use switchboard_store::{CachedAnswer, EnrichmentCache, month_of};

use super::Harness;

fn answer(found: bool, employees: f64, fetched_at: Timestamp) -> CachedAnswer {
    CachedAnswer {
        found,
        values: if found {
            [("employees".to_owned(), Scalar::Number(employees))].into()
        } else {
            Default::default()
        },
        map: vec![("employees".into(), "/company/employees".into())],
        fetched_at,
        expires_at: fetched_at + SignedDuration::from_hours(24),
    }
}

pub async fn enrichment_answers_are_cached_per_domain_until_they_expire<H: Harness>(h: &H) {
    let store = h.store().await;
    let t0: Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
    let domain = format!("{}.example", switchboard_testkit::unique("acme"));
    let other = format!("{}.example", switchboard_testkit::unique("globex"));
    assert_eq!(store.cached_answer(&domain, t0).await.unwrap(), None);

    let found = answer(true, 450.0, t0);
    store.cache_answer(&domain, &found).await.unwrap();
    let not_found = answer(false, 0.0, t0);
    store.cache_answer(&other, &not_found).await.unwrap();
    // (domain, at, expected)
    let later = |h: i64| t0 + SignedDuration::from_hours(h);
    let cases = [
        (&domain, later(1), Some(&found)),
        (
            &domain,
            later(24) - SignedDuration::from_nanos(1),
            Some(&found),
        ),
        (&domain, later(24), None),
        (&other, later(23), Some(&not_found)),
    ];
    for (d, at, expected) in cases {
        assert_eq!(
            store.cached_answer(d, at).await.unwrap().as_ref(),
            expected,
            "{d} at {at}"
        );
    }
    // A fresh answer replaces the expired one.
    let refreshed = answer(true, 500.0, later(30));
    store.cache_answer(&domain, &refreshed).await.unwrap();
    assert_eq!(
        store.cached_answer(&domain, later(31)).await.unwrap(),
        Some(refreshed)
    );
}

pub async fn the_monthly_budget_is_never_exceeded<H: Harness>(h: &H) {
    let store = Arc::new(h.store().await);
    // A month of its own per run: the DynamoDB table is shared between tests.
    let month = format!(
        "{}-{}",
        month_of("2026-12-05T00:00:00Z".parse().unwrap()),
        switchboard_testkit::unique("m")
    );
    assert_eq!(store.provider_calls(&month).await.unwrap(), 0);
    assert!(
        !store.take_provider_call(&month, 0).await.unwrap(),
        "a zero budget"
    );
    assert_eq!(store.provider_calls(&month).await.unwrap(), 0);

    const BUDGET: u64 = 7;
    let takers: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            let month = month.clone();
            tokio::spawn(async move { store.take_provider_call(&month, BUDGET).await.unwrap() })
        })
        .collect();
    let mut granted = 0;
    for t in takers {
        granted += u64::from(t.await.unwrap());
    }
    assert_eq!(granted, BUDGET);
    assert_eq!(store.provider_calls(&month).await.unwrap(), BUDGET);
    assert!(!store.take_provider_call(&month, BUDGET).await.unwrap());
    // A raised budget lets calls in again; another month counts from zero.
    assert!(store.take_provider_call(&month, BUDGET + 1).await.unwrap());
    let next = format!("{month}-next");
    assert!(store.take_provider_call(&next, 1).await.unwrap());
    assert_eq!(store.provider_calls(&next).await.unwrap(), 1);
    assert_eq!(store.provider_calls(&month).await.unwrap(), BUDGET + 1);
}

#[test]
fn months_are_utc_calendar_months() {
    assert_eq!(month_of("2026-12-31T23:59:59Z".parse().unwrap()), "2026-12");
    assert_eq!(month_of("2027-01-01T00:00:00Z".parse().unwrap()), "2027-01");
}
