//! Each activation against an independent f64 reference: values against the textbook formula,
//! derivatives against a central finite difference of that formula.

use super::*;

/// The textbook formula of each element-wise activation, in f64.
fn reference(kind: ActivationKind, alpha: f64, z: f64) -> f64 {
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    match kind {
        ActivationKind::Linear => z,
        ActivationKind::Relu => z.max(0.0),
        ActivationKind::Sigmoid => sigmoid(z),
        ActivationKind::Tanh => z.tanh(),
        ActivationKind::Step => f64::from(u8::from(z > 0.0)),
        ActivationKind::LeakyRelu => {
            if z > 0.0 {
                z
            } else {
                alpha * z
            }
        }
        ActivationKind::Elu => {
            if z > 0.0 {
                z
            } else {
                alpha * (z.exp() - 1.0)
            }
        }
        ActivationKind::Selu => {
            let (scale, a) = (1.050_700_987_355_480_5, 1.673_263_242_354_377_3);
            if z > 0.0 {
                scale * z
            } else {
                scale * a * (z.exp() - 1.0)
            }
        }
        ActivationKind::Gelu => 0.5 * z * (1.0 + libm::erf(z / 2f64.sqrt())),
        ActivationKind::Silu => z * sigmoid(z),
        ActivationKind::Softplus => (1.0 + z.exp()).ln(),
        ActivationKind::Softsign => z / (1.0 + z.abs()),
        ActivationKind::HardSigmoid => (z / 6.0 + 0.5).clamp(0.0, 1.0),
        ActivationKind::Exponential => z.exp(),
        ActivationKind::Softmax => unreachable!("softmax is tested on its own"),
    }
}

fn check<A: Activation>(act: A, alpha: f64) {
    let kind = act.kind();
    // Points away from the kinks at 0 and ±3, where the derivative is not defined.
    let points = [-4.1_f32, -2.5, -1.3, -0.7, -0.2, 0.15, 0.6, 1.1, 2.2, 3.7];
    for &z in &points {
        let mut a = [z];
        act.activate(&mut a);
        let want = reference(kind, alpha, f64::from(z));
        let tolerance = 1e-6 * want.abs().max(1.0);
        assert!(
            (f64::from(a[0]) - want).abs() < tolerance,
            "{kind:?}({z}) = {}, want {want}",
            a[0]
        );

        let h = 1e-6;
        let z64 = f64::from(z);
        let numeric =
            (reference(kind, alpha, z64 + h) - reference(kind, alpha, z64 - h)) / (2.0 * h);
        let mut grad = [1.0_f32];
        act.backprop(&[z], &a, &mut grad);
        let tolerance = 1e-5 * numeric.abs().max(1.0);
        assert!(
            (f64::from(grad[0]) - numeric).abs() < tolerance,
            "{kind:?}'({z}) = {}, finite difference {numeric}",
            grad[0]
        );
    }
}

#[test]
fn element_wise_activations_match_reference() {
    check(Linear, 0.0);
    check(Relu, 0.0);
    check(Sigmoid, 0.0);
    check(Tanh, 0.0);
    check(Step, 0.0);
    check(LeakyRelu::default(), 0.3);
    check(LeakyRelu { alpha: 0.05 }, 0.05);
    check(Elu::default(), 1.0);
    check(Elu { alpha: 0.5 }, 0.5);
    check(Selu, 0.0);
    check(Gelu, 0.0);
    check(Silu, 0.0);
    check(Softplus, 0.0);
    check(Softsign, 0.0);
    check(HardSigmoid, 0.0);
    check(Exponential, 0.0);
}

