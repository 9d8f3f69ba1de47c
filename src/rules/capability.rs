//! Capabilities of inputs, and the limitations they put on rules.
//!
//! Access logs are coarser than HAR captures: whole-second timestamps, end times
//! instead of start times, no durations, no bodies, and response headers only where the
//! operator logged them. A rule must not guess silently on such input, so each rule
//! declares what it [`Needs`], [`Capability`] measures what each input's exchanges can
//! show, and [`limitations`] names in plain words what a rule cannot judge on which
//! input. Reports print these next to the findings.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Exchange, Position, StartOrigin, TimePrecision};

/// Timing, header and body coverage of one input's API calls.
#[derive(Clone, Debug, PartialEq)]
pub struct Capability {
    /// Index of the input in the run's input list.
    pub input: u32,
    /// API calls of the input that reached the network.
    pub api_calls: u64,
    /// API calls with a recorded duration.
    pub with_duration: u64,
    /// Finest timestamp precision among the API calls.
    pub best_precision: TimePrecision,
    /// Coarsest timestamp precision among the API calls.
    pub worst_precision: TimePrecision,
    /// API calls whose input recorded the start.
    pub recorded_starts: u64,
    /// API calls whose start is the recorded end minus the recorded duration.
    pub end_minus_duration: u64,
    /// API calls whose input recorded only the end, with no duration.
    pub end_without_duration: u64,
    /// API calls with a recorded start and no duration.
    pub recorded_without_duration: u64,
    /// API calls whose whole-second timestamps hide sub-second timing.
    pub whole_seconds: u64,
    /// Whether any response carried a Retry-After header (readable or not).
    pub retry_after: bool,
    /// Whether any response carried quota headers (limit, remaining, reset).
    pub quota_headers: bool,
    /// Whether any response body was recorded (a body hash or listed identifiers).
    pub response_bodies: bool,
    /// Whether the input is a text log, whose response headers exist only when the
    /// log format names them. A HAR capture records every header.
    pub line_records: bool,
}

impl Capability {
    /// Returns the fraction of API calls with a recorded duration, from 0 to 1.
    pub fn duration_fraction(&self) -> f64 {
        if self.api_calls == 0 {
            return 0.0;
        }
        self.with_duration as f64 / self.api_calls as f64
    }

    /// Returns whether the input's responses show the waits a server requests. A text
    /// log in which no response carries Retry-After or quota headers most likely does
    /// not log them at all.
    pub fn shows_waits(&self) -> bool {
        !self.line_records || self.retry_after || self.quota_headers
    }

    fn new(input: u32) -> Self {
        Capability {
            input,
            api_calls: 0,
            with_duration: 0,
            best_precision: TimePrecision::Seconds,
            worst_precision: TimePrecision::Microseconds,
            recorded_starts: 0,
            end_minus_duration: 0,
            end_without_duration: 0,
            recorded_without_duration: 0,
            whole_seconds: 0,
            retry_after: false,
            quota_headers: false,
            response_bodies: false,
            line_records: false,
        }
    }

    fn add(&mut self, exchange: &Exchange) {
        self.api_calls += 1;
        if exchange.duration_us.is_some() {
            self.with_duration += 1;
        }
        // `TimePrecision` orders from finest to coarsest.
        self.best_precision = self.best_precision.min(exchange.precision);
        self.worst_precision = self.worst_precision.max(exchange.precision);
        if exchange.precision == TimePrecision::Seconds {
            self.whole_seconds += 1;
        }
        match exchange.start_origin {
            StartOrigin::Recorded => {
                self.recorded_starts += 1;
                if exchange.duration_us.is_none() {
                    self.recorded_without_duration += 1;
                }
            }
            StartOrigin::EndMinusDuration => self.end_minus_duration += 1,
            StartOrigin::EndWithoutDuration => self.end_without_duration += 1,
        }
        let signals = &exchange.signals;
        self.retry_after |= signals.retry_after.is_some() || signals.retry_after_malformed;
        self.quota_headers |= signals.quota.is_some();
        self.response_bodies |= exchange.response_hash.is_some() || !exchange.listed_ids.is_empty();
        self.line_records |= matches!(exchange.source.position, Position::Line(_));
    }
}

/// Measures the capability of every input that has API calls, in input order.
pub fn capabilities(exchanges: &[Exchange]) -> Vec<Capability> {
    let mut by_input: BTreeMap<u32, Capability> = BTreeMap::new();
    for exchange in exchanges.iter().filter(|e| e.is_api_call()) {
        by_input
            .entry(exchange.source.input)
            .or_insert_with(|| Capability::new(exchange.source.input))
            .add(exchange);
    }
    by_input.into_values().collect()
}

