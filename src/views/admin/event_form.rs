//! Creating and editing an event, and confirming a change that emails people.
use crate::domain::event::{EventKind, Visibility};
use maud::{Markup, html};

use crate::db::entities::municipality;
use crate::domain::event_form::{EventFieldError, EventForm};
use crate::i18n::Locale;
use crate::services::accounts::CurrentOrganiser;
use crate::views::admin::layout::admin_page;
use crate::views::components::{InputKind, input_field, select_field};

fn error_for(errors: &[EventFieldError], field: &str, locale: Locale) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| {
        let text = locale.t(e.key);
        match e.line {
            Some(line) => text.replace("%{line}", &line.to_string()),
            None => text,
        }
    })
}

/// The event form; `action` is where it posts.
pub fn render(
    who: &CurrentOrganiser,
    title: &str,
    action: &str,
    form: &EventForm,
    errors: &[EventFieldError],
    members: &[municipality::Model],
    locale: Locale,
) -> Markup {
    let e = |field: &str| error_for(errors, field, locale);
    let mut hosts = vec![(String::new(), locale.t("admin.event.no_host"))];
    hosts.extend(members.iter().map(|m| (m.code.clone(), m.name.clone())));
    let kinds: Vec<(String, String)> = EventKind::ALL
        .iter()
        .map(|k| (k.to_string(), locale.t(&format!("event.kind.{k}"))))
        .collect();
    let visibilities: Vec<(String, String)> = Visibility::ALL
        .iter()
        .map(|v| (v.to_string(), locale.t(&format!("admin.visibility.{v}"))))
        .collect();
    admin_page(
        locale,
        Some(who),
        title,
        action,
        html! {
            h1 { (title) }
            @if !errors.is_empty() {
                div class="error-summary" role="alert" id="error-summary" tabindex="-1" {
                    h2 { (locale.t("form.error_summary")) }
                    ul { @for error in errors {
                        li { a href={ "#" (error.field) } { (error_for(std::slice::from_ref(error), error.field, locale).unwrap_or_default()) } }
                    } }
                }
            }
            form method="post" action=(action) novalidate {
                (input_field("title", &locale.t("admin.event.title"), None, &form.title, true, InputKind::Text { autocomplete: "off" }, e("title").as_deref(), locale))
                (input_field("slug", &locale.t("admin.event.slug"), Some(&locale.t("admin.event.slug_hint")), &form.slug, false, InputKind::Text { autocomplete: "off" }, e("slug").as_deref(), locale))
                (select_field("kind", &locale.t("admin.event.kind"), &kinds, &form.kind, e("kind").as_deref(), locale))
                (input_field("summary", &locale.t("admin.event.summary"), None, &form.summary, false, InputKind::TextArea, e("summary").as_deref(), locale))
                (input_field("description", &locale.t("admin.event.description"), Some(&locale.t("admin.event.description_hint")), &form.description, false, InputKind::LongText, e("description").as_deref(), locale))
                (input_field("themes", &locale.t("event.themes"), Some(&locale.t("admin.event.themes_hint")), &form.themes, false, InputKind::Text { autocomplete: "off" }, e("themes").as_deref(), locale))
                (input_field("venue_name", &locale.t("admin.event.venue_name"), None, &form.venue_name, true, InputKind::Text { autocomplete: "off" }, e("venue_name").as_deref(), locale))
                (input_field("venue_address", &locale.t("admin.event.venue_address"), None, &form.venue_address, false, InputKind::Text { autocomplete: "off" }, e("venue_address").as_deref(), locale))
                (select_field("host_municipality", &locale.t("event.host"), &hosts, &form.host_municipality, e("host_municipality").as_deref(), locale))
                (input_field("starts_at", &locale.t("admin.event.starts_at"), Some(&locale.t("admin.event.time_hint")), &form.starts_at, true, InputKind::DateTime, e("starts_at").as_deref(), locale))
                (input_field("ends_at", &locale.t("admin.event.ends_at"), None, &form.ends_at, true, InputKind::DateTime, e("ends_at").as_deref(), locale))
                (input_field("capacity", &locale.t("admin.event.capacity"), Some(&locale.t("admin.event.capacity_hint")), &form.capacity, false, InputKind::Number, e("capacity").as_deref(), locale))
                (input_field("registration_opens_at", &locale.t("admin.event.opens"), None, &form.registration_opens_at, false, InputKind::DateTime, e("registration_opens_at").as_deref(), locale))
                (input_field("registration_closes_at", &locale.t("admin.event.closes"), Some(&locale.t("admin.event.closes_hint")), &form.registration_closes_at, false, InputKind::DateTime, e("registration_closes_at").as_deref(), locale))
                (select_field("visibility", &locale.t("admin.event.visibility"), &visibilities, &form.visibility, None, locale))
                (input_field("organiser_email", &locale.t("admin.event.organiser_email"), None, &form.organiser_email, true, InputKind::Email, e("organiser_email").as_deref(), locale))
                (input_field("programme", &locale.t("event.programme"), Some(&locale.t("admin.event.programme_hint")), &form.programme, false, InputKind::LongText, e("programme").as_deref(), locale))
                button type="submit" { (locale.t("admin.save")) }
            }
        },
    )
}

/// "This will send an updated invite to N participants": the whole form
/// again as hidden fields, with a confirm button.
pub fn confirm_change(
    who: &CurrentOrganiser,
    action: &str,
    form: &EventForm,
    affected: u64,
    locale: Locale,
) -> Markup {
    let title = locale.t("admin.event.confirm_title");
    let fields = [
        ("title", &form.title),
        ("slug", &form.slug),
        ("kind", &form.kind),
        ("summary", &form.summary),
        ("description", &form.description),
        ("themes", &form.themes),
        ("venue_name", &form.venue_name),
        ("venue_address", &form.venue_address),
        ("host_municipality", &form.host_municipality),
        ("starts_at", &form.starts_at),
        ("ends_at", &form.ends_at),
        ("capacity", &form.capacity),
        ("registration_opens_at", &form.registration_opens_at),
        ("registration_closes_at", &form.registration_closes_at),
        ("visibility", &form.visibility),
        ("organiser_email", &form.organiser_email),
        ("programme", &form.programme),
    ];
    admin_page(
        locale,
        Some(who),
        &title,
        action,
        html! {
            h1 { (title) }
            p class="notice notice-warning" { (locale.t("admin.event.confirm_body").replace("%{count}", &affected.to_string())) }
            form method="post" action=(action) {
                @for (name, value) in fields { input type="hidden" name=(name) value=(value); }
                input type="hidden" name="confirm" value="yes";
                button type="submit" { (locale.t("admin.event.confirm_send")) }
            }
            p { a href=(action) { (locale.t("admin.event.confirm_back")) } }
        },
    )
}
