//! [`AccountDirectory`] on DynamoDB. Index items (`DOMAIN#d`, `NAME#n`) carry a copy of
//! the account, so a lookup is one read; imports are batched writes.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};
use switchboard_routing::Account;

use super::codec::{self, Item, get_json, get_s, json, s};
use super::keys::{self, Key};
use super::{DynamoStore, errors};
use crate::error::StoreResult;
use crate::ports::accounts::{AccountDirectory, ImportSummary, index_keys};

/// DynamoDB allows at most this many writes per `BatchWriteItem`.
const BATCH_WRITE_MAX: usize = 25;

impl DynamoStore {
    async fn account_at(&self, key: Key) -> StoreResult<Option<Account>> {
        self.get_item(key)
            .await?
            .map(|item| get_json(&item, "account"))
            .transpose()
    }

    async fn batch_write(&self, requests: Vec<WriteRequest>) -> StoreResult<()> {
        for chunk in requests.chunks(BATCH_WRITE_MAX) {
            let mut pending = chunk.to_vec();
            while !pending.is_empty() {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, std::mem::take(&mut pending))
                    .send()
                    .await
                    .map_err(|e| errors::backend("BatchWriteItem", e))?;
                if let Some(mut rest) = out.unprocessed_items
                    && let Some(rest) = rest.remove(&self.table)
                {
                    pending = rest;
                }
            }
        }
        Ok(())
    }
}

fn put(item: Item) -> StoreResult<WriteRequest> {
    Ok(WriteRequest::builder()
        .put_request(
            PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(errors::build)?,
        )
        .build())
}

fn delete(key: Key) -> StoreResult<WriteRequest> {
    Ok(WriteRequest::builder()
        .delete_request(
            DeleteRequest::builder()
                .set_key(Some(codec::key(key)))
                .build()
                .map_err(errors::build)?,
        )
        .build())
}

impl AccountDirectory for DynamoStore {
    async fn by_domain(&self, domain: &str) -> StoreResult<Option<Account>> {
        self.account_at(keys::account_domain(&domain.trim().to_ascii_lowercase()))
            .await
    }

    async fn by_normalized_name(&self, name: &str) -> StoreResult<Option<Account>> {
        self.account_at(keys::account_name(name)).await
    }

    async fn import(&self, accounts: &[Account]) -> StoreResult<ImportSummary> {
        // The last occurrence of an id is its new version.
        let mut latest: HashMap<&str, &Account> = HashMap::new();
        for a in accounts {
            latest.insert(&a.id, a);
        }
        let previous: HashMap<String, Account> = self
            .batch_get(latest.keys().map(|id| keys::account(id)).collect())
            .await?
            .iter()
            .map(|item| {
                let a: Account = get_json(item, "account")?;
                Ok((a.id.clone(), a))
            })
            .collect::<StoreResult<_>>()?;

        // Index entries: first claim in import order wins.
        let mut domains: Vec<(String, &Account)> = Vec::new();
        let mut names: Vec<(String, &Account)> = Vec::new();
        let mut claimed_domains = HashSet::new();
        let mut claimed_names = HashSet::new();
        for a in accounts {
            let a = latest[a.id.as_str()];
            let (ds, name) = index_keys(a);
            for d in ds {
                if claimed_domains.insert(d.clone()) {
                    domains.push((d, a));
                }
            }
            if let Some(nm) = name
                && claimed_names.insert(nm.clone())
            {
                names.push((nm, a));
            }
        }

        // Entries an account held before and no longer claims, if still pointing at it.
        let mut stale: Vec<(Key, String)> = Vec::new();
        for (id, old) in &previous {
            let (old_domains, old_name) = index_keys(old);
            for d in old_domains
                .into_iter()
                .filter(|d| !claimed_domains.contains(d))
            {
                stale.push((keys::account_domain(&d), id.clone()));
            }
            if let Some(nm) = old_name.filter(|nm| !claimed_names.contains(nm)) {
                stale.push((keys::account_name(&nm), id.clone()));
            }
        }
        let current_owner: HashMap<Key, String> = self
            .batch_get(stale.iter().map(|(k, _)| k.clone()).collect())
            .await?
            .iter()
            .map(|item| {
                let key = Key {
                    pk: get_s(item, keys::PK)?.to_owned(),
                    sk: get_s(item, keys::SK)?.to_owned(),
                };
                Ok((key, get_s(item, "account_id")?.to_owned()))
            })
            .collect::<StoreResult<_>>()?;

        let mut writes = Vec::new();
        for a in latest.values() {
            writes.push(put(codec::item(
                keys::account(&a.id),
                [("account", json(a)?)],
            ))?);
        }
        for (d, a) in &domains {
            writes.push(put(codec::item(
                keys::account_domain(d),
                [("account_id", s(&a.id)), ("account", json(a)?)],
            ))?);
        }
        for (nm, a) in &names {
            writes.push(put(codec::item(
                keys::account_name(nm),
                [("account_id", s(&a.id)), ("account", json(a)?)],
            ))?);
        }
        for (key, id) in stale {
            if current_owner.get(&key) == Some(&id) {
                writes.push(delete(key)?);
            }
        }
        self.batch_write(writes).await?;
        Ok(ImportSummary {
            accounts: latest.len(),
            domains: domains.len(),
            names: names.len(),
        })
    }
}
