//! Numeric CSV files: the sklearn-style files of nnet's examples, NumPy's `savetxt` output, and
//! tables with or without a header, read as labelled data sets or as inputs and targets.

mod read;
#[cfg(test)]
mod tests;

use std::path::Path;

use nalgebra::SVector;

use super::Dataset;
use crate::{Error, Result};
use read::{LineError, read};

/// Whether the first line of a CSV file is a header.
///
/// A header is either sklearn-style, `n_rows,n_features[,class names...]` (the files of nnet's
/// examples), whose counts are checked against the data and whose names name the classes, or
/// a line of column names, which is skipped.
///
/// # Examples
///
/// ```
/// use nnet_core::datasets::{CsvOptions, Header};
///
/// let text = "x,y,label\n0.5,1.5,0\n";
/// assert_eq!(CsvOptions::default().parse::<2>(text)?.len(), 1); // `Auto`: names skipped
/// let absent = CsvOptions { header: Header::Absent, ..CsvOptions::default() };
/// assert!(absent.parse::<2>(text).is_err()); // `x` is not a number
/// # Ok::<(), nnet_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// Decide from the file (the default). The first line is a header when one of its fields
    /// is not a number (so a corrupt first data line is taken for column names: use
    /// [`Header::Absent`] to have it reported), or when it is whole numbers in the sklearn
    /// style and the next line has another number of fields (`2,2` before lines of 3 fields).
    /// Anything else is data: an sklearn-style header of numbers alone as wide as the data
    /// (`150,4,0,1,2` before lines of 5 fields) needs [`Header::Present`].
    #[default]
    Auto,
    /// The first line is a header.
    Present,
    /// There is no header: every line is data (as written by NumPy's `savetxt` without
    /// `header=`).
    Absent,
}

/// What separates the fields of a line.
///
/// # Examples
///
/// ```
/// use nnet_core::datasets::{CsvOptions, Delimiter};
///
/// let tabs = CsvOptions { delimiter: Delimiter::Byte(b'\t'), ..CsvOptions::default() };
/// assert_eq!(tabs.parse::<2>("0.5\t1.5\t1\n")?.labels, vec![1]);
/// let spaces = CsvOptions { delimiter: Delimiter::Whitespace, ..CsvOptions::default() };
/// assert_eq!(spaces.parse::<2>("0.5   1.5 \t 1\n")?.labels, vec![1]);
/// # Ok::<(), nnet_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// One byte, e.g. `b','` (the default), `b';'` or `b'\t'`; fields may be quoted as in
    /// RFC 4180, and spaces around them are ignored.
    Byte(u8),
    /// Any run of spaces and tabs, as NumPy's `loadtxt` reads the default output of `savetxt`
    /// (`delimiter=' '`); no quoting.
    Whitespace,
}

impl Default for Delimiter {
    fn default() -> Self {
        Delimiter::Byte(b',')
    }
}

/// Which columns hold the targets (the class label, or the `T` targets of
/// [`CsvOptions::load_xy`]); the features are the other columns, in order.
///
/// # Examples
///
/// ```
/// use nnet_core::datasets::{CsvOptions, TargetColumns};
///
/// let at = CsvOptions { targets: TargetColumns::At(1), ..CsvOptions::default() };
/// let data = at.parse::<2>("0.5,2,1.5\n")?;
/// assert_eq!((data.labels[0], data.inputs[0][1]), (2, 1.5));
/// # Ok::<(), nnet_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetColumns {
    /// The last columns (the default), as in `np.savetxt(path, np.c_[X, y])`.
    #[default]
    Last,
    /// The first columns, as in MNIST's CSV files.
    First,
    /// The columns from this index (from 0), with features before and after them.
    At(usize),
}

