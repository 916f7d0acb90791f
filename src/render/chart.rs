//! The simulation chart: one or more runs of the same traffic drawn over time as SVG or PNG. It
//! is a view of the simulator's per-minute `Series`, so it lives with the other views and the
//! simulator itself never draws.
//! It owns the layout (a shared legend and stacked panels for traffic and capacity, instances
//! and, when a burstable variant has them, CPU credits), the time axis and the downsampling
//! that keeps month-long minute series small while leaving peaks and dips visible.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Timelike, Utc};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::simulate::engine::Series;

/// One run to draw: the simulated series of one variant under one configuration.
#[derive(Debug, Clone)]
pub struct ChartRun<'a> {
    /// Shown in the legend next to the run's colour.
    pub label: String,
    pub series: &'a Series,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot chart to {}: unsupported file type; use a .svg or .png file name", path.display())]
    UnsupportedFormat { path: PathBuf },
    #[error("nothing to chart: no runs were given")]
    NoRuns,
    #[error("nothing to chart: the simulated series is empty (0 minutes)")]
    EmptySeries,
    #[error("could not draw the chart {}: {message}", path.display())]
    Draw { path: PathBuf, message: String },
}

/// Width and height of the chart in pixels.
const SIZE: (u32, u32) = (1200, 900);
/// At most this many buckets per line; a stepped line has two vertices per bucket.
const MAX_BUCKETS: usize = 1000;
/// Distinct, readable on white; red is kept for overload.
const PALETTE: [RGBColor; 7] = [
    RGBColor(31, 119, 180),
    RGBColor(230, 120, 0),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 150, 165),
    RGBColor(227, 119, 194),
];
const OVERLOAD: RGBColor = RGBColor(214, 39, 40);
const TRAFFIC_FILL: RGBColor = RGBColor(218, 220, 226);
const TRAFFIC_LINE: RGBColor = RGBColor(150, 154, 166);
const INK: RGBColor = RGBColor(40, 40, 40);
const FONT: &str = "sans-serif";

/// Draws the runs over time starting at `start` (one value per minute) into `path`: SVG for `.svg`, PNG for `.png`.
pub fn write(path: &Path, start: DateTime<Utc>, title: &str, runs: &[ChartRun<'_>]) -> Result<(), ChartError> {
    enum Format {
        Svg,
        Png,
    }
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("svg") => Format::Svg,
        Some("png") => Format::Png,
        _ => return Err(ChartError::UnsupportedFormat { path: path.to_path_buf() }),
    };
    let first = runs.first().ok_or(ChartError::NoRuns)?;
    let minutes = first.series.invocations.len();
    if minutes == 0 {
        return Err(ChartError::EmptySeries);
    }
    let chart = Chart::new(start, minutes, title, runs);
    let failed = |message: String| ChartError::Draw { path: path.to_path_buf(), message };
    match format {
        Format::Svg => {
            let root = SVGBackend::new(path, SIZE).into_drawing_area();
            chart.draw(&root).map_err(|e| failed(e.to_string()))?;
            root.present().map_err(|e| failed(e.to_string()))
        }
        Format::Png => {
            let root = BitMapBackend::new(path, SIZE).into_drawing_area();
            chart.draw(&root).map_err(|e| failed(e.to_string()))?;
            root.present().map_err(|e| failed(e.to_string()))
        }
    }
}

/// Which value of a bucket stands for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    Max,
    Min,
}

/// Minutes per bucket so that `minutes` fit in at most [`MAX_BUCKETS`] buckets.
fn bucket_size(minutes: usize) -> usize {
    minutes.div_ceil(MAX_BUCKETS).max(1)
}

/// One value per bucket of `size` minutes: the bucket's max or min, ignoring NaN.
fn downsample(values: &[f64], size: usize, keep: Keep) -> Vec<f64> {
    values
        .chunks(size.max(1))
        .map(|chunk| {
            let pick = |a: f64, b: f64| match keep {
                Keep::Max => a.max(b),
                Keep::Min => a.min(b),
            };
            chunk.iter().copied().fold(f64::NAN, pick)
        })
        .collect()
}

fn to_f64(values: &[u32]) -> Vec<f64> {
    values.iter().map(|&v| f64::from(v)).collect()
}

