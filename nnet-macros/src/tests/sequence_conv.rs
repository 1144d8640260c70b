//! The pipeline on causal `conv1d` lines in sequence networks (streamed step by step): valid
//! stacks in any order with recurrent layers expand, each mistake is one error, the lines the
//! messages suggest compile, the model counts a step's parameters and multiply-accumulates,
//! and no list makes it panic.

use proc_macro2::TokenStream;

use super::errors_of;
use crate::ast::NetworkDef;
use crate::pipeline;

fn net(body: &str) -> TokenStream {
    format!("struct Net {{ {body} }}").parse().expect("tokens")
}

/// Sequence networks with causal convolutions: each expands, or fails with exactly the
/// expected number of errors.
#[test]
fn odd_streamed_lists() {
    let cases = [
        // Convolutions only, dense after them per step.
        (
            "input sequence 1; conv1d 8 2 tanh (padding = causal, dilation = 1); conv1d 8 2 tanh (padding = causal, dilation = 2); conv1d 8 2 tanh (padding = causal, dilation = 4); dense 1;",
            0,
        ),
        ("input sequence 1; conv1d 4 3 (padding = causal);", 0),
        // Mixed with recurrent layers, in either order.
        (
            "input sequence 2; conv1d 4 3 relu (padding = causal); gru 3; dense 1;",
            0,
        ),
        (
            "input sequence 2; gru 4 (return_sequences); conv1d 3 2 (padding = causal); dense 1;",
            0,
        ),
        (
            "input sequence 2; dense 4; conv1d 4 2 (padding = causal); lstm 2 (return_sequences); conv1d 2 3 (padding = causal, groups = 2); dense 1;",
            0,
        ),
        // Every option.
        (
            "input sequence 4; conv1d 6 3 leaky_relu (padding = causal, strides = 1, dilation = 3, groups = 2, use_bias = false, init = he_uniform, l1 = 0.01, l2 = 0.1, alpha = 0.2); dense 1;",
            0,
        ),
        (
            "input sequence 4; conv1d 6 1 (padding = causal, bias_init = ones); layer_norm; batch_norm; dropout 0.2; activation relu; dense 1;",
            0,
        ),
        // A recurrent layer without `return_sequences` before a convolution.
        (
            "input sequence 2; gru 4; conv1d 3 2 (padding = causal); dense 1;",
            1,
        ),
        // Not causal, strided, 2-D, pooled: one error each.
        ("input sequence 2; conv1d 4 3; dense 1;", 1),
        (
            "input sequence 2; conv1d 4 3 (padding = causal, strides = 2); dense 1;",
            1,
        ),
        (
            "input sequence 2; conv2d 4 3 (padding = same); gru 2; dense 1;",
            1,
        ),
        (
            "input sequence 2; conv1d 4 3 (padding = causal); max_pool1d 2; dense 1;",
            1,
        ),
        (
            "input sequence 2; conv1d 4 3 (padding = causal); global_avg_pool; dense 1;",
            1,
        ),
        (
            "input sequence 2; conv1d 4 3 (padding = causal); flatten; dense 1;",
            1,
        ),
        // Groups that do not divide.
        (
            "input sequence 3; conv1d 4 3 (padding = causal, groups = 2); dense 1;",
            1,
        ),
        // Too many filters for a step's vector, too many values per filter.
        ("input sequence 2; conv1d 2000 2 (padding = causal);", 1),
        ("input sequence 40000; conv1d 4 2 (padding = causal);", 1),
        // Past inputs beyond the state's budget, alone or together.
        (
            "input sequence 2; conv1d 4 2 (padding = causal, dilation = 40000);",
            1,
        ),
        (
            "input sequence 16; conv1d 16 3 (padding = causal, dilation = 256); conv1d 16 3 (padding = causal, dilation = 256); conv1d 16 3 (padding = causal, dilation = 256); conv1d 16 3 (padding = causal, dilation = 256);",
            1,
        ),
        (
            "input sequence 2; conv1d 4 2 (padding = causal, dilation = 99999999999999999);",
            1,
        ),
        // At the budget: 16,384 `f32` values, 8,192 `f64` ones.
        (
            "input sequence 16; conv1d 16 3 (padding = causal, dilation = 512);",
            0,
        ),
        (
            "input sequence 16; conv1d 16 3 (padding = causal, dilation = 513);",
            1,
        ),
    ];
    for (case, expected) in cases {
        let errors = errors_of(net(case));
        assert_eq!(errors.len(), expected, "{case}: {errors:#?}");
    }
}

