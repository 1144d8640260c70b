//! Each metric against values computed by hand.

use nalgebra::{SVector, vector};

use super::Metric;

fn column(values: &[f32]) -> Vec<SVector<f32, 1>> {
    values.iter().map(|&v| vector![v]).collect()
}

fn assert_close(got: f64, want: f64) {
    approx::assert_abs_diff_eq!(got, want, epsilon = 1e-6);
}

#[test]
fn accuracy_with_one_output_is_binary() {
    // Right, right, wrong (0.6 > 0.5 says 1), wrong (0.5 is not above 0.5).
    let p = column(&[0.9, 0.4, 0.6, 0.5]);
    let y = column(&[1.0, 0.0, 0.0, 1.0]);
    assert_eq!(Metric::Accuracy.evaluate(&p, &y), 0.5);
    assert_eq!(Metric::BinaryAccuracy.evaluate(&p, &y), 0.5);
}

#[test]
fn accuracy_with_several_outputs_is_categorical() {
    let p = [
        vector![0.1, 0.7, 0.2],
        vector![0.5, 0.3, 0.2],
        vector![0.3, 0.3, 0.4],
    ];
    let y = [
        vector![0.0, 1.0, 0.0],
        vector![0.0, 0.0, 1.0],
        vector![0.0, 0.0, 1.0],
    ];
    assert_close(Metric::Accuracy.evaluate(&p, &y), 2.0 / 3.0);
    assert_close(Metric::CategoricalAccuracy.evaluate(&p, &y), 2.0 / 3.0);
}

#[test]
fn binary_accuracy_counts_each_unit_of_a_multi_label_output() {
    let p = [vector![0.9, 0.2], vector![0.6, 0.7]];
    let y = [vector![1.0, 0.0], vector![0.0, 1.0]];
    assert_eq!(Metric::BinaryAccuracy.evaluate(&p, &y), 0.75);
    // By arg-max both samples are right.
    assert_eq!(Metric::Accuracy.evaluate(&p, &y), 1.0);
}

#[test]
fn categorical_accuracy_breaks_ties_to_the_first_class() {
    let p = [vector![0.4, 0.4, 0.2]];
    assert_eq!(
        Metric::CategoricalAccuracy.evaluate(&p, &[vector![1.0, 0.0, 0.0]]),
        1.0
    );
    assert_eq!(
        Metric::CategoricalAccuracy.evaluate(&p, &[vector![0.0, 1.0, 0.0]]),
        0.0
    );
}

#[test]
fn precision_and_recall_count_the_confusion_matrix() {
    // TP: 0.9; FP: 0.8, 0.6; FN: 0.3; TN: 0.1.
    let p = column(&[0.9, 0.8, 0.3, 0.6, 0.1]);
    let y = column(&[1.0, 0.0, 1.0, 0.0, 0.0]);
    assert_close(Metric::Precision.evaluate(&p, &y), 1.0 / 3.0);
    assert_eq!(Metric::Recall.evaluate(&p, &y), 0.5);

    // Nothing predicted positive, and no positive target: 0, as Keras.
    let none = column(&[0.1, 0.2]);
    assert_eq!(Metric::Precision.evaluate(&none, &column(&[1.0, 0.0])), 0.0);
    assert_eq!(Metric::Recall.evaluate(&none, &column(&[0.0, 0.0])), 0.0);
}

