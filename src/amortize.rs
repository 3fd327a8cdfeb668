//! Repayment schedules generated from loan terms.
