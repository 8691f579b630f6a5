//! The console's user pool sign-in on AWS: `template.yaml` sets the pool's hosted domain
//! and the app client the page signs in with; without them the page offers the pasted
//! token only (docs/CONSOLE.md, "Open it").

use switchboard_console::{SignIn, SignInError};
use switchboard_lambda::Vars;

/// The origin of the pool's OAuth endpoints (`https://<prefix>.auth.<region>.amazoncognito.com`).
pub const SIGN_IN_DOMAIN: &str = "SWITCHBOARD_CONSOLE_SIGN_IN_DOMAIN";
/// The public app client (no secret) with the authorization code flow and the console's
/// URL as a callback.
pub const CLIENT_ID: &str = "SWITCHBOARD_CONSOLE_CLIENT_ID";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConsoleSignInError {
    #[error("{SIGN_IN_DOMAIN} and {CLIENT_ID} go together; only {0} is set")]
    Half(&'static str),
    #[error(transparent)]
    Invalid(#[from] SignInError),
}

/// The sign-in the environment describes: both variables, or neither.
pub fn sign_in_from_lookup(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<SignIn>, ConsoleSignInError> {
    let vars = Vars::new(lookup);
    match (vars.optional(SIGN_IN_DOMAIN), vars.optional(CLIENT_ID)) {
        (Some(domain), Some(client)) => Ok(Some(SignIn::new(&domain, &client)?)),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConsoleSignInError::Half(SIGN_IN_DOMAIN)),
        (None, Some(_)) => Err(ConsoleSignInError::Half(CLIENT_ID)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_lambda::env::lookup_in;

    #[test]
    fn both_or_neither() {
        let pool = "https://sb.auth.us-east-1.amazoncognito.com";
        let both = sign_in_from_lookup(lookup_in(&[(SIGN_IN_DOMAIN, pool), (CLIENT_ID, "c1")]));
        assert_eq!(both.unwrap().unwrap().origin(), pool);
        assert_eq!(sign_in_from_lookup(lookup_in(&[])), Ok(None));
        assert_eq!(
            sign_in_from_lookup(lookup_in(&[(CLIENT_ID, "c1")])),
            Err(ConsoleSignInError::Half(CLIENT_ID))
        );
        assert!(matches!(
            sign_in_from_lookup(lookup_in(&[
                (SIGN_IN_DOMAIN, "http://x.com"),
                (CLIENT_ID, "c")
            ])),
            Err(ConsoleSignInError::Invalid(_))
        ));
    }
}
