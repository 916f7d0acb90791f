//! IANA time zone names, as PutScheduledAction's `Timezone` takes them. An unknown name gets
//! the closest known one as a suggestion when it is close enough to be a typo.

use chrono_tz::Tz;

use super::ScheduleError;
use crate::diagnostic::shorten;

/// Parses an IANA time zone name (as PutScheduledAction's `Timezone` takes it).
/// Unknown names get the closest known name as a suggestion when one is close enough.
pub fn parse_timezone(name: &str) -> Result<Tz, ScheduleError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(
            ScheduleError::new("time zone name is empty").help("use an IANA name such as `UTC` or `America/New_York`")
        );
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
        assert!(parse_timezone("Eurøpe/Parîs").is_err());
    }
}
