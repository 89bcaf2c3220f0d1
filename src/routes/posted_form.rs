//! A form body read so that a bad post still gets its form back with
//! everything typed and one sentence saying what to do, instead of a bare
//! "bad request" page or values silently changed.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::domain::registration::{Field, FieldError, Problem};

/// An `application/x-www-form-urlencoded` body as `T`, with what was wrong
/// with the body itself, if anything.
#[derive(Debug)]
pub struct PostedForm<T> {
    /// The fields, the first value of each; bytes that are not UTF-8 are
    /// shown as U+FFFD so the person sees where they were.
    pub form: T,
    /// Why the body must not be acted on, though it could be read.
    pub problem: Option<BodyProblem>,
}

/// What can be wrong with a form body that is still worth showing again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyProblem {
    /// A field's bytes are not UTF-8: acting on them would store
    /// replacement characters (or mail `bad�@example.org`).
    InvalidUtf8,
    /// A field came more than once: which one was meant is a guess.
    RepeatedField,
}

impl BodyProblem {
    /// The form-level error that explains it.
    pub fn field_error(self) -> FieldError {
        let problem = match self {
            BodyProblem::InvalidUtf8 => Problem::InvalidUtf8,
            BodyProblem::RepeatedField => Problem::Repeated,
        };
        FieldError {
            field: Field::Form,
            problem,
        }
    }
}

impl<T> PostedForm<T> {
    /// The form-level errors: the body's problem, and a missing or unusable
    /// one-time key when `key_missing`.
    pub fn form_errors(&self, key_missing: bool) -> Vec<FieldError> {
        let mut errors: Vec<FieldError> = self
            .problem
            .map(BodyProblem::field_error)
            .into_iter()
            .collect();
        if key_missing {
            errors.push(FieldError {
                field: Field::Form,
                problem: Problem::MissingKey,
            });
        }
        errors
    }
}

impl<S, T> FromRequest<S> for PostedForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response());
        }
        // Bytes keeps the body limit (413).
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let (fields, problem) = read_fields(&body);
        let form = serde_json::from_value(serde_json::Value::Object(fields))
            .map_err(|_| StatusCode::UNPROCESSABLE_ENTITY.into_response())?;
        Ok(Self { form, problem })
    }
}

/// Reads `name=value&…` into a map of the first value of each name.
fn read_fields(
    body: &[u8],
) -> (
    serde_json::Map<String, serde_json::Value>,
    Option<BodyProblem>,
) {
    let mut fields = serde_json::Map::new();
    let mut problem = None;
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let (name, name_ok) = decode(name);
        let (value, value_ok) = decode(value);
        if !(name_ok && value_ok) {
            problem = Some(BodyProblem::InvalidUtf8);
        }
        if fields.contains_key(&name) {
            problem.get_or_insert(BodyProblem::RepeatedField);
            continue;
        }
        fields.insert(name, serde_json::Value::String(value));
    }
    (fields, problem)
}

/// Decodes one urlencoded name or value (`+` is a space, `%XX` a byte);
/// says whether the bytes were UTF-8.
fn decode(raw: &[u8]) -> (String, bool) {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => match (hex(raw.get(i + 1)), hex(raw.get(i + 2))) {
                (Some(high), Some(low)) => {
                    // Two hex digits make one byte: at most 255.
                    bytes.push((high * 16 + low) as u8);
                    i += 2;
                }
                // A lone % stays as typed, as browsers and form_urlencoded do.
                _ => bytes.push(b'%'),
            },
            b => bytes.push(b),
        }
        i += 1;
    }
    match String::from_utf8(bytes) {
        Ok(text) => (text, true),
        Err(error) => (
            String::from_utf8_lossy(error.as_bytes()).into_owned(),
            false,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_reads_like_form_urlencoded() {
        let (fields, problem) =
            read_fields(b"name=%C3%85sa+%C3%96berg&consent=yes&empty=&flag&x=100%");
        assert_eq!(problem, None);
        assert_eq!(fields["name"], "Åsa Öberg");
        assert_eq!(fields["consent"], "yes");
        assert_eq!(fields["empty"], "");
        assert_eq!(fields["flag"], "");
        assert_eq!(fields["x"], "100%");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_noticed_and_shown_as_replacement_characters() {
        let (fields, problem) = read_fields(b"email=bad%FFutf3%40example.org");
        assert_eq!(problem, Some(BodyProblem::InvalidUtf8));
        assert_eq!(fields["email"], "bad\u{FFFD}utf3@example.org");
    }

    #[test]
    fn a_repeated_field_keeps_its_first_value_and_is_noticed() {
        let (fields, problem) = read_fields(b"name=Anna&name=Bo");
        assert_eq!(problem, Some(BodyProblem::RepeatedField));
        assert_eq!(fields["name"], "Anna");
    }
}
