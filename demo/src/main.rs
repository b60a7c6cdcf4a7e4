//! The QA page.

fn main() {}
