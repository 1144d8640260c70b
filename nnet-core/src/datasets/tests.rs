//! The moons generator, splitting, standardization and target encodings (the CSV reader's
//! tests are in `csv/tests.rs`).

use nalgebra::vector;

use super::{Dataset, Standardizer, make_moons};
use crate::{DataRole, Error};

#[test]
fn moons_have_the_asked_shape_and_balanced_classes() {
    for n in [0, 1, 2, 7, 1000] {
        let moons = make_moons(n, 0.2, 3).unwrap();
        assert_eq!((moons.inputs.len(), moons.labels.len()), (n, n));
        let counts = moons.class_counts();
        assert_eq!(counts.get(&0).copied().unwrap_or(0), n / 2, "n = {n}");
        assert_eq!(counts.get(&1).copied().unwrap_or(0), n - n / 2, "n = {n}");
        assert_eq!(moons.class_names, ["upper", "lower"]);
    }
}

#[test]
fn moons_are_deterministic_per_seed() {
    assert_eq!(make_moons(500, 0.2, 9), make_moons(500, 0.2, 9));
    assert_ne!(make_moons(500, 0.2, 9), make_moons(500, 0.2, 10));
}

#[test]
fn noiseless_moons_lie_on_their_half_circles() {
    let moons = make_moons(101, 0.0, 1).unwrap();
    for (x, &label) in moons.inputs.iter().zip(&moons.labels) {
        let (cx, cy) = if label == 0 { (0.0, 0.0) } else { (1.0, 0.5) };
        let radius = ((x[0] - cx).powi(2) + (x[1] - cy).powi(2)).sqrt();
        assert!((radius - 1.0).abs() < 1e-5, "{x:?} of class {label}");
        // The upper moon bulges up from y = 0, the lower one down from y = 0.5.
        assert!(if label == 0 {
            x[1] >= -1e-6
        } else {
            x[1] <= 0.5 + 1e-6
        });
    }
    // Both ends of each half circle are there, as with linspace(0, pi, n).
    for end in [
        vector![1.0, 0.0],
        vector![-1.0, 0.0],
        vector![0.0, 0.5],
        vector![2.0, 0.5],
    ] {
        assert!(
            moons.inputs.iter().any(|x| (x - end).norm() < 1e-6),
            "{end:?}"
        );
    }
}

#[test]
fn moons_noise_has_the_asked_spread() {
    let (clean, noisy) = (
        make_moons(20_000, 0.0, 4).unwrap(),
        make_moons(20_000, 0.2, 4).unwrap(),
    );
    // Same seed: same shuffle, so the points pair up and differ by the noise alone.
    assert_eq!(clean.labels, noisy.labels);
    let deltas: Vec<f64> = clean
        .inputs
        .iter()
        .zip(&noisy.inputs)
        .flat_map(|(a, b)| (b - a).iter().map(|&d| f64::from(d)).collect::<Vec<_>>())
        .collect();
    let mean = deltas.iter().sum::<f64>() / deltas.len() as f64;
    let std = (deltas.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / deltas.len() as f64).sqrt();
    assert!(mean.abs() < 0.01, "mean {mean}");
    assert!((std - 0.2).abs() < 0.01, "std {std}");
}

#[test]
fn moons_reject_bad_noise() {
    for noise in [-0.1, f32::NAN, f32::INFINITY] {
        assert!(matches!(
            make_moons(10, noise, 0),
            Err(Error::InvalidHyperparameter { name: "noise", .. })
        ));
    }
}

#[test]
fn split_is_a_seeded_partition() {
    let data = Dataset {
        inputs: (0..10).map(|i| vector![i as f32]).collect(),
        labels: (0..10).map(|i| i % 3).collect(),
        class_names: vec![],
    };
    let (train, test) = data.split(0.25, 5).unwrap();
    assert_eq!((train.len(), test.len()), (7, 3));
    let mut seen: Vec<f32> = train
        .inputs
        .iter()
        .chain(&test.inputs)
        .map(|x| x[0])
        .collect();
    seen.sort_by(f32::total_cmp);
    assert_eq!(seen, (0..10).map(|i| i as f32).collect::<Vec<_>>());
    // Labels travel with their inputs.
    for part in [&train, &test] {
        for (x, &label) in part.inputs.iter().zip(&part.labels) {
            assert_eq!(x[0] as usize % 3, label);
        }
    }
    assert_eq!(data.split(0.25, 5).unwrap(), (train.clone(), test));
    assert_ne!(data.split(0.25, 6).unwrap().0, train);
}

#[test]
fn split_rejects_bad_fractions_and_lengths() {
    let data = make_moons(10, 0.1, 0).unwrap();
    for fraction in [0.0, 1.0, -0.5, 1.5, f64::NAN, 0.95] {
        assert!(
            matches!(
                data.split(fraction, 0),
                Err(Error::InvalidHyperparameter {
                    name: "test_fraction",
                    ..
                })
            ),
            "{fraction}"
        );
    }
    let mut uneven = data.clone();
    uneven.labels.pop();
    assert!(matches!(
        uneven.split(0.2, 0),
        Err(Error::LengthMismatch {
            data: DataRole::Dataset,
            inputs: 10,
            targets: 9
        })
    ));
}

#[test]
fn standardizer_uses_population_statistics() {
    let x = [vector![1.0, -2.0], vector![2.0, -2.0], vector![6.0, -2.0]];
    let scaler = Standardizer::fit(&x).unwrap();
    assert_eq!(scaler.mean, vector![3.0, -2.0]);
    let std = (14.0_f32 / 3.0).sqrt();
    assert!((scaler.std[0] - std).abs() < 1e-6);
    assert_eq!(scaler.std[1], 1.0);
    let z = scaler.transform_all(&x);
    let mean: f32 = z.iter().map(|v| v[0]).sum::<f32>() / 3.0;
    let var: f32 = z.iter().map(|v| v[0] * v[0]).sum::<f32>() / 3.0;
    assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5);
    assert!(z.iter().all(|v| v[1] == 0.0));
}

#[test]
fn standardizer_rejects_empty_and_non_finite_data() {
    assert_eq!(
        Standardizer::<2>::fit(&[]),
        Err(Error::EmptyData {
            data: DataRole::Training
        })
    );
    assert!(matches!(
        Standardizer::fit(&[vector![1.0, 2.0], vector![f32::NAN, 0.0]]),
        Err(Error::NonFiniteInput {
            row: 1,
            column: 0,
            ..
        })
    ));
}

#[test]
fn targets_encode_labels_or_name_the_bad_row() {
    let data = Dataset {
        inputs: vec![vector![0.0]; 3],
        labels: vec![1, 0, 2],
        class_names: vec![],
    };
    assert!(matches!(
        data.binary_targets(),
        Err(Error::InvalidTarget { row: 2, .. })
    ));
    let one_hot = data.one_hot::<3>().unwrap();
    assert_eq!(one_hot[2], vector![0.0, 0.0, 1.0]);
    assert!(matches!(
        data.one_hot::<2>(),
        Err(Error::InvalidTarget { row: 2, .. })
    ));
    let binary = Dataset {
        labels: vec![1, 0, 1],
        ..data
    };
    assert_eq!(
        binary.binary_targets().unwrap(),
        [vector![1.0], vector![0.0], vector![1.0]]
    );
}
