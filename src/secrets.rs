//! What counts as a secret, and masking it wherever endpoint-scale shows spec values: plans
//! (human and JSON, before and after), drift, and the source lines validation errors quote.
//!
//! A value is secret when the spec lists it under `secret_environment`, when its variable's
//! name says so (TOKEN, PASSWORD, ...), or when the value itself looks like a credential (a URL
//! with a password, an AWS access key id, a private key, well-known token formats), whatever its
//! name. Masking is for display only, so a false positive costs nothing; a false negative is the
//! reason the spec has `secret_environment`. `render` never masks: its output is the AWS calls
//! themselves. Real secrets belong in Secrets Manager or SSM Parameter Store, referenced by
//! name, not in a spec (docs/spec.md).

/// What a masked value shows as.
pub const MASK: &str = "(sensitive)";

/// Environment variable names that usually hold credentials.
pub fn secret_name(key: &str) -> bool {
    const MARKERS: &[&str] = &[
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "ACCESS_KEY",
        "AUTH",
    ];
    let upper = key.to_ascii_uppercase();
    MARKERS.iter().any(|m| upper.contains(m))
}

/// Values that are credentials whatever their variable is called.
pub fn looks_like_credential(value: &str) -> bool {
    let value = value.trim();
    url_with_password(value)
        || aws_access_key_id(value)
        || value.contains("-----BEGIN") && value.contains("PRIVATE KEY")
        || ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xoxb-", "xoxp-", "xoxa-", "sk_live_", "glpat-"]
            .iter()
            .any(|p| value.starts_with(p) && value.len() >= p.len() + 16)
        || jwt(value)
}

/// `scheme://user:password@host...`: the userinfo carries a password.
fn url_with_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit_once('@').is_some_and(|(userinfo, _)| userinfo.split_once(':').is_some_and(|(_, p)| !p.is_empty()))
}

/// An AWS access key id: a four-letter prefix and 16 upper-case letters or digits.
fn aws_access_key_id(value: &str) -> bool {
    const PREFIXES: &[&str] = &["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "ABIA", "ACCA"];
    value.len() == 20
        && PREFIXES.iter().any(|p| value.starts_with(p))
        && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A JSON Web Token: three base64url parts, the first two JSON objects (`eyJ`).
fn jwt(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[1].starts_with("eyJ")
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

/// Is this environment entry secret?
pub fn is_secret(key: &str, value: &str) -> bool {
    secret_name(key) || looks_like_credential(value)
}

/// The spec text with every secret value replaced by `*`s of the same length, so that quoted
/// source lines (validation errors) never show one, and every position stays where it was.
/// Secret: a `key: value` line whose key or value [`is_secret`], and every entry under a
/// `secret_environment:` key.
pub fn mask_source(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Indentation of the `secret_environment:` key whose block we are in.
    let mut secret_block: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start().len();
        let content = body.trim_start().trim_start_matches("- ");
        if !content.is_empty() && !content.starts_with('#') && secret_block.is_some_and(|i| indent <= i) {
            secret_block = None;
        }
        let Some((key, value)) = content.split_once(':') else {
            out.push_str(line);
            continue;
        };
        let key = key.trim().trim_matches(['"', '\'']);
        if key == "secret_environment" {
            secret_block = Some(indent);
        }
        let value_text = value.split(" #").next().unwrap_or_default().trim();
        let unquoted = value_text.trim_matches(['"', '\'']);
        let secret = !value_text.is_empty()
            && !value_text.starts_with('{')
            && (secret_block.is_some_and(|i| indent > i) || is_secret(key, unquoted));
        if secret {
            // Replace the value's characters (quotes kept) where it stands in the line.
            let at = body.len() - content.len() + key_end(content) + 1;
            let start = at + body[at..].find(value_text).unwrap_or(0);
            let masked: String = value_text.chars().map(|c| if c == '"' || c == '\'' { c } else { '*' }).collect();
            out.push_str(&body[..start]);
            out.push_str(&masked);
            out.push_str(&line[start + value_text.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Where the key of a `key: value` line ends (the first colon).
fn key_end(content: &str) -> usize {
    content.find(':').unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_by_name_and_by_value() {
        assert!(secret_name("FEATURE_STORE_TOKEN"));
        assert!(secret_name("db_password"));
        assert!(!secret_name("SAGEMAKER_TFS_DEFAULT_MODEL_NAME"));
        assert!(looks_like_credential("postgres://admin:pass@db.internal:5432/app"));
        assert!(!looks_like_credential("https://example.com/path?x=a:b@c"));
        assert!(!looks_like_credential("s3://bucket/key"));
        assert!(looks_like_credential("AKIAIOSFODNN7EXAMPLE"));
        assert!(!looks_like_credential("AKIA-not-a-key"));
        assert!(looks_like_credential("ghp_0123456789abcdefghijABCDEFGHIJ012345"));
        assert!(looks_like_credential("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"));
        assert!(looks_like_credential("-----BEGIN RSA PRIVATE KEY-----\nMIIE"));
        assert!(!looks_like_credential("recommender"));
    }

    #[test]
    fn source_lines_keep_their_shape_and_lose_their_secrets() {
        let text = "environment:\n  DB_PASSWORD: hunter2  # old\n  DATABASE_URL: \"postgres://a:b@h/d\"\n  MODE: fast\nsecret_environment:\n  PLAIN: opensesame\n  - OTHER: x\nvariants:\n  - name: v\n";
        assert_eq!(
            mask_source(text),
            "environment:\n  DB_PASSWORD: *******  # old\n  DATABASE_URL: \"******************\"\n  MODE: fast\nsecret_environment:\n  PLAIN: **********\n  - OTHER: *\nvariants:\n  - name: v\n"
        );
    }
}
