//! The CSV reader: headers of every kind or none, delimiters, comments, target columns, and
//! errors that name the line, the column and what was found.

use nalgebra::vector;

use super::{CsvOptions, Delimiter, Header, TargetColumns, load_csv, parse_csv};
use crate::Error;

/// The message of parsing `text` as 2 features and a label, which must fail.
fn csv_error(text: &str) -> String {
    parse_csv::<2>(text).unwrap_err().to_string()
}

/// Asserts that each text fails with a message containing the expected part.
fn assert_errors(options: &CsvOptions, cases: &[(&str, &str)]) {
    for (text, want) in cases {
        let got = options.parse::<2>(text).unwrap_err().to_string();
        assert!(got.contains(want), "{text:?}: got {got:?}, want {want:?}");
    }
}

fn whitespace() -> CsvOptions {
    CsvOptions {
        delimiter: Delimiter::Whitespace,
        ..CsvOptions::default()
    }
}

#[test]
fn reads_an_sklearn_header_rows_and_names() {
    let data = parse_csv::<3>("3, 3, a, b\r\n1,2,3,0\r\n\r\n4, 5e-1 ,-6,1\n7,8,9,1").unwrap();
    assert_eq!(
        data.inputs,
        [
            vector![1.0, 2.0, 3.0],
            vector![4.0, 0.5, -6.0],
            vector![7.0, 8.0, 9.0]
        ]
    );
    assert_eq!(data.labels, [0, 1, 1]);
    assert_eq!(data.class_names, ["a", "b"]);
}

#[test]
fn reads_the_same_rows_with_any_header_or_none() {
    let rows = "0.5,1.5,0\n2,-1,1\n";
    let headerless = parse_csv::<2>(rows).unwrap();
    assert_eq!(headerless.inputs, [vector![0.5, 1.5], vector![2.0, -1.0]]);
    assert_eq!(headerless.labels, [0, 1]);
    assert!(headerless.class_names.is_empty());
    for header in [
        "2,2\n",
        "2,2,,\n",
        "2,2,no,yes\n",
        "x,y,label\n",
        "\"x\",\"y, in cm\",\"label\"\n",
    ] {
        let data = parse_csv::<2>(&format!("{header}{rows}")).unwrap();
        assert_eq!(
            (data.inputs, data.labels),
            (headerless.inputs.clone(), headerless.labels.clone()),
            "{header:?}"
        );
    }
    let absent = CsvOptions {
        header: Header::Absent,
        ..CsvOptions::default()
    };
    assert_eq!(absent.parse::<2>(rows).unwrap(), headerless);
    let present = CsvOptions {
        header: Header::Present,
        ..CsvOptions::default()
    };
    // Told so, a first line of numbers is a header of column names and skipped.
    assert_eq!(
        present.parse::<2>(&format!("7.5,8.5,9.5\n{rows}")).unwrap(),
        headerless
    );
}

#[test]
fn a_first_line_of_numbers_is_a_header_only_when_narrower_or_told_so() {
    // Integers as wide as the data are data, however they look.
    let data = parse_csv::<2>("1,2,0\n3,4,1\n").unwrap();
    assert_eq!((data.len(), data.inputs[0]), (2, vector![1.0, 2.0]));
    // An sklearn-style header of numbers alone, as wide as the data, needs `Header::Present`.
    let present = CsvOptions {
        header: Header::Present,
        ..CsvOptions::default()
    };
    let data = present.parse::<2>("2,2,7\n0.5,1.5,0\n2,-1,0\n").unwrap();
    assert_eq!((data.len(), data.class_names), (2, vec!["7".to_owned()]));
}

#[test]
fn reads_numpy_savetxt_output() {
    // np.savetxt(f, np.c_[X, y], header="x y label"), and with fmt="%g" and tabs.
    let text = "# x y label\n\
                5.000000000000000000e-01 1.500000000000000000e+00 0.000000000000000000e+00\n\
                2.000000000000000000e+00 -1.000000000000000000e+00 1.000000000000000000e+00\n";
    let data = whitespace().parse::<2>(text).unwrap();
    assert_eq!(data.inputs, [vector![0.5, 1.5], vector![2.0, -1.0]]);
    assert_eq!(data.labels, [0, 1]);
    let tabs = whitespace()
        .parse::<2>("0.5\t1.5\t0\n  2   -1\t 1  \n# footer\n")
        .unwrap();
    assert_eq!(tabs, data);
    // savetxt with delimiter=",".
    let commas = "# x,y,label\n5.0e-01,1.5e+00,0.0e+00\n2.0e+00,-1.0e+00,1.0e+00\n";
    assert_eq!(parse_csv::<2>(commas).unwrap(), data);
}

