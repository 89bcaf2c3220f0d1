//! Programme choices and diet, as pure rules: a choice's states, which items
//! may be chosen together, when a registrant may still change a choice, and
//! the structured diet (EU regulation 1169/2011, Annex II).
use chrono::{DateTime, Utc};
use sea_orm::sea_query::StringLen;

use super::stored::stored_enum;

stored_enum!(
    /// Where one chosen item stands for one registration.
    #[derive(utoipa::ToSchema)]
    ChoiceStatus {
        /// Holds a seat of the item.
        Confirmed = "confirmed",
        /// In the item's queue (the registration holds an event seat).
        Waitlisted = "waitlisted",
        /// Chosen while the registration waits for an event seat: holds
        /// nothing, and queues for the item when the registration gets one.
        Pending = "pending",
        /// No longer chosen (kept so the caterer's sheet can say so).
        Dropped = "dropped",
    }
);

impl ChoiceStatus {
    /// Still chosen (confirmed, queued or pending).
    pub fn chosen(self) -> bool {
        self != Self::Dropped
    }
}

/// Something that happened to one of a person's choices that they did not
/// do themselves, told in their next email.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChoiceNote {
    /// The item's title when it happened.
    pub item: String,
    pub what: NoteKind,
}

/// What happened to a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    /// Moved from the item's queue onto a seat.
    GotSeat,
    /// The item was taken off the programme.
    Removed,
    /// An organiser added the choice.
    Added,
    /// An organiser dropped the choice.
    Dropped,
}

/// One chosen item and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceLine {
    pub item_id: i32,
    pub status: ChoiceStatus,
    /// The 1-based place in the item's queue, while queued.
    pub position: Option<u64>,
}

/// An item's time as the overlap rule sees it: an item without an end is a
/// moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

impl Span {
    fn end(self) -> DateTime<Utc> {
        self.ends_at.unwrap_or(self.starts_at)
    }

    /// Whether two items take some of the same time, so nobody can attend
    /// both. Touching (one ends as the other starts) is not overlapping; two
    /// moments overlap only when they are the same moment.
    pub fn overlaps(self, other: Span) -> bool {
        if self.starts_at == other.starts_at {
            return true;
        }
        self.starts_at < other.end() && other.starts_at < self.end()
    }
}

/// The first pair (by the given order) of chosen items that overlap, as
/// indices into `spans`.
pub fn first_overlap(spans: &[Span]) -> Option<(usize, usize)> {
    (0..spans.len()).find_map(|i| {
        (i + 1..spans.len())
            .find(|&j| spans[i].overlaps(spans[j]))
            .map(|j| (i, j))
    })
}

/// Whether a registrant may still change a choice of an item with this
/// deadline. Organisers always may (their late changes are flagged).
pub fn open_for_registrant(deadline: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    deadline.is_none_or(|deadline| now < deadline)
}

/// A choosable item, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub id: i32,
    pub span: Span,
    pub deadline: Option<DateTime<Utc>>,
}

/// Checks a change of choices from `had` to `wanted` (item ids): every
/// wanted item is offered, no two wanted items overlap, and (for the
/// registrant) no item past its deadline is added or dropped.
pub fn check(
    offers: &[Offer],
    had: &[i32],
    wanted: &[i32],
    now: DateTime<Utc>,
    by_registrant: bool,
) -> Result<(), super::registration::Problem> {
    use super::registration::Problem;
    let mut chosen = Vec::with_capacity(wanted.len());
    for id in wanted {
        match offers.iter().find(|offer| offer.id == *id) {
            Some(offer) => chosen.push(*offer),
            None if had.contains(id) => {}
            None => return Err(Problem::Invalid),
        }
    }
    let spans: Vec<Span> = chosen.iter().map(|offer| offer.span).collect();
    if first_overlap(&spans).is_some() {
        return Err(Problem::Overlap);
    }
    if by_registrant {
        let changed = offers
            .iter()
            .filter(|offer| had.contains(&offer.id) != wanted.contains(&offer.id));
        if changed
            .into_iter()
            .any(|offer| !open_for_registrant(offer.deadline, now))
        {
            return Err(Problem::Closed);
        }
    }
    Ok(())
}

stored_enum!(
    /// The kind of meal a registrant eats.
    #[derive(utoipa::ToSchema)]
    Diet {
        /// No special diet.
        Ordinary = "none",
        Vegetarian = "vegetarian",
        Vegan = "vegan",
    }
);

stored_enum!(
    /// The 14 allergens of EU regulation 1169/2011, Annex II, in its order.
    #[derive(utoipa::ToSchema)]
    Allergen {
        Gluten = "gluten",
        Crustaceans = "crustaceans",
        Eggs = "eggs",
        Fish = "fish",
        Peanuts = "peanuts",
        Soybeans = "soybeans",
        Milk = "milk",
        Nuts = "nuts",
        Celery = "celery",
        Mustard = "mustard",
        Sesame = "sesame",
        Sulphites = "sulphites",
        Lupin = "lupin",
        Molluscs = "molluscs",
    }
);

