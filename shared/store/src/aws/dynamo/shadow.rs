//! The shadow part of [`PolicyStore`] on DynamoDB: the setting on the active pointer
//! (`POLICY / ACTIVE`, attribute `shadow`), the shadow's pool state at
//! `POLICY / SHADOW-POOLS`; each decision an item in
//! the partition of its UTC day (`SHADOW#<day>`, sort key `<time key>#<lead id>`), put on
//! condition of absence, read day by day in time order.

use jiff::Timestamp;

use super::codec::{self, Expr, Item, get_json, get_s, json, s};
use super::{DynamoStore, Query, errors, keys};
use crate::error::{StoreError, StoreResult};
use crate::ports::lead_index::time_key;
use crate::ports::policies::PolicyStore;
use crate::ports::shadow::{ShadowDecision, ShadowPools, ShadowSetting};

/// The shadow part of `PolicyStore` (delegated to from its impl).
impl DynamoStore {
    pub(super) async fn get_shadow_impl(&self) -> StoreResult<Option<ShadowSetting>> {
        Ok(self.get_active().await?.and_then(|a| a.shadow))
    }

    pub(super) async fn set_shadow_impl(&self, setting: Option<&ShadowSetting>) -> StoreResult<()> {
        // A new shadow starts its strategy state afresh.
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(codec::key(keys::shadow_pools())))
            .send()
            .await
            .map_err(|e| errors::backend("DeleteItem", e))?;
        let mut e = Expr::new();
        let update = match setting {
            Some(setting) => format!(
                "SET {} = {}",
                e.name("shadow"),
                e.value("shadow", json(setting)?)
            ),
            None => format!("REMOVE {}", e.name("shadow")),
        };
        let condition = format!("attribute_exists({})", e.name(keys::PK));
        let applied = self
            .update_if(keys::policy_active(), update, condition, &e, "UpdateItem")
            .await?;
        match setting {
            Some(_) if !applied => Err(StoreError::Invalid(
                "no policy is active: a shadow decides beside the active one".into(),
            )),
            _ => Ok(()),
        }
    }

    pub(super) async fn get_shadow_pools_impl(&self) -> StoreResult<ShadowPools> {
        match self.get_item(keys::shadow_pools()).await? {
            Some(item) => get_json(&item, "pools"),
            None => Ok(ShadowPools::new()),
        }
    }

    pub(super) async fn put_shadow_pools_impl(&self, pools: &ShadowPools) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(codec::item(
                keys::shadow_pools(),
                [("pools", json(pools)?)],
            )))
            .send()
            .await
            .map_err(|e| errors::backend("PutItem", e))?;
        Ok(())
    }

    pub(super) async fn put_shadow_decision_impl(
        &self,
        decision: &ShadowDecision,
    ) -> StoreResult<()> {
        let key = keys::shadow_decision(decision.decided_at, &decision.lead_id);
        let item = codec::item(key.clone(), [("decision", json(decision)?)]);
        if self.put_if_absent(item).await? {
            return Ok(());
        }
        // A retry whose first try was stored finds its own decision.
        match self.get_item(key).await?.as_ref().map(decision_of) {
            Some(Ok(stored)) if stored == *decision => Ok(()),
            Some(Err(e)) => Err(e),
            _ => Err(StoreError::Conflict(format!(
                "another shadow decision is stored for lead {} at {}",
                decision.lead_id, decision.decided_at
            ))),
        }
    }

    pub(super) async fn shadow_between_impl(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<ShadowDecision>> {
        let (start, end) = (time_key(from), time_key(to));
        if start >= end || limit == 0 {
            return Ok(Vec::new());
        }
        let last_day = keys::day_of(to);
        let mut day = keys::day_of(from);
        let mut found = Vec::new();
        while found.len() < limit && day <= last_day {
            let mut e = Expr::new();
            // BETWEEN includes its end: the bare `time_key(to)` sorts before every
            // decision at `to`, which stays out.
            let condition = format!(
                "{} = {} AND {} BETWEEN {} AND {}",
                e.name(keys::PK),
                e.value("day", s(keys::shadow_pk(day))),
                e.name(keys::SK),
                e.value("start", s(&start)),
                e.value("end", s(&end)),
            );
            let want = limit - found.len();
            let items = self
                .query(Query {
                    index: None,
                    condition: &condition,
                    expr: &e,
                    projection: None,
                    backward: false,
                    consistent: true,
                    page: Some(want.clamp(1, 1000) as i32),
                    at_least: Some(want),
                    what: "Query shadow decisions",
                })
                .await?;
            for item in &items {
                if found.len() < limit && get_s(item, keys::SK)? != end {
                    found.push(decision_of(item)?);
                }
            }
            let Ok(next) = day.tomorrow() else { break };
            day = next;
        }
        Ok(found)
    }
}

fn decision_of(item: &Item) -> StoreResult<ShadowDecision> {
    get_json(item, "decision")
}
