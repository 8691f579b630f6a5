//! Admin operations straight on the embedded store, for when no server holds it. The
//! routing queue lives in the server's process, so the commands that need it say so.

use switchboard_store::embedded::{EmbeddedStore, MemoryQueue};

use super::direct::DirectAdmin;

pub type LocalAdmin = DirectAdmin<EmbeddedStore, MemoryQueue>;

const NO_QUEUE: &str = "the routing queue and its dead letters live in the running \
     `switchboard serve` process, and none is running on this data directory (dead letters \
     do not outlive the process; on start it re-drives every lead still awaiting routing)";

pub fn local(store: EmbeddedStore) -> LocalAdmin {
    DirectAdmin::new(store, None, NO_QUEUE, None)
}
