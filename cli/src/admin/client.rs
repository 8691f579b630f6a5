//! The admin operations through a running server's admin routes.

use bytes::Bytes;
use http::{Method, StatusCode};
use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use switchboard_admin::coverage::CoverageRequest;
use switchboard_admin::outcomes::{OutcomesImport, OutcomesImported, OutcomesView};
use switchboard_admin::shadow::{ShadowReport, ShadowRequest, ShadowView};
use switchboard_admin::{
    AssignOrder, AssignedByHand, LeadFilter, LeadSummary, Page, RerouteFilter, Rerouted, TriageItem,
};
use switchboard_http::Problem;
use switchboard_routing::Account;
use switchboard_routing::coverage::CoverageReport;
use switchboard_routing::report::HealthReport;
use switchboard_store::{ActivePolicy, ImportSummary, PolicyVersion, Recounted};

use super::deployment::Deployment;
use super::{AdminError, PolicyIssue};
use super::{DeadLetterView, LeadReport, PolicyApplied, PolicyHistory, Redriven};
use crate::http_client::{self, ClientError};

/// The admin API at `base` (`http://127.0.0.1:8080/v1/admin` of a local server, or a
/// deployment's `AdminUrl`/`AdminIamUrl`): every path below is relative to it.
pub struct RemoteAdmin {
    base: String,
    transport: Transport,
}

enum Transport {
    /// The local server of a data directory: loopback HTTP with its admin token, and its
    /// own root for `/healthz`.
    Local { server: String, token: String },
    /// A deployment in AWS, over HTTPS (a connection pool and credentials: boxed, as the
    /// local case is a pair of strings).
    Deployment(Box<Deployment>),
}

impl RemoteAdmin {
    /// The server of a data directory, at `server` (its root URL).
    pub fn new(server: impl Into<String>, token: impl Into<String>) -> Self {
        let server: String = server.into();
        RemoteAdmin {
            base: format!("{}/v1/admin", server.trim_end_matches('/')),
            transport: Transport::Local {
                server,
                token: token.into(),
            },
        }
    }

    /// A deployment's admin API at `url`: with `token` as a bearer JWT, else signed with
    /// the environment's AWS credentials.
    pub async fn deployment(url: &str, token: Option<String>) -> Result<Self, AdminError> {
        let deployment = Deployment::connect(url, token)
            .await
            .map_err(AdminError::Remote)?;
        Ok(RemoteAdmin {
            base: url.trim_end_matches('/').to_owned(),
            transport: Transport::Deployment(Box::new(deployment)),
        })
    }

