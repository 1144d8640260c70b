//! Random and mutated files fed to the loader: it returns `Ok` or `Err`, never panics, and what
//! it accepts is a whole, finite network.

use nnet::io::{self, LoadOptions, Naming};
use nnet::{Error, Parameters};
use proptest::prelude::*;

nnet::network! {
    /// A small network, so that mutations often hit the header.
    pub struct Small { input 3; dense 4 relu; dense 2 softmax; }
}

fn valid() -> Vec<u8> {
    io::to_safetensors(&Small::seeded(7))
}

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    for naming in [Naming::Nnet, Naming::PyTorch, Naming::Keras] {
        let options = LoadOptions {
            naming,
            ..LoadOptions::default()
        };
        match io::from_safetensors_with::<Small>(bytes, &options) {
            Ok(net) => {
                prop_assert!(net.all_finite());
                let again: Small = io::from_safetensors(&io::to_safetensors(&net)).unwrap();
                prop_assert_eq!(again, net);
            }
            Err(Error::Weights(text)) => prop_assert!(!text.is_empty()),
            Err(other) => prop_assert!(false, "not a weights error: {}", other),
        }
    }
    Ok(())
}

/// A mutation of a byte string: overwrite, insert, remove, truncate, or set the header length.
#[derive(Debug, Clone)]
enum Edit {
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Remove(prop::sample::Index),
    Truncate(prop::sample::Index),
    HeaderLength(u64),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        2 => (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => any::<prop::sample::Index>().prop_map(Edit::Remove),
        1 => any::<prop::sample::Index>().prop_map(Edit::Truncate),
        1 => prop_oneof![0..400_u64, any::<u64>()].prop_map(Edit::HeaderLength),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len().max(1);
    match edit {
        Edit::Set(i, b) => {
            if let Some(slot) = bytes.get_mut(i.index(len)) {
                *slot = *b;
            }
        }
        Edit::Insert(i, b) => bytes.insert(i.index(len + 1).min(bytes.len()), *b),
        Edit::Remove(i) => {
            if !bytes.is_empty() {
                bytes.remove(i.index(bytes.len()));
            }
        }
        Edit::Truncate(i) => bytes.truncate(i.index(len)),
        Edit::HeaderLength(n) => {
            if bytes.len() >= 8 {
                bytes[..8].copy_from_slice(&n.to_le_bytes());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes)?;
    }

    #[test]
    fn mutated_files(edits in proptest::collection::vec(edit(), 1..6)) {
        let mut bytes = valid();
        for e in &edits {
            apply(&mut bytes, e);
        }
        check(&bytes)?;
    }

    /// Mutations that keep the header's length prefix right, so that they reach the JSON.
    #[test]
    fn mutated_headers(edits in proptest::collection::vec((any::<prop::sample::Index>(), 32..127_u8), 1..4)) {
        let bytes = valid();
        let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let mut header = bytes[8..8 + len].to_vec();
        for (i, b) in edits {
            let at = i.index(header.len());
            header[at] = b;
        }
        let mut mutated = bytes[..8].to_vec();
        mutated.extend_from_slice(&header);
        mutated.extend_from_slice(&bytes[8 + len..]);
        check(&mutated)?;
    }
}

#[test]
fn the_valid_file_loads() {
    let net: Small = io::from_safetensors(&valid()).unwrap();
    assert_eq!(net, Small::seeded(7));
}
