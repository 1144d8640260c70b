//! F32 and F64: exact copies of the network's dtype, conversions only when allowed (exact one
//! way, rounded to nearest the other, overflow refused), files that mix the two, and writing F64.

use proptest::prelude::*;

use crate::{
    DEFAULT_MAX_HEADER, Dtype, Element, Error, LayerKind, Naming, ResolveOptions, SafeTensors,
    TensorData, TensorSpec, resolve, write,
};

/// `dense1`: 3 inputs, 2 units; its weight `[2, 3]` and bias `[2]` in nnet's files.
const LAYER: [TensorSpec<'static>; 2] = [
    TensorSpec::matrix(LayerKind::Dense, "dense1", "weight", 2, 3),
    TensorSpec::vector(LayerKind::Dense, "dense1", "bias", 2),
];

const STRICT: ResolveOptions<'static> = ResolveOptions {
    allow_non_finite: false,
    allow_conversion: false,
    module_order: &[],
};

const CONVERTING: ResolveOptions<'static> = ResolveOptions {
    allow_non_finite: false,
    allow_conversion: true,
    module_order: &[],
};

/// A file of `dense1.weight` `[2, 3]` (row-major `weight`) and `dense1.bias` `[2]`, each of its
/// own element type.
fn layer_file<W: Element, B: Element>(weight: &[W; 6], bias: &[B; 2]) -> Vec<u8> {
    write(
        &[],
        &[
            TensorData::from_values("dense1.weight", vec![2, 3], weight),
            TensorData::from_values("dense1.bias", vec![2], bias),
        ],
    )
}

fn parse(bytes: &[u8]) -> SafeTensors<'_> {
    SafeTensors::parse(bytes, DEFAULT_MAX_HEADER).unwrap_or_else(|e| panic!("{e}"))
}

/// The network's `[weight (column-major), bias]` read from `bytes` into `E`, or the error.
fn read<E: Element + Default>(bytes: &[u8], options: ResolveOptions) -> Result<[Vec<E>; 2], Error> {
    let file = parse(bytes);
    let sources = resolve::<E>(&file, &LAYER, Naming::Nnet, options)?;
    let mut weight = vec![E::default(); 6];
    let mut bias = vec![E::default(); 2];
    sources[0].write_column_major(&mut weight);
    sources[1].write_column_major(&mut bias);
    Ok([weight, bias])
}

fn message<E: Element + Default>(bytes: &[u8], options: ResolveOptions) -> String {
    match read::<E>(bytes, options) {
        Ok(_) => panic!("accepted"),
        Err(error) => error.to_string(),
    }
}

fn bits64(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.to_bits()).collect()
}

/// Row-major `[2, 3]` as nnet's column-major memory.
fn column_major<T: Copy>(w: &[T; 6]) -> Vec<T> {
    vec![w[0], w[3], w[1], w[4], w[2], w[5]]
}

/// Values that any rounding, truncation or detour through f32 would change.
const AWKWARD: [f64; 6] = [0.1, -1e-300, 5e-324, -0.0, 1e300, f64::MAX];

#[test]
fn f64_files_round_trip_exactly() {
    let bias = [std::f64::consts::PI, -f64::MIN_POSITIVE];
    let bytes = layer_file(&AWKWARD, &bias);
    let file = parse(&bytes);
    let weight = file.tensor("dense1.weight").unwrap();
    assert_eq!(weight.dtype, Dtype::F64);
    assert_eq!(bits64(&weight.to_f64()), bits64(&AWKWARD));
    assert!(weight.to_f32().is_empty());

    let [w, b] = read::<f64>(&bytes, STRICT).unwrap();
    assert_eq!(bits64(&w), bits64(&column_major(&AWKWARD)));
    assert_eq!(bits64(&b), bits64(&bias));
    // With the conversion allowed, a file of the network's dtype is still copied exactly.
    let [w, _] = read::<f64>(&bytes, CONVERTING).unwrap();
    assert_eq!(bits64(&w), bits64(&column_major(&AWKWARD)));
}

