//! Signing in to a user pool from the page: the OAuth 2.0 authorization code flow with
//! PKCE against an authorization server with Amazon Cognito's endpoints
//! (`/oauth2/authorize`, `/oauth2/token`, `/logout` under the pool's domain). The page
//! learns where to go from [`CONFIG_NAME`], which the runtime fills in from its settings
//! (the intake Lambda from the environment `template.yaml` sets, `switchboard serve` from
//! flags). Without a setting the page offers only the pasted token.

use serde_json::json;

/// The file under the console's path that says how to sign in.
pub const CONFIG_NAME: &str = "config.json";

/// What the page asks the pool for: `openid` for an ID token, `email` so the token names
/// the person (the audit log records it), `profile` for the rest of the name.
pub const SCOPE: &str = "openid email profile";

/// A user pool's hosted sign-in: its domain (the origin of its OAuth endpoints) and the
/// public app client the console signs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    origin: String,
    client_id: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignInError {
    #[error(
        "the sign-in domain must be an origin such as https://auth.example.com (http only on a loopback host), got {0:?}"
    )]
    Origin(String),
    #[error("the app client id must be letters, digits, '-' or '_', got {0:?}")]
    ClientId(String),
}

impl SignIn {
    /// `domain`: `https://<prefix>.auth.<region>.amazoncognito.com` or a custom domain; a
    /// trailing `/` is ignored. Plain `http` is taken for loopback hosts only, for tests
    /// and a local authorization server.
    pub fn new(domain: &str, client_id: &str) -> Result<SignIn, SignInError> {
        let origin = domain.trim().trim_end_matches('/');
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://").filter(|r| is_loopback(r)))
            .ok_or_else(|| SignInError::Origin(domain.to_owned()))?;
        // Host and port only: the origin goes into the content security policy, so
        // nothing that could end or extend a directive may pass.
        let authority_ok = !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !authority_ok {
            return Err(SignInError::Origin(domain.to_owned()));
        }
        let client_ok = !client_id.is_empty()
            && client_id.len() <= 128
            && client_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !client_ok {
            return Err(SignInError::ClientId(client_id.to_owned()));
        }
        Ok(SignIn {
            origin: origin.to_owned(),
            client_id: client_id.to_owned(),
        })
    }

    /// The authorization server's origin, which the page may call (the token exchange).
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

fn is_loopback(authority: &str) -> bool {
    let host = authority
        .strip_prefix("[::1]")
        .map(|_| "[::1]")
        .unwrap_or_else(|| authority.split(':').next().unwrap_or(""));
    let port_ok = |rest: &str| {
        rest.is_empty()
            || rest
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    ["127.0.0.1", "localhost", "[::1]"].contains(&host) && port_ok(&authority[host.len()..])
}

/// The body of [`CONFIG_NAME`]: the endpoints and client the page uses, or
/// `{"sign_in": null}` when the runtime has none.
pub fn config_json(sign_in: Option<&SignIn>) -> Vec<u8> {
    let value = match sign_in {
        Some(s) => json!({
            "sign_in": {
                "authorize_url": format!("{}/oauth2/authorize", s.origin),
                "token_url": format!("{}/oauth2/token", s.origin),
                "logout_url": format!("{}/logout", s.origin),
                "client_id": s.client_id,
                "scope": SCOPE,
            }
        }),
        None => json!({ "sign_in": null }),
    };
    serde_json::to_vec(&value).expect("a JSON value serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_https_origins_and_loopback_http_only() {
        let s = SignIn::new("https://sb-1.auth.eu-west-1.amazoncognito.com/", "abc123").unwrap();
        assert_eq!(s.origin(), "https://sb-1.auth.eu-west-1.amazoncognito.com");
        assert!(SignIn::new("http://127.0.0.1:9000", "c").is_ok());
        assert!(SignIn::new("http://localhost", "c").is_ok());
        for bad in [
            "http://auth.example.com",
            "https://auth.example.com/path",
            "https://a.example.com; script-src *",
            "https://",
            "ftp://x",
            "http://127.0.0.1.evil.com",
            "http://127.0.0.1:",
        ] {
            assert!(
                matches!(SignIn::new(bad, "c"), Err(SignInError::Origin(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            SignIn::new("https://a.example.com", "a b"),
            Err(SignInError::ClientId(_))
        ));
    }

    #[test]
    fn the_config_names_cognitos_endpoints() {
        let s = SignIn::new("https://auth.example.com", "client-1").unwrap();
        let v: serde_json::Value = serde_json::from_slice(&config_json(Some(&s))).unwrap();
        assert_eq!(
            v["sign_in"]["authorize_url"],
            "https://auth.example.com/oauth2/authorize"
        );
        assert_eq!(
            v["sign_in"]["token_url"],
            "https://auth.example.com/oauth2/token"
        );
        assert_eq!(v["sign_in"]["client_id"], "client-1");
        let none: serde_json::Value = serde_json::from_slice(&config_json(None)).unwrap();
        assert!(none["sign_in"].is_null());
    }
}
