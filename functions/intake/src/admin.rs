//! The admin API on AWS: `switchboard_admin`'s router over the DynamoDB table and the
//! routing queue's dead letters, served by this function behind the HTTP API's
//! authorizers. API Gateway has already authenticated the request; this module only reads
//! who the authorizer says is calling:
//!
//! - a JWT (people, through the `JwtAuthorizer` of the template: a Cognito user pool or
//!   another OpenID issuer): the role comes from a groups claim, `cognito:groups` unless
//!   `SWITCHBOARD_ADMIN_GROUPS_CLAIM` names another, holding `switchboard-admin` or
//!   `switchboard-viewer` (`SWITCHBOARD_ADMIN_GROUP`, `SWITCHBOARD_VIEWER_GROUP`); a
//!   token with neither group is refused (403);
//! - IAM (SigV4, the CLI and automation, on [`IAM_PREFIX`]): an admin, named by its ARN.
//!   Narrow an IAM principal to reading by allowing it `execute-api:Invoke` on the `GET`
//!   routes only.
//!
//! Both prefixes serve the same routes: which authorizer admitted a request is in its
//! context, and a request with neither is refused.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;
use switchboard_admin::{AdminState, Caller, Role};
use switchboard_lambda::Vars;
use switchboard_store::aws::{DynamoStore, EventBridgePublisher, SqsQueue};

use crate::aws::AwsSettings;
use crate::import::ImportIntake;

/// Where the template's IAM-authorized admin route is.
pub const IAM_PREFIX: &str = "/v1/iam/admin";

pub const GROUPS_CLAIM: &str = "SWITCHBOARD_ADMIN_GROUPS_CLAIM";
pub const ADMIN_GROUP: &str = "SWITCHBOARD_ADMIN_GROUP";
pub const VIEWER_GROUP: &str = "SWITCHBOARD_VIEWER_GROUP";

/// Which JWT claim and group names give which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtRoles {
    pub claim: String,
    pub admin_group: String,
    pub viewer_group: String,
}

impl JwtRoles {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> JwtRoles {
        let vars = Vars::new(lookup);
        JwtRoles {
            claim: vars
                .optional(GROUPS_CLAIM)
                .unwrap_or_else(|| "cognito:groups".into()),
            admin_group: vars
                .optional(ADMIN_GROUP)
                .unwrap_or_else(|| "switchboard-admin".into()),
            viewer_group: vars
                .optional(VIEWER_GROUP)
                .unwrap_or_else(|| "switchboard-viewer".into()),
        }
    }

    /// The caller the authorizer vouched for, if any.
    pub fn caller(&self, context: &RequestContext) -> Option<Caller> {
        let RequestContext::ApiGatewayV2(context) = context else {
            return None;
        };
        let authorizer = context.authorizer.as_ref()?;
        if let Some(iam) = &authorizer.iam {
            let id = iam.user_arn.clone().or_else(|| iam.caller_id.clone())?;
            return Some(Caller::new(id, Role::Admin));
        }
        let claims = &authorizer.jwt.as_ref()?.claims;
        let groups = claims.get(&self.claim).map(String::as_str).unwrap_or("");
        let groups = parse_groups(groups);
        let role = if groups.contains(&self.admin_group.as_str()) {
            Role::Admin
        } else if groups.contains(&self.viewer_group.as_str()) {
            Role::Viewer
        } else {
            return None;
        };
        let id = ["email", "cognito:username", "username", "sub"]
            .iter()
            .find_map(|k| claims.get(*k))?;
        Some(Caller::new(id.clone(), role))
    }
}

/// A groups claim as the HTTP API hands it over: a JSON array (`["a","b"]`), the bracketed
/// list API Gateway flattens arrays into (`[a b]`), or a comma- or space-separated list.
fn parse_groups(value: &str) -> Vec<&str> {
    value
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([',', ' '])
        .map(|g| g.trim().trim_matches('"'))
        .filter(|g| !g.is_empty())
        .collect()
}

/// Middleware: the caller from the request context `lambda_http` attached.
async fn recognize(
    State(roles): State<Arc<JwtRoles>>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = request
        .request_context_ref()
        .and_then(|context| roles.caller(context));
    if let Some(caller) = caller {
        request.extensions_mut().insert(caller);
    }
    next.run(request).await
}

