//! What a registration form must contain. A form becomes a [`NewRegistration`]
//! or a list of [`FieldError`]s; after that point every value is valid.
use std::collections::BTreeMap;

use serde::Deserialize;

use super::choice::{Allergen, Diet, DietChoice};
use super::email::EmailAddress;

/// The version of the privacy notice. Each registration stores the version
/// its registrant agreed to. Whenever the notice's text changes, set a new
/// version (the date) and the new fingerprint: the test
/// `the_notice_version_changes_with_its_text` (in `views::public::privacy`) fails until both are updated.
pub const NOTICE_VERSION: &str = "2026-12-03.2";

/// The value of the municipality select that means "another organisation".
pub const OTHER_ORGANISATION: &str = "other";

/// The value the consent checkbox sends. Only this value is consent: an
/// empty, `0`, `false`, `off` or `nej` is not.
pub const CONSENT_GIVEN: &str = "yes";

/// The registration form exactly as posted. Every field is a string so that
/// whatever the person typed can be shown again after an error.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegistrationForm {
    #[serde(default)]
    pub submission_key: String,
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
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub dietary_needs: String,
    #[serde(default)]
    pub accessibility_needs: String,
    #[serde(default)]
    pub diet: String,
    #[serde(default)]
    pub consent: Option<String>,
    /// The checkboxes: `choice-<item id>` and `allergen-<code>`, each sent
    /// as `yes` when ticked (one name per box, so no field repeats).
    #[serde(flatten)]
    pub boxes: BTreeMap<String, String>,
}

/// The name of the checkbox that chooses a programme item.
pub fn choice_box(item_id: i32) -> String {
    format!("choice-{item_id}")
}

/// The name of an allergen's checkbox.
pub fn allergen_box(allergen: Allergen) -> String {
    format!("allergen-{}", allergen.as_str())
}

/// The value a ticked checkbox sends.
pub const BOX_TICKED: &str = "yes";

/// The checkbox that agrees to appear on the participant list.
pub const PARTICIPANT_LIST_BOX: &str = "participant_list";

/// The programme items ticked in a form's boxes, by id, ascending.
pub fn ticked_choices(boxes: &BTreeMap<String, String>) -> Vec<i32> {
    let mut ids: Vec<i32> = boxes
        .iter()
        .filter(|(_, value)| value.as_str() == BOX_TICKED)
        .filter_map(|(name, _)| name.strip_prefix("choice-")?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The allergens ticked in a form's boxes, in Annex II order.
pub fn ticked_allergens(boxes: &BTreeMap<String, String>) -> Vec<Allergen> {
    Allergen::ALL
        .iter()
        .copied()
        .filter(|a| boxes.get(&allergen_box(*a)).map(String::as_str) == Some(BOX_TICKED))
        .collect()
}

impl NewRegistration {
    /// The organisation's name, for registrants from outside the network.
    pub fn affiliation_organisation(&self) -> Option<&str> {
        match &self.affiliation {
            Affiliation::Organisation(name) => Some(name),
            Affiliation::Municipality(_) => None,
        }
    }
}

/// The editable part of a registration, as posted from the manage page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role_title: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub dietary_needs: String,
    #[serde(default)]
    pub accessibility_needs: String,
    #[serde(default)]
    pub diet: String,
    /// The allergen checkboxes (`allergen-<code>`).
    #[serde(flatten)]
    pub boxes: BTreeMap<String, String>,
}

/// Where the registrant comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Affiliation {
    /// A member municipality, by its kommunkod.
    Municipality(String),
    /// Any other organisation, by name.
    Organisation(String),
}

/// A checked registration, ready to store.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub name: String,
    pub email: EmailAddress,
    pub affiliation: Affiliation,
    pub details: RegistrationDetails,
    /// The programme items chosen, by id, ascending (checked against the
    /// event's items by `domain::choice::check`).
    pub choices: Vec<i32>,
    /// The answers to the event's questions (parsed by
    /// `domain::question::parse_answers`, which needs the event's
    /// questions; empty until then).
    pub answers: super::question::Answers,
    /// Agreed to appear on the participant list (off unless ticked).
    pub listed: bool,
}