#[test]
fn auc_matches_known_cases() {
    // scikit-learn's roc_auc_score example: 3 of the 4 positive-negative pairs are ordered.
    let y = column(&[0.0, 0.0, 1.0, 1.0]);
    assert_eq!(
        Metric::Auc.evaluate(&column(&[0.1, 0.4, 0.35, 0.8]), &y),
        0.75
    );
    assert_eq!(
        Metric::Auc.evaluate(&column(&[0.1, 0.2, 0.3, 0.4]), &y),
        1.0
    );
    assert_eq!(
        Metric::Auc.evaluate(&column(&[0.4, 0.3, 0.2, 0.1]), &y),
        0.0
    );
    // Ties count one half: the pairs (0.5, 0.5) contribute ½ each.
    assert_eq!(
        Metric::Auc.evaluate(&column(&[0.5, 0.5, 0.5, 0.5]), &y),
        0.5
    );
    // pairs: (p=0.5 vs n=0.5) ½, (0.5 vs 0.2) 1, (0.9 vs both) 2 → 3.5 / 4
    assert_eq!(
        Metric::Auc.evaluate(&column(&[0.5, 0.2, 0.5, 0.9]), &y),
        0.875
    );
    // Units of several outputs are pooled: the same four scores as two 2-unit samples.
    let p = [vector![0.1, 0.35], vector![0.4, 0.8]];
    let y = [vector![0.0, 1.0], vector![0.0, 1.0]];
    assert_eq!(Metric::Auc.evaluate(&p, &y), 0.75);
}

#[test]
fn auc_of_one_class_is_zero_and_nan_predictions_do_not_panic() {
    let p = column(&[0.1, 0.9]);
    assert_eq!(Metric::Auc.evaluate(&p, &column(&[1.0, 1.0])), 0.0);
    assert_eq!(Metric::Auc.evaluate(&p, &column(&[0.0, 0.0])), 0.0);

    let p = column(&[f32::NAN, 0.2, f32::NAN, 0.9]);
    let auc = Metric::Auc.evaluate(&p, &column(&[0.0, 0.0, 1.0, 1.0]));
    assert!((0.0..=1.0).contains(&auc), "{auc}");
}

#[test]
fn errors_are_means_over_all_units() {
    let p = [vector![1.0, 2.0], vector![3.0, -4.0]];
    let y = [vector![1.0, 1.0], vector![1.0, -1.0]];
    // errors 0, 1, 2, -3
    assert_eq!(Metric::MeanSquaredError.evaluate(&p, &y), 3.5);
    assert_eq!(Metric::MeanAbsoluteError.evaluate(&p, &y), 1.5);
}

#[test]
fn empty_input_gives_nan_and_lengths_pair_up_to_the_shorter() {
    for metric in Metric::ALL {
        assert!(metric.evaluate::<2, f32>(&[], &[]).is_nan(), "{metric:?}");
        assert!(metric.evaluate(&column(&[0.3]), &[]).is_nan(), "{metric:?}");
        assert!(
            metric
                .evaluate::<0, f32>(&[vector![]], &[vector![]])
                .is_nan()
        );
    }
    let p = column(&[0.9, 0.1, 0.9]);
    assert_eq!(
        Metric::Accuracy.evaluate(&p, &column(&[1.0, 0.0])),
        1.0,
        "the third prediction has no target"
    );
}

#[test]
fn names_are_keras_names() {
    let names = Metric::ALL.map(Metric::name);
    assert_eq!(
        names,
        [
            "accuracy",
            "binary_accuracy",
            "categorical_accuracy",
            "precision",
            "recall",
            "auc",
            "mse",
            "mae"
        ]
    );
    for metric in Metric::ALL {
        assert_eq!(Metric::from_name(metric.name()), Some(metric));
    }
    assert_eq!(
        Metric::from_name("mean_squared_error"),
        Some(Metric::MeanSquaredError)
    );
    assert_eq!(Metric::from_name("Accuracy"), None);
}

/// Issue 21: metrics were `f32`, so an `f64` network's error of 1e-50 read 0 and one of 1e40
/// read infinity.
#[test]
fn metrics_of_f64_predictions_keep_their_range() {
    let p = [vector![1e-25_f64], vector![-1e-25]];
    let y = [vector![0.0_f64], vector![0.0]];
    let mse = Metric::MeanSquaredError.evaluate(&p, &y);
    assert!((mse - 1e-50).abs() <= 1e-64, "{mse}");
    let p = [vector![1e20_f64], vector![-1e20]];
    assert_eq!(Metric::MeanSquaredError.evaluate(&p, &y), 1e40);
    assert_eq!(Metric::MeanAbsoluteError.evaluate(&p, &y), 1e20);
}
