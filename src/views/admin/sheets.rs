//! The caterer's sheet and the visitor list as rows of cells, in the
//! organiser's language, for the CSV and XLSX writers of [`crate::export`].
//! Both start with a few summary lines, then a blank line, then one row per
//! person under a heading row.
use std::collections::HashMap;

use crate::domain::choice::Diet;
use crate::export::Cell;
use crate::i18n::{Locale, format};
use crate::services::items::{CatererSheet, ItemRoster, SheetChange, affiliation};

/// Column widths of the caterer's sheet, in Excel character units.
pub const CATERER_WIDTHS: [f64; 6] = [34.0, 26.0, 20.0, 40.0, 36.0, 18.0];
/// Column widths of the visitor list.
pub const VISITOR_WIDTHS: [f64; 5] = [34.0, 30.0, 30.0, 18.0, 12.0];

fn heading(text: String) -> Vec<Cell> {
    vec![Cell::Heading(text)]
}

fn line(label: String, value: Cell) -> Vec<Cell> {
    vec![Cell::Text(label), value]
}

fn yes(flag: bool, locale: Locale) -> Cell {
    if flag {
        Cell::Text(locale.t("items.yes"))
    } else {
        Cell::Empty
    }
}

/// The caterer's sheet: covers (with the extras), guests per kind of meal,
/// each allergen with names, what changed since the previous download, and
/// the guests.
pub fn caterer(sheet: &CatererSheet, tz: chrono_tz::Tz, locale: Locale) -> Vec<Vec<Cell>> {
    let item = &sheet.item;
    let mut rows = vec![
        vec![
            Cell::Heading(item.title.clone()),
            Cell::text(format::item_time(item.starts_at, item.ends_at, tz, locale)),
        ],
        line(locale.t("items.covers"), Cell::count(sheet.covers())),
        line(
            locale.t("items.registered_guests"),
            Cell::count(sheet.guests.len() as u64),
        ),
        line(
            locale.t("items.extra_covers"),
            Cell::count(u64::try_from(item.extra_covers.max(0)).unwrap_or(0)),
        ),
    ];
    for (diet, count) in &sheet.per_diet {
        rows.push(line(locale.t(&diet.label_key()), Cell::count(*count)));
    }
    for (allergen, names) in &sheet.allergies {
        rows.push(vec![
            Cell::text(locale.t(&allergen.label_key())),
            Cell::count(names.len() as u64),
            Cell::text(names.join(", ")),
        ]);
    }
    rows.push(Vec::new());
    match sheet.previous {
        None => rows.push(heading(locale.t("items.first_download"))),
        Some(at) => {
            rows.push(heading(
                locale
                    .t("items.changes_since")
                    .replace("%{date}", &format::date_time(at, tz, locale)),
            ));
            if sheet.changes.is_empty() {
                rows.push(vec![Cell::text(locale.t("items.no_changes"))]);
            }
            for change in &sheet.changes {
                let (key, name) = match change {
                    SheetChange::Added(name) => ("items.change_added", name),
                    SheetChange::Removed(name) => ("items.change_removed", name),
                    SheetChange::DietChanged(name) => ("items.change_diet", name),
                };
                rows.push(vec![Cell::text(locale.t(key)), Cell::text(name.clone())]);
            }
        }
    }
    rows.push(Vec::new());
    rows.push(
        [
            "field.name",
            "manage.affiliation",
            "field.diet",
            "field.allergens",
            "field.dietary_needs",
            "items.late",
        ]
        .iter()
        .map(|key| Cell::Heading(locale.t(key)))
        .collect(),
    );
    for guest in &sheet.guests {
        let allergens: Vec<String> = guest
            .diet
            .allergens
            .iter()
            .map(|a| locale.t(&a.label_key()))
            .collect();
        rows.push(vec![
            Cell::text(guest.name.clone()),
            Cell::text(guest.affiliation.clone()),
            Cell::text(locale.t(&guest.diet.diet.unwrap_or(Diet::Ordinary).label_key())),
            Cell::text(allergens.join(", ")),
            Cell::text(guest.notes.clone()),
            yes(guest.late, locale),
        ]);
    }
    rows
}

/// The visitor list of an item: who holds a seat (name, municipality,
/// role), then the queue in order. After the item's deadline only
/// organisers change it, and their changes are marked.
pub fn visitors(
    roster: &ItemRoster,
    members: &HashMap<String, String>,
    tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
    locale: Locale,
) -> Vec<Vec<Cell>> {
    let item = &roster.item;
    let mut rows = vec![
        vec![
            Cell::Heading(item.title.clone()),
            Cell::text(format::item_time(item.starts_at, item.ends_at, tz, locale)),
            Cell::text(item.place.clone().unwrap_or_default()),
        ],
        line(
            locale.t("items.visitors"),
            Cell::count(roster.seated.len() as u64),
        ),
    ];
    if let Some(deadline) = item.choice_deadline {
        let key = if now >= deadline {
            "items.frozen"
        } else {
            "items.open_until"
        };
        rows.push(vec![Cell::text(
            locale
                .t(key)
                .replace("%{date}", &format::date_time(deadline, tz, locale)),
        )]);
    }
    rows.push(Vec::new());
    rows.push(
        [
            "field.name",
            "manage.affiliation",
            "field.role_title",
            "items.late",
            "admin.export.position",
        ]
        .iter()
        .map(|key| Cell::Heading(locale.t(key)))
        .collect(),
    );
    for person in roster.seated.iter().chain(&roster.queued) {
        let r = &person.registration;
        rows.push(vec![
            Cell::text(r.name.clone()),
            Cell::text(affiliation(r, members)),
            Cell::text(r.role_title.clone()),
            yes(person.choice.late, locale),
            person.position.map_or(Cell::Empty, Cell::count),
        ]);
    }
    rows
}