impl NewRegistration {
    /// What was submitted, as text: two submissions are the same exactly
    /// when their fingerprints are. A form key only replays the same data.
    pub fn fingerprint(&self) -> String {
        format!(
            "{:?}",
            (
                &self.name,
                self.email.normalized(),
                &self.affiliation,
                &self.details,
                &self.choices,
                &self.answers,
                self.listed
            )
        )
    }
}

/// The fields a registrant may change later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationDetails {
    pub role_title: String,
    pub phone: Option<String>,
    pub dietary_needs: Option<String>,
    pub accessibility_needs: Option<String>,
    /// The structured diet (sensitive, as the free text).
    pub diet: DietChoice,
}

/// A checked edit from the manage page.
#[derive(Debug, Clone)]
pub struct RegistrationEdit {
    pub name: String,
    pub details: RegistrationDetails,
}

/// A form field, named as in the HTML form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Email,
    Municipality,
    Organisation,
    RoleTitle,
    Phone,
    DietaryNeeds,
    Diet,
    AccessibilityNeeds,
    Consent,
    /// The programme choices as a whole.
    Choices,
    /// One of the organiser's own questions, by its id.
    Question(i32),
    /// The form as a whole (its key, or its body), not one field.
    Form,
}

impl Field {
    /// The HTML `name` and `id` of the field.
    pub fn id(self) -> String {
        match self {
            Field::Question(id) => format!("q-{id}"),
            field => field.fixed_id().to_owned(),
        }
    }

    /// The `id` of a field of the registration form itself.
    fn fixed_id(self) -> &'static str {
        match self {
            Field::Question(_) => "questions",
            Field::Name => "name",
            Field::Email => "email",
            Field::Municipality => "municipality",
            Field::Organisation => "organisation",
            Field::RoleTitle => "role_title",
            Field::Phone => "phone",
            Field::DietaryNeeds => "dietary_needs",
            Field::Diet => "diet",
            Field::Choices => "choices",
            Field::AccessibilityNeeds => "accessibility_needs",
            Field::Consent => "consent",
            // Every form that can have such an error starts with its name
            // field, so the summary's link leads to the top of the form.
            Field::Form => "name",
        }
    }
}

/// What is wrong with a field. The catalogue key is `error.<field>.<problem>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Missing,
    TooLong,
    Invalid,
    /// The form came without its one-time key (only [`Field::Form`]).
    MissingKey,
    /// A field came twice (only [`Field::Form`]).
    Repeated,
    /// The body was not UTF-8 (only [`Field::Form`]).
    InvalidUtf8,
    /// Two chosen items take the same time (only [`Field::Choices`]).
    Overlap,
    /// A chosen item's deadline has passed, or it is full and takes no
    /// queue (only [`Field::Choices`]).
    Closed,
    /// A substitute's address already has an active registration for the
    /// event (only [`Field::Email`]).
    AlreadyRegistered,
    /// A substitute's address is the registrant's own (only [`Field::Email`]).
    SamePerson,
    /// A substitute's member municipality has used its seats under the
    /// event's cap (only [`Field::Municipality`]).
    CapFull,
}

impl Problem {
    fn as_str(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::TooLong => "too_long",
            Problem::Invalid => "invalid",
            Problem::MissingKey => "missing_key",
            Problem::Repeated => "repeated",
            Problem::InvalidUtf8 => "invalid_utf8",
            Problem::Overlap => "overlap",
            Problem::Closed => "closed",
            Problem::AlreadyRegistered => "already_registered",
            Problem::SamePerson => "same_person",
            Problem::CapFull => "cap_full",
        }
    }
}

/// One field's error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

