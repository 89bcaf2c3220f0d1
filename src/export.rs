//! Attendee-list exports for organisers: CSV (whole file or chunk-by-chunk for
//! HTTP streaming) and XLSX (constant-memory, so large events stay cheap).
//!
//! Attendees type their own names and organisations, and an export is opened
//! in a spreadsheet by someone else (CSV/formula injection). In CSV every
//! free-text cell goes through [`neutralise`], since a spreadsheet guesses
//! what a CSV field is. XLSX says what a cell is: text goes in as typed, as
//! string cells, which are never formulas.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chrono::NaiveDateTime;
use rust_xlsxwriter::{Format, Workbook};

/// One attendee row, already in display form. Times are local (Europe/Stockholm) naive date-times.
#[derive(Debug, Clone)]
pub struct AttendeeRow {
    /// Full name as entered by the attendee.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Municipality name or organisation.
    pub affiliation: String,
    /// Municipality code, e.g. "0882"; kept as text so the leading zero survives.
    pub municipality_code: Option<String>,
    /// Role or job title.
    pub role_title: String,
    /// Phone number, if given.
    pub phone: Option<String>,
    /// Accessibility needs, if given.
    pub accessibility_needs: Option<String>,
    /// Already translated status label, e.g. "Bekräftad".
    pub status: String,
    /// Position on the waitlist, if waitlisted.
    pub waitlist_position: Option<u64>,
    /// When the registration was made (local time).
    pub registered_at: NaiveDateTime,
    /// When the attendee checked in (local time), if they did.
    pub checked_in_at: Option<NaiveDateTime>,
    /// Text columns after the fixed ones (one per programme item, then the
    /// diet when asked for), already in display form.
    pub extra: Vec<String>,
}

/// Column headers, passed in by the caller (already translated): the
/// [`FIXED_COLUMNS`] in the order of the fields above, then one per `extra`.
pub type Headers = Vec<String>;

/// The number of fixed columns, before the `extra` ones.
pub const FIXED_COLUMNS: usize = 11;

/// Excel needs the BOM to detect UTF-8; without it å, ä and ö are shown as mojibake.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Date-time format used in CSV cells.
const CSV_DATE_FORMAT: &str = "%Y-%m-%d %H:%M";
/// Excel number format for the date-time columns (same shape as the CSV text).
const XLSX_DATE_FORMAT: &str = "yyyy-mm-dd hh:mm";
/// Column widths in Excel character units, in field order.
const COLUMN_WIDTHS: [f64; FIXED_COLUMNS] = [
    28.0, 32.0, 24.0, 8.0, 28.0, 16.0, 30.0, 14.0, 10.0, 18.0, 18.0,
];
/// The width of each extra column.
const EXTRA_WIDTH: f64 = 20.0;
/// Excel's hard limit on sheet-name length (in UTF-16 code units).
const MAX_SHEET_NAME_LEN: usize = 31;

/// Whether a spreadsheet would read this text as a formula: its first character is one of `=`, `+`, `-`, `@`, TAB (\t) or CR (\r).
fn starts_like_a_formula(cell: &str) -> bool {
    // All triggers are ASCII, so looking at the first byte is enough.
    matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Neutralises spreadsheet formula injection in CSV: a cell that [starts like a formula](starts_like_a_formula) gets a leading apostrophe `'`.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    // A phone number like "-1" is prefixed too: a visible apostrophe is
    // cheaper than guessing which values are "safe".
    if starts_like_a_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The single place that decides the CSV dialect, so [`write_csv`] and [`CsvChunks`] cannot drift apart.
fn csv_builder() -> csv::WriterBuilder {
    let mut builder = csv::WriterBuilder::new();
    // CRLF is what RFC 4180 and Excel expect.
    builder.terminator(csv::Terminator::CRLF);
    builder
}

/// Formats an optional date-time for CSV; a missing value becomes an empty cell.
fn csv_date(value: Option<&NaiveDateTime>) -> Cow<'static, str> {
    value.map_or(Cow::Borrowed(""), |v| {
        Cow::Owned(v.format(CSV_DATE_FORMAT).to_string())
    })
}

