//! The order of a PyTorch file's modules: a custom module's unnumbered attributes (`gru`,
//! `fc`) in the order of the network's declaration, an explicit order where that is
//! ambiguous, and the messages when neither works.

use crate::{Error, LayerKind, Naming, ResolveOptions, SafeTensors, TensorData, TensorSpec};
use crate::{resolve, write};

/// A file of `(name, shape)` tensors of F32 counting values.
fn file(tensors: &[(&str, Vec<usize>)]) -> Vec<u8> {
    let data: Vec<TensorData> = tensors
        .iter()
        .map(|(name, shape)| {
            let values: Vec<f32> = (0..shape.iter().product::<usize>())
                .map(|i| i as f32)
                .collect();
            TensorData::from_values(name, shape.clone(), &values)
        })
        .collect();
    write(&[], &data)
}

/// The tensors of an `nn.GRU` module `name` of `units` over `inputs` (layer `j`).
fn gru(name: &str, inputs: usize, units: usize, j: usize) -> Vec<(String, Vec<usize>)> {
    vec![
        (format!("{name}.weight_ih_l{j}"), vec![3 * units, inputs]),
        (format!("{name}.weight_hh_l{j}"), vec![3 * units, units]),
        (format!("{name}.bias_ih_l{j}"), vec![3 * units]),
        (format!("{name}.bias_hh_l{j}"), vec![3 * units]),
    ]
}

/// The tensors of an `nn.Linear` module `name`.
fn linear(name: &str, inputs: usize, units: usize) -> Vec<(String, Vec<usize>)> {
    vec![
        (format!("{name}.weight"), vec![units, inputs]),
        (format!("{name}.bias"), vec![units]),
    ]
}

fn file_of(modules: &[Vec<(String, Vec<usize>)>]) -> Vec<u8> {
    let tensors: Vec<(&str, Vec<usize>)> = modules
        .iter()
        .flatten()
        .map(|(n, s)| (n.as_str(), s.clone()))
        .collect();
    file(&tensors)
}

