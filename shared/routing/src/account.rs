//! Accounts and lead-to-account matching (by email domain, then by normalized company name).

use std::collections::{BTreeMap, HashMap};

use foldhash::fast::RandomState;
use serde::{Deserialize, Serialize};

use crate::lead::{Lead, Scalar};

/// A customer or prospect account, typically imported from the CRM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// Registrable domains, lower-case (e.g. `acme.com`).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Rep id of the account owner, for sticky routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Scalar>,
}

/// How a lead was matched to its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    Domain,
    CompanyName,
}

/// An account lookup the engine can use; storage adapters implement it over their own index.
pub trait AccountLookup {
    fn by_domain(&self, domain: &str) -> Option<&Account>;
    /// `name` is already normalized with [`normalize_company_name`].
    fn by_normalized_name(&self, name: &str) -> Option<&Account>;
}

/// Matches a lead to an account: the email's registrable domain first (free-mail domains
/// never match), then the normalized company name.
pub fn match_account<'a, L: AccountLookup + ?Sized>(
    lookup: &'a L,
    lead: &Lead,
) -> Option<(&'a Account, MatchedBy)> {
    if !lead.free_mail
        && let Some(domain) = lead.email_domain.as_deref()
        && let Some(acc) = lookup.by_domain(domain)
    {
        return Some((acc, MatchedBy::Domain));
    }
    let company = lead.company.as_deref()?;
    let key = normalize_company_name(company);
    if key.is_empty() {
        return None;
    }
    lookup
        .by_normalized_name(&key)
        .map(|a| (a, MatchedBy::CompanyName))
}

/// An in-memory account index (hash maps by domain and normalized name).
#[derive(Debug, Default, Clone)]
pub struct AccountIndex {
    accounts: Vec<Account>,
    by_domain: HashMap<String, usize, RandomState>,
    by_name: HashMap<String, usize, RandomState>,
}

impl AccountIndex {
    /// Builds the index. When two accounts claim a domain or name, the first one wins
    /// (import order is the tie-break, so results are deterministic).
    pub fn new(accounts: Vec<Account>) -> Self {
        let mut idx = AccountIndex {
            accounts,
            ..Default::default()
        };
        for (i, a) in idx.accounts.iter().enumerate() {
            for d in &a.domains {
                idx.by_domain
                    .entry(d.trim().to_ascii_lowercase())
                    .or_insert(i);
            }
            let key = normalize_company_name(&a.name);
            if !key.is_empty() {
                idx.by_name.entry(key).or_insert(i);
            }
        }
        idx
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }
}

impl AccountLookup for AccountIndex {
    fn by_domain(&self, domain: &str) -> Option<&Account> {
        self.by_domain.get(domain).map(|&i| &self.accounts[i])
    }
    fn by_normalized_name(&self, name: &str) -> Option<&Account> {
        self.by_name.get(name).map(|&i| &self.accounts[i])
    }
}

/// Legal-form words dropped when comparing company names ("Acme GmbH" = "ACME").
const LEGAL_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "llc",
    "llp",
    "lp",
    "ltd",
    "limited",
    "plc",
    "gmbh",
    "ag",
    "kg",
    "ug",
    "se",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "aps",
    "kk",
    "pty",
    "pte",
    "sl",
    "sro",
    "zoo",
    "group",
    "holding",
    "holdings",
];

/// Normalizes a company name for matching: lower-case, punctuation to spaces, legal-form
/// words removed from the end, whitespace collapsed. `"ACME, Inc."` → `"acme"`.
pub fn normalize_company_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else if c == '&' {
                '&'
            } else {
                ' '
            }
        })
        .collect();
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    // Join dotted abbreviations split by the punctuation pass ("s a" from "S.A.").
    while words.len() > 1 {
        let last = words[words.len() - 1];
        if LEGAL_SUFFIXES.contains(&last) {
            words.pop();
            continue;
        }
        if words.len() > 2 {
            let pair = format!("{}{}", words[words.len() - 2], last);
            if words[words.len() - 2].len() == 1
                && last.len() == 1
                && LEGAL_SUFFIXES.contains(&pair.as_str())
            {
                words.truncate(words.len() - 2);
                continue;
            }
        }
        break;
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_names_normalize() {
        assert_eq!(normalize_company_name("ACME, Inc."), "acme");
        assert_eq!(normalize_company_name("  Acme   GmbH "), "acme");
        assert_eq!(normalize_company_name("Globex S.A."), "globex");
        assert_eq!(
            normalize_company_name("Müller & Söhne KG"),
            "müller & söhne"
        );
        assert_eq!(normalize_company_name("Inc"), "inc");
    }

    #[test]
    fn matches_domain_then_name_and_ignores_free_mail() {
        let idx = AccountIndex::new(vec![
            Account {
                id: "a1".into(),
                name: "Acme Corp".into(),
                domains: vec!["acme.com".into()],
                owner: Some("alice".into()),
                ..Default::default()
            },
            Account {
                id: "a2".into(),
                name: "Globex".into(),
                ..Default::default()
            },
        ]);
        let lead = Lead::new("l1", jiff::Timestamp::UNIX_EPOCH).with_email("x@acme.com");
        assert_eq!(
            match_account(&idx, &lead).map(|(a, m)| (a.id.as_str(), m)),
            Some(("a1", MatchedBy::Domain))
        );
        let mut lead = Lead::new("l2", jiff::Timestamp::UNIX_EPOCH)
            .with_email("x@gmail.com")
            .with_company("GLOBEX Ltd.");
        lead.free_mail = true;
        assert_eq!(
            match_account(&idx, &lead).map(|(a, m)| (a.id.as_str(), m)),
            Some(("a2", MatchedBy::CompanyName))
        );
    }
}
