//! The table of nnet's weight files, written from the declarations, so the docs that show it
//! (`nnet::io`) can be checked against them.

use core::fmt;

use crate::Kind;
use crate::decl::{Dim, KindDecl};

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
                write!(f, "| `{}{{k}}` | `{}` | `[", decl.word, tensor.name)?;
                axis(f, decl, tensor.rows)?;
                if let Some(cols) = tensor.cols {
                    f.write_str(", ")?;
                    axis(f, decl, cols)?;
                }
                let trainable = if tensor.trainable { "yes" } else { "no" };
                write!(f, "]` | {trainable} | {}", tensor.doc)?;
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
