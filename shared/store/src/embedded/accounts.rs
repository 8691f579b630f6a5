//! [`AccountDirectory`] on redb: accounts by id plus domain and name index tables.

use std::collections::{HashMap, HashSet};

use redb::ReadableDatabase;
use switchboard_routing::Account;

use super::EmbeddedStore;
use super::tables::{
    ACCOUNT_DOMAINS, ACCOUNT_NAMES, ACCOUNTS, db_err, get_json, get_text, index_names, put_json,
    put_text, remove,
};
use crate::error::StoreResult;
use crate::ports::accounts::{AccountDirectory, ImportSummary, index_keys};

impl EmbeddedStore {
    async fn lookup(&self, by_domain: bool, key: &str) -> StoreResult<Option<Account>> {
        let key = key.to_owned();
        self.read(move |db| {
            let txn = db.begin_read().map_err(db_err)?;
            let index = txn
                .open_table(if by_domain {
                    ACCOUNT_DOMAINS
                } else {
                    ACCOUNT_NAMES
                })
                .map_err(db_err)?;
            let accounts = txn.open_table(ACCOUNTS).map_err(db_err)?;
            match get_text(&index, &key)? {
                Some(id) => get_json(&accounts, &id),
                None => Ok(None),
            }
        })
    }
}

impl AccountDirectory for EmbeddedStore {
    async fn by_domain(&self, domain: &str) -> StoreResult<Option<Account>> {
        self.lookup(true, &domain.trim().to_ascii_lowercase()).await
    }

    async fn by_normalized_name(&self, name: &str) -> StoreResult<Option<Account>> {
        self.lookup(false, name).await
    }

    async fn import(&self, accounts: &[Account]) -> StoreResult<ImportSummary> {
        let accounts = accounts.to_vec();
        self.write(move |txn| {
            let mut by_id = txn.open_table(ACCOUNTS).map_err(db_err)?;
            let mut domains = txn.open_table(ACCOUNT_DOMAINS).map_err(db_err)?;
            let mut names = txn.open_table(ACCOUNT_NAMES).map_err(db_err)?;
            // Every read that can fail on bad data comes before the first write (see `writer`).
            let mut previous: HashMap<String, Account> = HashMap::new();
            for account in &accounts {
                if !previous.contains_key(&account.id)
                    && let Some(old) = get_json::<Account>(&by_id, &account.id)?
                {
                    previous.insert(account.id.clone(), old);
                }
            }
            let mut summary = ImportSummary::default();
            let mut claimed_domains = HashSet::new();
            let mut claimed_names = HashSet::new();
            for account in &accounts {
                let (new_domains, new_name) = index_keys(account);
                // Drop the index entries the previous version of this account had.
                if let Some(old) = previous.insert(account.id.clone(), account.clone()) {
                    let (old_domains, old_name) = index_keys(&old);
                    for d in old_domains.iter().filter(|d| !new_domains.contains(d)) {
                        if index_names(&domains, d, &account.id)? {
                            remove(&mut domains, d)?;
                        }
                    }
                    if let Some(n) = old_name.filter(|n| Some(n) != new_name.as_ref())
                        && index_names(&names, &n, &account.id)?
                    {
                        remove(&mut names, &n)?;
                    }
                }
                put_json(&mut by_id, &account.id, account)?;
                for d in new_domains {
                    if claimed_domains.insert(d.clone()) {
                        put_text(&mut domains, &d, &account.id)?;
                        summary.domains += 1;
                    }
                }
                if let Some(n) = new_name
                    && claimed_names.insert(n.clone())
                {
                    put_text(&mut names, &n, &account.id)?;
                    summary.names += 1;
                }
            }
            // Distinct ids, as the DynamoDB adapter counts them.
            summary.accounts = accounts
                .iter()
                .map(|a| a.id.as_str())
                .collect::<HashSet<_>>()
                .len();
            Ok(summary)
        })
        .await
    }
}
