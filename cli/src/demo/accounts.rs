//! Demo accounts: fictitious companies with domains, size, industry and (for many) an
//! owner among the demo policy's reps, so sticky routing shows up in simulations.

use std::collections::{BTreeMap, HashSet};

use switchboard_routing::{Account, Scalar, normalize_company_name};

use super::company::Company;
use super::markets::{DEMO_OWNERS, INDUSTRIES, MARKETS, Market};
use super::prng::SplitMix64;

/// How many accounts `demo accounts` and `simulate --demo` use unless told otherwise.
pub const DEFAULT_ACCOUNT_COUNT: usize = 200;

/// Accounts are generated from a fixed seed, independent of the lead seed, so that a lead
/// file and an account file generated separately always refer to the same companies.
const ACCOUNT_SEED: u64 = 0xACC0_0175;

/// Accounts skew larger than inbound leads: they are the companies sales already works.
const ACCOUNT_SIZE_BANDS: &[((u64, u64), u32)] = &[
    ((11, 50), 10),
    ((51, 200), 25),
    ((201, 999), 30),
    ((1000, 4999), 25),
    ((5000, 50_000), 10),
];

/// The first `count` demo accounts. The list is prefix-stable: the first 50 of
/// `demo_accounts(200)` equal `demo_accounts(50)`.
pub fn demo_accounts(count: usize) -> Vec<Account> {
    let mut rng = SplitMix64::new(ACCOUNT_SEED);
    let markets: Vec<(&Market, u32)> = MARKETS.iter().map(|m| (m, m.weight)).collect();
    let mut taken_names = HashSet::new();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let market = *rng.pick_weighted(&markets);
        let company = Company::generate(&mut rng, market);
        // One account per brand: a second "Cobaltforge" would make name matching ambiguous.
        if !taken_names.insert(normalize_company_name(&company.brand)) {
            continue;
        }
        let mut domains = vec![company.domain.clone()];
        if !company.domain.ends_with(".com") && rng.chance(0.25) {
            let base = company.domain.split('.').next().unwrap_or_default();
            domains.push(format!("{base}.com"));
        }
        let owners = DEMO_OWNERS
            .iter()
            .find(|(c, _)| *c == market.country)
            .map(|(_, o)| *o);
        let owner = match owners {
            Some(o) if rng.chance(0.6) => Some((*rng.pick(o)).to_owned()),
            _ => None,
        };
        let (lo, hi) = *rng.pick_weighted(ACCOUNT_SIZE_BANDS);
        let employees = rng.between(lo, hi) as f64;
        let industry = *rng.pick_weighted(INDUSTRIES);
        let attributes = BTreeMap::from([
            (
                "country".to_owned(),
                Scalar::Text(market.country.to_owned()),
            ),
            ("employees".to_owned(), Scalar::Number(employees)),
            ("industry".to_owned(), Scalar::Text(industry.to_owned())),
        ]);
        out.push(Account {
            id: format!("ACC-{:04}", out.len() + 1),
            name: company.legal_name(&mut rng, market),
            domains,
            owner,
            attributes,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_stable_and_unique() {
        let all = demo_accounts(120);
        assert_eq!(demo_accounts(30), all[..30].to_vec());
        let domains: HashSet<_> = all.iter().flat_map(|a| a.domains.iter()).collect();
        assert_eq!(
            domains.len(),
            all.iter().map(|a| a.domains.len()).sum::<usize>()
        );
        let owned = all.iter().filter(|a| a.owner.is_some()).count();
        assert!(owned > 20 && owned < 100, "{owned} owned");
    }
}
