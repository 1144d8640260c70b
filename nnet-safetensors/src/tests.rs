//! Each check of the reader, one case each, and a property test over random and mutated files.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use crate::{
    DEFAULT_MAX_HEADER, Dtype, Error, LayerKind, Naming, SafeTensors, TensorData, TensorSpec,
};
use crate::{ResolveOptions, resolve, write};

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A file of the raw `header` followed by `data`.
fn raw(header: &str, data: &[u8]) -> Vec<u8> {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

fn parse(bytes: &[u8]) -> Result<SafeTensors<'_>, Error> {
    SafeTensors::parse(bytes, DEFAULT_MAX_HEADER)
}

fn message(bytes: &[u8]) -> String {
    match parse(bytes) {
        Ok(_) => panic!("accepted"),
        Err(error) => error.to_string(),
    }
}

/// A one-layer file: `dense1.weight` [2, 3] and `dense1.bias` [2].
fn sample() -> Vec<u8> {
    let w = f32_bytes(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let b = f32_bytes(&[0.5, -0.5]);
    write(
        &[("nnet.architecture", "input 3; dense 2 relu")],
        &[
            TensorData {
                name: "dense1.weight",
                dtype: Dtype::F32,
                shape: vec![2, 3],
                data: w.as_slice().into(),
            },
            TensorData {
                name: "dense1.bias",
                dtype: Dtype::F32,
                shape: vec![2],
                data: b.as_slice().into(),
            },
        ],
    )
}

/// The tensors of `sample()`'s network: `dense1`, 3 inputs, 2 units.
const LAYER: [TensorSpec<'static>; 2] = [
    TensorSpec::matrix(LayerKind::Dense, "dense1", "weight", 2, 3),
    TensorSpec::vector(LayerKind::Dense, "dense1", "bias", 2),
];

/// The tensors of dense layers `dense1`, `dense2`, … of the given `(inputs, units)`.
fn dense(shapes: &[(usize, usize)]) -> Vec<TensorSpec<'static>> {
    const NAMES: [&str; 4] = ["dense1", "dense2", "dense3", "dense4"];
    shapes
        .iter()
        .zip(NAMES)
        .flat_map(|(&(inputs, units), name)| {
            TensorSpec::of_layer(LayerKind::Dense, name, inputs, units, true)
        })
        .collect()
}

