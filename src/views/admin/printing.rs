//! `/admin/events/{slug}/print`: name badges and the attendance list as
//! PDF, and the printed lists' translated content.
use std::collections::BTreeMap;

use maud::{Markup, html};

use crate::db::entities::event;
use crate::i18n::{Locale, format};
use crate::pdf::badges::Layout;
use crate::pdf::lists::{List, Section};
use crate::services::accounts::CurrentOrganiser;
use crate::services::items::{CatererSheet, ItemRoster, SheetChange, affiliation};
use crate::services::printing::Attendee;
use crate::views::admin::layout::{admin_page, counts};

/// What the print page shows.
pub struct PrintPage<'a> {
    pub event: &'a event::Model,
    pub confirmed: usize,
    pub new_or_changed: usize,
    /// The start label as typed, with an error, when it was refused.
    pub start_error: Option<(String, String)>,
    /// Said at the top (nothing to print).
    pub notice: Option<String>,
}

/// The page.
pub fn render(who: &CurrentOrganiser, page: &PrintPage<'_>, locale: Locale) -> Markup {
    let event = page.event;
    let base = format!("/admin/events/{}", event.slug);
    let title = locale.t("print.title");
    let start_value = page
        .start_error
        .as_ref()
        .map_or_else(|| "1".to_owned(), |(typed, _)| typed.clone());
    let start_error = page.start_error.as_ref().map(|(_, m)| m.as_str());
    admin_page(
        locale,
        Some(who),
        &format!("{title}: {}", event.title),
        &format!("{base}/print"),
        html! {
            p { a href=(base) { "← " (event.title) } }
            h1 { (title) }
            @if let Some(notice) = &page.notice { div class="notice" role="status" { p { (notice) } } }
            @if start_error.is_some() {
                div class="error-summary" role="alert" tabindex="-1" {
                    h2 { (locale.t("form.error_summary")) }
                    ul { li { a href="#start" { (start_error.unwrap_or_default()) } } }
                }
            }
            (counts(&[
                (locale.t("print.confirmed"), page.confirmed.to_string()),
                (locale.t("print.new_or_changed"), page.new_or_changed.to_string()),
            ]))
            h2 { (locale.t("print.badges")) }
            form method="post" action={ (base) "/badges.pdf" } novalidate {
                fieldset class="field" {
                    legend { (locale.t("print.layout")) }
                    @for (i, layout) in Layout::ALL.iter().enumerate() {
                        @let id = format!("layout-{}", layout.as_str());
                        div class="choice" {
                            input type="radio" id=(id) name="layout" value=(layout.as_str()) checked[i == 0];
                            label for=(id) { (locale.t(&format!("print.layout_{}", layout.as_str().replace('-', "_")))) }
                        }
                    }
                }
                fieldset class="field" {
                    legend { (locale.t("print.which")) }
                    div class="choice" {
                        input type="radio" id="which-all" name="which" value="all" checked[page.new_or_changed == page.confirmed];
                        label for="which-all" { (locale.t("print.which_all")) }
                    }
                    div class="choice" {
                        input type="radio" id="which-new" name="which" value="new" checked[page.new_or_changed != page.confirmed];
                        label for="which-new" { (locale.t("print.which_new")) }
                    }
                }
                div class="choice" {
                    input type="checkbox" id="per_municipality" name="per_municipality" value="yes";
                    label for="per_municipality" { (locale.t("print.per_municipality")) }
                }
                div class={ "field" @if start_error.is_some() { " field-error" } } {
                    label for="start" { (locale.t("print.start")) }
                    p class="hint" id="start-hint" { (locale.t("print.start_hint")) }
                    @if let Some(err) = start_error {
                        p class="error-message" id="start-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (err) }
                    }
                    input type="number" min="1" max="10" inputmode="numeric" id="start" name="start" value=(start_value)
                        aria-describedby={ "start-hint" @if start_error.is_some() { " start-error" } }
                        aria-invalid=[start_error.map(|_| "true")];
                }
                button type="submit" { (locale.t("print.make_badges")) }
            }
            h2 { (locale.t("print.lists")) }
            ul class="downloads" {
                li { a href={ (base) "/attendance.pdf" } { (locale.t("print.attendance_pdf")) } }
                li { a href={ (base) "/programme" } { (locale.t("print.item_lists")) } }
            }
        },
    )
}

