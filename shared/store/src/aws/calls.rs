//! Counts the AWS calls a client makes, by operation, to measure calls per routed lead, and
//! keeps the DynamoDB writes among them to price them in write units
//! ([`CallCounter::write_units`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::{ConfigBag, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;

use super::write_units::{self, ItemWrite, WriteUnits};
use crate::error::StoreResult;

/// An interceptor that counts each operation once per call (retries not included: the
/// hook runs once, before the request is serialized).
/// Clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
    /// The items DynamoDB writes were sent for, retries included (each attempt that
    /// reaches DynamoDB is billed).
    writes: Arc<Mutex<Vec<ItemWrite>>>,
}

impl CallCounter {
    pub fn new() -> Self {
        CallCounter::default()
    }

    /// Calls so far, by `Service.Operation`.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn total(&self) -> u64 {
        self.snapshot().values().sum()
    }

    pub fn reset(&self) {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.writes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The write units of the DynamoDB writes since the last reset. Items an update or a
    /// condition check touched are read back through `dynamodb` (use a client without this
    /// counter), so call it before anything else changes them.
    pub async fn write_units(
        &self,
        dynamodb: &aws_sdk_dynamodb::Client,
    ) -> StoreResult<WriteUnits> {
        let writes = self
            .writes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        write_units::price(&writes, dynamodb).await
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let name = cfg
            .load::<Metadata>()
            .map(|m| format!("{}.{}", m.service(), m.name()))
            .unwrap_or_else(|| "unknown".to_owned());
        *self
            .counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(name)
            .or_default() += 1;
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let (Some(target), Some(body)) = (
            request.headers().get("x-amz-target"),
            request.body().bytes(),
        ) else {
            return Ok(());
        };
        let writes = write_units::parse_request(target, body);
        if !writes.is_empty() {
            self.writes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(writes);
        }
        Ok(())
    }
}
