//! `kruntimes:runtime/outputs`: `set-output`, the interface form of the `$KRUNTIME_OUTPUTS` file.
//!
//! Each call is checked against the same limits as the file (see [`crate::outputs`]), so the guest learns at once;
//! a refused call changes nothing and does not fail the Run. The set is shared by every component of the Run and
//! merged over the file's outputs when the Run ends (the interface wins on a duplicate key), and the merged set
//! is checked again ([`crate::outputs::check_set`]).

use super::bindings::kruntimes::runtime::outputs::Host;
use super::{GuestState, lock};
use crate::outputs::{self, MAX_KEYS, MAX_TOTAL_BYTES};

impl Host for GuestState {
    async fn set_output(
        &mut self,
        key: String,
        value: String,
    ) -> wasmtime::Result<Result<(), String>> {
        let Some(run) = &self.run else {
            return Ok(Err("outputs are not available to this component".to_owned()));
        };
        if let Err(problem) = outputs::check_entry(&key, &value) {
            return Ok(Err(problem));
        }
        let mut set = lock(&run.outputs);
        let replaced = set.get(&key).map_or(0, |old| key.len() + old.len());
        if replaced == 0 && set.len() == MAX_KEYS {
            return Ok(Err(format!("more than {MAX_KEYS} keys")));
        }
        let total = outputs::set_bytes(&set) - replaced + key.len() + value.len();
        if total > MAX_TOTAL_BYTES {
            return Ok(Err(format!(
                "outputs would total {total} bytes, over the limit of {MAX_TOTAL_BYTES} bytes"
            )));
        }
        set.insert(key, value);
        Ok(Ok(()))
    }
}
