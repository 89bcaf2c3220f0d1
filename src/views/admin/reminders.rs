//! `/admin/events/{slug}/reminders`: the event's reminder rules with their
//! due time, reach and sent count, a form for a new rule, and the
//! confirmation step of a missed rule.
use maud::{Markup, html};

use crate::db::entities::{event, programme_item};
use crate::domain::event_form::EventFieldError;
use crate::domain::reminder::{Audience, RuleState, TimingKind};
use crate::i18n::{Locale, format};
use crate::services::accounts::CurrentOrganiser;
use crate::services::reminders::{RuleForm, RuleLine};
use crate::views::admin::layout::admin_page;
use crate::views::components::{InputKind, input_field};

/// The error of `field`, if any.
pub(crate) fn error_for(errors: &[EventFieldError], field: &str, locale: Locale) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| locale.t(e.key))
}

/// The error summary at the top of a back-office form.
pub(crate) fn summary(errors: &[EventFieldError], locale: Locale) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" id="error-summary" {
                h2 id="error-summary-title" { (locale.t("form.error_summary")) }
                ul { @for error in errors {
                    li { a href={ "#" (error.field) } { (locale.t(error.key)) } }
                } }
            }
        }
    }
}

/// A group of radio buttons with a legend, its error tied to the group.
pub(crate) fn radios(
    name: &str,
    legend: &str,
    options: &[(String, String)],
    selected: &str,
    error: Option<&str>,
    locale: Locale,
) -> Markup {
    let error_id = format!("{name}-error");
    html! {
        fieldset class={ "field" @if error.is_some() { " field-error" } } id=(name) aria-describedby=[error.map(|_| error_id.as_str())] {
            legend { (legend) }
            @if let Some(error) = error {
                p class="error-message" id=(error_id) { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
            }
            @for (value, label) in options {
                @let id = format!("{name}-{value}");
                div class="field-checkbox" {
                    input type="radio" id=(id) name=(name) value=(value) checked[value == selected];
                    label for=(id) { (label) }
                }
            }
        }
    }
}

/// What the reminders page shows.
pub struct RemindersPage<'a> {
    pub event: &'a event::Model,
    pub lines: &'a [RuleLine],
    /// The event's choosable programme items.
    pub items: &'a [programme_item::Model],
    pub form: &'a RuleForm,
    pub errors: &'a [EventFieldError],
    pub notice: Option<String>,
}

/// How a rule's timing reads.
fn describe(line: &RuleLine, locale: Locale) -> String {
    let rule = &line.rule;
    let key = if rule.days_before == Some(1) && rule.timing == TimingKind::BeforeStart {
        "reminders.describe.before-start-one".to_owned()
    } else {
        format!("reminders.describe.{}", rule.timing)
    };
    // Stored as 09:00; Swedish writes 09.00.
    let time = rule.local_time.as_deref().unwrap_or("");
    let time = match locale {
        Locale::Sv => time.replace(':', "."),
        Locale::En => time.to_owned(),
    };
    let text = locale.t_with(
        &key,
        &[
            ("days", &rule.days_before.unwrap_or(0).to_string()),
            ("time", &time),
            ("hours", &rule.hours_before.unwrap_or(0).to_string()),
        ],
    );
    if rule.subject_sv.is_empty()
        && rule.body_sv.is_empty()
        && rule.subject_en.is_empty()
        && rule.body_en.is_empty()
    {
        text
    } else {
        format!("{text} ({})", locale.t("reminders.own_text"))
    }
}

