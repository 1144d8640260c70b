//! Matching files to networks with recurrent layers (`simple_rnn`, `gru`, `lstm`) under
//! nnet's, PyTorch's and Keras's names: where every value lands, and the errors.

use crate::layer_tests::{counting, error, file_of, names, parse, values};
use crate::{Dtype, LayerKind, Naming, ResolveOptions, TensorSpec, resolve};

use LayerKind::{Dense, Gru, Lstm, SimpleRnn};

type FileTensor = (String, Dtype, Vec<usize>, Vec<u8>);

/// `input sequence 3; lstm 5 (return_sequences = true); gru 4; dense 2`.
fn lstm_gru_net() -> Vec<TensorSpec<'static>> {
    let mut net = TensorSpec::of_layer(Lstm, "lstm1", 3, 5, true);
    net.extend(TensorSpec::of_layer(Gru, "gru1", 5, 4, true));
    net.extend(TensorSpec::of_layer(Dense, "dense1", 4, 2, true));
    net
}

/// `input sequence 3; simple_rnn 2`.
fn rnn_net() -> Vec<TensorSpec<'static>> {
    TensorSpec::of_layer(SimpleRnn, "simple_rnn1", 3, 2, true)
}

/// The row-major values of a file tensor.
fn data(tensor: &FileTensor) -> Vec<f32> {
    tensor
        .3
        .as_chunks::<4>()
        .0
        .iter()
        .map(|c| f32::from_le_bytes(*c))
        .collect()
}

fn find<'t>(tensors: &'t [FileTensor], name: &str) -> &'t FileTensor {
    tensors
        .iter()
        .find(|t| t.0 == name)
        .unwrap_or_else(|| panic!("{name}"))
}