/// The admin router over the deployment's table and, when the dead-letter queue's URL is
/// set, the routing queue's dead letters; lead imports go through `import`, the function's
/// own intake.
pub fn aws_admin(
    sdk: &aws_config::SdkConfig,
    settings: &AwsSettings,
    import: ImportIntake,
    roles: JwtRoles,
) -> Router {
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &settings.table);
    let routing_queue = settings.routing_dlq_url.as_ref().map(|dlq| {
        SqsQueue::new(
            aws_sdk_sqs::Client::new(sdk),
            &settings.routing_queue_url,
            dlq,
        )
    });
    // Admin away/back are announced on the bus as a rep's own are (when a bus is set).
    let events = settings
        .event_bus
        .as_ref()
        .map(|bus| EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(sdk), bus));
    let state = Arc::new(AdminState {
        store,
        routing_queue,
        events,
        intake: Some(Arc::new(import)),
    });
    switchboard_admin::router(state.clone())
        .merge(switchboard_admin::router_at(state, IAM_PREFIX))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(roles),
            recognize,
        ))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use lambda_http::aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerIamDescription,
        ApiGatewayRequestAuthorizerJwtDescription, ApiGatewayV2httpRequestContext,
    };

    use super::*;

    fn roles() -> JwtRoles {
        JwtRoles::from_lookup(|_| None)
    }

    fn with(authorizer: ApiGatewayRequestAuthorizer) -> RequestContext {
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.authorizer = Some(authorizer);
        RequestContext::ApiGatewayV2(context)
    }

    fn jwt(claims: &[(&str, &str)]) -> RequestContext {
        let mut description = ApiGatewayRequestAuthorizerJwtDescription::default();
        description.claims = claims
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<HashMap<_, _>>();
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.jwt = Some(description);
        with(authorizer)
    }

    type Claims<'a> = &'a [(&'a str, &'a str)];

    #[test]
    fn the_groups_claim_gives_the_role() {
        let cases: [(Claims, Option<(&str, Role)>); 7] = [
            (
                &[
                    ("cognito:groups", "[switchboard-admin]"),
                    ("email", "a@x.io"),
                ],
                Some(("a@x.io", Role::Admin)),
            ),
            (
                &[
                    ("cognito:groups", "[ops switchboard-viewer]"),
                    ("sub", "u-1"),
                ],
                Some(("u-1", Role::Viewer)),
            ),
            (
                &[
                    (
                        "cognito:groups",
                        r#"["switchboard-viewer","switchboard-admin"]"#,
                    ),
                    ("sub", "u-2"),
                ],
                Some(("u-2", Role::Admin)),
            ),
            (
                &[
                    ("cognito:groups", "ops, switchboard-viewer"),
                    ("sub", "u-3"),
                ],
                Some(("u-3", Role::Viewer)),
            ),
            (&[("cognito:groups", "[ops]"), ("sub", "u-4")], None),
            (&[("sub", "u-5")], None),
            // A group whose name only contains the admin group's is not it.
            (
                &[("cognito:groups", "[switchboard-admins]"), ("sub", "u-6")],
                None,
            ),
        ];
        for (claims, want) in cases {
            let got = roles().caller(&jwt(claims));
            let want = want.map(|(id, role)| Caller::new(id, role));
            assert_eq!(got, want, "{claims:?}");
        }
    }

    #[test]
    fn iam_callers_are_admins_named_by_their_arn() {
        let mut iam = ApiGatewayRequestAuthorizerIamDescription::default();
        iam.user_arn = Some("arn:aws:iam::123456789012:user/ops".into());
        let mut authorizer = ApiGatewayRequestAuthorizer::default();
        authorizer.iam = Some(iam);
        assert_eq!(
            roles().caller(&with(authorizer)),
            Some(Caller::new(
                "arn:aws:iam::123456789012:user/ops",
                Role::Admin
            ))
        );
        let unauthorized = RequestContext::ApiGatewayV2(ApiGatewayV2httpRequestContext::default());
        assert_eq!(roles().caller(&unauthorized), None);
    }

    #[test]
    fn claim_and_group_names_are_configurable() {
        let roles = JwtRoles::from_lookup(|name| match name {
            GROUPS_CLAIM => Some("roles".into()),
            ADMIN_GROUP => Some("revops".into()),
            _ => None,
        });
        let got = roles.caller(&jwt(&[("roles", "revops"), ("sub", "u")]));
        assert_eq!(got, Some(Caller::new("u", Role::Admin)));
    }
}
