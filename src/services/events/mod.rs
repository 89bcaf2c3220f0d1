//! Events: created and changed from a TOML file ([`import`]) or the
//! back-office ([`admin`]), both saving through [`import::save`]; what
//! registrants hear when an event moves or is cancelled ([`changes`]); and
//! the demo events ([`demo`]).
pub mod admin;
pub mod changes;
pub mod demo;
pub mod import;
pub mod programme;

pub use demo::{demo_specs, load_demo};
pub use import::{
    ChoiceSpec, EventSpec, Imported, OptionSpec, ProgrammeOutside, ProgrammeSpec, QuestionSpec,
    import, parse_spec, save,
};
