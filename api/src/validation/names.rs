//! Name rules shared by the kinds (Kubernetes' DNS label and subdomain rules, env and output names).

/// A DNS-1123 label: lowercase alphanumerics and `-`, starting and ending alphanumeric, 1–63 bytes.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A DNS-1123 subdomain: dot-separated DNS labels, at most 253 bytes.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// An environment variable name: letters, digits, `_`, `-`, `.`, not starting with a digit.
pub fn is_env_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= crate::limits::ENV_NAME_MAX_BYTES
        && !b[0].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// An output key: `^[A-Za-z_][A-Za-z0-9_.-]*$`, at most 128 bytes.
pub fn is_output_key(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= crate::limits::OUTPUT_KEY_MAX_BYTES
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// A SHA-256 digest as the API writes it (`spec.component.sha256`): 64 lowercase hex digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_64_lowercase_hex_digits() {
        assert!(is_sha256(&"0a".repeat(32)));
        for bad in [
            "",
            "0a",
            &"0A".repeat(32),
            &"0g".repeat(32),
            &"0".repeat(65),
        ] {
            assert!(!is_sha256(bad), "{bad}");
        }
    }

    #[test]
    fn dns_labels_follow_rfc_1123() {
        for ok in ["a", "bash", "py-3", "0abc", &"a".repeat(63)] {
            assert!(is_dns_label(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
    }

    #[test]
    fn subdomains_are_dotted_labels() {
        assert!(is_dns_subdomain("my-secret.v1"));
        assert!(!is_dns_subdomain("a..b"));
        assert!(!is_dns_subdomain(&"a".repeat(254)));
    }

    #[test]
    fn env_and_output_names() {
        assert!(is_env_name("PATH") && is_env_name("_x.y-z") && is_env_name("lower"));
        assert!(!is_env_name("1A") && !is_env_name("A=B") && !is_env_name(""));
        assert!(is_output_key("result") && is_output_key("_a.b-c"));
        assert!(!is_output_key("1x") && !is_output_key("a b") && !is_output_key("-a"));
    }
}
