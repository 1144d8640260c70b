//! The pipeline on convolution and pooling lines: valid lists expand, each mistake is one
//! error (no cascade), the lines the messages suggest compile, and no list makes it panic.

use proc_macro2::TokenStream;

use super::errors_of;
use crate::pipeline;

fn net(body: &str) -> TokenStream {
    format!("struct Net {{ {body} }}").parse().expect("tokens")
}

/// Odd convolution and pooling lists: each expands, or fails with exactly the expected number
/// of errors.
#[test]
fn odd_conv_lists() {
    let cases = [
        (
            "input (9, 6); conv1d 9 3 (groups = 3); flatten; dense 1;",
            0,
        ),
        (
            "input (9, 6, 2); conv2d 4 (3, 2) (strides = (2, 1)); global_max_pool; dense 1;",
            0,
        ),
        (
            "input (9, 6, 2); depthwise_conv2d (3) (depth_multiplier = 3); flatten; dense 1;",
            0,
        ),
        (
            "input (9, 6, 2); max_pool2d 20 (padding = same); flatten; dense 1;",
            0,
        ),
        (
            "input (9, 2); conv1d 4 3 (padding = causal, dilation = 4); dense 1;",
            0,
        ),
        (
            "input (9, 2); conv1d 4 3 (strides = (2)); max_pool1d (2,); flatten; dense 1;",
            0,
        ),
        ("input (9, 6, 2); conv2d 4 3 softmax; flatten; dense 1;", 0),
        (
            "input (9, 6, 2); conv2d 4 3 leaky_relu (alpha = 0.1, l1 = 0.01); flatten; dense 1;",
            0,
        ),
        (
            "input (9, 6, 2); depthwise_conv2d 3 elu (alpha = 0.5, use_bias = false); flatten; dense 1;",
            0,
        ),
        ("input 784; conv2d 8 3; flatten; dense 1;", 1),
        ("input 20; conv1d 8 3; flatten; dense 1;", 1),
        ("input (5, 5, 1); conv2d 8 7; flatten; dense 1;", 1),
        (
            "input (9, 1); conv1d 8 3 (dilation = 5); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 1); conv1d 8 3 (dilation = 2, strides = 2); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6); conv1d 8 3 (groups = 4); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6); conv1d 9 3 (groups = 2); flatten; dense 1;",
            1,
        ),
        // Neither the channels nor the filters: one error that says both.
        (
            "input (9, 6); conv1d 9 3 (groups = 4); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6); conv1d 8 3 (padding = smae); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 1); conv2d 8 3 (padding = causal); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 1); max_pool2d 2 (padding = causal); flatten; dense 1;",
            1,
        ),
        ("input (9, 6); max_pool2d 2; flatten; dense 1;", 1),
        ("input (9, 6); conv2d 4 2; flatten; dense 1;", 1),
        ("input (9, 6); depthwise_conv2d 2; flatten; dense 1;", 1),
        ("input (9, 6, 2); max_pool1d 2; flatten; dense 1;", 1),
        ("input (9, 6, 2); conv1d 4 3; flatten; dense 1;", 1),
        ("input (9, 6, 2); max_pool2d 0; flatten; dense 1;", 1),
        ("input (9, 6, 2); conv2d 4 (3, 0); flatten; dense 1;", 1),
        ("input (9, 6, 2); conv2d 0 3; flatten; dense 1;", 1),
        (
            "input (9, 6, 2); conv2d 4 3 (strides = 0); flatten; dense 1;",
            1,
        ),
        ("input (9, 6, 2); conv2d 4 (3, 3, 3); flatten; dense 1;", 1),
        ("input (9, 6); conv1d 4 (3, 3); flatten; dense 1;", 1),
        (
            "input (9, 6, 2); conv2d 4 3 (strides = (1, 2, 3)); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6); conv1d 4 3 (strides = (1, 2)); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); global_avg_pool; max_pool2d 2; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); global_avg_pool; global_max_pool; dense 1;",
            1,
        ),
        ("input (9, 6, 2); global_avg_pool; conv1d 2 2; dense 1;", 1),
        ("input (9, 6, 2); flatten; conv2d 2 2; dense 1;", 1),
        ("input sequence 3; conv1d 8 3; gru 4;", 1),
        ("input sequence 3; conv1d 8 3; dense 1;", 1),
        (
            "input sequence 3; conv1d 8 3 (padding = causal, strides = 2); gru 4;",
            1,
        ),
        // Streamed (see `tests::sequence_conv` for the sequence networks' rules).
        ("input sequence 3; conv1d 8 3 (padding = causal); gru 4;", 0),
        (
            "input sequence 3; gru 4 (return_sequences); max_pool1d 2; gru 2;",
            1,
        ),
        (
            "input sequence 3; gru 4 (return_sequences); global_avg_pool; dense 2;",
            1,
        ),
        ("input sequence 3; conv2d 4 3; gru 2;", 1),
        ("input sequence 3; gru 4; conv1d 4 3; dense 1;", 1),
        ("input (9, 6, 2); conv2d 4; flatten; dense 1;", 1),
        ("input (9, 6, 2); conv2d relu; flatten; dense 1;", 1),
        ("input (9, 6, 2); max_pool2d; flatten; dense 1;", 1),
        (
            "input (9, 6, 2); conv2d 4 3 relu strides = 2; flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); conv2d 4 3 (groups = 0); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); conv2d 4 3 (depth_multiplier = 2); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); depthwise_conv2d 3 (groups = 2); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); conv2d 4 3 (padding = \"same\"); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); conv2d 4 3 (padding = 2); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); conv2d 4 3 (strides = two); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); conv2d 4 3 (strides = 1.5); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); conv2d 4 3 (strides = 2, strides = 1); flatten; dense 1;",
            2,
        ),
        ("input (9, 6, 2); conv2d 4 3 softmax;", 1),
        (
            "input (200, 200, 1); conv2d 64 3 (padding = same); flatten; dense 1;",
            1,
        ),
        (
            "input (256, 256, 1); conv2d 1 3 (padding = same); flatten; dense 1;",
            0,
        ),
        (
            "input (200, 200, 1); conv2d 2 3 (padding = same); flatten; dense 1;",
            1,
        ),
        (
            "input (2, 2, 1); conv2d 4 300 (padding = same); flatten; dense 1;",
            1,
        ),
        ("input (9, 6, 2); conv2d 4 0x3; flatten; dense 1;", 1),
        ("input (9, 6, 2); global_max_pool 2; dense 1;", 1),
        ("input (9, 6, 2); max_pool2d 2 relu; flatten; dense 1;", 1),
        (
            "input (9, 6, 2); conv2d 4 3 (strides = ()); flatten; dense 1;",
            1,
        ),
        ("input (9, 6, 2); conv2d 4 (); flatten; dense 1;", 1),
        ("input (9, 6, 2); conv2d 4 -3; flatten; dense 1;", 1),
        (
            "input (9, 6, 2); conv2d 4 3 relu (alpha = 0.1); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); conv2d 4 3 (use_bias = false, bias_init = ones); flatten; dense 1;",
            1,
        ),
        (
            "input (4, 4, 1); conv2d 4 5 (dilation = 2); flatten; dense 1;",
            1,
        ),
        (
            "input (9, 6, 2); conv2d 4 99999999999; flatten; dense 1;",
            1,
        ),
        // Two mistakes on two lines: two errors, and none for the layers after them.
        (
            "input (9, 6, 2); conv2d 4 9; max_pool1d 2; flatten; dense 1;",
            2,
        ),
    ];
    for (case, expected) in cases {
        let errors = errors_of(net(case));
        assert_eq!(errors.len(), expected, "{case}: {errors:#?}");
    }
}

