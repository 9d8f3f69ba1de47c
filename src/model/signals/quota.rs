//! Assembly of a [`Quota`] from the header families a response carries.
//!
//! Each family is read into its own [`Partial`]. A response may repeat a header or
//! carry several families, so every value keeps the tightest reading (lowest limit
//! and remaining, highest used, earliest reset), and the family with the lowest
//! remaining quota is reported.

use super::headers::Field;
use super::structured::{self, BareItem};
use super::values::{
    list_members, parse_count, parse_decimal, parse_reset, reset_number_to_delay_ms,
    seconds_to_delay_ms,
};
use super::{Quota, QuotaFamily};
use crate::model::time::Timestamp;

/// Quota values of one family, as read so far.
#[derive(Default)]
struct Partial<'a> {
    seen: bool,
    limit: Option<u64>,
    remaining: Option<u64>,
    used: Option<u64>,
    reset_delay_ms: Option<i64>,
    window_s: Option<u64>,
    /// The resource or policy name as written, and whether it is a structured string
    /// whose escapes must be removed.
    resource: Option<(&'a str, bool)>,
}

impl Partial<'_> {
    fn into_quota(self, family: QuotaFamily) -> Option<Quota> {
        if !self.seen {
            return None;
        }
        let resource = self.resource.map(|(raw, escaped)| {
            if escaped {
                structured::unescape(raw)
            } else {
                raw.to_string()
            }
        });
        Some(Quota {
            family,
            limit: self.limit,
            remaining: self.remaining,
            used: self.used,
            reset_delay_ms: self.reset_delay_ms,
            window_s: self.window_s,
            resource,
        })
    }
}

/// A policy of `RateLimit-Policy` or of a `RateLimit-Limit` parameter: a quota over
/// a window, with a name in the structured form.
struct Policy<'a> {
    name: Option<(&'a str, bool)>,
    quota: Option<u64>,
    window_s: Option<u64>,
}

/// A named item of the structured `RateLimit` field (draft -08 and later).
struct StructuredItem<'a> {
    name: (&'a str, bool),
    remaining: Option<u64>,
    reset_delay_ms: Option<i64>,
}

/// The quota of a response, and what the throttle decision needs besides it.
pub(crate) struct QuotaReading {
    pub quota: Option<Quota>,
    /// `X-Rate-Limit-Limit: 0`, Okta's mark of a concurrency violation.
    pub dash_limit_zero: bool,
}

/// Reads rate-limit header values one at a time.
#[derive(Default)]
pub(crate) struct QuotaReader<'a> {
    dash: Partial<'a>,
    x: Partial<'a>,
    /// Discord's `X-RateLimit-Reset-After`, preferred over `X-RateLimit-Reset` because
    /// it needs no clock.
    x_reset_after_ms: Option<i64>,
    draft: Partial<'a>,
    /// The draft -07 Dictionary form of `RateLimit`.
    draft07: Partial<'a>,
    shopify: Partial<'a>,
    /// Integer policies (`10;w=1`), from `RateLimit-Policy` or `RateLimit-Limit`.
    numbered_policies: Vec<Policy<'a>>,
    named_policies: Vec<Policy<'a>>,
    /// The `RateLimit` item with the lowest remaining quota.
    tightest_item: Option<StructuredItem<'a>>,
}

impl<'a> QuotaReader<'a> {
    /// Reads one header value of `field`. Epoch resets and dates are measured against
    /// `server_now`. `Date` and `Retry-After` are not quota fields and are ignored.
    pub(crate) fn add(&mut self, field: Field, value: &'a str, server_now: Timestamp) {
        match field {
            Field::Date | Field::RetryAfter => {}
            Field::DashLimit => read_counts(&mut self.dash, value, Slot::Limit),
            Field::DashRemaining => read_counts(&mut self.dash, value, Slot::Remaining),
            Field::DashReset => read_resets(&mut self.dash, value, server_now),
            Field::XLimit => read_counts(&mut self.x, value, Slot::Limit),
            Field::XRemaining => read_counts(&mut self.x, value, Slot::Remaining),
            Field::XUsed => read_counts(&mut self.x, value, Slot::Used),
            Field::XReset => read_resets(&mut self.x, value, server_now),
            Field::XResetAfter => {
                for member in list_members(value) {
                    if let Some(seconds) = parse_decimal(member) {
                        // Reset-After is always a delay, so the magnitude rule of
                        // other resets does not apply.
                        self.x.seen = true;
                        keep_min(&mut self.x_reset_after_ms, seconds_to_delay_ms(seconds));
                    }
                }
            }
            Field::XResource => {
                let name = value.trim();
                if !name.is_empty() && self.x.resource.is_none() {
                    self.x.resource = Some((name, false));
                    self.x.seen = true;
                }
            }
            Field::DraftLimit => self.read_draft_limit(value),
            Field::DraftRemaining => read_counts(&mut self.draft, value, Slot::Remaining),
            Field::DraftReset => read_resets(&mut self.draft, value, server_now),
            Field::Policy => self.read_policy(value),
            Field::RateLimit => self.read_ratelimit(value, server_now),
            Field::Shopify => read_shopify(&mut self.shopify, value),
        }
    }

