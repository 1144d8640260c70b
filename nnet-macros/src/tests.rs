//! Tests of the pipeline on token streams: valid input expands, invalid input gives errors, and
//! no input makes it panic.

use proc_macro2::TokenStream;
use quote::quote;

use crate::pipeline;

mod conv;
mod residual;
mod sequence_conv;

fn errors_of(tokens: TokenStream) -> Vec<String> {
    let out = pipeline(tokens).to_string();
    out.match_indices("compile_error")
        .map(|(i, _)| out[i..].chars().take(200).collect())
        .collect()
}

#[test]
fn valid_network_expands_without_errors() {
    let out = pipeline(quote! {
        /// Docs.
        pub struct Classifier {
            input 2;
            dense 10 relu (init = uniform);
            dense 20 leaky_relu (alpha = 0.1, bias_init = ones);
            dense 1 sigmoid;
        }
    })
    .to_string();
    assert!(!out.contains("compile_error"), "{out}");
    assert!(out.contains("ClassifierGradients"));
    assert!(out.contains("PARAMS"));
}

/// A network whose first layer is `kind`'s example line, as its declaration writes it, on an
/// input of 3 values (3 channels) of the shape the kind reads.
pub(crate) fn example_network(kind: nnet_kinds::Kind) -> String {
    use nnet_kinds::Kind;
    let axes = kind.decl().number.kernel_axes();
    let (input, flatten) = match kind {
        Kind::Flatten => ("input (1, 3);", ""),
        _ if kind.is_recurrent() => ("input sequence 3;", ""),
        // Convolution and pooling read a fixed shape of their axes, and the head a vector.
        _ if axes == 1 => ("input (6, 3);", "flatten;"),
        Kind::GlobalAvgPool | Kind::GlobalMaxPool => ("input (6, 6, 3);", ""),
        _ if axes == 2 => ("input (6, 6, 3);", "flatten;"),
        _ => ("input 3;", ""),
    };
    let example = kind.decl().example;
    format!("struct Net {{ {input} {example} {flatten} dense 2 softmax; }}")
}

/// Every kind's example line, as its declaration writes it, expands (on the shape the kind
/// reads); every declared initializer default is an initializer of the grammar.
#[test]
fn every_declared_kind_expands_from_its_example() {
    use nnet_kinds::{Kind, OptionType};
    for kind in Kind::ALL {
        let decl = kind.decl();
        let source = example_network(*kind);
        let tokens: TokenStream = source.parse().expect("tokens");
        let out = pipeline(tokens).to_string();
        assert!(!out.contains("compile_error"), "{source}: {out}");
        assert!(out.contains("__nnet_layers [0] . trainable"), "{source}");
        for option in decl.options {
            if let OptionType::Initializer { default } = option.ty {
                assert!(
                    crate::model::Init::from_word(default).is_some(),
                    "{default}"
                );
            }
        }
    }
}

/// The constant assertion that ties the macro's counts to the core types' ends every valid
/// expansion, vector or sequence, and checks every layer and both totals.
#[test]
fn expansions_check_their_counts_against_the_core_types() {
    let nets = [
        quote!(struct Net { input 2; dense 3 relu (use_bias = false); batch_norm; dense 1 sigmoid; }),
        quote!(struct Seq { input sequence 2; gru 3 (return_sequences); lstm 2; dense 1; }),
    ];
    for net in nets {
        let out = pipeline(net).to_string();
        let check = &out[out
            .find("const _ : () = { let __nnet_layers")
            .expect("the check")..];
        assert_eq!(
            check.matches(":: core :: assert !").count(),
            3 + 2,
            "{check}"
        );
        assert!(check.contains("__nnet_layers [2] . trainable"), "{check}");
        assert!(check.contains(":: PARAMS == 0 +"), "{check}");
        assert!(
            check.contains(":: Parameters < :: core :: primitive :: f32 >> :: TENSORS == 0 +"),
            "{check}"
        );
    }
    // The recurrent layers are checked through `Recurrent`, the others through `Layer`.
    let seq = pipeline(quote!(struct Seq { input sequence 2; gru 3; dense 1; })).to_string();
    assert!(seq.contains("as :: nnet :: __private :: layer :: Recurrent < 2 , 3 , :: core :: primitive :: f32 >> :: TRAINABLE"), "{seq}");
    // A network in error is its stub, with no check.
    let stub = pipeline(quote!(struct Net { input 2; dense 0; })).to_string();
    assert!(!stub.contains("__nnet_layers"), "{stub}");
}