#[test]
fn f32_files_are_written_and_read_as_before() {
    let weight = [1.5_f32, -0.1, 3e-45, -0.0, 3e38, 7.0];
    let tensor = TensorData::from_values("dense1.weight", vec![2, 3], &weight);
    let by_hand: Vec<u8> = weight.iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(
        (tensor.dtype, tensor.data.as_ref()),
        (Dtype::F32, &by_hand[..])
    );

    let bytes = layer_file(&weight, &[0.5_f32, 0.25]);
    let file = parse(&bytes);
    assert_eq!(file.tensor("dense1.weight").unwrap().to_f32(), weight);
    assert!(file.tensor("dense1.weight").unwrap().to_f64().is_empty());
    let [w, b] = read::<f32>(&bytes, STRICT).unwrap();
    assert_eq!(w, column_major(&weight));
    assert_eq!(b, [0.5, 0.25]);
}

#[test]
fn the_writer_names_f64_tensors_f64() {
    let bytes = layer_file(&[1.0_f64; 6], &[2.0_f32; 2]);
    let header_len = usize::try_from(u64::from_le_bytes(bytes[..8].try_into().unwrap())).unwrap();
    let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap();
    assert!(
        header.contains(r#""dense1.weight":{"dtype":"F64","shape":[2,3],"data_offsets":[0,48]}"#),
        "{header}"
    );
    assert!(
        header.contains(r#""dense1.bias":{"dtype":"F32","shape":[2],"data_offsets":[48,56]}"#),
        "{header}"
    );
    // The safetensors crate reads the same dtype and bytes.
    let theirs = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let weight = theirs.tensor("dense1.weight").unwrap();
    assert_eq!(weight.dtype(), safetensors::Dtype::F64);
    assert_eq!(weight.data(), 1.0_f64.to_le_bytes().repeat(6));
}

#[test]
fn f32_into_f64_is_refused_without_the_conversion() {
    let bytes = layer_file(&[1.0_f32; 6], &[0.0_f32; 2]);
    assert_eq!(
        message::<f64>(&bytes, STRICT),
        "tensor `dense1.weight` has dtype F32, expected F64, the network's: allow the conversion explicitly to load it (F32 to F64 is exact), or export the weights as F64"
    );
    let file = parse(&bytes);
    assert_eq!(
        resolve::<f64>(&file, &LAYER, Naming::Nnet, STRICT).unwrap_err(),
        Error::Conversion {
            name: "dense1.weight".into(),
            found: Dtype::F32,
            expected: Dtype::F64
        }
    );
}

#[test]
fn f64_into_f32_is_refused_without_the_conversion() {
    let bytes = layer_file(&[1.0_f64; 6], &[0.0_f64; 2]);
    assert_eq!(
        message::<f32>(&bytes, STRICT),
        "tensor `dense1.weight` has dtype F64, expected F32, the network's: allow the conversion explicitly to load it (each value rounded to the nearest F32), or export the weights as F32"
    );
    // Allowing non-finite values allows no conversion.
    let lenient = ResolveOptions {
        allow_non_finite: true,
        ..STRICT
    };
    assert!(message::<f32>(&bytes, lenient).contains("allow the conversion explicitly"));
}

#[test]
fn f32_into_f64_is_exact_with_the_conversion() {
    let weight = [0.1_f32, -3.4e38, 1e-45, -0.0, f32::MIN_POSITIVE, 1.0 / 3.0];
    let bytes = layer_file(&weight, &[0.7_f32, -0.3]);
    let [w, b] = read::<f64>(&bytes, CONVERTING).unwrap();
    let exact: Vec<f64> = column_major(&weight).into_iter().map(f64::from).collect();
    assert_eq!(bits64(&w), bits64(&exact));
    assert_eq!(
        bits64(&b),
        bits64(&[f64::from(0.7_f32), f64::from(-0.3_f32)])
    );
    // Not the decimal the f32 approximates: the f32 itself.
    assert_ne!(w[0], 0.1);
}

#[test]
fn f64_into_f32_rounds_to_nearest_with_the_conversion() {
    let half_ulp = 2_f64.powi(-24); // of 1.0 in f32: exactly between 1.0 and the next f32
    let largest = f64::from(f32::MAX);
    let weight = [
        0.1,
        1.0 + half_ulp,                   // a tie: to even, 1.0
        1.0 + half_ulp + 2_f64.powi(-40), // just above the tie: up
        -(1.0 + 3.0 * half_ulp),          // a tie: to the even -(1 + 2⁻²²)
        largest + 2_f64.powi(102),        // beyond f32::MAX, nearer to it than to infinity
        1e-50,                            // below the smallest f32: zero
    ];
    let bytes = layer_file(&weight, &[-0.1_f64, 2.5]);
    let [w, b] = read::<f32>(&bytes, CONVERTING).unwrap();
    let next = 1.0 + 2_f32.powi(-23);
    let expected = [
        0.1_f32,
        1.0,
        next,
        -(1.0 + 2.0 * 2_f32.powi(-23)),
        f32::MAX,
        0.0,
    ];
    assert_eq!(w, column_major(&expected));
    assert_eq!(b, [-0.1_f32, 2.5]);
}

#[test]
fn f64_beyond_the_range_of_f32_is_refused() {
    let mut weight = [0.0_f64; 6];
    weight[5] = -1e39;
    let bytes = layer_file(&weight, &[0.0_f64; 2]);
    assert_eq!(
        message::<f32>(&bytes, CONVERTING),
        "tensor `dense1.weight` holds -1e39 at index [1, 2], beyond the range of F32 (at most 3.4028235e38 in magnitude): converted to the network's F32 it would be infinite; load it into an f64 network, or scale the weights"
    );
    // Non-finite values may be allowed; a finite value made infinite is still refused.
    let lenient = ResolveOptions {
        allow_non_finite: true,
        allow_conversion: true,
        module_order: &[],
    };
    let file = parse(&bytes);
    assert!(matches!(
        resolve::<f32>(&file, &LAYER, Naming::Nnet, lenient),
        Err(Error::Overflow { ref name, ref index, value })
            if name == "dense1.weight" && *index == [1, 2] && value == -1e39
    ));
    // The smallest value that rounds to infinity, half an ulp above f32::MAX.
    weight[5] = f64::from(f32::MAX) + 2_f64.powi(103);
    let bytes = layer_file(&weight, &[0.0_f64; 2]);
    assert!(message::<f32>(&bytes, CONVERTING).contains("at index [1, 2], beyond the range"));
    // Into an f64 network the same file is read exactly.
    let [w, _] = read::<f64>(&bytes, STRICT).unwrap();
    assert_eq!(w[5], weight[5]);
}

#[test]
fn non_finite_f64_values() {
    let mut weight = [1.0_f64; 6];
    weight[4] = f64::NAN;
    let bytes = layer_file(&weight, &[f64::NEG_INFINITY, 0.0]);
    assert_eq!(
        message::<f64>(&bytes, STRICT),
        "tensor `dense1.weight` holds NaN at index [1, 1]: NaN and infinite weights are rejected"
    );
    assert!(
        message::<f32>(&bytes, CONVERTING).contains("`dense1.weight` holds NaN at index [1, 1]")
    );
    let allowed = ResolveOptions {
        allow_non_finite: true,
        ..STRICT
    };
    let [w, b] = read::<f64>(&bytes, allowed).unwrap();
    assert_eq!(w[3].to_bits(), f64::NAN.to_bits());
    assert_eq!(b[0], f64::NEG_INFINITY);
    // Infinities are not overflow: with both allowed, they stay infinite in f32.
    let both = ResolveOptions {
        allow_non_finite: true,
        allow_conversion: true,
        module_order: &[],
    };
    let [w, b] = read::<f32>(&bytes, both).unwrap();
    assert!(w[3].is_nan());
    assert_eq!(b[0], f32::NEG_INFINITY);
}

#[test]
fn mixed_files() {
    let weight = [0.1_f64, 0.2, 0.3, 0.4, 0.5, 0.6];
    let bias = [0.1_f32, -0.1];
    let bytes = layer_file(&weight, &bias);
    assert!(
        message::<f64>(&bytes, STRICT)
            .starts_with("tensor `dense1.bias` has dtype F32, expected F64"),
    );
    assert!(
        message::<f32>(&bytes, STRICT)
            .starts_with("tensor `dense1.weight` has dtype F64, expected F32"),
    );
    let [w, b] = read::<f64>(&bytes, CONVERTING).unwrap();
    assert_eq!(bits64(&w), bits64(&column_major(&weight)));
    assert_eq!(b, [f64::from(0.1_f32), f64::from(-0.1_f32)]);
    let [w, b] = read::<f32>(&bytes, CONVERTING).unwrap();
    assert_eq!(w, column_major(&[0.1_f32, 0.2, 0.3, 0.4, 0.5, 0.6]));
    assert_eq!(b, bias);
}

#[test]
fn other_dtypes_are_refused_whatever_the_options() {
    let bytes = write(
        &[],
        &[
            TensorData {
                name: "dense1.weight",
                dtype: Dtype::BF16,
                shape: vec![2, 3],
                data: vec![0; 12].into(),
            },
            TensorData::from_values("dense1.bias", vec![2], &[0.0_f64; 2]),
        ],
    );
    for options in [STRICT, CONVERTING] {
        assert_eq!(
            message::<f64>(&bytes, options),
            "tensor `dense1.weight` has dtype BF16, expected F64: convert the weights to 64-bit floats before exporting"
        );
        assert_eq!(
            message::<f32>(&bytes, options),
            "tensor `dense1.weight` has dtype BF16, expected F32: convert the weights to 32-bit floats before exporting"
        );
    }
}

#[test]
fn messages_name_the_networks_dtype() {
    let bytes = write(
        &[],
        &[TensorData::from_values(
            "dense1.weight",
            vec![2, 3],
            &[0.0_f64; 6],
        )],
    );
    assert_eq!(
        message::<f64>(&bytes, STRICT),
        "the file has no tensor `dense1.bias`: expected F64 [2], the bias of dense1"
    );
    assert_eq!(
        message::<f32>(&bytes, CONVERTING),
        "the file has no tensor `dense1.bias`: expected F32 [2], the bias of dense1"
    );
    let torch = write(
        &[],
        &[TensorData::from_values(
            "0.weight",
            vec![2, 3],
            &[0.0_f64; 6],
        )],
    );
    let file = parse(&torch);
    let text = resolve::<f64>(&file, &LAYER, Naming::PyTorch, STRICT)
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with("the file has no tensor `0.bias`: expected F64 [2]"),
        "{text}"
    );
}

/// An `nn.RNN` of 1 unit over 1 input: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
/// `bias_hh_l0`, each of the given values (the biases' sum is nnet's bias).
fn rnn_file<E: Element>(biases: [E; 2], weight: E) -> Vec<u8> {
    write(
        &[],
        &[
            TensorData::from_values("rnn.weight_ih_l0", vec![1, 1], &[weight]),
            TensorData::from_values("rnn.weight_hh_l0", vec![1, 1], &[weight]),
            TensorData::from_values("rnn.bias_ih_l0", vec![1], &biases[..1]),
            TensorData::from_values("rnn.bias_hh_l0", vec![1], &biases[1..]),
        ],
    )
}

#[test]
fn pytorch_biases_are_added_in_the_networks_type() {
    let rnn = TensorSpec::of_layer(LayerKind::SimpleRnn, "simple_rnn1", 1, 1, true);
    let bias_of = |bytes: &[u8], options| -> Result<f64, Error> {
        let file = parse(bytes);
        let sources = resolve::<f64>(&file, &rnn, Naming::PyTorch, options)?;
        let mut bias = [0.0];
        sources[2].write_column_major(&mut bias);
        Ok(bias[0])
    };
    // 0.1 + 0.2 in f64, not in f32.
    assert_eq!(
        bias_of(&rnn_file([0.1_f64, 0.2], 1.0), STRICT),
        Ok(0.1 + 0.2)
    );
    let from_f32 = bias_of(&rnn_file([0.1_f32, 0.2], 1.0), CONVERTING).unwrap();
    assert_eq!(from_f32, f64::from(0.1_f32) + f64::from(0.2_f32));
    // Two finite f64 biases whose sum is infinite.
    let text = bias_of(&rnn_file([1e308_f64, 1e308], 1.0), STRICT)
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with("tensor `rnn.bias_ih_l0 + rnn.bias_hh_l0` holds inf at index [0]"),
        "{text}"
    );
    // Into f32, each bias overflows before the sum.
    let file_bytes = rnn_file([1e308_f64, 1e308], 1.0);
    let file = parse(&file_bytes);
    let error = resolve::<f32>(&file, &rnn, Naming::PyTorch, CONVERTING).unwrap_err();
    assert!(matches!(error, Error::Overflow { ref name, .. } if name == "rnn.bias_ih_l0"));
}