#[test]
fn reads_other_delimiters_quotes_and_a_byte_order_mark() {
    let options = CsvOptions {
        delimiter: Delimiter::Byte(b';'),
        ..CsvOptions::default()
    };
    let data = options
        .parse::<2>("\u{feff}a;b;c\n\"0.5\"; 1.5 ;0\n")
        .unwrap();
    assert_eq!((data.inputs[0], data.labels[0]), (vector![0.5, 1.5], 0));
}

#[test]
fn targets_may_be_first_or_anywhere() {
    let first = CsvOptions {
        targets: TargetColumns::First,
        ..CsvOptions::default()
    };
    let data = first.parse::<2>("1,0.5,1.5\n0,2,-1\n").unwrap();
    assert_eq!(data.labels, [1, 0]);
    assert_eq!(data.inputs, [vector![0.5, 1.5], vector![2.0, -1.0]]);
    let middle = CsvOptions {
        targets: TargetColumns::At(1),
        ..CsvOptions::default()
    };
    let data = middle.parse::<2>("0.5,1,1.5\n").unwrap();
    assert_eq!((data.inputs[0], data.labels[0]), (vector![0.5, 1.5], 1));
    // Columns in messages are the file's.
    let error = middle
        .parse::<2>("0.5,1,1.5\n0.5,x,1.5\n")
        .unwrap_err()
        .to_string();
    assert!(error.contains("line 2, column 2: the label `x`"), "{error}");
    let error = middle
        .parse::<2>("0.5,1,1.5\n0.5,1,y\n")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("line 2, column 3: `y` is not a number"),
        "{error}"
    );
    let past = CsvOptions {
        targets: TargetColumns::At(3),
        ..CsvOptions::default()
    };
    let error = past.parse::<2>("0.5,1,1.5\n").unwrap_err().to_string();
    assert!(
        error.contains("the targets are to start at column 4"),
        "{error}"
    );
}

#[test]
fn reads_numeric_targets() {
    let (x, y) = CsvOptions::default()
        .parse_xy::<2, 1>("x1,x2,y\n0.5,1.5,-3.25\n2,-1,1e3\n")
        .unwrap();
    assert_eq!(x, [vector![0.5, 1.5], vector![2.0, -1.0]]);
    assert_eq!(y, [vector![-3.25], vector![1000.0]]);
    let (x, y) = whitespace().parse_xy::<1, 2>("1 2 3\n4 5 6\n").unwrap();
    assert_eq!((x[1], y[1]), (vector![4.0], vector![5.0, 6.0]));
    let (x, y) = whitespace().parse_xy::<3, 0>("1 2 3\n").unwrap();
    assert_eq!((x[0], y.len()), (vector![1.0, 2.0, 3.0], 1));
    let error = CsvOptions::default()
        .parse_xy::<2, 1>("1,2,nan\n")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("line 1, column 3: `nan` is not a number"),
        "{error}"
    );
    let error = CsvOptions::default()
        .parse_xy::<2, 2>("1,2,3\n")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("3 fields, that is 1 features and 2 targets, but 2 features"),
        "{error}"
    );
}

#[test]
fn savetxt_labels_in_exponent_form_are_classes() {
    let data = whitespace()
        .parse::<1>("1.0e+00 2.000000000000000000e+00\n")
        .unwrap();
    assert_eq!(data.labels, [2]);
}

