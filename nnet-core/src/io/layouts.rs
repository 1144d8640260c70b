//! What the importers need to know of a network's tensors beyond their rows and columns
//! ([`Layout`]): the kernel size of each convolution, read from its layer's line, and the shape
//! that a `flatten` before a dense layer flattened, which PyTorch orders channels first.

use nnet_kinds::{Number, OptionType};
use nnet_safetensors::Layout;

use crate::layer::LayerKind;
use crate::{Error, LayerSpec, Result, Shape, TensorInfo};

/// Per layer of a network, what its tensors' layouts are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct LayerLayout {
    /// A convolution's kernel: its size and depth multiplier.
    kernel: Option<Layout>,
    /// The shape whose values, flattened channels last, the layer reads (a dense layer after
    /// `flatten`, or a normalization between the two).
    flattened: Option<Shape>,
}

impl LayerLayout {
    /// The layout of `info`, one of the layer's tensors of `kind`.
    pub(super) fn of(&self, kind: LayerKind, info: &TensorInfo) -> Layout {
        if let Some(kernel) = self.kernel
            && info.matrix
        {
            return kernel;
        }
        match self.flattened {
            // A dense layer's weight reads the flattened values, its bias does not.
            Some(shape) if kind == LayerKind::Dense && info.matrix && info.cols == shape.len() => {
                Layout::Flattened(shape)
            }
            // A normalization holds one value per flattened value.
            Some(shape) if kind != LayerKind::Dense && !info.matrix && info.rows == shape.len() => {
                Layout::Flattened(shape)
            }
            _ => Layout::Plain,
        }
    }
}

/// The layouts of `layers`' tensors, for a network whose input is `input` (`None` if it is not
/// known, which matters only for a `flatten` first).
///
/// # Errors
///
/// [`Error::Weights`] if a convolution's kernel cannot be read from its line, or a `flatten`
/// comes first in a network whose input shape is unknown.
pub(super) fn layouts(input: Option<Shape>, layers: &[LayerSpec]) -> Result<Vec<LayerLayout>> {
    let mut out = Vec::with_capacity(layers.len());
    let mut flattened: Option<Shape> = None;
    for (i, layer) in layers.iter().enumerate() {
        let decl = layer.kind.decl();
        let kernel = match decl.number.kernel_axes() {
            axes if axes > 0 && decl.has_tensors() => Some(kernel(layer, axes)?),
            _ => None,
        };
        out.push(LayerLayout { kernel, flattened });
        flattened = match layer.kind {
            LayerKind::Flatten => {
                let before = match i.checked_sub(1) {
                    Some(j) => layers.get(j).map(|l| l.output),
                    None => input,
                };
                match before {
                    Some(shape) => shape.is_fixed().then_some(shape),
                    None => {
                        return Err(Error::Weights(format!(
                            "`{}` flattens the network's input, whose shape is not known: the importer cannot order the inputs of the layer after it",
                            layer.name
                        )));
                    }
                }
            }
            // Layers that keep each value where it is carry the order on; a dense layer (or
            // anything else) ends it.
            LayerKind::Activation
            | LayerKind::Dropout
            | LayerKind::BatchNorm
            | LayerKind::LayerNorm
                if layer.units == layer.inputs =>
            {
                flattened
            }
            _ => None,
        };
    }
    Ok(out)
}

/// The kernel of the convolution `layer`, of `axes` axes, from its line
/// (`conv2d 6 (3, 2) relu (padding = same)`, `depthwise_conv2d 3 (depth_multiplier = 2)`):
/// the kernel follows the word (and the filters), one number for every axis or a tuple of one
/// per axis.
fn kernel(layer: &LayerSpec, axes: usize) -> Result<Layout> {
    let decl = layer.kind.decl();
    let text = layer.text;
    let unreadable = |why: &str| {
        Error::Weights(format!(
            "cannot read the kernel of `{}` from its line `{text}`: {why}",
            layer.name
        ))
    };
    let rest = text
        .strip_prefix(decl.word)
        .ok_or_else(|| unreadable(&format!("it does not start with `{}`", decl.word)))?
        .trim_start();
    let rest = match decl.number {
        Number::Filters { .. } => rest
            .split_once(char::is_whitespace)
            .map(|(_, rest)| rest.trim_start())
            .ok_or_else(|| unreadable("no kernel after the filters"))?,
        _ => rest,
    };
    let (numbers, after) = match rest.strip_prefix('(') {
        Some(tuple) => tuple
            .split_once(')')
            .ok_or_else(|| unreadable("an unclosed kernel tuple"))?,
        None => rest.split_once(char::is_whitespace).unwrap_or((rest, "")),
    };
    let sizes: Vec<usize> = numbers
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.parse::<usize>().ok().filter(|&n| n > 0))
        .collect::<Option<_>>()
        .ok_or_else(|| unreadable("a kernel size that is not a whole number of at least 1"))?;
    let size = match (axes, sizes.as_slice()) {
        (1, &[k]) => [1, k],
        (2, &[k]) => [k, k],
        (2, &[kh, kw]) => [kh, kw],
        _ => {
            return Err(unreadable(&format!(
                "{} kernel sizes for a kernel of {axes} axes",
                sizes.len()
            )));
        }
    };
    let multiplier = match decl.option("depth_multiplier") {
        Some(option) => {
            let default = match option.ty {
                OptionType::Count { default } => default,
                _ => 1,
            };
            match after.split_once("depth_multiplier") {
                Some((_, value)) => value
                    .trim_start()
                    .strip_prefix('=')
                    .map(str::trim_start)
                    .and_then(|v| {
                        let digits = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
                        v.get(..digits)?.parse::<usize>().ok()
                    })
                    .ok_or_else(|| unreadable("an unreadable depth_multiplier"))?,
                None => default,
            }
        }
        None => 1,
    };
    Ok(Layout::Kernel { size, multiplier })
}

/// The input shape written at the start of an architecture (`input (8, 8, 3); …`,
/// `input 4; …`, `input sequence 2; …`), if it can be read.
pub(super) fn input_shape(architecture: &str) -> Option<Shape> {
    let line = architecture
        .split(';')
        .next()?
        .trim()
        .strip_prefix("input")?;
    let line = line.trim();
    if let Some(n) = line.strip_prefix("sequence") {
        return Some(Shape::Sequence(n.trim().parse().ok()?));
    }
    let Some(tuple) = line.strip_prefix('(') else {
        return Some(Shape::Vector(line.parse().ok()?));
    };
    let axes: Vec<usize> = tuple
        .strip_suffix(')')?
        .split(',')
        .map(|n| n.trim().parse().ok())
        .collect::<Option<_>>()?;
    match axes[..] {
        [steps, channels] => Some(Shape::Steps { steps, channels }),
        [height, width, channels] => Some(Shape::Image {
            height,
            width,
            channels,
        }),
        [n] => Some(Shape::Vector(n)),
        _ => None,
    }
}
