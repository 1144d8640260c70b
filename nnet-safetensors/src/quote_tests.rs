//! Messages quote at most a line of what a file holds: a name of a megabyte is cut, with its
//! length, wherever a message quotes it.

use crate::{Dtype, Error, LayerKind, Naming, ResolveOptions, SafeTensors, TensorData, TensorSpec};
use crate::{QUOTED_CHARS, resolve, write};

const LONG: usize = 1_000_000;

/// A name of `LONG` bytes, starting with `start`.
fn long_name(start: &str) -> String {
    format!("{start}{}", "x".repeat(LONG - start.len()))
}

/// The 8-byte length, `header`, then `data`.
fn raw(header: &str, data: &[u8]) -> Vec<u8> {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

/// The message is short, and quotes the cut name with its length.
fn assert_cut(text: &str) {
    assert!(text.len() < 1000, "a message of {} bytes", text.len());
    assert!(text.contains(&format!("… ({LONG} bytes)")), "{text}");
}

#[test]
fn a_long_name_in_the_header_is_cut() {
    let name = long_name("n");
    // An unknown field, an unknown dtype, a duplicate key, and the layout.
    let field = raw(
        &format!(r#"{{"{name}":{{"dtype":"F32","shape":[],"data_offsets":[0,4],"{name}":1}}}}"#),
        &[0; 4],
    );
    let dtype = raw(
        &format!(r#"{{"w":{{"dtype":"{name}","shape":[],"data_offsets":[0,4]}}}}"#),
        &[0; 4],
    );
    let duplicate = raw(&format!(r#"{{"{name}":1,"{name}":2}}"#), &[]);
    let past_end = raw(
        &format!(r#"{{"{name}":{{"dtype":"F32","shape":[],"data_offsets":[0,4]}}}}"#),
        &[],
    );
    let metadata = raw(&format!(r#"{{"__metadata__":{{"{name}":1}}}}"#), &[]);
    for bytes in [field, dtype, duplicate, past_end, metadata] {
        let error = SafeTensors::parse(&bytes, usize::MAX).unwrap_err();
        assert_cut(&error.to_string());
    }
}

#[test]
fn a_long_tensor_name_is_cut_when_matched_to_a_network() {
    let name = long_name("w");
    let network = TensorSpec::of_layer(LayerKind::Dense, "dense1", 1, 1, false);
    let extra = write(
        &[],
        &[
            TensorData::from_values("dense1.weight", vec![1, 1], &[1.0_f32]),
            TensorData::from_values(&name, vec![1], &[1.0_f32]),
        ],
    );
    let shape = write(
        &[],
        &[TensorData::from_values(&name, vec![2], &[1.0_f32, 2.0])],
    );
    let nan = write(
        &[],
        &[TensorData::from_values(&name, vec![1, 1], &[f32::NAN])],
    );
    let f16 = write(
        &[],
        &[TensorData {
            name: &name,
            dtype: Dtype::F16,
            shape: vec![1, 1],
            data: [0_u8; 2][..].into(),
        }],
    );
    let lone = [TensorSpec::matrix(LayerKind::Dense, "", &name, 1, 1)];
    let check = |bytes: &[u8], specs: &[TensorSpec<'_>], naming: Naming| {
        let file = SafeTensors::parse(bytes, usize::MAX).unwrap();
        let error = resolve::<f32>(&file, specs, naming, ResolveOptions::default()).unwrap_err();
        assert_cut(&error.to_string());
    };
    check(&extra, &network, Naming::Nnet);
    check(&shape, &lone, Naming::Nnet);
    check(&nan, &lone, Naming::Nnet);
    check(&f16, &lone, Naming::Nnet);
    // A module's name, quoted in the reason as well as the tensor's.
    let module = write(
        &[],
        &[TensorData::from_values(
            &format!("{}.running_mean", long_name("m")),
            vec![1],
            &[1.0_f32],
        )],
    );
    check(&module, &network, Naming::PyTorch);
}

#[test]
fn short_names_are_quoted_whole() {
    let error = Error::MissingTensor {
        name: "y".repeat(QUOTED_CHARS),
        expected: "F32 [1]".into(),
    };
    assert_eq!(
        error.to_string(),
        format!(
            "the file has no tensor `{}`: expected F32 [1]",
            "y".repeat(QUOTED_CHARS)
        )
    );
}
