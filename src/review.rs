//! The HTML review page (being built).