/// Turns a row into its CSV fields, neutralising every free-text value.
fn csv_fields(row: &AttendeeRow) -> Vec<Cow<'_, str>> {
    fn text(v: &Option<String>) -> Cow<'_, str> {
        v.as_deref().map_or(Cow::Borrowed(""), neutralise)
    }
    let mut fields = Vec::with_capacity(FIXED_COLUMNS + row.extra.len());
    fields.extend([
        neutralise(&row.name),
        neutralise(&row.email),
        neutralise(&row.affiliation),
        text(&row.municipality_code),
        neutralise(&row.role_title),
        text(&row.phone),
        text(&row.accessibility_needs),
        neutralise(&row.status),
        row.waitlist_position
            .map_or(Cow::Borrowed(""), |p| Cow::Owned(p.to_string())),
        csv_date(Some(&row.registered_at)),
        csv_date(row.checked_in_at.as_ref()),
    ]);
    fields.extend(row.extra.iter().map(|cell| neutralise(cell)));
    fields
}

/// Writes a CSV (UTF-8 with BOM, header row, comma separated, CRLF, neutralised text, dates as "YYYY-MM-DD HH:MM"), streaming the rows.
pub fn write_csv<W: Write>(
    mut out: W,
    headers: &Headers,
    rows: impl Iterator<Item = AttendeeRow>,
) -> anyhow::Result<()> {
    out.write_all(UTF8_BOM).context("writing CSV BOM")?;
    let mut writer = csv_builder().from_writer(out);
    writer
        .write_record(headers.iter().map(|h| neutralise(h).into_owned()))
        .context("writing CSV header")?;
    for row in rows {
        writer
            .write_record(csv_fields(&row).iter().map(|f| f.as_bytes()))
            .context("writing CSV row")?;
    }
    writer.flush().context("flushing CSV")?;
    Ok(())
}

/// A CSV writer usable chunk-by-chunk for HTTP streaming; produces exactly the bytes of [`write_csv`].
#[derive(Debug)]
pub struct CsvChunks {
    /// Kept so each row is written with the same dialect as [`write_csv`].
    builder: csv::WriterBuilder,
    /// BOM plus header line, rendered once in [`CsvChunks::new`].
    header: Vec<u8>,
    /// Reused between rows so streaming does not allocate per row.
    buf: Vec<u8>,
}

impl CsvChunks {
    /// Prepares the writer and renders the first chunk (BOM + header line).
    pub fn new(headers: &Headers) -> anyhow::Result<Self> {
        let mut builder = csv_builder();
        // csv::Writer has no way to drain its target, so a short-lived writer
        // per chunk borrows `buf`; a small internal buffer keeps that cheap.
        builder.buffer_capacity(1024);
        let mut header = UTF8_BOM.to_vec();
        {
            let mut writer = builder.from_writer(&mut header);
            writer
                .write_record(headers.iter().map(|h| neutralise(h).into_owned()))
                .context("writing CSV header")?;
            writer.flush().context("flushing CSV header")?;
        }
        Ok(Self {
            builder,
            header,
            buf: Vec::with_capacity(512),
        })
    }

    /// Returns the first chunk: the UTF-8 BOM followed by the header line.
    pub fn header_bytes(&self) -> &[u8] {
        &self.header
    }

    /// Returns the bytes for a batch of rows, written with one writer.
    pub fn batch_bytes(&mut self, rows: &[AttendeeRow]) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(rows.len() * 128);
        {
            let mut writer = self.builder.from_writer(&mut out);
            for row in rows {
                writer
                    .write_record(csv_fields(row).iter().map(|f| f.as_bytes()))
                    .context("writing CSV row")?;
            }
            writer.flush().context("flushing CSV rows")?;
        }
        Ok(out)
    }

    /// Returns the bytes for one row (valid until the next call).
    pub fn row_bytes(&mut self, row: &AttendeeRow) -> anyhow::Result<&[u8]> {
        self.buf.clear();
        {
            let mut writer = self.builder.from_writer(&mut self.buf);
            writer
                .write_record(csv_fields(row).iter().map(|f| f.as_bytes()))
                .context("writing CSV row")?;
            writer.flush().context("flushing CSV row")?;
        }
        Ok(&self.buf)
    }
}