/// The values nnet's tensors get from `tensors` under `naming`, in `net`'s order.
fn loaded(tensors: &[FileTensor], net: &[TensorSpec<'_>], naming: Naming) -> Vec<Vec<f32>> {
    let bytes = file_of(tensors);
    let file = parse(&bytes);
    let sources = resolve::<f32>(&file, net, naming, ResolveOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    sources.iter().map(values).collect()
}

#[test]
fn of_layer_shapes() {
    let net = lstm_gru_net();
    let shapes: Vec<(String, Vec<usize>)> = net.iter().map(|s| (s.name(), s.shape())).collect();
    assert_eq!(
        shapes,
        [
            ("lstm1.kernel".to_owned(), vec![20, 3]),
            ("lstm1.recurrent_kernel".to_owned(), vec![20, 5]),
            ("lstm1.bias".to_owned(), vec![20]),
            ("gru1.kernel".to_owned(), vec![12, 5]),
            ("gru1.recurrent_kernel".to_owned(), vec![12, 4]),
            ("gru1.bias".to_owned(), vec![12, 2]),
            ("dense1.weight".to_owned(), vec![2, 4]),
            ("dense1.bias".to_owned(), vec![2]),
        ]
    );
    assert_eq!(rnn_net()[2].shape(), [2]);
}

/// nnet's files: `[G·U, IN]` row-major, loaded transposed into column-major memory.
#[test]
fn nnet_names() {
    let net = lstm_gru_net();
    let tensors: Vec<FileTensor> = net
        .iter()
        .enumerate()
        .map(|(i, spec)| counting(&spec.name(), &spec.shape(), 1000.0 * i as f32))
        .collect();
    let got = loaded(&tensors, &net, Naming::Nnet);
    for ((spec, tensor), got) in net.iter().zip(&tensors).zip(&got) {
        let file = data(tensor);
        for r in 0..spec.rows {
            for c in 0..spec.cols {
                assert_eq!(
                    got[c * spec.rows + r],
                    file[r * spec.cols + c],
                    "{}",
                    spec.name()
                );
            }
        }
    }
    // The GRU's bias [12, 2]: column 0 (memory 0..12) is file column 0.
    assert_eq!(got[5][..3], [5000.0, 5002.0, 5004.0]);
    assert_eq!(got[5][12..15], [5001.0, 5003.0, 5005.0]);

    // Shapes, names and values are checked as for every kind.
    let mut wrong = tensors.clone();
    wrong[5] = counting("gru1.bias", &[2, 12], 0.0);
    let text = error(&file_of(&wrong), &net, Naming::Nnet);
    assert!(
        text.contains("tensor `gru1.bias` has shape [2, 12], expected [12, 2], [gates·units, 2] for gru1 (3 gates of 4 units; column 0 the input bias, column 1 the recurrent bias)"),
        "{text}"
    );
    let mut wrong = tensors.clone();
    wrong[1] = counting("lstm1.recurrent_kernel", &[20, 4], 0.0);
    let text = error(&file_of(&wrong), &net, Naming::Nnet);
    assert!(
        text.contains("tensor `lstm1.recurrent_kernel` has shape [20, 4], expected [20, 5], [gates·units, units] for lstm1 (4 gates of 5 units)"),
        "{text}"
    );
    let mut missing = tensors.clone();
    missing.remove(0);
    let text = error(&file_of(&missing), &net, Naming::Nnet);
    assert!(
        text.contains("no tensor `lstm1.kernel`: expected F32 [20, 3], the kernel of lstm1 as [gates·units, inputs] (3 inputs, 4 gates of 5 units)"),
        "{text}"
    );
    let mut nan = tensors.clone();
    nan[4] = (
        "gru1.recurrent_kernel".to_owned(),
        Dtype::F32,
        vec![12, 4],
        (0..48)
            .flat_map(|i| if i == 6 { f32::NAN } else { 0.0 }.to_le_bytes())
            .collect(),
    );
    let text = error(&file_of(&nan), &net, Naming::Nnet);
    assert!(
        text.contains("tensor `gru1.recurrent_kernel` holds NaN at index [1, 2]"),
        "{text}"
    );
    let mut extra = tensors;
    extra.push(counting("lstm1.peephole", &[5], 0.0));
    let text = error(&file_of(&extra), &net, Naming::Nnet);
    assert!(
        text.contains("the network has 1 dense layer, 1 gru layer and 1 lstm layer"),
        "{text}"
    );
}

/// `self.layers = nn.ModuleList([nn.LSTM(3, 5), nn.GRU(5, 4), nn.Linear(4, 2)])`, values
/// counting up from a distinct start per tensor.
fn torch_file() -> Vec<FileTensor> {
    vec![
        counting("layers.0.weight_ih_l0", &[20, 3], 0.0),
        counting("layers.0.weight_hh_l0", &[20, 5], 100.0),
        counting("layers.0.bias_ih_l0", &[20], 200.0),
        counting("layers.0.bias_hh_l0", &[20], 1000.0),
        counting("layers.1.weight_ih_l0", &[12, 5], 2000.0),
        counting("layers.1.weight_hh_l0", &[12, 4], 3000.0),
        counting("layers.1.bias_ih_l0", &[12], 4000.0),
        counting("layers.1.bias_hh_l0", &[12], 5000.0),
        counting("layers.2.weight", &[2, 4], 6000.0),
        counting("layers.2.bias", &[2], 7000.0),
    ]
}

/// PyTorch's gate of Keras's gate `g`: GRU `z, r, h` are PyTorch's blocks 1, 0, 2; the
/// others' gates are in the same order.
fn torch_gate(kind: LayerKind, g: usize) -> usize {
    if kind == Gru { [1, 0, 2][g] } else { g }
}

#[test]
fn pytorch_values() {
    let net = lstm_gru_net();
    let tensors = torch_file();
    assert_eq!(
        names(&file_of(&tensors), &net, Naming::PyTorch),
        [
            "layers.0.weight_ih_l0",
            "layers.0.weight_hh_l0",
            "layers.0.bias_ih_l0",
            "layers.1.weight_ih_l0",
            "layers.1.weight_hh_l0",
            "layers.1.bias_ih_l0",
            "layers.2.weight",
            "layers.2.bias",
        ]
    );
    let got = loaded(&tensors, &net, Naming::PyTorch);
    for (layer, kind, inputs, units) in [(0, Lstm, 3, 5), (1, Gru, 5, 4)] {
        let gates = kind.gates();
        let width = gates * units;
        let w_ih = data(find(&tensors, &format!("layers.{layer}.weight_ih_l0")));
        let w_hh = data(find(&tensors, &format!("layers.{layer}.weight_hh_l0")));
        let b_ih = data(find(&tensors, &format!("layers.{layer}.bias_ih_l0")));
        let b_hh = data(find(&tensors, &format!("layers.{layer}.bias_hh_l0")));
        let [kernel, recurrent, bias] = &got[3 * layer..3 * layer + 3] else {
            unreachable!()
        };
        for g in 0..gates {
            let t = torch_gate(kind, g);
            for u in 0..units {
                // kernel[i][g][u] at i·G·U + g·U + u is weight_ih[t·U + u][i].
                for i in 0..inputs {
                    assert_eq!(
                        kernel[i * width + g * units + u],
                        w_ih[(t * units + u) * inputs + i]
                    );
                }
                for k in 0..units {
                    assert_eq!(
                        recurrent[k * width + g * units + u],
                        w_hh[(t * units + u) * units + k]
                    );
                }
                if kind == Gru {
                    assert_eq!(bias[g * units + u], b_ih[t * units + u]);
                    assert_eq!(bias[width + g * units + u], b_hh[t * units + u]);
                } else {
                    assert_eq!(
                        bias[g * units + u],
                        b_ih[t * units + u] + b_hh[t * units + u]
                    );
                }
            }
        }
    }
    // Spot checks of the GRU's reorder: nnet's gate z (block 0) is PyTorch's block 1 (rows
    // 4..8 of weight_ih [12, 5], values 2020 + …), r is block 0, h block 2.
    assert_eq!(got[3][..4], [2020.0, 2025.0, 2030.0, 2035.0]);
    assert_eq!(got[3][4..8], [2000.0, 2005.0, 2010.0, 2015.0]);
    assert_eq!(got[3][8..12], [2040.0, 2045.0, 2050.0, 2055.0]);
    assert_eq!(got[5][..4], [4004.0, 4005.0, 4006.0, 4007.0]);
    assert_eq!(got[5][12..16], [5004.0, 5005.0, 5006.0, 5007.0]);
    // The LSTM's bias is the sum: 200 + 1000 + 2i.
    assert_eq!(got[2][..3], [1200.0, 1202.0, 1204.0]);
    assert_eq!(got.len(), 8);
    assert_eq!(got[2].len(), 20);
    assert_eq!(got[5].len(), 24);

    // Any prefix; an `nn.RNN` alone.
    let rnn = [
        counting("rnn.weight_ih_l0", &[2, 3], 0.0),
        counting("rnn.weight_hh_l0", &[2, 2], 10.0),
        counting("rnn.bias_ih_l0", &[2], 20.0),
        counting("rnn.bias_hh_l0", &[2], 30.0),
    ];
    let got = loaded(&rnn, &rnn_net(), Naming::PyTorch);
    assert_eq!(got[0], [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    assert_eq!(got[1], [10.0, 12.0, 11.0, 13.0]);
    assert_eq!(got[2], [50.0, 52.0]);
}

/// `nn.LSTM(3, 5, num_layers=2)`: one layer of the network per layer of the module.
#[test]
fn pytorch_multi_layer() {
    let mut net = TensorSpec::of_layer(Lstm, "lstm1", 3, 5, true);
    net.extend(TensorSpec::of_layer(Lstm, "lstm2", 5, 5, true));
    net.extend(TensorSpec::of_layer(Dense, "dense1", 5, 1, true));
    let numbered = vec![
        counting("net.0.weight_ih_l0", &[20, 3], 0.0),
        counting("net.0.weight_hh_l0", &[20, 5], 100.0),
        counting("net.0.bias_ih_l0", &[20], 200.0),
        counting("net.0.bias_hh_l0", &[20], 300.0),
        counting("net.0.weight_ih_l1", &[20, 5], 400.0),
        counting("net.0.weight_hh_l1", &[20, 5], 500.0),
        counting("net.0.bias_ih_l1", &[20], 600.0),
        counting("net.0.bias_hh_l1", &[20], 700.0),
        counting("net.1.weight", &[1, 5], 800.0),
        counting("net.1.bias", &[1], 900.0),
    ];
    assert_eq!(
        names(&file_of(&numbered), &net, Naming::PyTorch),
        [
            "net.0.weight_ih_l0",
            "net.0.weight_hh_l0",
            "net.0.bias_ih_l0",
            "net.0.weight_ih_l1",
            "net.0.weight_hh_l1",
            "net.0.bias_ih_l1",
            "net.1.weight",
            "net.1.bias",
        ]
    );
    let got = loaded(&numbered, &net, Naming::PyTorch);
    assert_eq!(got[5][0], 600.0 + 700.0);

    // A network with one lstm layer fewer: layer 1 of the module meets the dense layer.
    let mut short = TensorSpec::of_layer(Lstm, "lstm1", 3, 5, true);
    short.extend(TensorSpec::of_layer(Dense, "dense1", 5, 1, true));
    let text = error(&file_of(&numbered), &short, Naming::PyTorch);
    assert!(
        text.contains("unexpected tensor `net.0.weight_hh_l1`: module `net.0` is an `nn.LSTM` (its `weight_hh_l1` is [20, 5]: 4 gates of 5 units), but its layer 1 (of `num_layers = 2`, each one layer of the network) maps to the network's 2nd layer with tensors, `dense1`, a dense layer, which nnet imports from an `nn.Linear`"),
        "{text}"
    );
    // A layer missing in the middle.
    let gap: Vec<FileTensor> = numbered
        .iter()
        .filter(|t| !t.0.ends_with("_l0"))
        .cloned()
        .collect();
    let text = error(&file_of(&gap), &net, Naming::PyTorch);
    assert!(
        text.contains("no tensor `net.0.weight_ih_l0`: expected the weights of layer 0 of module `net.0`, which has parameters of layer 1"),
        "{text}"
    );
}

#[test]
fn pytorch_errors() {
    let net = lstm_gru_net();
    // The modules in another order than the network's layers: both kinds named.
    let mut swapped = TensorSpec::of_layer(Gru, "gru1", 3, 4, true);
    swapped.extend(TensorSpec::of_layer(Lstm, "lstm1", 4, 5, true));
    swapped.extend(TensorSpec::of_layer(Dense, "dense1", 5, 2, true));
    let text = error(&file_of(&torch_file()), &swapped, Naming::PyTorch);
    assert!(
        text.contains("unexpected tensor `layers.0.weight_hh_l0`: module `layers.0` is an `nn.LSTM` (its `weight_hh_l0` is [20, 5]: 4 gates of 5 units), but it maps to the network's 1st layer with tensors, `gru1`, a gru layer, which nnet imports from an `nn.GRU`: declare the network's layers in the order of the PyTorch model's"),
        "{text}"
    );
    // An `nn.Linear` where the network has an lstm layer.
    let linear = file_of(&[
        counting("0.weight", &[20, 3], 0.0),
        counting("0.bias", &[20], 0.0),
    ]);
    let text = error(&linear, &lstm_gru_net(), Naming::PyTorch);
    assert!(
        text.contains("module `0` is an `nn.Linear` (its weight is a matrix), but it maps to the network's 1st layer with tensors, `lstm1`, a lstm layer, which nnet imports from an `nn.LSTM`"),
        "{text}"
    );
    // `bias=False`: an error, not zeros.
    let mut no_bias = torch_file();
    no_bias.retain(|t| !t.0.starts_with("layers.1.bias"));
    let text = error(&file_of(&no_bias), &net, Naming::PyTorch);
    assert!(
        text.contains("the file has no tensor `layers.1.bias_ih_l0`: expected F32 [12], the bias of gru1 as [gates·units] (3 gates of 4 units, each of `bias_ih` and `bias_hh`, which become the columns of nnet's [gates·units, 2]) (module `layers.1`, the network's 2nd layer with tensors, has no bias, as an `nn.GRU` with `bias=False`; nnet's gru layers always have one"),
        "{text}"
    );
    // One of the two biases missing.
    let mut half = torch_file();
    half.retain(|t| t.0 != "layers.0.bias_hh_l0");
    let text = error(&file_of(&half), &net, Naming::PyTorch);
    assert!(
        text.contains("the file has no tensor `layers.0.bias_hh_l0`: expected F32 [20], the bias of lstm1 as [gates·units] (4 gates of 5 units, each of `bias_ih` and `bias_hh`, whose sum is nnet's bias)"),
        "{text}"
    );
    // Bidirectional.
    let mut both = torch_file();
    both.push(counting("layers.0.weight_ih_l0_reverse", &[20, 3], 0.0));
    let text = error(&file_of(&both), &net, Naming::PyTorch);
    assert!(
        text.contains("unexpected tensor `layers.0.weight_ih_l0_reverse`: module `layers.0` is bidirectional (`bidirectional=True`), but nnet's recurrent layers run forward only"),
        "{text}"
    );
    // An LSTM with proj_size.
    let mut projected = torch_file();
    projected.push(counting("layers.0.weight_hr_l0", &[3, 5], 0.0));
    let text = error(&file_of(&projected), &net, Naming::PyTorch);
    assert!(
        text.contains("unexpected tensor `layers.0.weight_hr_l0`: module `layers.0` is an `nn.LSTM` with `proj_size` > 0"),
        "{text}"
    );
    // Wrong shapes, in PyTorch's layout.
    let mut wrong = torch_file();
    wrong[1] = counting("layers.0.weight_hh_l0", &[20, 4], 0.0);
    let text = error(&file_of(&wrong), &net, Naming::PyTorch);
    assert!(
        text.contains("tensor `layers.0.weight_hh_l0` has shape [20, 4], expected [20, 5], [gates·units, units] for lstm1 (4 gates of 5 units)"),
        "{text}"
    );
    let mut wrong = torch_file();
    wrong[7] = counting("layers.1.bias_hh_l0", &[12, 1], 0.0);
    let text = error(&file_of(&wrong), &net, Naming::PyTorch);
    assert!(
        text.contains(
            "tensor `layers.1.bias_hh_l0` has shape [12, 1], expected [12], [gates·units] for gru1"
        ),
        "{text}"
    );
    // A stray parameter in a recurrent module.
    let mut stray = torch_file();
    stray.push(counting("layers.0.weight", &[20, 3], 0.0));
    let text = error(&file_of(&stray), &net, Naming::PyTorch);
    assert!(
        text.contains("unexpected tensor `layers.0.weight`: module `layers.0` maps to the network's 1st layer with tensors, `lstm1`, which as an `nn.LSTM` has only `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`"),
        "{text}"
    );
    // A sum that overflows is no finite weight.
    let mut huge = torch_file();
    for i in [2, 3] {
        let name = huge[i].0.clone();
        huge[i] = (
            name,
            Dtype::F32,
            vec![20],
            (0..20).flat_map(|_| 3e38_f32.to_le_bytes()).collect(),
        );
    }
    let text = error(&file_of(&huge), &net, Naming::PyTorch);
    assert!(
        text.contains("tensor `layers.0.bias_ih_l0 + layers.0.bias_hh_l0` holds inf at index [0]"),
        "{text}"
    );
    // Names of another framework.
    let text = error(
        &file_of(&[counting("lstm/kernel", &[3, 20], 0.0)]),
        &net,
        Naming::PyTorch,
    );
    assert!(
        text.contains("not a parameter of a PyTorch `nn.Linear`, `nn.GRU` or `nn.LSTM`: expected names such as `<module>.weight`, `<module>.bias`, `<module>.weight_ih_l0`, `<module>.weight_hh_l0`, `<module>.bias_ih_l0` or `<module>.bias_hh_l0`"),
        "{text}"
    );
}

/// `Sequential([Input((T, 3)), LSTM(5, return_sequences=True), GRU(4), Dense(2)])`, named by
/// the variables' paths, `prefix` before each layer's name.
fn keras_file(prefix: &str) -> Vec<FileTensor> {
    let p = |name: &str| format!("{prefix}{name}");
    vec![
        counting(&p("lstm/lstm_cell/kernel"), &[3, 20], 0.0),
        counting(&p("lstm/lstm_cell/recurrent_kernel"), &[5, 20], 100.0),
        counting(&p("lstm/lstm_cell/bias"), &[20], 200.0),
        counting(&p("gru/gru_cell/kernel"), &[5, 12], 300.0),
        counting(&p("gru/gru_cell/recurrent_kernel"), &[4, 12], 400.0),
        counting(&p("gru/gru_cell/bias"), &[2, 12], 500.0),
        counting(&p("dense/kernel"), &[4, 2], 600.0),
        counting(&p("dense/bias"), &[2], 700.0),
    ]
}

#[test]
fn keras_values() {
    let net = lstm_gru_net();
    let tensors = keras_file("sequential/");
    assert_eq!(
        names(&file_of(&tensors), &net, Naming::Keras),
        [
            "sequential/lstm/lstm_cell/kernel",
            "sequential/lstm/lstm_cell/recurrent_kernel",
            "sequential/lstm/lstm_cell/bias",
            "sequential/gru/gru_cell/kernel",
            "sequential/gru/gru_cell/recurrent_kernel",
            "sequential/gru/gru_cell/bias",
            "sequential/dense/kernel",
            "sequential/dense/bias",
        ]
    );
    // Keras's row-major kernels [IN, G·U], [U, G·U] and GRU bias [2, 3U] are nnet's memory.
    let got = loaded(&tensors, &net, Naming::Keras);
    for (tensor, got) in tensors.iter().zip(&got).take(6) {
        assert_eq!(*got, data(tensor), "{}", tensor.0);
    }
    // The GRU's input bias is row 0 of Keras's [2, 12], nnet's column 0.
    assert_eq!(got[5][..2], [500.0, 501.0]);
    assert_eq!(got[5][12..14], [512.0, 513.0]);

    // Without a prefix; `lstm_1` after `lstm`; layers custom-named, told by their cells.
    let mut net2 = lstm_gru_net();
    net2.extend(TensorSpec::of_layer(Lstm, "lstm2", 2, 1, true));
    let mut tensors = keras_file("");
    for (name, ..) in &mut tensors {
        *name = name.replace("gru/", "encoder/");
    }
    tensors.push(counting("lstm_1/lstm_cell/kernel", &[2, 4], 0.0));
    tensors.push(counting("lstm_1/lstm_cell/recurrent_kernel", &[1, 4], 0.0));
    tensors.push(counting("lstm_1/lstm_cell/bias", &[4], 0.0));
    let found = names(&file_of(&tensors), &net2, Naming::Keras);
    assert_eq!(found[3], "encoder/gru_cell/kernel");
    assert_eq!(found[8], "lstm_1/lstm_cell/kernel");

    // `layers.{i}.cell.{variable}`: kinds told by the shapes of their variables.
    let numbered = [
        counting("layers.0.cell.kernel", &[3, 20], 0.0),
        counting("layers.0.cell.recurrent_kernel", &[5, 20], 0.0),
        counting("layers.0.cell.bias", &[20], 0.0),
        counting("layers.1.cell.kernel", &[5, 12], 0.0),
        counting("layers.1.cell.recurrent_kernel", &[4, 12], 0.0),
        counting("layers.1.cell.bias", &[2, 12], 0.0),
        counting("layers.2.kernel", &[4, 2], 0.0),
        counting("layers.2.bias", &[2], 0.0),
    ];
    let found = names(&file_of(&numbered), &net, Naming::Keras);
    assert_eq!(found[3], "layers.1.cell.kernel");
    // And without a cell in the path.
    let flat = [
        counting("simple_rnn/kernel", &[3, 2], 0.0),
        counting("simple_rnn/recurrent_kernel", &[2, 2], 10.0),
        counting("simple_rnn/bias", &[2], 20.0),
    ];
    let got = loaded(&flat, &rnn_net(), Naming::Keras);
    assert_eq!(
        got,
        [
            vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            vec![10.0, 11.0, 12.0, 13.0],
            vec![20.0, 21.0]
        ]
    );
}

#[test]
fn keras_errors() {
    let net = lstm_gru_net();
    // `use_bias=False`.
    let mut no_bias = keras_file("sequential/");
    no_bias.retain(|t| t.0 != "sequential/lstm/lstm_cell/bias");
    let text = error(&file_of(&no_bias), &net, Naming::Keras);
    assert!(
        text.contains("the file has no tensor `sequential/lstm/lstm_cell/bias`: expected F32 [20], the bias of lstm1 as [gates·units] (4 gates of 5 units) (layer `sequential/lstm`, the network's 1st lstm layer, has no bias, as a Keras `LSTM` layer with `use_bias=False`; nnet's lstm layers always have one"),
        "{text}"
    );
    // A GRU with reset_after=False has one bias row.
    let mut one_row = keras_file("");
    one_row[5] = counting("gru/gru_cell/bias", &[12], 0.0);
    let text = error(&file_of(&one_row), &net, Naming::Keras);
    assert!(
        text.contains("tensor `gru/gru_cell/bias` has shape [12], expected [2, 12], [2, gates·units] for gru1 (3 gates of 4 units; the input bias, then the recurrent bias: a GRU with reset_after=True)"),
        "{text}"
    );
    // A kernel in PyTorch's layout.
    let mut torch_layout = keras_file("");
    torch_layout[0] = counting("lstm/lstm_cell/kernel", &[20, 3], 0.0);
    let text = error(&file_of(&torch_layout), &net, Naming::Keras);
    assert!(
        text.contains("tensor `lstm/lstm_cell/kernel` has shape [20, 3], expected [3, 20], [inputs, gates·units] for lstm1 (3 inputs, 4 gates of 5 units)"),
        "{text}"
    );
    // A kind the network lacks.
    let mut gru_twice = TensorSpec::of_layer(Gru, "gru1", 3, 5, true);
    gru_twice.extend(TensorSpec::of_layer(Gru, "gru2", 5, 4, true));
    gru_twice.extend(TensorSpec::of_layer(Dense, "dense1", 4, 2, true));
    let text = error(&file_of(&keras_file("")), &gru_twice, Naming::Keras);
    assert!(
        text.contains("unexpected tensor `lstm/lstm_cell/bias`: layer `lstm` is a Keras `LSTM` layer, but the network has no lstm layer"),
        "{text}"
    );
    // A `Bidirectional` wrapper.
    let bidirectional = [
        counting(
            "sequential/bidirectional/forward_lstm/lstm_cell/kernel",
            &[3, 20],
            0.0,
        ),
        counting(
            "sequential/bidirectional/backward_lstm/lstm_cell/kernel",
            &[3, 20],
            0.0,
        ),
    ];
    let text = error(&file_of(&bidirectional), &net, Naming::Keras);
    assert!(
        text.contains("layer `sequential/bidirectional/backward_lstm` is half of the Keras `Bidirectional` layer `sequential/bidirectional`, but nnet's recurrent layers run forward only"),
        "{text}"
    );
    // Two layers whose order is unknown.
    let mut two = keras_file("");
    two.push(counting("decoder/lstm_cell/kernel", &[3, 20], 0.0));
    let text = error(&file_of(&two), &net, Naming::Keras);
    assert!(
        text.contains("its layer `lstm` and the `LSTM` layer `decoder` end in the same number (0)")
            || text.contains(
                "its layer `decoder` and the `LSTM` layer `lstm` end in the same number (0)"
            ),
        "{text}"
    );
}

/// What the resolver accepts has the shapes the spec says, whatever the file.
#[test]
fn sources_have_the_network_sizes() {
    for (tensors, naming) in [
        (torch_file(), Naming::PyTorch),
        (keras_file("model/"), Naming::Keras),
    ] {
        let bytes = file_of(&tensors);
        let file = parse(&bytes);
        let net = lstm_gru_net();
        let sources = resolve::<f32>(&file, &net, naming, ResolveOptions::default()).unwrap();
        for (spec, source) in net.iter().zip(&sources) {
            assert_eq!((source.rows, source.cols), (spec.rows, spec.cols));
            let n: usize = spec.file_shape(naming).iter().product();
            assert_eq!(source.tensor.data.len(), 4 * n);
        }
    }
}