impl FieldError {
    /// The message catalogue key for this error.
    pub fn message_key(&self) -> String {
        // A substitution's own errors live in the `substitute` section.
        if matches!(
            self.problem,
            Problem::AlreadyRegistered | Problem::SamePerson | Problem::CapFull
        ) {
            return format!("substitute.error.{}", self.problem.as_str());
        }
        let field = match self.field {
            Field::Form => "form",
            // The message names the question: `%{label}` is filled in.
            Field::Question(_) => return format!("questions.error.{}", self.problem.as_str()),
            field => field.fixed_id(),
        };
        format!("error.{field}.{}", self.problem.as_str())
    }

    /// `missing`, `too_long` or `invalid`.
    pub fn problem_code(&self) -> &'static str {
        self.problem.as_str()
    }
}

/// The longest name, organisation or role, in characters.
pub const NAME_MAX: usize = 200;
/// The longest dietary or accessibility text, in characters.
pub const NEEDS_MAX: usize = 1000;
/// The longest phone number, in characters.
pub const PHONE_MAX: usize = 30;

/// Whether `text` holds a character that reorders the text around it: the
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) and the direction marks (U+200E, U+200F, U+061C). They are
/// invisible, and an unclosed override turns the rest of a line around on
/// the check-in page (Unicode bidi attacks, CVE-2021-42574).
pub fn has_direction_controls(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
    })
}

/// The detail fields as posted.
struct PostedDetails<'a> {
    role: &'a str,
    phone: &'a str,
    dietary: &'a str,
    access: &'a str,
    diet: &'a str,
    boxes: &'a BTreeMap<String, String>,
}

