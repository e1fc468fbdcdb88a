//! End-to-end runs of `stackc` (written next).