/// The bucket values as a stepped line over minutes: each value holds from its bucket's start to its end.
fn steps(values: &[f64], size: usize, minutes: usize) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(values.len() * 2);
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            continue;
        }
        let (x0, x1) = bucket_span(i, size, minutes);
        points.push((x0, v));
        points.push((x1, v));
    }
    points
}

fn bucket_span(i: usize, size: usize, minutes: usize) -> (f64, f64) {
    ((i * size) as f64, ((i + 1) * size).min(minutes) as f64)
}

/// Largest finite value, at least `floor`.
fn finite_max<'v>(values: impl IntoIterator<Item = &'v f64>, floor: f64) -> f64 {
    values.into_iter().copied().filter(|v| v.is_finite()).fold(floor, f64::max)
}

/// Axis labels for counts: 950, 12k, 1.5M.
fn fmt_count(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    if scaled.fract().abs() < 1e-9 {
        format!("{scaled:.0}{suffix}")
    } else if scaled.abs() < 10.0 {
        format!("{scaled:.1}{suffix}")
    } else {
        format!("{scaled:.0}{suffix}")
    }
}

/// How the time axis is labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeUnit {
    /// `Nov 03` at midnights.
    Days,
    /// `14:00`, and `Nov 03` at midnight.
    Clock,
}

/// Tick positions (minutes from `start`) at round UTC times, at most about 10 of them.
fn time_ticks(start: DateTime<Utc>, minutes: usize) -> (Vec<f64>, TimeUnit) {
    const DAY: usize = 1440;
    if minutes >= 2 * DAY {
        let step = [1, 2, 3, 7, 14, 28, 56, 91, 182, 364]
            .into_iter()
            .find(|d| minutes / (d * DAY) <= 10)
            .unwrap_or_else(|| (minutes / DAY).div_ceil(10));
        (aligned_ticks(start, minutes, DAY, step * DAY), TimeUnit::Days)
    } else {
        let step = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720].into_iter().find(|m| minutes / m <= 10).unwrap_or(720);
        (aligned_ticks(start, minutes, step, step), TimeUnit::Clock)
    }
}

/// Light grid lines between the day ticks: every 6 hours over at most 10 days.
fn light_ticks(start: DateTime<Utc>, minutes: usize, unit: TimeUnit) -> Vec<f64> {
    if unit == TimeUnit::Days && minutes <= 10 * 1440 {
        aligned_ticks(start, minutes, 360, 360)
    } else {
        Vec::new()
    }
}

/// Minutes from `start` to each time `step` minutes apart within `minutes`, the first being the first
/// multiple of `align` minutes after a UTC midnight at or after `start`.
fn aligned_ticks(start: DateTime<Utc>, minutes: usize, align: usize, step: usize) -> Vec<f64> {
    let midnight = start.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let offset = (start - midnight).num_seconds() as f64 / 60.0;
    let mut tick = (offset / align as f64).ceil() * align as f64 - offset;
    let mut ticks = Vec::new();
    while tick <= minutes as f64 + 1e-9 {
        ticks.push(tick);
        tick += step as f64;
    }
    ticks
}

fn time_label(start: DateTime<Utc>, unit: TimeUnit, x: f64) -> String {
    let t = start + Duration::seconds((x * 60.0).round() as i64);
    match unit {
        TimeUnit::Clock if t.hour() != 0 || t.minute() != 0 => t.format("%H:%M").to_string(),
        _ => t.format("%b %d").to_string(),
    }
}

/// The shared time axis: minutes from the start, with ticks at round UTC times.
/// (plotters' `WithKeyPoints` over `f64` cannot take a label formatter.)
struct TimeAxis {
    minutes: RangedCoordf64,
    ticks: Vec<f64>,
    light: Vec<f64>,
}

impl Ranged for TimeAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.minutes.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.minutes.range()
    }
}

/// One run reduced to what is drawn.
struct RunLines {
    label: String,
    color: RGBColor,
    capacity: Vec<f64>,
    overload: Vec<f64>,
    billed: Vec<f64>,
    min: Vec<f64>,
    credits: Option<Vec<f64>>,
}

