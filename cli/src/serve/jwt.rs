//! People's tokens on the local process: `switchboard serve` can take the ID and access
//! tokens of an OpenID issuer (a Cognito user pool) beside its own admin and viewer tokens,
//! checked as API Gateway's JWT authorizer checks them on a deployment (RS256 signature
//! against the issuer's published keys, issuer, audience or client id, expiry) and given a
//! role by their groups claim exactly as the intake Lambda does
//! (`switchboard_intake::admin::JwtRoles`). The keys come from a file (the issuer's
//! `/.well-known/jwks.json`, saved), so nothing is fetched from another host at run time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde::Deserialize;
use serde_json::Value;
use switchboard_admin::{Caller, Role};
use switchboard_intake::admin::JwtRoles;

/// Why a token was not taken.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("the key set holds no RS256 signing key")]
    NoKeys,
    #[error("the key set is not a JSON Web Key Set: {0}")]
    KeySet(String),
    #[error("not a JWT (three base64url parts)")]
    Malformed,
    #[error("signed with {0}, not RS256")]
    Algorithm(String),
    #[error("signed by an unknown key")]
    UnknownKey,
    #[error("the signature does not verify")]
    Signature,
    #[error("issued by {0:?}, not the configured issuer")]
    Issuer(String),
    #[error("for another audience or client")]
    Audience,
    #[error("expired")]
    Expired,
    #[error("not yet valid")]
    NotYetValid,
    #[error("the token has neither the admin nor the viewer group")]
    NoRole,
    #[error("the token names nobody (no email, username or sub)")]
    NoSubject,
}

#[derive(Debug, Clone)]
struct RsaKey {
    kid: Option<String>,
    n: Vec<u8>,
    e: Vec<u8>,
}

/// The issuer whose tokens are taken, its keys, and how groups map to roles.
#[derive(Debug, Clone)]
pub struct JwtAuth {
    issuer: String,
    audience: String,
    keys: Vec<RsaKey>,
    roles: JwtRoles,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

impl JwtAuth {
    /// `jwks`: a JSON Web Key Set; its RSA signing keys are kept. Groups give roles by the
    /// Lambda's names (`cognito:groups`, `switchboard-admin`, `switchboard-viewer`).
    pub fn new(issuer: &str, audience: &str, jwks: &str) -> Result<JwtAuth, JwtError> {
        let set: JwkSet =
            serde_json::from_str(jwks).map_err(|e| JwtError::KeySet(e.to_string()))?;
        let keys: Vec<RsaKey> = set
            .keys
            .into_iter()
            .filter(|k| k.kty == "RSA" && k.use_.as_deref().is_none_or(|u| u == "sig"))
            .filter(|k| k.alg.as_deref().is_none_or(|a| a == "RS256"))
            .filter_map(|k| {
                Some(RsaKey {
                    n: URL_SAFE_NO_PAD.decode(k.n?).ok()?,
                    e: URL_SAFE_NO_PAD.decode(k.e?).ok()?,
                    kid: k.kid,
                })
            })
            .collect();
        if keys.is_empty() {
            return Err(JwtError::NoKeys);
        }
        Ok(JwtAuth {
            issuer: issuer.trim_end_matches('/').to_owned(),
            audience: audience.to_owned(),
            keys,
            roles: JwtRoles::from_lookup(|_| None),
        })
    }

    /// The caller `token` names at `now` (seconds since the epoch).
    pub fn caller(&self, token: &str, now: i64) -> Result<Caller, JwtError> {
        let claims = self.verified_claims(token)?;
        self.check(&claims, now)?;
        let groups: Vec<&str> = match claims.get(&self.roles.claim) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(s)) => s.split([',', ' ']).filter(|g| !g.is_empty()).collect(),
            _ => Vec::new(),
        };
        let role = if groups.contains(&self.roles.admin_group.as_str()) {
            Role::Admin
        } else if groups.contains(&self.roles.viewer_group.as_str()) {
            Role::Viewer
        } else {
            return Err(JwtError::NoRole);
        };
        // Who the audit log names: as the Lambda reads the authorizer's claims.
        let id = ["email", "cognito:username", "username", "sub"]
            .iter()
            .find_map(|k| claims.get(*k).and_then(Value::as_str))
            .ok_or(JwtError::NoSubject)?;
        Ok(Caller::new(id, role))
    }

    fn verified_claims(&self, token: &str) -> Result<serde_json::Map<String, Value>, JwtError> {
        let mut parts = token.split('.');
        let (Some(head), Some(body), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let decode = |part: &str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| JwtError::Malformed)
        };
        let header: Value =
            serde_json::from_slice(&decode(head)?).map_err(|_| JwtError::Malformed)?;
        let alg = header["alg"].as_str().unwrap_or("none");
        if alg != "RS256" {
            return Err(JwtError::Algorithm(alg.to_owned()));
        }
        let kid = header["kid"].as_str();
        let key = self
            .keys
            .iter()
            .find(|k| kid.is_none() || k.kid.as_deref() == kid)
            .ok_or(JwtError::UnknownKey)?;
        let signed = &token[..head.len() + 1 + body.len()];
        RsaPublicKeyComponents {
            n: &key.n,
            e: &key.e,
        }
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &decode(sig)?,
        )
        .map_err(|_| JwtError::Signature)?;
        match serde_json::from_slice(&decode(body)?) {
            Ok(Value::Object(claims)) => Ok(claims),
            _ => Err(JwtError::Malformed),
        }
    }

    /// Issuer, audience, and time, as API Gateway's JWT authorizer checks them: an ID
    /// token's `aud` or an access token's `client_id` must be the audience.
    fn check(&self, claims: &serde_json::Map<String, Value>, now: i64) -> Result<(), JwtError> {
        let iss = claims.get("iss").and_then(Value::as_str).unwrap_or("");
        if iss.trim_end_matches('/') != self.issuer {
            return Err(JwtError::Issuer(iss.to_owned()));
        }
        let aud_matches = match claims.get("aud") {
            Some(Value::String(a)) => *a == self.audience,
            Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(&self.audience)),
            _ => claims.get("client_id").and_then(Value::as_str) == Some(&self.audience),
        };
        if !aud_matches {
            return Err(JwtError::Audience);
        }
        match claims.get("exp").and_then(Value::as_i64) {
            Some(exp) if exp > now => {}
            _ => return Err(JwtError::Expired),
        }
        if claims
            .get("nbf")
            .and_then(Value::as_i64)
            .is_some_and(|nbf| nbf > now)
        {
            return Err(JwtError::NotYetValid);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_signed_rs256_token() {
        let jwks = r#"{"keys":[{"kty":"RSA","kid":"k","n":"AQAB","e":"AQAB"}]}"#;
        let auth = JwtAuth::new("https://issuer.example", "client", jwks).unwrap();
        assert_eq!(auth.caller("abc", 0), Err(JwtError::Malformed));
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode("{}")
        );
        assert_eq!(
            auth.caller(&none, 0),
            Err(JwtError::Algorithm("none".into()))
        );
        let hs = format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#),
            URL_SAFE_NO_PAD.encode("{}")
        );
        assert_eq!(
            auth.caller(&hs, 0),
            Err(JwtError::Algorithm("HS256".into()))
        );
        assert_eq!(
            JwtAuth::new("i", "a", r#"{"keys":[{"kty":"EC"}]}"#).err(),
            Some(JwtError::NoKeys)
        );
    }
}