    /// `RateLimit-Limit: 10` or, in early drafts, `10, 10;w=1, 50;w=60`: the first
    /// member is the limit, and members with `w` are policies.
    fn read_draft_limit(&mut self, value: &'a str) {
        for (index, member) in structured::members(value).enumerate() {
            if member.key.is_some() {
                continue;
            }
            let Some(count) = member.value.as_count() else {
                continue;
            };
            if index == 0 {
                self.draft.seen = true;
                keep_min(&mut self.draft.limit, count);
            }
            if let Some(window) = member.param("w").and_then(BareItem::as_count) {
                self.numbered_policies.push(Policy {
                    name: None,
                    quota: Some(count),
                    window_s: Some(window),
                });
            }
        }
    }

    /// `RateLimit-Policy`: `10;w=1, 50;w=60` (older drafts) or
    /// `"burst";q=100;w=60, "daily";q=1000;w=86400` (draft -08 and later).
    fn read_policy(&mut self, value: &'a str) {
        for member in structured::members(value) {
            if member.key.is_some() {
                continue;
            }
            let window_s = member.param("w").and_then(BareItem::as_count);
            if let Some(count) = member.value.as_count() {
                self.numbered_policies.push(Policy {
                    name: None,
                    quota: Some(count),
                    window_s,
                });
            } else if let Some(name) = member.value.as_name() {
                self.named_policies.push(Policy {
                    name: Some(name_of(member.value, name)),
                    quota: member.param("q").and_then(BareItem::as_count),
                    window_s,
                });
            }
        }
    }

    /// `RateLimit: limit=10, remaining=1, reset=7` (draft -07) or
    /// `"default";r=50;t=30` (draft -08 and later, one item per policy).
    fn read_ratelimit(&mut self, value: &'a str, server_now: Timestamp) {
        for member in structured::members(value) {
            match member.key {
                Some("limit") => {
                    if let Some(count) = member.value.as_count() {
                        self.draft07.seen = true;
                        keep_min(&mut self.draft07.limit, count);
                    }
                }
                Some("remaining") => {
                    if let Some(count) = member.value.as_count() {
                        self.draft07.seen = true;
                        keep_min(&mut self.draft07.remaining, count);
                    }
                }
                Some("reset") => {
                    if let Some(seconds) = member.value.as_seconds() {
                        self.draft07.seen = true;
                        let delay_ms = reset_number_to_delay_ms(seconds, server_now);
                        keep_min(&mut self.draft07.reset_delay_ms, delay_ms);
                    }
                }
                Some(_) => {}
                None => {
                    let Some(name) = member.value.as_name() else {
                        continue;
                    };
                    let item = StructuredItem {
                        name: name_of(member.value, name),
                        remaining: member.param("r").and_then(BareItem::as_count),
                        reset_delay_ms: member
                            .param("t")
                            .and_then(BareItem::as_seconds)
                            .map(|seconds| reset_number_to_delay_ms(seconds, server_now)),
                    };
                    let tighter = match &self.tightest_item {
                        None => true,
                        Some(best) => {
                            item.remaining.unwrap_or(u64::MAX) < best.remaining.unwrap_or(u64::MAX)
                        }
                    };
                    if tighter {
                        self.tightest_item = Some(item);
                    }
                }
            }
        }
    }

