//! The sans-IO playback engine.
