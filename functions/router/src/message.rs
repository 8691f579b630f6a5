//! The message formats of the two queues the router touches: what it reads from the
//! routing queue and what it writes to the notify queue. Both are JSON objects; readers
//! ignore fields they do not know, so a producer can add fields without a lockstep deploy.

/// A routing queue message (the one definition lives in the store crate); a body that is
/// not one is poison.
pub use switchboard_store::{RouteRequest, RouteRequestError as BodyError};

/// A notify queue message: "tell this rep about this assignment". The shape is shared with
/// every other producer and the notifier (`switchboard_store::NotifyMessage`); the router
/// sends the `assigned` kind after the assignment is committed, and again whenever the
/// routing message is redelivered while the assignment is still open.
pub use switchboard_store::NotifyMessage as Notification;

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use switchboard_store::{Assignment, AssignmentStatus, MAX_LEAD_ID_BYTES};

    #[test]
    fn route_request_round_trips_and_ignores_unknown_fields() {
        let body = RouteRequest::new("L-1").to_body();
        assert_eq!(body, r#"{"lead_id":"L-1"}"#);
        assert_eq!(
            RouteRequest::parse(&body).unwrap(),
            RouteRequest::new("L-1")
        );
        let extra = r#"{"lead_id":"L-2","source":"typeform","trace":"abc"}"#;
        assert_eq!(RouteRequest::parse(extra).unwrap().lead_id, "L-2");
    }

    #[test]
    fn bodies_that_name_no_lead_are_rejected() {
        for body in [
            "",
            "L-1",
            "\"L-1\"",
            "[]",
            "{}",
            r#"{"lead":"L-1"}"#,
            r#"{"lead_id":42}"#,
            r#"{"lead_id":null}"#,
            r#"{"lead_id":"L-1""#,
        ] {
            assert!(
                matches!(RouteRequest::parse(body), Err(BodyError::Malformed(_))),
                "{body:?} was accepted"
            );
        }
        assert!(matches!(
            RouteRequest::parse(r#"{"lead_id":"  "}"#),
            Err(BodyError::EmptyLeadId)
        ));
        let long = RouteRequest::new("x".repeat(MAX_LEAD_ID_BYTES + 1)).to_body();
        assert!(matches!(
            RouteRequest::parse(&long),
            Err(BodyError::LeadIdTooLong(1025))
        ));
        let longest = RouteRequest::new("x".repeat(MAX_LEAD_ID_BYTES)).to_body();
        assert!(RouteRequest::parse(&longest).is_ok());
    }

    #[test]
    fn notification_carries_the_assignment() {
        let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        let a = Assignment {
            lead_id: "L-1".into(),
            rep: "ana".into(),
            pool: Some("main".into()),
            attempt: 2,
            policy_version: 7,
            assigned_at: at,
            sla_due: None,
            accepted_at: None,
            status: AssignmentStatus::Open,
            ended_at: None,
            outcome: None,
            ended_as: None,
        };
        let n = Notification::for_assignment(&a);
        assert_eq!(n.assignment_id, "L-1:2");
        let body = n.to_body().unwrap();
        assert_eq!(
            body,
            r#"{"kind":"assigned","assignment_id":"L-1:2","lead_id":"L-1","rep":"ana","pool":"main","attempt":2,"policy_version":7,"assigned_at":"2026-06-01T10:00:00Z"}"#
        );
        assert_eq!(Notification::parse(&body).unwrap(), n);
    }
}