    /// Builds the quota of the response from everything read.
    pub(crate) fn finish(mut self) -> QuotaReading {
        let dash_limit_zero = self.dash.limit == Some(0);

        if let Some(delay_ms) = self.x_reset_after_ms {
            self.x.reset_delay_ms = Some(delay_ms);
        }

        apply_numbered_window(&mut self.draft, &self.numbered_policies);
        apply_numbered_window(&mut self.draft07, &self.numbered_policies);
        if !self.draft.seen
            && !self.draft07.seen
            && let Some(first) = self.numbered_policies.first()
        {
            self.draft.seen = true;
            self.draft.limit = first.quota;
            self.draft.window_s = first.window_s;
        }

        let structured = self.structured_partial();

        // Most standard family first, so that it wins a tie on remaining.
        let candidates = [
            structured.into_quota(QuotaFamily::RateLimitStructured),
            self.draft.into_quota(QuotaFamily::RateLimitDraft),
            self.dash.into_quota(QuotaFamily::XRateDashLimit),
            self.x.into_quota(QuotaFamily::XRateLimit),
            self.shopify.into_quota(QuotaFamily::Shopify),
        ];
        let quota = candidates
            .into_iter()
            .flatten()
            .min_by_key(|quota| quota.remaining.unwrap_or(u64::MAX));
        QuotaReading {
            quota,
            dash_limit_zero,
        }
    }

    /// Builds the structured family from the tightest named item joined with its
    /// policy by name, else from the draft -07 Dictionary, else from the first named
    /// policy alone.
    fn structured_partial(&mut self) -> Partial<'a> {
        if let Some(item) = self.tightest_item.take() {
            let policy = self
                .named_policies
                .iter()
                .find(|policy| policy.name.map(|(name, _)| name) == Some(item.name.0));
            return Partial {
                seen: true,
                limit: policy.and_then(|p| p.quota),
                remaining: item.remaining,
                used: None,
                reset_delay_ms: item.reset_delay_ms,
                window_s: policy.and_then(|p| p.window_s),
                resource: Some(item.name),
            };
        }
        if self.draft07.seen {
            return std::mem::take(&mut self.draft07);
        }
        match self.named_policies.first() {
            Some(policy) => Partial {
                seen: true,
                limit: policy.quota,
                window_s: policy.window_s,
                resource: policy.name,
                ..Partial::default()
            },
            None => Partial::default(),
        }
    }
}

/// Sets the window of a family from the integer policy whose quota equals its limit,
/// else from the first integer policy.
fn apply_numbered_window(partial: &mut Partial<'_>, policies: &[Policy<'_>]) {
    if !partial.seen || partial.window_s.is_some() {
        return;
    }
    let matching = policies
        .iter()
        .find(|policy| partial.limit.is_some() && policy.quota == partial.limit)
        .or_else(|| policies.first());
    if let Some(policy) = matching {
        partial.window_s = policy.window_s;
    }
}

#[derive(Clone, Copy)]
enum Slot {
    Limit,
    Remaining,
    Used,
}

/// Reads a count header; comma-joined duplicates keep the tightest value.
fn read_counts(partial: &mut Partial<'_>, value: &str, slot: Slot) {
    for member in list_members(value) {
        let Some(count) = parse_count(member) else {
            continue;
        };
        partial.seen = true;
        match slot {
            Slot::Limit => keep_min(&mut partial.limit, count),
            Slot::Remaining => keep_min(&mut partial.remaining, count),
            Slot::Used => keep_max(&mut partial.used, count),
        }
    }
}

/// Reads a reset header; the earliest reset wins, as Okta can send two.
fn read_resets(partial: &mut Partial<'_>, value: &str, server_now: Timestamp) {
    for member in list_members(value) {
        if let Some(delay_ms) = parse_reset(member, server_now) {
            partial.seen = true;
            keep_min(&mut partial.reset_delay_ms, delay_ms);
        }
    }
}

/// `X-Shopify-Shop-Api-Call-Limit: 32/40`: 32 calls used of a bucket of 40. The
/// bucket leaks at a constant rate (2 requests per second on the Standard plan, per
/// Shopify's "REST Admin API rate limits" page), so the header has no reset time.
fn read_shopify(partial: &mut Partial<'_>, value: &str) {
    for member in list_members(value) {
        let Some((used, bucket)) = member.split_once('/') else {
            continue;
        };
        let (Some(used), Some(bucket)) = (parse_count(used), parse_count(bucket)) else {
            continue;
        };
        partial.seen = true;
        keep_min(&mut partial.limit, bucket);
        keep_max(&mut partial.used, used);
        keep_min(&mut partial.remaining, bucket.saturating_sub(used));
    }
}

fn name_of<'a>(item: BareItem<'a>, name: &'a str) -> (&'a str, bool) {
    (name, matches!(item, BareItem::String(_)))
}

fn keep_min<T: Ord + Copy>(slot: &mut Option<T>, value: T) {
    *slot = Some(slot.map_or(value, |current| current.min(value)));
}

fn keep_max<T: Ord + Copy>(slot: &mut Option<T>, value: T) {
    *slot = Some(slot.map_or(value, |current| current.max(value)));
}