/// The attendance list: one page per day of the event, grouped by
/// municipality (or organisation) with counts, and a column to sign.
pub fn attendance(
    event: &event::Model,
    days: &[chrono::NaiveDate],
    groups: &BTreeMap<String, Vec<Attendee>>,
    locale: Locale,
) -> List {
    let total: usize = groups.values().map(Vec::len).sum();
    let columns = vec![
        locale.t("field.name"),
        locale.t("field.role_title"),
        locale.t("print.signature"),
    ];
    let mut sections = Vec::new();
    for (index, day) in days.iter().enumerate() {
        for (position, (group, people)) in groups.iter().enumerate() {
            let mut heading = format!("{group} ({})", people.len());
            if position == 0 {
                heading = format!("{} – {heading}", format::long_date(*day, locale));
            }
            sections.push(Section {
                heading: Some(heading),
                lines: Vec::new(),
                columns: columns.clone(),
                widths: vec![3.0, 3.0, 3.0],
                rows: people
                    .iter()
                    .map(|a| vec![a.name.clone(), a.role.clone(), String::new()])
                    .collect(),
                tall: true,
                new_page: index > 0 && position == 0,
            });
        }
    }
    let tz = format::zone(&event.time_zone);
    List {
        title: format!("{}: {}", locale.t("print.attendance"), event.title),
        lang: locale.as_str().to_owned(),
        lines: vec![
            format!(
                "{}, {}",
                format::span(event.starts_at, event.ends_at, tz, locale),
                event.venue_name
            ),
            locale
                .t("print.attendance_total")
                .replace("%{count}", &total.to_string())
                .replace("%{groups}", &groups.len().to_string()),
        ],
        footer: event.title.clone(),
        sections,
    }
}

/// The caterer's sheet, printed.
pub fn caterer(sheet: &CatererSheet, event: &event::Model, locale: Locale) -> List {
    let tz = format::zone(&event.time_zone);
    let item = &sheet.item;
    let mut lines = vec![
        format::item_time(item.starts_at, item.ends_at, tz, locale),
        format!("{}: {}", locale.t("items.covers"), sheet.covers()),
        format!(
            "{}: {} · {}: {}",
            locale.t("items.registered_guests"),
            sheet.guests.len(),
            locale.t("items.extra_covers"),
            item.extra_covers
        ),
    ];
    lines.push(
        sheet
            .per_diet
            .iter()
            .map(|(diet, count)| format!("{}: {count}", locale.t(&diet.label_key())))
            .collect::<Vec<_>>()
            .join(" · "),
    );
    let mut sections = Vec::new();
    if !sheet.allergies.is_empty() {
        sections.push(Section {
            heading: Some(locale.t("field.allergens")),
            columns: vec![
                locale.t("print.allergen"),
                locale.t("print.count"),
                locale.t("print.who"),
            ],
            widths: vec![3.0, 1.0, 6.0],
            rows: sheet
                .allergies
                .iter()
                .map(|(a, names)| {
                    vec![
                        locale.t(&a.label_key()),
                        names.len().to_string(),
                        names.join(", "),
                    ]
                })
                .collect(),
            ..Section::default()
        });
    }
    let changes: Vec<String> = match sheet.previous {
        None => vec![locale.t("items.first_download")],
        Some(_) if sheet.changes.is_empty() => vec![locale.t("items.no_changes")],
        Some(_) => sheet
            .changes
            .iter()
            .map(|change| match change {
                SheetChange::Added(name) => format!("{}: {name}", locale.t("items.change_added")),
                SheetChange::Removed(name) => {
                    format!("{}: {name}", locale.t("items.change_removed"))
                }
                SheetChange::DietChanged(name) => {
                    format!("{}: {name}", locale.t("items.change_diet"))
                }
            })
            .collect(),
    };
    sections.push(Section {
        heading: Some(match sheet.previous {
            Some(at) => locale
                .t("items.changes_since")
                .replace("%{date}", &format::date_time(at, tz, locale)),
            None => locale.t("print.changes"),
        }),
        lines: changes,
        ..Section::default()
    });
    sections.push(Section {
        heading: Some(locale.t("print.guests")),
        columns: vec![
            locale.t("field.name"),
            locale.t("manage.affiliation"),
            locale.t("field.diet"),
            locale.t("field.allergens"),
            locale.t("field.dietary_needs"),
        ],
        widths: vec![3.0, 2.5, 1.6, 3.0, 3.0],
        rows: sheet
            .guests
            .iter()
            .map(|g| {
                vec![
                    g.name.clone(),
                    g.affiliation.clone(),
                    g.diet
                        .diet
                        .map(|d| locale.t(&d.label_key()))
                        .unwrap_or_default(),
                    g.diet
                        .allergens
                        .iter()
                        .map(|a| locale.t(&a.label_key()))
                        .collect::<Vec<_>>()
                        .join(", "),
                    g.notes.clone(),
                ]
            })
            .collect(),
        ..Section::default()
    });
    List {
        title: format!("{}: {}", locale.t("print.caterer"), item.title),
        lang: locale.as_str().to_owned(),
        lines,
        footer: event.title.clone(),
        sections,
    }
}

