//! Reading a CSV text: its lines as records, the header, and the rows as numbers.

use nalgebra::SVector;

use super::{CsvOptions, Delimiter, Header, TargetColumns};
use crate::Error;

/// What is wrong where: a line (from 1), maybe a column (from 1), and why.
#[derive(Debug)]
pub(super) struct LineError {
    line: usize,
    column: Option<usize>,
    reason: String,
}

impl LineError {
    fn at(line: usize, column: Option<usize>, reason: impl Into<String>) -> Self {
        Self {
            line,
            column,
            reason: reason.into(),
        }
    }

    pub(super) fn into_error(self, file: &str) -> Error {
        Error::Csv {
            file: file.to_owned(),
            line: self.line,
            column: self.column,
            reason: self.reason,
        }
    }
}

/// The rows read: each line's features and its target, and the class names of an
/// sklearn-style header.
pub(super) struct Table<const F: usize, Y> {
    pub(super) inputs: Vec<SVector<f32, F>>,
    pub(super) targets: Vec<Y>,
    pub(super) class_names: Vec<String>,
}

/// A line that holds fields: its number and its fields, trimmed.
struct Record {
    line: usize,
    fields: Vec<String>,
}

/// The first line, read as a header.
enum HeaderLine {
    /// `n_rows,n_features[,class names...]`: counts as written (they may not fit a `usize`).
    Sklearn {
        line: usize,
        rows: String,
        features: String,
        names: Vec<String>,
    },
    /// Column names.
    Names { line: usize, width: usize },
}

/// Reads `text` as rows of `F` features and `targets` target columns (`described` in
/// messages, e.g. "a label"), which `target` turns into a `Y` given the fields and the class
/// names, or into the index of the field at fault and why.
pub(super) fn read<const F: usize, Y>(
    text: &str,
    options: &CsvOptions,
    targets: usize,
    described: &str,
    mut target: impl FnMut(&[&str], &[String]) -> Result<Y, (usize, String)>,
) -> Result<Table<F, Y>, LineError> {
    let records = records(text, options)?;
    let (header, data) = split_header(&records, options.header);
    let class_names = match &header {
        Some(HeaderLine::Sklearn { names, .. }) => names.clone(),
        _ => Vec::new(),
    };
    let mut table = Table {
        inputs: Vec::new(),
        targets: Vec::new(),
        class_names,
    };
    // A first line of numbers alone that `Header::Auto` took for a header may be data: say so.
    let guess = match (&header, options.header) {
        (Some(HeaderLine::Sklearn { line, names, .. }), Header::Auto)
            if names.iter().all(|n| is_count(n)) =>
        {
            format!(
                " (line {line} was taken for an sklearn-style header `n_rows,n_features`: read \
                 with `Header::Absent` if it is data)"
            )
        }
        _ => String::new(),
    };
    if let Some(HeaderLine::Sklearn { line, features, .. }) = &header
        && features.parse::<usize>() != Ok(F)
    {
        return Err(LineError::at(
            *line,
            None,
            format!(
                "the data has {features} features but {F} were asked for: read it as a data \
                 set of {features} features (and a network of {features} inputs){guess}"
            ),
        ));
    }
    let Some(first) = data.first() else {
        return match header {
            Some(HeaderLine::Sklearn { rows, .. }) if rows.parse::<usize>() == Ok(0) => Ok(table),
            Some(HeaderLine::Sklearn { line, rows, .. }) => Err(LineError::at(
                line,
                None,
                format!(
                    "the header announces {rows} rows but no data line follows it: is the file \
                     truncated?"
                ),
            )),
            Some(HeaderLine::Names { line, .. }) => Err(LineError::at(
                line,
                None,
                "the header is followed by no data line",
            )),
            None => Err(LineError::at(
                1,
                None,
                "the data is empty: there is no data line (only blank lines or comments, if \
                 anything)",
            )),
        };
    };
    let width = first.fields.len();
    check_width::<F>(first, targets, described).map_err(|mut e| {
        e.reason.push_str(&guess);
        e
    })?;
    if let Some(header) = &header {
        check_header(header, data, width)?;
    }
    let start = match options.targets {
        TargetColumns::Last => F,
        TargetColumns::First => 0,
        TargetColumns::At(start) => start,
    };
    if start > F {
        return Err(LineError::at(
            first.line,
            None,
            format!(
                "the targets are to start at column {} (`TargetColumns::At({start})`), but its \
                 {width} fields are {F} features and {described}: the last start is index {F}",
                start.saturating_add(1)
            ),
        ));
    }
    let target_columns = start..start + targets;

    for record in data {
        if record.fields.len() != width {
            return Err(LineError::at(
                record.line,
                None,
                format!(
                    "it has {}, but the first data line (line {}) has {width}",
                    fields(record.fields.len()),
                    first.line
                ),
            ));
        }
        let mut input = SVector::<f32, F>::zeros();
        let features = (0..width).filter(|c| !target_columns.contains(c));
        for (slot, column) in input.iter_mut().zip(features) {
            *slot = number(&record.fields[column])
                .map_err(|reason| LineError::at(record.line, Some(column + 1), reason))?;
        }
        let fields: Vec<&str> = record.fields[target_columns.clone()]
            .iter()
            .map(String::as_str)
            .collect();
        let y = target(&fields, &table.class_names)
            .map_err(|(i, reason)| LineError::at(record.line, Some(start + i + 1), reason))?;
        table.inputs.push(input);
        table.targets.push(y);
    }
    Ok(table)
}

