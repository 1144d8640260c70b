//! `residual` blocks: what expands, the errors and their wording, the recorded architecture.

use quote::quote;

use super::errors_of;
use crate::pipeline;

/// Expands `tokens`, asserting no error.
fn expands(tokens: proc_macro2::TokenStream) -> String {
    let out = pipeline(tokens).to_string();
    assert!(!out.contains("compile_error"), "{out}");
    out
}

/// The one error of `tokens`, as text.
fn error(tokens: proc_macro2::TokenStream) -> String {
    let errors = errors_of(tokens.clone());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let out = pipeline(tokens).to_string();
    let start = out.find("compile_error").unwrap_or(0);
    let end = out[start..].find("\" }").map_or(out.len(), |e| start + e);
    out[start..end].to_owned()
}

#[test]
fn blocks_expand_on_every_kind_of_shape() {
    let out = expands(quote! {
        struct Net {
            input 3;
            residual (project) { dense 3 relu; residual (project) { dense 5; }; }
            residual (project) { dense 2; }
        }
    });
    assert!(out.contains("residual2"), "the inner projection's field");
    assert!(out.contains("residual3"), "the last projection's field");
    expands(quote! {
        struct Net {
            input (8, 8, 2);
            residual (project) { conv2d 4 3 (strides = 2, padding = same); max_pool2d 2 (padding = same); }
            flatten;
            dense 2;
        }
    });
    expands(quote! {
        struct Net {
            input sequence 2;
            residual (project) { conv1d 4 2 (padding = causal); gru 3 (return_sequences); }
            dense 1;
        }
    });
}

#[test]
fn a_shape_mismatch_names_both_shapes_and_the_projection() {
    let text = error(quote! { struct Net { input 4; residual { dense 8 relu; } dense 1; } });
    assert!(text.contains("a vector of 8"), "{text}");
    assert!(text.contains("a vector of 4"), "{text}");
    assert!(text.contains("residual (project)"), "{text}");
    let text = error(quote! {
        struct Net { input (8, 8, 2); residual { conv2d 4 3 (padding = same); } flatten; dense 1; }
    });
    assert!(
        text.contains("(8, 8, 4)") && text.contains("(8, 8, 2)"),
        "{text}"
    );
    assert!(text.contains("1×1 convolution"), "{text}");
}

#[test]
fn empty_and_needless_blocks_are_errors() {
    let text = error(quote! { struct Net { input 4; residual { } dense 1; } });
    assert!(text.contains("empty"), "{text}");
    let text = error(quote! { struct Net { input 4; residual (project) { dense 4; } dense 1; } });
    assert!(text.contains("remove `(project)`"), "{text}");
    let text = error(quote! { struct Net { input 4; residual (projcet) { dense 8; } dense 1; } });
    assert!(text.contains("did you mean `project`"), "{text}");
    let text = error(quote! { struct Net { input 4; residual { input 4; dense 4; } dense 1; } });
    assert!(text.contains("inside a residual block"), "{text}");
}

#[test]
fn blocks_that_change_the_kind_of_shape_cannot_be_projected() {
    let text = error(quote! {
        struct Net { input sequence 2; residual (project) { gru 3; } dense 1; }
    });
    assert!(text.contains("return_sequences"), "{text}");
    let text = error(quote! {
        struct Net { input (4, 4, 2); residual (project) { flatten; } dense 1; }
    });
    assert!(text.contains("flatten"), "{text}");
    let text = error(quote! {
        struct Net { input (8, 8, 2); residual (project) { conv2d 4 3 (strides = 2); } flatten; dense 1; }
    });
    assert!(text.contains("padding = same"), "{text}");
    assert!(
        text.contains("(4, 4, 4)"),
        "what the projection reaches: {text}"
    );
}

#[test]
fn layers_inside_blocks_count_with_the_others() {
    let def: crate::ast::NetworkDef = syn::parse2(quote! {
        struct Net {
            input 4;
            dense 4;
            residual { dense 4 relu; residual (project) { dense 2; } dense 4; }
            dense 1;
        }
    })
    .expect("parses");
    let Ok(model) = crate::validate::validate(&def) else {
        panic!("valid");
    };
    let fields: Vec<String> = model
        .fields()
        .iter()
        .map(|l| l.field().to_string())
        .collect();
    assert_eq!(
        fields,
        [
            "dense1",
            "dense2",
            "dense3",
            "residual2",
            "dense4",
            "dense5"
        ]
    );
    assert_eq!(
        model.architecture(),
        "input 4; dense 4 linear; residual { dense 4 relu; residual (project) { dense 2 linear; } dense 4 linear; } dense 1 linear;"
    );
    assert_eq!(model.depths(), [0, 1, 2, 1, 1, 0, 0]);
    // dense 20 + 20 + 10, the projection 4 · 2 + 2, dense 12 + 5.
    assert_eq!(model.params(), 20 + 20 + 10 + 10 + 12 + 5);
}

#[test]
fn doc_comments_on_a_projecting_block_document_its_projection() {
    let out = expands(quote! {
        struct Net {
            input 4;
            /// The shortcut.
            residual (project) { dense 8 relu; }
        }
    });
    assert!(out.contains("The shortcut."), "{out}");
    let text = error(quote! {
        struct Net {
            input 4;
            /// No field.
            residual { dense 4 relu; }
            dense 1;
        }
    });
    assert!(text.contains("no field to document"), "{text}");
}
