//! Credentials as HTTP headers carry them: a named cookie among the `Cookie` headers, and a
//! bearer token in `Authorization`. Kept apart from the server so that a fuzzer can reach
//! them without building it.

/// The value of cookie `name` in `headers` (each a `Cookie` header's text: `a=1; b=2`), the
/// first one found.
pub fn cookie<'a>(headers: impl IntoIterator<Item = &'a str>, name: &str) -> Option<&'a str> {
    headers
        .into_iter()
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The token of an `Authorization: Bearer <token>` header's value.
pub fn bearer(value: &str) -> Option<&str> {
    value.strip_prefix("Bearer ").map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_several_headers_and_pairs() {
        let h = ["theme=dark", "a=1; kaifang_session=xyz; b=2"];
        assert_eq!(cookie(h, "kaifang_session"), Some("xyz"));
        assert_eq!(cookie(h, "kaifang"), None);
        assert_eq!(cookie(["kaifang_session"], "kaifang_session"), None);
        assert_eq!(cookie(["k=a=b"], "k"), Some("a=b"));
    }

    #[test]
    fn only_a_bearer_scheme_gives_a_token() {
        assert_eq!(bearer("Bearer  kf_abc "), Some("kf_abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("bearer abc"), None);
    }
}
