//! The AWS source's integration tests, one binary:
//! - `ministack`: round trips through the ministack emulator (`MINISTACK_URL`; see scripts/ministack).
//! - `stub`: a recording HTTP stub on 127.0.0.1 (SigV4, AssumeRole, access denial, retries, timeouts).
//! - `mocks`: aws-smithy-mocks, for what the emulator lacks (query definitions, error shapes).

#[path = "aws/common.rs"]
mod common;
#[path = "aws/ministack.rs"]
mod ministack;
#[path = "aws/mocks.rs"]
mod mocks;
#[path = "aws/stub.rs"]
mod stub;