#[test]
fn errors_name_the_line_the_column_and_what_was_found() {
    assert_errors(
        &CsvOptions::default(),
        &[
            ("", "CSV text, line 1: the data is empty"),
            ("\n \n", "line 1: the data is empty"),
            ("# only a comment\n", "line 1: the data is empty"),
            ("x,y\n", "line 1: the header is followed by no data line"),
            (
                "1\n",
                "line 1: the first data line has 1 field, too few for 2 features and a label",
            ),
            (
                "1,3\n1,2,3,0\n",
                "line 1: the data has 3 features but 2 were asked for",
            ),
            (
                "2,2\n1,2,0\n1,2\n",
                "line 3: it has 2 fields, but the first data line (line 2) has 3",
            ),
            (
                "1.5,2,0\n1,2,0,5\n",
                "line 2: it has 4 fields, but the first data line (line 1) has 3",
            ),
            (
                "1,2\n1,nan,0\n",
                "line 2, column 2: `nan` is not a number: impute missing values",
            ),
            (
                "1,2,0\n1,abc,0\n",
                "line 2, column 2: `abc` is not a number",
            ),
            ("1,,0\n", "line 1, column 2: the field is empty"),
            (
                "1,2\n1,1e40,0\n",
                "line 2, column 2: `1e40` is not a finite f32",
            ),
            (
                "1,2\n1,2,-1\n",
                "line 2, column 3: the label `-1` is not a class number",
            ),
            (
                "1,2\n1,2,0.5\n",
                "line 2, column 3: the label `0.5` is not a class number",
            ),
            (
                "1,2,a,b\n1,2,2\n",
                "line 2, column 3: the label is 2 but the header names 2 classes (0 to 1)",
            ),
            (
                "1,2\n1,2,0\n3,4,1\n",
                "line 3: more rows than the 1 the header (line 1) announces",
            ),
            (
                "3,2\n1,2,0\n3,4,1\n",
                "line 3: the header (line 1) announces 3 rows but the data ends after 2",
            ),
            (
                "3,2,a,b\n",
                "line 1: the header announces 3 rows but no data line follows it",
            ),
            (
                "a,b\n1,2,0\n",
                "line 1: the header names 2 columns but the first data line has 3 fields",
            ),
        ],
    );
    assert_errors(
        &whitespace(),
        &[
            (
                "# x y label\n1.5 2 0\n1 2 x\n",
                "line 3, column 3: the label `x`",
            ),
            (
                "1.5 2 0\n\n1 2\n",
                "line 3: it has 2 fields, but the first data line (line 1) has 3",
            ),
            (
                "1 2 0\n\n1 2\n",
                "line 3: the first data line has 2 fields, that is 1 features and a label, but 2 \
                 features were asked for: read it with 1 features (and a network of 1 inputs) \
                 (line 1 was taken for an sklearn-style header `n_rows,n_features`: read with \
                 `Header::Absent` if it is data)",
            ),
        ],
    );
    // Without a header, a first line of names is data, and reported.
    let absent = CsvOptions {
        header: Header::Absent,
        ..CsvOptions::default()
    };
    assert_errors(
        &absent,
        &[(
            "x,y,label\n1,2,0\n",
            "line 1, column 1: `x` is not a number",
        )],
    );
}

#[test]
fn a_headerless_file_of_another_width_says_how_many_features_it_holds() {
    // The issue: this said "the data has 0 features but 4 were asked for".
    let error = parse_csv::<4>("0.5,1.5,0\n2,-1,1\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "CSV text, line 1: the first data line has 3 fields, that is 2 features and a label, \
         but 4 features were asked for: read it with 2 features (and a network of 2 inputs)"
    );
}

/// A header's row count sizes nothing: absurd counts are errors, not aborts.
#[test]
fn header_counts_that_disagree_are_errors_not_allocations() {
    for count in [
        "18446744073709551615",
        "100000000000000",
        "99999999999999999999999",
    ] {
        for header in [Header::Auto, Header::Present] {
            let options = CsvOptions {
                header,
                ..CsvOptions::default()
            };
            let error = options
                .parse::<2>(&format!("{count},2\n1,2,0\n3,4,1\n"))
                .unwrap_err();
            assert!(
                matches!(
                    &error,
                    Error::Csv {
                        line: 3,
                        column: None,
                        ..
                    }
                ) && error
                    .to_string()
                    .contains(&format!("announces {count} rows but the data ends after 2")),
                "{count}: {error}"
            );
        }
    }
    let error = csv_error("18446744073709551615,2,a,b\n");
    assert!(
        error.contains("announces 18446744073709551615 rows"),
        "{error}"
    );
}

#[test]
fn file_errors_name_the_file() {
    let missing = load_csv::<2>("/no/such/dir/data.csv").unwrap_err();
    assert!(
        matches!(&missing, Error::Io(m) if m.contains("/no/such/dir/data.csv")),
        "{missing}"
    );

    let path = std::env::temp_dir().join(format!("nnet-csv-test-{}.csv", std::process::id()));
    std::fs::write(&path, "1,2\n1,2,x\n").unwrap();
    let bad = load_csv::<2>(&path).unwrap_err();
    std::fs::write(&path, "1 2 0\n3 4 1\n").unwrap();
    let (x, y) = whitespace().load_xy::<2, 1>(&path).unwrap();
    let good = whitespace().load::<2>(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(
        matches!(&bad, Error::Csv { file, line: 2, column: Some(3), .. } if *file == path.display().to_string()),
        "{bad}"
    );
    assert_eq!(
        (x[1], y[1], good.labels),
        (vector![3.0, 4.0], vector![1.0], vec![0, 1])
    );
}
