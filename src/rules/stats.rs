//! Statistics shared by the rules: robust centre and spread, sliding-window counts and
//! an in-flight sweep.
//!
//! Rules run on millions of exchanges, so every helper here is O(n) or O(n log n) and
//! works on plain numbers (microseconds, milliseconds) rather than on exchanges.

use std::collections::HashSet;

/// Converts a number of milliseconds, as rule thresholds give them, to microseconds, as
/// timestamps count them. Saturates instead of overflowing.
pub fn millis_to_micros(millis: u64) -> i64 {
    i64::try_from(millis)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000)
}

/// Returns the median of `values`, or `None` when it is empty. For an even count it is
/// the mean of the two middle values. NaN values sort last.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        Some(sorted[middle])
    } else {
        Some((sorted[middle - 1] + sorted[middle]) / 2.0)
    }
}

/// Returns the median absolute deviation of `values` around their median, or `None`
/// when it is empty. Unlike the standard deviation it ignores up to half of the values
/// being outliers, so a few pauses in a regular series do not hide the regularity.
pub fn median_absolute_deviation(values: &[f64]) -> Option<f64> {
    let centre = median(values)?;
    let deviations: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    median(&deviations)
}

/// Returns the median absolute deviation divided by the median: 0 for a perfectly
/// regular series, about 0.5 for uniformly random intervals. `None` when `values` is
/// empty or its median is not positive.
pub fn relative_spread(values: &[f64]) -> Option<f64> {
    let centre = median(values)?;
    if centre <= 0.0 {
        return None;
    }
    Some(median_absolute_deviation(values)? / centre)
}

/// Fits `y = intercept + slope * x` by least squares over the points `(i, values[i])`
/// and returns `(intercept, slope)`. `None` for fewer than two points.
pub fn linear_fit(values: &[f64]) -> Option<(f64, f64)> {
    if values.len() < 2 {
        return None;
    }
    let count = values.len() as f64;
    let mean_x = (count - 1.0) / 2.0;
    let mean_y = values.iter().sum::<f64>() / count;
    let mut covariance = 0.0;
    let mut variance = 0.0;
    for (i, y) in values.iter().enumerate() {
        let dx = i as f64 - mean_x;
        covariance += dx * (y - mean_y);
        variance += dx * dx;
    }
    let slope = covariance / variance;
    Some((mean_y - slope * mean_x, slope))
}

/// The busiest window found by [`sliding_window_peak`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowPeak {
    /// Number of instants inside the window.
    pub count: usize,
    /// Index of the first instant of the window in the input slice.
    pub first: usize,
    /// Index of the last instant of the window in the input slice.
    pub last: usize,
}

/// Finds the window of length `window` that contains the most instants of `sorted_times`
/// (ascending, any unit). The window is closed at both ends, so instants exactly
/// `window` apart count together. The earliest such window wins. Returns `None` for an
/// empty slice. Two pointers, O(n).
pub fn sliding_window_peak(sorted_times: &[i64], window: i64) -> Option<WindowPeak> {
    let mut best: Option<WindowPeak> = None;
    let mut first = 0;
    for (last, &time) in sorted_times.iter().enumerate() {
        while sorted_times[first] < time.saturating_sub(window) {
            first += 1;
        }
        let count = last - first + 1;
        if best.is_none_or(|b| count > b.count) {
            best = Some(WindowPeak { count, first, last });
        }
    }
    best
}

/// A stretch of time during which more requests than a threshold were in flight, found
/// by [`in_flight_episodes`]. Times are in the unit of the input intervals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Episode {
    /// When the level first rose above the threshold.
    pub start: i64,
    /// When the level fell back to the threshold or below. Equal to `start` when the
    /// episode lasted an instant (intervals of zero length starting together).
    pub end: i64,
    /// Highest number of intervals in flight at once during the episode.
    pub peak: usize,
    /// When the peak level was first reached.
    pub peak_start: i64,
    /// When the level first dropped below the peak after `peak_start`.
    pub peak_end: i64,
    /// Indices of the input intervals that were in flight at some point of the
    /// episode, ascending.
    pub members: Vec<usize>,
}

