//! IANA time zone names, as PutScheduledAction's `Timezone` takes them. An unknown name gets
//! the closest known one as a suggestion when it is close enough to be a typo; an abbreviation
//! gets the zones it may mean, even when the tz database knows it as a legacy zone.

use chrono_tz::Tz;

use super::ScheduleError;
use crate::diagnostic::shorten;

/// Parses an IANA time zone name (as PutScheduledAction's `Timezone` takes it).
/// Unknown names get the closest known name as a suggestion when one is close enough; abbreviations
/// are refused with the zones they may mean.
pub fn parse_timezone(name: &str) -> Result<Tz, ScheduleError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(
            ScheduleError::new("time zone name is empty").help("use an IANA name such as `UTC` or `America/New_York`")
        );
    }
    if let Some((abbr, meanings)) = abbreviation(name) {
        let mut help = String::new();
        if name.parse::<Tz>().is_ok() {
            // The tz database keeps these as legacy zones: EST and MST are fixed offsets all year,
            // CET, EET and WET follow one country's rules. Neither is what "EST in summer" means.
            help.push_str(&format!(
                "the tz database's legacy zone `{abbr}` does not follow daylight saving time the way the place you mean does; "
            ));
        }
        help.push_str(&format!("it may mean {meanings}; write the IANA name"));
        return Err(ScheduleError::new(format!("`{}` is an abbreviation, not a time zone", shorten(name))).help(help));
    }
    if let Ok(tz) = name.parse::<Tz>() {
        return Ok(tz);
    }
    let err = ScheduleError::new(format!("unknown time zone `{}`", shorten(name)));
    match closest_tz(name) {
        Some(best) => Err(err.help(format!("did you mean `{best}`?"))),
        None => Err(err.help("use an IANA name such as `UTC` or `America/New_York`")),
    }
}

/// Time zone abbreviations people write for a zone, with the IANA zones they may mean. Several
/// are ambiguous (CST is US Central, China and Cuba), and the ones the tz database knows are
/// legacy zones with other rules, so a spec must name the place instead. Matched in any case.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("CST", "America/Chicago (US Central), Asia/Shanghai (China) or America/Havana (Cuba)"),
    ("CDT", "America/Chicago (US Central) or America/Havana (Cuba)"),
    ("EST", "America/New_York (US Eastern) or America/Toronto (Canada Eastern)"),
    ("EDT", "America/New_York (US Eastern) or America/Toronto (Canada Eastern)"),
    ("MST", "America/Denver (US Mountain) or America/Phoenix (Arizona, no daylight saving)"),
    ("MDT", "America/Denver (US Mountain)"),
    ("PST", "America/Los_Angeles (US Pacific)"),
    ("PDT", "America/Los_Angeles (US Pacific)"),
    ("AKST", "America/Anchorage (Alaska)"),
    ("AKDT", "America/Anchorage (Alaska)"),
    ("HST", "Pacific/Honolulu (Hawaii)"),
    ("AST", "America/Halifax (Atlantic Canada), America/Puerto_Rico (Puerto Rico) or Asia/Riyadh (Arabia)"),
    ("ADT", "America/Halifax (Atlantic Canada)"),
    ("BST", "Europe/London (British Summer Time) or Asia/Dhaka (Bangladesh)"),
    ("IST", "Asia/Kolkata (India), Europe/Dublin (Ireland) or Asia/Jerusalem (Israel)"),
    ("WET", "Europe/Lisbon (Portugal)"),
    ("WEST", "Europe/Lisbon (Portugal)"),
    ("CET", "Europe/Berlin, Europe/Paris or another Central European city"),
    ("CEST", "Europe/Berlin, Europe/Paris or another Central European city"),
    ("MET", "Europe/Berlin, Europe/Paris or another Central European city"),
    ("EET", "Europe/Athens, Europe/Helsinki or another Eastern European city"),
    ("EEST", "Europe/Athens, Europe/Helsinki or another Eastern European city"),
    ("MSK", "Europe/Moscow (Moscow)"),
    ("JST", "Asia/Tokyo (Japan)"),
    ("KST", "Asia/Seoul (South Korea)"),
    ("HKT", "Asia/Hong_Kong (Hong Kong)"),
    ("SGT", "Asia/Singapore (Singapore)"),
    ("AEST", "Australia/Sydney (New South Wales, Victoria) or Australia/Brisbane (Queensland, no daylight saving)"),
    ("AEDT", "Australia/Sydney (New South Wales, Victoria)"),
    ("ACST", "Australia/Adelaide (South Australia) or Australia/Darwin (Northern Territory)"),
    ("AWST", "Australia/Perth (Western Australia)"),
    ("NZST", "Pacific/Auckland (New Zealand)"),
    ("NZDT", "Pacific/Auckland (New Zealand)"),
];