#[test]
fn softmax_matches_reference_and_its_jacobian() {
    let z = [0.3_f32, -1.2, 2.0, 0.0];
    let reference = |z: &[f64]| -> Vec<f64> {
        let sum: f64 = z.iter().map(|v| v.exp()).sum();
        z.iter().map(|v| v.exp() / sum).collect()
    };
    let z64: Vec<f64> = z.iter().map(|&v| f64::from(v)).collect();
    let want = reference(&z64);
    let mut a = z;
    Softmax.activate(&mut a);
    for (got, want) in a.iter().zip(&want) {
        assert!((f64::from(*got) - want).abs() < 1e-6);
    }

    // Loss L = Σ_i w_i a_i, so dL/da = w; compare dL/dz with finite differences of L(z).
    let w = [0.5_f64, -2.0, 1.5, 0.25];
    let loss = |z: &[f64]| reference(z).iter().zip(&w).map(|(a, w)| a * w).sum::<f64>();
    let mut grad = w.map(|v| v as f32);
    Softmax.backprop(&z, &a, &mut grad);
    for i in 0..z.len() {
        let (mut up, mut down) = (z64.clone(), z64.clone());
        up[i] += 1e-6;
        down[i] -= 1e-6;
        let numeric = (loss(&up) - loss(&down)) / 2e-6;
        assert!((f64::from(grad[i]) - numeric).abs() < 1e-5, "dz[{i}]");
    }
}

#[test]
fn extreme_inputs_stay_finite() {
    for z in [-1000.0_f32, 1000.0] {
        for value in [
            Sigmoid.value(z),
            Tanh.value(z),
            Softplus.value(z),
            Silu.value(z),
            Elu::default().value(z),
            Selu.value(z),
            Gelu.value(z),
            Softsign.value(z),
        ] {
            assert!(value.is_finite(), "{z}");
        }
    }
    let mut z = [1000.0_f32, -1000.0, 0.0];
    Softmax.activate(&mut z);
    assert_eq!(z, [1.0, 0.0, 0.0]);
}

/// Keras (TensorFlow, JAX) propagates NaN through every activation; so does nnet, in the value
/// of each activation and in softmax's whole output.
#[test]
fn nan_propagates_through_every_activation() {
    fn apply<A: Activation>(act: A, z: &mut [f32]) {
        act.activate(z);
    }
    for kind in ActivationKind::ALL {
        // NaN among finite values: an element-wise activation gives NaN where the NaN was,
        // softmax gives NaN everywhere (its sum is NaN).
        let mut z = [0.5_f32, f32::NAN, -1.0];
        // An exhaustive match, so that a new activation cannot be left out of this test.
        match kind {
            ActivationKind::Linear => apply(Linear, &mut z),
            ActivationKind::Relu => apply(Relu, &mut z),
            ActivationKind::Sigmoid => apply(Sigmoid, &mut z),
            ActivationKind::Tanh => apply(Tanh, &mut z),
            ActivationKind::Softmax => apply(Softmax, &mut z),
            ActivationKind::Step => apply(Step, &mut z),
            ActivationKind::LeakyRelu => apply(LeakyRelu::default(), &mut z),
            ActivationKind::Elu => apply(Elu::default(), &mut z),
            ActivationKind::Selu => apply(Selu, &mut z),
            ActivationKind::Gelu => apply(Gelu, &mut z),
            ActivationKind::Silu => apply(Silu, &mut z),
            ActivationKind::Softplus => apply(Softplus, &mut z),
            ActivationKind::Softsign => apply(Softsign, &mut z),
            ActivationKind::HardSigmoid => apply(HardSigmoid, &mut z),
            ActivationKind::Exponential => apply(Exponential, &mut z),
        }
        assert!(z[1].is_nan(), "{kind:?}(NaN) = {}", z[1]);
        if kind == ActivationKind::Softmax {
            assert!(z.iter().all(|a| a.is_nan()), "softmax: {z:?}");
        } else {
            assert!(!z[0].is_nan() && !z[2].is_nan(), "{kind:?}: {z:?}");
        }
    }
}

#[test]
fn kinds_have_keras_names() {
    let names: Vec<_> = ActivationKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(names.len(), 15);
    assert!(names.contains(&"hard_sigmoid"));
    assert!(names.contains(&"leaky_relu"));
}