/// The lines the convolution and pooling messages suggest compile in place of the faulty ones.
#[test]
fn suggested_conv_lines_compile() {
    let cases = [
        // (network, its fix from the message, the part of the message that suggests it)
        (
            "input 784; conv2d 8 3; flatten; dense 1;",
            "input (28, 28, 1); conv2d 8 3; flatten; dense 1;",
            "`input (28, 28, 1);`",
        ),
        (
            "input 20; conv1d 8 3; flatten; dense 1;",
            "input (20, 1); conv1d 8 3; flatten; dense 1;",
            "`input (20, 1);`",
        ),
        (
            "input (9, 6); max_pool2d 2; flatten; dense 1;",
            "input (9, 6); max_pool1d 2; flatten; dense 1;",
            "`max_pool1d 2`",
        ),
        (
            "input (9, 6); conv2d 4 (2, 3); flatten; dense 1;",
            "input (9, 6, 1); conv2d 4 (2, 3); flatten; dense 1;",
            "`input (9, 6, 1);`",
        ),
        (
            "input (9, 6); conv2d 4 (2, 3); flatten; dense 1;",
            "input (9, 6); conv1d 4 2; flatten; dense 1;",
            "`conv1d 4 2`",
        ),
        (
            "input (9, 6); depthwise_conv2d 2 (depth_multiplier = 2); flatten; dense 1;",
            "input (9, 6); conv1d 12 2 (groups = 6); flatten; dense 1;",
            "`conv1d 12 2 (groups = 6);`",
        ),
        (
            "input (9, 6, 2); conv1d 4 3; flatten; dense 1;",
            "input (9, 6, 2); conv2d 4 3; flatten; dense 1;",
            "`conv2d 4 3`",
        ),
        (
            "input (9, 6); conv1d 8 3 (groups = 4); flatten; dense 1;",
            "input (9, 6); conv1d 8 3 (groups = 2); flatten; dense 1;",
            "`groups = 2`",
        ),
        (
            "input (9, 6); conv1d 9 3 (groups = 2); flatten; dense 1;",
            "input (9, 6); conv1d 9 3 (groups = 1); flatten; dense 1;",
            "`groups = 1`",
        ),
        (
            "input (9, 6); conv1d 8 3 (padding = smae); flatten; dense 1;",
            "input (9, 6); conv1d 8 3 (padding = same); flatten; dense 1;",
            "`same`",
        ),
        (
            "input sequence 3; conv1d 8 3; dense 1;",
            "input (100, 3); conv1d 8 3; dense 1;",
            "`input (100, 3);`",
        ),
        (
            "input (9, 6, 2); conv2d 4 3 relu strides = 2; flatten; dense 1;",
            "input (9, 6, 2); conv2d 4 3 relu (strides = 2); flatten; dense 1;",
            "`conv2d 4 3 relu (strides = 2);`",
        ),
        (
            "input (9, 6, 2); conv2d 4 (3, 3, 3); flatten; dense 1;",
            "input (9, 6, 2); conv2d 4 (3, 3); flatten; dense 1;",
            "`conv2d 4 (3, 3);`",
        ),
        (
            "input (9, 6); conv1d 4 (3, 3); flatten; dense 1;",
            "input (9, 6); conv1d 4 3; flatten; dense 1;",
            "`conv1d 4 3;`",
        ),
        (
            "input (5, 5, 1); conv2d 8 7; flatten; dense 1;",
            "input (5, 5, 1); conv2d 8 7 (padding = same); flatten; dense 1;",
            "`padding = same`",
        ),
        (
            "input (9, 6, 2); conv2d 4 0x3; flatten; dense 1;",
            "input (9, 6, 2); conv2d 4 3; flatten; dense 1;",
            "`conv2d 4 3;`",
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

/// Each convolution and pooling rule's message says what it should, on the token at fault.
#[test]
fn conv_messages_name_the_rule() {
    let cases = [
        (
            "input (9, 6, 2); global_avg_pool; max_pool2d 2; dense 1;",
            "already pooled every position",
        ),
        (
            "input (9, 1); conv1d 8 3 (dilation = 2, strides = 2); flatten; dense 1;",
            "cannot both be above 1",
        ),
        (
            "input sequence 3; conv1d 8 3 (padding = same); gru 4;",
            "must be `padding = causal` with `strides = 1`",
        ),
        (
            "input sequence 3; conv1d 8 3 (padding = causal, strides = 2); gru 4;",
            "must be `padding = causal` with `strides = 1`",
        ),
        (
            "input (9, 6, 1); conv2d 8 3 (padding = causal); flatten; dense 1;",
            "`padding = causal`",
        ),
        (
            "input (5, 5, 1); max_pool2d 7; flatten; dense 1;",
            "the pool size of `max_pool2d` must fit",
        ),
        (
            "input (9, 6); conv1d 9 3 (groups = 2); flatten; dense 1;",
            "must divide the 9 filters",
        ),
        (
            "input (9, 6); conv1d 8 3 (groups = 4); flatten; dense 1;",
            "must divide the 6 input channels",
        ),
        (
            "input (9, 6); conv1d 9 3 (groups = 4); flatten; dense 1;",
            "both the 6 input channels of (9, 6) and the 9 filters",
        ),
    ];
    for (case, words) in cases {
        let message = pipeline(net(case)).to_string();
        assert!(message.contains(words), "{case}: {message}");
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of convolution and pooling lines, and some they should not contain.
    const PIECES: &[&str] = &[
        "input",
        "conv1d",
        "conv2d",
        "depthwise_conv2d",
        "max_pool1d",
        "avg_pool1d",
        "max_pool2d",
        "avg_pool2d",
        "global_avg_pool",
        "global_max_pool",
        "flatten",
        "dense",
        "sequence",
        "gru",
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
        "2.5",
        "-",
        "()",
        "(2, 2)",
        "(1, 2, 3)",
        "strides",
        "dilation",
        "padding",
        "same",
        "valid",
        "causal",
        "groups",
        "depth_multiplier",
        "use_bias",
        "false",
        "relu",
        "softmax",
        "batch_norm",
        "return_sequences",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// A valid CNN with one token replaced, removed or inserted.
        #[test]
        fn mutated_cnns(position in 0usize..60, piece in 0usize..100, mode in 0u8..3) {
            let valid = "pub struct Net { input ( 9 , 8 , 2 ) ; conv2d 4 ( 3 , 2 ) relu ( strides = ( 2 , 1 ) , padding = same ) ; depthwise_conv2d 3 ( depth_multiplier = 2 ) ; batch_norm ; max_pool2d 2 ; avg_pool2d 1 ( padding = same ) ; global_avg_pool ; dense 2 softmax ; }";
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

        /// A valid 1-D CNN with one token replaced, removed or inserted.
        #[test]
        fn mutated_signal_cnns(position in 0usize..50, piece in 0usize..100, mode in 0u8..3) {
            let valid = "pub struct Net { input ( 16 , 2 ) ; conv1d 4 3 ( padding = causal , dilation = 2 ) ; conv1d 4 2 ( groups = 2 ) ; max_pool1d 2 ; avg_pool1d 2 ; flatten ; dense 1 ; }";
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

        /// Arbitrary sequences of the pieces.
        #[test]
        fn arbitrary_conv_streams(pieces in prop::collection::vec(0usize..100, 0..40)) {
            let source: Vec<&str> = pieces.into_iter().map(|i| PIECES[i % PIECES.len()]).collect();
            if let Ok(tokens) = source.join(" ").parse::<TokenStream>() {
                let _ = pipeline(tokens);
            }
        }
    }
}
