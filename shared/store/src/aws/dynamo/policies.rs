//! [`PolicyStore`] on DynamoDB: versions `POLICY / V#n`, a `HEAD` counter that allocates
//! numbers, and the `ACTIVE` pointer moved with compare-and-set.

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};
use jiff::Timestamp;
use switchboard_routing::PolicyDocument;

use super::codec::{self, Expr, get_json, get_n, get_ts, json, n, opt_n, opt_s, s};
use super::errors::{self, TransactFailure, condition_failed};
use super::leads::put_new;
use super::{DynamoStore, keys};
use crate::error::{StoreError, StoreResult};
use crate::ports::policies::{ActivePolicy, PolicyStore, PolicySummary, PolicyVersion};

/// Concurrent puts race for the next number; each round one of them wins.
const PUT_ROUNDS: usize = 16;

fn summary(item: &codec::Item) -> StoreResult<PolicySummary> {
    Ok(PolicySummary {
        version: get_n(item, "version")?,
        created_at: get_ts(item, "created_at")?,
        note: opt_s(item, "note")?.map(str::to_owned),
    })
}

impl PolicyStore for DynamoStore {
    async fn put_version(
        &self,
        document: &PolicyDocument,
        note: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<PolicyVersion> {
        for _ in 0..PUT_ROUNDS {
            let latest: u64 = match self.get_item(keys::policy_head()).await? {
                Some(item) => get_n(&item, "latest")?,
                None => 0,
            };
            let stored = PolicyVersion {
                version: latest + 1,
                document: document.clone(),
                created_at: now,
                note: note.map(str::to_owned),
            };
            // Claim the number: HEAD moves from `latest` only once.
            let mut e = Expr::new();
            let head = e.name("latest");
            let condition = if latest == 0 {
                format!("attribute_not_exists({head})")
            } else {
                format!("{head} = {}", e.value("prev", n(latest)))
            };
            let claim = TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(codec::item(
                            keys::policy_head(),
                            [("latest", n(stored.version))],
                        )))
                        .condition_expression(condition)
                        .set_expression_attribute_names(e.names())
                        .set_expression_attribute_values(e.values())
                        .build()
                        .map_err(errors::build)?,
                )
                .build();
            let mut attrs = vec![
                ("version", n(stored.version)),
                ("document", json(&stored.document)?),
                ("created_at", s(now.to_string())),
            ];
            if let Some(note) = note {
                attrs.push(("note", s(note)));
            }
            let version = put_new(
                &self.table,
                codec::item(keys::policy_version(stored.version), attrs),
            )?;
            match self.transact(vec![claim, version]).await {
                Ok(()) => return Ok(stored),
                Err(TransactFailure::Cancelled(_)) => {
                    // Another put took the number; read the head again.
                    tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(1..20)))
                        .await;
                }
                Err(other) => return Err(other.into_error("put policy version")),
            }
        }
        Err(StoreError::Conflict(
            "could not allocate a policy version number".into(),
        ))
    }

    async fn get_version(&self, version: u64) -> StoreResult<Option<PolicyVersion>> {
        let Some(item) = self.get_item(keys::policy_version(version)).await? else {
            return Ok(None);
        };
        let summary = summary(&item)?;
        Ok(Some(PolicyVersion {
            version: summary.version,
            document: get_json(&item, "document")?,
            created_at: summary.created_at,
            note: summary.note,
        }))
    }

    async fn get_active(&self) -> StoreResult<Option<ActivePolicy>> {
        let Some(item) = self.get_item(keys::policy_active()).await? else {
            return Ok(None);
        };
        Ok(Some(ActivePolicy {
            version: get_n(&item, "version")?,
            previous: opt_n(&item, "previous")?,
            activated_at: get_ts(&item, "activated_at")?,
            shadow: match item.contains_key("shadow") {
                true => Some(get_json(&item, "shadow")?),
                false => None,
            },
        }))
    }

    async fn set_active(
        &self,
        version: u64,
        expected: Option<u64>,
        now: Timestamp,
    ) -> StoreResult<ActivePolicy> {
        let mut e = Expr::new();
        let exists = format!("attribute_exists({})", e.name(keys::PK));
        let target_exists = TransactWriteItem::builder()
            .condition_check(
                ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(codec::key(keys::policy_version(version))))
                    .condition_expression(exists)
                    .set_expression_attribute_names(e.names())
                    .build()
                    .map_err(errors::build)?,
            )
            .build();

        // An update, not a put: the shadow setting on the pointer stays as it is.
        let mut e = Expr::new();
        let mut set = format!(
            "SET {} = {}, {} = {}",
            e.name("version"),
            e.value("version", n(version)),
            e.name("activated_at"),
            e.value("at", s(now.to_string())),
        );
        match expected {
            Some(p) => set.push_str(&format!(
                ", {} = {}",
                e.name("previous"),
                e.value("previous", n(p))
            )),
            None => set.push_str(&format!(" REMOVE {}", e.name("previous"))),
        }
        let condition = match expected {
            None => format!("attribute_not_exists({})", e.name(keys::PK)),
            Some(v) => format!("{} = {}", e.name("version"), e.value("expected", n(v))),
        };
        let move_pointer = TransactWriteItem::builder()
            .update(
                Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(codec::key(keys::policy_active())))
                    .update_expression(set)
                    .condition_expression(condition)
                    .set_expression_attribute_names(e.names())
                    .set_expression_attribute_values(e.values())
                    .build()
                    .map_err(errors::build)?,
            )
            .build();

        match self.transact(vec![target_exists, move_pointer]).await {
            Ok(()) => Ok(ActivePolicy {
                version,
                previous: expected,
                activated_at: now,
                shadow: self.get_active().await?.and_then(|a| a.shadow),
            }),
            Err(TransactFailure::Cancelled(reasons)) if condition_failed(&reasons, 0) => {
                Err(StoreError::NotFound(format!("policy version {version}")))
            }
            Err(other) => {
                Err(other.into_error(&format!("activate policy {version} over {expected:?}")))
            }
        }
    }

    async fn history(&self) -> StoreResult<Vec<PolicySummary>> {
        self.query_prefix(
            keys::POLICY_PK,
            keys::POLICY_VERSION_PREFIX,
            Some("version, created_at, note"),
        )
        .await?
        .iter()
        .map(summary)
        .collect()
    }

    async fn get_shadow(&self) -> StoreResult<Option<crate::ports::shadow::ShadowSetting>> {
        self.get_shadow_impl().await
    }

    async fn set_shadow(
        &self,
        setting: Option<&crate::ports::shadow::ShadowSetting>,
    ) -> StoreResult<()> {
        self.set_shadow_impl(setting).await
    }

    async fn get_shadow_pools(&self) -> StoreResult<crate::ports::shadow::ShadowPools> {
        self.get_shadow_pools_impl().await
    }

    async fn put_shadow_pools(&self, pools: &crate::ports::shadow::ShadowPools) -> StoreResult<()> {
        self.put_shadow_pools_impl(pools).await
    }

    async fn put_shadow_decision(
        &self,
        decision: &crate::ports::shadow::ShadowDecision,
    ) -> StoreResult<()> {
        self.put_shadow_decision_impl(decision).await
    }

    async fn shadow_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<crate::ports::shadow::ShadowDecision>> {
        self.shadow_between_impl(from, to, limit).await
    }
}
