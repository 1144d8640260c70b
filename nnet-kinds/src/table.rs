//! The tables of nnet's weight files and of their names in PyTorch and Keras, written from the
//! declarations, so the docs that show them (`nnet::io`, `nnet_safetensors::Naming`) can be
//! checked against them.

use core::fmt;

use crate::Kind;
use crate::decl::{Dim, KindDecl, TensorDecl};

/// The Markdown table of the tensors of every kind in nnet's files: one row per tensor, with
/// its name, shape, whether it trains and what it holds.
///
/// # Examples
///
/// ```
/// let table = nnet_kinds::FileTable.to_string();
/// assert!(table.starts_with("| layer | tensor | shape | trainable | meaning |\n"));
/// assert!(table.contains("| `gru{k}` | `bias` | `[3·units, 2]` | yes |"));
/// assert!(table.contains("| `batch_norm{k}` | `moving_mean` | `[units]` | no |"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileTable;

impl fmt::Display for FileTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("| layer | tensor | shape | trainable | meaning |\n")?;
        f.write_str("| --- | --- | --- | --- | --- |\n")?;
        for kind in Kind::ALL {
            let decl = kind.decl();
            for tensor in decl.tensors {
                write!(f, "| `{}{{k}}` | `{}` | ", decl.word, tensor.name)?;
                shape(f, decl, tensor, Framework::Nnet)?;
                let trainable = if tensor.trainable { "yes" } else { "no" };
                write!(f, " | {trainable} | {}", tensor.doc)?;
                if tensor.rows == Dim::GateUnits && decl.gate_count() > 1 {
                    f.write_str("; gates ")?;
                    for (i, gate) in decl.gates().iter().enumerate() {
                        let comma = if i == 0 { "" } else { ", " };
                        write!(f, "{comma}`{gate}`")?;
                    }
                }
                f.write_str(" |\n")?;
            }
        }
        Ok(())
    }
}

/// One axis as the docs write it for this kind: `3·units` for a GRU's gates, `2` for its bias
/// rows.
fn axis(f: &mut fmt::Formatter<'_>, decl: &KindDecl, dim: Dim) -> fmt::Result {
    match dim {
        Dim::GateUnits if decl.gate_count() > 1 => write!(f, "{}·units", decl.gate_count()),
        Dim::GateUnits => f.write_str("units"),
        Dim::BiasRows => write!(f, "{}", decl.bias_rows()),
        other => write!(f, "{other}"),
    }
}

/// The Markdown table of every tensor's names: nnet's, PyTorch's (the module and its
/// parameters, `_l{j}` for layer `j` of a recurrent module) and Keras's (the layer class and
/// its variable), each with its shape in that framework. PyTorch parameters the import skips
/// have rows of their own.
///
/// # Examples
///
/// ```
/// let table = nnet_kinds::NamesTable.to_string();
/// assert!(table.contains(
///     "| `dense` | `weight` `[units, inputs]` | `nn.Linear` `weight` `[units, inputs]` | `Dense` `kernel` `[inputs, units]` |"
/// ));
/// assert!(table.contains("`bias_ih_l{j}` + `bias_hh_l{j}`, each `[4·units]`"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NamesTable;

impl fmt::Display for NamesTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("| nnet layer | nnet tensor | PyTorch | Keras |\n")?;
        f.write_str("| --- | --- | --- | --- |\n")?;
        for kind in Kind::ALL {
            let decl = kind.decl();
            let module = decl.pytorch_class.unwrap_or(decl.keras_class);
            for tensor in decl.tensors {
                write!(f, "| `{}` | `{}` ", decl.word, tensor.name)?;
                shape(f, decl, tensor, Framework::Nnet)?;
                if let Some(option) = tensor.only_with {
                    write!(f, " (unless `{option} = false`)")?;
                }
                write!(f, " | `{module}` ")?;
                let suffix = if decl.is_recurrent() { "_l{j}" } else { "" };
                for (i, param) in tensor.pytorch.iter().enumerate() {
                    let joint = match i {
                        0 => "",
                        _ if tensor.cols.is_some() => ", ",
                        _ => " + ",
                    };
                    write!(f, "{joint}`{param}{suffix}`")?;
                }
                if tensor.pytorch.len() > 1 {
                    // Two parameters of one row each: the columns of a matrix, or a sum.
                    f.write_str(", each `[")?;
                    axis(f, decl, tensor.rows)?;
                    f.write_str("]`")?;
                    if tensor.cols.is_some() {
                        f.write_str(" as the columns")?;
                    }
                } else {
                    f.write_str(" ")?;
                    shape(f, decl, tensor, Framework::PyTorch)?;
                }
                write!(f, " | `{}` `{}` ", decl.keras_class, tensor.keras)?;
                shape(f, decl, tensor, Framework::Keras)?;
                f.write_str(" |\n")?;
            }
            for param in decl.pytorch_skipped {
                writeln!(
                    f,
                    "| `{}` | (none) | `{module}` `{param}`, skipped | (none) |",
                    decl.word
                )?;
            }
        }
        Ok(())
    }
}