/// Collects field errors while parsing, so every error is reported at once.
#[derive(Default)]
struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    fn fail(&mut self, field: Field, problem: Problem) {
        self.errors.push(FieldError { field, problem });
    }

    /// A required single-line text: trimmed, no control characters and no
    /// [direction controls](has_direction_controls).
    fn required_line(&mut self, field: Field, input: &str, max: usize) -> String {
        let value = input.trim();
        if value.is_empty() {
            self.fail(field, Problem::Missing);
        } else if value.chars().count() > max {
            self.fail(field, Problem::TooLong);
        } else if value.chars().any(char::is_control) || has_direction_controls(value) {
            self.fail(field, Problem::Invalid);
        }
        value.to_owned()
    }

    /// An optional multi-line text; line breaks are allowed, other control
    /// characters are not.
    fn optional_text(&mut self, field: Field, input: &str, max: usize) -> Option<String> {
        let value = input.trim();
        if value.chars().count() > max {
            self.fail(field, Problem::TooLong);
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.fail(field, Problem::Invalid);
        }
        (!value.is_empty()).then(|| value.replace("\r\n", "\n"))
    }

    /// An optional phone number: digits with the usual separators.
    fn optional_phone(&mut self, input: &str) -> Option<String> {
        let value = input.trim();
        if value.is_empty() {
            return None;
        }
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let allowed = value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
        if !allowed || !(6..=20).contains(&digits) || value.len() > PHONE_MAX {
            self.fail(Field::Phone, Problem::Invalid);
        }
        Some(value.to_owned())
    }

    fn details(&mut self, posted: PostedDetails<'_>) -> RegistrationDetails {
        RegistrationDetails {
            role_title: self.required_line(Field::RoleTitle, posted.role, NAME_MAX),
            phone: self.optional_phone(posted.phone),
            dietary_needs: self.optional_text(Field::DietaryNeeds, posted.dietary, NEEDS_MAX),
            accessibility_needs: self.optional_text(
                Field::AccessibilityNeeds,
                posted.access,
                NEEDS_MAX,
            ),
            diet: DietChoice {
                diet: self.optional_diet(posted.diet),
                allergens: ticked_allergens(posted.boxes),
            },
        }
    }

    /// The diet radio: empty, or one of [`Diet`]'s values.
    fn optional_diet(&mut self, input: &str) -> Option<Diet> {
        let value = input.trim();
        if value.is_empty() {
            return None;
        }
        let diet = Diet::parse(value);
        if diet.is_none() {
            self.fail(Field::Diet, Problem::Invalid);
        }
        diet
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

impl RegistrationForm {
    /// Parses the form. `is_member_code` says whether a municipality code is
    /// one of the network's members.
    pub fn parse(
        &self,
        is_member_code: impl Fn(&str) -> bool,
    ) -> Result<NewRegistration, Vec<FieldError>> {
        let mut check = Checker::default();
        let name = check.required_line(Field::Name, &self.name, NAME_MAX);
        let email = if self.email.trim().is_empty() {
            check.fail(Field::Email, Problem::Missing);
            None
        } else {
            let parsed = EmailAddress::parse(&self.email);
            if parsed.is_none() {
                check.fail(Field::Email, Problem::Invalid);
            }
            parsed
        };
        let municipality = self.municipality.trim();
        let affiliation = if municipality.is_empty() {
            check.fail(Field::Municipality, Problem::Missing);
            None
        } else if municipality == OTHER_ORGANISATION {
            let organisation =
                check.required_line(Field::Organisation, &self.organisation, NAME_MAX);
            Some(Affiliation::Organisation(organisation))
        } else if is_member_code(municipality) {
            Some(Affiliation::Municipality(municipality.to_owned()))
        } else {
            check.fail(Field::Municipality, Problem::Invalid);
            None
        };
        let details = check.details(PostedDetails {
            role: &self.role_title,
            phone: &self.phone,
            dietary: &self.dietary_needs,
            access: &self.accessibility_needs,
            diet: &self.diet,
            boxes: &self.boxes,
        });
        if self.consent.as_deref() != Some(CONSENT_GIVEN) {
            check.fail(Field::Consent, Problem::Missing);
        }
        match (email, affiliation) {
            (Some(email), Some(affiliation)) => check.finish(NewRegistration {
                name,
                email,
                affiliation,
                details,
                choices: ticked_choices(&self.boxes),
                answers: Default::default(),
                listed: self.boxes.get(PARTICIPANT_LIST_BOX).map(String::as_str)
                    == Some(BOX_TICKED),
            }),
            _ => Err(check.errors),
        }
    }
}

impl RegistrationForm {
    /// [`RegistrationForm::parse`] with the answers to the event's
    /// `questions` (their errors stand where the questions stand on the
    /// form: before the consent).
    pub fn parse_with(
        &self,
        is_member_code: impl Fn(&str) -> bool,
        questions: &[super::question::Question],
    ) -> Result<NewRegistration, Vec<FieldError>> {
        let base = self.parse(is_member_code);
        let answers = super::question::parse_answers(
            questions,
            &self.boxes,
            super::question::Asker::Registrant,
        );
        match (base, answers) {
            (Ok(mut new), Ok(answers)) => {
                new.answers = answers;
                Ok(new)
            }
            (base, answers) => {
                let mut errors = base.err().unwrap_or_default();
                let at = errors
                    .iter()
                    .position(|e| e.field == Field::Consent)
                    .unwrap_or(errors.len());
                errors.splice(at..at, answers.err().unwrap_or_default());
                Err(errors)
            }
        }
    }
}

impl EditForm {
    /// Parses an edit from the manage page.
    pub fn parse(&self) -> Result<RegistrationEdit, Vec<FieldError>> {
        let mut check = Checker::default();
        let name = check.required_line(Field::Name, &self.name, NAME_MAX);
        let details = check.details(PostedDetails {
            role: &self.role_title,
            phone: &self.phone,
            dietary: &self.dietary_needs,
            access: &self.accessibility_needs,
            diet: &self.diet,
            boxes: &self.boxes,
        });
        check.finish(RegistrationEdit { name, details })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> RegistrationForm {
        RegistrationForm {
            submission_key: "k".repeat(43),
            name: "Anna Berg".into(),
            email: "anna.berg@example.org".into(),
            municipality: "2580".into(),
            role_title: "Kommunstyrelsens ordförande".into(),
            consent: Some(CONSENT_GIVEN.into()),
            ..Default::default()
        }
    }

    fn member(code: &str) -> bool {
        code == "2580"
    }

    fn problems(form: &RegistrationForm) -> Vec<(Field, Problem)> {
        form.parse(member)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect()
    }

    #[test]
    fn a_complete_form_becomes_a_registration() {
        let registration = valid().parse(member).unwrap();
        assert_eq!(
            registration.affiliation,
            Affiliation::Municipality("2580".into())
        );
        assert_eq!(registration.details.phone, None);
    }

    #[test]
    fn an_empty_form_reports_every_required_field() {
        let found = problems(&RegistrationForm::default());
        assert_eq!(
            found,
            vec![
                (Field::Name, Problem::Missing),
                (Field::Email, Problem::Missing),
                (Field::Municipality, Problem::Missing),
                (Field::RoleTitle, Problem::Missing),
                (Field::Consent, Problem::Missing),
            ]
        );
    }

    #[test]
    fn another_organisation_needs_its_name() {
        let mut form = valid();
        form.municipality = OTHER_ORGANISATION.into();
        assert_eq!(
            problems(&form),
            vec![(Field::Organisation, Problem::Missing)]
        );
        form.organisation = "Region Gotland".into();
        let registration = form.parse(member).unwrap();
        assert_eq!(
            registration.affiliation,
            Affiliation::Organisation("Region Gotland".into())
        );
    }

    #[test]
    fn unknown_codes_bad_phones_and_long_texts_are_refused() {
        let mut form = valid();
        form.municipality = "9999".into();
        form.phone = "call me".into();
        form.dietary_needs = "x".repeat(1001);
        form.name = "Anna\u{7}".into();
        assert_eq!(
            problems(&form),
            vec![
                (Field::Name, Problem::Invalid),
                (Field::Municipality, Problem::Invalid),
                (Field::Phone, Problem::Invalid),
                (Field::DietaryNeeds, Problem::TooLong),
            ]
        );
    }

    #[test]
    fn names_with_direction_controls_are_refused() {
        for control in [
            '\u{202E}', '\u{202A}', '\u{2066}', '\u{2069}', '\u{200F}', '\u{061C}',
        ] {
            let mut form = valid();
            form.name = format!("Anna {control}Berg");
            form.role_title = format!("KSO{control}");
            assert_eq!(
                problems(&form),
                vec![
                    (Field::Name, Problem::Invalid),
                    (Field::RoleTitle, Problem::Invalid)
                ],
                "{control:?}"
            );
        }
        let mut form = valid();
        form.name = "Sara כהן".into();
        assert!(form.parse(member).is_ok(), "right-to-left letters are fine");
    }

    #[test]
    fn a_name_with_a_line_break_is_refused() {
        let mut form = valid();
        form.name = "Anna\r\nBcc: evil@example.org".into();
        assert_eq!(problems(&form), vec![(Field::Name, Problem::Invalid)]);
    }

    proptest::proptest! {
        #[test]
        fn any_form_gives_a_registration_or_field_errors(
            name in ".{0,300}", email in ".{0,80}", municipality in ".{0,8}",
            organisation in ".{0,50}", role in ".{0,250}", phone in ".{0,40}",
            dietary in ".{0,1200}", consent in proptest::option::of(".{0,5}"),
        ) {
            let form = RegistrationForm {
                submission_key: String::new(), name, email, municipality, organisation,
                role_title: role, phone, dietary_needs: dietary, accessibility_needs: String::new(), consent,
                diet: String::new(), boxes: Default::default(),
            };
            match form.parse(member) {
                Ok(registration) => {
                    proptest::prop_assert!(!registration.name.is_empty());
                    proptest::prop_assert!(!registration.name.chars().any(char::is_control));
                    proptest::prop_assert!(!registration.email.as_str().chars().any(char::is_control));
                }
                Err(errors) => proptest::prop_assert!(!errors.is_empty()),
            }
        }
    }
}