/// Makes a sheet name Excel accepts: forbidden characters removed, at most 31 characters, no edge apostrophes, never blank.
fn sanitise_sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .collect();
    // Excel counts UTF-16 units, so a character outside the BMP (emoji) uses two.
    let mut len = 0;
    let truncated: String = cleaned
        .chars()
        .take_while(|c| {
            len += c.len_utf16();
            len <= MAX_SHEET_NAME_LEN
        })
        .collect();
    // Excel rejects leading/trailing apostrophes and the reserved name "History".
    let trimmed = truncated.trim().trim_matches('\'').trim();
    if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("history") {
        "Sheet1".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Writes an XLSX workbook to `path` in constant-memory mode and returns the number of data rows written.
pub fn write_xlsx(
    path: &Path,
    sheet_name: &str,
    headers: &Headers,
    rows: impl Iterator<Item = AttendeeRow>,
) -> anyhow::Result<u64> {
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format(XLSX_DATE_FORMAT);
    // Excel's "quote prefix": the cell shows the text as typed, and stays
    // text when someone edits it and presses Enter.
    let as_typed = Format::new().set_quote_prefix();

    let mut workbook = Workbook::new();
    // Constant-memory mode flushes each finished row to a temp file, so rows
    // must be written strictly top to bottom; everything below respects that.
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .context("creating worksheet")?;
    sheet
        .set_name(sanitise_sheet_name(sheet_name))
        .context("naming worksheet")?;
    let widths = COLUMN_WIDTHS
        .into_iter()
        .chain(std::iter::repeat(EXTRA_WIDTH))
        .take(headers.len().max(FIXED_COLUMNS));
    for (col, width) in (0u16..).zip(widths) {
        sheet
            .set_column_width(col, width)
            .context("setting column width")?;
    }
    for (col, header) in (0u16..).zip(headers) {
        sheet
            .write_string_with_format(0, col, header, &bold)
            .context("writing XLSX header")?;
    }
    sheet.set_freeze_panes(1, 0).context("freezing header")?;

    let mut written: u64 = 0;
    for row in rows {
        // Row 0 is the header; the conversion fails (instead of wrapping) past
        // u32, and rust_xlsxwriter itself rejects rows beyond Excel's limit.
        let r = u32::try_from(written + 1).context("too many rows for XLSX")?;
        // Every text value, including the municipality code, is written as a
        // string cell, as typed: never a formula, and "0882" keeps its
        // leading zero.
        let texts = [
            (0, Some(&row.name)),
            (1, Some(&row.email)),
            (2, Some(&row.affiliation)),
            (3, row.municipality_code.as_ref()),
            (4, Some(&row.role_title)),
            (5, row.phone.as_ref()),
            (6, row.accessibility_needs.as_ref()),
            (7, Some(&row.status)),
        ];
        let extra = (11u16..).zip(row.extra.iter().map(Some));
        for (col, value) in texts.into_iter().chain(extra) {
            let Some(value) = value else { continue };
            if starts_like_a_formula(value) {
                sheet.write_string_with_format(r, col, value, &as_typed)
            } else {
                sheet.write_string(r, col, value)
            }
            .context("writing XLSX text cell")?;
        }
        if let Some(position) = row.waitlist_position {
            // Positions are small; f64 is exact far beyond any real waitlist.
            sheet
                .write_number(r, 8, position as f64)
                .context("writing waitlist position")?;
        }
        sheet
            .write_datetime_with_format(r, 9, row.registered_at, &date)
            .context("writing registered_at")?;
        if let Some(checked_in) = row.checked_in_at {
            sheet
                .write_datetime_with_format(r, 10, checked_in, &date)
                .context("writing checked_in_at")?;
        }
        written += 1;
    }

    // The autofilter is sheet metadata, so it can be set after the rows.
    let last_row = u32::try_from(written).context("too many rows for XLSX")?;
    let last_col =
        u16::try_from(headers.len().max(FIXED_COLUMNS) - 1).context("too many columns")?;
    sheet
        .autofilter(0, 0, last_row, last_col)
        .context("setting autofilter")?;
    workbook
        .save(path)
        .with_context(|| format!("saving XLSX to {}", path.display()))?;
    Ok(written)
}

/// One cell of a small list (a caterer sheet, a visitor list).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A heading: bold in XLSX, plain text in CSV.
    Heading(String),
    Empty,
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Self {
        Cell::Text(value.into())
    }

    pub fn count(value: u64) -> Self {
        // Counts of people are small; f64 is exact far beyond them.
        Cell::Number(value as f64)
    }
}