/// Whose file a shape is written for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Framework {
    Nnet,
    PyTorch,
    Keras,
}

/// The shape of a convolution's kernel in PyTorch's and Keras's files, with one axis per
/// kernel axis; `None` for other tensors and for nnet's files (`[filters, taps·in/groups]`).
fn kernel_shape(
    decl: &KindDecl,
    tensor: &TensorDecl,
    framework: Framework,
) -> Option<&'static str> {
    let axes = decl.number.kernel_axes();
    if axes == 0 || tensor.cols.is_none() {
        return None;
    }
    let depthwise = decl.option("depth_multiplier").is_some();
    Some(match (framework, depthwise, axes) {
        (Framework::Nnet, ..) => return None,
        (Framework::PyTorch, true, _) => "[channels·multiplier, 1, kh, kw]",
        (Framework::Keras, true, _) => "[kh, kw, channels, multiplier]",
        (Framework::PyTorch, false, 1) => "[filters, in/groups, k]",
        (Framework::Keras, false, 1) => "[k, in/groups, filters]",
        (Framework::PyTorch, false, _) => "[filters, in/groups, kh, kw]",
        (Framework::Keras, false, _) => "[kh, kw, in/groups, filters]",
    })
}

/// `` `[rows, cols]` `` or `` `[rows]` `` in `framework`'s files: the axes swapped in Keras's
/// for a tensor it stores transposed, a convolution's kernel with one axis per kernel axis.
fn shape(
    f: &mut fmt::Formatter<'_>,
    decl: &KindDecl,
    tensor: &TensorDecl,
    framework: Framework,
) -> fmt::Result {
    if let Some(kernel) = kernel_shape(decl, tensor, framework) {
        return write!(f, "`{kernel}`");
    }
    let transposed = framework == Framework::Keras && tensor.keras_transposed;
    f.write_str("`[")?;
    match (tensor.cols, transposed) {
        (Some(cols), true) => {
            axis(f, decl, cols)?;
            f.write_str(", ")?;
            axis(f, decl, tensor.rows)?;
        }
        (Some(cols), false) => {
            axis(f, decl, tensor.rows)?;
            f.write_str(", ")?;
            axis(f, decl, cols)?;
        }
        (None, _) => axis(f, decl, tensor.rows)?,
    }
    f.write_str("]`")
}

/// The lines of the Markdown table that `source` shows in comments beginning with `comment`
/// (`"//! "`, `"/// "`) from the line that is `table`'s first: how a test checks that
/// documentation shows [`FileTable`] or [`NamesTable`] as the declarations write it.
///
/// # Examples
///
/// ```
/// use nnet_kinds::{FileTable, documented_table};
///
/// let table = FileTable.to_string();
/// let source = format!("//! The tensors:\n//!\n//! {}\n//!\n//! More.", table.replace('\n', "\n//! "));
/// let documented: Vec<&str> = documented_table(&source, "//! ", &table).collect();
/// assert_eq!(documented, table.lines().collect::<Vec<_>>());
/// ```
pub fn documented_table<'a>(
    source: &'a str,
    comment: &'a str,
    table: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    let header = table.lines().next().unwrap_or_default();
    source
        .lines()
        .skip_while(move |line| line.strip_prefix(comment) != Some(header))
        .map_while(move |line| line.strip_prefix(comment).filter(|l| l.starts_with('|')))
}
