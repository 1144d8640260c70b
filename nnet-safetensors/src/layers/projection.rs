//! The projections of `residual (project)` blocks, `residual{k}.kernel` and `residual{k}.bias`:
//! their tensors as a network lists them, the Keras layers named as shortcuts, and the check
//! that refuses a file whose layer order could put a projection in another place than the
//! network's with every shape still fitting (a Keras file's layers per kind, a PyTorch file's
//! modules in the order their names give).

use std::collections::{BTreeMap, HashSet};

use super::{Found, Group, Layer, Naming, TensorSpec, pytorch_order};
use crate::foreign::{Foreign, LayerKind, tensor_kinds};
use crate::layers::Layout;
use crate::{Error, shorten};

impl<'n> TensorSpec<'n> {
    /// The tensors of the projection `layer` (`residual{k}`) of a `residual (project)` block, a
    /// layer of `kind` from `inputs` to `units` values: its `kernel` `[units, inputs]` (for a
    /// `dense` projection the layout of a dense `weight`; for a `conv1d` or `conv2d` one that
    /// of a kernel of one tap, [`Layout::Kernel`] of size `[1, 1]`) and its `bias` `[units]`.
    ///
    /// In a network's list, they come right after the tensors of the block's last layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_safetensors::{LayerKind, Layout, Naming, TensorSpec};
    ///
    /// let dense = TensorSpec::of_projection(LayerKind::Dense, "residual2", 8, 12);
    /// assert_eq!(dense[0].name(), "residual2.kernel");
    /// assert_eq!(dense[0].shape(), [12, 8]);
    /// assert_eq!(dense[0].file_shape(Naming::Keras), [8, 12]);
    /// assert!(dense[0].is_projection() && dense[1].is_projection());
    /// let conv = TensorSpec::of_projection(LayerKind::Conv2d, "residual1", 4, 8);
    /// assert_eq!(conv[0].layout, Layout::Kernel { size: [1, 1], multiplier: 1 });
    /// assert_eq!(conv[0].file_shape(Naming::PyTorch), [8, 4, 1, 1]);
    /// assert_eq!(conv[1].shape(), [8]);
    /// ```
    pub fn of_projection(
        kind: LayerKind,
        layer: &'n str,
        inputs: usize,
        units: usize,
    ) -> Vec<Self> {
        let kernel = TensorSpec::matrix(kind, layer, "kernel", units, inputs);
        let kernel = match kind.decl().number.kernel_axes() {
            0 => kernel,
            _ => kernel.with_layout(Layout::Kernel {
                size: [1, 1],
                multiplier: 1,
            }),
        };
        vec![kernel, TensorSpec::vector(kind, layer, "bias", units)]
    }

    /// Whether the tensor belongs to the projection of a `residual (project)` block: its layer
    /// is named `residual{k}`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nnet_safetensors::{LayerKind, TensorSpec};
    ///
    /// assert!(TensorSpec::vector(LayerKind::Dense, "residual3", "bias", 4).is_projection());
    /// assert!(!TensorSpec::vector(LayerKind::Dense, "dense3", "bias", 4).is_projection());
    /// ```
    pub fn is_projection(&self) -> bool {
        self.layer
            .strip_prefix("residual")
            .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
    }

    /// The tensor of the kind's declaration that this one is: itself, or for a projection's
    /// `kernel` the kind's first tensor (a dense layer's `weight`).
    pub(crate) fn kind_tensor(&self) -> &'n str {
        let decl = self.kind.decl();
        if decl.tensor(self.tensor).is_some() || self.tensor != "kernel" {
            return self.tensor;
        }
        decl.tensors.first().map_or(self.tensor, |t| t.name)
    }
}

/// The network's tensors with each dense projection read as a one-tap `conv1d` (the same
/// `[units, inputs]` kernel in nnet's layout): a sequence network's projection, a dense layer
/// at every step, is a 1×1 `Conv1D` or `nn.Conv1d` in a framework's sequence model. `None` for
/// nnet's own files and networks without a dense projection.
pub(super) fn as_conv1d<'n>(
    tensors: &[TensorSpec<'n>],
    naming: Naming,
) -> Option<Vec<TensorSpec<'n>>> {
    let dense = |t: &TensorSpec<'_>| t.is_projection() && t.kind == LayerKind::Dense;
    if naming == Naming::Nnet || !tensors.iter().any(dense) {
        return None;
    }
    let convs = tensors.iter().map(|&t| {
        if !dense(&t) {
            return t;
        }
        let conv = TensorSpec {
            kind: LayerKind::Conv1d,
            ..t
        };
        if conv.matrix {
            conv.with_layout(Layout::Kernel {
                size: [1, 1],
                multiplier: 1,
            })
        } else {
            conv
        }
    });
    Some(convs.collect())
}

