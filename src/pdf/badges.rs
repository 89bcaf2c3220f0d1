//! Name badges: the sheet layouts, and which badge goes in which cell.
use serde::Serialize;

/// The template.
pub const TEMPLATE: &str = include_str!("badges.typ");

/// A sheet layout: A4 cut into equal badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// 10 badges of 90 × 54 mm (2 × 5), the common badge-holder size.
    #[default]
    Card,
    /// 4 × A6 (105 × 148 mm, 2 × 2).
    A6,
    /// 8 × A7 (105 × 74 mm, 2 × 4).
    A7,
}

impl Layout {
    pub const ALL: [Layout; 3] = [Layout::Card, Layout::A6, Layout::A7];

    /// As in a form or a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Card => "a4-10",
            Layout::A6 => "a4-4-a6",
            Layout::A7 => "a4-8-a7",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// Badges per sheet.
    pub fn per_sheet(self) -> usize {
        let spec = self.spec();
        (spec.columns * spec.rows) as usize
    }

    /// Sizes in millimetres and points, for the template.
    pub fn spec(self) -> LayoutSpec {
        match self {
            Layout::Card => LayoutSpec {
                width: 90.0,
                height: 54.0,
                columns: 2,
                rows: 5,
                margin_x: 15.0,
                margin_y: 13.5,
                pad: 5.0,
                name_size: 20.0,
                detail_size: 11.0,
                event_size: 7.0,
            },
            Layout::A6 => LayoutSpec {
                width: 105.0,
                height: 148.0,
                columns: 2,
                rows: 2,
                margin_x: 0.0,
                margin_y: 0.5,
                pad: 10.0,
                name_size: 32.0,
                detail_size: 16.0,
                event_size: 10.0,
            },
            Layout::A7 => LayoutSpec {
                width: 105.0,
                height: 74.0,
                columns: 2,
                rows: 4,
                margin_x: 0.0,
                margin_y: 0.5,
                pad: 6.0,
                name_size: 22.0,
                detail_size: 12.0,
                event_size: 8.0,
            },
        }
    }
}

/// A layout's measures.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LayoutSpec {
    pub width: f64,
    pub height: f64,
    pub columns: u32,
    pub rows: u32,
    pub margin_x: f64,
    pub margin_y: f64,
    pub pad: f64,
    pub name_size: f64,
    pub detail_size: f64,
    pub event_size: f64,
}

/// What one badge says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Badge {
    pub name: String,
    pub role: String,
    /// The member municipality, or the organisation.
    pub affiliation: String,
    pub event: String,
}

/// The sheets to print: cells in reading order, `None` for an empty one.
/// The first sheet starts at label `start_at` (1-based; the labels before
/// it are used already). With `per_municipality`, each affiliation starts
/// on a new sheet. `badges` come sorted.
pub fn sheets(
    badges: Vec<Badge>,
    layout: Layout,
    start_at: usize,
    per_municipality: bool,
) -> Vec<Vec<Option<Badge>>> {
    let per_sheet = layout.per_sheet();
    let skip = start_at.clamp(1, per_sheet) - 1;
    let mut cells: Vec<Option<Badge>> = vec![None; skip];
    let mut previous: Option<String> = None;
    for badge in badges {
        let new_group = previous.as_ref() != Some(&badge.affiliation);
        if per_municipality && new_group && previous.is_some() {
            while !cells.len().is_multiple_of(per_sheet) {
                cells.push(None);
            }
        }
        previous = Some(badge.affiliation.clone());
        cells.push(Some(badge));
    }
    while !cells.len().is_multiple_of(per_sheet) {
        cells.push(None);
    }
    cells.chunks(per_sheet).map(<[_]>::to_vec).collect()
}

/// The template's data.
#[derive(Debug, Serialize)]
struct BadgeDocument {
    title: String,
    lang: String,
    layout: LayoutSpec,
    pages: Vec<Vec<Option<Badge>>>,
}

/// Renders the sheets as a tagged PDF.
pub async fn render(
    title: String,
    lang: &str,
    layout: Layout,
    pages: Vec<Vec<Option<Badge>>>,
) -> anyhow::Result<Vec<u8>> {
    let document = BadgeDocument {
        title,
        lang: lang.to_owned(),
        layout: layout.spec(),
        pages,
    };
    super::render_blocking(TEMPLATE, document).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn badge(name: &str, place: &str) -> Badge {
        Badge {
            name: name.to_owned(),
            role: "KSO".to_owned(),
            affiliation: place.to_owned(),
            event: "Mötet".to_owned(),
        }
    }

    #[test]
    fn a_partly_used_sheet_starts_at_its_label_and_municipalities_can_start_sheets() {
        let list = vec![
            badge("A", "Luleå"),
            badge("B", "Luleå"),
            badge("C", "Skellefteå"),
        ];
        let pages = sheets(list.clone(), Layout::A6, 3, false);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0][..2], [None, None]);
        assert_eq!(pages[0][2].as_ref().unwrap().name, "A");
        assert_eq!(pages[1][0].as_ref().unwrap().name, "C");

        let pages = sheets(list, Layout::A6, 1, true);
        assert_eq!(pages.len(), 2, "Skellefteå on its own sheet");
        assert_eq!(pages[0][2], None);
        assert_eq!(pages[1][0].as_ref().unwrap().name, "C");
    }

    #[test]
    fn a_badge_with_every_kind_of_name_typesets_into_a_pdf() {
        let list = vec![
            badge("Åsa Öberg-Ängström", "Oskarshamn"),
            badge("Ζωή Παπαδοπούλου", "Luleå"),
            badge("Дмитрий Иванов", "Luleå"),
            badge("ქეთევან ბერიძე", "Luleå"),
            badge(
                "Maria-Magdalena Charlotta von Württemberg-Hohenzollern af Skellefteå",
                "Skellefteå",
            ),
        ];
        let spec = Layout::Card.spec();
        let document = BadgeDocument {
            title: "Namnbrickor".into(),
            lang: "sv".into(),
            layout: spec,
            pages: sheets(list, Layout::Card, 1, false),
        };
        let (pdf, warnings) = crate::pdf::render(TEMPLATE, &document).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
