//! A delegation: one person, the contact (often an assistant), registers
//! several colleagues from the same municipality or organisation in one
//! form. Each colleague becomes a full registration of their own; this
//! module only reads and checks the form.
//!
//! The form has a row per colleague (`m{n}-name`, `m{n}-email`, `m{n}-role`
//! and a box per choosable item, `m{n}-choice-{id}`). Blank rows are
//! skipped; a "more rows" button shows the form again with more of them,
//! keeping everything typed, so it works without JavaScript.
use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use super::email::EmailAddress;
use super::registration::{
    Affiliation, BOX_TICKED, CONSENT_GIVEN, Field, FieldError, NewRegistration, OTHER_ORGANISATION,
    Problem, RegistrationForm, choice_box,
};

/// The most colleagues one form registers.
pub const MAX_MEMBERS: usize = 20;
/// The rows an empty form shows.
pub const FIRST_ROWS: usize = 4;
/// The rows "more rows" adds.
pub const MORE_ROWS: usize = 4;

/// The delegation form as posted (the contact's part is absent when
/// colleagues are added from the delegation's page).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DelegationForm {
    #[serde(default)]
    pub submission_key: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub municipality: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub consent: Option<String>,
    /// How many rows the form showed.
    #[serde(default)]
    pub rows: String,
    /// Set by the "more rows" button: show the form again, send nothing.
    #[serde(default)]
    pub more: Option<String>,
    /// The colleagues' rows.
    #[serde(flatten)]
    pub fields: BTreeMap<String, String>,
}

/// The part of a colleague's row a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Name,
    Email,
    Role,
    Choices,
}

impl Part {
    fn as_str(self) -> &'static str {
        match self {
            Part::Name => "name",
            Part::Email => "email",
            Part::Role => "role",
            Part::Choices => "choices",
        }
    }

    fn of(field: Field) -> Option<Self> {
        match field {
            Field::Name => Some(Part::Name),
            Field::Email => Some(Part::Email),
            Field::RoleTitle => Some(Part::Role),
            Field::Choices => Some(Part::Choices),
            _ => None,
        }
    }
}

/// The `name` and `id` of a row's field (`m2-email`).
pub fn member_field(row: usize, part: Part) -> String {
    format!("m{row}-{}", part.as_str())
}

/// The `name` and `id` of a row's box for a programme item.
pub fn member_choice(row: usize, item_id: i32) -> String {
    format!("m{row}-{}", choice_box(item_id))
}

/// Where an error stands on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The contact's part (name, email, municipality, organisation,
    /// consent), or the form as a whole.
    Contact(Field),
    /// A colleague's row, numbered from 1 as shown.
    Member(usize, Part),
    /// No colleague was listed.
    NoMembers,
}

/// One error of the delegation form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelegationError {
    pub place: Place,
    pub problem: Problem,
}

impl DelegationError {
    /// The `id` of the field the error belongs to.
    pub fn field_id(&self) -> String {
        match self.place {
            Place::Contact(Field::Name) => "contact_name".into(),
            Place::Contact(Field::Email) => "contact_email".into(),
            Place::Contact(Field::Form) => "contact_name".into(),
            Place::Contact(field) => field.id(),
            Place::Member(row, part) => member_field(row, part),
            Place::NoMembers => member_field(1, Part::Name),
        }
    }

    /// The catalogue key of the message; a row's message has `%{row}`.
    pub fn message_key(&self) -> String {
        match self.place {
            Place::Contact(Field::Name) | Place::Contact(Field::Email) => {
                let part = if self.place == Place::Contact(Field::Name) {
                    "name"
                } else {
                    "email"
                };
                format!("delegation.error.contact_{part}.{}", self.problem_code())
            }
            Place::Contact(field) => FieldError {
                field,
                problem: self.problem,
            }
            .message_key(),
            Place::Member(_, Part::Choices) => FieldError {
                field: Field::Choices,
                problem: self.problem,
            }
            .message_key(),
            Place::Member(_, part) => {
                format!(
                    "delegation.error.member_{}.{}",
                    part.as_str(),
                    self.problem_code()
                )
            }
            Place::NoMembers => "delegation.error.no_members".into(),
        }
    }

