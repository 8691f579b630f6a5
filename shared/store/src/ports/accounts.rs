//! The account directory: lead-to-account matching over stored accounts.

use std::future::Future;

use serde::{Deserialize, Serialize};
use switchboard_routing::{Account, Lead, MatchedBy, normalize_company_name};

use crate::error::StoreResult;

/// What an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ImportSummary {
    pub accounts: usize,
    /// Domain index entries written.
    pub domains: usize,
    /// Company name index entries written.
    pub names: usize,
}

/// Account storage with lookups by registrable domain and by normalized company name.
///
/// Contract:
/// - [`import`](AccountDirectory::import) upserts accounts by id. Within one import the
///   first account claiming a domain or name wins (as [`switchboard_routing::AccountIndex`]);
///   across imports the latest import wins. Re-importing an account that dropped a domain or
///   changed its name removes its old index entries.
/// - Domains are matched lower-cased and trimmed; names as
///   [`normalize_company_name`] returns them.
/// - An import is not one transaction on DynamoDB (it is batched): a failed import may be
///   partly written and is safe to run again.
pub trait AccountDirectory: Send + Sync {
    fn by_domain(&self, domain: &str) -> impl Future<Output = StoreResult<Option<Account>>> + Send;

    /// `name` is already normalized.
    fn by_normalized_name(
        &self,
        name: &str,
    ) -> impl Future<Output = StoreResult<Option<Account>>> + Send;

    fn import(
        &self,
        accounts: &[Account],
    ) -> impl Future<Output = StoreResult<ImportSummary>> + Send;

    /// Matches a lead as [`switchboard_routing::match_account`] does: the email's domain
    /// first (never for free-mail), then the normalized company name.
    fn match_lead(
        &self,
        lead: &Lead,
    ) -> impl Future<Output = StoreResult<Option<(Account, MatchedBy)>>> + Send {
        async move {
            if !lead.free_mail
                && let Some(domain) = lead.email_domain.as_deref()
                && let Some(acc) = self.by_domain(&domain.trim().to_ascii_lowercase()).await?
            {
                return Ok(Some((acc, MatchedBy::Domain)));
            }
            let Some(company) = lead.company.as_deref() else {
                return Ok(None);
            };
            let key = normalize_company_name(company);
            if key.is_empty() {
                return Ok(None);
            }
            Ok(self
                .by_normalized_name(&key)
                .await?
                .map(|a| (a, MatchedBy::CompanyName)))
        }
    }
}

/// The index keys an account claims: its trimmed lower-case domains (deduplicated) and its
/// normalized name (if not empty). Shared by the adapters so they index identically.
pub fn index_keys(account: &Account) -> (Vec<String>, Option<String>) {
    let mut domains: Vec<String> = Vec::with_capacity(account.domains.len());
    for d in &account.domains {
        let d = d.trim().to_ascii_lowercase();
        if !d.is_empty() && !domains.contains(&d) {
            domains.push(d);
        }
    }
    let name = normalize_company_name(&account.name);
    (domains, (!name.is_empty()).then_some(name))
}
