//! Delegations in a real headless Chromium, with and without JavaScript:
//! the form (empty, with more rows, with errors), the results, the
//! delegation's page and the cancel step, each with zero axe violations
//! and no sideways scrolling on a phone.
use fantoccini::Locator;

use crate::accessibility::{audit, submit};
use crate::choices::meeting;
use crate::common::browser::{self, Browser};
use crate::common::*;

async fn type_into(b: &Browser, id: &str, value: &str) {
    let field = b.client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// axe's report on the page, or (without JavaScript, where axe cannot
/// run) only the page's name.
async fn look(b: &Browser, javascript: bool, name: &str) -> (String, Vec<String>) {
    if javascript {
        audit(b, name).await
    } else {
        (format!("without JavaScript: {name}"), Vec::new())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delegation_form_and_page_have_zero_axe_violations() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn().await;
    app.create_event(&meeting("delegation", Some(3), 1, 40))
        .await;

    let mut report = Vec::new();
    let mut problems = Vec::new();
    // axe runs in the page, so the pass without JavaScript checks that the
    // form and page work (more rows, sending, cancelling) and fit a phone.
    for (width, height, javascript) in [(1280, 1000, true), (375, 800, true), (375, 800, false)] {
        let b = browser::open(width, height, javascript).await;
        let mut check = |line: (String, Vec<String>), wide: bool| {
            println!("{width} px: {}", line.0);
            report.push(line.0);
            problems.extend(line.1.into_iter().map(|p| format!("{width} px: {p}")));
            if wide {
                problems.push(format!("{width} px: the page scrolls sideways"));
            }
        };
        // From the event page to the form.
        b.goto(&app.url("/events/delegation")).await;
        b.client
            .find(Locator::Css("a[href$='/delegation']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        check(
            look(&b, javascript, "delegation form").await,
            b.scrolls_sideways().await,
        );

        // More rows keeps what was typed.
        type_into(&b, "m1-name", "Anna Berg").await;
        submit(&b, "button[name=more]").await;
        let legends = b.text("form").await;
        assert!(legends.contains("Kollega 8"), "{legends}");
        assert_eq!(
            b.client
                .find(Locator::Id("m1-name"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap()
                .as_deref(),
            Some("Anna Berg")
        );
        check(
            look(&b, javascript, "delegation form, more rows").await,
            b.scrolls_sideways().await,
        );

        // Sent incomplete: every error named, by row.
        submit(&b, "form button[type=submit]:not([name])").await;
        let summary = b.text(".error-summary").await;
        assert!(summary.contains("Kollega 1"), "{summary}");
        check(
            look(&b, javascript, "delegation form with errors").await,
            b.scrolls_sideways().await,
        );

        // Complete: the results at once, then the page.
        let suffix = format!("{width}-{javascript}");
        type_into(&b, "contact_name", "Eva Ek").await;
        type_into(&b, "contact_email", &format!("eva-{suffix}@example.org")).await;
        b.client
            .find(Locator::Id("municipality"))
            .await
            .unwrap()
            .select_by_value("2580")
            .await
            .unwrap();
        type_into(&b, "m1-email", &format!("anna-{suffix}@example.org")).await;
        type_into(&b, "m1-role", "Ordförande").await;
        type_into(&b, "m2-name", "Bo Ek").await;
        type_into(&b, "m2-email", &format!("bo-{suffix}@example.org")).await;
        type_into(&b, "m2-role", "Kommundirektör").await;
        b.client
            .find(Locator::Id("consent"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        submit(&b, "form button[type=submit]:not([name])").await;
        let results = b.wait_text("[role=status]", "Bo Ek").await;
        assert!(results.contains("Anna Berg"), "{results}");
        check(
            look(&b, javascript, "delegation page with results").await,
            b.scrolls_sideways().await,
        );

        // Cancel a colleague: the step, then the page with its notice.
        b.client
            .find(Locator::Css("a[href*='/cancel/']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        check(
            look(&b, javascript, "cancel a colleague").await,
            b.scrolls_sideways().await,
        );
        submit(&b, "form button.button-warning").await;
        let notice = b.wait_text("[role=status]", "avbokad").await;
        assert!(notice.contains("Anna Berg"), "{notice}");
        check(
            look(&b, javascript, "delegation page after a cancellation").await,
            b.scrolls_sideways().await,
        );
    }
    println!("{} pages and states audited", report.len());
    assert!(
        problems.is_empty(),
        "axe violations or sideways scrolling:\n{}",
        problems.join("\n")
    );
}
