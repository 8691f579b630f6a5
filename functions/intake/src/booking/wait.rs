//! The wait: after the lead is stored (and handed to routing), read routing's answer with
//! a short back-off until a decision is stored or the source's wait runs out. The lead is
//! already durable and queued, so giving up only changes the answer, never the lead.

use std::time::Duration;

use switchboard_store::{LeadStatus, StoredLead};
use tokio::time::Instant;

use super::link::booking_url;
use super::lookup::{Bookings, Routed};

/// What the sender is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// The assigned rep's booking URL, prefilled.
    Link(String),
    /// No rep link to offer, and why.
    Fallback(Fallback),
}

/// Why a sender gets the thank-you URL instead of a rep's link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// No decision was stored within the wait; routing carries on without the sender.
    Timeout,
    /// Routing parked the lead: no rep has it yet.
    Parked,
    /// The assigned rep has no booking link in the policy.
    NoLink,
    /// The lead duplicates an earlier one (never routed) or is a redelivery of a stored
    /// submission; nothing is waited for.
    Duplicate,
    /// The store could not be read while waiting; the lead itself is stored.
    Unavailable,
}

impl Fallback {
    pub fn as_str(self) -> &'static str {
        match self {
            Fallback::Timeout => "timeout",
            Fallback::Parked => "parked",
            Fallback::NoLink => "no_link",
            Fallback::Duplicate => "duplicate",
            Fallback::Unavailable => "unavailable",
        }
    }
}

/// Waits up to `wait` for `record`'s decision and returns what to offer. `created` is
/// false for a redelivery of a stored submission.
pub async fn offer(
    bookings: &dyn Bookings,
    record: &StoredLead,
    created: bool,
    wait: Duration,
) -> Offer {
    // A redelivery answers at once: the sender already had its answer for this
    // submission, and its body need not match the stored lead's name and email.
    if !created || record.status == LeadStatus::Duplicate {
        return Offer::Fallback(Fallback::Duplicate);
    }
    let lead_id = record.lead.id.as_str();
    let deadline = Instant::now() + wait;
    let backoff = bookings.backoff();
    let mut pause = backoff.first;
    let routed = loop {
        match bookings.routed(lead_id).await {
            Ok(Routed::Pending) => {}
            Ok(done) => break done,
            Err(e) => {
                tracing::warn!(lead_id, error = %e, "booking: routing not readable; answering without a link");
                return Offer::Fallback(Fallback::Unavailable);
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Offer::Fallback(Fallback::Timeout);
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(backoff.max);
    };
    match routed {
        Routed::Assigned {
            rep,
            policy_version,
        } => match bookings.link(&rep, policy_version).await {
            Ok(Some(link)) => Offer::Link(booking_url(&link, &record.lead)),
            Ok(None) => Offer::Fallback(Fallback::NoLink),
            Err(e) => {
                tracing::warn!(lead_id, error = %e, "booking: policy not readable; answering without a link");
                Offer::Fallback(Fallback::Unavailable)
            }
        },
        Routed::Settled(Some(LeadStatus::Parked)) => Offer::Fallback(Fallback::Parked),
        Routed::Settled(Some(LeadStatus::Duplicate)) => Offer::Fallback(Fallback::Duplicate),
        // Closed or gone before the sender heard back: nothing to book.
        Routed::Settled(_) | Routed::Pending => Offer::Fallback(Fallback::NoLink),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use futures_util::future::BoxFuture;
    use switchboard_routing::RepId;
    use switchboard_routing::policy::BookingDoc;
    use switchboard_store::StoreError;

    use super::*;
    use crate::booking::lookup::Backoff;

    /// Answers from a script, one read at a time; the last answer repeats.
    struct Scripted {
        answers: Mutex<Vec<Result<Routed, StoreError>>>,
        link: Option<BookingDoc>,
        reads: Mutex<u32>,
    }

    impl Bookings for Scripted {
        fn routed<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Routed, StoreError>> {
            *self.reads.lock().unwrap() += 1;
            let mut answers = self.answers.lock().unwrap();
            let next = if answers.len() > 1 {
                answers.remove(0)
            } else {
                match &answers[0] {
                    Ok(r) => Ok(r.clone()),
                    Err(_) => Err(StoreError::backend("down")),
                }
            };
            Box::pin(async move { next })
        }

        fn link<'a>(
            &'a self,
            _: &'a RepId,
            _: u64,
        ) -> BoxFuture<'a, Result<Option<BookingDoc>, StoreError>> {
            Box::pin(async move { Ok(self.link.clone()) })
        }

        fn backoff(&self) -> Backoff {
            Backoff::LOCAL
        }
    }

    fn scripted(answers: Vec<Result<Routed, StoreError>>, link: Option<&str>) -> Scripted {
        Scripted {
            answers: Mutex::new(answers),
            link: link.map(|url| BookingDoc {
                url: url.to_owned(),
                prefill: None,
            }),
            reads: Mutex::new(0),
        }
    }

    fn record(status: LeadStatus) -> StoredLead {
        serde_json::from_value(serde_json::json!({
            "lead": { "id": "l1" }, "idempotency_key": "k", "status": status,
            "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap()
    }

    fn assigned() -> Routed {
        Routed::Assigned {
            rep: RepId::from("ada"),
            policy_version: 1,
        }
    }

    const WAIT: Duration = Duration::from_millis(300);

    #[tokio::test]
    async fn reads_until_assigned_then_offers_the_link() {
        let b = scripted(
            vec![Ok(Routed::Pending), Ok(Routed::Pending), Ok(assigned())],
            Some("https://cal.example/ada"),
        );
        let got = offer(&b, &record(LeadStatus::Queued), true, WAIT).await;
        assert_eq!(got, Offer::Link("https://cal.example/ada".into()));
        assert_eq!(*b.reads.lock().unwrap(), 3);
    }

    #[tokio::test]
    async fn gives_up_at_the_deadline() {
        let b = scripted(vec![Ok(Routed::Pending)], Some("https://cal.example/ada"));
        let started = Instant::now();
        let got = offer(&b, &record(LeadStatus::Queued), true, WAIT).await;
        assert_eq!(got, Offer::Fallback(Fallback::Timeout));
        let took = started.elapsed();
        assert!(
            took >= WAIT && took < WAIT + Duration::from_secs(1),
            "{took:?}"
        );
    }

    #[tokio::test]
    async fn each_settled_answer_has_its_fallback() {
        let cases = [
            (
                Ok(Routed::Settled(Some(LeadStatus::Parked))),
                Fallback::Parked,
            ),
            (Ok(assigned()), Fallback::NoLink),
            (Err(StoreError::backend("down")), Fallback::Unavailable),
        ];
        for (answer, want) in cases {
            let b = scripted(vec![answer], None);
            let got = offer(&b, &record(LeadStatus::Queued), true, WAIT).await;
            assert_eq!(got, Offer::Fallback(want));
        }
    }

    #[tokio::test]
    async fn duplicates_and_redeliveries_are_not_waited_for() {
        let b = scripted(vec![Ok(assigned())], Some("https://cal.example/ada"));
        let dup = offer(&b, &record(LeadStatus::Duplicate), true, WAIT).await;
        let again = offer(&b, &record(LeadStatus::Assigned), false, WAIT).await;
        assert_eq!(dup, Offer::Fallback(Fallback::Duplicate));
        assert_eq!(again, Offer::Fallback(Fallback::Duplicate));
        assert_eq!(*b.reads.lock().unwrap(), 0);
    }
}