/// The lines that hold fields, skipping blank lines and comments; a leading byte-order mark is
/// ignored.
fn records(text: &str, options: &CsvOptions) -> Result<Vec<Record>, LineError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match options.delimiter {
        Delimiter::Whitespace => Ok(text
            .lines()
            .enumerate()
            .filter_map(|(i, line)| {
                let line = line.trim();
                let comment = options
                    .comment
                    .is_some_and(|c| line.as_bytes().first() == Some(&c));
                (!line.is_empty() && !comment).then(|| Record {
                    line: i + 1,
                    fields: line.split_whitespace().map(str::to_owned).collect(),
                })
            })
            .collect()),
        Delimiter::Byte(delimiter) => {
            let mut reader = ::csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .comment(options.comment)
                .trim(::csv::Trim::All)
                .from_reader(text.as_bytes());
            let line_of = |position: Option<&::csv::Position>| {
                position.map_or(1, |p| usize::try_from(p.line()).unwrap_or(usize::MAX))
            };
            let mut records = Vec::new();
            for result in reader.records() {
                let record = result
                    .map_err(|e| LineError::at(line_of(e.position()), None, e.to_string()))?;
                if record.iter().all(str::is_empty) {
                    continue;
                }
                records.push(Record {
                    line: line_of(record.position()),
                    fields: record.iter().map(str::to_owned).collect(),
                });
            }
            Ok(records)
        }
    }
}

/// `1 field`, `3 fields`.
fn fields(n: usize) -> String {
    if n == 1 {
        "1 field".to_owned()
    } else {
        format!("{n} fields")
    }
}

/// Whether the field is a count: digits only.
fn is_count(field: &str) -> bool {
    !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit())
}

/// Splits off the header, if there is one (see [`Header`]), from the data lines.
fn split_header(records: &[Record], mode: Header) -> (Option<HeaderLine>, &[Record]) {
    let Some((first, rest)) = records.split_first() else {
        return (None, records);
    };
    let fields = &first.fields;
    let sklearn = fields.len() >= 2 && is_count(&fields[0]) && is_count(&fields[1]);
    let present = match mode {
        Header::Present => true,
        Header::Absent => false,
        Header::Auto
            if fields
                .iter()
                .any(|f| !f.is_empty() && f.parse::<f64>().is_err()) =>
        {
            true
        }
        Header::Auto => {
            sklearn
                && fields[2..].iter().all(|f| f.is_empty() || is_count(f))
                && rest
                    .first()
                    .is_some_and(|next| next.fields.len() != fields.len())
        }
    };
    if !present {
        return (None, records);
    }
    let header = if sklearn {
        HeaderLine::Sklearn {
            line: first.line,
            rows: fields[0].clone(),
            features: fields[1].clone(),
            // `569,30,` names no class.
            names: if fields[2..].iter().all(String::is_empty) {
                Vec::new()
            } else {
                fields[2..].to_vec()
            },
        }
    } else {
        HeaderLine::Names {
            line: first.line,
            width: fields.len(),
        }
    };
    (Some(header), rest)
}

