//! `/admin/events/{slug}/participants`: the participant list as the
//! participants see it, with its exports.
use maud::{Markup, html};

use crate::db::entities::event;
use crate::export::Cell;
use crate::i18n::Locale;
use crate::services::accounts::CurrentOrganiser;
use crate::services::participants::Listed;
use crate::views::admin::layout::admin_page;

/// Column widths of the exported list.
pub const WIDTHS: [f64; 3] = [30.0, 34.0, 30.0];

/// The list's rows for CSV and XLSX: a heading row, then one per person.
pub fn rows(listed: &[Listed], locale: Locale) -> Vec<Vec<Cell>> {
    let mut rows = vec![vec![
        Cell::Heading(locale.t("participants.name")),
        Cell::Heading(locale.t("participants.role")),
        Cell::Heading(locale.t("participants.affiliation")),
    ]];
    rows.extend(listed.iter().map(|p| {
        vec![
            Cell::text(&p.name),
            Cell::text(&p.role_title),
            Cell::text(&p.affiliation),
        ]
    }));
    rows
}

/// The participant list page.
pub fn render(
    who: &CurrentOrganiser,
    event: &event::Model,
    listed: &[Listed],
    locale: Locale,
) -> Markup {
    let base = format!("/admin/events/{}", event.slug);
    let title = locale.t("participants.title");
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/participants"),
        html! {
            p { a href=(base) { "← " (event.title) } }
            h1 { (title) }
            p { (locale.t("participants.admin_intro")) }
            ul class="exports" {
                li { a href={ (base) "/participants.csv" } download { (locale.t("participants.export_csv")) } }
                li { a href={ (base) "/participants.xlsx" } download { (locale.t("participants.export_xlsx")) } }
                li { a href={ (base) "/participants.pdf" } download { (locale.t("participants.export_pdf")) } }
            }
            (crate::views::public::participants::table(listed, locale))
        },
    )
}