/// The network's layers, each `(kind, name, inputs, units)`.
fn network(layers: &[(LayerKind, &'static str, usize, usize)]) -> Vec<TensorSpec<'static>> {
    layers
        .iter()
        .flat_map(|&(kind, name, inputs, units)| {
            TensorSpec::of_layer(kind, name, inputs, units, true)
        })
        .collect()
}

/// The names of the file's tensors that the network's tensors take, in the network's order.
fn resolved(bytes: &[u8], net: &[TensorSpec<'_>], order: &[String]) -> Result<Vec<String>, Error> {
    let file = SafeTensors::parse(bytes, 1 << 20).unwrap();
    let options = ResolveOptions {
        module_order: order,
        ..ResolveOptions::default()
    };
    let sources = resolve::<f32>(&file, net, Naming::PyTorch, options)?;
    Ok(sources.iter().map(|s| s.tensor.name.clone()).collect())
}

const GRU_THEN_DENSE: &[(LayerKind, &str, usize, usize)] = &[
    (LayerKind::Gru, "gru1", 2, 4),
    (LayerKind::Dense, "dense1", 4, 1),
];

#[test]
fn a_custom_module_of_a_gru_and_a_linear_is_imported_in_declaration_order() {
    // `self.gru = nn.GRU(2, 4, batch_first=True)`, `self.fc = nn.Linear(4, 1)`.
    let bytes = file_of(&[gru("gru", 2, 4, 0), linear("fc", 4, 1)]);
    let names = resolved(&bytes, &network(GRU_THEN_DENSE), &[]).unwrap();
    assert_eq!(
        names,
        [
            "gru.weight_ih_l0",
            "gru.weight_hh_l0",
            "gru.bias_ih_l0",
            "fc.weight",
            "fc.bias"
        ]
    );
    // The other way round: a dense layer before the recurrent one.
    let net = network(&[
        (LayerKind::Dense, "dense1", 3, 2),
        (LayerKind::Gru, "gru1", 2, 4),
    ]);
    let bytes = file_of(&[linear("proj", 3, 2), gru("rnn", 2, 4, 0)]);
    let names = resolved(&bytes, &net, &[]).unwrap();
    assert_eq!(names[0], "proj.weight");
    assert_eq!(names[2], "rnn.weight_ih_l0");
}

#[test]
fn modules_of_a_kind_follow_their_numbers_and_a_multi_layer_module_its_layers() {
    // `gru1`, `gru2` (numbered) and `head` (alone of its kind).
    let net = network(&[
        (LayerKind::Gru, "gru1", 2, 4),
        (LayerKind::Gru, "gru2", 4, 3),
        (LayerKind::Dense, "dense1", 3, 1),
    ]);
    let bytes = file_of(&[
        gru("gru2", 4, 3, 0),
        linear("head", 3, 1),
        gru("gru1", 2, 4, 0),
    ]);
    let names = resolved(&bytes, &net, &[]).unwrap();
    assert_eq!(
        [&names[0], &names[3], &names[6]],
        ["gru1.weight_ih_l0", "gru2.weight_ih_l0", "head.weight"]
    );
    // One `nn.GRU(num_layers = 2)` and a Linear.
    let bytes = file_of(&[gru("rnn", 2, 4, 0), gru("rnn", 4, 3, 1), linear("fc", 3, 1)]);
    let names = resolved(&bytes, &net, &[]).unwrap();
    assert_eq!(
        [&names[0], &names[3], &names[6]],
        ["rnn.weight_ih_l0", "rnn.weight_ih_l1", "fc.weight"]
    );
}

#[test]
fn two_modules_of_a_kind_without_numbers_need_an_explicit_order() {
    let net = network(&[
        (LayerKind::Dense, "dense1", 3, 2),
        (LayerKind::Dense, "dense2", 2, 1),
    ]);
    let bytes = file_of(&[linear("fc_in", 3, 2), linear("fc_out", 2, 1)]);
    let text = resolved(&bytes, &net, &[]).unwrap_err().to_string();
    assert!(
        text.contains("end in the same number (0), so their order is unknown"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "; or give the modules in the order of the network's layers, e.g. `LoadOptions::pytorch().with_module_order([\"fc_in\", \"fc_out\"])`"
        ),
        "{text}"
    );
    let order = ["fc_in".to_owned(), "fc_out".to_owned()];
    let names = resolved(&bytes, &net, &order).unwrap();
    assert_eq!(
        names,
        ["fc_in.weight", "fc_in.bias", "fc_out.weight", "fc_out.bias"]
    );
    // The order overrides the numbers too; the wrong one is a shape error.
    let order = ["fc_out".to_owned(), "fc_in".to_owned()];
    let text = resolved(&bytes, &net, &order).unwrap_err().to_string();
    assert!(
        text.contains("tensor `fc_out.weight` has shape [1, 2]"),
        "{text}"
    );
}

#[test]
fn a_wrong_module_order_is_an_error_saying_what_is_wrong() {
    let bytes = file_of(&[gru("gru", 2, 4, 0), linear("fc", 4, 1)]);
    let net = network(GRU_THEN_DENSE);
    let order = |names: &[&str]| -> Vec<String> { names.iter().map(|n| (*n).to_owned()).collect() };
    let text = resolved(&bytes, &net, &order(&["gru"]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        text,
        "unexpected tensor `fc.bias`: module `fc` is not in the module order given (`gru`): list every module of the file that has tensors"
    );
    let text = resolved(&bytes, &net, &order(&["gru", "head", "fc"]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        text,
        "the module order lists `head`, but the file has no module of that name with tensors (it has `fc`, `gru`)"
    );
    let text = resolved(&bytes, &net, &order(&["gru", "gru"]))
        .unwrap_err()
        .to_string();
    assert_eq!(text, "the module order lists `gru` twice (`gru`, `gru`)");
    // Only for PyTorch files.
    let file = SafeTensors::parse(&bytes, 1 << 20).unwrap();
    let names = order(&["gru", "fc"]);
    let options = ResolveOptions {
        module_order: &names,
        ..ResolveOptions::default()
    };
    let error = resolve::<f32>(&file, &net, Naming::Keras, options).unwrap_err();
    assert!(matches!(error, Error::ModuleOrder(_)), "{error}");
}

#[test]
fn numbered_modules_keep_their_order_and_messages() {
    // Numbers given: a GRU numbered after the Linear is an error, not reordered by kind.
    let bytes = file_of(&[linear("0", 4, 1), gru("1", 2, 4, 0)]);
    let text = resolved(&bytes, &network(GRU_THEN_DENSE), &[])
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("declare the network's layers in the order of the PyTorch model's"),
        "{text}"
    );
}

#[test]
fn a_file_without_the_networks_modules_names_the_layer_not_a_tensor() {
    let bytes = write(&[], &[]);
    let error = resolved(&bytes, &network(GRU_THEN_DENSE), &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the file has no module for the network's layer `gru1`: expected one with `weight_ih_l0` F32 [12, 2], the kernel of gru1 as [gates·units, inputs] (2 inputs, 3 gates of 4 units) (the file has 0 modules with tensors, the network 2 layers with tensors)"
    );
    assert!(matches!(error, Error::MissingLayer { .. }));
}
