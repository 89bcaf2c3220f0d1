//! A printed list (attendance list, caterer's sheet, visitor list): the
//! data of `list.typ`, already translated.
use serde::Serialize;

/// The template.
pub const TEMPLATE: &str = include_str!("list.typ");

/// A whole list.
#[derive(Debug, Clone, Serialize)]
pub struct List {
    /// The document title: the first heading and the PDF's title.
    pub title: String,
    /// `sv` or `en`, for hyphenation and the screen reader's voice.
    pub lang: String,
    /// Summary lines under the title.
    pub lines: Vec<String>,
    /// Repeated at the foot of every page, beside the page number.
    pub footer: String,
    pub sections: Vec<Section>,
}

/// A heading, lines of text, and a table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Section {
    pub heading: Option<String>,
    pub lines: Vec<String>,
    /// Column headings; no table when empty.
    pub columns: Vec<String>,
    /// Relative column widths, one per column.
    pub widths: Vec<f64>,
    pub rows: Vec<Vec<String>>,
    /// Taller rows, for a signature.
    pub tall: bool,
    /// Start on a new page.
    pub new_page: bool,
}

/// Renders a list as a tagged PDF.
pub async fn render(list: List) -> anyhow::Result<Vec<u8>> {
    super::render_blocking(TEMPLATE, list).await
}
