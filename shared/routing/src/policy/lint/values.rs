//! Operands that can never equal a field's stored form. Intake stores a lead's country as
//! an upper-case ISO 3166-1 alpha-2 code, its email domain lower-case without the `@`, and
//! `free_mail` as a boolean; a rule comparing `country` with `Germany` never matches.

use super::{Finding, REGEX_NEVER_MATCHES, Severity, VALUE_NEVER_MATCHES};
use crate::condition::{Condition, FieldRef, FieldTest};
use crate::lead::Scalar;

/// `grades`: the scoring model's grades, when the policy scores leads (`grade` is then
/// one of them, not the lead's own attribute).
pub(super) fn check(c: &Condition, path: &str, grades: Option<&[String]>, out: &mut Vec<Finding>) {
    match c {
        Condition::All(a) => {
            for (i, sub) in a.all.iter().enumerate() {
                check(sub, &format!("{path}.all[{i}]"), grades, out);
            }
        }
        Condition::Any(a) => {
            for (i, sub) in a.any.iter().enumerate() {
                check(sub, &format!("{path}.any[{i}]"), grades, out);
            }
        }
        Condition::Not(n) => check(&n.not, &format!("{path}.not"), grades, out),
        Condition::Test(t) => test(t, path, grades, out),
    }
}

fn test(t: &FieldTest, path: &str, grades: Option<&[String]>, out: &mut Vec<Finding>) {
    let Some(field) = FieldRef::parse(&t.field) else {
        return;
    };
    let texts: Vec<(String, &str)> =
        t.eq.iter()
            .map(|v| (format!("{path}.eq"), v))
            .chain(
                t.in_
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, v)| (format!("{path}.in[{i}]"), v)),
            )
            .filter_map(|(p, v)| v.as_text().map(|s| (p, s)))
            .collect();
    let never = |out: &mut Vec<Finding>, p: &str, message: String, hint: &str| {
        out.push(Finding::new(
            VALUE_NEVER_MATCHES,
            Severity::Warning,
            p.to_owned(),
            message,
            hint,
        ));
    };
    match field {
        FieldRef::Country => {
            for (p, v) in &texts {
                let v = v.trim();
                let code = v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic());
                if !code {
                    never(
                        out,
                        p,
                        format!(
                            "`{v}` never matches: a lead's country is stored as its two-letter \
                             ISO code"
                        ),
                        "write the ISO 3166-1 alpha-2 code, e.g. `DE` for Germany",
                    );
                } else if t.case_sensitive && v.bytes().any(|b| b.is_ascii_lowercase()) {
                    never(
                        out,
                        p,
                        format!(
                            "`{v}` never matches case-sensitively: country codes are stored \
                             upper-case"
                        ),
                        "write it upper-case, or drop case_sensitive",
                    );
                }
            }
            if let Some(r) = &t.regex
                && !any_code_matches(r, t.case_sensitive)
            {
                out.push(Finding::new(
                    REGEX_NEVER_MATCHES,
                    Severity::Warning,
                    format!("{path}.regex"),
                    format!(
                        "`{r}` matches no country code: a lead's country is stored as its \
                         upper-case two-letter ISO code"
                    ),
                    "match codes like `^(DE|AT|CH)$`",
                ));
            }
        }
        FieldRef::EmailDomain => {
            for (p, v) in &texts {
                if v.contains('@') {
                    never(
                        out,
                        p,
                        format!("`{v}` never matches: the email domain is stored without `@`"),
                        "write the domain alone, e.g. `acme.com` (or test `email`)",
                    );
                } else if t.case_sensitive && v.bytes().any(|b| b.is_ascii_uppercase()) {
                    never(
                        out,
                        p,
                        format!(
                            "`{v}` never matches case-sensitively: domains are stored lower-case"
                        ),
                        "write it lower-case, or drop case_sensitive",
                    );
                }
            }
        }
        FieldRef::Grade if grades.is_some() => {
            let grades = grades.unwrap_or_default();
            for (p, v) in &texts {
                let known = grades.iter().any(|g| {
                    if t.case_sensitive {
                        g == v.trim()
                    } else {
                        g.eq_ignore_ascii_case(v.trim())
                    }
                });
                if !known {
                    never(
                        out,
                        p,
                        format!(
                            "`{v}` never matches: the scoring model's grades are {}",
                            grades.join(", ")
                        ),
                        "name one of the model's grades, or add it to scoring.grades",
                    );
                }
            }
        }
        FieldRef::FreeMail => {
            // A boolean field passes only `eq: true|false` and `exists`.
            let bool_only = matches!(t.eq, None | Some(Scalar::Bool(_)))
                && t.in_.is_none()
                && t.prefix.is_none()
                && t.suffix.is_none()
                && t.contains.is_none()
                && t.regex.is_none()
                && [t.gt, t.gte, t.lt, t.lte].iter().all(Option::is_none);
            if !bool_only {
                never(
                    out,
                    path,
                    "`free_mail` is true or false; this test never matches".into(),
                    "write `eq: true` or `eq: false` (without quotes)",
                );
            }
        }
        _ => {}
    }
}

/// Whether the pattern matches any two-letter upper-case code (all 676 are tried: the
/// ISO list is a subset, so "none" is proven; "some" may still be a code nobody uses).
fn any_code_matches(pattern: &str, case_sensitive: bool) -> bool {
    let pattern = if case_sensitive {
        pattern.to_owned()
    } else {
        format!("(?i){pattern}")
    };
    let Ok(re) = regex::Regex::new(&pattern) else {
        // Validation refuses it with its own message.
        return true;
    };
    (b'A'..=b'Z').any(|a| {
        (b'A'..=b'Z').any(|b| re.is_match(std::str::from_utf8(&[a, b]).unwrap_or_default()))
    })
}