#[test]
fn writes_and_reads_back() {
    let bytes = sample();
    let file = parse(&bytes).unwrap();
    assert_eq!(
        file.metadata("nnet.architecture"),
        Some("input 3; dense 2 relu")
    );
    assert_eq!(file.tensors().len(), 2);
    let w = file.tensor("dense1.weight").unwrap();
    assert_eq!(w.shape, vec![2, 3]);
    assert_eq!(w.to_f32(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);

    let sources = resolve::<f32>(&file, &LAYER, Naming::Nnet, ResolveOptions::default()).unwrap();
    let mut memory = [0.0; 6];
    sources[0].write_column_major(&mut memory);
    // Row-major [[1, 2, 3], [4, 5, 6]] is column-major [1, 4, 2, 5, 3, 6].
    assert_eq!(memory, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
}

#[test]
fn truncated_length() {
    assert!(message(&[1, 2, 3]).contains("truncated"));
}

#[test]
fn truncated_header() {
    let bytes = sample();
    assert!(message(&bytes[..20]).contains("truncated"));
}

#[test]
fn header_over_the_limit() {
    let mut bytes = sample();
    bytes[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(message(&bytes).contains("over the limit"));
    let small = SafeTensors::parse(&sample(), 16).unwrap_err();
    assert!(matches!(small, Error::HeaderTooLarge { limit: 16, .. }));
}

#[test]
fn corrupt_header() {
    assert!(message(&raw("{\"a\": ", &[])).contains("corrupt header"));
    assert!(message(&raw("[1, 2]  ", &[])).contains("does not start with"));
    assert!(message(&raw("{} x", &[])).contains("unexpected data after"));
    let mut bytes = raw("{\"a\":\"\u{e9}\"}", &[]);
    bytes[14] = 0xff;
    assert!(message(&bytes).contains("UTF-8"));
    assert!(message(&raw(r#"{"__metadata__": {"k": 1}}"#, &[])).contains("metadata `k`"));
}

#[test]
fn duplicate_tensor_names() {
    let header = r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    assert!(message(&raw(header, &[0; 8])).contains("duplicate key `w`"));
}

#[test]
fn malformed_entries() {
    let cases = [
        (
            r#"{"w":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}"#,
            "unknown dtype `F31`",
        ),
        (
            r#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
            "`shape` must be",
        ),
        (
            r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#,
            "`data_offsets` must be",
        ),
        (r#"{"w":{"dtype":"F32","shape":[1]}}"#, "no `data_offsets`"),
        (
            r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#,
            "end before they begin",
        ),
        (
            r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#,
            "hold 4 bytes, but F32 [2] needs 8",
        ),
        (
            r#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#,
            "too large",
        ),
        (
            r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}"#,
            "unknown field `x`",
        ),
        (r#"{"w":[1]}"#, "expected an object"),
    ];
    for (header, expected) in cases {
        let text = message(&raw(header, &[0; 4]));
        assert!(text.contains("tensor `w`"), "{text}");
        assert!(text.contains(expected), "{text} lacks {expected}");
    }
}

#[test]
fn overlapping_ranges() {
    let header = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    let text = message(&raw(header, &[0; 8]));
    assert!(
        text.contains("`b`") && text.contains("overlaps `a`"),
        "{text}"
    );
}

#[test]
fn gap_between_ranges() {
    let header = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#;
    let text = message(&raw(header, &[0; 12]));
    assert!(
        text.contains("bytes 4..8 lie between `a` and tensor `b`"),
        "{text}"
    );
    let header = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    assert!(message(&raw(header, &[0; 8])).contains("between the start and tensor `a`"));
}

#[test]
fn range_past_the_end() {
    let bytes = sample();
    let text = message(&bytes[..bytes.len() - 1]);
    assert!(text.contains("runs past the end"), "{text}");
    assert!(text.contains("dense1.bias"), "{text}");
}

#[test]
fn trailing_bytes() {
    let mut bytes = sample();
    bytes.extend_from_slice(&[0; 4]);
    assert!(message(&bytes).contains("4 trailing bytes"));
}

fn resolve_message(bytes: &[u8], layers: &[TensorSpec<'_>], naming: Naming) -> String {
    let file = parse(bytes).unwrap();
    match resolve::<f32>(&file, layers, naming, ResolveOptions::default()) {
        Ok(_) => panic!("accepted"),
        Err(error) => error.to_string(),
    }
}

fn file_of(tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let data: Vec<TensorData> = tensors
        .iter()
        .map(|(name, dtype, shape, data)| TensorData {
            name,
            dtype: *dtype,
            shape: shape.clone(),
            data: data.as_slice().into(),
        })
        .collect();
    write(&[], &data)
}

#[test]
fn network_mismatches() {
    let two = dense(&[(3, 2), (2, 1)]);
    let text = resolve_message(&sample(), &two, Naming::Nnet);
    assert!(
        text.contains("no tensor `dense2.weight`: expected F32 [1, 2]"),
        "{text}"
    );

    let wide = dense(&[(4, 2)]);
    let text = resolve_message(&sample(), &wide, Naming::Nnet);
    assert!(
        text.contains("`dense1.weight` has shape [2, 3], expected [2, 4]"),
        "{text}"
    );

    let mut extra = sample();
    let file = parse(&extra).unwrap();
    let mut tensors: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)> = file
        .tensors()
        .iter()
        .map(|t| (t.name.as_str(), t.dtype, t.shape.clone(), t.data.to_vec()))
        .collect();
    tensors.push(("dense2.weight", Dtype::F32, vec![1], vec![0; 4]));
    extra = file_of(&tensors);
    let text = resolve_message(&extra, &LAYER, Naming::Nnet);
    assert!(text.contains("unexpected tensor `dense2.weight`"), "{text}");

    let f64s = file_of(&[
        ("dense1.weight", Dtype::F64, vec![2, 3], vec![0; 48]),
        ("dense1.bias", Dtype::F32, vec![2], vec![0; 8]),
    ]);
    let text = resolve_message(&f64s, &LAYER, Naming::Nnet);
    assert!(
        text.contains("`dense1.weight` has dtype F64, expected F32"),
        "{text}"
    );
}

#[test]
fn non_finite_values() {
    let w = f32_bytes(&[1.0, 2.0, 3.0, 4.0, f32::NAN, 6.0]);
    let b = f32_bytes(&[f32::INFINITY, 0.0]);
    let bytes = file_of(&[
        ("dense1.weight", Dtype::F32, vec![2, 3], w),
        ("dense1.bias", Dtype::F32, vec![2], b),
    ]);
    let text = resolve_message(&bytes, &LAYER, Naming::Nnet);
    assert!(
        text.contains("`dense1.weight` holds NaN at index [1, 1]"),
        "{text}"
    );
    let file = parse(&bytes).unwrap();
    assert!(
        resolve::<f32>(
            &file,
            &LAYER,
            Naming::Nnet,
            ResolveOptions {
                allow_non_finite: true,
                ..ResolveOptions::default()
            }
        )
        .is_ok()
    );
}

#[test]
fn pytorch_and_keras_names() {
    let layers = dense(&[(3, 2), (2, 1)]);
    // nn.Sequential(Linear(3, 2), ReLU(), Linear(2, 1)): indices 0 and 2, 10 sorts after 2.
    let torch = file_of(&[
        (
            "net.2.weight",
            Dtype::F32,
            vec![1, 2],
            f32_bytes(&[7.0, 8.0]),
        ),
        ("net.2.bias", Dtype::F32, vec![1], f32_bytes(&[9.0])),
        (
            "net.0.weight",
            Dtype::F32,
            vec![2, 3],
            f32_bytes(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        ),
        ("net.0.bias", Dtype::F32, vec![2], f32_bytes(&[0.5, 0.25])),
    ]);
    let file = parse(&torch).unwrap();
    let sources =
        resolve::<f32>(&file, &layers, Naming::PyTorch, ResolveOptions::default()).unwrap();
    assert_eq!(sources[0].tensor.name, "net.0.weight");
    assert_eq!(sources[2].tensor.name, "net.2.weight");

    let keras = file_of(&[
        (
            "dense/kernel",
            Dtype::F32,
            vec![3, 2],
            f32_bytes(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]),
        ),
        ("dense/bias", Dtype::F32, vec![2], f32_bytes(&[0.5, 0.25])),
        (
            "dense_1/kernel",
            Dtype::F32,
            vec![2, 1],
            f32_bytes(&[7.0, 8.0]),
        ),
        ("dense_1/bias", Dtype::F32, vec![1], f32_bytes(&[9.0])),
    ]);
    let keras_file = parse(&keras).unwrap();
    let keras_sources = resolve::<f32>(
        &keras_file,
        &layers,
        Naming::Keras,
        ResolveOptions::default(),
    )
    .unwrap();
    for (a, b) in sources.iter().zip(&keras_sources) {
        let (mut x, mut y) = ([0.0; 6], [0.0; 6]);
        a.write_column_major(&mut x);
        b.write_column_major(&mut y);
        assert_eq!(x, y);
    }

    let text = resolve_message(&keras, &layers, Naming::PyTorch);
    assert!(text.contains("unexpected tensor `dense/kernel`"), "{text}");
    let text = resolve_message(&torch, &layers[..2], Naming::PyTorch);
    assert!(text.contains("more layers than the network's 1"), "{text}");
    let text = resolve_message(&torch, &dense(&[(3, 2), (2, 1), (2, 1)]), Naming::PyTorch);
    assert!(
        text.contains("no module for the network's layer `dense3`: expected one with `weight` F32 [1, 2], the weights of dense3"),
        "{text}"
    );

    let ambiguous = file_of(&[
        ("hidden/kernel", Dtype::F32, vec![3, 2], vec![0; 24]),
        ("hidden/bias", Dtype::F32, vec![2], vec![0; 8]),
        ("output/kernel", Dtype::F32, vec![2, 1], vec![0; 8]),
        ("output/bias", Dtype::F32, vec![1], vec![0; 4]),
    ]);
    let text = resolve_message(&ambiguous, &layers, Naming::Keras);
    assert!(text.contains("order is unknown"), "{text}");

    let no_bias = file_of(&[
        ("0.weight", Dtype::F32, vec![2, 3], vec![0; 24]),
        ("2.weight", Dtype::F32, vec![1, 2], vec![0; 8]),
        ("2.bias", Dtype::F32, vec![1], vec![0; 4]),
    ]);
    let text = resolve_message(&no_bias, &layers, Naming::PyTorch);
    assert!(text.contains("no tensor `0.bias`"), "{text}");
}

/// A file of `n` one-element F32 tensors `t000000`, `t000001`, ... with nnet's writer.
fn many_tensors(n: usize) -> Vec<u8> {
    let names: Vec<String> = (0..n).map(|i| format!("t{i:06}")).collect();
    let zero = [0; 4];
    let tensors: Vec<TensorData> = names
        .iter()
        .map(|name| TensorData {
            name,
            dtype: Dtype::F32,
            shape: vec![1],
            data: zero[..].into(),
        })
        .collect();
    write(&[], &tensors)
}

/// A header of 160,000 tensors (11 MB) is read in time linear in their number. The
/// hand-written parser before `serde_json` compared each name with every earlier one: 45 s for
/// such a header in a release build, hours for one at the 100 MB limit.
#[test]
fn a_header_of_160_000_tensors_takes_linear_time() {
    let n = 160_000;
    let bytes = many_tensors(n);
    let start = Instant::now();
    let compared = crate::json::KEY_COMPARISONS.with(|c| c.get());
    let file = parse(&bytes).unwrap();
    // The work counted, which cannot flake: each of the n names is hashed once and each
    // entry's 3 fields are compared with the ones before them (0 + 1 + 2), 4 n = 640,020 in
    // all. The quadratic parser made n² / 2 = 12.8 billion comparisons.
    let compared = crate::json::KEY_COMPARISONS.with(|c| c.get()) - compared;
    assert!(
        compared <= 5 * n,
        "{compared} key comparisons for {n} tensors"
    );
    assert_eq!(file.tensors().len(), n);
    assert_eq!(file.tensor("t159999").unwrap().data.len(), 4);
    assert!(file.tensor("t160000").is_none());
    let text = resolve_error(&file, Naming::Nnet);
    assert!(text.contains("no tensor `dense1.weight`"), "{text}");
    let text = resolve_error(&file, Naming::PyTorch);
    assert!(text.contains("unexpected tensor `t000000`"), "{text}");

    // And a bound in time, 50 times the slowest of the measured 8 to 14.4 s (debug build, 2
    // cores under a load of 10 to 11; 0.6 s of CPU in a release build, where the old reader
    // took 115 s), so that it cannot flake: it catches a reader that takes hours, not the last
    // factor.
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(720), "took {elapsed:?}");
}

fn resolve_error(file: &SafeTensors<'_>, naming: Naming) -> String {
    match resolve::<f32>(file, &LAYER, naming, ResolveOptions::default()) {
        Ok(_) => panic!("accepted"),
        Err(error) => error.to_string(),
    }
}

/// Eight tensors of 2⁶¹ − 1 bytes each, in a file without data: the `safetensors` crate (0.8.0)
/// adds their end, 2⁶⁴ − 8, to the header's length and panics in a build with overflow checks.
/// nnet's checks, which come first, reject the file.
#[test]
#[cfg(target_pointer_width = "64")]
fn offsets_near_the_end_of_the_address_space() {
    let size: u64 = (1 << 61) - 1;
    let entries: Vec<String> = (0..8)
        .map(|i| {
            format!(
                r#""a{i}":{{"dtype":"U8","shape":[{size}],"data_offsets":[{},{}]}}"#,
                i * size,
                (i + 1) * size
            )
        })
        .collect();
    let text = message(&raw(&format!("{{{}}}", entries.join(",")), &[]));
    assert!(text.contains("tensor `a0` runs past the end"), "{text}");
}

/// nnet reads the `safetensors` crate's files and the crate reads nnet's.
#[test]
fn files_of_the_safetensors_crate() {
    let bytes = sample();
    let theirs = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let weight = theirs.tensor("dense1.weight").unwrap();
    assert_eq!(weight.shape(), &[2, 3]);
    assert_eq!(
        weight.data(),
        parse(&bytes).unwrap().tensor("dense1.weight").unwrap().data
    );

    let ours = parse(&bytes).unwrap();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = ours
        .tensors()
        .iter()
        .map(|t| {
            let view = safetensors::tensor::TensorView::new(
                safetensors::Dtype::F32,
                t.shape.clone(),
                t.data,
            )
            .unwrap();
            (t.name.clone(), view)
        })
        .collect();
    let written = safetensors::serialize(views, None).unwrap();
    let back = parse(&written).unwrap();
    for tensor in ours.tensors() {
        assert_eq!(back.tensor(&tensor.name), Some(tensor));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random bytes never panic the reader.
    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse(&bytes);
    }

    /// Random headers with a valid length prefix never panic the reader or the resolver, and
    /// the `safetensors` crate accepts every file the reader accepts.
    #[test]
    fn random_headers(header in "\\{[ -~]{0,120}\\}", data in proptest::collection::vec(any::<u8>(), 0..64)) {
        let bytes = raw(&header, &data);
        if let Ok(file) = parse(&bytes) {
            prop_assert!(safetensors::SafeTensors::read_metadata(&bytes).is_ok(), "{:?}", header);
            for naming in [Naming::Nnet, Naming::PyTorch, Naming::Keras] {
                let _ = resolve::<f32>(&file, &LAYER, naming, ResolveOptions::default());
            }
        }
    }

    /// A valid file with bytes changed, inserted or cut never panics, and whatever is
    /// accepted tiles the data section exactly and is accepted by the `safetensors` crate.
    #[test]
    fn mutated_files(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3_u8), 1..8)) {
        let mut bytes = sample();
        for (at, byte, kind) in edits {
            let i = at.index(bytes.len().max(1));
            match kind {
                0 => if let Some(b) = bytes.get_mut(i) { *b = byte },
                1 => bytes.insert(i, byte),
                _ => bytes.truncate(i),
            }
        }
        if let Ok(file) = parse(&bytes) {
            prop_assert!(safetensors::SafeTensors::read_metadata(&bytes).is_ok());
            let total: usize = file.tensors().iter().map(|t| t.data.len()).sum();
            let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
            prop_assert_eq!(8 + header + total, bytes.len());
            for naming in [Naming::Nnet, Naming::PyTorch, Naming::Keras] {
                if let Ok(sources) = resolve::<f32>(&file, &LAYER, naming, ResolveOptions::default()) {
                    let mut memory = [0.0; 6];
                    for source in sources {
                        source.write_column_major(&mut memory);
                        prop_assert!(memory.iter().all(|v| v.is_finite()));
                    }
                }
            }
        }
    }
}
