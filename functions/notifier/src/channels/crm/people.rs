//! The CRM's people, for `switchboard crm sync reps`: HubSpot's owners and Salesforce's
//! active users, and the change to the policy that gives each rep their CRM id.
//!
//! Reps are matched to people by email (case-insensitive). The proposal fills in missing
//! ids and corrects changed ones; people with no rep and reps whose id the CRM no longer
//! lists are reported for a person to decide, never added or removed by themselves.

use serde::Serialize;
use switchboard_routing::PolicyDocument;
use switchboard_routing::policy::RepCrmDoc;

use super::Crm;

/// One person of the CRM who can own records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrmPerson {
    pub id: String,
    pub email: Option<String>,
    pub name: String,
}

/// What a sync would change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// The policy with the ids filled in.
    #[serde(skip)]
    pub document: PolicyDocument,
    /// `(rep, id)` of reps that had no id.
    pub filled: Vec<(String, String)>,
    /// `(rep, old id, new id)` of reps whose email now belongs to another id.
    pub changed: Vec<(String, String, String)>,
    /// People of the CRM no rep of the policy has the email of.
    pub new_people: Vec<CrmPerson>,
    /// `(rep, id)` of reps whose id the CRM no longer lists (left, or deactivated).
    pub leavers: Vec<(String, String)>,
    /// Reps without an email, which cannot be matched.
    pub unmatched_reps: Vec<String>,
}

impl Proposal {
    pub fn changes_policy(&self) -> bool {
        !self.filled.is_empty() || !self.changed.is_empty()
    }
}

pub fn propose(doc: &PolicyDocument, crm: Crm, people: &[CrmPerson]) -> Proposal {
    let mut document = doc.clone();
    let mut proposal = Proposal {
        document: doc.clone(),
        filled: Vec::new(),
        changed: Vec::new(),
        new_people: Vec::new(),
        leavers: Vec::new(),
        unmatched_reps: Vec::new(),
    };
    let by_email = |email: &str| {
        people.iter().find(|p| {
            p.email
                .as_deref()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim()))
        })
    };
    let mut matched: Vec<&str> = Vec::new();
    for rep in &mut document.reps {
        let current = crm.rep_id(rep).map(str::to_owned);
        let person = rep.email.as_deref().and_then(by_email);
        match (person, current) {
            (Some(p), None) => {
                matched.push(&p.id);
                crm.set_id(rep.crm.get_or_insert_with(RepCrmDoc::default), &p.id);
                proposal.filled.push((rep.id.clone(), p.id.clone()));
            }
            (Some(p), Some(old)) => {
                matched.push(&p.id);
                if old != p.id {
                    crm.set_id(rep.crm.get_or_insert_with(RepCrmDoc::default), &p.id);
                    proposal.changed.push((rep.id.clone(), old, p.id.clone()));
                }
            }
            (None, Some(old)) => match people.iter().find(|p| p.id == old) {
                // The email differs, but the CRM still lists the id: keep it.
                Some(p) => matched.push(&p.id),
                None => proposal.leavers.push((rep.id.clone(), old)),
            },
            (None, None) if rep.email.is_none() => proposal.unmatched_reps.push(rep.id.clone()),
            (None, None) => {}
        }
    }
    proposal.new_people = people
        .iter()
        .filter(|p| !matched.contains(&p.id.as_str()))
        .cloned()
        .collect();
    proposal.document = document;
    proposal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, email: &str) -> CrmPerson {
        CrmPerson {
            id: id.into(),
            email: Some(email.into()),
            name: id.into(),
        }
    }

    #[test]
    fn fills_corrects_and_reports_by_email() {
        let doc = PolicyDocument::from_yaml(
            "triage_pool: t
reps:
  - { id: ana, email: Ana@Example.com }
  - { id: bo, email: bo@example.com, crm: { hubspot_owner_id: '11' } }
  - { id: cy, email: cy@example.com, crm: { hubspot_owner_id: '12' } }
  - { id: dee, email: dee@example.com, crm: { hubspot_owner_id: '13' } }
  - { id: eve }
pools: [ { id: p, members: [ana, bo, cy, dee, eve] } ]
rules: [ { id: r, pool: p } ]
",
        )
        .unwrap();
        let people = [
            person("1", "ana@example.com"),
            person("11", "bo@example.com"),
            person("22", "cy@example.com"),
            person("99", "new@example.com"),
        ];
        let p = propose(&doc, Crm::Hubspot, &people);
        assert_eq!(p.filled, [("ana".to_owned(), "1".to_owned())]);
        assert_eq!(
            p.changed,
            [("cy".to_owned(), "12".to_owned(), "22".to_owned())]
        );
        assert_eq!(p.leavers, [("dee".to_owned(), "13".to_owned())]);
        assert_eq!(p.new_people, [person("99", "new@example.com")]);
        assert_eq!(p.unmatched_reps, ["eve"]);
        let ana = &p.document.reps[0];
        assert_eq!(
            ana.crm.as_ref().unwrap().hubspot_owner_id.as_deref(),
            Some("1")
        );
        // Nothing else of the document changes.
        assert_eq!(p.document.reps[1], doc.reps[1]);
        assert!(p.changes_policy());
    }
}