    /// The admin API's root URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Whether the local server answers at all (a crashed server leaves `serve.json`
    /// behind). A deployment is always worth asking.
    pub async fn reachable(&self) -> Result<bool, ClientError> {
        let Transport::Local { server, .. } = &self.transport else {
            return Ok(true);
        };
        let url = format!("{}/healthz", server.trim_end_matches('/'));
        match http_client::request(Method::GET, &url, &[], Bytes::new()).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_refused() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `(status, body)` of one request, or why there is none.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Bytes,
    ) -> Result<(StatusCode, Bytes), String> {
        let url = format!("{}{path}", self.base);
        match &self.transport {
            Transport::Local { token, .. } => {
                let auth = format!("Bearer {token}");
                let mut headers = vec![("authorization", auth.as_str())];
                if !content_type.is_empty() {
                    headers.push(("content-type", content_type));
                }
                let response = http_client::request(method, &url, &headers, body)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok((response.status, response.body))
            }
            Transport::Deployment(deployment) => {
                let response = deployment.send(method, &url, content_type, body).await?;
                Ok((response.status, response.body))
            }
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Bytes,
    ) -> Result<T, AdminError> {
        let (status, body) = self
            .exchange(method, path, content_type, body)
            .await
            .map_err(|e| AdminError::Remote(format!("admin API at {}: {e}", self.base)))?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| {
                AdminError::Remote(format!("unexpected answer from {}: {e}", self.base))
            });
        }
        Err(from_problem(status, &body))
    }

    async fn call_json<T: DeserializeOwned, B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, AdminError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| AdminError::Remote(format!("encoding the request: {e}")))?;
        self.call(method, path, "application/json", bytes.into())
            .await
    }

    pub async fn apply_policy(
        &self,
        text: &str,
        note: Option<&str>,
    ) -> Result<PolicyApplied, AdminError> {
        let body = serde_json::json!({ "document": text, "note": note });
        self.call_json(Method::POST, "/policy", &body).await
    }

    pub async fn policy_version(&self, version: Option<u64>) -> Result<PolicyVersion, AdminError> {
        let path = match version {
            Some(v) => format!("/policy/versions/{v}"),
            None => "/policy/active".to_owned(),
        };
        self.call(Method::GET, &path, "", Bytes::new()).await
    }

    pub async fn policy_history(&self) -> Result<PolicyHistory, AdminError> {
        self.call(Method::GET, "/policy/history", "", Bytes::new())
            .await
    }

    /// The server takes the version to activate; without one, the version the active one
    /// replaced, as the history shows it.
    pub async fn rollback(&self, version: Option<u64>) -> Result<ActivePolicy, AdminError> {
        let version = match version {
            Some(v) => v,
            None => {
                let active = self
                    .policy_history()
                    .await?
                    .active
                    .ok_or_else(|| AdminError::NotFound("no active policy".into()))?;
                active.previous.ok_or_else(|| {
                    AdminError::NotFound(format!("version {} replaced no version", active.version))
                })?
            }
        };
        let body = serde_json::json!({ "version": version });
        self.call_json(Method::POST, "/policy/rollback", &body)
            .await
    }

    pub async fn import_accounts(&self, accounts: &[Account]) -> Result<ImportSummary, AdminError> {
        self.call_json(Method::POST, "/accounts", &accounts).await
    }

    pub async fn lead(&self, lead_id: &str) -> Result<LeadReport, AdminError> {
        let path = format!("/leads/{}", encode_segment(lead_id));
        self.call(Method::GET, &path, "", Bytes::new()).await
    }

    pub async fn shadow(&self) -> Result<ShadowView, AdminError> {
        self.call(Method::GET, "/policy/shadow", "", Bytes::new())
            .await
    }

    pub async fn start_shadow(&self, request: &ShadowRequest) -> Result<ShadowView, AdminError> {
        let body = serde_json::json!({ "version": request.version, "note": request.note });
        self.call_json(Method::POST, "/policy/shadow", &body).await
    }

    pub async fn stop_shadow(&self) -> Result<ShadowView, AdminError> {
        self.call(Method::POST, "/policy/shadow/stop", "", Bytes::new())
            .await
    }

    pub async fn shadow_report(
        &self,
        (from, to): (Timestamp, Timestamp),
    ) -> Result<ShadowReport, AdminError> {
        let path = format!(
            "/policy/shadow/report?from={}&to={}",
            encode_segment(&from.to_string()),
            encode_segment(&to.to_string())
        );
        self.call(Method::GET, &path, "", Bytes::new()).await
    }

    pub async fn health(
        &self,
        (from, to): (Timestamp, Timestamp),
    ) -> Result<HealthReport, AdminError> {
        let path = format!(
            "/reports/health?from={}&to={}",
            encode_segment(&from.to_string()),
            encode_segment(&to.to_string())
        );
        self.call(Method::GET, &path, "", Bytes::new()).await
    }

    pub async fn leads(
        &self,
        (from, to): (Timestamp, Timestamp),
        filter: &LeadFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<LeadSummary>, AdminError> {
        let mut path = format!(
            "/leads?from={}&to={}&limit={limit}",
            encode_segment(&from.to_string()),
            encode_segment(&to.to_string())
        );
        for (name, value) in filter.query_pairs() {
            path.push_str(&format!("&{name}={}", encode_segment(&value)));
        }
        if let Some(after) = after {
            path.push_str(&format!("&after={}", encode_segment(after)));
        }
        self.call(Method::GET, &path, "", Bytes::new()).await
    }

    pub async fn triage(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<TriageItem>, AdminError> {
        let mut path = format!("/triage?limit={limit}");
        if let Some(after) = after {
            path.push_str(&format!("&after={}", encode_segment(after)));
        }
        self.call(Method::GET, &path, "", Bytes::new()).await
    }

    pub async fn reroute(
        &self,
        lead_id: Option<&str>,
        filter: &RerouteFilter,
    ) -> Result<Rerouted, AdminError> {
        match lead_id {
            Some(id) => {
                let path = format!("/triage/{}/reroute", encode_segment(id));
                self.call(Method::POST, &path, "", Bytes::new()).await
            }
            None => {
                let body = serde_json::json!({
                    "reason": filter.reason, "pool": filter.pool, "max": filter.max,
                });
                self.call_json(Method::POST, "/triage/reroute", &body).await
            }
        }
    }

    /// The server records its own caller (the admin token) as who assigned it.
    pub async fn assign(
        &self,
        lead_id: &str,
        order: &AssignOrder,
    ) -> Result<AssignedByHand, AdminError> {
        let path = format!("/triage/{}/assign", encode_segment(lead_id));
        let body = serde_json::json!({
            "rep": order.rep, "reason": order.reason, "override_caps": order.override_caps,
        });
        self.call_json(Method::POST, &path, &body).await
    }

    pub async fn coverage(&self, request: &CoverageRequest) -> Result<CoverageReport, AdminError> {
        self.call_json(Method::POST, "/policy/coverage", request)
            .await
    }

    pub async fn import_leads(
        &self,
        request: &switchboard_admin::ImportRequest,
    ) -> Result<switchboard_admin::Imported, AdminError> {
        self.call_json(Method::POST, "/leads/import", request).await
    }

    pub async fn outcomes(&self, rep: Option<&str>) -> Result<OutcomesView, AdminError> {
        let path = match rep {
            Some(r) => format!("/outcomes?rep={}", encode_segment(r)),
            None => "/outcomes".to_owned(),
        };
        self.call(Method::GET, &path, "", Bytes::new()).await
    }

    pub async fn rebuild_outcomes(&self) -> Result<Recounted, AdminError> {
        self.call(Method::POST, "/outcomes/rebuild", "", Bytes::new())
            .await
    }

    pub async fn import_outcomes(
        &self,
        request: &OutcomesImport,
    ) -> Result<OutcomesImported, AdminError> {
        self.call_json(Method::POST, "/outcomes/import", request)
            .await
    }

    pub async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetterView>, AdminError> {
        self.call(Method::GET, &format!("/dlq?max={max}"), "", Bytes::new())
            .await
    }

    pub async fn redrive(&self, max: usize) -> Result<Redriven, AdminError> {
        let body = serde_json::json!({ "max": max });
        self.call_json(Method::POST, "/dlq/redrive", &body).await
    }
}

/// Maps a problem document back to the error the operation returned on the server.
fn from_problem(status: StatusCode, body: &[u8]) -> AdminError {
    let Ok(problem) = serde_json::from_slice::<Problem>(body) else {
        return AdminError::Remote(format!(
            "server answered {status}: {}",
            String::from_utf8_lossy(body)
        ));
    };
    let detail = problem.detail;
    match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => AdminError::Invalid {
            message: detail,
            issues: problem
                .errors
                .into_iter()
                .map(|i| PolicyIssue {
                    path: i.field,
                    message: i.message,
                })
                .collect(),
        },
        StatusCode::NOT_FOUND => AdminError::NotFound(detail),
        StatusCode::CONFLICT => AdminError::Conflict(detail),
        _ => AdminError::Remote(format!("server answered {status}: {detail}")),
    }
}

/// Percent-encodes everything but unreserved characters (ids are usually UUIDs).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