/// How to read a CSV file of numbers: header, delimiter, comments and where the targets are.
///
/// A plain settings struct with public fields; [`Default`] reads nnet's sklearn-style files and
/// comma-separated files with or without a header. Blank lines are skipped, and so are lines
/// that start with the comment byte (NumPy's `savetxt` writes its `header=` and `footer=` as
/// `# ` lines). Features must be finite `f32` numbers; a class label a whole number from 0
/// (`1`, or `1.000000000000000000e+00` as `savetxt` writes it).
///
/// # Examples
///
/// A matrix written by `np.savetxt("data.txt", np.c_[X, y])`, whitespace-separated, label last:
///
/// ```
/// use nnet_core::datasets::{CsvOptions, Delimiter};
///
/// let text = "# written by savetxt\n\
///             5.0e-01 1.5e+00 0.0e+00\n\
///             2.0e+00 -1.0e+00 1.0e+00\n";
/// let options = CsvOptions { delimiter: Delimiter::Whitespace, ..CsvOptions::default() };
/// let data = options.parse::<2>(text)?;
/// assert_eq!(data.labels, vec![0, 1]);
/// assert_eq!(data.inputs[1][1], -1.0);
/// # Ok::<(), nnet_core::Error>(())
/// ```
///
/// Regression targets in the first column, after a header of column names:
///
/// ```
/// use nnet_core::datasets::{CsvOptions, TargetColumns};
///
/// let options = CsvOptions { targets: TargetColumns::First, ..CsvOptions::default() };
/// let (x, y) = options.parse_xy::<2, 1>("price,rooms,area\n250.5,3,80\n120,1,35\n")?;
/// assert_eq!((x[0][1], y[1][0]), (80.0, 120.0));
/// # Ok::<(), nnet_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Whether the first line is a header. Default [`Header::Auto`].
    pub header: Header,
    /// What separates fields. Default `Delimiter::Byte(b',')`.
    pub delimiter: Delimiter,
    /// Lines starting with this byte are comments. Default `Some(b'#')`, as NumPy's.
    pub comment: Option<u8>,
    /// Which columns hold the targets. Default [`TargetColumns::Last`].
    pub targets: TargetColumns,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            header: Header::Auto,
            delimiter: Delimiter::Byte(b','),
            comment: Some(b'#'),
            targets: TargetColumns::Last,
        }
    }
}

/// Inputs of `F` features and targets of `T` values, as [`Trainer::fit`](crate::train::Trainer::fit)
/// takes them.
///
/// # Examples
///
/// ```
/// use nnet_core::datasets::{CsvOptions, Xy};
///
/// let (x, y): Xy<2, 1> = CsvOptions::default().parse_xy("1,2,3\n")?;
/// assert_eq!((x[0][1], y[0][0]), (2.0, 3.0));
/// # Ok::<(), nnet_core::Error>(())
/// ```
pub type Xy<const F: usize, const T: usize> = (Vec<SVector<f32, F>>, Vec<SVector<f32, T>>);

impl CsvOptions {
    /// Reads a classification data set of `F` features and one class label per line from a
    /// file; see [`parse`](Self::parse).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file if it cannot be read, and [`Error::Csv`] naming the file,
    /// the line and (where one field is at fault) the column, as [`parse`](Self::parse).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::datasets::CsvOptions;
    ///
    /// let error = CsvOptions::default().load::<4>("no/such/file.csv").unwrap_err();
    /// assert!(error.to_string().contains("no/such/file.csv"));
    /// ```
    pub fn load<const F: usize>(&self, path: impl AsRef<Path>) -> Result<Dataset<F>> {
        let (path, text) = read_file(path.as_ref())?;
        self.parse_labelled(&text).map_err(|e| e.into_error(&path))
    }

    /// Parses a classification data set of `F` features and one class label per line.
    ///
    /// An sklearn-style header's counts must match the data (its row count is only compared,
    /// never trusted) and its names become the class names; every label must then name one of
    /// them.
    ///
    /// # Errors
    ///
    /// [`Error::Csv`] (with `file` `"CSV text"`) naming the line, and the column where one
    /// field is at fault: no data line; a header whose feature count is not `F` or whose row
    /// count is not the data's; a first data line whose width is not `F` features and a label
    /// (saying how many features it holds); a line of another width than the first; a feature
    /// that is empty, not a number or not a finite `f32`; a label that is not a whole number
    /// from 0 or not one of the header's classes.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::datasets::CsvOptions;
    ///
    /// let options = CsvOptions::default();
    /// let data = options.parse::<2>("2,2,no,yes\n0.5,1.5,0\n2.0,-1,1\n")?;
    /// assert_eq!(data.class_names, vec!["no", "yes"]);
    ///
    /// let error = options.parse::<2>("0.5,1.5,0\n0.5,abc,1\n").unwrap_err();
    /// assert_eq!(error.to_string(), "CSV text, line 2, column 2: `abc` is not a number");
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn parse<const F: usize>(&self, text: &str) -> Result<Dataset<F>> {
        self.parse_labelled(text).map_err(|e| e.into_error(TEXT))
    }