/// The f32 nearest to `v` (within f32's range), ties aside: no other f32 is nearer.
fn is_nearest(r: f32, v: f64) -> bool {
    let distance = |x: f32| (f64::from(x) - v).abs();
    distance(r) <= distance(r.next_up()) && distance(r) <= distance(r.next_down())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Any f64 values, NaN and infinities included, are read back bit for bit.
    #[test]
    fn any_f64_round_trips(bits in prop::array::uniform6(any::<u64>()), bias in prop::array::uniform2(any::<f64>())) {
        let weight = bits.map(f64::from_bits);
        let bytes = layer_file(&weight, &bias);
        let lenient = ResolveOptions { allow_non_finite: true, ..STRICT };
        let [w, b] = read::<f64>(&bytes, lenient).unwrap();
        prop_assert_eq!(bits64(&w), bits64(&column_major(&weight)));
        prop_assert_eq!(bits64(&b), bits64(&bias));
    }

    /// Any f32 is read into f64 exactly, with the conversion allowed.
    #[test]
    fn any_f32_converts_exactly(bits in prop::array::uniform6(any::<u32>())) {
        let weight = bits.map(f32::from_bits);
        let bytes = layer_file(&weight, &[0.0_f32; 2]);
        let lenient = ResolveOptions { allow_non_finite: true, allow_conversion: true, module_order: &[] };
        let [w, _] = read::<f64>(&bytes, lenient).unwrap();
        for (got, want) in w.iter().zip(column_major(&weight)) {
            prop_assert!(got.to_bits() == f64::from(want).to_bits() || (got.is_nan() && want.is_nan()));
        }
    }

    /// A finite f64 is read into f32 as its nearest f32, or refused as an overflow when no
    /// finite f32 is nearest.
    #[test]
    fn any_finite_f64_rounds_to_nearest_or_is_refused(v in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
        let bytes = layer_file(&[v; 6], &[0.0_f64; 2]);
        match read::<f32>(&bytes, CONVERTING) {
            Ok([w, _]) => {
                prop_assert!(w[0].is_finite() && is_nearest(w[0], v), "{} read as {}", v, w[0]);
                prop_assert!(w.iter().all(|x| x.to_bits() == w[0].to_bits()));
            }
            Err(Error::Overflow { value, index, .. }) => {
                prop_assert_eq!(value, v);
                prop_assert_eq!(index, vec![0, 0]);
                prop_assert!(v.abs() > f64::from(f32::MAX));
            }
            Err(other) => prop_assert!(false, "{}", other),
        }
    }

    /// A valid file of F32 and F64 tensors with bytes changed, inserted or cut never panics
    /// the reader or the resolver, for either network type, with or without conversion.
    #[test]
    fn mutated_mixed_files(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3_u8), 1..8)) {
        let mut bytes = layer_file(&[1.5_f64, 2.0, -3.0, 4.0, 5.0, 6.0], &[0.5_f32, -0.5]);
        for (at, byte, kind) in edits {
            let i = at.index(bytes.len().max(1));
            match kind {
                0 => if let Some(b) = bytes.get_mut(i) { *b = byte },
                1 => bytes.insert(i, byte),
                _ => bytes.truncate(i),
            }
        }
        if let Ok(file) = SafeTensors::parse(&bytes, DEFAULT_MAX_HEADER) {
            for options in [STRICT, CONVERTING] {
                for naming in [Naming::Nnet, Naming::PyTorch, Naming::Keras] {
                    if let Ok(sources) = resolve::<f64>(&file, &LAYER, naming, options) {
                        let mut memory = [0.0_f64; 6];
                        for source in sources {
                            source.write_column_major(&mut memory);
                            prop_assert!(memory.iter().all(|v| v.is_finite()));
                        }
                    }
                    if let Ok(sources) = resolve::<f32>(&file, &LAYER, naming, options) {
                        let mut memory = [0.0_f32; 6];
                        for source in sources {
                            source.write_column_major(&mut memory);
                            prop_assert!(memory.iter().all(|v| v.is_finite()));
                        }
                    }
                }
            }
        }
    }
}
