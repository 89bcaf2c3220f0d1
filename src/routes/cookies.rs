//! The two cookies the service sets (the organiser's session and the chosen
//! language), read and written through the `cookie` crate.
use axum::http::{HeaderMap, header};
use cookie::{Cookie, SameSite};

/// The value of the cookie `name` in a request, if it sent one.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Lax always, Secure over
/// https. A `max_age_secs` of 0 removes the cookie.
pub fn set(name: &str, value: &str, path: &str, max_age_secs: i64, secure: bool) -> String {
    Cookie::build((name, value))
        .path(path)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_cookie_among_several() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, "a=1; lang=en".parse().unwrap());
        headers.append(header::COOKIE, "anmalan_session=xyz".parse().unwrap());
        assert_eq!(read(&headers, "lang").as_deref(), Some("en"));
        assert_eq!(read(&headers, "anmalan_session").as_deref(), Some("xyz"));
        assert_eq!(read(&headers, "b"), None);
    }

    #[test]
    fn writes_the_attributes() {
        let set = set("lang", "en", "/", 60, true);
        for part in [
            "lang=en",
            "Path=/",
            "Max-Age=60",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
        ] {
            assert!(set.contains(part), "{set}");
        }
        assert!(!super::set("s", "", "/admin", 0, false).contains("Secure"));
    }
}