/// The first data line holds `F` features and the targets.
fn check_width<const F: usize>(
    first: &Record,
    targets: usize,
    described: &str,
) -> Result<(), LineError> {
    let width = first.fields.len();
    if width == F + targets {
        return Ok(());
    }
    let reason = if width > targets {
        let found = width - targets;
        format!(
            "the first data line has {}, that is {found} features and {described}, \
             but {F} features were asked for: read it with {found} features (and a network of \
             {found} inputs)",
            fields(width)
        )
    } else {
        format!(
            "the first data line has {}, too few for {F} features and {described}",
            fields(width)
        )
    };
    Err(LineError::at(first.line, None, reason))
}

/// A header agrees with the data: an sklearn-style header's row count is the number of data
/// lines (compared, never used to size anything), a line of names has one per column.
fn check_header(header: &HeaderLine, data: &[Record], width: usize) -> Result<(), LineError> {
    match header {
        HeaderLine::Sklearn { line, rows, .. } => match rows.parse::<usize>() {
            Ok(n) if n == data.len() => Ok(()),
            Ok(n) if n < data.len() => Err(LineError::at(
                data[n].line,
                None,
                format!("more rows than the {rows} the header (line {line}) announces"),
            )),
            _ => Err(LineError::at(
                data.last().map_or(*line, |r| r.line),
                None,
                format!(
                    "the header (line {line}) announces {rows} rows but the data ends after {}: \
                     is the file truncated?",
                    data.len()
                ),
            )),
        },
        HeaderLine::Names { line, width: names } if *names != width => Err(LineError::at(
            *line,
            None,
            format!(
                "the header names {names} columns but the first data line has {width} fields: \
                 are the delimiter and the header right?"
            ),
        )),
        HeaderLine::Names { .. } => Ok(()),
    }
}

/// A feature or target: a finite `f32`.
pub(super) fn number(field: &str) -> Result<f32, String> {
    match field.parse::<f32>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ if field.is_empty() => Err("the field is empty: impute missing values before loading \
                                      (or, with fields separated by runs of spaces, read with \
                                      `Delimiter::Whitespace`)"
            .to_owned()),
        Ok(value) if value.is_nan() => Err(format!(
            "`{field}` is not a number: impute missing values before loading"
        )),
        Ok(_) => Err(format!(
            "`{field}` is not a finite f32 (whose largest magnitude is 3.4e38)"
        )),
        Err(_) => Err(format!("`{field}` is not a number")),
    }
}

/// A class label: a whole number from 0 (`2`, or `2.0e+00` as NumPy writes it), one of the
/// header's classes when it names them.
pub(super) fn label(field: &str, class_names: &[String]) -> Result<usize, String> {
    let label = field
        .parse::<usize>()
        .ok()
        .or_else(|| {
            let value = field.parse::<f64>().ok()?;
            // Below 2^53, where every whole f64 is exact.
            (value >= 0.0 && value.fract() == 0.0 && value < 9_007_199_254_740_992.0)
                .then_some(value as usize)
        })
        .ok_or_else(|| {
            format!("the label `{field}` is not a class number (a whole number from 0)")
        })?;
    if !class_names.is_empty() && label >= class_names.len() {
        return Err(format!(
            "the label is {label} but the header names {} classes (0 to {})",
            class_names.len(),
            class_names.len() - 1
        ));
    }
    Ok(label)
}
