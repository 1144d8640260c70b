//! The keywords of the layer list.

syn::custom_keyword!(input);
