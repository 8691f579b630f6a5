//! Normalization through the whole router: unicode names, injection attempts stored as
//! inert data, many spellings of countries, free-mail detection.

use http::StatusCode;
use serde_json::json;
use switchboard_intake::export::{spreadsheet_safe, write_csv};
use switchboard_intake::normalize::country;
use switchboard_routing::Scalar;

use crate::common::*;

async fn accept_generic(h: &Harness, body: serde_json::Value) -> switchboard_store::StoredLead {
    let a = h.send(generic_request(body.to_string().as_bytes())).await;
    let id = a.lead_id();
    h.store
        .all()
        .await
        .into_iter()
        .find(|r| r.lead.id == id)
        .unwrap()
}

#[tokio::test]
async fn unicode_names_survive_cleaned_but_intact() {
    let h = Harness::new();
    let cases = [
        // (first name sent, first name stored)
        ("Zoë 😀", "Zoë 😀"),
        ("👩\u{200D}💻 Dana", "👩\u{200D}💻 Dana"),
        ("محمد", "محمد"),
        ("\u{202E}evil\u{202C}", "evil"),
        ("\u{200B}Ana\u{200B}", "Ana"),
        ("Jose\u{301}", "José"),
        ("  李  ", "李"),
        ("יוסי", "יוסי"),
        ("Ñandú\u{FEFF}", "Ñandú"),
    ];
    for (i, (sent, stored)) in cases.iter().enumerate() {
        let r = accept_generic(
            &h,
            json!({"email": format!("u{i}@example.org"), "first_name": sent, "last_name": "Ω\u{0308}"}),
        )
        .await;
        assert_eq!(r.lead.first_name.as_deref(), Some(*stored), "{sent:?}");
        assert!(r.lead.last_name.is_some());
    }
    // A right-to-left full name is split like any other.
    let r = accept_generic(
        &h,
        json!({"email": "rtl@example.org", "name": "فاطمة الزهراء"}),
    )
    .await;
    assert_eq!(r.lead.first_name.as_deref(), Some("فاطمة"));
    assert_eq!(r.lead.last_name.as_deref(), Some("الزهراء"));
    // Zero-width characters hidden in an email do not defeat the syntax check or dedupe.
    let r = accept_generic(&h, json!({"email": "\u{200B}Hidden@Example.org\u{2060}"})).await;
    assert_eq!(r.lead.email.as_deref(), Some("hidden@example.org"));
}

#[tokio::test]
async fn html_script_and_formulas_are_stored_verbatim_and_exported_inert() {
    let h = Harness::new();
    let script = "<script>alert('x')</script>";
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let r = accept_generic(
        &h,
        json!({
            "email": "inj@example.org",
            "first_name": script,
            "company": formula,
            "attributes": {"note": "@SUM(1+1)", "plus": "+1 (555) 0100", "html": "<img src=x onerror=alert(1)>"}
        }),
    )
    .await;
    assert_eq!(r.lead.first_name.as_deref(), Some(script));
    assert_eq!(r.lead.company.as_deref(), Some(formula));
    assert_eq!(
        r.lead.attributes["html"],
        Scalar::Text("<img src=x onerror=alert(1)>".into())
    );

    // Read back as JSON data (not HTML), with nosniff.
    let view = h
        .send(get(
            &format!("/v1/leads/{}", r.lead.id),
            &[("x-api-key", API_KEY.into())],
        ))
        .await;
    assert_eq!(view.status, StatusCode::OK);
    assert!(view.content_type().starts_with("application/json"));
    assert_eq!(view.headers["x-content-type-options"], "nosniff");
    assert_eq!(view.json()["lead"]["first_name"], script);

    // CSV export: formulas become text, HTML stays text, quoting is intact.
    let mut csv = Vec::new();
    write_csv(std::slice::from_ref(&r), &mut csv).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let col = |name: &str| &row[headers.iter().position(|h| h == name).unwrap()];
    assert_eq!(col("company"), format!("'{formula}"));
    assert_eq!(col("first_name"), script);
    for cell in row.iter() {
        assert!(
            !matches!(cell.chars().next(), Some('=' | '+' | '-' | '@')),
            "{cell}"
        );
    }
    assert_eq!(spreadsheet_safe("-1"), "'-1");
}

#[test]
fn at_least_thirty_country_spellings() {
    let cases = [
        ("DE", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("Germany", "DE"),
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("Federal Republic of Germany", "DE"),
        ("US", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("U.S.", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("America", "US"),
        ("Estados Unidos", "US"),
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("GB", "GB"),
        ("GBR", "GB"),
        ("United Kingdom", "GB"),
        ("Great Britain", "GB"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("Royaume-Uni", "GB"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("Svizzera", "CH"),
        ("Switzerland", "CH"),
        ("España", "ES"),
        ("Espana", "ES"),
        ("spain", "ES"),
        ("Österreich", "AT"),
        ("Osterreich", "AT"),
        ("Nederland", "NL"),
        ("Holland", "NL"),
        ("The Netherlands", "NL"),
        ("Italia", "IT"),
        ("Polska", "PL"),
        ("Sverige", "SE"),
        ("Danmark", "DK"),
        ("Norge", "NO"),
        ("Suomi", "FI"),
        ("Brasil", "BR"),
        ("México", "MX"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        ("Republic of Korea", "KR"),
        ("Ivory Coast", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("Czech Republic", "CZ"),
        ("Czechia", "CZ"),
        ("Česko", "CZ"),
        ("Russia", "RU"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("UAE", "AE"),
        ("United Arab Emirates", "AE"),
        ("日本", "JP"),
        ("Japan", "JP"),
        ("中国", "CN"),
        ("India", "IN"),
        ("Bharat", "IN"),
        ("St. Kitts & Nevis", "KN"),
        ("Saint Lucia", "LC"),
        ("Trinidad and Tobago", "TT"),
        ("  new   zealand ", "NZ"),
        ("🇨🇦", "CA"),
        ("Éire", "IE"),
        ("Ireland", "IE"),
    ];
    let mut failures = Vec::new();
    for (raw, want) in cases {
        let got = country::resolve(raw);
        if got.as_deref() != Some(want) {
            failures.push(format!("{raw:?} -> {got:?}, want {want}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} spellings failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 30);
    for unknown in ["Narnia", "Mars", "Europe", "123", "N/A", "-"] {
        assert_eq!(country::resolve(unknown), None, "{unknown}");
    }
}

#[tokio::test]
async fn free_mail_and_registrable_domains() {
    let h = Harness::new();
    let cases = [
        ("someone@gmail.com", "gmail.com", true),
        ("x@yahoo.co.uk", "yahoo.co.uk", true),
        ("x@web.de", "web.de", true),
        ("x@mail.sales.acme.com.au", "acme.com.au", false),
        ("x@team.github.io", "team.github.io", false),
        ("x@acme.com", "acme.com", false),
    ];
    for (email, domain, free) in cases {
        let r = accept_generic(&h, json!({"email": email})).await;
        assert_eq!(r.lead.email_domain.as_deref(), Some(domain), "{email}");
        assert_eq!(r.lead.free_mail, free, "{email}");
    }
}
