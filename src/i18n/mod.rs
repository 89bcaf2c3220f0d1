//! The user's language. Swedish first, English second. Messages live in
//! `sv.yml` and `en.yml` beside this file (rust-i18n, compiled in).

pub mod format;
pub mod questions;

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    Sv,
    En,
}

impl Locale {
    /// The BCP 47 tag, used for `lang` attributes and catalogue lookups.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Sv => "sv",
            Locale::En => "en",
        }
    }

    /// Parses a stored or requested tag (`sv`, `sv-SE`, `en-GB`, …).
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "sv" => Some(Locale::Sv),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The other language, for the language switch.
    pub fn other(self) -> Self {
        match self {
            Locale::Sv => Locale::En,
            Locale::En => Locale::Sv,
        }
    }

    /// Picks the best supported language from an `Accept-Language` header,
    /// honouring q-values; Swedish when nothing matches.
    pub fn from_accept_language(header: &str) -> Self {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let Some(locale) = pieces.next().and_then(Locale::parse) else {
                continue;
            };
            let quality = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, locale));
            }
        }
        best.map_or(Locale::Sv, |(_, locale)| locale)
    }

    /// Looks up a message.
    pub fn t(self, key: &str) -> String {
        rust_i18n::t!(key, locale = self.as_str()).into_owned()
    }

    /// [`Locale::t`] with `%{name}` placeholders filled in.
    pub fn t_with(self, key: &str, args: &[(&str, &str)]) -> String {
        args.iter().fold(self.t(key), |text, (name, value)| {
            text.replace(&format!("%{{{name}}}"), value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Locale;

    #[test]
    fn accept_language_prefers_the_highest_quality_supported_tag() {
        assert_eq!(
            Locale::from_accept_language("en-GB,en;q=0.9,sv;q=0.8"),
            Locale::En
        );
        assert_eq!(
            Locale::from_accept_language("de-DE, sv;q=0.5, en;q=0.4"),
            Locale::Sv
        );
        assert_eq!(Locale::from_accept_language("fr"), Locale::Sv);
        assert_eq!(Locale::from_accept_language(""), Locale::Sv);
        assert_eq!(Locale::from_accept_language("en;q=0"), Locale::Sv);
    }

    #[test]
    fn every_swedish_message_has_an_english_twin() {
        let sv = rust_i18n::available_locales!();
        assert!(sv.contains(&"sv") && sv.contains(&"en"));
        assert_eq!(Locale::Sv.t("nav.home"), "Evenemang");
        assert_eq!(Locale::En.t("nav.home"), "Events");
    }
}