/// The visitor list, printed.
pub fn visitors(
    roster: &ItemRoster,
    event: &event::Model,
    members: &std::collections::HashMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
    locale: Locale,
) -> List {
    let tz = format::zone(&event.time_zone);
    let item = &roster.item;
    let mut lines = vec![format!(
        "{}{}",
        format::item_time(item.starts_at, item.ends_at, tz, locale),
        item.place
            .as_ref()
            .map(|p| format!(", {p}"))
            .unwrap_or_default()
    )];
    lines.push(format!(
        "{}: {}",
        locale.t("items.visitors"),
        roster.seated.len()
    ));
    if let Some(deadline) = item.choice_deadline {
        let key = if now >= deadline {
            "items.frozen"
        } else {
            "items.open_until"
        };
        lines.push(
            locale
                .t(key)
                .replace("%{date}", &format::date_time(deadline, tz, locale)),
        );
    }
    let row = |p: &crate::services::items::ItemPerson| {
        vec![
            p.registration.name.clone(),
            affiliation(&p.registration, members),
            p.registration.role_title.clone(),
            if p.choice.late {
                locale.t("items.yes")
            } else {
                String::new()
            },
        ]
    };
    let columns = vec![
        locale.t("field.name"),
        locale.t("manage.affiliation"),
        locale.t("field.role_title"),
        locale.t("items.late"),
    ];
    let mut sections = vec![Section {
        heading: Some(locale.t("items.visitors")),
        columns: columns.clone(),
        widths: vec![3.0, 3.0, 3.0, 1.5],
        rows: roster.seated.iter().map(row).collect(),
        ..Section::default()
    }];
    if !roster.queued.is_empty() {
        sections.push(Section {
            heading: Some(locale.t("items.queue")),
            columns,
            widths: vec![3.0, 3.0, 3.0, 1.5],
            rows: roster.queued.iter().map(row).collect(),
            ..Section::default()
        });
    }
    List {
        title: format!("{}: {}", locale.t("print.visitors"), item.title),
        lang: locale.as_str().to_owned(),
        lines,
        footer: event.title.clone(),
        sections,
    }
}

/// The participant list, printed: those with a seat who agreed to be on it.
pub fn participants(
    event: &event::Model,
    listed: &[crate::services::participants::Listed],
    locale: Locale,
) -> List {
    let tz = format::zone(&event.time_zone);
    List {
        title: format!("{}: {}", locale.t("participants.title"), event.title),
        lang: locale.as_str().to_owned(),
        lines: vec![
            format!(
                "{}, {}",
                format::span(event.starts_at, event.ends_at, tz, locale),
                event.venue_name
            ),
            locale
                .t("participants.caption")
                .replace("%{count}", &listed.len().to_string()),
        ],
        footer: event.title.clone(),
        sections: vec![Section {
            columns: vec![
                locale.t("participants.name"),
                locale.t("participants.role"),
                locale.t("participants.affiliation"),
            ],
            widths: vec![3.0, 3.0, 3.0],
            rows: listed
                .iter()
                .map(|p| vec![p.name.clone(), p.role_title.clone(), p.affiliation.clone()])
                .collect(),
            ..Section::default()
        }],
    }
}
