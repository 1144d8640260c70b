//! A kind's names in PyTorch and Keras files, read from its declaration in `nnet-kinds`: the
//! module or layer class, the parameter names as a file spells them, the kinds a file's
//! tensors can be.

use crate::layers::Naming;

/// The kinds of layer, as far as weight files are concerned: the declarations of `nnet-kinds`
/// (activation and dropout layers own no tensor).
pub use nnet_kinds::Kind as LayerKind;

/// Every kind with tensors, in the order messages list them.
pub(crate) fn tensor_kinds() -> impl Iterator<Item = LayerKind> {
    LayerKind::ALL.iter().copied().filter(|k| k.has_tensors())
}

/// The recurrent kinds.
pub(crate) fn recurrent_kinds() -> impl Iterator<Item = LayerKind> {
    LayerKind::ALL.iter().copied().filter(|k| k.is_recurrent())
}

/// The recurrent kind with `gates` gates.
pub(crate) fn of_gates(gates: usize) -> Option<LayerKind> {
    recurrent_kinds().find(|k| k.gates() == gates)
}

/// The parameters of a PyTorch recurrent module that nnet reads, without their `_l{j}`
/// suffix (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`), each once.
pub(crate) fn pytorch_recurrent_params() -> Vec<&'static str> {
    let mut params: Vec<&'static str> = Vec::new();
    for tensor in recurrent_kinds().flat_map(|k| k.decl().tensors) {
        for &param in tensor.pytorch {
            if !params.contains(&param) {
                params.push(param);
            }
        }
    }
    params
}

/// The parameters of `kind` under `naming` that every layer of the kind has, skipped ones
/// included: those of its tensors present only with an option (a dense bias) left out.
fn core_params(kind: LayerKind, naming: Naming) -> Vec<&'static str> {
    let decl = kind.decl();
    let tensors = decl.tensors.iter().filter(|t| t.only_with.is_none());
    let mut params: Vec<&'static str> = tensors
        .filter_map(|t| kind.foreign_names(naming, t.name))
        .flatten()
        .copied()
        .collect();
    if naming == Naming::PyTorch {
        params.extend(decl.pytorch_skipped);
    }
    params
}

/// The non-recurrent kinds with tensors.
fn plain_kinds() -> impl Iterator<Item = LayerKind> {
    tensor_kinds().filter(|k| !k.is_recurrent())
}

/// The first parameter that `has` and only one non-recurrent kind has under `naming` (in the
/// order of the kinds, then of their tensors), with that kind: `running_mean` tells an
/// `nn.BatchNorm1d`, `kernel` a Keras `Dense` layer.
pub(crate) fn telling_param(
    naming: Naming,
    has: impl Fn(&str) -> bool,
) -> Option<(LayerKind, &'static str)> {
    plain_kinds().find_map(|kind| {
        let param = core_params(kind, naming).into_iter().find(|p| {
            has(p)
                && plain_kinds()
                    .all(|other| other == kind || !core_params(other, naming).contains(p))
        })?;
        Some((kind, param))
    })
}

/// The non-recurrent kinds with one of the parameters `has`, the closest fit first: those
/// lacking the fewest of their parameters under `naming` (a module with `weight` and `bias`
/// alone is an `nn.LayerNorm` before an `nn.BatchNorm1d`), then in the order of the kinds.
pub(crate) fn by_fit(naming: Naming, has: impl Fn(&str) -> bool) -> Vec<LayerKind> {
    let mut kinds: Vec<(usize, LayerKind)> = plain_kinds()
        .filter_map(|kind| {
            let params = core_params(kind, naming);
            let lacking = params.iter().filter(|p| !has(p)).count();
            (lacking < params.len()).then_some((lacking, kind))
        })
        .collect();
    kinds.sort_by_key(|(lacking, _)| *lacking);
    kinds.into_iter().map(|(_, kind)| kind).collect()
}

/// What a kind is called in PyTorch and Keras files, from its declaration.
pub(crate) trait Foreign: Copy {
    /// The PyTorch module or Keras layer class of the kind, quoted, with its article.
    fn class(self, naming: Naming) -> String;
    /// The class without article, for lists: `nn.Linear`, `Dense`.
    fn class_name(self, naming: Naming) -> &'static str;
    /// The names of nnet's tensor `tensor` of this kind in a PyTorch or Keras file: one, or
    /// two for the bias of a PyTorch recurrent module (`bias_ih`, `bias_hh`).
    fn foreign_names(self, naming: Naming, tensor: &str) -> Option<&'static [&'static str]>;
    /// The (first) name of nnet's tensor `tensor` of this kind in a PyTorch or Keras file, as
    /// the file spells it (`weight_ih_l0`).
    fn foreign_param(self, naming: Naming, tensor: &str) -> Option<String>;
    /// A parameter name as the file spells it for layer `j` of a module: `weight_ih_l0` for a
    /// PyTorch recurrent module, else as it is.
    fn spelled(self, naming: Naming, param: &str, j: usize) -> String;
    /// Every parameter name of the kind in a PyTorch or Keras file, as the file spells it,
    /// skipped ones included.
    fn foreign_params(self, naming: Naming) -> Vec<String>;
    /// The PyTorch parameters of the kind that the import skips.
    fn skipped(self) -> &'static [&'static str];
}

impl Foreign for LayerKind {
    fn class(self, naming: Naming) -> String {
        match naming {
            Naming::PyTorch => format!("an `{}`", self.class_name(naming)),
            Naming::Nnet | Naming::Keras => {
                format!("a Keras `{}` layer", self.class_name(naming))
            }
        }
    }

    fn class_name(self, naming: Naming) -> &'static str {
        let decl = self.decl();
        match (naming, decl.pytorch_class) {
            (Naming::PyTorch, Some(class)) => class,
            _ => decl.keras_class,
        }
    }

    fn foreign_names(self, naming: Naming, tensor: &str) -> Option<&'static [&'static str]> {
        let tensor = self.decl().tensor(tensor)?;
        Some(match naming {
            Naming::Keras => std::slice::from_ref(&tensor.keras),
            Naming::Nnet | Naming::PyTorch => tensor.pytorch,
        })
    }

    fn foreign_param(self, naming: Naming, tensor: &str) -> Option<String> {
        let name = self.foreign_names(naming, tensor)?.first()?;
        Some(self.spelled(naming, name, 0))
    }

    fn spelled(self, naming: Naming, param: &str, j: usize) -> String {
        if naming == Naming::PyTorch && self.is_recurrent() {
            format!("{param}_l{j}")
        } else {
            param.to_owned()
        }
    }

    fn foreign_params(self, naming: Naming) -> Vec<String> {
        let mut params: Vec<String> = Vec::new();
        for tensor in self.decl().tensors {
            if let Some(names) = self.foreign_names(naming, tensor.name) {
                params.extend(names.iter().map(|p| self.spelled(naming, p, 0)));
            }
        }
        if naming == Naming::PyTorch {
            params.extend(self.skipped().iter().map(|p| (*p).to_owned()));
        }
        params
    }

    fn skipped(self) -> &'static [&'static str] {
        self.decl().pytorch_skipped
    }
}
