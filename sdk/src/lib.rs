//! FloDrama Player for the browser: carries out the commands of `player-core`.
