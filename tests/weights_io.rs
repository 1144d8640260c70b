//! Saving and loading weights: exact round trips, and a clear error for every kind of bad file.

use nnet::io::{self, LoadOptions};
use nnet::{Architecture, Error, Parameters, vector};

nnet::network! {
    /// The seed network.
    pub struct Classifier {
        input 2;
        dense 10 relu;
        dense 20 relu;
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// Same shapes as `Classifier`, other activations.
    pub struct Tanhs {
        input 2;
        dense 10 tanh;
        dense 20 tanh;
        dense 1 sigmoid;
    }
}

nnet::network! {
    /// A layer fewer.
    pub struct Shorter { input 2; dense 10 relu; dense 1 sigmoid; }
}

nnet::network! {
    /// Wider input.
    pub struct Wider { input 3; dense 10 relu; dense 20 relu; dense 1 sigmoid; }
}

nnet::network! {
    /// Big enough that its later layers live on the heap.
    pub struct Big { input 64; dense 256 relu; dense 256 relu; dense 3 softmax; }
}

fn message<T: core::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Ok(value) => panic!("accepted: {value:?}"),
        Err(Error::Weights(text)) => text,
        Err(other) => panic!("not a weights error: {other}"),
    }
}

fn saved() -> Vec<u8> {
    io::to_safetensors(&Classifier::seeded(3))
}

/// Rewrites the header of `bytes` with `edit` (keeping the data section).
fn edit_header(bytes: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + len]).unwrap();
    let new = edit(header);
    let mut out = (new.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(new.as_bytes());
    out.extend_from_slice(&bytes[8 + len..]);
    out
}

#[test]
fn round_trip_is_bit_exact() {
    let mut net = Classifier::seeded(11);
    // Values that a careless text or f64 round trip would change.
    net.dense1.weights[(3, 1)] = -0.0;
    net.dense1.weights[(4, 0)] = f32::MIN_POSITIVE / 8.0; // subnormal
    net.dense2.bias[7] = f32::MAX;
    net.dense3.bias[0] = 0.1 + 0.2;
    let back: Classifier = io::from_safetensors(&io::to_safetensors(&net)).unwrap();
    for i in 0..Classifier::TENSORS {
        let (a, b) = (net.tensor(i), back.tensor(i));
        assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
    }
    assert_eq!(back, net);
}

