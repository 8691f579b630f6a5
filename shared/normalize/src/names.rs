//! Splitting a single "name" field into first and last name.

use super::text;

/// `"Jane Q. Public"` → (`Jane`, `Q. Public`); `"Public, Jane"` → (`Jane`, `Public`);
/// a single word is a first name. Cultures differ on name order, so this is only used when
/// the form did not ask for the parts separately.
pub fn split_full_name(full: &str) -> (Option<String>, Option<String>) {
    let line = text::clean_line(full);
    let nonempty = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_owned())
    };
    if let Some((last, first)) = line.split_once(',') {
        return (nonempty(first), nonempty(last));
    }
    match line.split_once(' ') {
        Some((first, last)) => (nonempty(first), nonempty(last)),
        None => (nonempty(&line), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        let s = |a: &str, b: Option<&str>| (Some(a.to_owned()), b.map(str::to_owned));
        assert_eq!(
            split_full_name(" Jane  Q. Public "),
            s("Jane", Some("Q. Public"))
        );
        assert_eq!(split_full_name("Public, Jane"), s("Jane", Some("Public")));
        assert_eq!(split_full_name("Cher"), s("Cher", None));
        assert_eq!(split_full_name(" \u{200B} "), (None, None));
    }
}
