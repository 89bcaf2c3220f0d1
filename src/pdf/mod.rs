//! Printed badges and lists as PDF, laid out by typst as a library: real
//! text shaping, tables that break across pages with their header repeated,
//! and tagged PDF (PDF/UA-1) for screen readers.
//!
//! A document is a fixed typst template (`*.typ` beside this file) plus the
//! data as a JSON file it reads with `json("data.json")`. User text never
//! becomes typst markup, so a name cannot inject anything. The fonts are
//! bundled in the binary: DejaVu Sans (Latin, Greek, Cyrillic, Armenian,
//! Georgian, Hebrew, Arabic and more). typst's own fonts (`typst-assets`)
//! are left out: DejaVu covers more scripts, and they would add megabytes.
pub mod badges;
pub mod lists;

use std::sync::OnceLock;

use anyhow::{Context, anyhow};
use serde::Serialize;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The fonts every document may use, loaded once.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let bundled: [&'static [u8]; 2] = [
            include_bytes!("fonts/DejaVuSans.ttf"),
            include_bytes!("fonts/DejaVuSans-Bold.ttf"),
        ];
        let fonts: Vec<Font> = bundled
            .into_iter()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        Fonts {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

/// The id of one of the document's two files (`main.typ`, `data.json`).
fn file_id(path: &str) -> anyhow::Result<FileId> {
    let path = VirtualPath::new(path).map_err(|e| anyhow!("file name {path:?}: {e:?}"))?;
    Ok(FileId::new(RootedPath::new(VirtualRoot::Project, path)))
}

/// One document to compile: its template and its data.
struct Document {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl World for Document {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

/// Compiles `template` with `data` into a tagged PDF (PDF/UA-1). Returns
/// the PDF and typst's warnings (a missing glyph is one). CPU-bound: call
/// it from a blocking task.
pub fn render(template: &str, data: &impl Serialize) -> anyhow::Result<(Vec<u8>, Vec<String>)> {
    let json = serde_json::to_vec(data).context("encoding the document's data")?;
    let document = Document {
        main: Source::new(file_id("main.typ")?, template.to_owned()),
        data_id: file_id("data.json")?,
        data: Bytes::new(json),
    };
    let compiled = typst::compile::<typst_layout::PagedDocument>(&document);
    let warnings: Vec<String> = compiled
        .warnings
        .iter()
        .map(|w| w.message.to_string())
        .collect();
    let paged = compiled.output.map_err(|errors| {
        anyhow!(
            "typesetting failed: {}",
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let options = typst_pdf::PdfOptions {
        standards: typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::Ua_1])
            .map_err(|e| anyhow!("PDF standard: {e:?}"))?,
        ..Default::default()
    };
    let pdf = typst_pdf::pdf(&paged, &options).map_err(|errors| {
        anyhow!(
            "writing the PDF failed: {}",
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    // Keep typst's memoisation cache from growing across documents.
    typst::comemo::evict(10);
    Ok((pdf, warnings))
}

/// [`render`] on a blocking thread, logging typst's warnings.
pub async fn render_blocking<T: Serialize + Send + 'static>(
    template: &'static str,
    data: T,
) -> anyhow::Result<Vec<u8>> {
    let (pdf, warnings) = tokio::task::spawn_blocking(move || render(template, &data)).await??;
    for warning in warnings {
        tracing::warn!(%warning, "PDF typesetting warning");
    }
    Ok(pdf)
}