/// A shape error of a network with projections, with how the file's order must put them: a
/// shortcut in another place than the network's projection shifts the layers after it.
pub(super) fn order_hint(error: Error, tensors: &[TensorSpec<'_>], naming: Naming) -> Error {
    let hint = match naming {
        Naming::Nnet => return error,
        Naming::Keras => {
            "; in a network of `residual (project)` blocks, create each Keras shortcut layer after its block's layers, or name the shortcut layers `shortcut`, `shortcut_1`, … in the order of the blocks"
        }
        Naming::PyTorch => {
            "; in a network of `residual (project)` blocks, give the modules in the order of the network's layers, each shortcut right after its block's last layer"
        }
    };
    match error {
        Error::Shape {
            name,
            found,
            expected,
        } if tensors.iter().any(TensorSpec::is_projection) => Error::Shape {
            name,
            found,
            expected: format!("{expected}{hint}"),
        },
        other => other,
    }
}

/// Whether a Keras layer's name says it is the shortcut of a block: its last part, without a
/// number at its end, ends in `shortcut` or `residual` (`shortcut`, `shortcut_2`,
/// `block1_shortcut`, `residual_1`).
pub(super) fn keras_shortcut(layer: &str) -> bool {
    let last = layer.rsplit(['/', '.']).next().unwrap_or(layer);
    let base = last.trim_end_matches(|c: char| c.is_ascii_digit());
    let base = base.strip_suffix('_').unwrap_or(base);
    base.ends_with("shortcut") || base.ends_with("residual")
}

impl Layer<'_, '_> {
    /// Whether the layer is the projection of a `residual (project)` block.
    pub(super) fn is_projection(&self) -> bool {
        self.tensors.first().is_some_and(TensorSpec::is_projection)
    }

    /// What a file of `naming` shows of the layer: its kind and the shapes of its tensors.
    fn signature(&self, naming: Naming) -> (LayerKind, Vec<Vec<usize>>) {
        let shapes = self.tensors.iter().map(|t| t.file_shape(naming)).collect();
        (self.kind, shapes)
    }
}

/// Visits allowed in [`other_order`] before it gives up and calls the order ambiguous.
const MAX_VISITS: usize = 100_000;

/// Where another order of `layers` than theirs fits a file as well, if one does: the first
/// position at which it differs, with the layer it puts there.
///
/// The other orders considered are those a framework gives when the shortcut layer of a block
/// is created (Keras) or listed (PyTorch) in another place than the network's, most often
/// before its block's layers: the layers that are not projections keep their order, and the
/// projections go anywhere among them. Such an order fits if each position holds a layer of
/// the same kind and shapes in the file as the network's layer there. Projections are few, so
/// the search is small; past [`MAX_VISITS`] states it answers with the first projection that
/// has another layer before it.
pub(super) fn other_order(layers: &[&Layer<'_, '_>], naming: Naming) -> Option<(usize, usize)> {
    if !layers.iter().any(|l| l.is_projection()) {
        return None;
    }
    let mut search = Search {
        signatures: layers.iter().map(|l| l.signature(naming)).collect(),
        projection: layers.iter().map(|l| l.is_projection()).collect(),
        dead: HashSet::new(),
        visits: 0,
    };
    let mut order = Vec::with_capacity(layers.len());
    let mut placed = vec![false; layers.len()];
    if !search.run(&mut order, &mut placed) {
        return None;
    }
    let at = order.iter().enumerate().position(|(i, &l)| i != l);
    match at {
        Some(i) => Some((i, order[i])),
        // The search gave up: name a projection after the first layer.
        None => {
            let p = search.projection.iter().skip(1).position(|&p| p)? + 1;
            Some((p - 1, p))
        }
    }
}

struct Search {
    signatures: Vec<(LayerKind, Vec<Vec<usize>>)>,
    projection: Vec<bool>,
    /// States from which no other fitting order is complete: the layers placed, and whether
    /// the order already differs.
    dead: HashSet<(Vec<bool>, bool)>,
    visits: usize,
}

impl Search {
    /// Whether `order` (with `placed`) completes into a fitting order other than the network's;
    /// if so, `order` holds it (or, when the search gave up, what it had).
    fn run(&mut self, order: &mut Vec<usize>, placed: &mut [bool]) -> bool {
        let i = order.len();
        let differs = order.iter().enumerate().any(|(k, &l)| k != l);
        if i == self.signatures.len() {
            return differs;
        }
        let key = (placed.to_vec(), differs);
        if self.dead.contains(&key) {
            return false;
        }
        self.visits += 1;
        if self.visits > MAX_VISITS {
            order.clear();
            return true;
        }
        for candidate in self.candidates(placed) {
            if self.signatures[candidate] != self.signatures[i] {
                continue;
            }
            placed[candidate] = true;
            order.push(candidate);
            if self.run(order, placed) {
                return true;
            }
            order.pop();
            placed[candidate] = false;
        }
        self.dead.insert(key);
        false
    }

    /// The layers that may come next: the next layer that is not a projection, and any
    /// projection not yet placed.
    fn candidates(&self, placed: &[bool]) -> Vec<usize> {
        let next = (0..placed.len()).find(|&l| !self.projection[l] && !placed[l]);
        let projections = (0..placed.len()).filter(|&l| self.projection[l] && !placed[l]);
        let mut candidates: Vec<usize> = next.into_iter().chain(projections).collect();
        // The network's own order first: the search for another one is then a search for
        // where it can differ.
        candidates.sort_unstable();
        candidates
    }
}

impl Layer<'_, '_> {
    /// Whether the file's tensors `found` for the layer have the shapes it needs.
    pub(super) fn fits(&self, naming: Naming, found: &Found<'_, '_>) -> bool {
        self.tensors.iter().enumerate().all(|(i, spec)| {
            let shape = spec.file_shape(naming);
            found
                .get(self.start + i)
                .and_then(Option::as_ref)
                .is_some_and(|(tensor, second)| {
                    tensor.shape == shape && second.is_none_or(|t| t.shape == shape)
                })
        })
    }
}

/// A Keras file whose layers of a kind could be the network's in another order, a shortcut
/// created before some of its block's layers, with every shape fitting: an error saying how to
/// give the order.
pub(super) fn check_keras_order(
    per_kind: &BTreeMap<(LayerKind, bool), Vec<Group<'_, '_>>>,
    layers: &[Layer<'_, '_>],
    found: &Found<'_, '_>,
) -> Result<(), Error> {
    let naming = Naming::Keras;
    for (&(kind, _), groups) in per_kind {
        let ours: Vec<&Layer<'_, '_>> = layers.iter().filter(|l| l.kind == kind).collect();
        // A file that does not fit the network's order is refused for its shapes.
        if !ours.iter().all(|l| l.fits(naming, found)) {
            continue;
        }
        let Some((at, other)) = other_order(&ours, naming) else {
            continue;
        };
        let (Some(group), Some(here), Some(there)) =
            (groups.get(at), ours.get(at), ours.get(other))
        else {
            continue;
        };
        let class = kind.class_name(naming);
        return Err(Error::UnexpectedTensor {
            name: group.first(),
            reason: format!(
                "layer `{}` could be the network's `{}` or its `{}`: the Keras `{class}` layers have the same shapes in both orders, so the file cannot tell whether a block's shortcut `{class}` layer was created after the block's layers (nnet's order: the projection `residual{{k}}` counts right after its block's last layer) or before them: name the shortcut layers `shortcut`, `shortcut_1`, … in the order of the blocks (`{class}(…, name=\"shortcut_1\")`), which the import matches to the network's projections",
                shorten(group.layer),
                here.label(),
                there.label()
            ),
        });
    }
    Ok(())
}

/// A PyTorch file whose order, found from its modules' names, could be the network's in
/// another order, a shortcut listed before some of its block's layers, with every module's kind
/// and shapes fitting: an error saying how to give the order. An order given by the caller is
/// taken as it is.
pub(super) fn check_pytorch_order(
    units: &[Group<'_, '_>],
    layers: &[Layer<'_, '_>],
    rule: pytorch_order::Rule,
    found: &Found<'_, '_>,
) -> Result<(), Error> {
    let naming = Naming::PyTorch;
    // Numbers order the modules of every kind together; else each kind apart.
    let sets: Vec<Vec<usize>> = match rule {
        pytorch_order::Rule::Given => return Ok(()),
        pytorch_order::Rule::Numbers => vec![(0..layers.len()).collect()],
        pytorch_order::Rule::Kinds => tensor_kinds()
            .map(|kind| {
                (0..layers.len())
                    .filter(|&i| layers[i].kind == kind)
                    .collect()
            })
            .collect(),
    };
    if !layers.iter().all(|l| l.fits(naming, found)) {
        return Ok(());
    }
    for set in sets {
        let ours: Vec<&Layer<'_, '_>> = set.iter().map(|&i| &layers[i]).collect();
        let Some((at, other)) = other_order(&ours, naming) else {
            continue;
        };
        let (Some(&index), Some(here), Some(there)) = (set.get(at), ours.get(at), ours.get(other))
        else {
            continue;
        };
        let Some(unit) = units.get(index) else {
            continue;
        };
        let modules: Vec<String> = units
            .iter()
            .map(|u| format!("\"{}\"", shorten(u.key)))
            .collect();
        let mut modules = modules;
        modules.dedup();
        return Err(Error::UnexpectedTensor {
            name: unit.first(),
            reason: format!(
                "module `{}` could be the network's `{}` or its `{}`: the modules fit in both orders, so the names cannot tell whether a block's shortcut module comes after the block's layers (nnet's order: the projection `residual{{k}}` right after its block's last layer) or before them: give the modules in the order of the network's layers, each shortcut right after its block's last layer, e.g. `LoadOptions::pytorch().with_module_order([{}])` if that is this order",
                shorten(unit.key),
                here.label(),
                there.label(),
                modules.join(", ")
            ),
        });
    }
    Ok(())
}
