//! Labelled data in the plain CSV format of nnet's examples.

use std::path::Path;

use nalgebra::SVector;

use super::Dataset;
use crate::{Error, Result};

/// Reads a classification data set of `F` features from a CSV file (see [`parse_csv`] for the
/// format).
///
/// # Errors
///
/// [`Error::Io`] naming the file if it cannot be read, and [`Error::Csv`] naming the file and
/// the line if its contents are malformed.
///
/// # Examples
///
/// ```
/// use nnet_core::datasets::load_csv;
///
/// let error = load_csv::<4>("no/such/file.csv").unwrap_err();
/// assert!(error.to_string().contains("no/such/file.csv"));
/// ```
pub fn load_csv<const F: usize>(path: impl AsRef<Path>) -> Result<Dataset<F>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Io(format!("cannot read `{}`: {e}", path.display())))?;
    parse(&text).map_err(|(line, reason)| Error::Csv {
        file: path.display().to_string(),
        line,
        reason,
    })
}

/// Parses a classification data set of `F` features from CSV text.
///
/// The format: a header line `n_rows,n_features,<class names...>`, then `n_rows` lines of
/// `n_features` numbers and an integer class label from 0, all separated by commas. Blank lines
/// are skipped; spaces around fields and Windows line endings are accepted. `n_features` must
/// be `F`; when the header names classes, every label must be one of them.
///
/// # Errors
///
/// [`Error::Csv`] (with `file` `"CSV text"`) naming the first malformed line: a header that
/// is missing or does not give two counts, a feature count other than `F`, a row with the
/// wrong number of fields, a number that does not parse or is not finite, a label that is not
/// a class, or a row count other than the header's.
///
/// # Examples
///
/// ```
/// use nnet_core::datasets::parse_csv;
///
/// let data = parse_csv::<2>("2,2,no,yes\n0.5,1.5,0\n2.0,-1,1\n")?;
/// assert_eq!(data.labels, vec![0, 1]);
/// assert_eq!(data.inputs[1][1], -1.0);
/// assert_eq!(data.class_names, vec!["no", "yes"]);
///
/// let error = parse_csv::<2>("2,2\n0.5,abc,0\n").unwrap_err();
/// assert_eq!(error.to_string(), "CSV text, line 2: field 2 is `abc`, not a number");
/// # Ok::<(), nnet_core::Error>(())
/// ```
pub fn parse_csv<const F: usize>(text: &str) -> Result<Dataset<F>> {
    parse(text).map_err(|(line, reason)| Error::Csv {
        file: "CSV text".to_owned(),
        line,
        reason,
    })
}

/// A line number (from 1) and what is wrong there.
type LineError = (usize, String);

fn parse<const F: usize>(text: &str) -> Result<Dataset<F>, LineError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err((
            1,
            "the data is empty: expected a header `n_rows,n_features,<class names...>`".to_owned(),
        ));
    };
    let (rows, class_names) = parse_header::<F>(header).map_err(|reason| (header_line, reason))?;

    // The header's row count is a claim, not a size: it is only compared with the rows read,
    // never used to allocate (a count of 2^64 - 1 would abort the process).
    let mut data = Dataset {
        inputs: Vec::new(),
        labels: Vec::new(),
        class_names,
    };
    let mut last_line = header_line;
    for (number, line) in lines {
        last_line = number;
        if data.len() == rows {
            return Err((
                number,
                format!("more rows than the {rows} the header announces"),
            ));
        }
        let (input, label) = parse_row::<F>(line, &data.class_names).map_err(|r| (number, r))?;
        data.inputs.push(input);
        data.labels.push(label);
    }
    if data.len() < rows {
        return Err((
            last_line,
            format!(
                "the header announces {rows} rows but the data ends after {}: is the file truncated?",
                data.len()
            ),
        ));
    }
    Ok(data)
}

/// `n_rows,n_features,<class names...>`: the row count and the class names.
fn parse_header<const F: usize>(header: &str) -> Result<(usize, Vec<String>), String> {
    let fields: Vec<&str> = header.split(',').map(str::trim).collect();
    let count = |i: usize, what: &str| -> Result<usize, String> {
        let field = fields.get(i).copied().unwrap_or("");
        field.parse().map_err(|_| {
            format!(
                "the header's field {} is `{field}`, not the number of {what}: expected a header \
                 `n_rows,n_features,<class names...>`",
                i + 1
            )
        })
    };
    let rows = count(0, "rows")?;
    let features = count(1, "features")?;
    if features != F {
        return Err(format!(
            "the data has {features} features but {F} were asked for: read it as a data set of \
             {features} features (and a network of {features} inputs)"
        ));
    }
    Ok((rows, fields[2..].iter().map(|s| (*s).to_owned()).collect()))
}

/// `F` numbers and a class label.
fn parse_row<const F: usize>(
    line: &str,
    class_names: &[String],
) -> Result<(SVector<f32, F>, usize), String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    if fields.len() != F + 1 {
        return Err(format!(
            "{} fields, expected {} ({F} features and a class label)",
            fields.len(),
            F + 1
        ));
    }
    let mut input = SVector::<f32, F>::zeros();
    for (i, field) in fields[..F].iter().enumerate() {
        input[i] = match field.parse::<f32>() {
            Ok(value) if value.is_finite() => value,
            Ok(_) => return Err(format!("field {} is `{field}`, not a finite number", i + 1)),
            Err(_) => return Err(format!("field {} is `{field}`, not a number", i + 1)),
        };
    }
    let label_field = fields[F];
    let label: usize = label_field.parse().map_err(|_| {
        format!(
            "the label (field {}) is `{label_field}`, not a class number from 0",
            F + 1
        )
    })?;
    if !class_names.is_empty() && label >= class_names.len() {
        return Err(format!(
            "the label is {label} but the header names {} classes (0 to {})",
            class_names.len(),
            class_names.len() - 1
        ));
    }
    Ok((input, label))
}