    /// The row the error is in, if it is in one.
    pub fn row(&self) -> Option<usize> {
        match self.place {
            Place::Member(row, _) => Some(row),
            _ => None,
        }
    }

    fn problem_code(&self) -> &'static str {
        FieldError {
            field: Field::Form,
            problem: self.problem,
        }
        .problem_code()
    }
}

/// One colleague, checked, with the row they were listed on.
#[derive(Debug, Clone)]
pub struct Member {
    pub row: usize,
    pub new: NewRegistration,
}

/// A checked delegation form.
#[derive(Debug, Clone)]
pub struct NewDelegation {
    pub contact_name: String,
    pub contact_email: EmailAddress,
    pub affiliation: Affiliation,
    /// In the order listed: seats are taken in this order.
    pub members: Vec<Member>,
}

impl NewDelegation {
    /// What was submitted, as text (a form key replays only the same data).
    pub fn fingerprint(&self) -> String {
        let members: Vec<String> = self.members.iter().map(|m| m.new.fingerprint()).collect();
        format!(
            "{:?}",
            (
                &self.contact_name,
                self.contact_email.normalized(),
                &self.affiliation,
                members
            )
        )
    }
}

impl DelegationForm {
    /// The rows to show: as many as the form had (at least
    /// [`FIRST_ROWS`], at least up to the last row with anything in it),
    /// plus [`MORE_ROWS`] when "more rows" was pressed; at most
    /// [`MAX_MEMBERS`].
    pub fn row_count(&self) -> usize {
        let posted = self.rows.trim().parse::<usize>().unwrap_or(0);
        let used = (1..=MAX_MEMBERS)
            .rev()
            .find(|&row| !self.row_is_blank(row))
            .unwrap_or(0);
        let shown = posted.max(used).max(FIRST_ROWS);
        let shown = if self.more.is_some() {
            shown + MORE_ROWS
        } else {
            shown
        };
        shown.min(MAX_MEMBERS)
    }