    /// Reads inputs of `F` features and targets of `T` numbers per line from a file; see
    /// [`parse_xy`](Self::parse_xy).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file if it cannot be read, and [`Error::Csv`] naming the file,
    /// the line and (where one field is at fault) the column, as [`parse_xy`](Self::parse_xy).
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::datasets::CsvOptions;
    ///
    /// let error = CsvOptions::default().load_xy::<3, 1>("no/such/file.csv").unwrap_err();
    /// assert!(error.to_string().contains("no/such/file.csv"));
    /// ```
    pub fn load_xy<const F: usize, const T: usize>(
        &self,
        path: impl AsRef<Path>,
    ) -> Result<Xy<F, T>> {
        let (path, text) = read_file(path.as_ref())?;
        self.parse_numeric(&text).map_err(|e| e.into_error(&path))
    }

    /// Parses inputs of `F` features and targets of `T` numbers per line, e.g. for regression
    /// (`T` may be 0 to read features alone). An sklearn-style header is checked as by
    /// [`parse`](Self::parse) and its names are ignored.
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse), with targets that must be finite numbers as features are.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_core::datasets::CsvOptions;
    ///
    /// let (x, y) = CsvOptions::default().parse_xy::<1, 2>("1.5,10,20\n-2,30,40\n")?;
    /// assert_eq!(x[1][0], -2.0);
    /// assert_eq!((y[0][1], y[1][0]), (20.0, 30.0));
    /// # Ok::<(), nnet_core::Error>(())
    /// ```
    pub fn parse_xy<const F: usize, const T: usize>(&self, text: &str) -> Result<Xy<F, T>> {
        self.parse_numeric(text).map_err(|e| e.into_error(TEXT))
    }

    fn parse_labelled<const F: usize>(&self, text: &str) -> Result<Dataset<F>, LineError> {
        let table = read::<F, usize>(text, self, 1, "a label", |fields, names| {
            read::label(fields[0], names).map_err(|reason| (0, reason))
        })?;
        Ok(Dataset {
            inputs: table.inputs,
            labels: table.targets,
            class_names: table.class_names,
        })
    }

    fn parse_numeric<const F: usize, const T: usize>(
        &self,
        text: &str,
    ) -> Result<Xy<F, T>, LineError> {
        let described = match T {
            1 => "a target".to_owned(),
            _ => format!("{T} targets"),
        };
        let table = read::<F, SVector<f32, T>>(text, self, T, &described, |fields, _| {
            let mut target = SVector::<f32, T>::zeros();
            for (i, field) in fields.iter().enumerate() {
                target[i] = read::number(field).map_err(|reason| (i, reason))?;
            }
            Ok(target)
        })?;
        Ok((table.inputs, table.targets))
    }
}

/// What [`Error::Csv`] calls data parsed from a string.
const TEXT: &str = "CSV text";

/// The file's name as messages give it, and its text.
fn read_file(path: &Path) -> Result<(String, String)> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Io(format!("cannot read `{name}`: {e}")))?;
    Ok((name, text))
}

/// Reads a classification data set of `F` features from a CSV file with the default
/// [`CsvOptions`]: comma-separated, with an sklearn-style header `n_rows,n_features,<class
/// names...>` (as nnet's example data), a header of column names, or none; the class label in
/// the last column.
///
/// # Errors
///
/// [`Error::Io`] naming the file if it cannot be read, and [`Error::Csv`] naming the file and
/// the line (and column) if its contents are malformed; see [`CsvOptions::parse`].
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
    CsvOptions::default().load(path)
}

/// Parses a classification data set of `F` features from CSV text with the default
/// [`CsvOptions`] (see [`load_csv`]).
///
/// # Errors
///
/// [`Error::Csv`] (with `file` `"CSV text"`) naming the first malformed line; see
/// [`CsvOptions::parse`].
///
/// # Examples
///
/// ```
/// use nnet_core::datasets::parse_csv;
///
/// // With an sklearn-style header, and without one.
/// let data = parse_csv::<2>("2,2,no,yes\n0.5,1.5,0\n2.0,-1,1\n")?;
/// assert_eq!(data.labels, vec![0, 1]);
/// assert_eq!(data.class_names, vec!["no", "yes"]);
/// assert_eq!(parse_csv::<2>("0.5,1.5,0\n2.0,-1,1\n")?.inputs, data.inputs);
///
/// let error = parse_csv::<4>("0.5,1.5,0\n").unwrap_err();
/// assert!(error.to_string().contains("2 features and a label, but 4 features were asked for"));
/// # Ok::<(), nnet_core::Error>(())
/// ```
pub fn parse_csv<const F: usize>(text: &str) -> Result<Dataset<F>> {
    CsvOptions::default().parse(text)
}
