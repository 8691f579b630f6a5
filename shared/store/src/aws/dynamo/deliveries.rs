//! [`DeliveryLog`] on DynamoDB: an item per delivery in the lead's partition,
//! `pk = LEAD#<lead id>`, `sk = NOTIFIED#<assignment id>#<kind>#<channel>`, written with a
//! conditional put. One `Query` on the sort key prefix lists the channels of a message.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use jiff::Timestamp;

use super::DynamoStore;
use super::codec::{self, get_s, s};
use super::errors;
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
        let mut expr = codec::Expr::new();
        let condition = format!("attribute_not_exists({})", expr.name(keys::PK));
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(errors::backend("PutItem", e)),
        }
    }
}