/// The budget of past inputs is in bytes: half as many `f64` values.
#[test]
fn the_history_budget_is_in_bytes() {
    let f64_net = |body: &str| -> TokenStream {
        format!("#[scalar = f64] struct Net {{ {body} }}")
            .parse()
            .expect("tokens")
    };
    let at = "input sequence 16; conv1d 16 3 (padding = causal, dilation = 256);";
    let over = "input sequence 16; conv1d 16 3 (padding = causal, dilation = 257);";
    assert!(errors_of(f64_net(at)).is_empty());
    let message = pipeline(f64_net(over)).to_string();
    assert!(message.contains("64 KiB, 8,192 `f64` values"), "{message}");
    assert_eq!(errors_of(net(over)).len(), 0);
}

/// Each rule's message says what it should.
#[test]
fn streamed_messages_name_the_rule() {
    let cases = [
        (
            "input sequence 2; gru 4; conv1d 3 2 (padding = causal); dense 1;",
            "add `(return_sequences = true)` to `gru1`",
        ),
        (
            "input sequence 2; conv1d 2000 2 (padding = causal);",
            "use at most 1024 filters",
        ),
        (
            "input sequence 2; conv1d 4 2 (padding = causal, dilation = 40000);",
            "keeps its last 40,000 inputs of 2 channels (80,000 values)",
        ),
        (
            "input sequence 16; conv1d 16 3 (padding = causal, dilation = 256); conv1d 16 3 (padding = causal, dilation = 256); conv1d 16 3 (padding = causal, dilation = 256);",
            "24,576 with the convolutions before it",
        ),
        (
            "input sequence 3; conv1d 4 3 (padding = causal, groups = 2); dense 1;",
            "must divide the 3 input channels (each group",
        ),
        ("input sequence 3; dense 1;", "or a causal `conv1d`"),
    ];
    for (case, words) in cases {
        let message = pipeline(net(case)).to_string();
        assert!(message.contains(words), "{case}: {message}");
    }
}

/// The lines the messages suggest compile in place of the faulty ones.
#[test]
fn suggested_streamed_lines_compile() {
    let cases = [
        (
            "input sequence 2; conv1d 4 3 (padding = same); dense 1;",
            "input sequence 2; conv1d 4 3 (padding = causal); dense 1;",
            "`conv1d 4 3 (padding = causal);`",
        ),
        (
            "input sequence 2; gru 4; conv1d 3 2 (padding = causal); dense 1;",
            "input sequence 2; gru 4 (return_sequences = true); conv1d 3 2 (padding = causal); dense 1;",
            "`(return_sequences = true)`",
        ),
        (
            "input sequence 3; dense 1;",
            "input sequence 3; conv1d 16 3 (padding = causal); dense 1;",
            "`conv1d 16 3 (padding = causal);`",
        ),
        (
            "input sequence 2; conv1d 2000 2 (padding = causal);",
            "input sequence 2; conv1d 1024 2 (padding = causal);",
            "`conv1d 1024 2`",
        ),
    ];
    for (case, fix, suggestion) in cases {
        let errors = errors_of(net(case));
        assert_eq!(errors.len(), 1, "{case}: {errors:#?}");
        let message = pipeline(net(case)).to_string();
        assert!(message.contains(suggestion), "{case}: {message}");
        let again = errors_of(net(fix));
        assert!(
            again.is_empty(),
            "{case} suggests {fix}, which fails: {again:#?}"
        );
    }
}