/// A small list as CSV (the same dialect as the attendee export: BOM, CRLF,
/// neutralised text). Rows may have different lengths.
pub fn table_csv(rows: &[Vec<Cell>]) -> anyhow::Result<Vec<u8>> {
    let mut out = UTF8_BOM.to_vec();
    {
        let mut builder = csv_builder();
        builder.flexible(true);
        let mut writer = builder.from_writer(&mut out);
        for row in rows {
            let fields: Vec<Cow<'_, str>> = row
                .iter()
                .map(|cell| match cell {
                    Cell::Text(text) | Cell::Heading(text) => neutralise(text),
                    Cell::Number(n) => Cow::Owned(n.to_string()),
                    Cell::Empty => Cow::Borrowed(""),
                })
                .collect();
            writer
                .write_record(fields.iter().map(|f| f.as_bytes()))
                .context("writing CSV row")?;
        }
        writer.flush().context("flushing CSV")?;
    }
    Ok(out)
}

/// A small list as an XLSX workbook of one sheet: text as typed (string
/// cells, never formulas), counts as numbers, headings bold.
pub fn table_xlsx(sheet_name: &str, widths: &[f64], rows: &[Vec<Cell>]) -> anyhow::Result<Vec<u8>> {
    let bold = Format::new().set_bold();
    let as_typed = Format::new().set_quote_prefix();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(sanitise_sheet_name(sheet_name))
        .context("naming worksheet")?;
    for (col, width) in (0u16..).zip(widths) {
        sheet
            .set_column_width(col, *width)
            .context("setting column width")?;
    }
    for (r, row) in (0u32..).zip(rows) {
        for (c, cell) in (0u16..).zip(row) {
            match cell {
                Cell::Text(text) if starts_like_a_formula(text) => {
                    sheet.write_string_with_format(r, c, text, &as_typed)
                }
                Cell::Text(text) => sheet.write_string(r, c, text),
                Cell::Heading(text) => sheet.write_string_with_format(r, c, text, &bold),
                Cell::Number(n) => sheet.write_number(r, c, *n),
                Cell::Empty => continue,
            }
            .context("writing XLSX cell")?;
        }
    }
    workbook.save_to_buffer().context("writing XLSX")
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx, open_workbook};
    use chrono::NaiveDate;

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 3, d)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .unwrap()
    }

    fn headers() -> Headers {
        [
            "Namn",
            "E-post",
            "Kommun/organisation",
            "Kommunkod",
            "Roll",
            "Telefon",
            "Tillgänglighet",
            "Status",
            "Köplats",
            "Anmäld",
            "Incheckad",
            "Middag",
        ]
        .map(String::from)
        .to_vec()
    }

    fn rows() -> Vec<AttendeeRow> {
        let base = AttendeeRow {
            name: "Åsa Öberg-Ängström".into(),
            email: "asa@example.se".into(),
            affiliation: "Oskarshamns kommun".into(),
            municipality_code: Some("0882".into()),
            role_title: "Miljöstrateg".into(),
            phone: Some("070-123 45 67".into()),
            accessibility_needs: None,
            status: "Bekräftad".into(),
            waitlist_position: None,
            registered_at: at(14, 9, 30),
            checked_in_at: Some(at(20, 8, 5)),
            extra: vec!["Plats".into()],
        };
        let evil = AttendeeRow {
            name: r#"=HYPERLINK("http://evil")"#.into(),
            phone: Some("-1".into()),
            status: "Väntelista".into(),
            waitlist_position: Some(3),
            checked_in_at: None,
            ..base.clone()
        };
        let third = AttendeeRow {
            name: "Per Persson".into(),
            municipality_code: None,
            affiliation: "@Föreningen".into(),
            ..base.clone()
        };
        vec![base, evil, third]
    }

    #[test]
    fn a_formula_trigger_at_the_start_of_a_cell_is_defused() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
    }

    #[test]
    fn harmless_text_is_left_alone() {
        for cell in ["Åsa", "070-123 45 67", "a=b", "", "'already"] {
            assert!(matches!(neutralise(cell), Cow::Borrowed(c) if c == cell));
        }
    }

    fn csv_bytes() -> Vec<u8> {
        let mut out = Vec::new();
        write_csv(&mut out, &headers(), rows().into_iter()).unwrap();
        out
    }

    #[test]
    fn a_csv_opens_in_excel_with_swedish_letters_and_no_formulas() {
        let bytes = csv_bytes();
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        assert_eq!(bytes.windows(2).filter(|w| w == b"\r\n").count(), 4);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[3..]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 4);
        assert_eq!(records[0].iter().collect::<Vec<_>>(), headers().to_vec());
        let first = &records[1];
        assert_eq!(&first[0], "Åsa Öberg-Ängström");
        assert_eq!(&first[3], "0882");
        assert_eq!(&first[7], "Bekräftad");
        assert_eq!(&first[9], "2025-03-14 09:30");
        assert_eq!(&first[10], "2025-03-20 08:05");
        assert_eq!(&first[11], "Plats");
        let evil = &records[2];
        assert_eq!(&evil[0], r#"'=HYPERLINK("http://evil")"#);
        assert_eq!(&evil[5], "'-1");
        assert_eq!(&evil[8], "3");
        assert_eq!(&evil[10], "");
        assert_eq!(&records[3][2], "'@Föreningen");
        assert_eq!(&records[3][3], "");
    }

    #[test]
    fn a_streamed_csv_is_byte_for_byte_the_same_as_the_file_download() {
        let mut chunks = CsvChunks::new(&headers()).unwrap();
        let mut streamed = chunks.header_bytes().to_vec();
        for row in rows() {
            streamed.extend_from_slice(chunks.row_bytes(&row).unwrap());
        }
        assert_eq!(streamed, csv_bytes());
    }

    #[test]
    fn an_xlsx_keeps_codes_as_text_dates_as_dates_and_formulas_inert() {
        let file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
        let n = write_xlsx(file.path(), "Deltagare", &headers(), rows().into_iter()).unwrap();
        assert_eq!(n, 3);

        let mut wb: Xlsx<_> = open_workbook(file.path()).unwrap();
        assert_eq!(wb.sheet_names(), vec!["Deltagare".to_owned()]);
        let range = wb.worksheet_range("Deltagare").unwrap();
        for (col, h) in (0u32..).zip(headers()) {
            assert_eq!(range.get_value((0, col)), Some(&Data::String(h)));
        }
        let evil = r#"=HYPERLINK("http://evil")"#.to_owned();
        assert_eq!(range.get_value((2, 0)), Some(&Data::String(evil)));
        let formulas = wb.worksheet_formula("Deltagare").unwrap();
        assert!(formulas.get_value((2, 0)).is_none_or(String::is_empty));
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));

        assert_eq!(range.get_value((1, 3)), Some(&Data::String("0882".into())));
        assert_eq!(range.get_value((2, 8)), Some(&Data::Float(3.0)));
        assert_eq!(
            range.get_value((1, 11)),
            Some(&Data::String("Plats".into()))
        );
        match range.get_value((1, 9)) {
            Some(Data::DateTime(dt)) => {
                assert_eq!(dt.as_datetime(), Some(at(14, 9, 30)));
            }
            other => panic!("registered_at is not a date: {other:?}"),
        }
        assert!(matches!(range.get_value((1, 10)), Some(Data::DateTime(_))));
        assert!(matches!(range.get_value((2, 10)), None | Some(Data::Empty)));
    }

    #[test]
    fn a_sheet_name_excel_would_reject_is_cleaned_up() {
        assert_eq!(
            sanitise_sheet_name("Höstmöte [Stockholm] 2025/26: alla deltagare?"),
            "Höstmöte Stockholm 202526 alla"
        );
        assert_eq!(sanitise_sheet_name("'Citat'"), "Citat");
        assert_eq!(sanitise_sheet_name("[]:*?/\\"), "Sheet1");
        assert_eq!(sanitise_sheet_name(&"å".repeat(40)).chars().count(), 31);

        let file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
        write_xlsx(
            file.path(),
            "Kurs: A/B [2025]?",
            &headers(),
            rows().into_iter(),
        )
        .unwrap();
        let wb: Xlsx<_> = open_workbook(file.path()).unwrap();
        assert_eq!(wb.sheet_names(), vec!["Kurs AB 2025".to_owned()]);
    }

    #[test]
    #[ignore = "scale check, run by hand: cargo test -- --ignored"]
    fn a_big_event_with_100_000_attendees_exports_without_trouble() {
        const N: u64 = 100_000;
        let many = || {
            let template = rows().remove(0);
            (0..N).map(move |i| AttendeeRow {
                name: format!("Deltagare {i}"),
                waitlist_position: Some(i),
                ..template.clone()
            })
        };
        let file = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
        assert_eq!(
            write_xlsx(file.path(), "Alla", &headers(), many()).unwrap(),
            N
        );
        let mut csv_out = tempfile::tempfile().unwrap();
        write_csv(std::io::BufWriter::new(&mut csv_out), &headers(), many()).unwrap();
        let mut wb: Xlsx<_> = open_workbook(file.path()).unwrap();
        let range = wb.worksheet_range("Alla").unwrap();
        assert_eq!(range.height() as u64, N + 1);
    }
}