/// The reminders page.
pub fn render(who: &CurrentOrganiser, view: &RemindersPage<'_>, locale: Locale) -> Markup {
    let event = view.event;
    let base = format!("/admin/events/{}", event.slug);
    let tz = format::zone(&event.time_zone);
    let title = locale.t("reminders.title");
    let e = |field: &str| error_for(view.errors, field, locale);
    // "One programme item" only where there are items to choose.
    let audiences: Vec<(String, String)> = Audience::ALL
        .iter()
        .filter(|a| **a != Audience::Item || !view.items.is_empty())
        .map(|a| (a.to_string(), locale.t(&format!("reminders.audience.{a}"))))
        .collect();
    let timings: Vec<(String, String)> = TimingKind::ALL
        .iter()
        .map(|t| (t.to_string(), locale.t(&format!("reminders.timing.{t}"))))
        .collect();
    let mut items = vec![(String::new(), locale.t("reminders.item_choose"))];
    items.extend(
        view.items
            .iter()
            .map(|i| (i.id.to_string(), i.title.clone())),
    );
    let form = view.form;
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/reminders"),
        html! {
            p { a href=(base) { "← " (event.title) } }
            @if let Some(notice) = &view.notice { div class="notice notice-success" role="status" { p { (notice) } } }
            (summary(view.errors, locale))
            h1 { (title) }
            p { (locale.t("reminders.intro")) }
            h2 { (locale.t("reminders.rules_title")) }
            @if view.lines.is_empty() {
                p { (locale.t("reminders.none")) }
            } @else {
                table class="data stacked reminders" {
                    thead { tr {
                        th scope="col" { (locale.t("reminders.col.who")) }
                        th scope="col" { (locale.t("reminders.col.when")) }
                        th scope="col" { (locale.t("reminders.col.due")) }
                        th scope="col" { (locale.t("reminders.col.state")) }
                        th scope="col" class="num" { (locale.t("reminders.col.reach")) }
                        th scope="col" class="num" { (locale.t("reminders.col.sent")) }
                        th scope="col" { (locale.t("reminders.col.actions")) }
                    } }
                    tbody { @for line in view.lines {
                        tr class={ "rule rule-" (format!("{:?}", line.state).to_lowercase()) } {
                            td data-label=(locale.t("reminders.col.who")) {
                                (locale.t(&format!("reminders.audience.{}", line.rule.audience)))
                                @if let Some(item) = &line.item_title { ": " (item) }
                            }
                            td data-label=(locale.t("reminders.col.when")) { (describe(line, locale)) }
                            td data-label=(locale.t("reminders.col.due")) {
                                @if let Some(due) = line.due_at { (format::date_time(due, tz, locale)) } @else { "–" }
                            }
                            td data-label=(locale.t("reminders.col.state")) {
                                @if line.state == RuleState::Missed { strong { (locale.t(line.state.key())) } } @else { (locale.t(line.state.key())) }
                            }
                            td class="num reach" data-label=(locale.t("reminders.col.reach")) { (line.reach) }
                            td class="num sent" data-label=(locale.t("reminders.col.sent")) { (line.sent) }
                            td data-label=(locale.t("reminders.col.actions")) {
                                @if line.state == RuleState::Missed {
                                    a href={ (base) "/reminders/" (line.rule.id) "/confirm" } { (locale.t("reminders.confirm")) }
                                    " "
                                }
                                @if line.rule.ran_at.is_none() {
                                    form method="post" action={ (base) "/reminders/" (line.rule.id) "/delete" } class="inline-form" {
                                        button type="submit" class="link-button" { (locale.t("reminders.delete")) span class="visually-hidden" { " " (line.rule.id) } }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
            p { a href={ (base) "/emails" } { (locale.t("reminders.email_log")) } }
            h2 id="new-rule" { (locale.t("reminders.new_title")) }
            form method="post" action={ (base) "/reminders" } novalidate {
                (radios("audience", &locale.t("reminders.audience_label"), &audiences, &form.audience, e("audience").as_deref(), locale))
                @if !view.items.is_empty() {
                    div class={ "field" @if e("item").is_some() { " field-error" } } {
                        label for="item" { (locale.t("reminders.item")) }
                        p class="hint" id="item-hint" { (locale.t("reminders.item_hint")) }
                        @if let Some(error) = e("item") {
                            p class="error-message" id="item-error" { span class="visually-hidden" { (locale.t("form.error_prefix")) " " } (error) }
                        }
                        select id="item" name="item" aria-describedby={ "item-hint" @if e("item").is_some() { " item-error" } } aria-invalid=[e("item").map(|_| "true")] {
                            @for (value, label) in &items {
                                option value=(value) selected[*value == form.item] { (label) }
                            }
                        }
                    }
                }
                (radios("timing", &locale.t("reminders.timing_label"), &timings, &form.timing, e("timing").as_deref(), locale))
                (input_field("days_before", &locale.t("reminders.days_before"), None, &form.days_before, false, InputKind::Text { autocomplete: "off" }, e("days_before").as_deref(), locale))
                (input_field("local_time", &locale.t("reminders.local_time"), Some(&locale.t("reminders.local_time_hint")), &form.local_time, false, InputKind::Text { autocomplete: "off" }, e("local_time").as_deref(), locale))
                (input_field("hours_before", &locale.t("reminders.hours_before"), None, &form.hours_before, false, InputKind::Text { autocomplete: "off" }, e("hours_before").as_deref(), locale))
                (input_field("fixed_at", &locale.t("reminders.fixed_at"), None, &form.fixed_at, false, InputKind::DateTime, e("fixed_at").as_deref(), locale))
                fieldset {
                    legend { (locale.t("reminders.words_legend")) }
                    p class="hint" { (locale.t("reminders.words_hint")) }
                    (input_field("subject_sv", &locale.t("reminders.subject_sv"), None, &form.subject_sv, false, InputKind::Text { autocomplete: "off" }, e("subject_sv").as_deref(), locale))
                    (input_field("body_sv", &locale.t("reminders.body_sv"), None, &form.body_sv, false, InputKind::TextArea, e("body_sv").as_deref(), locale))
                    (input_field("subject_en", &locale.t("reminders.subject_en"), None, &form.subject_en, false, InputKind::Text { autocomplete: "off" }, e("subject_en").as_deref(), locale))
                    (input_field("body_en", &locale.t("reminders.body_en"), None, &form.body_en, false, InputKind::TextArea, e("body_en").as_deref(), locale))
                }
                button type="submit" { (locale.t("reminders.create")) }
            }
        },
    )
}

/// The confirmation step of a missed rule.
pub fn confirm(
    who: &CurrentOrganiser,
    event: &event::Model,
    line: &RuleLine,
    locale: Locale,
) -> Markup {
    let base = format!("/admin/events/{}", event.slug);
    let tz = format::zone(&event.time_zone);
    let title = locale.t("reminders.confirm_title");
    let due = line
        .due_at
        .map(|due| format::date_time(due, tz, locale))
        .unwrap_or_default();
    admin_page(
        locale,
        Some(who),
        &title,
        &format!("{base}/reminders/{}/confirm", line.rule.id),
        html! {
            p { a href={ (base) "/reminders" } { "← " (locale.t("reminders.title")) } }
            h1 { (title) }
            p { strong { (locale.t(&format!("reminders.audience.{}", line.rule.audience))) @if let Some(item) = &line.item_title { ": " (item) } } }
            p { (locale.t_with("reminders.confirm_body", &[("due", &due), ("count", &line.reach.to_string())])) }
            form method="post" action={ (base) "/reminders/" (line.rule.id) "/confirm" } {
                button type="submit" class="button-warning" { (locale.t("reminders.confirm")) }
            }
            p { a href={ (base) "/reminders" } { (locale.t("reminders.confirm_keep")) } }
        },
    )
}
