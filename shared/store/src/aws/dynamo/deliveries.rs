//! [`DeliveryLog`] on DynamoDB: an item per delivery in the lead's partition,
//! `pk = LEAD#<lead id>`, `sk = NOTIFIED#<assignment id>#<kind>#<channel>`, written with a
//! conditional put. One `Query` on the sort key prefix lists the channels of a message.
//! A delivery's last failure is an item beside it, `sk = DELIVERY_FAILED#<assignment
//! id>#<kind>#<channel>`, replaced by each failure.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;

use super::DynamoStore;
use super::codec::{self, get_s, get_ts, s};
use super::errors;
use super::keys;
use crate::error::{StoreError, StoreResult};
use crate::ports::deliveries::{DeliveryFailure, DeliveryKey, DeliveryLog};

impl DeliveryLog for DynamoStore {
    async fn delivered_channels(
        &self,
        lead_id: &str,
        assignment_id: &str,
        kind: &str,
    ) -> StoreResult<Vec<String>> {
        let prefix = keys::delivery_prefix(assignment_id, kind);
        let items = self
            .query_prefix(&keys::lead_partition(lead_id), &prefix, Some(keys::SK))
            .await?;
        items
            .iter()
            .map(|item| {
                let sk = get_s(item, keys::SK)?;
                sk.strip_prefix(prefix.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| StoreError::Invalid(format!("delivery key {sk:?}")))
            })
            .collect()
    }

    async fn record_delivered(&self, key: DeliveryKey<'_>, at: Timestamp) -> StoreResult<bool> {
        let item = codec::item(
            keys::delivery(key.assignment_id, key.kind, key.channel, key.lead_id),
            [
                ("channel", s(key.channel)),
                ("delivered_at", s(at.to_string())),
            ],
        );
        self.put_if_absent(item).await
    }

    async fn record_failure(
        &self,
        key: DeliveryKey<'_>,
        error: &str,
        permanent: bool,
        at: Timestamp,
    ) -> StoreResult<()> {
        let item = codec::item(
            keys::delivery_failure(key.assignment_id, key.kind, key.channel, key.lead_id),
            [
                ("assignment_id", s(key.assignment_id)),
                ("kind", s(key.kind)),
                ("channel", s(key.channel)),
                ("error", s(error)),
                ("permanent", AttributeValue::Bool(permanent)),
                ("failed_at", s(at.to_string())),
            ],
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| errors::backend("PutItem", e))?;
        Ok(())
    }

    async fn delivery_failures(&self, lead_id: &str) -> StoreResult<Vec<DeliveryFailure>> {
        let pk = keys::lead_partition(lead_id);
        let items = self
            .query_prefix(&pk, keys::DELIVERY_FAILED_PREFIX, None)
            .await?;
        if items.is_empty() {
            return Ok(Vec::new());
        }
        // A delivery recorded after its failure (the redrive that followed a fix) has
        // nothing left to show.
        let delivered: HashSet<String> = self
            .query_prefix(&pk, keys::DELIVERED_PREFIX, Some(keys::SK))
            .await?
            .iter()
            .map(|item| get_s(item, keys::SK).map(str::to_owned))
            .collect::<StoreResult<_>>()?;
        let mut found = Vec::new();
        for item in &items {
            let failure = failure(item)?;
            let sk = keys::delivery(
                &failure.assignment_id,
                &failure.kind,
                &failure.channel,
                lead_id,
            )
            .sk;
            if !delivered.contains(&sk) {
                found.push(failure);
            }
        }
        found.sort_by(|a, b| {
            (&a.assignment_id, &a.kind, &a.channel).cmp(&(&b.assignment_id, &b.kind, &b.channel))
        });
        Ok(found)
    }
}

fn failure(item: &codec::Item) -> StoreResult<DeliveryFailure> {
    let permanent = match item.get("permanent") {
        Some(AttributeValue::Bool(b)) => *b,
        _ => {
            return Err(StoreError::Invalid(
                "delivery failure without `permanent`".into(),
            ));
        }
    };
    Ok(DeliveryFailure {
        assignment_id: get_s(item, "assignment_id")?.to_owned(),
        kind: get_s(item, "kind")?.to_owned(),
        channel: get_s(item, "channel")?.to_owned(),
        error: get_s(item, "error")?.to_owned(),
        permanent,
        failed_at: get_ts(item, "failed_at")?,
    })
}
