//! An import file's questions, saved by the back-office's rules.
use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::save;
use crate::db::questions as queries;
use crate::domain::question::{OptionDraft, QuestionDraft};

/// Adds or updates the questions of an import file, in its order (the
/// position is the place in the file), by the same rules as the
/// back-office. A condition names an earlier question by key and its
/// options by Swedish label. Fails with the question's key and the reason.
pub async fn apply_specs(
    db: &DatabaseConnection,
    event_id: i32,
    specs: &[crate::services::events::QuestionSpec],
) -> anyhow::Result<()> {
    for (index, spec) in specs.iter().enumerate() {
        let all = queries::for_event(db, event_id).await?;
        let current = all.iter().find(|q| q.key == spec.key);
        let condition = match &spec.show_if {
            None => None,
            Some(parent_key) => {
                let parent = all.iter().find(|q| &q.key == parent_key).ok_or_else(|| {
                    anyhow::anyhow!(
                        "question {}: show_if {parent_key:?} is not an earlier question",
                        spec.key
                    )
                })?;
                let when = spec
                    .show_when
                    .iter()
                    .map(|w| match parent.options.iter().find(|o| &o.label_sv == w) {
                        Some(option) => option.id.to_string(),
                        None => w.clone(),
                    })
                    .collect();
                Some((parent.id, when))
            }
        };
        let mut existing = current
            .map(|q| q.options.iter().filter(|o| !o.archived).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter();
        let mut options: Vec<OptionDraft> = spec
            .options
            .iter()
            .map(|o| OptionDraft {
                id: existing.next().map(|e| e.id),
                label_sv: o.sv.clone(),
                label_en: o.en.clone(),
                remove: false,
            })
            .collect();
        options.extend(existing.map(|e| OptionDraft {
            id: Some(e.id),
            label_sv: e.label_sv.clone(),
            label_en: e.label_en.clone(),
            remove: true,
        }));
        let draft = QuestionDraft {
            key: spec.key.clone(),
            kind: spec.kind,
            label_sv: spec.label_sv.clone(),
            label_en: spec.label_en.clone(),
            help_sv: spec.help_sv.clone(),
            help_en: spec.help_en.clone(),
            required: spec.required,
            position: i32::try_from(index + 1).unwrap_or(i32::MAX),
            audience: spec.audience,
            sensitive: spec.sensitive,
            condition,
            options,
        };
        if let Err(problem) = save(
            db,
            event_id,
            current.map(|q| q.id),
            &draft,
            None,
            Utc::now(),
        )
        .await?
        {
            anyhow::bail!("question {}: {problem:?}", spec.key);
        }
    }
    Ok(())
}
