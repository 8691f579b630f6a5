//! Reaching a deployment's admin API over HTTPS: the stack's `AdminUrl` takes a person's
//! JWT as a bearer token, its `AdminIamUrl` takes requests signed with SigV4 by an IAM
//! principal (the environment's AWS credentials, as the AWS CLI finds them).

use std::time::SystemTime;

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, header};
use http_body_util::Full;
use switchboard_http::client::{HttpClient, Response};

/// The service name API Gateway's IAM authorization checks signatures for.
const SERVICE: &str = "execute-api";
/// Admin answers (a page of leads, a health report) are larger than a channel's reply.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// How requests to a deployment prove who sends them.
pub enum Credentials {
    /// A person's JWT from the admin issuer (`AdminUrl`).
    Bearer(String),
    /// SigV4 with the environment's credentials (`AdminIamUrl`).
    SigV4 {
        provider: SharedCredentialsProvider,
        region: String,
    },
}

pub struct Deployment {
    http: HttpClient,
    credentials: Credentials,
}

impl Deployment {
    /// A bearer token when given; otherwise SigV4 with the credentials and region of the
    /// environment (the region in an `execute-api` host name wins: the API is there).
    pub async fn connect(url: &str, token: Option<String>) -> Result<Deployment, String> {
        let http = HttpClient::new()
            .map_err(|e| e.to_string())?
            .with_max_body(MAX_ANSWER_BYTES);
        let credentials = match token {
            Some(token) => Credentials::Bearer(token),
            None => {
                let sdk = switchboard_store::aws::sdk_config().await;
                let provider = sdk.credentials_provider().ok_or(
                    "no AWS credentials in the environment to sign requests with \
                     (or give --token with a JWT for the stack's AdminUrl)",
                )?;
                let region = region_of(url)
                    .or_else(|| sdk.region().map(|r| r.to_string()))
                    .ok_or(
                        "no AWS region to sign requests for: set AWS_REGION \
                         (the stack's region)",
                    )?;
                Credentials::SigV4 { provider, region }
            }
        };
        Ok(Deployment { http, credentials })
    }

    pub async fn send(
        &self,
        method: Method,
        url: &str,
        content_type: &str,
        body: Bytes,
    ) -> Result<Response, String> {
        let mut request = Request::builder()
            .method(method)
            .uri(url)
            .header(header::USER_AGENT, "switchboard-cli");
        if !content_type.is_empty() {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let mut request = request
            .body(Full::new(body.clone()))
            .map_err(|e| e.to_string())?;
        match &self.credentials {
            Credentials::Bearer(token) => {
                let value = HeaderValue::try_from(format!("Bearer {token}"))
                    .map_err(|_| "the token has characters a header cannot carry")?;
                request.headers_mut().insert(header::AUTHORIZATION, value);
            }
            Credentials::SigV4 { provider, region } => {
                sign_request(&mut request, &body, provider, region).await?;
            }
        }
        self.http.send(request).await.map_err(|e| e.to_string())
    }
}

/// Adds SigV4 headers (`authorization`, `x-amz-date`, the session token when there is
/// one) for `execute-api` in `region`, over the request's method, URL, headers and body.
pub async fn sign_request<B>(
    request: &mut Request<B>,
    body: &[u8],
    provider: &SharedCredentialsProvider,
    region: &str,
) -> Result<(), String> {
    let credentials = provider
        .provide_credentials()
        .await
        .map_err(|e| format!("AWS credentials: {}", switchboard_store::describe(&e)))?;
    let identity = credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| format!("signing: {e}"))?
        .into();
    // The host header is signed too; hyper adds it from the URI only when sending.
    let host = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .ok_or("the admin URL has no host")?;
    let mut headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    headers.push(("host".to_owned(), host));
    let signable = SignableRequest::new(
        request.method().as_str(),
        request.uri().to_string(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|e| format!("signing: {e}"))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| format!("signing: {e}"))?
        .into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

/// `abc123.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`.
fn region_of(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    let mut labels = uri.host()?.split('.');
    labels.next()?;
    (labels.next()? == SERVICE).then(|| labels.next().map(str::to_owned))?
}

#[cfg(test)]
mod tests {
    use super::region_of;

    #[test]
    fn the_region_comes_from_an_execute_api_host() {
        let cases = [
            (
                "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/iam/admin",
                Some("eu-west-1"),
            ),
            (
                "https://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1/iam/admin",
                Some("cn-north-1"),
            ),
            ("https://admin.example.com/v1/iam/admin", None),
            ("http://127.0.0.1:8080/v1/iam/admin", None),
            ("not a url", None),
        ];
        for (url, region) in cases {
            assert_eq!(region_of(url).as_deref(), region, "{url}");
        }
    }
}
