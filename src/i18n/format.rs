//! Dates and times as people read them: Swedish style in Swedish
//! ("måndag 6 april 2026 kl. 10.00"), British style in English.
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Locale;

/// The event's zone, or Stockholm if it is somehow not a valid zone.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::Europe::Stockholm)
}

fn chrono_locale(locale: Locale) -> chrono::Locale {
    match locale {
        Locale::Sv => chrono::Locale::sv_SE,
        Locale::En => chrono::Locale::en_GB,
    }
}

/// A full date and time: "måndag 6 april 2026 kl. 10.00".
pub fn date_time(at: DateTime<Utc>, tz: Tz, locale: Locale) -> String {
    let pattern = match locale {
        Locale::Sv => "%A %-d %B %Y kl. %H.%M",
        Locale::En => "%A %-d %B %Y, %H:%M",
    };
    at.with_timezone(&tz)
        .format_localized(pattern, chrono_locale(locale))
        .to_string()
}

/// A time of day: "10.00" or "10:00".
pub fn time(at: DateTime<Utc>, tz: Tz, locale: Locale) -> String {
    let pattern = match locale {
        Locale::Sv => "%H.%M",
        Locale::En => "%H:%M",
    };
    at.with_timezone(&tz).format(pattern).to_string()
}

/// A date without time: "måndag 6 april".
pub fn day(at: DateTime<Utc>, tz: Tz, locale: Locale) -> String {
    at.with_timezone(&tz)
        .format_localized("%A %-d %B", chrono_locale(locale))
        .to_string()
}

/// A calendar date: "måndag 6 april 2026".
pub fn long_date(date: chrono::NaiveDate, locale: Locale) -> String {
    date.format_localized("%A %-d %B %Y", chrono_locale(locale))
        .to_string()
}

/// A span: "tisdag 29 juni 2027 kl. 10.00–11.30" when it ends the same day,
/// otherwise both ends in full.
pub fn span(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz, locale: Locale) -> String {
    if start.with_timezone(&tz).date_naive() == end.with_timezone(&tz).date_naive() {
        format!("{}–{}", date_time(start, tz, locale), time(end, tz, locale))
    } else {
        format!(
            "{} – {}",
            date_time(start, tz, locale),
            date_time(end, tz, locale)
        )
    }
}

/// When a programme item takes place, as one line: "6 april 13:00–16:00".
pub fn item_time(
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    tz: Tz,
    locale: Locale,
) -> String {
    let mut line = format!(
        "{} {}",
        day(starts_at, tz, locale),
        time(starts_at, tz, locale)
    );
    if let Some(end) = ends_at {
        line.push_str(&format!("–{}", time(end, tz, locale)));
    }
    line
}

/// Where a chosen item stands: "Plats", "I kö, plats 3", …
pub fn choice_status(line: &crate::domain::choice::ChoiceLine, locale: Locale) -> String {
    locale
        .t(&format!("choice.{}", line.status.as_str()))
        .replace("%{position}", &line.position.unwrap_or(0).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn swedish_times_are_written_the_swedish_way() {
        let start = Utc.with_ymd_and_hms(2026, 4, 6, 8, 0, 0).unwrap();
        let stockholm = chrono_tz::Europe::Stockholm;
        assert_eq!(
            date_time(start, stockholm, Locale::Sv),
            "måndag 6 april 2026 kl. 10.00"
        );
        assert_eq!(
            date_time(start, stockholm, Locale::En),
            "Monday 6 April 2026, 10:00"
        );
        let end = Utc.with_ymd_and_hms(2026, 4, 6, 9, 30, 0).unwrap();
        assert_eq!(
            span(start, end, stockholm, Locale::Sv),
            "måndag 6 april 2026 kl. 10.00–11.30"
        );
    }
}
