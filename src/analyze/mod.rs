//! After detection: findings become incidents (`correlate`), incidents become a remediation
//! plan (`remediate`) and a scope of what they touched through Microsoft Graph (`scope`), and
//! the "did you expect this?" questions are routed to the customer and their answers applied
//! (`duet`). Each takes findings from `detect` and hands its result to the writers in
//! `report`.

pub mod correlate;
pub mod duet;
pub mod remediate;
pub mod scope;