/// Something a rule needs from its input to judge fully.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// Start instants: an end without a duration leaves the start unknown.
    StartTimes,
    /// Durations of requests whose start was recorded.
    Durations,
    /// Timestamps finer than whole seconds.
    SubSecondTimes,
    /// Retry-After or quota headers in responses.
    WaitHeaders,
    /// Quota headers (limit, remaining, reset) in responses.
    QuotaHeaders,
    /// Response bodies, or at least their hashes.
    ResponseBodies,
}

/// One requirement of a rule, with what the rule does when the input lacks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    pub requirement: Requirement,
    /// Consequence for the rule, as the end of a sentence after "so": `requests in
    /// flight cannot be counted`.
    pub without: String,
}

impl Need {
    pub fn new(requirement: Requirement, without: impl Into<String>) -> Self {
        Need {
            requirement,
            without: without.into(),
        }
    }
}

/// Requirements of a rule on its input. By default a rule needs nothing, because it
/// works the same on every input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs(pub Vec<Need>);

/// A rule that an input cannot fully support, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Limitation {
    /// Kebab-case rule name.
    pub rule: &'static str,
    /// Paths of the inputs concerned.
    pub inputs: Vec<String>,
    /// A sentence saying what the inputs lack and what the rule does without it.
    pub reason: String,
}