/// Everything [`write`] draws, downsampled.
struct Chart {
    start: DateTime<Utc>,
    minutes: usize,
    size: usize,
    title: String,
    traffic: Vec<f64>,
    runs: Vec<RunLines>,
    ticks: Vec<f64>,
    light: Vec<f64>,
    unit: TimeUnit,
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A legend entry's swatch.
enum Swatch {
    Fill(RGBColor, RGBColor),
    Line(RGBColor),
    Dashed(RGBColor),
    Dot(RGBColor),
}

impl Chart {
    fn new(start: DateTime<Utc>, minutes: usize, title: &str, runs: &[ChartRun<'_>]) -> Chart {
        let size = bucket_size(minutes);
        // All runs see the same traffic; the first run's stands for it.
        let traffic = runs.first().map_or_else(Vec::new, |r| downsample(&r.series.invocations, size, Keep::Max));
        let runs = runs
            .iter()
            .enumerate()
            .map(|(i, run)| {
                let s = run.series;
                RunLines {
                    label: run.label.clone(),
                    color: PALETTE[i % PALETTE.len()],
                    capacity: downsample(&s.capacity, size, Keep::Min),
                    overload: downsample(&s.overload, size, Keep::Max),
                    billed: downsample(&to_f64(&s.billed), size, Keep::Max),
                    min: downsample(&to_f64(&s.min), size, Keep::Min),
                    credits: s
                        .credit_balance
                        .as_deref()
                        .filter(|c| !c.is_empty())
                        .map(|c| downsample(c, size, Keep::Min)),
                }
            })
            .collect();
        let (ticks, unit) = time_ticks(start, minutes);
        let light = light_ticks(start, minutes, unit);
        Chart { start, minutes, size, title: title.to_string(), traffic, runs, ticks, light, unit }
    }

    fn has_credits(&self) -> bool {
        self.runs.iter().any(|r| r.credits.is_some())
    }

    fn has_overload(&self) -> bool {
        self.runs.iter().any(|r| r.overload.iter().any(|&o| o > 0.0))
    }

    fn x_range(&self) -> TimeAxis {
        TimeAxis { minutes: (0.0..self.minutes as f64).into(), ticks: self.ticks.clone(), light: self.light.clone() }
    }

    fn x_label(&self, x: f64, bottom: bool) -> String {
        if bottom {
            time_label(self.start, self.unit, x)
        } else {
            String::new()
        }
    }

    fn x_desc(&self) -> String {
        format!("UTC, {} from {}", Span(self.minutes), self.start.format("%Y-%m-%d %H:%M"))
    }

    fn steps(&self, values: &[f64]) -> Vec<(f64, f64)> {
        steps(values, self.size, self.minutes)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let header = self.draw_header(root)?;
        let (_, body) = root.split_vertically(header);
        let (_, height) = body.dim_in_pixel();
        // The bottom panel also holds the time labels; the others share the rest evenly.
        const BOTTOM_EXTRA: u32 = 46;
        let panels = if self.has_credits() { 3 } else { 2 };
        let upper = height.saturating_sub(BOTTOM_EXTRA) / panels;
        let (first, rest) = body.split_vertically(upper);
        self.draw_traffic(&first)?;
        if self.has_credits() {
            let (second, third) = rest.split_vertically(upper);
            self.draw_instances(&second, false)?;
            self.draw_credits(&third)
        } else {
            self.draw_instances(&rest, true)
        }
    }

    /// Title and the shared legend; returns the height used.
    fn draw_header<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<u32, DrawingAreaErrorKind<DB::ErrorType>> {
        const ROW: i32 = 22;
        const SWATCH: i32 = 24;
        let (width, _) = root.dim_in_pixel();
        let width = width as i32;
        let title_style = TextStyle::from((FONT, 22).into_font().style(FontStyle::Bold)).color(&INK);
        let title_style = title_style.pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(self.title.clone(), (width / 2, 10), title_style))?;

        let mut items = vec![(Swatch::Fill(TRAFFIC_FILL, TRAFFIC_LINE), "traffic".to_string())];
        items.extend(self.runs.iter().map(|r| (Swatch::Line(r.color), r.label.clone())));
        items.push((Swatch::Dashed(INK), "MinCapacity (dashed, run colour)".to_string()));
        if self.has_overload() {
            items.push((Swatch::Dot(OVERLOAD), "overload (traffic above capacity)".to_string()));
        }
        let style = TextStyle::from((FONT, 14).into_font()).color(&INK).pos(Pos::new(HPos::Left, VPos::Center));
        // Lay the entries out in centred rows.
        let mut rows: Vec<Vec<(Swatch, String, i32)>> = vec![Vec::new()];
        let mut row_width = 0;
        for (swatch, label) in items {
            let (text_width, _) = root.estimate_text_size(&label, &style)?;
            let item_width = SWATCH + 6 + text_width as i32 + 22;
            if row_width > 0 && row_width + item_width > width - 40 {
                rows.push(Vec::new());
                row_width = 0;
            }
            row_width += item_width;
            if let Some(row) = rows.last_mut() {
                row.push((swatch, label, item_width));
            }
        }
        let mut y = 46 + ROW / 2;
        for row in &rows {
            let total: i32 = row.iter().map(|(_, _, w)| w).sum::<i32>() - 22;
            let mut x = (width - total) / 2;
            for (swatch, label, item_width) in row {
                match *swatch {
                    Swatch::Fill(fill, line) => {
                        root.draw(&Rectangle::new([(x, y - 6), (x + SWATCH, y + 6)], fill.filled()))?;
                        root.draw(&PathElement::new(vec![(x, y - 6), (x + SWATCH, y - 6)], line.stroke_width(1)))?;
                    }
                    Swatch::Line(color) => {
                        root.draw(&PathElement::new(vec![(x, y), (x + SWATCH, y)], color.stroke_width(3)))?;
                    }
                    Swatch::Dashed(color) => {
                        for dash in 0..3 {
                            let x0 = x + dash * 9;
                            root.draw(&PathElement::new(vec![(x0, y), (x0 + 6, y)], color.stroke_width(1)))?;
                        }
                    }
                    Swatch::Dot(color) => {
                        root.draw(&Rectangle::new([(x, y - 6), (x + SWATCH, y + 6)], color.mix(0.22).filled()))?;
                        root.draw(&Circle::new((x + SWATCH / 2, y), 4, color.filled()))?;
                    }
                }
                root.draw(&Text::new(label.clone(), (x + SWATCH + 6, y), style.clone()))?;
                x += item_width;
            }
            y += ROW;
        }
        Ok((y - ROW / 2 + 6) as u32)
    }

