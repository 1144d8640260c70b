//! Residual blocks in the model: each block (its layers, shapes and projection), and the
//! orders the expansion walks a network with blocks in: its events (blocks opening, layers,
//! sums) and its entries (layers and sums, the order of `LAYERS` and of every tensor list).

use nnet_kinds::Shape;
use proc_macro2::{Ident, Span};
use quote::format_ident;

use super::{Layer, Model};

/// A `residual` block: the layers `first..=last` of the network, whose output is added to the
/// block's input (through `projection` when it has one).
#[derive(Clone)]
pub(crate) struct Block {
    /// `k` of `residual{k}`: the blocks counted in the source order of their keywords.
    pub ordinal: usize,
    /// The block's first and last layers, indices into [`Model::layers`].
    pub first: usize,
    pub last: usize,
    /// The shape the block reads (one step's, in a sequence) and the shape of the sum.
    pub input: Shape,
    pub output: Shape,
    /// The trainable projection of `residual (project)`: a dense layer on vectors (and per
    /// step), a 1×1 convolution on fixed shapes.
    pub projection: Option<Layer>,
    pub span: Span,
}

impl Block {
    /// The field of the sum, `residual{k}`, that summaries and weight files name the block by.
    pub(crate) fn field(&self) -> Ident {
        format_ident!("residual{}", self.ordinal)
    }

    /// Trainable parameters: the projection's.
    pub(crate) fn params(&self) -> usize {
        self.projection.as_ref().map_or(0, Layer::params)
    }

    /// The projection's multiply-accumulates (the sum itself is no multiply-accumulate).
    pub(crate) fn macs(&self) -> usize {
        self.projection.as_ref().map_or(0, Layer::macs)
    }

    /// The block's line in saved files: `residual` or `residual (project)`.
    pub(crate) fn text(&self) -> &'static str {
        if self.projection.is_some() {
            "residual (project)"
        } else {
            "residual"
        }
    }
}

/// One step of the chain of a network with residual blocks, in order: a block opens before its
/// first layer and closes (the sum) after its last; blocks that open together open outer first,
/// blocks that close together close inner first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    /// Block `b` (an index into [`Model::blocks`]) opens: the value here is its skip input.
    Open(usize),
    /// Layer `i` of [`Model::layers`].
    Layer(usize),
    /// Block `b` closes: its sum.
    Close(usize),
}

/// One entry of the network's ordered list of layers (`Architecture::LAYERS`, the summary, the
/// workspaces' buffers): a layer, or a block's sum (with its projection) right after the
/// block's last layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    Layer(usize),
    Sum(usize),
}

impl Model<'_> {
    /// Every layer with a field in the network's struct, in the order of [`entries`](Self::entries):
    /// the layers, and each projection right after its block's last layer.
    pub(crate) fn fields(&self) -> Vec<&Layer> {
        self.entries()
            .into_iter()
            .filter_map(|e| match e {
                Entry::Layer(i) => Some(&self.layers[i]),
                Entry::Sum(b) => self.blocks[b].projection.as_ref(),
            })
            .collect()
    }

    /// Whether the network ends with a block's sum (its output has no activation).
    pub(crate) fn ends_with_sum(&self) -> bool {
        self.blocks.iter().any(|b| b.last + 1 == self.layers.len())
    }

    /// The chain in order, with the blocks opening and closing (see [`Event`]).
    pub(crate) fn events(&self) -> Vec<Event> {
        let mut events = Vec::new();
        for i in 0..self.layers.len() {
            // Outer blocks (opened earlier, smaller ordinal) first.
            let mut opens: Vec<usize> = (0..self.blocks.len())
                .filter(|&b| self.blocks[b].first == i)
                .collect();
            opens.sort_by_key(|&b| self.blocks[b].ordinal);
            events.extend(opens.into_iter().map(Event::Open));
            events.push(Event::Layer(i));
            let mut closes: Vec<usize> = (0..self.blocks.len())
                .filter(|&b| self.blocks[b].last == i)
                .collect();
            closes.sort_by_key(|&b| std::cmp::Reverse(self.blocks[b].ordinal));
            events.extend(closes.into_iter().map(Event::Close));
        }
        events
    }

    /// The ordered list of layers and sums (see [`Entry`]).
    pub(crate) fn entries(&self) -> Vec<Entry> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Open(_) => None,
                Event::Layer(i) => Some(Entry::Layer(i)),
                Event::Close(b) => Some(Entry::Sum(b)),
            })
            .collect()
    }

    /// For each of the [`entries`](Self::entries), the blocks around it: a layer's, or those
    /// around a block for its sum.
    pub(crate) fn depths(&self) -> Vec<usize> {
        let inside =
            |b: &Block, c: &Block| c.first <= b.first && b.last <= c.last && c.ordinal < b.ordinal;
        self.entries()
            .into_iter()
            .map(|entry| match entry {
                Entry::Layer(i) => self
                    .blocks
                    .iter()
                    .filter(|c| c.first <= i && i <= c.last)
                    .count(),
                Entry::Sum(b) => {
                    let block = &self.blocks[b];
                    self.blocks.iter().filter(|c| inside(block, c)).count()
                }
            })
            .collect()
    }

    /// Whether no block opens or sums between layers `i` and `j` (`i < j`): a value there is
    /// seen by a skip, so nothing folds across.
    pub(crate) fn no_boundary(&self, i: usize, j: usize) -> bool {
        !self
            .blocks
            .iter()
            .any(|b| (i < b.first && b.first <= j) || (i <= b.last && b.last < j))
    }

    /// The entry (an index into [`entries`](Self::entries)) of the value block `b` reads:
    /// `None` for the network's input.
    pub(crate) fn skip_entry(&self, b: usize) -> Option<usize> {
        let entries = self.entries();
        let events = self.events();
        let open = events.iter().position(|e| *e == Event::Open(b))?;
        // The last layer or sum before the opening.
        events[..open].iter().rev().find_map(|e| match *e {
            Event::Layer(i) => entries.iter().position(|x| *x == Entry::Layer(i)),
            Event::Close(c) => entries.iter().position(|x| *x == Entry::Sum(c)),
            Event::Open(_) => None,
        })
    }
}