/// Returns the limitations of `rules` on the inputs described by `capabilities`, in
/// rule order. Inputs with the same reason for one rule share one limitation.
/// `input_paths` names the inputs by index; an index without a path is shown as `?`.
pub fn limitations(
    rules: &[(&'static str, Needs)],
    capabilities: &[Capability],
    input_paths: &[&str],
) -> Vec<Limitation> {
    let mut out: Vec<Limitation> = Vec::new();
    for (rule, needs) in rules {
        let first_of_rule = out.len();
        for capability in capabilities {
            let path = input_paths
                .get(capability.input as usize)
                .copied()
                .unwrap_or("?");
            for need in &needs.0 {
                let Some(fact) = missing(capability, need.requirement) else {
                    continue;
                };
                let reason = format!("{fact}, so {}.", need.without);
                match out[first_of_rule..]
                    .iter_mut()
                    .find(|limitation| limitation.reason == reason)
                {
                    Some(limitation) => limitation.inputs.push(path.to_string()),
                    None => out.push(Limitation {
                        rule,
                        inputs: vec![path.to_string()],
                        reason,
                    }),
                }
            }
        }
    }
    out
}

/// Describes what an input lacks for a requirement, starting with a capital letter, or
/// returns `None` when the input meets it.
fn missing(capability: &Capability, requirement: Requirement) -> Option<String> {
    let total = capability.api_calls;
    let share = |count: u64, noun_all: &str| {
        if count == total {
            format!("All {noun_all}")
        } else {
            format!("{count} of {total} {noun_all}")
        }
    };
    match requirement {
        Requirement::StartTimes => (capability.end_without_duration > 0).then(|| {
            format!(
                "{} record when they ended but neither their start nor their duration",
                share(capability.end_without_duration, "API calls")
            )
        }),
        Requirement::Durations => (capability.recorded_without_duration > 0).then(|| {
            format!(
                "{} record their start but no duration",
                share(capability.recorded_without_duration, "API calls")
            )
        }),
        Requirement::SubSecondTimes => (capability.whole_seconds > 0).then(|| {
            format!(
                "{} have whole-second timestamps",
                share(capability.whole_seconds, "API calls")
            )
        }),
        Requirement::WaitHeaders => (!capability.shows_waits()).then(|| {
            "No response in this log carries Retry-After or quota headers, which suggests \
             the log format does not record them"
                .to_string()
        }),
        Requirement::QuotaHeaders => {
            (capability.line_records && !capability.quota_headers).then(|| {
                "No response in this log carries quota headers (such as \
                 X-Rate-Limit-Remaining), which suggests the log format does not record \
                 them"
                    .to_string()
            })
        }
        Requirement::ResponseBodies => {
            (!capability.response_bodies).then(|| "No response bodies are recorded".to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{exchange, finish};

    fn rules() -> Vec<(&'static str, Needs)> {
        vec![
            (
                "concurrency-burst",
                Needs(vec![
                    Need::new(
                        Requirement::StartTimes,
                        "requests in flight cannot be counted",
                    ),
                    Need::new(Requirement::Durations, "only equal starts overlap"),
                ]),
            ),
            ("endpoint-hotspot", Needs::default()),
            (
                "remaining-quota-ignored",
                Needs(vec![Need::new(
                    Requirement::QuotaHeaders,
                    "the rule cannot run",
                )]),
            ),
        ]
    }

    /// Ten API calls per input: input 0 is a HAR capture, input 1 a log with
    /// whole-second end times and no durations.
    fn mixed_run() -> Vec<Exchange> {
        let mut exchanges = Vec::new();
        for i in 0..10 {
            exchanges.push(
                exchange("GET", "/v1/items", i * 100)
                    .response_hash(1)
                    .build(),
            );
            let mut logged = exchange("GET", "/v1/items", i * 1_000)
                .line(i as u64 + 1)
                .input(1)
                .precision(TimePrecision::Seconds)
                .start_origin(StartOrigin::EndWithoutDuration)
                .no_duration()
                .build();
            logged.response_hash = None;
            exchanges.push(logged);
        }
        finish(exchanges)
    }

    #[test]
    fn capability_of_har_input() {
        let capabilities = capabilities(&mixed_run());
        let har = &capabilities[0];
        assert_eq!(har.input, 0);
        assert_eq!(har.api_calls, 10);
        assert_eq!(har.duration_fraction(), 1.0);
        assert_eq!(har.best_precision, TimePrecision::Milliseconds);
        assert_eq!(har.worst_precision, TimePrecision::Milliseconds);
        assert_eq!(har.recorded_starts, 10);
        assert!(har.response_bodies);
        assert!(!har.line_records);
        assert!(har.shows_waits());
    }

    #[test]
    fn capability_of_coarse_log() {
        let capabilities = capabilities(&mixed_run());
        let log = &capabilities[1];
        assert_eq!(log.input, 1);
        assert_eq!(log.duration_fraction(), 0.0);
        assert_eq!(log.worst_precision, TimePrecision::Seconds);
        assert_eq!(log.end_without_duration, 10);
        assert_eq!(log.whole_seconds, 10);
        assert!(!log.response_bodies);
        assert!(log.line_records);
        assert!(!log.shows_waits());
    }

    #[test]
    fn logged_quota_shows_waits() {
        let exchanges = finish(vec![
            exchange("GET", "/v1/items", 0)
                .line(1)
                .quota(100, 50, 30_000)
                .build(),
        ]);
        let capabilities = capabilities(&exchanges);
        assert!(capabilities[0].quota_headers);
        assert!(capabilities[0].shows_waits());
    }

    #[test]
    fn limitations_name_rule_and_input() {
        let found = limitations(
            &rules(),
            &capabilities(&mixed_run()),
            &["a.har", "access.log"],
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].rule, "concurrency-burst");
        assert_eq!(found[0].inputs, ["access.log"]);
        assert_eq!(
            found[0].reason,
            "All API calls record when they ended but neither their start nor their \
             duration, so requests in flight cannot be counted."
        );
        assert_eq!(found[1].rule, "remaining-quota-ignored");
        assert!(found[1].reason.ends_with("so the rule cannot run."));
    }

    #[test]
    fn har_input_has_no_limitations() {
        let exchanges: Vec<Exchange> = mixed_run()
            .into_iter()
            .filter(|e| e.source.input == 0)
            .collect();
        let found = limitations(&rules(), &capabilities(&exchanges), &["a.har"]);
        assert!(found.is_empty());
    }

    #[test]
    fn same_reason_groups_inputs() {
        let mut exchanges = mixed_run();
        let copies: Vec<Exchange> = exchanges
            .iter()
            .filter(|e| e.source.input == 1)
            .map(|e| {
                let mut copy = e.clone();
                copy.source.input = 2;
                copy
            })
            .collect();
        exchanges.extend(copies);
        let paths = ["a.har", "one.log", "two.log"];
        let found = limitations(&rules(), &capabilities(&exchanges), &paths);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].inputs, ["one.log", "two.log"]);
    }

    #[test]
    fn partial_coverage_gives_counts() {
        let exchanges = finish(vec![
            exchange("GET", "/v1/items", 0).build(),
            exchange("GET", "/v1/items", 100).no_duration().build(),
        ]);
        let found = limitations(&rules(), &capabilities(&exchanges), &["a.har"]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .reason
                .starts_with("1 of 2 API calls record their start")
        );
    }

    #[test]
    fn unknown_input_path_is_question_mark() {
        let found = limitations(&rules(), &capabilities(&mixed_run()), &[]);
        assert_eq!(found[0].inputs, ["?"]);
    }
}