    fn builder<'a, DB: DrawingBackend>(
        area: &'a DrawingArea<DB, Shift>,
        caption: &str,
        bottom: bool,
    ) -> ChartBuilder<'a, 'a, DB> {
        let mut builder = ChartBuilder::on(area);
        builder
            .caption(caption, TextStyle::from((FONT, 16).into_font().style(FontStyle::Bold)).color(&INK))
            .margin_left(12)
            .margin_right(28)
            .margin_top(6)
            .margin_bottom(if bottom { 6 } else { 0 })
            .x_label_area_size(if bottom { 52 } else { 6 })
            .y_label_area_size(64);
        builder
    }

    fn draw_traffic<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let values = self.traffic.iter().chain(self.runs.iter().flat_map(|r| r.capacity.iter()));
        let top = finite_max(values, 1.0) * 1.08;
        let mut chart = Self::builder(area, "Traffic and capacity (invocations/min)", false)
            .build_cartesian_2d(self.x_range(), 0.0..top)?;
        chart
            .configure_mesh()
            .bold_line_style(INK.mix(0.1))
            .light_line_style(INK.mix(0.04))
            .y_max_light_lines(1)
            .axis_style(INK.mix(0.5))
            .x_label_formatter(&|x| self.x_label(*x, false))
            .y_labels(6)
            .y_label_formatter(&|y| fmt_count(*y))
            .label_style(TextStyle::from((FONT, 13).into_font()).color(&INK))
            .draw()?;
        chart.draw_series(
            AreaSeries::new(self.steps(&self.traffic), 0.0, TRAFFIC_FILL.filled())
                .border_style(TRAFFIC_LINE.stroke_width(1)),
        )?;
        // Shade where a run could not serve the traffic, from its capacity up to the traffic.
        for run in &self.runs {
            let shades = overloaded(&run.overload).filter_map(|i| {
                let cap = *run.capacity.get(i)?;
                let traffic = self.traffic.get(i).copied().unwrap_or(cap).max(cap + run.overload[i]);
                let (x0, x1) = bucket_span(i, self.size, self.minutes);
                Some(Rectangle::new([(x0, cap), (x1, traffic)], OVERLOAD.mix(0.18).filled()))
            });
            chart.draw_series(shades)?;
        }
        // Overload episodes: a red halo under the run's capacity line, and a dot so that a single minute shows.
        for run in &self.runs {
            for episode in episodes(&run.overload) {
                let Some(capacity) = run.capacity.get(episode.clone()) else { continue };
                let shift = (episode.start * self.size) as f64;
                let points = steps(capacity, self.size, self.minutes - episode.start * self.size);
                let points = points.into_iter().map(|(x, y)| (x + shift, y));
                chart.draw_series(LineSeries::new(points, OVERLOAD.stroke_width(7)))?;
            }
        }
        for run in &self.runs {
            chart.draw_series(LineSeries::new(self.steps(&run.capacity), run.color.stroke_width(2)))?;
        }
        for run in &self.runs {
            let dots = episodes(&run.overload).into_iter().filter_map(|episode| {
                let mid = (episode.start + episode.end - 1) / 2;
                let capacity = *run.capacity.get(mid)?;
                let (x0, x1) = bucket_span(mid, self.size, self.minutes);
                Some(Circle::new(((x0 + x1) / 2.0, capacity), 4, OVERLOAD.filled()))
            });
            chart.draw_series(dots)?;
        }
        Ok(())
    }

    fn draw_instances<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>, bottom: bool) -> DrawResult<DB> {
        let values = self.runs.iter().flat_map(|r| r.billed.iter().chain(r.min.iter()));
        let max = finite_max(values, 1.0) as u32;
        let top = max + (max / 8).max(1);
        let mut chart = Self::builder(area, "Instances (billed: in service + launching)", bottom)
            .build_cartesian_2d(self.x_range(), 0u32..top)?;
        let x_label = |x: &f64| self.x_label(*x, bottom);
        let mut mesh = chart.configure_mesh();
        mesh.bold_line_style(INK.mix(0.1))
            .light_line_style(INK.mix(0.04))
            .y_max_light_lines(1)
            .axis_style(INK.mix(0.5))
            .x_label_formatter(&x_label)
            .y_labels(6)
            .label_style(TextStyle::from((FONT, 13).into_font()).color(&INK));
        let desc = self.x_desc();
        if bottom {
            mesh.x_desc(desc.as_str());
        }
        mesh.draw()?;
        let as_count = |(x, y): (f64, f64)| (x, y.round().max(0.0) as u32);
        for run in &self.runs {
            let points = self.steps(&run.min).into_iter().map(as_count);
            chart.draw_series(DashedLineSeries::new(points, 6, 4, run.color.stroke_width(1)))?;
        }
        for run in &self.runs {
            let points = self.steps(&run.billed).into_iter().map(as_count);
            chart.draw_series(LineSeries::new(points, run.color.stroke_width(2)))?;
        }
        Ok(())
    }

    fn draw_credits<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let values = self.runs.iter().filter_map(|r| r.credits.as_ref()).flatten();
        let top = finite_max(values, 1.0) * 1.1;
        let mut chart = Self::builder(area, "CPU credit balance (lowest among instances)", true)
            .build_cartesian_2d(self.x_range(), 0.0..top)?;
        let desc = self.x_desc();
        chart
            .configure_mesh()
            .bold_line_style(INK.mix(0.1))
            .light_line_style(INK.mix(0.04))
            .y_max_light_lines(1)
            .axis_style(INK.mix(0.5))
            .x_label_formatter(&|x| self.x_label(*x, true))
            .x_desc(desc.as_str())
            .y_labels(6)
            .y_label_formatter(&|y| fmt_count(*y))
            .label_style(TextStyle::from((FONT, 13).into_font()).color(&INK))
            .draw()?;
        for run in &self.runs {
            if let Some(credits) = &run.credits {
                chart.draw_series(LineSeries::new(self.steps(credits), run.color.stroke_width(2)))?;
            }
        }
        Ok(())
    }
}

