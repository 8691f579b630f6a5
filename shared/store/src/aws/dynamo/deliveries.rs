//! [`DeliveryLog`] on DynamoDB: an item per delivery in the lead's partition,
//! `pk = LEAD#<lead id>`, `sk = NOTIFIED#<assignment id>#<kind>#<channel>`, written with a
//! conditional put. One `Query` on the sort key prefix lists the channels of a message.

use jiff::Timestamp;

use super::DynamoStore;
use super::codec::{self, get_s, s};
use super::keys;
use crate::error::{StoreError, StoreResult};
use crate::ports::deliveries::{DeliveryKey, DeliveryLog};

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
}
