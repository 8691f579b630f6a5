//! Demo leads over one week from a start instant: weighted countries, daytime bias in each
//! lead's own time zone, light weekends, some free-mail sign-ups, company sizes that reach
//! the enterprise rule, and a share of leads from the demo accounts' domains.

use std::collections::{HashMap, HashSet};

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use switchboard_routing::{Account, Lead, Scalar, normalize_company_name};

use super::company::{Company, email_local_part};
use super::markets::{EMPLOYEE_BANDS, FREE_MAIL, INDUSTRIES, MARKETS, Market, SOURCES, market};
use super::prng::SplitMix64;

/// Monday 2026-11-23 00:00 UTC: the week the demo policy's examples live in.
pub const DEFAULT_START: &str = "2026-11-23T00:00:00Z";

/// Leads spread over this long after the start.
const WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Share of leads from a known account's domain (so account matching and ownership show up).
const FROM_ACCOUNT: f64 = 0.25;
/// Share of other leads that sign up with a free-mail address.
const FREE_MAIL_SHARE: f64 = 0.12;

/// Generates demo leads. Same fields, same seed, same leads.
pub struct LeadGenerator<'a> {
    pub seed: u64,
    pub start: Timestamp,
    /// Accounts some leads come from (usually [`super::demo_accounts`]).
    pub accounts: &'a [Account],
}

/// Convenience for [`LeadGenerator::generate`].
pub fn demo_leads(count: usize, seed: u64, start: Timestamp, accounts: &[Account]) -> Vec<Lead> {
    LeadGenerator {
        seed,
        start,
        accounts,
    }
    .generate(count)
}

impl LeadGenerator<'_> {
    /// `count` leads sorted by `received_at`, with ids `L-00001`.. in that order.
    pub fn generate(&self, count: usize) -> Vec<Lead> {
        let mut rng = SplitMix64::new(self.seed);
        let mut zones = ZoneCache::default();
        // New prospects must not share a name with an account by accident: that would turn
        // them into company-name matches the demo does not intend.
        let account_names: HashSet<String> = self
            .accounts
            .iter()
            .map(|a| normalize_company_name(&a.name))
            .collect();
        let markets: Vec<(&Market, u32)> = MARKETS.iter().map(|m| (m, m.weight)).collect();
        let mut leads: Vec<Lead> = (0..count)
            .map(|_| self.one(&mut rng, &mut zones, &markets, &account_names))
            .collect();
        // Stable: leads in the same second keep generation order.
        leads.sort_by_key(|l| l.received_at);
        let width = count.to_string().len().max(5);
        for (i, lead) in leads.iter_mut().enumerate() {
            lead.id = format!("L-{:0width$}", i + 1).into();
        }
        leads
    }

    fn one(
        &self,
        rng: &mut SplitMix64,
        zones: &mut ZoneCache,
        markets: &[(&Market, u32)],
        account_names: &HashSet<String>,
    ) -> Lead {
        let account = (!self.accounts.is_empty() && rng.chance(FROM_ACCOUNT)).then(|| {
            // Squaring skews toward the first accounts: a few accounts send many leads.
            let u = rng.unit();
            &self.accounts[(u * u * self.accounts.len() as f64) as usize]
        });
        let market = account
            .and_then(|a| a.attributes.get("country"))
            .and_then(Scalar::as_text)
            .and_then(market)
            .unwrap_or_else(|| *rng.pick_weighted(markets));

        let first = *rng.pick(market.names.first);
        let last = *rng.pick(market.names.last);
        let (company, work_domain) = match account {
            Some(a) => (Some(a.name.clone()), a.domains.first().cloned()),
            None => {
                let mut c = Company::generate(rng, market);
                // Bounded: with a huge account list a clash is accepted rather than looping.
                for _ in 0..32 {
                    if !account_names.contains(&normalize_company_name(&c.brand)) {
                        break;
                    }
                    c = Company::generate(rng, market);
                }
                let name = c.legal_name(rng, market);
                (Some(name), Some(c.domain))
            }
        };
        // Free-mail sign-ups: rarer from known accounts, where the company name still matches.
        let free_share = if account.is_some() {
            0.08
        } else {
            FREE_MAIL_SHARE
        };
        let free_mail = rng.chance(free_share);
        let domain = if free_mail {
            if !market.local_free_mail.is_empty() && rng.chance(0.4) {
                (*rng.pick(market.local_free_mail)).to_owned()
            } else {
                (*rng.pick_weighted(FREE_MAIL)).to_owned()
            }
        } else {
            work_domain.unwrap_or_else(|| "example.com".to_owned())
        };
        let email = format!("{}@{domain}", email_local_part(rng, first, last));
        // People signing up with a private address often leave the company blank.
        let company = if free_mail && rng.chance(0.35) {
            None
        } else {
            company
        };

        let zone = *rng.pick(market.zones);
        let received_at = received_at(rng, zones.get(zone), self.start);

        let mut lead = Lead::new(String::new(), received_at).with_email(&email);
        lead.free_mail = free_mail;
        lead.first_name = Some(first.to_owned());
        lead.last_name = Some(last.to_owned());
        lead.company = company;
        // A few forms do not ask for the country.
        if rng.chance(0.97) {
            lead.country = Some(market.country.to_owned());
        }
        if rng.chance(0.8) {
            lead.phone = Some(phone(rng, market));
        }
        lead.source = Some((*rng.pick_weighted(SOURCES)).to_owned());

        let account_attr = |k: &str| account.and_then(|a| a.attributes.get(k)).cloned();
        if rng.chance(0.95) {
            let employees = account_attr("employees").unwrap_or_else(|| {
                let (lo, hi) = *rng.pick_weighted(EMPLOYEE_BANDS);
                Scalar::Number(rng.between(lo, hi) as f64)
            });
            lead.attributes.insert("employees".into(), employees);
        }
        if rng.chance(0.9) {
            let industry = account_attr("industry")
                .unwrap_or_else(|| Scalar::Text((*rng.pick_weighted(INDUSTRIES)).to_owned()));
            lead.attributes.insert("industry".into(), industry);
        }
        let language = if market.language != "en" && rng.chance(0.15) {
            "en"
        } else {
            market.language
        };
        lead.attributes
            .insert("language".into(), Scalar::Text(language.to_owned()));
        lead
    }
}

