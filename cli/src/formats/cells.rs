//! How CSV cells map to typed values: empty cells are absent, `true`/`false` are booleans,
//! numeric-looking cells are numbers, everything else is text.

use switchboard_routing::Scalar;

/// The typed value of a cell, or `None` when it is blank.
pub fn parse_cell(raw: &str) -> Option<Scalar> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(b) = parse_bool(s) {
        return Some(Scalar::Bool(b));
    }
    if looks_numeric(s)
        && let Ok(n) = s.parse::<f64>()
    {
        return Some(Scalar::Number(n));
    }
    Some(Scalar::Text(s.to_owned()))
}

/// `true`/`false` (any case). Other spellings stay text so that `yes` in a free-text
/// column is not silently reinterpreted.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Plain decimal numbers such as `1200`, `-3`, `4.5`. Leading zeros (`01234`, zip codes and
/// ids) and exponents stay text: they are labels, not quantities.
fn looks_numeric(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (int.len() > 1 && int.starts_with('0')) {
        return false;
    }
    frac.is_none_or(digits)
}

/// A value as a CSV cell (integers without a trailing `.0`).
pub fn format_scalar(v: &Scalar) -> String {
    match v {
        Scalar::Text(t) => t.clone(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Scalar::Number(n) => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_get_types() {
        assert_eq!(parse_cell(""), None);
        assert_eq!(parse_cell("  "), None);
        assert_eq!(parse_cell("1200"), Some(Scalar::Number(1200.0)));
        assert_eq!(parse_cell("-4.5"), Some(Scalar::Number(-4.5)));
        assert_eq!(parse_cell("TRUE"), Some(Scalar::Bool(true)));
        assert_eq!(parse_cell("01234"), Some(Scalar::Text("01234".into())));
        assert_eq!(parse_cell("1e3"), Some(Scalar::Text("1e3".into())));
        assert_eq!(parse_cell("inf"), Some(Scalar::Text("inf".into())));
        assert_eq!(parse_cell("0.5"), Some(Scalar::Number(0.5)));
        assert_eq!(parse_cell("fintech"), Some(Scalar::Text("fintech".into())));
    }

    #[test]
    fn numbers_round_trip() {
        for n in [0.0, 1200.0, -3.0, 4.25] {
            assert_eq!(
                parse_cell(&format_scalar(&Scalar::Number(n))),
                Some(Scalar::Number(n))
            );
        }
    }
}