fn abbreviation(name: &str) -> Option<(&'static str, &'static str)> {
    ABBREVIATIONS.iter().copied().find(|(abbr, _)| abbr.eq_ignore_ascii_case(name))
}

fn closest_tz(name: &str) -> Option<&'static str> {
    // Very long input cannot be a near miss; skip the quadratic work.
    if name.chars().count() > 64 {
        return None;
    }
    let wanted = name.to_lowercase();
    // Edit distance over chars rather than `did_you_mean`'s similarity score: the limit below is
    // a number of typos.
    let (distance, best) = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| (strsim::levenshtein(&wanted, &tz.name().to_lowercase()), tz.name()))
        .min_by_key(|(d, _)| *d)?;
    // Accept small typos only: a third of the name, at least 2 edits.
    let limit = (wanted.chars().count() / 3).max(2);
    (distance <= limit).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::test_support::NY;

    #[test]
    fn time_zones() {
        assert_eq!(parse_timezone("America/New_York"), Ok(NY));
        assert_eq!(parse_timezone("UTC"), Ok(Tz::UTC));
        assert_eq!(
            parse_timezone("America/NewYork"),
            Err(ScheduleError {
                message: "unknown time zone `America/NewYork`".to_string(),
                help: Some("did you mean `America/New_York`?".to_string()),
            })
        );
        assert_eq!(
            parse_timezone("europe/paris").map_err(|e| e.help),
            Err(Some("did you mean `Europe/Paris`?".to_string()))
        );
        assert_eq!(
            parse_timezone("Nowhere/Atlantis").map_err(|e| e.help),
            Err(Some("use an IANA name such as `UTC` or `America/New_York`".to_string()))
        );
        assert_eq!(parse_timezone("  ").map_err(|e| e.message), Err("time zone name is empty".to_string()));
        // Legacy aliases that are not abbreviations stay accepted.
        assert_eq!(parse_timezone("US/Eastern"), Ok(Tz::US__Eastern));
        assert_eq!(parse_timezone("GMT"), Ok(Tz::GMT));
        assert!(parse_timezone("Eurøpe/Parîs").is_err());
    }

    #[test]
    fn abbreviations_are_refused_with_the_zones_they_may_mean() {
        let refused = |name: &str| parse_timezone(name).map(|tz| tz.name().to_string()).unwrap_err();
        assert_eq!(
            refused("CST"),
            ScheduleError {
                message: "`CST` is an abbreviation, not a time zone".to_string(),
                help: Some(
                    "it may mean America/Chicago (US Central), Asia/Shanghai (China) or America/Havana (Cuba); write the IANA name"
                        .to_string()
                ),
            }
        );
        // In the tz database, so the help says why it is refused all the same.
        assert_eq!(
            refused("EST"),
            ScheduleError {
                message: "`EST` is an abbreviation, not a time zone".to_string(),
                help: Some(
                    "the tz database's legacy zone `EST` does not follow daylight saving time the way the place you mean does; it may mean America/New_York (US Eastern) or America/Toronto (Canada Eastern); write the IANA name"
                        .to_string()
                ),
            }
        );
        assert_eq!(refused("pdt").message, "`pdt` is an abbreviation, not a time zone");
        for (abbr, meanings) in ABBREVIATIONS {
            let help = refused(abbr).help.unwrap_or_default();
            assert!(help.ends_with(&format!("it may mean {meanings}; write the IANA name")), "{abbr}: {help}");
            // Every zone offered is one the database knows.
            for zone in meanings.split(&[' ', ','][..]).filter(|w| w.contains('/')) {
                assert!(zone.parse::<Tz>().is_ok(), "{abbr}: {zone}");
            }
        }
        for legacy in ["CET", "EET", "WET", "MET", "EST", "MST", "HST"] {
            assert!(refused(legacy).help.unwrap_or_default().starts_with("the tz database's legacy zone"), "{legacy}");
        }
    }
}
