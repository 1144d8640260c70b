//! The order of a PyTorch file's modules, which the network's layers take one after the other:
//! the numbers that end the modules' names (`0`, `layers.1`), else the order of the network's
//! layers of each kind (`gru` and `fc` of a custom module, each the only one of its kind), else
//! an order the caller gives.

use std::collections::{BTreeMap, HashSet};

use super::{Group, Layer, pytorch_kinds, pytorch_layers, same_number};
use crate::foreign::LayerKind;
use crate::{Error, Naming, shorten};

/// How the order of a file's modules was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rule {
    /// The caller gave it.
    Given,
    /// The numbers that end the modules' names.
    Numbers,
    /// The network's layers of each kind took the modules of that kind.
    Kinds,
}

/// The modules' layers (one per layer of a multi-layer recurrent module) in the order the
/// network's layers take them, with the number of modules and the rule that gave the order.
///
/// With `order` (module names as the file spells them), that order. Else, if every module's
/// name ends in a number and no two the same, the order of the numbers. Else, if every
/// module's kind is told by its tensors and the modules of each kind are ordered by their
/// numbers (a lone module of its kind needs none), the network's layers of each kind take the
/// modules of that kind in turn (a multi-layer recurrent module on consecutive layers). Else
/// the order of the numbers, if they differ.
///
/// # Errors
///
/// Two modules whose order is unknown; a module missing from `order`, a name of `order` that
/// is no module of the file or is listed twice.
pub(super) fn units<'f, 'a>(
    groups: BTreeMap<&'f str, Group<'f, 'a>>,
    layers: &[Layer<'_, '_>],
    order: &[String],
) -> Result<(usize, Vec<Group<'f, 'a>>, Rule), Error> {
    let count = groups.len();
    if !order.is_empty() {
        return Ok((count, given(groups, order)?, Rule::Given));
    }
    let numbers: HashSet<u64> = groups.values().map(|g| g.number).collect();
    let numbered = numbers.len() == count && groups.values().all(|g| ends_in_digit(g.layer));
    if !numbered && let Some(units) = by_kinds(&groups, layers) {
        return Ok((count, units, Rule::Kinds));
    }
    Ok((count, by_numbers(groups)?, Rule::Numbers))
}

fn ends_in_digit(name: &str) -> bool {
    name.ends_with(|c: char| c.is_ascii_digit())
}

/// In the order of the numbers that end the modules' names.
fn by_numbers<'f, 'a>(
    groups: BTreeMap<&'f str, Group<'f, 'a>>,
) -> Result<Vec<Group<'f, 'a>>, Error> {
    let naming = Naming::PyTorch;
    let mut modules: BTreeMap<u64, Group<'f, 'a>> = BTreeMap::new();
    for group in groups.into_values() {
        if let Some(other) = modules.get(&group.number) {
            return Err(match same_number(naming, &group, other, "") {
                Error::UnexpectedTensor { name, reason } => Error::UnexpectedTensor {
                    name,
                    reason: format!(
                        "{reason}; or give the modules in the order of the network's layers, e.g. `LoadOptions::pytorch().with_module_order([\"{}\", \"{}\"])`",
                        shorten(other.layer),
                        shorten(group.layer)
                    ),
                },
                other => other,
            });
        }
        modules.insert(group.number, group);
    }
    let mut units = Vec::new();
    for module in modules.into_values() {
        units.extend(pytorch_layers(module)?);
    }
    Ok(units)
}

/// The network's layers of each kind take the modules of that kind in the order of their
/// numbers; `None` if a module's kind is not told by its tensors (among the network's kinds), two modules of a kind have
/// the same number, the file and the network have not as many layers of each kind, or the
/// layers of a multi-layer recurrent module would not be consecutive layers of the network.
fn by_kinds<'f, 'a>(
    groups: &BTreeMap<&'f str, Group<'f, 'a>>,
    layers: &[Layer<'_, '_>],
) -> Option<Vec<Group<'f, 'a>>> {
    // Per kind, the modules' numbers, each with its index and its layers.
    let mut per_kind: BTreeMap<LayerKind, BTreeMap<u64, (usize, Vec<Group<'f, 'a>>)>> =
        BTreeMap::new();
    for (m, group) in groups.values().enumerate() {
        let units = pytorch_layers(group.clone()).ok()?;
        // The one kind the module's tensors allow among the network's kinds (an `nn.Conv2d`
        // is a conv2d or a depthwise_conv2d layer: whichever the network has).
        let mut kinds = units.iter().map(|unit| {
            let (kinds, ..) = pytorch_kinds(unit)?;
            let mut ours = kinds
                .iter()
                .copied()
                .filter(|k| layers.iter().any(|l| l.kind == *k));
            let kind = ours.next()?;
            ours.next().is_none().then_some(kind)
        });
        let kind = kinds.next()??;
        if !kinds.all(|k| k == Some(kind)) {
            return None;
        }
        let of_kind = per_kind.entry(kind).or_default();
        if of_kind.insert(group.number, (m, units)).is_some() {
            return None;
        }
    }
    let mut queues: BTreeMap<LayerKind, Vec<(usize, Group<'f, 'a>)>> = per_kind
        .into_iter()
        .map(|(kind, modules)| {
            let units = modules
                .into_values()
                .flat_map(|(m, units)| units.into_iter().map(move |u| (m, u)))
                .rev()
                .collect();
            (kind, units)
        })
        .collect();
    let mut ordered = Vec::with_capacity(layers.len());
    let mut previous: Option<usize> = None;
    for layer in layers {
        let (m, unit) = queues.get_mut(&layer.kind)?.pop()?;
        // A later layer of a module follows the one before it in the network.
        let follows = previous == Some(m);
        if unit.rnn.is_some_and(|(j, _)| j > 0) && !follows {
            return None;
        }
        previous = Some(m);
        ordered.push(unit);
    }
    queues.values().all(Vec::is_empty).then_some(ordered)
}

/// In the order of `order`, the modules' names as the file spells them.
fn given<'f, 'a>(
    mut groups: BTreeMap<&'f str, Group<'f, 'a>>,
    order: &[String],
) -> Result<Vec<Group<'f, 'a>>, Error> {
    let listed = || {
        let names: Vec<String> = order.iter().map(|n| format!("`{}`", shorten(n))).collect();
        names.join(", ")
    };
    let modules = |groups: &BTreeMap<&str, Group<'_, '_>>| {
        let names: Vec<String> = groups.keys().map(|n| format!("`{}`", shorten(n))).collect();
        names.join(", ")
    };
    let mut seen = HashSet::new();
    for name in order {
        if !seen.insert(name.as_str()) {
            return Err(Error::ModuleOrder(format!(
                "the module order lists `{}` twice ({})",
                shorten(name),
                listed()
            )));
        }
        if !groups.contains_key(name.as_str()) {
            return Err(Error::ModuleOrder(format!(
                "the module order lists `{}`, but the file has no module of that name with tensors (it has {})",
                shorten(name),
                modules(&groups)
            )));
        }
    }
    if let Some(group) = groups.values().find(|g| !seen.contains(g.key)) {
        return Err(Error::UnexpectedTensor {
            name: group.first(),
            reason: format!(
                "module `{}` is not in the module order given ({}): list every module of the file that has tensors",
                shorten(group.key),
                listed()
            ),
        });
    }
    let mut units = Vec::new();
    for name in order {
        if let Some(module) = groups.remove(name.as_str()) {
            units.extend(pytorch_layers(module)?);
        }
    }
    Ok(units)
}
