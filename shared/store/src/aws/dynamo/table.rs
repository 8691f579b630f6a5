//! The table definition, in one place: tests create it with [`create_table`], and the
//! deployment template mirrors the same keys and indexes.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus,
};

use super::errors;
use super::keys::{
    GSI_BY_DUE, GSI_BY_RECEIVED, GSI_BY_REP, GSI1PK, GSI1SK, GSI2PK, GSI2SK, GSI3PK, GSI3SK, PK, SK,
};
use crate::error::{StoreError, StoreResult};

fn key_element(name: &str, kind: KeyType) -> StoreResult<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(errors::build)
}

fn string_attribute(name: &str) -> StoreResult<AttributeDefinition> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(errors::build)
}

fn index(name: &str, pk: &str, sk: &str) -> StoreResult<GlobalSecondaryIndex> {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key_element(pk, KeyType::Hash)?)
        .key_schema(key_element(sk, KeyType::Range)?)
        // Assignments and leads are small; projecting them whole saves a read per result.
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .map_err(errors::build)
}

/// Creates the table (on-demand billing) with its three indexes and waits until it is active.
pub async fn create_table(client: &Client, name: &str) -> StoreResult<()> {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key_element(PK, KeyType::Hash)?)
        .key_schema(key_element(SK, KeyType::Range)?)
        .global_secondary_indexes(index(GSI_BY_REP, GSI1PK, GSI1SK)?)
        .global_secondary_indexes(index(GSI_BY_DUE, GSI2PK, GSI2SK)?)
        .global_secondary_indexes(index(GSI_BY_RECEIVED, GSI3PK, GSI3SK)?);
    for attr in [PK, SK, GSI1PK, GSI1SK, GSI2PK, GSI2SK, GSI3PK, GSI3SK] {
        request = request.attribute_definitions(string_attribute(attr)?);
    }
    request
        .send()
        .await
        .map_err(|e| errors::backend("CreateTable", e))?;
    for _ in 0..120 {
        let described = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| errors::backend("DescribeTable", e))?;
        let status = described.table.and_then(|t| t.table_status);
        if status == Some(TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    Err(StoreError::backend(format!(
        "table {name} did not become active within a minute"
    )))
}
