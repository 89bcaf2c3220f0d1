//! Charts drawn on the server as SVG: no chart script. Each chart has a
//! title and description for assistive technology and a data table beside it.
use maud::{Markup, html};

use crate::i18n::Locale;
use crate::services::attendees::MunicipalityLine;

const BAR: &str = "#0b4f6c";
const MISSING: &str = "#b00020";

/// Registrations per day: vertical bars, one per day with registrations.
pub fn per_day(days: &[(String, u64)], locale: Locale) -> Markup {
    let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let bar_width = 24usize;
    let gap = 8usize;
    let height = 160usize;
    let width = (days.len().max(1)) * (bar_width + gap) + 40;
    let title = locale.t("admin.chart.per_day");
    html! {
        figure class="chart" {
            svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="per-day-title per-day-desc"
                width=(width) height=(height + 40) viewBox={ "0 0 " (width) " " (height + 40) } {
                title id="per-day-title" { (title) }
                desc id="per-day-desc" { (locale.t("admin.chart.per_day_desc")) }
                line x1="30" y1=(height) x2=(width) y2=(height) stroke="#4a4a4a" {}
                text x="0" y="12" font-size="12" fill="#1b1b1b" { (max) }
                @for (i, (day, count)) in days.iter().enumerate() {
                    @let h = (*count as usize * (height - 20)) / max as usize;
                    @let x = 34 + i * (bar_width + gap);
                    rect x=(x) y=(height - h) width=(bar_width) height=(h) fill=(BAR) {}
                    text x=(x) y=(height + 14) font-size="10" fill="#1b1b1b" { (day.get(5..).unwrap_or(day)) }
                }
            }
            figcaption { (title) }
            details {
                summary { (locale.t("admin.chart.table")) }
                table class="data" {
                    thead { tr { th scope="col" { (locale.t("admin.chart.day")) } th scope="col" class="num" { (locale.t("admin.chart.registrations")) } } }
                    tbody { @for (day, count) in days { tr { th scope="row" { (day) } td class="num" { (count) } } } }
                }
            }
        }
    }
}

/// The member municipalities: horizontal bars of registered people, with a
/// red ring marking those not yet represented.
pub fn municipalities(lines: &[MunicipalityLine], locale: Locale) -> Markup {
    let max = lines
        .iter()
        .map(|l| l.confirmed + l.waitlisted)
        .max()
        .unwrap_or(0)
        .max(1);
    let row = 22usize;
    let label = 120usize;
    let plot = 300usize;
    let height = lines.len() * row + 10;
    let width = label + plot + 60;
    let title = locale.t("admin.chart.municipalities");
    html! {
        figure class="chart" {
            svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="muni-title muni-desc"
                width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) } {
                title id="muni-title" { (title) }
                desc id="muni-desc" { (locale.t("admin.chart.municipalities_desc")) }
                @for (i, line) in lines.iter().enumerate() {
                    @let y = 5 + i * row;
                    @let count = line.confirmed + line.waitlisted;
                    @let w = (count as usize * plot) / max as usize;
                    text x="0" y=(y + 15) font-size="12" fill="#1b1b1b" { (line.name) }
                    @if count > 0 {
                        rect x=(label) y=(y + 3) width=(w.max(2)) height="14" fill=(BAR) {}
                        text x=(label + w + 6) y=(y + 15) font-size="12" fill="#1b1b1b" { (count) }
                    } @else {
                        circle cx=(label + 7) cy=(y + 10) r="6" fill="none" stroke=(MISSING) stroke-width="2" {}
                        text x=(label + 18) y=(y + 15) font-size="12" fill=(MISSING) { (locale.t("admin.chart.not_represented")) }
                    }
                }
            }
            figcaption { (title) " " (locale.t("admin.chart.table_below")) }
        }
    }
}