#[test]
fn round_trip_through_a_file() {
    let dir = std::env::temp_dir().join(format!("nnet-weights-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("classifier.safetensors");
    let net = Classifier::seeded(5);
    io::save(&net, &path).unwrap();
    let back: Classifier = io::load(&path).unwrap();
    assert_eq!(back, net);
    let x = vector![0.25, -0.75];
    assert_eq!(back.forward(&x), net.forward(&x));

    let missing = io::load::<Classifier>(dir.join("nope.safetensors")).unwrap_err();
    assert!(
        matches!(&missing, Error::Io(text) if text.contains("nope.safetensors")),
        "{missing}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn round_trip_of_heap_layers() {
    let net = Big::seeded(9);
    let back: Big = io::from_safetensors(&io::to_safetensors(&net)).unwrap();
    assert_eq!(back, net);
}

#[test]
fn file_layout_is_documented_layout() {
    let net = Classifier::seeded(1);
    let bytes = io::to_safetensors(&net);
    let file = nnet_safetensors_view(&bytes);
    assert_eq!(
        file.metadata("nnet.architecture"),
        Some("input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid")
    );
    assert_eq!(
        Classifier::architecture(),
        "input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid"
    );
    assert_eq!(file.metadata("nnet.version"), Some("1"));
    let w = file.tensor("dense2.weight").unwrap();
    assert_eq!(w.shape, vec![20, 10]);
    // Row-major [units, inputs]: element (r, c) at r * inputs + c.
    let values = w.to_f32();
    assert_eq!(values[3 * 10 + 7], net.dense2.weights[(3, 7)]);
    assert_eq!(file.tensor("dense3.bias").unwrap().shape, vec![1]);
}

fn nnet_safetensors_view(bytes: &[u8]) -> nnet::io::safetensors::SafeTensors<'_> {
    nnet::io::safetensors::SafeTensors::parse(bytes, nnet::io::safetensors::DEFAULT_MAX_HEADER)
        .unwrap()
}

#[test]
fn another_architecture() {
    let bytes = saved();
    // A layer fewer: the file's third layer is unexpected.
    let text = message(io::from_safetensors::<Shorter>(&bytes));
    assert!(
        text.contains("unexpected tensor `dense3.weight`: the network has 2 dense layers"),
        "{text}"
    );
    let unchecked = LoadOptions {
        check_architecture: false,
        ..LoadOptions::default()
    };
    // Tensors are checked before the recorded architecture, so the message names the tensor.
    let text = message(io::from_safetensors_with::<Wider>(&bytes, &unchecked));
    assert!(
        text.contains("`dense1.weight` has shape [10, 2], expected [10, 3]"),
        "{text}"
    );

    // Same shapes, other activations: only the metadata tell.
    let text = message(io::from_safetensors::<Tanhs>(&bytes));
    assert!(
        text.contains("the network is `input 2; dense 10 tanh;"),
        "{text}"
    );
    assert!(io::from_safetensors_with::<Tanhs>(&bytes, &unchecked).is_ok());
}

#[test]
fn missing_and_extra_tensors() {
    let short = io::to_safetensors(&Shorter::seeded(1));
    let unchecked = LoadOptions {
        check_architecture: false,
        ..LoadOptions::default()
    };
    let text = message(io::from_safetensors_with::<Classifier>(&short, &unchecked));
    assert!(
        text.contains("no tensor `dense3.weight`: expected F32 [1, 20]"),
        "{text}"
    );

    let renamed = edit_header(&saved(), |h| h.replace("dense3.bias", "dense3.biaz"));
    let text = message(io::from_safetensors::<Classifier>(&renamed));
    assert!(
        text.contains("no tensor `dense3.bias`: expected F32 [1], the bias of dense3"),
        "{text}"
    );

    let extra = edit_header(&saved(), |h| {
        h.replace("dense3.bias", "dense4.bias").replacen(
        "\"dense3.weight\"",
        "\"dense3.bias\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"dense3.weight\"",
        1,
    )
    });
    let text = message(io::from_safetensors::<Classifier>(&extra));
    assert!(text.contains("unexpected tensor `dense4.bias`"), "{text}");
}

#[test]
fn another_dtype() {
    let bytes = edit_header(&saved(), |h| {
        h.replacen("\"F32\",\"shape\":[10,2]", "\"I32\",\"shape\":[10,2]", 1)
    });
    let text = message(io::from_safetensors::<Classifier>(&bytes));
    assert!(
        text.contains("`dense1.weight` has dtype I32, expected F32"),
        "{text}"
    );
}

#[test]
fn truncated_and_corrupt_files() {
    let bytes = saved();
    assert!(message(io::from_safetensors::<Classifier>(&bytes[..5])).contains("truncated"));
    assert!(message(io::from_safetensors::<Classifier>(&bytes[..100])).contains("truncated"));
    let text = message(io::from_safetensors::<Classifier>(
        &bytes[..bytes.len() - 3],
    ));
    assert!(
        text.contains("runs past the end") && text.contains("dense3.bias"),
        "{text}"
    );
    let garbage = edit_header(&bytes, |h| h.replace("data_offsets", "data_offsetz"));
    assert!(
        message(io::from_safetensors::<Classifier>(&garbage))
            .contains("unknown field `data_offsetz`")
    );
    let text = message(io::from_safetensors::<Classifier>(
        b"PK\x03\x04 a zip file, not weights",
    ));
    assert!(
        text.contains("over the limit") || text.contains("corrupt"),
        "{text}"
    );
}

#[test]
fn header_over_the_limit() {
    let bytes = saved();
    let small = LoadOptions {
        max_header_bytes: 64,
        ..LoadOptions::default()
    };
    let text = message(io::from_safetensors_with::<Classifier>(&bytes, &small));
    assert!(text.contains("over the limit of 64 bytes"), "{text}");
    let mut huge = bytes.clone();
    huge[..8].copy_from_slice(&200_000_000_u64.to_le_bytes());
    assert!(
        message(io::from_safetensors::<Classifier>(&huge)).contains("over the limit of 100000000")
    );
}

#[test]
fn overlapping_gapped_and_trailing_ranges() {
    // dense1.weight is [0, 80), dense1.bias [80, 120).
    let overlap = edit_header(&saved(), |h| h.replace("[80,120]", "[76,116]"));
    let text = message(io::from_safetensors::<Classifier>(&overlap));
    assert!(text.contains("overlaps `dense1.weight`"), "{text}");
    let gap = edit_header(&saved(), |h| {
        h.replace("[0,80]", "[0,76]")
            .replace("\"shape\":[10,2]", "\"shape\":[19]")
    });
    let text = message(io::from_safetensors::<Classifier>(&gap));
    assert!(
        text.contains("bytes 76..80 lie between `dense1.weight` and tensor `dense1.bias`"),
        "{text}"
    );
    let mut trailing = saved();
    trailing.push(0);
    assert!(message(io::from_safetensors::<Classifier>(&trailing)).contains("1 trailing bytes"));
}

#[test]
fn non_finite_weights() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut net = Classifier::seeded(2);
        net.dense2.weights[(4, 6)] = bad;
        let bytes = io::to_safetensors(&net);
        let text = message(io::from_safetensors::<Classifier>(&bytes));
        assert!(
            text.contains("`dense2.weight` holds") && text.contains("at index [4, 6]"),
            "{text}"
        );
        assert!(text.contains("allow_non_finite"), "{text}");
        let allowed = LoadOptions {
            allow_non_finite: true,
            ..LoadOptions::default()
        };
        let back = io::from_safetensors_with::<Classifier>(&bytes, &allowed).unwrap();
        assert_eq!(back.dense2.weights[(4, 6)].to_bits(), bad.to_bits());
    }
}

#[test]
fn other_format_version() {
    let bytes = edit_header(&saved(), |h| {
        h.replace("\"nnet.version\":\"1\"", "\"nnet.version\":\"2\"")
    });
    let text = message(io::from_safetensors::<Classifier>(&bytes));
    assert!(text.contains("format version 2"), "{text}");
}

#[test]
fn load_names_the_file() {
    let dir = std::env::temp_dir().join(format!("nnet-weights-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("short.safetensors");
    io::save(&Shorter::seeded(1), &path).unwrap();
    let text = message(io::load::<Classifier>(&path));
    assert!(
        text.contains("short.safetensors") && text.contains("no tensor `dense3.weight`"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
