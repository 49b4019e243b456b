//! Questions an analyst asks of the dataset beside the detections: everything about one
//! user or IP (`dossier`), hunting rules and IOC sweeps (`hunt`), and the auditor's
//! compliance summary (`compliance`). Each reads the enriched tables and hands sections to
//! the writers in `report`.

pub mod compliance;
pub mod dossier;
pub mod hunt;