#[test]
fn angle_brackets_expand() {
    let out = pipeline(quote!(pub struct Classifier < input 2; dense 10 relu; dense 1 sigmoid; >))
        .to_string();
    assert!(!out.contains("compile_error"), "{out}");
}

#[test]
fn all_mistakes_are_reported_together() {
    let errors = errors_of(quote! {
        struct Net {
            input 2;
            dense 0 rleu;
            dense 3 relu (alpha = 0.2);
            dense 1 softmax;
        }
    });
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn large_layers_are_boxed() {
    let out =
        pipeline(quote!(struct Big { input 1024; dense 1024 relu; dense 1 sigmoid; })).to_string();
    assert!(out.contains("HeapMatrix"));
}

#[test]
fn layers_over_1024_units_keep_their_vectors_on_the_heap() {
    let at_limit =
        pipeline(quote!(struct Net { input 2; dense 1024 relu; dense 1 sigmoid; })).to_string();
    assert!(!at_limit.contains("HeapVector"), "{at_limit}");
    let over =
        pipeline(quote!(struct Net { input 2; dense 1025 relu; dense 1 sigmoid; })).to_string();
    // The bias type of the layer and of its gradient, and the trace's `z1` and `a1`.
    assert!(over.matches("HeapVector < 1025 >").count() >= 4, "{over}");
    assert!(over.contains("forward_trace_simd_into"));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Pieces a layer list is made of, and some it should not contain.
    const PIECES: &[&str] = &[
        "input",
        "dense",
        "relu",
        "softmax",
        "leaky_relu",
        "sigmoid",
        "init",
        "alpha",
        "bias_init",
        "uniform",
        "=",
        ";",
        ",",
        "0",
        "1",
        "2",
        "65537",
        "0.5",
        "-",
        "(",
        ")",
        "struct",
        "pub",
        "Net",
        "{",
        "}",
        "<",
        ">",
        "#",
        "[",
        "]",
        "\"s\"",
        "'a",
        "foo",
        "::",
        "99999999999999999999999",
        "1e3",
        "1u8",
        "1.0f32",
        "_",
        "sequence",
        "residual",
        "project",
        "simple_rnn",
        "gru",
        "lstm",
        "return_sequences",
        "recurrent_init",
        "orthogonal",
        "true",
        "dropout",
    ];

    /// [`PIECES`] and those of shapes.
    const SHAPE_PIECES: &[&str] = &[
        "input",
        "flatten",
        "(",
        ")",
        ",",
        "0",
        "1",
        "3",
        "65536",
        "65537",
        "2.5",
        "-",
        "sequence",
        "gru",
        "softmax",
        "dense",
        "batch_norm",
        "layer_norm",
        "dropout",
        ";",
        "()",
        "(1,2,3,4)",
        "relu",
        "activation",
        "return_sequences",
    ];

    fn source(pieces: Vec<usize>) -> String {
        pieces
            .into_iter()
            .map(|i| PIECES[i % PIECES.len()])
            .collect::<Vec<_>>()
            .join(" ")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Arbitrary sequences of grammar pieces.
        #[test]
        fn arbitrary_token_streams(pieces in prop::collection::vec(0usize..100, 0..40)) {
            if let Ok(tokens) = source(pieces).parse::<TokenStream>() {
                let _ = pipeline(tokens);
            }
        }

        /// A valid network with one token replaced, removed or inserted.
        #[test]
        fn mutated_valid_networks(position in 0usize..40, piece in 0usize..100, mode in 0u8..3) {
            let valid = "pub struct Net { input 2 ; dense 10 relu ( init = uniform ) ; dense 3 leaky_relu ( alpha = 0.2 ) ; dense 1 sigmoid ; }";
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

        /// A valid shaped network with one token replaced, removed or inserted.
        #[test]
        fn mutated_shaped_networks(position in 0usize..40, piece in 0usize..100, mode in 0u8..3) {
            let valid = "pub struct Net { input ( 4 , 3 ) ; dense 5 relu ; batch_norm ; layer_norm ; dropout 0.1 ; activation softmax ; flatten ; dense 2 softmax ; }";
            let mut words: Vec<&str> = valid.split(' ').collect();
            let position = position % (words.len() + 1);
            let piece = SHAPE_PIECES[piece % SHAPE_PIECES.len()];
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

        /// A valid sequence network with one token replaced, removed or inserted.
        #[test]
        fn mutated_sequence_networks(position in 0usize..40, piece in 0usize..100, mode in 0u8..3) {
            let valid = "pub struct Net { input sequence 2 ; lstm 4 ( return_sequences , recurrent_init = orthogonal ) ; dropout 0.5 ; gru 3 ( return_sequences = false ) ; simple_rnn 2 leaky_relu ( alpha = 0.2 ) ; dense 1 sigmoid ; }";
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

/// Odd recurrent layer lists: each expands, or fails with exactly the expected number of
/// errors, and none panics.
#[test]
fn odd_recurrent_lists() {
    let cases = [
        ("input sequence 3; dropout 0.5;", 1),
        ("input sequence 3; activation relu;", 1),
        ("input sequence 3; dense 4; lstm 3 (return_sequences);", 0),
        // A repeated option is one error in two parts: "set twice" and "first set here".
        (
            "input sequence 3; lstm 4 (return_sequences, return_sequences);",
            2,
        ),
        (
            "input sequence 3; lstm 4 (return_sequences = true, return_sequences = false);",
            2,
        ),
        (
            "input sequence 3; lstm 4 (return_sequences); dense 2; lstm 2;",
            0,
        ),
        (
            "input sequence 3; simple_rnn 4 leaky_relu (alpha = 0.1);",
            0,
        ),
        ("input sequence 3; simple_rnn 1 softmax;", 1),
        ("input 3; lstm 4; gru 4; simple_rnn 2;", 3),
        // Past 1,024 units (state on the heap), and past the most weights (issue 21).
        ("input sequence 3; lstm 2000;", 0),
        ("input sequence 3; lstm 40000;", 1),
        ("input sequence 65536; lstm 20000;", 1),
        (
            "input sequence 3; gru 8 (recurrent_init = ones); lstm 40000;",
            2,
        ),
        // One error each: the failed `input` line still declares the input.
        ("input sequence; lstm 4;", 1),
        ("input sequences 3; lstm 4;", 1),
        ("input; lstm 4;", 1),
        ("input series 3; dense 1;", 1),
    ];
    for (case, expected) in cases {
        let tokens: TokenStream = format!("struct Net {{ {case} }}").parse().expect("tokens");
        let errors = errors_of(tokens);
        assert_eq!(errors.len(), expected, "{case}: {errors:#?}");
    }
}

/// Odd lists with shaped inputs: each expands, or fails with exactly the expected number of
/// errors (one per mistake, no cascade), and none panics.
#[test]
fn odd_shape_lists() {
    let cases = [
        ("input (3); dense 1;", 0),
        ("input (3,); dense 2 softmax;", 0),
        ("input (4, 3); flatten; flatten; dense 1;", 0),
        ("input 3; flatten; dense 1;", 0),
        ("input (4, 3); dense 2 softmax; flatten; dense 1;", 0),
        (
            "input (4, 3); activation softmax; dropout 0.5; dense 2 sigmoid;",
            0,
        ),
        ("input (2, 2, 1024); dense 2000; flatten; dense 1;", 0),
        ("input (4, 3); dense 1 softmax;", 1),
        ("input (4, 3); dense 5 softmax;", 1),
        ("input (4, 3); dense 5; activation softmax;", 1),
        // Only the output layer's activation is the network's: a layer after the softmax
        // makes its output something else than distributions.
        ("input (4, 3); dense 5 softmax; dropout 0.5;", 0),
        ("input (4, 3); gru 4;", 1),
        ("input (4, 3); gru 4 (return_sequences); gru 2;", 1),
        ("input (4, 3); gru 4; gru 2;", 2),
        ("input (4, 3); flatten; gru 4;", 1),
        ("input sequence 3; flatten; gru 4;", 1),
        (
            "input sequence 3; gru 4 (return_sequences); flatten; dense 1;",
            1,
        ),
        ("input (256, 256, 3); flatten; dense 1;", 1),
        ("input (64, 64, 3); dense 64; flatten; dense 4000;", 1),
        ("input (0, 3); dense 1; flatten;", 1),
        ("input (2.5, 3, -1); flatten; dense 1;", 2),
        // One error each: the failed `input` line still declares the input, whose kind of
        // shape is then unknown and raises nothing.
        ("input (); flatten; dense 1;", 1),
        ("input (); gru 4;", 1),
        ("input (1, 2, 3, 4); flatten; gru 4;", 1),
        ("input sequence (10, 3); gru 4; dense 1;", 1),
        ("input sequence (10, 3); flatten; dense 1;", 1),
        ("input (a, b); dense 1;", 1),
        ("input (4 3); dense 1;", 1),
    ];
    for (case, expected) in cases {
        let tokens: TokenStream = format!("struct Net {{ {case} }}").parse().expect("tokens");
        let errors = errors_of(tokens);
        assert_eq!(errors.len(), expected, "{case}: {errors:#?}");
    }
}

/// The lines the shape messages suggest compile in place of the faulty ones.
#[test]
fn suggested_shape_lines_compile() {
    let cases = [
        // (network, its fix from the message, the part of the message that suggests it)
        (
            "input (10, 3); dense 8 relu; lstm 4; dense 1;",
            "input sequence 3; dense 8 relu; lstm 4; dense 1;",
            "`input sequence 3;`",
        ),
        (
            "input (4, 3); dense 5 softmax;",
            "input (4, 3); dense 5 softmax; flatten; dense 5 softmax;",
            "`flatten; dense 5 softmax;`",
        ),
        (
            "input sequence (10, 3); gru 4; dense 1;",
            "input sequence 3; gru 4; dense 1;",
            "`input sequence 3;`",
        ),
        (
            "input (64, 64, 3); dense 64; flatten; dense 1;",
            "input (64, 64, 3); dense 16; flatten; dense 1;",
            "`dense 16;`",
        ),
        (
            "input (10, 0); flatten; dense 1;",
            "input (10, 3); flatten; dense 1;",
            "`input (10, 3);`",
        ),
        (
            "input sequence 3; gru 4 (return_sequences); flatten; dense 1;",
            "input (10, 3); flatten; dense 1;",
            "`input (10, 3);`",
        ),
    ];
    for (case, fix, suggestion) in cases {
        let net = |body: &str| -> TokenStream {
            format!("struct Net {{ {body} }}").parse().expect("tokens")
        };
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

/// The lines the recurrent messages suggest compile in place of the faulty one.
#[test]
fn suggested_recurrent_lines_compile() {
    let mistakes = [
        ("gru 8 tanh;", "gru"),
        ("gru 8 tanh;", "simple_rnn"),
        ("lstm 8 rleu;", "simple_rnn"),
        ("lstm 8 relu;", "lstm"),
        ("lstm 8 (activation = relu);", "lstm"),
        ("simple_rnn 8 (activation = relu);", "simple_rnn"),
        ("lstm 8 return_sequences;", "lstm"),
        ("simple_rnn 8 relu init = ones;", "simple_rnn"),
        ("lstm 0;", "lstm"),
        ("gru 2.5;", "gru"),
        ("lstm 40000;", "lstm"),
        ("gru 65536;", "gru"),
    ];
    for (mistake, kind) in mistakes {
        let net = |line: &str| -> TokenStream {
            format!("struct Net {{ input sequence 3; {line} dense 1 sigmoid; }}")
                .parse()
                .expect("tokens")
        };
        let out = pipeline(net(mistake)).to_string();
        let messages: Vec<&str> = out.split("compile_error").skip(1).collect();
        assert_eq!(messages.len(), 1, "{mistake}: {messages:#?}");
        let message = messages[0];
        let start = message
            .rfind(&format!("`{kind} "))
            .expect("a suggested line")
            + 1;
        let length = message[start..].find('`').expect("closing backtick");
        let suggested = &message[start..start + length];
        let again = errors_of(net(suggested));
        assert!(
            again.is_empty(),
            "{mistake} suggests {suggested}, which fails: {again:#?}"
        );
    }
}

/// Every line a message suggests (the last `dense …;` in backticks) compiles when written in
/// place of the faulty one: a hint never leads to another error.
#[test]
fn suggested_lines_compile() {
    let mistakes = [
        "dense 10 activation = relu;",
        "dense 10 activation = tanh;",
        "dense 10 activation = rleu;",
        "dense 10 (activation = relu);",
        "dense 10 (activation = sigmoid, init = ones);",
        "dense 4 relu init = uniform;",
        "dense 4 init = he_normal;",
        "dense 4 relu init = bogus;",
        "dense 4 relu bias_init = ones;",
        "dense 4 relu alpha = 0.1;",
        "dense 4 elu alpha = -2.0;",
        "dense 4 leaky_relu alpha = -2.0;",
        "dense 4 alpha = 0.5;",
        "dense 4 relu units = 4;",
        "dense 4 alpha;",
        "dense 4 init;",
        "dense 4 bias_init (init = ones);",
        "dense 0 activation = relu;",
    ];
    for mistake in mistakes {
        let net = |line: &str| -> TokenStream {
            format!("struct Net {{ input 2; {line} dense 1 sigmoid; }}")
                .parse()
                .expect("tokens")
        };
        let errors = errors_of(net(mistake));
        assert_eq!(errors.len(), 1, "{mistake}: {errors:#?}");
        let message = &errors[0];
        let start = message.rfind("`dense ").expect("a suggested line") + 1;
        let length = message[start..].find('`').expect("closing backtick");
        let suggested = &message[start..start + length];
        let again = errors_of(net(suggested));
        assert!(
            again.is_empty(),
            "{mistake} suggests {suggested}, which fails: {again:#?}"
        );
    }
}

/// The expansion of the seed network, for measuring the generated code:
/// A dense output layer with an activation worth grouping takes it over groups of samples in
/// `forward_batch`; a linear or softmax output, a positionwise one or one whose vectors live on
/// the heap keeps the per-sample loop.
#[test]
fn dense_outputs_with_an_activation_group_their_samples() {
    let grouped = |tokens| {
        let text = pipeline(tokens).to_string();
        text.contains("forward_grouped") || text.contains("forward_lanes")
    };
    assert!(grouped(
        quote!(struct Net { input 2; dense 10 relu; dense 1 sigmoid; })
    ));
    assert!(grouped(quote!(struct Net { input 2; dense 3 tanh; })));
    assert!(!grouped(
        quote!(struct Net { input 2; dense 10 relu; dense 1; })
    ));
    assert!(!grouped(
        quote!(struct Net { input 2; dense 10 relu; dense 3 softmax; })
    ));
    assert!(!grouped(
        quote!(struct Net { input 2; dense 3 sigmoid; dropout 0.5; })
    ));
    assert!(!grouped(
        quote!(struct Net { input (2, 3); dense 4 sigmoid; })
    ));
    assert!(!grouped(
        quote!(struct Net { input 2; dense 1025 sigmoid; })
    ));
}

/// Networks of dense layers only (inline vectors, element-wise hidden activations) take their
/// groups of samples in the lanes of registers (`forward_lanes`); a grouped network with
/// another kind of layer, or a softmax inside, takes each sample alone (`forward_grouped`).
#[test]
fn networks_of_dense_layers_take_samples_in_lanes() {
    // 'l': in lanes; 'g': each sample alone, the output activation over the group; '-': neither;
    // 'b': both.
    let way = |tokens| {
        let text = pipeline(tokens).to_string();
        assert!(!text.contains("compile_error"), "{text}");
        // The calls, not the documentation that names them.
        let call = |f: &str| text.contains(&format!("batch :: {f} ("));
        match (call("forward_lanes"), call("forward_grouped")) {
            (true, false) => 'l',
            (false, true) => 'g',
            (false, false) => '-',
            (true, true) => 'b',
        }
    };
    let seed = quote!(struct Net { input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid; });
    assert_eq!(way(seed), 'l');
    assert_eq!(way(quote!(struct Net { input 2; dense 3 tanh; })), 'l');
    let normed =
        quote!(struct Net { input 2; dense 10; batch_norm; activation relu; dense 1 sigmoid; });
    assert_eq!(way(normed), 'g');
    let softmax = quote!(struct Net { input 2; dense 10 softmax; dense 1 sigmoid; });
    assert_eq!(way(softmax), 'g');
    let linear = quote!(struct Net { input 2; dense 10 relu; dense 1; });
    assert_eq!(way(linear), '-');
}

/// `cargo test -p nnet-macros seed_expansion -- --ignored --nocapture | rustfmt --edition 2024 | wc -l`
/// (see BENCHMARKS.md).
#[test]
#[ignore = "prints the expansion; run by hand"]
fn seed_expansion() {
    let out = pipeline(quote! {
        pub struct Classifier { input 2; dense 10 relu; dense 20 relu; dense 1 sigmoid; }
    });
    println!("{out}");
}

#[test]
fn an_f64_network_names_no_f32() {
    let nets = [
        quote!(#[scalar = f64] struct Net { input 3; dense 4 leaky_relu (alpha = 0.2); batch_norm; dropout 0.1; layer_norm; dense 1025 elu; dense 2 softmax; }),
        quote!(#[scalar = f64] struct Seq { input sequence 2; lstm 3 (return_sequences); gru 140 (return_sequences); simple_rnn 2; dense 1; }),
    ];
    for net in nets {
        let out = pipeline(net).to_string();
        assert!(out.contains(":: core :: primitive :: f64"), "{out}");
        // Hyper-parameters (`momentum`, `epsilon`, rates) stay `f32` literals; no type is `f32`.
        assert!(!out.contains("primitive :: f32"), "{out}");
        assert!(!out.contains("HeapVector < 1025 >"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }
    // `#[scalar = f32]` is the default, token for token.
    let default = pipeline(quote!(struct Net { input 2; dense 1 sigmoid; })).to_string();
    let explicit = pipeline(quote!(#[scalar = f32] struct Net { input 2; dense 1 sigmoid; }));
    assert_eq!(explicit.to_string(), default);
}

// `#[weights = "..."]`: the file is read and baked, and the attribute never reaches the struct.

#[test]
fn bakes_a_file_and_consumes_the_attribute() {
    let out = pipeline(quote! {
        #[weights = "../tests/fixtures/classifier.safetensors"]
        pub struct Baked {
            input 2;
            dense 10 relu;
            dense 20 leaky_relu (alpha = 0.1);
            dense 1 sigmoid;
        }
    })
    .to_string();
    assert!(!out.contains("compile_error"), "{out}");
    assert!(out.contains("TRAINED") && out.contains("include_bytes"));
    assert!(
        !out.contains("# [weights"),
        "the attribute reached the struct"
    );
}

#[test]
fn a_bad_file_still_defines_trained() {
    let out = pipeline(quote! {
        #[weights = "../tests/fixtures/classifier.safetensors"]
        pub struct Baked { input 3; dense 1 sigmoid; }
    })
    .to_string();
    assert!(out.contains("compile_error"));
    assert!(out.contains("TRAINED"));
    assert!(!out.contains("include_bytes"));
}

/// A file's recorded version and architecture are quoted shortened, as the run-time loader
/// quotes them: a hostile megabyte of metadata does not reach the compiler's output whole.
#[test]
fn long_metadata_is_quoted_shortened() {
    let dir = std::env::temp_dir().join(format!("nnet-macros-metadata-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let long = "x".repeat(100_000);
    for (key, name) in [
        ("nnet.version", "version"),
        ("nnet.architecture", "architecture"),
    ] {
        let path = dir.join(format!("{name}.safetensors"));
        let zeros = [0_u8; 8];
        let tensors =
            [("dense1.weight", vec![1, 2]), ("dense1.bias", vec![1])].map(|(name, shape)| {
                let bytes = 4 * shape.iter().product::<usize>();
                nnet_safetensors::TensorData {
                    name,
                    dtype: nnet_safetensors::Dtype::F32,
                    shape,
                    data: zeros[..bytes].into(),
                }
            });
        std::fs::write(&path, nnet_safetensors::write(&[(key, &long)], &tensors)).unwrap();
        let path = path.to_str().unwrap();
        let out = pipeline(quote! {
            #[weights = #path]
            pub struct Baked { input 2; dense 1 sigmoid; }
        })
        .to_string();
        let error = out.split("compile_error").nth(1).unwrap_or_default();
        let error = error.split("TRAINED").next().unwrap_or_default();
        assert!(error.contains("(100000 bytes)"), "{name}: {error}");
        assert!(
            error.len() < 2_000,
            "{name}: {} bytes of message",
            error.len()
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes the expansion of every `network!` call in the files listed (space-separated) in
/// `NNET_DUMP_FILES` into the directory `NNET_DUMP_DIR`, one file per call: run it before and
/// after a change to the macro and `diff -r` the two directories to see every token the change
/// moved, e.g.
/// `NNET_DUMP_FILES="$(grep -rl 'network!' $PWD/tests $PWD/nnet-tests | tr '\n' ' ')"
/// NNET_DUMP_DIR=/tmp/before cargo test -p nnet-macros dump_expansions -- --ignored`.
#[test]
#[ignore = "writes expansions for comparison; run by hand"]
fn dump_expansions() {
    use proc_macro2::TokenTree;
    let (Ok(files), Ok(dir)) = (
        std::env::var("NNET_DUMP_FILES"),
        std::env::var("NNET_DUMP_DIR"),
    ) else {
        return;
    };
    fn walk(tokens: TokenStream, out: &mut Vec<TokenStream>) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, t) in tokens.iter().enumerate() {
            if let TokenTree::Group(g) = t {
                let is_call = i >= 2
                    && matches!(&tokens[i - 2], TokenTree::Ident(id) if id == "network")
                    && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '!');
                if is_call {
                    out.push(g.stream());
                } else {
                    walk(g.stream(), out);
                }
            }
        }
    }
    for file in files.split_whitespace() {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let Ok(tokens) = text.parse::<TokenStream>() else {
            continue;
        };
        let mut calls = Vec::new();
        walk(tokens, &mut calls);
        for (k, call) in calls.into_iter().enumerate() {
            let out = pipeline(call).to_string();
            let name = format!("{dir}/{}_{k}.txt", file.replace('/', "_"));
            std::fs::write(name, out).expect("write");
        }
    }
}

/// A `///` doc comment on a layer line documents that layer's field, before the generated
/// description, and changes nothing else in the expansion.
#[test]
fn doc_comments_on_layer_lines_document_their_fields() {
    let documented = pipeline(quote! {
        /// Docs.
        pub struct Classifier {
            input 2;
            /// The hidden layer.
            /// Second line.
            dense 10 relu;
            dense 1 sigmoid;
        }
    })
    .to_string();
    let plain = pipeline(quote! {
        /// Docs.
        pub struct Classifier {
            input 2;
            dense 10 relu;
            dense 1 sigmoid;
        }
    })
    .to_string();
    assert!(!documented.contains("compile_error"), "{documented}");
    let user = "# [doc = r\" The hidden layer.\"] # [doc = r\" Second line.\"] # [doc = \"\"] ";
    let at = documented
        .find(user)
        .expect("the user's doc in the expansion");
    let field = documented[at..]
        .find("pub dense1 :")
        .expect("the field after it");
    // Only the generated description lies between the user's doc and the field.
    let between = &documented[at + user.len()..at + field];
    assert!(
        between.starts_with("# [doc = ") && !between.contains("pub "),
        "{between}"
    );
    assert_eq!(documented.matches(" The hidden layer.").count(), 1);
    assert_eq!(documented.replacen(user, "", 1), plain);
}

/// The same on a sequence network, whose struct is written apart.
#[test]
fn doc_comments_document_the_fields_of_sequence_networks() {
    let out = pipeline(quote! {
        struct Tagger {
            input sequence 3;
            /// Reads the sequence.
            gru 4;
            dense 1;
        }
    })
    .to_string();
    assert!(!out.contains("compile_error"), "{out}");
    let at = out.find(" Reads the sequence.").expect("the user's doc");
    let field = out[at..].find("pub gru1 :").expect("the field after it");
    assert!(!out[at..at + field].contains("pub "));
}

/// The network derives only the traits among `Clone`, `Debug`, `PartialEq` its own
/// `#[derive(...)]` does not name, however spelt, so that no trait is derived twice (E0119).
#[test]
fn the_network_leaves_the_traits_it_derives_to_its_own_derive() {
    let count = |out: &str, name: &str| out.matches(name).count();
    let plain = pipeline(quote! {
        struct Net { input 2; dense 1 sigmoid; }
    })
    .to_string();
    let out = pipeline(quote! {
        #[derive(Clone, std::fmt::Debug)]
        struct Net { input 2; dense 1 sigmoid; }
    })
    .to_string();
    assert!(!out.contains("compile_error"), "{out}");
    // The network's derive lost `Clone` and `Debug`; the companion types keep all three.
    assert_eq!(
        count(&out, ":: core :: clone :: Clone"),
        count(&plain, ":: core :: clone :: Clone") - 1
    );
    assert_eq!(
        count(&out, ":: core :: fmt :: Debug"),
        count(&plain, ":: core :: fmt :: Debug") - 1
    );
    assert_eq!(
        count(&out, ":: core :: cmp :: PartialEq"),
        count(&plain, ":: core :: cmp :: PartialEq")
    );
    let all = pipeline(quote! {
        #[derive(Debug, PartialEq, Clone)]
        struct Net { input sequence 2; gru 2; dense 1; }
    })
    .to_string();
    assert!(!all.contains("compile_error"), "{all}");
    assert!(
        all.contains("# [derive (Debug , PartialEq , Clone)] # [doc ="),
        "{all}"
    );
    assert!(!all.contains("# [derive ()]"));
    // Between the user's derive and the struct, only the architecture's doc: no derive of ours.
    let users = "# [derive (Debug , PartialEq , Clone)]";
    let after = all.find(users).map_or(0, |at| at + users.len());
    let network = all[after..].find("struct Net {").map_or(0, |at| after + at);
    assert!(!all[after..network].contains("derive"), "{all}");
}