/// A streamed convolution's `K` and `F`, parameters, multiply-accumulates per step, past
/// inputs and the line saved files record.
#[test]
fn the_model_counts_a_streamed_convolution() {
    let source = "struct Net { input sequence 4; conv1d 6 3 relu (padding = causal, dilation = 2, groups = 2); gru 2 (return_sequences); conv1d 3 2 (padding = causal, use_bias = false); dense 1; }";
    let def: NetworkDef = syn::parse_str(source).expect("parses");
    let Ok(model) = crate::validate::validate(&def) else {
        panic!("{source} is valid");
    };
    let (first, third) = (&model.layers[0], &model.layers[2]);
    assert!(first.is_streamed_conv() && first.is_stepped() && first.returns_sequences());
    assert!(!first.is_recurrent());
    // K = 3 taps · 4 / 2 channels, F = 6.
    assert_eq!(first.inner_dims(), (6, 6));
    assert_eq!((first.params(), first.macs(), first.history()), (42, 36, 4));
    assert_eq!(first.tensors(), 2);
    assert_eq!(
        (third.params(), third.history(), third.tensors()),
        (12, 1, 1)
    );
    assert_eq!(model.last_stepped(), Some(2));
    assert_eq!(
        model.architecture(),
        "input sequence 4; conv1d 6 3 relu (padding = causal, dilation = 2, groups = 2); \
         gru 2 (return_sequences = true); conv1d 3 2 linear (padding = causal, use_bias = false); \
         dense 1 linear"
    );
}

/// A streamed convolution past the inline budget of weights keeps its kernel on the heap, as
/// a dense or recurrent layer does, and its state inline.
#[test]
fn a_wide_streamed_convolution_is_boxed() {
    let source = "struct Net { input sequence 64; conv1d 512 3 relu (padding = causal); dense 1; }";
    let def: NetworkDef = syn::parse_str(source).expect("parses");
    let Ok(model) = crate::validate::validate(&def) else {
        panic!("{source} is valid");
    };
    assert!(model.layers[0].boxed);
    let out = pipeline(source.parse().expect("tokens")).to_string();
    assert!(out.contains("CausalConv1d < 64 , 512 , 192 , 2"), "{out}");
    assert!(out.contains("HeapMatrix < 512 , 192 >"), "{out}");
    assert!(out.contains("HEAP_STORAGE"), "{out}");
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of streamed lines, and some they should not contain.
    const PIECES: &[&str] = &[
        "input",
        "sequence",
        "conv1d",
        "conv2d",
        "max_pool1d",
        "flatten",
        "dense",
        "gru",
        "lstm",
        "(",
        ")",
        ",",
        ";",
        "=",
        "0",
        "1",
        "2",
        "3",
        "65537",
        "99999999999",
        "strides",
        "dilation",
        "padding",
        "same",
        "causal",
        "groups",
        "use_bias",
        "false",
        "tanh",
        "return_sequences",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// A valid streamed network with one token replaced, removed or inserted.
        #[test]
        fn mutated_streamed_networks(position in 0usize..60, piece in 0usize..100, mode in 0u8..3) {
            let valid = "pub struct Net { input sequence 2 ; conv1d 4 2 tanh ( padding = causal , dilation = 2 ) ; gru 3 ( return_sequences ) ; conv1d 2 3 ( padding = causal , groups = 2 ) ; dense 1 ; }";
            let mut words: Vec<&str> = valid.split(' ').collect();
            let position = position % (words.len() + 1);
            let piece = PIECES[piece % PIECES.len()];
            match mode {
                0 if position < words.len() => words[position] = piece,
                1 if position < words.len() => { words.remove(position); }
                _ => words.insert(position, piece),
            }
            if let Ok(tokens) = words.join(" ").parse::<TokenStream>() {
                let out = pipeline(tokens).to_string();
                prop_assert!(!out.is_empty());
            }
        }
    }
}
