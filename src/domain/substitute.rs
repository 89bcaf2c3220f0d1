//! "I can't come; my colleague goes instead": the substitute as the form
//! names them. The form becomes a [`Substitute`] or field errors, by the
//! registration form's own rules for the same fields.
use std::collections::BTreeMap;

use serde::Deserialize;

use super::email::EmailAddress;
use super::registration::{Affiliation, CONSENT_GIVEN, FieldError, RegistrationForm};

/// The substitution form exactly as posted, so it can be shown again.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubstituteForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub municipality: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub role_title: String,
    /// The organiser's box: choices past their deadline pass over too.
    #[serde(default)]
    pub keep_late_choices: Option<String>,
}

/// The person who takes over a registration.
#[derive(Debug, Clone)]
pub struct Substitute {
    pub name: String,
    pub email: EmailAddress,
    pub affiliation: Affiliation,
    pub role_title: String,
}

impl SubstituteForm {
    /// Parses the form with the registration form's rules for name, email,
    /// municipality or organisation, and role. `is_member_code` says whether
    /// a municipality code is one of the network's members.
    pub fn parse(
        &self,
        is_member_code: impl Fn(&str) -> bool,
    ) -> Result<Substitute, Vec<FieldError>> {
        // The substitute's consent is theirs to give; their data came from
        // the person handing over, and their first email says so.
        let as_registration = RegistrationForm {
            name: self.name.clone(),
            email: self.email.clone(),
            municipality: self.municipality.clone(),
            organisation: self.organisation.clone(),
            role_title: self.role_title.clone(),
            consent: Some(CONSENT_GIVEN.to_owned()),
            boxes: BTreeMap::new(),
            ..RegistrationForm::default()
        };
        let new = as_registration.parse(is_member_code)?;
        Ok(Substitute {
            name: new.name,
            email: new.email,
            affiliation: new.affiliation,
            role_title: new.details.role_title,
        })
    }

    /// Whether the organiser ticked "keep choices past their deadline".
    pub fn keeps_late_choices(&self) -> bool {
        self.keep_late_choices.as_deref() == Some(CONSENT_GIVEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::registration::{Field, Problem};

    #[test]
    fn a_substitute_needs_the_same_fields_as_a_registrant() {
        let errors = SubstituteForm::default().parse(|_| true).unwrap_err();
        let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
        assert!(fields.contains(&Field::Name));
        assert!(fields.contains(&Field::Email));
        assert!(fields.contains(&Field::Municipality));
        assert!(fields.contains(&Field::RoleTitle));
        assert!(errors.iter().all(|e| e.problem == Problem::Missing));
    }

    #[test]
    fn a_complete_form_names_the_substitute() {
        let form = SubstituteForm {
            name: "Kim Kollega".into(),
            email: "kim@example.org".into(),
            municipality: "0882".into(),
            role_title: "Näringslivschef".into(),
            ..SubstituteForm::default()
        };
        let substitute = form.parse(|code| code == "0882").unwrap();
        assert_eq!(
            substitute.affiliation,
            Affiliation::Municipality("0882".into())
        );
        assert!(!form.keeps_late_choices());
    }
}