/// A receive time within a week of `start`: weekdays ten times as likely as weekend days,
/// and most leads during local business hours with a midday peak.
fn received_at(rng: &mut SplitMix64, tz: &TimeZone, start: Timestamp) -> Timestamp {
    let end = start.saturating_add(WINDOW).unwrap_or(start);
    let first_day = tz.to_datetime(start).date();
    // Local day 0 may begin before `start` (e.g. Sydney is ahead of UTC): retry out-of-window draws.
    for _ in 0..64 {
        let day_weights: Vec<(i64, u32)> = (0..=7)
            .map(|d| {
                let date = first_day.saturating_add(Span::new().days(d));
                let weekend = matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday);
                (d, if weekend { 1 } else { 10 })
            })
            .collect();
        let day = *rng.pick_weighted(&day_weights);
        let date = first_day.saturating_add(Span::new().days(day));
        let minute = if rng.chance(0.85) {
            // 08:00 to 18:30, triangular around 13:15.
            let t = (rng.unit() + rng.unit()) / 2.0;
            8 * 60 + (t * 630.0) as i64
        } else {
            rng.below(24 * 60) as i64
        };
        let second = rng.below(60) as i8;
        let local = date.at((minute / 60) as i8, (minute % 60) as i8, second, 0);
        if let Ok(zoned) = local.to_zoned_datetime(tz.clone()) {
            let ts = zoned.timestamp();
            if ts >= start && ts < end {
                return ts;
            }
        }
    }
    let offset = rng.below(WINDOW.as_secs() as u64) as i64;
    start
        .saturating_add(SignedDuration::from_secs(offset))
        .unwrap_or(start)
}

/// A plausible E.164 number for the market.
fn phone(rng: &mut SplitMix64, market: &Market) -> String {
    let mut s = market.phone_prefix.to_owned();
    // North American numbers: area code and exchange never start with 0 or 1.
    if market.phone_prefix == "+1" {
        s.push_str(&format!(
            "{}{:02}{}{:06}",
            rng.between(2, 9),
            rng.below(100),
            rng.between(2, 9),
            rng.below(1_000_000)
        ));
    } else {
        let digits = 12usize.saturating_sub(market.phone_prefix.len()) + rng.below(2) as usize;
        s.push_str(&rng.between(1, 9).to_string());
        for _ in 1..digits {
            s.push_str(&rng.below(10).to_string());
        }
    }
    s
}

/// Time zones looked up once per generation run.
#[derive(Default)]
struct ZoneCache(HashMap<&'static str, TimeZone>);

impl ZoneCache {
    fn get(&mut self, name: &'static str) -> &TimeZone {
        self.0.entry(name).or_insert_with(|| {
            TimeZone::get(name).unwrap_or_else(|e| panic!("bundled zone {name} is missing: {e}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::demo_accounts;

    fn start() -> Timestamp {
        DEFAULT_START.parse().unwrap()
    }

    #[test]
    fn same_seed_same_leads() {
        let accounts = demo_accounts(50);
        let a = demo_leads(300, 7, start(), &accounts);
        assert_eq!(a, demo_leads(300, 7, start(), &accounts));
        assert_ne!(a, demo_leads(300, 8, start(), &accounts));
    }

    #[test]
    fn realistic_mix() {
        let accounts = demo_accounts(200);
        let leads = demo_leads(2000, 1, start(), &accounts);
        assert!(
            leads
                .windows(2)
                .all(|w| w[0].received_at <= w[1].received_at)
        );
        let end = start().saturating_add(WINDOW).unwrap();
        assert!(
            leads
                .iter()
                .all(|l| l.received_at >= start() && l.received_at < end)
        );
        let count = |f: &dyn Fn(&Lead) -> bool| leads.iter().filter(|l| f(l)).count();
        let us = count(&|l| l.country.as_deref() == Some("US"));
        assert!((450..750).contains(&us), "{us} US leads");
        let free = count(&|l| l.free_mail);
        assert!((100..350).contains(&free), "{free} free-mail leads");
        let big = count(&|l| {
            l.attributes
                .get("employees")
                .and_then(Scalar::as_number)
                .is_some_and(|n| n >= 1000.0)
        });
        assert!((200..600).contains(&big), "{big} enterprise-size leads");
        let domains: std::collections::HashSet<&str> = accounts
            .iter()
            .flat_map(|a| a.domains.iter().map(String::as_str))
            .collect();
        let from_accounts = count(&|l| domains.contains(l.email_domain.as_deref().unwrap_or("")));
        assert!(
            (350..650).contains(&from_accounts),
            "{from_accounts} account leads"
        );
        // Weekdays dominate: under 10 % of leads on Saturday and Sunday (UTC).
        let weekend = count(&|l| {
            matches!(
                TimeZone::UTC.to_datetime(l.received_at).weekday(),
                Weekday::Saturday | Weekday::Sunday
            )
        });
        assert!(weekend < 200, "{weekend} weekend leads");
    }
}