/// Indexes of the buckets with overload.
fn overloaded(overload: &[f64]) -> impl Iterator<Item = usize> + '_ {
    overload.iter().enumerate().filter(|(_, o)| **o > 0.0).map(|(i, _)| i)
}

/// Runs of consecutive overloaded buckets.
fn episodes(overload: &[f64]) -> Vec<Range<usize>> {
    let mut episodes: Vec<Range<usize>> = Vec::new();
    for i in overloaded(overload) {
        match episodes.last_mut() {
            Some(last) if last.end == i => last.end = i + 1,
            _ => episodes.push(i..i + 1),
        }
    }
    episodes
}

/// A length of time in minutes, for the axis description.
struct Span(usize);

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        if m >= 2880 && m.is_multiple_of(1440) {
            write!(f, "{} days", m / 1440)
        } else if m >= 2880 {
            write!(f, "{:.1} days", m as f64 / 1440.0)
        } else if m >= 120 && m.is_multiple_of(60) {
            write!(f, "{} hours", m / 60)
        } else if m >= 120 {
            write!(f, "{:.1} hours", m as f64 / 60.0)
        } else {
            write!(f, "{m} minute{}", plural(m))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 11, 3, 0, 0, 0).unwrap()
    }

    /// Diurnal traffic served by a naive scaler: `per_instance` invocations/min each, one minute behind.
    fn synthetic(minutes: usize, per_instance: f64, min: u32, burstable: bool) -> Series {
        let mut s = Series::default();
        let mut instances = min;
        let mut credits = 300.0;
        for m in 0..minutes {
            let day = (m % 1440) as f64 / 1440.0;
            let mut traffic = 2000.0 + 1500.0 * (std::f64::consts::TAU * (day - 0.3)).sin();
            if m % 1440 == 600 {
                traffic += 4000.0; // a one-minute spike each day
            }
            let capacity = f64::from(instances) * per_instance;
            s.invocations.push(traffic);
            s.capacity.push(capacity);
            s.overload.push((traffic - capacity).max(0.0));
            s.in_service.push(instances);
            s.billed.push(instances + u32::from(traffic > capacity));
            s.min.push(if m % 1440 < 480 { min } else { min + 1 });
            s.max.push(12);
            credits = (credits + 2.0 - 6.0 * (traffic / capacity.max(1.0)).min(1.0)).clamp(0.0, 300.0);
            if burstable {
                s.credit_balance.get_or_insert_with(Vec::new).push(credits);
            }
            let wanted = (traffic / (0.7 * per_instance)).ceil() as u32;
            instances = wanted.clamp(s.min[m], 12);
        }
        s
    }

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("endpoint-scale-chart-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn two_runs<'a>(a: &'a Series, b: &'a Series) -> Vec<ChartRun<'a>> {
        vec![
            ChartRun { label: "target tracking 70".into(), series: a },
            ChartRun { label: "t2 burst".into(), series: b },
        ]
    }

    #[test]
    fn writes_svg_with_the_legend() {
        let (a, b) = (synthetic(3 * 1440, 450.0, 2, false), synthetic(3 * 1440, 300.0, 1, true));
        let dir = scratch_dir("svg");
        let path = dir.join("chart.svg");
        write(&path, start(), "recommender / AllTraffic", &two_runs(&a, &b)).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{}", &svg[..80.min(svg.len())]);
        for text in ["target tracking 70", "t2 burst", "traffic", "CPU credit balance", "Nov 03", "Nov 05"] {
            assert!(svg.contains(text), "missing {text:?}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn writes_a_1200_by_900_png() {
        let (a, b) = (synthetic(3 * 1440, 450.0, 2, false), synthetic(3 * 1440, 300.0, 1, true));
        let dir = scratch_dir("png");
        let path = dir.join("chart.PNG");
        write(&path, start(), "recommender / AllTraffic", &two_runs(&a, &b)).unwrap();
        let png = std::fs::read(&path).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1200);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 900);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn short_and_month_long_series_draw() {
        let dir = scratch_dir("lengths");
        for minutes in [1, 10, 90, 30 * 1440] {
            let s = synthetic(minutes, 450.0, 2, false);
            let runs = [ChartRun { label: "only".into(), series: &s }];
            let start = start() + Duration::minutes(37);
            write(&dir.join(format!("{minutes}.svg")), start, "lengths", &runs).unwrap();
        }
        let s = synthetic(10, 300.0, 1, true);
        write(&dir.join("10.png"), start(), "ten minutes", &[ChartRun { label: "t2".into(), series: &s }]).unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn odd_values_draw() {
        let dir = scratch_dir("odd");
        for (i, (traffic, instances)) in
            [(0.0, 0), (0.001, 1), (f64::NAN, 3), (1e9, 7), (42.0, 1000), (5.0, 100_000)].into_iter().enumerate()
        {
            let minutes = 17;
            let s = Series {
                invocations: vec![traffic; minutes],
                capacity: vec![traffic * 0.5; minutes],
                overload: vec![traffic * 0.5; minutes],
                in_service: vec![instances; minutes],
                billed: vec![instances; minutes],
                min: vec![instances / 2; minutes],
                max: vec![instances; minutes],
                credit_balance: Some(vec![traffic; minutes]),
            };
            let runs = [ChartRun { label: "a < b & c".into(), series: &s }];
            write(&dir.join(format!("{i}.svg")), start(), "odd <values>", &runs).unwrap();
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn downsampling_keeps_peaks_and_dips() {
        let minutes = 30 * 1440;
        let mut values = vec![5.0; minutes];
        values[12_345] = 99.0;
        values[30_001] = -1.0;
        let size = bucket_size(minutes);
        let max = downsample(&values, size, Keep::Max);
        let min = downsample(&values, size, Keep::Min);
        assert!(max.len() <= MAX_BUCKETS && max.len() * size >= minutes);
        assert_eq!(max.iter().copied().fold(f64::MIN, f64::max), 99.0);
        assert_eq!(max[12_345 / size], 99.0);
        assert_eq!(min[30_001 / size], -1.0);
        assert_eq!(min[12_345 / size], 5.0);
        // Short series are kept as they are.
        assert_eq!(downsample(&[1.0, 3.0, 2.0], bucket_size(3), Keep::Max), vec![1.0, 3.0, 2.0]);
        assert_eq!(downsample(&[f64::NAN, 3.0], 2, Keep::Max), vec![3.0]);
    }

    #[test]
    fn time_axis_labels_days_or_hours() {
        let (ticks, unit) = time_ticks(start(), 3 * 1440);
        assert_eq!(unit, TimeUnit::Days);
        assert_eq!(ticks, vec![0.0, 1440.0, 2880.0, 4320.0]);
        assert_eq!(time_label(start(), unit, 1440.0), "Nov 04");

        let late = start() + Duration::minutes(22 * 60 + 10);
        let (ticks, unit) = time_ticks(late, 10 * 60);
        assert_eq!(unit, TimeUnit::Clock);
        assert_eq!(ticks[0], 50.0);
        assert!(ticks.len() <= 11);
        assert_eq!(time_label(late, unit, 50.0), "23:00");
        assert_eq!(time_label(late, unit, 110.0), "Nov 04");

        let (ticks, _) = time_ticks(start(), 30 * 1440);
        assert!((4..=11).contains(&ticks.len()), "{ticks:?}");
    }

    #[test]
    fn rejects_other_formats_and_empty_input() {
        let dir = std::env::temp_dir();
        let s = synthetic(10, 450.0, 2, false);
        let runs = [ChartRun { label: "a".into(), series: &s }];
        let err = write(&dir.join("chart.jpg"), start(), "t", &runs).unwrap_err();
        assert!(matches!(err, ChartError::UnsupportedFormat { .. }));
        assert!(err.to_string().contains(".svg") && err.to_string().contains(".png"), "{err}");
        assert!(matches!(write(&dir.join("chart"), start(), "t", &runs), Err(ChartError::UnsupportedFormat { .. })));

        let empty = Series::default();
        let runs = [ChartRun { label: "a".into(), series: &empty }];
        assert!(matches!(write(&dir.join("chart.svg"), start(), "t", &runs), Err(ChartError::EmptySeries)));
        assert!(matches!(write(&dir.join("chart.png"), start(), "t", &[]), Err(ChartError::NoRuns)));
    }

    #[test]
    fn reports_the_path_when_it_cannot_write() {
        let s = synthetic(10, 450.0, 2, false);
        let runs = [ChartRun { label: "a".into(), series: &s }];
        for name in ["chart.svg", "chart.png"] {
            let path = std::env::temp_dir().join("endpoint-scale-no-such-dir").join(name);
            let err = write(&path, start(), "t", &runs).unwrap_err();
            assert!(matches!(err, ChartError::Draw { .. }), "{err:?}");
            assert!(err.to_string().contains(&path.display().to_string()), "{err}");
        }
    }
}