impl Diet {
    /// The translation key of its name.
    pub fn label_key(self) -> String {
        format!("diet.{}", self.as_str())
    }
}

impl Allergen {
    /// The translation key of its name.
    pub fn label_key(self) -> String {
        format!("allergen.{}", self.as_str())
    }

    /// The stored list (`gluten,milk`) as allergens; unknown codes are
    /// ignored.
    pub fn parse_list(text: &str) -> Vec<Allergen> {
        let mut found: Vec<Allergen> = text
            .split(',')
            .filter_map(|code| Allergen::parse(code.trim()))
            .collect();
        found.sort_by_key(|a| Allergen::ALL.iter().position(|b| b == a));
        found.dedup();
        found
    }

    /// Allergens as stored: codes in Annex II order, comma-separated.
    pub fn list_text(allergens: &[Allergen]) -> String {
        let mut sorted = allergens.to_vec();
        sorted.sort_by_key(|a| Allergen::ALL.iter().position(|b| b == a));
        sorted.dedup();
        sorted
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The structured diet of one registrant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DietChoice {
    pub diet: Option<Diet>,
    pub allergens: Vec<Allergen>,
}

impl DietChoice {
    /// As stored in a registration.
    pub fn from_stored(diet: Option<&str>, allergens: &str) -> Self {
        Self {
            diet: diet.and_then(Diet::parse),
            allergens: Allergen::parse_list(allergens),
        }
    }

    /// Whether anything was said.
    pub fn is_empty(&self) -> bool {
        matches!(self.diet, None | Some(Diet::Ordinary)) && self.allergens.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 4, 6, hour, 0, 0).unwrap()
    }

    fn span(from: u32, to: Option<u32>) -> Span {
        Span {
            starts_at: at(from),
            ends_at: to.map(at),
        }
    }

    #[test]
    fn items_overlap_when_they_share_time() {
        assert!(span(10, Some(12)).overlaps(span(11, Some(13))));
        assert!(span(11, Some(13)).overlaps(span(10, Some(12))));
        assert!(span(10, Some(14)).overlaps(span(11, Some(12))));
        assert!(!span(10, Some(12)).overlaps(span(12, Some(13))), "touching");
        assert!(span(10, None).overlaps(span(10, Some(11))), "same start");
        assert!(
            span(11, None).overlaps(span(10, Some(12))),
            "a moment inside"
        );
        assert!(!span(9, None).overlaps(span(10, Some(12))));
        assert_eq!(
            first_overlap(&[span(8, Some(9)), span(10, Some(12)), span(11, None)]),
            Some((1, 2))
        );
        assert_eq!(first_overlap(&[span(8, Some(9)), span(10, Some(12))]), None);
    }

    #[test]
    fn a_change_of_choices_is_checked_against_the_offers() {
        use crate::domain::registration::Problem;
        let offer = |id, from, to, deadline: Option<u32>| Offer {
            id,
            span: span(from, Some(to)),
            deadline: deadline.map(at),
        };
        let offers = [
            offer(1, 10, 12, None),
            offer(2, 11, 13, None),
            offer(3, 19, 22, Some(9)),
        ];
        assert_eq!(check(&offers, &[], &[1], at(8), true), Ok(()));
        assert_eq!(
            check(&offers, &[], &[1, 2], at(8), true),
            Err(Problem::Overlap)
        );
        assert_eq!(
            check(&offers, &[], &[9], at(8), true),
            Err(Problem::Invalid)
        );
        assert_eq!(check(&offers, &[], &[3], at(9), true), Err(Problem::Closed));
        assert_eq!(check(&offers, &[3], &[], at(9), true), Err(Problem::Closed));
        assert_eq!(check(&offers, &[3], &[3, 1], at(9), true), Ok(()), "kept");
        assert_eq!(check(&offers, &[], &[3], at(9), false), Ok(()), "organiser");
    }

    #[test]
    fn a_deadline_closes_the_choice_for_the_registrant() {
        assert!(open_for_registrant(None, at(12)));
        assert!(open_for_registrant(Some(at(13)), at(12)));
        assert!(!open_for_registrant(Some(at(12)), at(12)));
    }

    #[test]
    fn allergens_are_stored_in_annex_order_once() {
        let list = Allergen::list_text(&[Allergen::Milk, Allergen::Gluten, Allergen::Milk]);
        assert_eq!(list, "gluten,milk");
        assert_eq!(
            Allergen::parse_list("milk, gluten,unknown"),
            vec![Allergen::Gluten, Allergen::Milk]
        );
        assert_eq!(Allergen::ALL.len(), 14);
    }
}