/// Sweeps over `intervals` (`(start, end)` pairs, any unit, any order) and returns the
/// episodes during which more than `threshold` of them were in flight at once, in time
/// order.
///
/// Intervals are half-open: one that ends at the instant another starts does not overlap
/// it. An interval of zero length (an exchange whose duration is unknown) is in flight
/// only at its start instant, so it overlaps intervals that start at the same instant or
/// span it. An `end` before `start` is taken as `start`. O(n log n).
pub fn in_flight_episodes(intervals: &[(i64, i64)], threshold: usize) -> Vec<Episode> {
    // At one instant, ends of intervals with a length come first (half-open), then
    // starts, then the ends of zero-length intervals, which must see the starts that
    // coincide with them.
    const END: u8 = 0;
    const START: u8 = 1;
    const END_OF_INSTANT: u8 = 2;
    let mut events: Vec<(i64, u8, usize)> = Vec::with_capacity(intervals.len() * 2);
    for (index, &(start, end)) in intervals.iter().enumerate() {
        let end = end.max(start);
        events.push((start, START, index));
        let kind = if end == start { END_OF_INSTANT } else { END };
        events.push((end, kind, index));
    }
    events.sort_unstable();

    let mut episodes = Vec::new();
    let mut active: HashSet<usize> = HashSet::new();
    let mut current: Option<Episode> = None;
    let mut at_peak = false;
    for (time, kind, index) in events {
        if kind == START {
            active.insert(index);
            let level = active.len();
            if level <= threshold {
                continue;
            }
            match current.as_mut() {
                Some(episode) => episode.members.push(index),
                None => {
                    current = Some(Episode {
                        start: time,
                        end: time,
                        peak: 0,
                        peak_start: time,
                        peak_end: time,
                        members: active.iter().copied().collect(),
                    });
                }
            }
            if let Some(episode) = current.as_mut()
                && level > episode.peak
            {
                episode.peak = level;
                episode.peak_start = time;
                episode.peak_end = time;
                at_peak = true;
            }
            continue;
        }

        let level_before = active.len();
        active.remove(&index);
        let Some(episode) = current.as_mut() else {
            continue;
        };
        if at_peak && level_before == episode.peak {
            episode.peak_end = time;
            at_peak = false;
        }
        if active.len() <= threshold
            && let Some(mut done) = current.take()
        {
            done.end = time;
            done.members.sort_unstable();
            episodes.push(done);
            at_peak = false;
        }
    }
    episodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_and_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn spread_ignores_one_outlier() {
        let values = [1000.0, 1010.0, 990.0, 1000.0, 60_000.0];
        let spread = relative_spread(&values).unwrap_or(f64::NAN);
        assert!(spread <= 0.011, "spread {spread}");
    }

    #[test]
    fn spread_of_zero_median() {
        assert_eq!(relative_spread(&[0.0, 0.0, 5.0]), None);
    }

    #[test]
    fn linear_fit_exact_line() {
        let (intercept, slope) = linear_fit(&[1.0, 3.0, 5.0, 7.0]).unwrap_or((0.0, 0.0));
        assert!((intercept - 1.0).abs() < 1e-9, "intercept {intercept}");
        assert!((slope - 2.0).abs() < 1e-9, "slope {slope}");
        assert_eq!(linear_fit(&[1.0]), None);
    }

    #[test]
    fn window_peak_counts_closed_window() {
        let times = [0, 10, 20, 1000, 1001, 1002, 1010];
        let peak = sliding_window_peak(&times, 10);
        assert_eq!(
            peak,
            Some(WindowPeak {
                count: 4,
                first: 3,
                last: 6
            })
        );
        assert_eq!(sliding_window_peak(&[], 10), None);
    }

    #[test]
    fn sweep_finds_one_episode() {
        // Three overlap during 20..30, the fourth starts when the first ends.
        let intervals = [(0, 30), (10, 40), (20, 50), (30, 60)];
        let episodes = in_flight_episodes(&intervals, 2);
        assert_eq!(episodes.len(), 2);
        assert_eq!(episodes[0].peak, 3);
        assert_eq!((episodes[0].start, episodes[0].end), (20, 30));
        assert_eq!(episodes[0].members, vec![0, 1, 2]);
        assert_eq!((episodes[1].start, episodes[1].end), (30, 40));
        assert_eq!(episodes[1].members, vec![1, 2, 3]);
    }

    #[test]
    fn sweep_back_to_back_not_overlapping() {
        let intervals = [(0, 10), (10, 20), (20, 30)];
        assert!(in_flight_episodes(&intervals, 1).is_empty());
    }

    #[test]
    fn sweep_zero_length_coincide() {
        let intervals = [(5, 5), (5, 5), (5, 5), (6, 6)];
        let episodes = in_flight_episodes(&intervals, 2);
        assert_eq!(episodes.len(), 1);
        assert_eq!(episodes[0].peak, 3);
        assert_eq!((episodes[0].start, episodes[0].end), (5, 5));
        assert_eq!(episodes[0].members, vec![0, 1, 2]);
    }

    #[test]
    fn sweep_peak_span() {
        // Level 2 from 0, 3 from 10 to 20, 2 until 30.
        let intervals = [(0, 30), (0, 30), (10, 20)];
        let episodes = in_flight_episodes(&intervals, 1);
        assert_eq!(episodes.len(), 1);
        assert_eq!(episodes[0].peak, 3);
        assert_eq!((episodes[0].peak_start, episodes[0].peak_end), (10, 20));
        assert_eq!((episodes[0].start, episodes[0].end), (0, 30));
    }
}