    /// A row's field as typed.
    pub fn value(&self, row: usize, part: Part) -> &str {
        self.fields
            .get(&member_field(row, part))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The items ticked on a row, by id, ascending.
    pub fn ticked(&self, row: usize) -> Vec<i32> {
        let prefix = format!("m{row}-choice-");
        let mut ids: Vec<i32> = self
            .fields
            .iter()
            .filter(|(_, value)| value.as_str() == BOX_TICKED)
            .filter_map(|(name, _)| name.strip_prefix(&prefix)?.parse().ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn row_is_blank(&self, row: usize) -> bool {
        [Part::Name, Part::Email, Part::Role]
            .iter()
            .all(|&part| self.value(row, part).trim().is_empty())
            && self.ticked(row).is_empty()
    }

    /// Parses the whole form: the contact, their affiliation and consent,
    /// and the colleagues. Every error is reported at once.
    pub fn parse(
        &self,
        is_member_code: impl Fn(&str) -> bool,
    ) -> Result<NewDelegation, Vec<DelegationError>> {
        // The contact's part is checked as a registration form would be
        // (name, address, municipality or organisation, consent).
        let contact = RegistrationForm {
            name: self.contact_name.clone(),
            email: self.contact_email.clone(),
            municipality: self.municipality.clone(),
            organisation: self.organisation.clone(),
            role_title: "-".into(),
            consent: self.consent.clone(),
            ..Default::default()
        }
        .parse(&is_member_code);
        let mut errors: Vec<DelegationError> = match &contact {
            Ok(_) => Vec::new(),
            Err(list) => list
                .iter()
                .map(|e| DelegationError {
                    place: Place::Contact(e.field),
                    problem: e.problem,
                })
                .collect(),
        };
        let members = self.parse_rows(&self.municipality, &self.organisation, &is_member_code);
        let members = match members {
            Ok(members) => Some(members),
            Err(mut list) => {
                // The consent's error stays last, where the box is.
                let at = errors
                    .iter()
                    .position(|e| e.place == Place::Contact(Field::Consent))
                    .unwrap_or(errors.len());
                errors.splice(at..at, list.drain(..));
                None
            }
        };
        match (contact, members) {
            (Ok(contact), Some(members)) if errors.is_empty() => Ok(NewDelegation {
                contact_name: contact.name,
                contact_email: contact.email,
                affiliation: contact.affiliation,
                members,
            }),
            _ => Err(errors),
        }
    }

    /// Parses only the colleagues' rows, for a delegation whose
    /// affiliation is known (colleagues added from its page).
    pub fn parse_members(
        &self,
        affiliation: &Affiliation,
        is_member_code: impl Fn(&str) -> bool,
    ) -> Result<Vec<Member>, Vec<DelegationError>> {
        let (municipality, organisation) = match affiliation {
            Affiliation::Municipality(code) => (code.clone(), String::new()),
            Affiliation::Organisation(name) => (OTHER_ORGANISATION.to_owned(), name.clone()),
        };
        self.parse_rows(&municipality, &organisation, is_member_code)
    }

    fn parse_rows(
        &self,
        municipality: &str,
        organisation: &str,
        is_member_code: impl Fn(&str) -> bool,
    ) -> Result<Vec<Member>, Vec<DelegationError>> {
        let mut errors = Vec::new();
        let mut members = Vec::new();
        let mut seen = HashSet::new();
        for row in 1..=self.row_count() {
            if self.row_is_blank(row) {
                continue;
            }
            let form = RegistrationForm {
                name: self.value(row, Part::Name).to_owned(),
                email: self.value(row, Part::Email).to_owned(),
                municipality: municipality.to_owned(),
                organisation: organisation.to_owned(),
                role_title: self.value(row, Part::Role).to_owned(),
                consent: Some(CONSENT_GIVEN.to_owned()),
                boxes: self
                    .ticked(row)
                    .into_iter()
                    .map(|id| (choice_box(id), BOX_TICKED.to_owned()))
                    .collect(),
                ..Default::default()
            };
            // An address on an earlier row, whatever else is wrong there.
            let repeated = EmailAddress::parse(&form.email)
                .is_some_and(|email| !seen.insert(email.normalized().to_owned()));
            if repeated {
                errors.push(DelegationError {
                    place: Place::Member(row, Part::Email),
                    problem: Problem::Repeated,
                });
            }
            match form.parse(&is_member_code) {
                Ok(new) => {
                    if !repeated {
                        members.push(Member { row, new });
                    }
                }
                // Only the row's own fields: the affiliation is the
                // contact's, and its error is reported there.
                Err(list) => errors.extend(list.into_iter().filter_map(|e| {
                    Some(DelegationError {
                        place: Place::Member(row, Part::of(e.field)?),
                        problem: e.problem,
                    })
                })),
            }
        }
        if members.is_empty() && errors.is_empty() {
            errors.push(DelegationError {
                place: Place::NoMembers,
                problem: Problem::Missing,
            });
        }
        if errors.is_empty() {
            Ok(members)
        } else {
            Err(errors)
        }
    }
}

/// The contact as colleagues see them in their emails: "Name (address)".
pub fn contact_label(name: &str, email: &str) -> String {
    format!("{name} ({email})")
}

/// The error of one place, if any.
pub fn error_at(errors: &[DelegationError], place: Place) -> Option<&DelegationError> {
    errors.iter().find(|e| e.place == place)
}

/// A form filled with `rows` blank rows (the page's empty form).
pub fn blank(rows: usize) -> DelegationForm {
    DelegationForm {
        rows: rows.to_string(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(rows: &[(&str, &str, &str)]) -> DelegationForm {
        let mut fields = BTreeMap::new();
        for (i, (name, email, role)) in rows.iter().enumerate() {
            let row = i + 1;
            fields.insert(member_field(row, Part::Name), (*name).to_owned());
            fields.insert(member_field(row, Part::Email), (*email).to_owned());
            fields.insert(member_field(row, Part::Role), (*role).to_owned());
        }
        DelegationForm {
            submission_key: "k".repeat(43),
            contact_name: "Eva Ek".into(),
            contact_email: "eva.ek@example.org".into(),
            municipality: "2580".into(),
            consent: Some(CONSENT_GIVEN.into()),
            rows: rows.len().to_string(),
            fields,
            ..Default::default()
        }
    }

    fn member(code: &str) -> bool {
        code == "2580"
    }

    #[test]
    fn colleagues_come_in_the_order_listed_and_blank_rows_are_skipped() {
        let mut posted = form(&[
            ("Anna Berg", "anna@example.org", "Ordförande"),
            ("", "", ""),
            ("Bo Ek", "bo@example.org", "Kommundirektör"),
        ]);
        posted.rows = "6".into();
        let parsed = posted.parse(member).unwrap();
        let rows: Vec<(usize, &str)> = parsed
            .members
            .iter()
            .map(|m| (m.row, m.new.name.as_str()))
            .collect();
        assert_eq!(rows, [(1, "Anna Berg"), (3, "Bo Ek")]);
        assert_eq!(parsed.affiliation, Affiliation::Municipality("2580".into()));
    }

    #[test]
    fn each_row_reports_its_own_errors_and_a_repeated_address() {
        let posted = form(&[
            ("Anna Berg", "anna@example.org", ""),
            ("Bo Ek", "not-an-address", "Kommundirektör"),
            ("Anna B", "ANNA@example.org", "Ordförande"),
        ]);
        let errors = posted.parse(member).unwrap_err();
        let places: Vec<(Place, Problem)> = errors.iter().map(|e| (e.place, e.problem)).collect();
        assert_eq!(
            places,
            [
                (Place::Member(1, Part::Role), Problem::Missing),
                (Place::Member(2, Part::Email), Problem::Invalid),
                (Place::Member(3, Part::Email), Problem::Repeated),
            ]
        );
        assert_eq!(errors[1].field_id(), "m2-email");
        assert_eq!(
            errors[0].message_key(),
            "delegation.error.member_role.missing"
        );
    }

    #[test]
    fn a_form_without_colleagues_or_contact_is_refused_whole() {
        let mut posted = form(&[]);
        posted.contact_email = String::new();
        posted.consent = None;
        let errors = posted.parse(member).unwrap_err();
        let places: Vec<Place> = errors.iter().map(|e| e.place).collect();
        assert_eq!(
            places,
            [
                Place::Contact(Field::Email),
                Place::NoMembers,
                Place::Contact(Field::Consent)
            ]
        );
    }

    #[test]
    fn more_rows_adds_rows_up_to_the_limit() {
        let mut posted = form(&[("Anna Berg", "anna@example.org", "Ordförande")]);
        assert_eq!(posted.row_count(), FIRST_ROWS);
        posted.more = Some("1".into());
        assert_eq!(posted.row_count(), FIRST_ROWS + MORE_ROWS);
        posted.rows = "19".into();
        assert_eq!(posted.row_count(), MAX_MEMBERS);
    }

    #[test]
    fn ticked_items_belong_to_their_row() {
        let mut posted = form(&[
            ("Anna Berg", "anna@example.org", "Ordförande"),
            ("Bo Ek", "bo@example.org", "Kommundirektör"),
        ]);
        posted.fields.insert(member_choice(2, 7), BOX_TICKED.into());
        let parsed = posted.parse(member).unwrap();
        assert!(parsed.members[0].new.choices.is_empty());
        assert_eq!(parsed.members[1].new.choices, [7]);
    }
}
