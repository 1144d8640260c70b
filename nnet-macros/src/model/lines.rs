//! The lines that messages suggest, built from what the user wrote where it is valid and from
//! defaults where it is not, so that every suggestion compiles as written. They know the
//! grammar's words, so they sit beside them rather than in `diagnostics`.

use proc_macro2::Ident;
use syn::Lit;

use nnet_kinds::{MAX_UNITS, OptionType};

use super::{Act, Init, KindWord};
use crate::ast::SizeLit;

/// The size as written when it is a valid size, else `10`.
pub(crate) fn size_text(size: &SizeLit) -> String {
    match &size.lit {
        Lit::Int(int)
            if !size.negative
                && int
                    .base10_parse::<usize>()
                    .is_ok_and(|n| (1..=MAX_UNITS).contains(&n)) =>
        {
            int.base10_digits().to_owned()
        }
        _ => "10".to_owned(),
    }
}

/// `name` when it is an activation of the grammar, else `default`.
pub(crate) fn activation_or<'a>(name: &'a str, default: &'a str) -> &'a str {
    if Act::from_word(name).is_some() {
        name
    } else {
        default
    }
}

/// `dense {size} {activation} ({option} = {value});`, keeping the activation and value where
/// they are valid for the option: `alpha` needs `leaky_relu` or `elu` and a valid slope, `init`
/// and `bias_init` an initializer name; an unknown option becomes `init`.
pub(crate) fn dense_line(
    size: &str,
    activation: Option<&Ident>,
    option: &str,
    value: &str,
) -> String {
    let activation = activation.map(Ident::to_string);
    let activation = activation.as_deref().map(|a| activation_or(a, "relu"));
    let (activation, option, value) = match option {
        "alpha" => {
            let activation = activation
                .filter(|a| matches!(*a, "leaky_relu" | "elu"))
                .unwrap_or("leaky_relu");
            let valid = value
                .parse::<f32>()
                .is_ok_and(|v| v.is_finite() && (activation == "elu" || v >= 0.0));
            (Some(activation), "alpha", if valid { value } else { "0.2" })
        }
        "bias_init" => (
            activation,
            "bias_init",
            initializer_or(value, dense_default("bias_init")),
        ),
        _ => (
            activation,
            "init",
            initializer_or(value, dense_default("init")),
        ),
    };
    match activation {
        Some(activation) => format!("dense {size} {activation} ({option} = {value});"),
        None => format!("dense {size} ({option} = {value});"),
    }
}

/// Keras's default of the initializer option `name` of `dense`, as its declaration has it.
fn dense_default(name: &str) -> &'static str {
    match KindWord::Dense.decl().option(name).map(|o| o.ty) {
        Some(OptionType::Initializer { default }) => default,
        _ => "zeros",
    }
}

fn initializer_or<'a>(name: &'a str, default: &'a str) -> &'a str {
    if Init::from_word(name).is_some() {
        name
    } else {
        default
    }
}
